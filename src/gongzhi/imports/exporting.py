"""Exports in the import format: the kind's columns and headers, so a file can go back in.

Formula-safe: xlsx text cells are written as strings (never formulas), and CSV
cells that a spreadsheet would run (=, +, -, @ …) get a leading apostrophe.
"""

from __future__ import annotations

import csv
import io
from typing import Any

import xlsxwriter

from gongzhi.core.exports import csv_cell
from gongzhi.imports.base import Importer
from gongzhi.imports.errors_file import date_formats, write_cell


def export_xlsx(importer: type[Importer], user: Any) -> tuple[bytes, int]:
    """The rows ``user`` sees as an xlsx in the template's layout, and their count."""
    output = io.BytesIO()
    book = xlsxwriter.Workbook(output, {"in_memory": True, "strings_to_formulas": False})
    formats = date_formats(book)
    bold = book.add_format({"bold": True})
    sheet = book.add_worksheet((importer.sheet_name or importer.kind)[:31])
    for col, column in enumerate(importer.columns):
        sheet.set_column(col, col, column.width)
        sheet.write_string(0, col, column.header, bold)
    count = 0
    for count, row in enumerate(importer().export_rows(user), start=1):
        for col, column in enumerate(importer.columns):
            write_cell(sheet, count, col, row.get(column.key), formats)
    sheet.freeze_panes(1, 0)
    book.close()
    return output.getvalue(), count


def export_csv(importer: type[Importer], user: Any) -> tuple[bytes, int]:
    """The same as CSV in UTF-8 with a BOM (Excel opens it with the right characters)."""
    text = io.StringIO(newline="")
    writer = csv.writer(text)
    writer.writerow([column.header for column in importer.columns])
    count = 0
    for row in importer().export_rows(user):
        count += 1
        values = [row.get(column.key) for column in importer.columns]
        writer.writerow(
            ["" if v is None else csv_cell(str(v) if not isinstance(v, str) else v) for v in values]
        )
    return text.getvalue().encode("utf-8-sig"), count
