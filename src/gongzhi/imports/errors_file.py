"""The file with errors: the uploaded rows as they were, plus a column saying what is wrong.

Always written as xlsx, whatever was uploaded. Every text cell is written as a
string (``write_string``), so a cell such as ``=HYPERLINK(...)`` stays text
and is never run by the spreadsheet that opens the file.
"""

from __future__ import annotations

import datetime as dt
import io
from collections import defaultdict
from collections.abc import Iterable
from pathlib import PurePath
from typing import Any

import xlsxwriter
from django.utils.translation import gettext as _

from gongzhi.imports.base import RowError
from gongzhi.imports.readers import Sheet

ERROR_HEADER = "错误说明"


def file_name(original: str) -> str:
    stem = PurePath(original or "import").stem or "import"
    return f"{stem}-errors.xlsx"


def write_cell(sheet: Any, row: int, col: int, value: Any, formats: dict[str, Any]) -> None:
    """Write one cell safely: strings as strings, numbers as numbers, dates as dates."""
    if value is None or value == "":
        return
    if isinstance(value, bool):
        sheet.write_boolean(row, col, value)
    elif isinstance(value, int | float):
        sheet.write_number(row, col, value)
    elif isinstance(value, dt.datetime):
        sheet.write_datetime(row, col, value.replace(tzinfo=None), formats["datetime"])
    elif isinstance(value, dt.date):
        sheet.write_datetime(row, col, dt.datetime.combine(value, dt.time()), formats["date"])
    elif isinstance(value, dt.time):
        sheet.write_string(row, col, value.strftime("%H:%M"))
    else:
        sheet.write_string(row, col, str(value))


def date_formats(book: Any) -> dict[str, Any]:
    return {
        "date": book.add_format({"num_format": "yyyy-mm-dd"}),
        "datetime": book.add_format({"num_format": "yyyy-mm-dd hh:mm"}),
    }


def _messages(errors: Iterable[RowError]) -> tuple[dict[int, list[str]], list[str]]:
    by_row: dict[int, list[str]] = defaultdict(list)
    general: list[str] = []
    for err in errors:
        text = f"{err.column}: {err.message}" if err.column else err.message
        if err.row >= 2:
            by_row[err.row].append(text)
        else:
            general.append(text)
    return by_row, general


def build(sheet: Sheet, errors: Iterable[RowError]) -> bytes:
    """The xlsx bytes: the header and every data row with its row number kept, and
    the errors in a last column (errors about the whole file above the header)."""
    by_row, general = _messages(errors)
    output = io.BytesIO()
    book = xlsxwriter.Workbook(output, {"in_memory": True, "strings_to_formulas": False})
    formats = date_formats(book)
    bold = book.add_format({"bold": True})
    red = book.add_format({"font_color": "#B00020", "text_wrap": True})
    data = book.add_worksheet(_("Errors")[:31])
    width = len(sheet.header)
    for col, text in enumerate(sheet.header):
        data.write_string(0, col, str(text), bold)
    data.write_string(0, width, ERROR_HEADER, bold)
    data.set_column(width, width, 60)
    line = 1
    for message in general:
        # Errors about the whole file sit just under the header, in the error column.
        data.write_string(line, width, message, red)
        line += 1
    for number, cells in sheet.rows:
        for col, value in enumerate(cells):
            write_cell(data, line, col, value, formats)
        if number in by_row:
            data.write_string(line, width, "；".join(by_row[number]), red)
        line += 1
    data.freeze_panes(1, 0)
    book.close()
    return output.getvalue()
