"""Writing many checked rows at once, with their history, inside the caller's transaction.

Importers validate every row first (with the same rule functions the services
use) and then hand the clean values here. Nothing in this module validates:
it only writes fast.

- PostgreSQL: new rows go in with ``COPY`` (psycopg 3, on Django's own
  connection, so inside the caller's transaction); their ids are taken from the
  table's sequence first so the caller knows them. Changed rows are copied into
  a temporary table and applied with one ``UPDATE … FROM``.
- Other databases (SQLite): ``executemany`` in batches.

Each written row gets a django-simple-history row ("+" created, "~" changed)
with the acting user, one timestamp for the whole import and a change reason
such as "imported from units.xlsx". History rows are copied from the table by
one ``INSERT … SELECT`` per batch, so they hold exactly what was written.

SQL is composed only from the models' own table and column names, quoted by
the database backend; every value travels as a parameter or through COPY.

Values are given per row in the order of ``fields`` (attribute names:
``unit_id``, not ``unit``), already in Python form (``int``, ``str``,
``datetime.date``, aware ``datetime``…). Fields left out take their model
default; ``auto_now`` / ``auto_now_add`` fields take ``now``.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from django.db import connection, models
from django.utils import timezone

#: Rows per statement on databases without COPY (SQLite's variable limit is far above
#: what a batch of this size with a dozen columns needs).
BATCH_SIZE: Final = 500
#: History rows are copied from the table for this many ids per statement on PostgreSQL.
HISTORY_CHUNK: Final = 50_000
#: django-simple-history keeps a change reason of at most 100 characters.
MAX_REASON: Final = 100

CREATED: Final = "+"
CHANGED: Final = "~"

_temp_tables = itertools.count(1)


@dataclass(frozen=True)
class HistoryNote:
    """Who wrote the rows, when, and why; one note for the whole import."""

    user_id: int | None
    reason: str = ""
    date: dt.datetime = field(default_factory=timezone.now)

    @property
    def change_reason(self) -> str | None:
        return self.reason[:MAX_REASON] or None


def import_reason(file_name: str) -> str:
    """The change reason of rows written by an import of ``file_name``."""
    return f"imported from {file_name}"[:MAX_REASON]


def is_postgresql() -> bool:
    return connection.vendor == "postgresql"


# --- columns --------------------------------------------------------------------------


def _field(model: type[models.Model], attname: str) -> models.Field[Any, Any]:
    for f in model._meta.concrete_fields:
        if f.attname == attname:
            return f
    raise LookupError(f"{model.__name__} has no column {attname!r}")


def _filled_columns(
    model: type[models.Model], fields: Sequence[str], now: dt.datetime
) -> tuple[list[str], list[Any]]:
    """The columns written on insert (given fields, then defaults of the others, without
    the primary key) and the constant values of the ones not given."""
    given = set(fields)
    extra_names: list[str] = []
    extra_values: list[Any] = []
    pk = model._meta.pk
    for f in model._meta.concrete_fields:
        if f is pk or f.attname in given:
            continue
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            value: Any = now
        else:
            # The model default; "" for text fields, None for nullable ones.
            value = f.get_default()
            if value is None and not f.null:
                raise ValueError(f"{model.__name__}.{f.attname} has no default: give it")
        extra_names.append(f.attname)
        extra_values.append(value)
    return extra_names, extra_values


def _prepared(model: type[models.Model], names: Sequence[str]) -> list[Any]:
    """Per column, a function from a Python value to what the database driver takes
    (JSON fields need their adapter; everything else is passed as it is)."""
    converters: list[Any] = []
    for name in names:
        f = _field(model, name)
        if isinstance(f, models.JSONField):
            converters.append(lambda v, f=f: f.get_db_prep_value(v, connection))
        else:
            converters.append(None)
    return converters


def _convert(row: Sequence[Any], converters: Sequence[Any]) -> tuple[Any, ...]:
    return tuple(v if c is None else c(v) for v, c in zip(row, converters, strict=True))


def _pk_column(model: type[models.Model]) -> str:
    pk = model._meta.pk
    assert pk is not None  # noqa: S101 - every concrete model has one
    return connection.ops.quote_name(pk.column)


def _concrete(model: type[models.Model], name: str) -> models.Field[Any, Any]:
    found = model._meta.get_field(name)
    assert isinstance(found, models.Field)  # noqa: S101 - a concrete field by name
    return found


def _column(model: type[models.Model], attname: str) -> str:
    return connection.ops.quote_name(_field(model, attname).column)


def _table(model: type[models.Model]) -> str:
    return connection.ops.quote_name(model._meta.db_table)


# --- inserts --------------------------------------------------------------------------


def insert_rows(
    model: type[models.Model],
    fields: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    note: HistoryNote | None,
) -> list[int]:
    """Insert ``rows`` (values in the order of ``fields``) and their history rows;
    returns the new primary keys in the order of ``rows``."""
    if not rows:
        return []
    now = note.date if note else timezone.now()
    extra_names, extra_values = _filled_columns(model, fields, now)
    names = [*fields, *extra_names]
    tail = tuple(extra_values)
    converters = _prepared(model, names)
    needs_conversion = any(c is not None for c in converters)
    if is_postgresql():
        ids = _reserve_ids(model, len(rows))
        _copy_in(model, ["id", *names], ids, rows, tail, converters if needs_conversion else None)
        if note is not None and _copy_history(
            model, names, ids, rows, tail, converters if needs_conversion else None, note
        ):
            return ids
    else:
        ids = _insert_batches(model, names, rows, tail, converters if needs_conversion else None)
    if note is not None:
        write_history(model, ids, CREATED, note)
    return ids


def _copy_history(
    model: type[models.Model],
    names: Sequence[str],
    ids: Sequence[int],
    rows: Sequence[Sequence[Any]],
    tail: tuple[Any, ...],
    converters: Sequence[Any] | None,
    note: HistoryNote,
) -> bool:
    """The "+" history rows of rows just inserted, copied from the values in hand (no
    read back). False, writing nothing, when that cannot be a binary COPY."""
    history = history_model(model)
    if history is None:
        return True
    by_name = {f.attname: f for f in history._meta.concrete_fields}
    given = ["id", *names]
    keep = [i for i, name in enumerate(given) if name in by_name]
    tracked = {f.column for f in model._meta.concrete_fields}
    if {by_name[given[i]].column for i in keep} != tracked & {f.column for f in by_name.values()}:
        return False
    extra = ("history_date", "history_change_reason", "history_type", "history_user_id")
    fields = [by_name[given[i]] for i in keep] + [by_name[name] for name in extra]
    types = _copy_types(fields)
    if types is None:
        return False
    q = connection.ops.quote_name
    columns = ", ".join(q(f.column) for f in fields)
    stamp = (note.date, note.change_reason, CREATED, note.user_id)
    everything = len(keep) == len(given)
    with connection.cursor() as wrapper, connection.wrap_database_errors:
        sql = f"COPY {q(history._meta.db_table)} ({columns}) FROM STDIN WITH (FORMAT BINARY)"
        with wrapper.cursor.copy(sql) as copy:
            copy.set_types(types)
            write = copy.write_row
            for pk, row in zip(ids, rows, strict=True):
                values = (pk, *row, *tail)
                if converters is not None:
                    values = (pk, *_convert((*row, *tail), converters))
                if not everything:
                    values = tuple(values[i] for i in keep)
                write((*values, *stamp))
    return True


def _reserve_ids(model: type[models.Model], count: int) -> list[int]:
    pk = model._meta.pk
    assert pk is not None  # noqa: S101 - every concrete model has one
    with connection.cursor() as cursor:
        # One array in one row: a hundred thousand ids cost one fetch, not one each.
        cursor.execute(
            "SELECT array_agg(nextval(pg_get_serial_sequence(%s, %s))) FROM generate_series(1, %s)",
            [model._meta.db_table, pk.column, count],
        )
        ids = cursor.fetchone()[0]
        return list(ids) if ids else []


def _copy_in(
    model: type[models.Model],
    names: Sequence[str],
    ids: Sequence[int],
    rows: Sequence[Sequence[Any]],
    tail: tuple[Any, ...],
    converters: Sequence[Any] | None,
    table: str | None = None,
) -> None:
    columns = ", ".join(
        _pk_column(model) if name == "id" else _column(model, name) for name in names
    )
    target = table or _table(model)
    connection.ensure_connection()
    # Errors of the raw cursor become Django's (IntegrityError…), as for any query.
    with connection.cursor() as wrapper, connection.wrap_database_errors:
        raw = wrapper.cursor
        # Binary COPY when every column has a plain type: psycopg's C dumpers are
        # several times faster than text formatting, and the server parses less.
        types = _copy_types(
            [model._meta.pk if name == "id" else _field(model, name) for name in names]
        )
        binary = " WITH (FORMAT BINARY)" if types else ""
        with raw.copy(f"COPY {target} ({columns}) FROM STDIN{binary}") as copy:
            if types:
                copy.set_types(types)
            write = copy.write_row
            if converters is None:
                for pk, row in zip(ids, rows, strict=True):
                    write((pk, *row, *tail))
            else:
                for pk, row in zip(ids, rows, strict=True):
                    write((pk, *_convert((*row, *tail), converters)))


def _copy_types(fields: Sequence[Any]) -> list[str] | None:
    """PostgreSQL type names of the columns for a binary COPY; None if one is not plain."""
    types = []
    for f in fields:
        base = (f.db_type(connection) or "").split("(")[0].strip()
        if base not in _BINARY_TYPES:
            return None
        types.append(_BINARY_TYPES[base])
    return types


#: Column types (as Django declares them) → the names psycopg's binary dumpers know.
_BINARY_TYPES: Final = {
    "bigint": "int8",
    "integer": "int4",
    "smallint": "int2",
    "boolean": "bool",
    "varchar": "text",
    "text": "text",
    "date": "date",
    "time": "time",
    "timestamp with time zone": "timestamptz",
}


def _insert_batches(
    model: type[models.Model],
    names: Sequence[str],
    rows: Sequence[Sequence[Any]],
    tail: tuple[Any, ...],
    converters: Sequence[Any] | None,
) -> list[int]:
    """Plain INSERTs, ``BATCH_SIZE`` rows per statement, returning the new ids."""
    columns = ", ".join(_column(model, n) for n in names)
    pk_column = _pk_column(model)
    row_sql = "(" + ", ".join(["%s"] * len(names)) + ")"
    prep = _db_preparers(model, names)
    ids: list[int] = []
    with connection.cursor() as cursor:
        for start in range(0, len(rows), BATCH_SIZE):
            batch = rows[start : start + BATCH_SIZE]
            params: list[Any] = []
            for row in batch:
                values = (*row, *tail)
                if converters is not None:
                    values = _convert(values, converters)
                params.extend(p(v) if p else v for p, v in zip(prep, values, strict=True))
            sql = (
                f"INSERT INTO {_table(model)} ({columns}) VALUES "  # noqa: S608 - quoted model identifiers only
                + ", ".join([row_sql] * len(batch))
                + f" RETURNING {pk_column}"
            )
            cursor.execute(sql, params)
            # SQLite returns the ids of a multi-row insert in insertion order.
            ids.extend(r[0] for r in cursor.fetchall())
    return ids


def _db_preparers(model: type[models.Model], names: Sequence[str]) -> list[Any]:
    """SQLite stores dates, times and datetimes as text in Django's own format."""
    if is_postgresql():
        return [None] * len(names)
    preparers: list[Any] = []
    for name in names:
        f = _field(model, name)
        if isinstance(f, models.DateTimeField | models.DateField | models.TimeField):
            preparers.append(lambda v, f=f: f.get_db_prep_value(v, connection))
        else:
            preparers.append(None)
    return preparers


