"""Templates: an xlsx per kind with the Chinese headers, dropdowns and instructions.

The data sheet holds the headers only (required ones marked in red with a
comment), formatted as text so that long codes stay as typed, with
dropdowns for columns that have choices; long lists (units, communities)
live on a hidden sheet the dropdowns refer to. The instructions sheet
explains every column, the kind's rules, and shows an example row.
"""

from __future__ import annotations

import io
from typing import Any, Final

import xlsxwriter
import xlsxwriter.utility
from django.conf import settings
from django.utils.translation import gettext as _

from gongzhi.imports.base import Importer
from gongzhi.imports.errors_file import date_formats, write_cell

#: Dropdowns cover this many data rows.
VALIDATION_ROWS: Final = 5_000
#: Excel refuses inline dropdown lists longer than 255 characters.
_INLINE_LIMIT: Final = 255
LISTS_SHEET: Final = "lists"


def file_name(importer: type[Importer]) -> str:
    return f"{importer.sheet_name or importer.kind}-template.xlsx"


def build(importer: type[Importer], user: Any) -> bytes:
    """The template of ``importer`` for ``user`` (dropdowns list what the user sees)."""
    output = io.BytesIO()
    book = xlsxwriter.Workbook(output, {"in_memory": True, "strings_to_formulas": False})
    formats = date_formats(book)
    header = book.add_format({"bold": True, "bg_color": "#E8EEF7", "border": 1})
    header_required = book.add_format(
        {"bold": True, "bg_color": "#E8EEF7", "border": 1, "font_color": "#B00020"}
    )
    text = book.add_format({"num_format": "@"})
    wrap = book.add_format({"text_wrap": True, "valign": "top"})
    title = book.add_format({"bold": True, "font_size": 14})

    data = book.add_worksheet((importer.sheet_name or importer.kind)[:31])
    guide = book.add_worksheet("填写说明")
    lists = None
    max_rows = min(VALIDATION_ROWS, settings.IMPORT_MAX_ROWS)

    for col, column in enumerate(importer.columns):
        data.set_column(col, col, column.width, text)
        data.write_string(0, col, column.header, header_required if column.required else header)
        note = str(column.help or column.label or "")
        if column.required:
            note = f"{_('Required.')} {note}".strip()
        if note:
            data.write_comment(0, col, note, {"x_scale": 2})
        choices = column.choices_for(user)
        if not choices:
            continue
        if len(",".join(choices)) <= _INLINE_LIMIT and not any("," in c for c in choices):
            source: Any = choices
        else:
            if lists is None:
                lists = book.add_worksheet(LISTS_SHEET)
                lists.hide()
            for row, value in enumerate(choices):
                lists.write_string(row, col, value)
            letter = xlsxwriter.utility.xl_col_to_name(col)
            source = f"={LISTS_SHEET}!${letter}$1:${letter}${len(choices)}"
        data.data_validation(
            1,
            col,
            max_rows,
            col,
            {
                "validate": "list",
                "source": source,
                "error_type": "warning",
                "error_title": column.header,
                "error_message": _("Choose a value from the list."),
            },
        )
    data.freeze_panes(1, 0)
    data.activate()

    guide.set_column(0, 0, 24)
    guide.set_column(1, 1, 8)
    guide.set_column(2, 2, 60)
    guide.set_column(3, 3, 28)
    guide.write_string(0, 0, f"{importer.sheet_name or importer.kind} — {importer.title}", title)
    line = 2
    general = [
        _("Fill in the first sheet, one row per record, under its header row; keep the headers."),
        _("Columns with a red header are required; the order of the columns is free."),
        _(
            "The whole file is refused if any row is wrong: nothing is written, and every error is listed."
        ),
        _("Importing the same file again changes nothing."),
        *(str(rule) for rule in importer.rules),
    ]
    for sentence in general:
        guide.write_string(line, 0, f"• {sentence}")
        line += 1
    line += 1
    for col, text_ in enumerate(("列名", "必填", _("Meaning"), _("Example"))):
        guide.write_string(line, col, text_, header)
    line += 1
    for column in importer.columns:
        guide.write_string(line, 0, column.header)
        guide.write_string(line, 1, "是" if column.required else "否")
        meaning = " ".join(s for s in (str(column.label or ""), str(column.help or "")) if s)
        guide.write_string(line, 2, meaning, wrap)
        write_cell(guide, line, 3, column.example, formats)
        line += 1
    line += 1
    guide.write_string(line, 0, _("Example row"), title)
    line += 1
    for col, column in enumerate(importer.columns):
        guide.write_string(line, col, column.header, header)
        write_cell(guide, line + 1, col, column.example, formats)
    book.close()
    return output.getvalue()
