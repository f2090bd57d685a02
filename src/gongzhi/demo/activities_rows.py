"""Fast idempotent writes for the demo's largest tables (tens of thousands of rows).

:func:`gongzhi.demo.rows.sync_rows` builds a model instance per row, which costs
about a tenth of a millisecond each: seconds for the attendance of five years.
:func:`sync_many` does the same job — create what is missing with its creation
history row, update what differs — with one ``executemany`` per table for the
new rows and plain values for the comparison. Updates (rare: a second load
finds nothing to change) still go through the ORM with their history.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connection, connections, models
from django.db.models.fields import AutoFieldMixin
from django.utils import timezone
from simple_history.utils import bulk_update_with_history

from gongzhi.demo.rows import BATCH

#: Parameters one statement may carry (PostgreSQL's protocol limit, with room to spare).
MAX_PARAMETERS = 60_000

# Field types whose values the database driver takes as they are.
_AS_IS = {
    "BigIntegerField",
    "BooleanField",
    "CharField",
    "FloatField",
    "ForeignKey",
    "IntegerField",
    "OneToOneField",
    "PositiveIntegerField",
    "PositiveSmallIntegerField",
    "SmallIntegerField",
    "TextField",
}


def sync_many(
    model: type[models.Model],
    rows: Sequence[Mapping[str, Any]],
    *,
    key: Sequence[str],
    existing: models.QuerySet[Any],
) -> dict[tuple[Any, ...], int]:
    """Make ``model`` hold ``rows`` (attnames → values), matched on the ``key`` fields among
    ``existing``; returns each row's primary key by its key tuple.

    Every row names the same fields; fields not named keep their defaults (new rows) or
    their values (existing rows).
    """
    if not rows:
        return {}
    names = list(rows[0])

    def of(row: Mapping[str, Any]) -> tuple[Any, ...]:
        return tuple(row[k] for k in key)

    current = {of(values): values for values in existing.values("pk", *names)}
    new: list[Mapping[str, Any]] = []
    changed: dict[int, dict[str, Any]] = {}
    for row in rows:
        have = current.get(of(row))
        if have is None:
            new.append(row)
            continue
        differs = {name: row[name] for name in names if have[name] != row[name]}
        if differs:
            changed[have["pk"]] = differs
    if new:
        now = timezone.now()
        complete = [_complete(model, row, now) for row in new]
        insert(model, complete)
        pks = {tuple(k[:-1]): k[-1] for k in existing.values_list(*key, "pk")}
        if hasattr(model, "history"):
            history = model.history.model
            insert(
                history,
                [
                    row
                    | {
                        "id": pks[of(row)],
                        "history_date": now,
                        "history_type": "+",
                        "history_user_id": None,
                        "history_change_reason": None,
                    }
                    for row in complete
                ],
            )
    else:
        pks = {of(values): values["pk"] for values in current.values()}
    if changed:
        _update(model, changed)
    return {of(row): pks[of(row)] for row in rows}


def insert(model: type[models.Model], rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert complete rows (every concrete field but an automatic primary key) at once."""
    if not rows:
        return
    fields = [
        f
        for f in model._meta.concrete_fields
        if not (f.primary_key and isinstance(f, AutoFieldMixin))
    ]
    quote = connection.ops.quote_name
    one = "({})".format(", ".join(["%s"] * len(fields)))
    # Table and column names come from the model's metadata, quoted; values are parameters.
    head = "INSERT INTO {} ({}) VALUES ".format(  # noqa: S608
        quote(model._meta.db_table), ", ".join(quote(f.column) for f in fields)
    )
    prepare = [_converter(f) for f in fields]
    params = [
        [
            row[f.attname] if p is None else p(row[f.attname])
            for f, p in zip(fields, prepare, strict=True)
        ]
        for row in rows
    ]
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            # In-process: one prepared statement run for every row is the fastest way.
            cursor.executemany(head + one, params)
            return
        raw = cursor.cursor
        if connection.vendor == "postgresql" and hasattr(raw, "copy"):  # psycopg 3
            columns = ", ".join(quote(f.column) for f in fields)
            copy_sql = f"COPY {quote(model._meta.db_table)} ({columns}) FROM STDIN"
            with raw.copy(copy_sql) as copy:
                for row in params:
                    copy.write_row(row)
            return
        # Any other server: many rows per statement, within 65,535 parameters.
        size = max(1, min(1000, MAX_PARAMETERS // len(fields)))
        for start in range(0, len(params), size):
            batch = params[start : start + size]
            flat = [value for row in batch for value in row]
            cursor.execute(head + ", ".join([one] * len(batch)), flat)


def _converter(f: models.Field[Any, Any]) -> Callable[[Any], Any] | None:
    """How a value of ``f`` goes to the database driver: as it is (None), through the
    backend's adapter for its type (fast), or through the field's own preparation."""
    kind = f.get_internal_type()
    if kind in _AS_IS:
        return None
    db = connections[DEFAULT_DB_ALIAS]
    ops = db.ops
    if kind == "DateTimeField":
        return ops.adapt_datetimefield_value
    if kind == "DateField":
        return ops.adapt_datefield_value
    if kind == "TimeField":
        return ops.adapt_timefield_value
    if isinstance(f, models.DecimalField):
        digits, places = f.max_digits, f.decimal_places
        return lambda v: ops.adapt_decimalfield_value(v, digits, places)
    return lambda v: f.get_db_prep_save(v, db)


def _complete(model: type[models.Model], row: Mapping[str, Any], now: Any) -> dict[str, Any]:
    """``row`` with every other concrete field at its default (automatic times: ``now``)."""
    full = dict(row)
    for f in model._meta.concrete_fields:
        if f.attname in full or (f.primary_key and isinstance(f, AutoFieldMixin)):
            continue
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            full[f.attname] = now
        else:
            full[f.attname] = f.get_default()
    return full


def _update(model: type[models.Model], changed: dict[int, dict[str, Any]]) -> None:
    objects = list(model._default_manager.filter(pk__in=list(changed)))
    fields: set[str] = set()
    for obj in objects:
        for name, value in changed[obj.pk].items():
            setattr(obj, name, value)
            fields.add(name)
    names = sorted(fields)
    if hasattr(model, "history"):
        bulk_update_with_history(objects, model, names, batch_size=BATCH)
    else:
        model._default_manager.bulk_update(objects, names, batch_size=BATCH)