# --- updates --------------------------------------------------------------------------


def update_rows(
    model: type[models.Model],
    fields: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    note: HistoryNote | None,
) -> None:
    """Set ``fields`` of existing rows: each row is ``(pk, *values)``; ``auto_now``
    fields are set to the note's date. History rows ("~") are written after."""
    if not rows:
        return
    now = note.date if note else timezone.now()
    auto = [
        f.attname
        for f in model._meta.concrete_fields
        if getattr(f, "auto_now", False) and f.attname not in fields
    ]
    names = [*fields, *auto]
    tail = (now,) * len(auto)
    converters = _prepared(model, names)
    ids = [row[0] for row in rows]
    values = [tuple(row[1:]) for row in rows]
    needs_conversion = any(c is not None for c in converters)
    if is_postgresql():
        _update_from_temp(model, names, ids, values, tail, converters if needs_conversion else None)
    else:
        _update_batches(model, names, ids, values, tail, converters if needs_conversion else None)
    if note is not None:
        write_history(model, ids, CHANGED, note)


def _update_from_temp(
    model: type[models.Model],
    names: Sequence[str],
    ids: Sequence[int],
    values: Sequence[Sequence[Any]],
    tail: tuple[Any, ...],
    converters: Sequence[Any] | None,
) -> None:
    temp = connection.ops.quote_name(f"gz_bulk_update_{next(_temp_tables)}")
    pk_column = _pk_column(model)
    columns = [_column(model, n) for n in names]
    with connection.cursor() as cursor:
        # A temporary table shaped like the target, holding only the columns that change.
        cursor.execute(
            f"CREATE TEMPORARY TABLE {temp} ON COMMIT DROP AS "  # noqa: S608 - quoted model identifiers only
            f"SELECT {pk_column}, {', '.join(columns)} FROM {_table(model)} WITH NO DATA"
        )
        _copy_in(
            model,
            ["id", *names],
            ids,
            values,
            tail,
            converters,
            table=temp,
        )
        assignments = ", ".join(f"{c} = {temp}.{c}" for c in columns)
        cursor.execute(
            f"UPDATE {_table(model)} SET {assignments} FROM {temp} "  # noqa: S608 - quoted model identifiers only
            f"WHERE {_table(model)}.{pk_column} = {temp}.{pk_column}"
        )
        cursor.execute(f"DROP TABLE {temp}")


