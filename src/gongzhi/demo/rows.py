"""Idempotent bulk writes for the demo: create what is missing, update what differs.

A second run with the same data writes nothing, so no history rows are added.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Mapping
from typing import Any, TypeVar

from django.db import models
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

M = TypeVar("M", bound=models.Model)

BATCH = 500


def sync_rows(
    model: type[M],
    rows: Iterable[Mapping[str, Any]],
    *,
    key: Callable[[Any], Hashable],
    existing: Iterable[M],
) -> dict[Hashable, M]:
    """Make ``model`` hold ``rows`` (field attnames → values), matched by ``key``.

    ``key`` is applied to a row mapping and to an object alike (through
    ``_Get``), ``existing`` are the objects that may match. Returns every
    row's object by key, in the order of ``rows`` (so callers can number them
    the same way on every run). Fields not named in a row are left as they are.
    """
    by_key: dict[Hashable, M] = {key(_Get(obj)): obj for obj in existing}
    to_create: list[M] = []
    to_update: list[M] = []
    changed_fields: set[str] = set()
    result: dict[Hashable, M] = {}
    for row in rows:
        obj = by_key.get(key(row))
        if obj is None:
            obj = model(**row)
            to_create.append(obj)
            by_key[key(row)] = obj
            result[key(row)] = obj
            continue
        result[key(row)] = obj
        changed = [name for name, value in row.items() if getattr(obj, name) != value]
        for name in changed:
            setattr(obj, name, row[name])
        if changed:
            to_update.append(obj)
            changed_fields.update(changed)
    has_history = hasattr(model, "history")
    if to_create:
        if has_history:
            bulk_create_with_history(to_create, model, batch_size=BATCH)
        else:
            model._default_manager.bulk_create(to_create, batch_size=BATCH)
    if to_update:
        fields = sorted(changed_fields)
        if has_history:
            bulk_update_with_history(to_update, model, fields, batch_size=BATCH)
        else:
            model._default_manager.bulk_update(to_update, fields, batch_size=BATCH)
    return result


class _Get(dict[str, Any]):
    """Lets one ``key`` function read a row mapping and a model object alike."""

    def __init__(self, obj: models.Model) -> None:
        super().__init__()
        self._obj = obj

    def __missing__(self, name: str) -> Any:
        return getattr(self._obj, name)
