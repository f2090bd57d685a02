"""The one xlsx writer every table export uses: headings, frozen header, number formats,
totals, filters, and text that never turns into a formula."""

from __future__ import annotations

import datetime as dt
import io
from fractions import Fraction
from typing import Any

import openpyxl
from django.utils import translation
from django.utils.translation import gettext_lazy

from gongzhi.core.xlsx import (
    Column,
    Table,
    safe_sheet_name,
    text_width,
    workbook_bytes,
    xlsx_response,
)

COLUMNS = [
    Column(gettext_lazy("Unit")),
    Column(gettext_lazy("Person-times"), "int", total=True),
    Column(gettext_lazy("Funds (yuan)"), "yuan", total=True),
    Column(gettext_lazy("Closure rate"), "percent"),
    Column(gettext_lazy("Date"), "date"),
]
ROWS = [
    ["市市场监管局", 1245, 8_000_000, Fraction(1, 2), dt.date(2021, 9, 10)],
    ['=HYPERLINK("http://x")', 35, 5_000_050, None, None],
    ["+1", 22, 1, Fraction(2, 3), dt.date(2021, 9, 24)],
]


def _open(data: bytes, **kwargs: Any) -> Any:
    return openpyxl.load_workbook(io.BytesIO(data), **kwargs)


def _book(**kwargs: Any) -> Any:
    table = Table(title="Units", columns=COLUMNS, rows=ROWS, totals={3: Fraction(3, 5)})
    data = workbook_bytes([table], filters=[("Period", "2021-07-01 – 2021-10-31")])
    return _open(data, **kwargs)


def test_the_sheet_has_a_title_the_filters_and_bold_frozen_headings() -> None:
    sheet = _book().worksheets[0]
    assert sheet["A1"].value == "Units"
    assert sheet["A2"].value == "Period: 2021-07-01 – 2021-10-31"
    assert [c.value for c in sheet[3]] == [
        "Unit",
        "Person-times",
        "Funds (yuan)",
        "Closure rate",
        "Date",
    ]
    assert all(c.font.bold for c in sheet[3])
    assert sheet.freeze_panes == "A4"
    assert sheet.auto_filter.ref == "A3:E6"


def test_numbers_are_numbers_with_their_formats() -> None:
    sheet = _book().worksheets[0]
    assert sheet["B4"].value == 1245
    assert sheet["B4"].number_format == "#,##0"
    assert sheet["C4"].value == 80000
    assert sheet["C5"].value == 50000.5
    assert sheet["C4"].number_format == "#,##0.00"
    assert sheet["D4"].value == 0.5
    assert sheet["D4"].number_format == "0.0%"
    assert sheet["E4"].value == dt.datetime(2021, 9, 10)
    assert sheet["E4"].number_format == "yyyy-mm-dd"
    assert sheet["D5"].value is None


def test_the_totals_row_sums_the_columns_and_keeps_its_exact_value() -> None:
    formulas = _book().worksheets[0]
    assert formulas["A7"].value == "Total"
    assert formulas["B7"].value == "=SUM(B4:B6)"
    assert formulas["A7"].font.bold
    values = _book(data_only=True).worksheets[0]
    assert values["B7"].value == 1245 + 35 + 22
    assert values["C7"].value == 130000.51
    assert values["D7"].value == 0.6
    assert values["E7"].value is None


def test_text_that_looks_like_a_formula_stays_text() -> None:
    sheet = _book().worksheets[0]
    assert sheet["A5"].value == '=HYPERLINK("http://x")'
    assert sheet["A5"].data_type == "s"
    assert sheet["A6"].value == "+1"
    assert sheet["A6"].data_type == "s"


def test_the_filters_are_also_listed_on_a_sheet_of_their_own() -> None:
    book = _book()
    assert book.sheetnames == ["Units", "Filters"]
    filters = book["Filters"]
    assert [c.value for c in filters[2]] == ["Period", "2021-07-01 – 2021-10-31"]


def test_columns_are_wide_enough_for_chinese_names() -> None:
    sheet = _book().worksheets[0]
    assert sheet.column_dimensions["A"].width >= text_width("市市场监管局")
    assert text_width("市统计局") == 8
    assert text_width("abc") == 3


def test_headings_are_chinese_in_the_chinese_interface() -> None:
    with translation.override("zh-hans"):
        data = workbook_bytes([Table(title="x", columns=[Column(gettext_lazy("Total"))], rows=[])])
    sheet = _open(data).worksheets[0]
    assert sheet["A3"].value == "合计"


def test_an_empty_table_still_has_its_headings_and_a_zero_total() -> None:
    table = Table(title="Empty", columns=COLUMNS[:2], rows=[])
    sheet = _open(workbook_bytes([table])).worksheets[0]
    assert sheet["A3"].value == "Unit"
    assert sheet["A4"].value == "Total"
    assert sheet["B4"].value == 0
    assert sheet["A2"].value is None


def test_sheet_names_are_made_acceptable_and_unique() -> None:
    taken: set[str] = set()
    assert safe_sheet_name("By unit / community [2021]", taken) == "By unit   community  2021"
    assert safe_sheet_name("By unit / community [2021]", taken) == "By unit   community  2021 (2)"
    assert len(safe_sheet_name("x" * 40, taken)) == 31


def test_the_response_is_a_named_xlsx_download() -> None:
    response = xlsx_response("units-20210701.xlsx", [Table(title="t", columns=COLUMNS, rows=[])])
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert response["Content-Disposition"] == 'attachment; filename="units-20210701.xlsx"'
    assert _open(response.content).sheetnames == ["t"]