def _update_batches(
    model: type[models.Model],
    names: Sequence[str],
    ids: Sequence[int],
    values: Sequence[Sequence[Any]],
    tail: tuple[Any, ...],
    converters: Sequence[Any] | None,
) -> None:
    pk_column = _pk_column(model)
    assignments = ", ".join(f"{_column(model, n)} = %s" for n in names)
    sql = f"UPDATE {_table(model)} SET {assignments} WHERE {pk_column} = %s"  # noqa: S608 - quoted model identifiers only
    prep = _db_preparers(model, names)
    params = []
    for pk, row in zip(ids, values, strict=True):
        full = (*row, *tail)
        if converters is not None:
            full = _convert(full, converters)
        params.append([*(p(v) if p else v for p, v in zip(prep, full, strict=True)), pk])
    with connection.cursor() as cursor:
        for start in range(0, len(params), BATCH_SIZE):
            cursor.executemany(sql, params[start : start + BATCH_SIZE])


# --- history --------------------------------------------------------------------------


def history_model(model: type[models.Model]) -> type[models.Model] | None:
    """The django-simple-history model of ``model``, if it keeps history."""
    manager = getattr(model, "history", None)
    return getattr(manager, "model", None)


def _history_columns(model: type[models.Model], history: type[models.Model]) -> list[str]:
    """Columns the history table copies from the tracked table (same names in both)."""
    tracked = {f.column for f in model._meta.concrete_fields}
    return [
        f.column
        for f in history._meta.concrete_fields
        if f.column in tracked and not f.column.startswith("history_")
    ]


