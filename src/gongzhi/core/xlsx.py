"""One writer for every table gongzhi exports as a spreadsheet (xlsx).

A :class:`Table` is a list of :class:`Column` and rows of values in column
order. :func:`workbook_bytes` writes one sheet per table, each laid out the
same way:

- row 1: the table's title (bold, larger);
- row 2: the filters that produced it ("Period: 2021-07-01 – 2021-10-31;
  Unit jurisdiction excluded: 曾都区"), so a file says what it holds; the
  filters are also listed one per row on a last sheet;
- row 3: the column headings, bold, frozen with the rows above, with an
  autofilter;
- the rows, with number formats by column kind (integers with thousands
  separators, yuan with two decimals, percentages with one decimal, dates);
- a totals row where the table asks for one: a ``SUM`` formula over the
  column, stored with its exact value so that readers which do not compute
  formulas read the right total.

Headings are translated by the caller (lazy strings are resolved here, in the
active language). Every piece of text is written as text, never as a formula:
a unit named ``=HYPERLINK(…)`` stays a name (compare
:func:`gongzhi.core.exports.csv_cell` for CSV files).
"""

from __future__ import annotations

import datetime as dt
import io
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from typing import Any, Literal

import xlsxwriter
from django.http import HttpResponse
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from xlsxwriter.utility import xl_rowcol_to_cell

#: How a column's values are written and formatted.
Kind = Literal["text", "int", "yuan", "percent", "decimal", "date"]

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

NUMBER_FORMATS: dict[str, str] = {
    "int": "#,##0",
    "yuan": "#,##0.00",
    "percent": "0.0%",
    "decimal": "#,##0.0#",
    "date": "yyyy-mm-dd",
}

#: Rows of the sheet above the data: title, filters, headings.
HEADER_ROWS = 3
MIN_WIDTH = 6
MAX_WIDTH = 60
_SHEET_NAME_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


@dataclass(frozen=True)
class Column:
    """One column: its heading, how its values are written, whether it is summed.

    ``kind``: ``text``; ``int`` (counts); ``yuan`` (the value is integer fen,
    shown as yuan with two decimals); ``percent`` (a :class:`~fractions.Fraction`
    or number between 0 and 1); ``decimal`` (scores); ``date``.
    ``total``: sum the column in the totals row (numbers only).
    """

    heading: str | Promise
    kind: Kind = "text"
    total: bool = False
    width: int | None = None


@dataclass
class Table:
    """A table to export: ``rows`` hold one value per column, in column order.

    ``totals_label`` names the totals row (in the first column); the row is
    written when a column has ``total=True`` or ``totals`` gives values, which
    fill the columns that are not sums (e.g. the overall rate of a table of
    rates), keyed by column index.
    """

    title: str | Promise
    columns: Sequence[Column]
    rows: Iterable[Sequence[Any]]
    totals: dict[int, Any] = field(default_factory=dict)
    totals_label: str | Promise | None = None
    sheet_name: str | Promise | None = None


Filters = Sequence[tuple[str | Promise, str | Promise]]


def safe_sheet_name(name: str, taken: set[str]) -> str:
    """A sheet name Excel accepts (at most 31 characters, none of ``[]:*?/\\``), unique."""
    base = _SHEET_NAME_FORBIDDEN.sub(" ", name).strip().strip("'") or "Sheet"
    base = base[:31]
    candidate, n = base, 2
    while candidate.lower() in {t.lower() for t in taken}:
        suffix = f" ({n})"
        candidate = base[: 31 - len(suffix)] + suffix
        n += 1
    taken.add(candidate)
    return candidate


def text_width(text: str) -> int:
    """Columns of a monospace grid ``text`` fills: CJK characters count double."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def filters_text(filters: Filters) -> str:
    """The filters on one line: ``Period: …; Unit: …``."""
    return "; ".join(f"{label}: {value}" for label, value in filters)


def form_filters(form: Any) -> list[tuple[str, str]]:
    """The filters a valid, bound form applies, as (label, shown value) pairs.

    Empty fields are left out; a choice shows its label, a date its ISO form.
    """
    if not getattr(form, "is_bound", False) or not form.is_valid():
        return []
    shown: list[tuple[str, str]] = []
    for name, form_field in form.fields.items():
        value = form.cleaned_data.get(name)
        if value in (None, "", [], ()) or value is False or name in ("sort", "cursor", "format"):
            continue
        choices = dict(getattr(form_field, "choices", None) or [])
        if isinstance(value, list | tuple):
            text = ", ".join(str(choices.get(v, v)) for v in value)
        elif isinstance(value, dt.date):
            text = value.isoformat()
        else:
            text = str(choices.get(value, value))
        shown.append((str(form_field.label or name), text))
    return shown


def _number(value: Any, kind: str) -> float | int | None:
    """The number stored in a cell of ``kind`` (yuan from integer fen)."""
    if value is None or value == "":
        return None
    if kind == "yuan":
        return float(Decimal(int(value)) / 100)
    if isinstance(value, Fraction):
        return value.numerator / value.denominator
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int | float):
        return value
    return None


def _shown(value: Any, kind: str) -> str:
    """The text a cell shows, for estimating the column's width."""
    number = _number(value, kind) if kind not in ("text", "date") else None
    if number is None:
        return "" if value is None else str(value)
    if kind == "percent":
        return f"{number * 100:.1f}%"
    if kind in ("yuan", "decimal"):
        return f"{number:,.2f}"
    return f"{number:,}"


