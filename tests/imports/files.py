"""Build upload files in tests: ``xlsx_bytes(rows)`` and ``csv_bytes(rows, encoding)``.

``rows`` is a list of lists; the first is the header. In xlsx, strings are
written as strings (a cell "=1+1" stays text, as a user's typed formula would
arrive from calamine only as its cached value), numbers as numbers (calamine
reads them back as floats), dates and datetimes as date cells. Use
``xlsx_formula`` to put a real formula with a cached value in a cell.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass
from typing import Any

import xlsxwriter
from django.core.files.uploadedfile import SimpleUploadedFile


@dataclass(frozen=True)
class Formula:
    """A real formula cell: ``formula`` with the ``cached`` value Excel would store."""

    formula: str
    cached: Any


def xlsx_bytes(rows: list[list[Any]], sheet_name: str = "Sheet1") -> bytes:
    output = io.BytesIO()
    book = xlsxwriter.Workbook(output, {"in_memory": True, "strings_to_formulas": False})
    sheet = book.add_worksheet(sheet_name)
    date_format = book.add_format({"num_format": "yyyy-mm-dd"})
    datetime_format = book.add_format({"num_format": "yyyy-mm-dd hh:mm"})
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if value is None:
                continue
            if isinstance(value, Formula):
                sheet.write_formula(r, c, value.formula, None, value.cached)
            elif isinstance(value, bool):
                sheet.write_boolean(r, c, value)
            elif isinstance(value, int | float):
                sheet.write_number(r, c, value)
            elif isinstance(value, dt.datetime):
                sheet.write_datetime(r, c, value, datetime_format)
            elif isinstance(value, dt.date):
                sheet.write_datetime(r, c, dt.datetime.combine(value, dt.time()), date_format)
            else:
                sheet.write_string(r, c, str(value))
    book.close()
    return output.getvalue()


def csv_bytes(rows: list[list[Any]], encoding: str = "utf-8") -> bytes:
    """CSV text of ``rows`` in ``encoding`` ("utf-8", "utf-8-sig" or "gb18030")."""
    text = io.StringIO(newline="")
    writer = csv.writer(text)
    for row in rows:
        writer.writerow(["" if v is None else v for v in row])
    return text.getvalue().encode(encoding)


def upload(data: bytes, name: str = "import.xlsx") -> SimpleUploadedFile:
    """An uploaded file as a view or service receives it."""
    return SimpleUploadedFile(name, data)


def read_xlsx(data: bytes) -> list[list[Any]]:
    """The first sheet of an xlsx (an error file, an export) as calamine reads it."""
    from python_calamine import CalamineWorkbook

    book = CalamineWorkbook.from_filelike(io.BytesIO(data))
    return [list(r) for r in book.get_sheet_by_index(0).to_python()]


def xlsx_cell_kinds(data: bytes) -> dict[tuple[int, int], str]:
    """(row, col) → openpyxl's cell data type ("s" string, "n" number, "f" formula ...)."""
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(data)).worksheets[0]
    return {
        (cell.row - 1, cell.column - 1): cell.data_type
        for row in sheet.iter_rows()
        for cell in row
        if cell.value is not None
    }


def run_import(
    user: Any, kind: str, data: bytes, name: str = "import.xlsx", *, dry_run: bool = False
) -> Any:
    """Import ``data`` as ``kind`` for ``user`` through the service; the finished ImportJob."""
    from gongzhi.imports import services

    return services.import_start(user=user, kind=kind, file=upload(data, name), dry_run=dry_run)


def error_cells(job: Any) -> list[tuple[int, str]]:
    """``(row, column header)`` of every error of a job."""
    return [(e["row"], e["field"]) for e in job.errors]