def _contiguous(ids: Sequence[int]) -> bool:
    """Whether ``ids`` are n consecutive integers in increasing order."""
    return (
        bool(ids)
        and ids[-1] - ids[0] + 1 == len(ids)
        and all(b > a for a, b in zip(ids, ids[1:], strict=False))
    )


def write_history(
    model: type[models.Model], ids: Iterable[int], kind: str, note: HistoryNote
) -> int:
    """One history row of ``kind`` ("+" or "~") per id, holding the row as it is now."""
    history = history_model(model)
    if history is None:
        return 0
    ids = list(ids)
    q = connection.ops.quote_name
    copied = _history_columns(model, history)
    columns = ", ".join(q(c) for c in copied)
    pk_column = _pk_column(model)
    user_column = q(_concrete(history, "history_user").column)
    target = (
        f"INSERT INTO {q(history._meta.db_table)} ({columns}, {q('history_date')}, "  # noqa: S608 - quoted model identifiers only
        f"{q('history_change_reason')}, {q('history_type')}, {user_column}) "
        f"SELECT {columns}, %s, %s, %s, %s FROM {_table(model)} "
    )
    head = [
        _concrete(history, "history_date").get_db_prep_value(note.date, connection),
        note.change_reason,
        kind,
        note.user_id,
    ]
    with connection.cursor() as cursor:
        if is_postgresql() and _contiguous(ids):
            # Ids reserved from the sequence in one go are usually consecutive: a range
            # scan of the primary key then finds exactly these rows.
            cursor.execute(
                target + f"WHERE {pk_column} BETWEEN %s AND %s ORDER BY {pk_column}",
                [*head, ids[0], ids[-1]],
            )
        elif is_postgresql():
            for start in range(0, len(ids), HISTORY_CHUNK):
                chunk = ids[start : start + HISTORY_CHUNK]
                cursor.execute(
                    target + f"WHERE {pk_column} = ANY(%s) ORDER BY {pk_column}", [*head, chunk]
                )
        else:
            for start in range(0, len(ids), BATCH_SIZE):
                chunk = ids[start : start + BATCH_SIZE]
                marks = ", ".join(["%s"] * len(chunk))
                cursor.execute(
                    target + f"WHERE {pk_column} IN ({marks}) ORDER BY {pk_column}",
                    [*head, *chunk],
                )
    return len(ids)