class _Formats:
    def __init__(self, book: Any) -> None:
        self.title = book.add_format({"bold": True, "font_size": 14})
        self.subtitle = book.add_format({"italic": True, "font_color": "#555555"})
        self.heading = book.add_format(
            {
                "bold": True,
                "bg_color": "#F2DCDB",
                "border": 1,
                "text_wrap": True,
                "valign": "vcenter",
                "align": "center",
            }
        )
        self.text = book.add_format({"border": 1})
        self.cells = {
            kind: book.add_format({"num_format": fmt, "border": 1})
            for kind, fmt in NUMBER_FORMATS.items()
        }
        self.total_text = book.add_format({"bold": True, "top": 2, "border": 1})
        self.totals = {
            kind: book.add_format({"num_format": fmt, "bold": True, "top": 2, "border": 1})
            for kind, fmt in NUMBER_FORMATS.items()
        }

    def cell(self, kind: str, total: bool = False) -> Any:
        if kind == "text":
            return self.total_text if total else self.text
        return (self.totals if total else self.cells)[kind]


def _write(sheet: Any, row: int, col: int, value: Any, kind: str, fmt: Any) -> str:
    """Write one cell safely; answers the text it shows."""
    if value is None or value == "":
        sheet.write_blank(row, col, None, fmt)
        return ""
    if kind == "date" and isinstance(value, dt.date):
        moment = value if isinstance(value, dt.datetime) else dt.datetime.combine(value, dt.time())
        sheet.write_datetime(row, col, moment.replace(tzinfo=None), fmt)
        return value.isoformat()[:10]
    if kind != "text":
        number = _number(value, kind)
        if number is not None:
            sheet.write_number(row, col, number, fmt)
            return _shown(value, kind)
    text = str(value)
    # Always a string: text that looks like a formula is never run as one.
    sheet.write_string(row, col, text, fmt)
    return text


def _write_table(book: Any, formats: _Formats, table: Table, name: str, filters: Filters) -> None:
    sheet = book.add_worksheet(name)
    columns = list(table.columns)
    widths = [text_width(str(c.heading)) for c in columns]
    sheet.write_string(0, 0, str(table.title), formats.title)
    sheet.set_row(0, 22)
    if filters:
        sheet.write_string(1, 0, filters_text(filters), formats.subtitle)
    for col, column in enumerate(columns):
        sheet.write_string(2, col, str(column.heading), formats.heading)
    row = HEADER_ROWS
    sums: dict[int, Any] = {
        i: (0 if c.kind in ("int", "yuan") else Decimal(0))
        for i, c in enumerate(columns)
        if c.total
    }
    for values in table.rows:
        for col, column in enumerate(columns):
            value = values[col] if col < len(values) else None
            shown = _write(sheet, row, col, value, column.kind, formats.cell(column.kind))
            widths[col] = max(widths[col], text_width(shown))
            if col in sums and value not in (None, ""):
                sums[col] += value if column.kind in ("int", "yuan") else Decimal(str(value))
        row += 1
    last_data_row = row - 1
    if sums or table.totals:
        label = table.totals_label if table.totals_label is not None else _("Total")
        sheet.write_string(row, 0, str(label), formats.total_text)
        for col, column in enumerate(columns[1:], start=1):
            fmt = formats.cell(column.kind, total=True)
            if col in sums:
                exact = sums[col]
                cached = _number(exact, column.kind)
                if last_data_row >= HEADER_ROWS:
                    first_cell = xl_rowcol_to_cell(HEADER_ROWS, col)
                    last_cell = xl_rowcol_to_cell(last_data_row, col)
                    sheet.write_formula(row, col, f"=SUM({first_cell}:{last_cell})", fmt, cached)
                else:
                    sheet.write_number(row, col, cached or 0, fmt)
                widths[col] = max(widths[col], text_width(_shown(exact, column.kind)))
            elif col in table.totals:
                shown = _write(sheet, row, col, table.totals[col], column.kind, fmt)
                widths[col] = max(widths[col], text_width(shown))
            else:
                sheet.write_blank(row, col, None, fmt)
        widths[0] = max(widths[0], text_width(str(label)))
    for col, column in enumerate(columns):
        width = column.width or min(max(widths[col] + 2, MIN_WIDTH), MAX_WIDTH)
        sheet.set_column(col, col, width)
    sheet.set_row(2, None)
    sheet.freeze_panes(HEADER_ROWS, 0)
    if columns:
        sheet.autofilter(2, 0, max(last_data_row, 2), len(columns) - 1)


def workbook_bytes(tables: Sequence[Table], *, filters: Filters = ()) -> bytes:
    """The xlsx file of ``tables`` (one sheet each), with ``filters`` on every sheet and
    on a last sheet of their own."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False})
    formats = _Formats(book)
    taken: set[str] = set()
    for table in tables:
        name = safe_sheet_name(str(table.sheet_name or table.title), taken)
        _write_table(book, formats, table, name, filters)
    if filters:
        sheet = book.add_worksheet(safe_sheet_name(str(_("Filters")), taken))
        sheet.write_string(0, 0, str(_("Filter")), formats.heading)
        sheet.write_string(0, 1, str(_("Value")), formats.heading)
        label_width, value_width = 10, 10
        for i, (label, value) in enumerate(filters, start=1):
            sheet.write_string(i, 0, str(label), formats.text)
            sheet.write_string(i, 1, str(value), formats.text)
            label_width = max(label_width, text_width(str(label)))
            value_width = max(value_width, text_width(str(value)))
        sheet.set_column(0, 0, min(label_width + 2, MAX_WIDTH))
        sheet.set_column(1, 1, min(value_width + 2, MAX_WIDTH))
        sheet.freeze_panes(1, 0)
    book.close()
    return buffer.getvalue()


def xlsx_response(filename: str, tables: Sequence[Table], *, filters: Filters = ()) -> HttpResponse:
    """A download of ``tables`` as ``filename`` (ASCII, ending in ``.xlsx``)."""
    response = HttpResponse(workbook_bytes(tables, filters=filters), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
