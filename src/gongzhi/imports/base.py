"""The contract every import kind follows.

A kind is an :class:`Importer` subclass in a ``gongzhi/imports/kinds_*.py``
module, registered with :func:`gongzhi.imports.registry.register`. The
framework (:mod:`gongzhi.imports.services`) drives it in four steps:

1. ``prepare(ctx)`` loads every lookup the rows need (codes → ids, existing
   rows by natural key) in a fixed number of queries, whatever the row count,
   and keeps them on ``ctx.cache``.
2. For each row, the framework reads every :class:`Column` (``parse(raw)``,
   which raises :class:`CellError`), then calls ``clean_row(values, ctx)``
   for what needs lookups or several columns; it raises :class:`CellError`
   (naming a column key) or :class:`RowInvalid` (several at once).
3. ``plan(rows, ctx)`` compares the cleaned rows with what exists and sorts
   them into creates, updates and unchanged rows; rules across rows (overlaps,
   duplicates) add :class:`RowError` to ``plan.errors``.
4. ``write(plan, ctx)`` writes, inside the transaction the framework opened,
   only when no row is wrong and it is not a dry run. It may raise
   :class:`RowInvalid` (or Django's ``ValidationError``): everything is rolled back.

Per-row work is kept cheap on purpose (large attendance sheets must import at
tens of thousands of rows a second): ``parse`` functions are plain callables
with no database access, messages are built only when something is wrong, and
no model instance is needed to validate a row.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django.utils.functional import Promise

from gongzhi.core.scoping import Scope, scope_of

#: A cell parser: the raw value (never empty, strings already stripped) → the value.
Parser = Callable[[Any], Any]
#: Dropdown choices: fixed, or computed for the user downloading the template.
Choices = Sequence[str] | Callable[[Any], Sequence[str]]


class CellError(Exception):
    """A wrong cell. ``column`` is a column key; ``None`` means the column being parsed."""

    def __init__(self, message: str | Promise, column: str | None = None) -> None:
        super().__init__(str(message))
        self.message = str(message)
        self.column = column


class RowInvalid(Exception):
    """Several wrong cells of one row (from ``clean_row``), or rows refused by ``write``.

    ``errors`` holds :class:`CellError` (in ``clean_row``) or :class:`RowError`
    (in ``plan`` / ``write``).
    """

    def __init__(self, errors: Sequence[CellError | RowError]) -> None:
        super().__init__("; ".join(str(e) for e in errors))
        self.errors = list(errors)


@dataclass(frozen=True, slots=True)
class RowError:
    """One error: the sheet's row number (header = 1; 0 for the whole file), the
    column's header as the template writes it ("" when no single column), a message."""

    row: int
    column: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "field": self.column, "message": self.message}

    def __str__(self) -> str:
        return f"{self.row}: {self.column}: {self.message}"


@dataclass(frozen=True)
class Column:
    """One column of a kind's sheet.

    ``header`` is the Chinese header of the template (data of the format, not a
    translatable string); ``aliases`` are other accepted headers (English key
    names are always accepted). ``label`` and ``help`` are translatable texts
    for the instructions sheet and the pages. ``example`` fills the template's
    example row; ``choices`` become a dropdown (and are checked by ``parse``
    only if the parser does so). ``default`` is the value of an empty cell of
    an optional column.
    """

    key: str
    header: str
    parse: Parser
    required: bool = False
    aliases: tuple[str, ...] = ()
    label: str | Promise = ""
    help: str | Promise = ""
    example: Any = ""
    choices: Choices | None = None
    default: Any = None
    #: Width of the template's column, in characters.
    width: int = 16

    def choices_for(self, user: Any) -> list[str]:
        if self.choices is None:
            return []
        if callable(self.choices):
            return list(self.choices(user))
        return list(self.choices)


@dataclass(slots=True)
class Row:
    """A cleaned row: its sheet row number and its values by column key."""

    number: int
    values: dict[str, Any]


@dataclass
class Plan:
    """What an import would do. ``creates`` and ``updates`` hold whatever the
    kind's ``write`` needs (rows, model instances, tuples); the counts shown to
    users are their lengths and ``unchanged``."""

    creates: list[Any] = field(default_factory=list)
    updates: list[Any] = field(default_factory=list)
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)

    @property
    def created(self) -> int:
        return len(self.creates)

    @property
    def updated(self) -> int:
        return len(self.updates)


