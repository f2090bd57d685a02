"""Pieces the registry API routes share: a list page, a patch's values, renamed errors."""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.db.models import Model, QuerySet
from ninja import Schema

from gongzhi.core.pagination import keyset_page

M = TypeVar("M", bound=Model)


def page_response(
    qs: QuerySet[M],
    *,
    key: str,
    cursor: str | None,
    limit: int | None,
    out: Callable[[M], Any] | None = None,
) -> dict[str, Any]:
    """One page of ``qs`` as ``{"items", "next"}``; ``out`` turns a row into its body."""
    page = keyset_page(qs, key=key, cursor=cursor, limit=limit)
    items = page.items if out is None else [out(row) for row in page.items]
    return {"items": items, "next": page.next_cursor}


def patch_values(payload: Schema, *, nullable: Collection[str] = ()) -> dict[str, Any]:
    """The fields a PATCH body sent. A null means "leave it" except for ``nullable`` fields,
    where it clears the value."""
    sent = payload.dict(exclude_unset=True)
    return {k: v for k, v in sent.items() if v is not None or k in nullable}


def renamed_errors(exc: ValidationError, names: dict[str, str]) -> ValidationError:
    """Service errors named after the API's body fields (``names``: service → body)."""
    if not hasattr(exc, "error_dict"):
        return exc
    errors: dict[str, list[str]] = {}
    for field, items in exc.error_dict.items():
        errors.setdefault(names.get(field, field), []).extend(
            str(m) for e in items for m in e.messages
        )
    return ValidationError(errors)
