"""Reading uploaded sheets: formats, encodings, limits, and files that are not sheets."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from typing import Any

import pytest

from gongzhi.imports.readers import FileRefused, read_sheet
from tests.imports.files import Formula, csv_bytes, xlsx_bytes

ROWS = [
    ["单位名称", "人数", "日期"],
    ["市统计局", 20, dt.date(2021, 9, 10)],
    ["市财政局", 35, "2021/9/10"],
]


def test_an_xlsx_first_sheet_is_read_with_row_numbers_from_the_sheet() -> None:
    sheet = read_sheet(xlsx_bytes(ROWS), "a.xlsx")
    assert sheet.header == ["单位名称", "人数", "日期"]
    assert [number for number, _cells in sheet.rows] == [2, 3]
    assert sheet.rows[0][1][:3] == ["市统计局", 20.0, dt.date(2021, 9, 10)]


def test_empty_rows_are_skipped_but_keep_the_numbering() -> None:
    sheet = read_sheet(xlsx_bytes([ROWS[0], ROWS[1], [None, None], ROWS[2]]), "a.xlsx")
    assert [number for number, _cells in sheet.rows] == [2, 4]


def test_a_formula_cell_gives_its_cached_value_never_a_computed_one() -> None:
    sheet = read_sheet(xlsx_bytes([["a", "b"], [Formula("=1+1", 7), "=2+2"]]), "f.xlsx")
    assert sheet.rows[0][1] == [7.0, "=2+2"]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_csv_in_utf8_with_or_without_bom_and_gb18030_reads_the_same(encoding: str) -> None:
    sheet = read_sheet(csv_bytes(ROWS, encoding), "a.csv")
    assert sheet.header == ["单位名称", "人数", "日期"]
    assert sheet.rows[0][1] == ["市统计局", "20", "2021-09-10"]
    assert sheet.encoding == encoding


def test_a_tab_separated_text_is_read_too() -> None:
    data = "单位名称\t人数\n市统计局\t20\n".encode()
    assert read_sheet(data, "a.txt").rows[0][1] == ["市统计局", "20"]


def refused(data: bytes, name: str) -> str:
    with pytest.raises(FileRefused) as exc:
        read_sheet(data, name)
    return exc.value.message


def test_a_file_in_an_unknown_encoding_is_refused_with_the_encodings_to_use() -> None:
    data = "名称,人数\n".encode() + b"\xca\xd0\xcd\xb3\xbc\xc6\xbe\xd6\xff,20\n"
    assert "GB18030" in refused(data, "a.csv")


def test_utf16_text_is_refused_with_advice() -> None:
    assert "UTF-16" in refused("名称\n甲\n".encode("utf-16"), "a.csv")


@pytest.mark.parametrize(
    ("data", "name"),
    [
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "report.pdf"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "photo.csv"),
        (b"this is not a workbook at all", "units.xlsx"),
        (b"PK\x03\x04garbage that is no zip", "units.xlsx"),
    ],
)
def test_what_is_not_a_spreadsheet_is_refused(data: bytes, name: str) -> None:
    message = refused(data, name)
    assert "spreadsheet" in message or "damaged" in message


def test_an_empty_file_is_refused() -> None:
    assert "empty" in refused(b"", "a.csv")


def test_a_file_larger_than_the_limit_is_refused_before_it_is_read(settings: Any) -> None:
    settings.IMPORT_MAX_BYTES = 1024
    assert "too large" in refused(csv_bytes([["a"], *[["x" * 100]] * 20]), "a.csv")


def test_more_rows_than_the_limit_are_refused(settings: Any) -> None:
    settings.IMPORT_MAX_ROWS = 5
    rows = [["a"], *[[i] for i in range(6)]]
    assert "at most 5" in refused(xlsx_bytes(rows), "a.xlsx")
    assert "at most 5" in refused(csv_bytes(rows), "a.csv")
    assert len(read_sheet(csv_bytes(rows[:6]), "a.csv").rows) == 5


def _bomb(member_size: int) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/worksheets/sheet1.xml", b" " * member_size)
    return buffer.getvalue()


def test_a_zip_bomb_is_refused_without_being_unpacked() -> None:
    data = _bomb(8 * 1024 * 1024)
    assert len(data) < 100_000
    assert "unpack" in refused(data, "bomb.xlsx")


def test_an_xlsx_unpacking_beyond_the_limit_is_refused(settings: Any) -> None:
    settings.IMPORT_MAX_UNZIPPED_BYTES = 1024
    assert "unpack" in refused(xlsx_bytes(ROWS), "a.xlsx")


def test_a_file_with_only_blank_lines_has_no_header() -> None:
    assert "header" in refused(b"\n\n,,\n", "a.csv")


def test_the_apostrophe_exports_put_before_formulas_is_removed_on_reading() -> None:
    data = csv_bytes([["a", "b", "c"], ["'=1+1", "'-5", "it's"]], "utf-8-sig")
    assert read_sheet(data, "a.csv").rows[0][1] == ["=1+1", "-5", "it's"]