@dataclass
class Context:
    """Everything an importer may need besides the rows."""

    user: Any
    dry_run: bool = False
    #: Called with the number of rows done so far (the framework throttles it).
    progress: Callable[[int], None] | None = None
    #: Called by ``report_write`` with (written, total).
    write_progress: Callable[[int, int], None] | None = None
    #: The uploaded file's name, for history notes ("imported from FILE").
    file_name: str = ""
    #: Lookups loaded by ``prepare``.
    cache: dict[str, Any] = field(default_factory=dict)
    now: dt.datetime = field(default_factory=timezone.now)
    scope: Scope = field(init=False)

    def __post_init__(self) -> None:
        self.scope = scope_of(self.user)

    @property
    def today(self) -> dt.date:
        return timezone.localdate(self.now)

    @property
    def history_reason(self) -> str:
        # History keeps at most 100 characters of a reason.
        return (f"imported from {self.file_name}" if self.file_name else "imported")[:100]

    def report(self, done: int) -> None:
        """Rows checked so far (the framework calls it while checking)."""
        if self.progress is not None:
            self.progress(done)

    def report_write(self, done: int, total: int) -> None:
        """Items written so far, out of ``total``: kinds with ``slow_write`` call it from
        ``write`` (every few hundred items); the bar then shows checking as its first half
        and writing as its second."""
        if self.write_progress is not None:
            self.write_progress(done, total)


class Importer:
    """Base class of every import kind; subclasses set the class attributes and
    override ``prepare``, ``clean_row``, ``plan`` and ``write`` (and ``export_rows``
    to support ``gongzhi export``)."""

    #: The kind's name in URLs, the API and the commands ("units", "attendance" …).
    kind: ClassVar[str]
    #: Translatable title ("Units").
    title: ClassVar[str | Promise]
    #: Chinese name of the sheet and of the template file ("下沉单位").
    sheet_name: ClassVar[str] = ""
    columns: ClassVar[tuple[Column, ...]]
    #: Column keys whose cleaned values identify a row; two rows of one file with
    #: the same key are refused. Empty: no check (``key_of`` may still be overridden).
    natural_key: ClassVar[tuple[str, ...]] = ()
    #: Translatable sentences for the instructions sheet and the upload page.
    rules: ClassVar[tuple[str | Promise, ...]] = ()
    #: Order on the upload page.
    order: ClassVar[int] = 100
    #: ``write`` takes long (a service call per row) and reports with ``ctx.report_write``.
    slow_write: ClassVar[bool] = False

    # --- permission ---------------------------------------------------------------

    @classmethod
    def may_import(cls, user: Any) -> bool:
        """Whether ``user`` may import this kind at all (rows are checked one by one
        in ``clean_row``). Default: the city office only."""
        return scope_of(user).is_office

    # --- the steps --------------------------------------------------------------

    def prepare(self, ctx: Context) -> None:
        """Load lookups in bulk into ``ctx.cache`` (a fixed number of queries)."""

    def clean_row(self, values: dict[str, Any], ctx: Context) -> dict[str, Any]:
        """Check and complete one row's parsed values (lookups, rules across columns).

        Raise :class:`CellError` or :class:`RowInvalid`; return the cleaned values.
        """
        return values

    def key_of(self, values: dict[str, Any]) -> Hashable | None:
        """The row's natural key within the file (``None``: not checked)."""
        if not self.natural_key:
            return None
        return tuple(values.get(k) for k in self.natural_key)

    def plan(self, rows: list[Row], ctx: Context) -> Plan:
        """Sort cleaned rows into creates, updates and unchanged."""
        raise NotImplementedError

    def write(self, plan: Plan, ctx: Context) -> None:
        """Write the plan (inside the framework's transaction; never in a dry run)."""
        raise NotImplementedError

    # --- export -----------------------------------------------------------------

    def export_rows(self, user: Any) -> Iterable[dict[str, Any]]:
        """Rows of what ``user`` sees, by column key, as an import would read them back."""
        raise NotImplementedError

    @classmethod
    def exportable(cls) -> bool:
        """Whether the kind can write what a user sees in its own format."""
        return cls.export_rows is not Importer.export_rows

    # --- helpers ----------------------------------------------------------------

    @classmethod
    def column(cls, key: str) -> Column:
        for col in cls.columns:
            if col.key == key:
                return col
        raise KeyError(key)

    @classmethod
    def header_of(cls, key: str) -> str:
        """The header shown in errors for a column key (the key itself if unknown)."""
        for col in cls.columns:
            if col.key == key:
                return col.header
        return key

    @classmethod
    def error(cls, row: int, key: str, message: str | Promise) -> RowError:
        """A :class:`RowError` for ``row`` naming the column ``key`` by its header."""
        return RowError(row, cls.header_of(key) if key else "", str(message))

    @classmethod
    def errors_from(
        cls, row: int, exc: ValidationError | PermissionDenied, fields: dict[str, str] | None = None
    ) -> list[RowError]:
        """Row errors from a service's ``ValidationError`` (its field names mapped to column
        keys through ``fields`` when they differ) or ``PermissionDenied``."""
        if isinstance(exc, PermissionDenied):
            return [RowError(row, "", str(exc))]
        if hasattr(exc, "error_dict"):
            fields = fields or {}
            return [
                cls.error(row, "" if name == "__all__" else fields.get(name, name), message)
                for name, messages in exc.message_dict.items()
                for message in messages
            ]
        return [RowError(row, "", str(message)) for message in exc.messages]
