"""Reading uploaded sheets: xlsx / xls / ods with python-calamine, csv in UTF-8 or GB18030.

Only the first sheet is read; row 1 is the header. Formulas are never
evaluated: calamine gives the value Excel cached, and CSV has no formulas (a
cell "=1+1" stays that text). Every refusal (too large, too many rows, a zip
that would unpack too far, an unknown encoding, not a spreadsheet) raises
:class:`FileRefused` with a message for the user, before any row is checked.
"""

from __future__ import annotations

import csv
import gc
import io
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Final

from django.conf import settings
from django.utils.translation import gettext as _
from python_calamine import CalamineWorkbook

from gongzhi.core.exports import FORMULA_STARTS

_ZIP_MAGIC: Final = b"PK\x03\x04"
_OLE_MAGIC: Final = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
#: A member of an xlsx may expand this many times, beyond its first megabyte.
MAX_ZIP_RATIO: Final = 200
MAX_ZIP_MEMBERS: Final = 10_000
_RATIO_FREE_BYTES: Final = 1024 * 1024
SPREADSHEET_EXTENSIONS: Final = (".xlsx", ".xlsm", ".xls", ".ods")
TEXT_EXTENSIONS: Final = (".csv", ".txt")


class FileRefused(Exception):
    """The file as a whole cannot be read; ``message`` says why, in the user's language."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass
class Sheet:
    """The header row and the data rows of a file's first sheet.

    ``rows`` holds ``(row_number, cells)`` with the sheet's numbering (header = 1);
    rows whose cells are all empty are left out. ``encoding`` is set for csv.
    """

    header: list[str]
    rows: list[tuple[int, list[Any]]]
    encoding: str = ""


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while many rows are built: they hold no
    cycles, and its repeated passes over them would double the time taken."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _mb(n: int) -> str:
    return f"{n / 1024 / 1024:.0f}"


def check_size(size: int) -> None:
    if size > settings.IMPORT_MAX_BYTES:
        raise FileRefused(
            _("The file is too large: %(size)s MB, at most %(max)s MB.")
            % {"size": f"{size / 1024 / 1024:.1f}", "max": _mb(settings.IMPORT_MAX_BYTES)}
        )
    if size == 0:
        raise FileRefused(_("The file is empty."))


def check_zip(data: bytes) -> None:
    """Refuse an xlsx / ods whose members would unpack beyond the limits (a zip bomb)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        raise FileRefused(_("The file is damaged: it is not a readable xlsx file.")) from None
    if len(members) > MAX_ZIP_MEMBERS:
        raise FileRefused(_("The file has too many parts to be a spreadsheet."))
    total = sum(member.file_size for member in members)
    limit = settings.IMPORT_MAX_UNZIPPED_BYTES
    too_dense = any(
        member.file_size > _RATIO_FREE_BYTES
        and member.file_size > MAX_ZIP_RATIO * max(member.compress_size, 1)
        for member in members
    )
    if total > limit or too_dense:
        raise FileRefused(
            _(
                "The file would unpack to more than %(max)s MB or is compressed suspiciously "
                "densely; it was not opened."
            )
            % {"max": _mb(limit)}
        )


def _header_text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return "" if value is None else str(value).strip()


def _is_empty(cells: list[Any]) -> bool:
    for cell in cells:
        if cell.__class__ is str:
            if cell and not cell.isspace():
                return False
        elif cell is not None:
            return False
    return True


def _check_rows(count: int) -> None:
    if count > settings.IMPORT_MAX_ROWS:
        raise FileRefused(
            _("The file has %(n)s rows; at most %(max)s can be imported at once: split it.")
            % {"n": f"{count:,}", "max": f"{settings.IMPORT_MAX_ROWS:,}"}
        )


def _sheet_from_rows(raw_rows: list[list[Any]], encoding: str = "") -> Sheet:
    # The header is the first non-empty row; its number is kept for the row numbers.
    start = 0
    while start < len(raw_rows) and _is_empty(raw_rows[start]):
        start += 1
    if start == len(raw_rows):
        raise FileRefused(_("The file has no header row: it is empty."))
    header = [_header_text(v) for v in raw_rows[start]]
    _check_rows(len(raw_rows) - start - 1)
    rows = [
        (number, cells)
        for number, cells in enumerate(raw_rows[start + 1 :], start=start + 2)
        if not _is_empty(cells)
    ]
    return Sheet(header=header, rows=rows, encoding=encoding)


def _read_workbook(data: bytes) -> Sheet:
    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
        if not workbook.sheet_names:
            raise FileRefused(_("The workbook has no sheet."))
        sheet = workbook.get_sheet_by_index(0)
        # Refuse by the sheet's declared size before materialising it.
        _check_rows(max(sheet.total_height - 1, 0))
        raw_rows = sheet.to_python(skip_empty_area=False)
    except FileRefused:
        raise
    except Exception:  # calamine raises several error types for damaged files
        raise FileRefused(_("The file is damaged or is not a spreadsheet.")) from None
    return _sheet_from_rows(raw_rows)


def decode_text(data: bytes) -> tuple[str, str]:
    """Text and encoding of a csv: UTF-8 (with or without BOM), else GB18030."""
    if b"\x00" in data[:4096]:
        if data.startswith((b"\xff\xfe", b"\xfe\xff")):
            raise FileRefused(
                _("The file is in UTF-16; save it as CSV in UTF-8 or GB18030 (or as xlsx).")
            )
        raise FileRefused(_("The file is not a spreadsheet or a CSV text file."))
    if data.startswith(b"\xef\xbb\xbf"):
        try:
            return data[3:].decode("utf-8"), "utf-8-sig"
        except UnicodeDecodeError:
            pass
    else:
        try:
            return data.decode("utf-8"), "utf-8"
        except UnicodeDecodeError:
            pass
        try:
            return data.decode("gb18030"), "gb18030"
        except UnicodeDecodeError:
            pass
    raise FileRefused(
        _("The text could not be read as UTF-8 or GB18030; save the CSV in one of these.")
    )


def _read_csv(data: bytes) -> Sheet:
    text, encoding = decode_text(data)
    first_line = text.split("\n", 1)[0]
    delimiter = "\t" if "\t" in first_line and "," not in first_line else ","
    # A cell may be as long as the file (the columns' own limits then name it).
    csv.field_size_limit(max(csv.field_size_limit(), len(text) + 1))
    try:
        raw_rows: list[list[Any]] = list(
            csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        )
    except csv.Error:
        raise FileRefused(_("The CSV file is malformed (an unclosed quote?).")) from None
    if "'" in text:
        raw_rows = [[_unescape(cell) for cell in row] for row in raw_rows]
    return _sheet_from_rows(raw_rows, encoding)


def _unescape(cell: str) -> str:
    """Undo the apostrophe exports put before formula-like text ("'=1+1" → "=1+1"):
    a CSV gongzhi wrote imports back as it was."""
    if cell[:1] == "'" and cell[1:2] in FORMULA_STARTS and len(cell) > 1:
        return cell[1:]
    return cell


def read_sheet(data: bytes, name: str = "") -> Sheet:
    """The first sheet of ``data`` (the uploaded bytes; ``name`` gives the extension)."""
    check_size(len(data))
    with gc_paused():
        return _read(data, name.lower())


def _read(data: bytes, lower: str) -> Sheet:
    if data.startswith(_ZIP_MAGIC):
        check_zip(data)
        return _read_workbook(data)
    if data.startswith(_OLE_MAGIC):
        return _read_workbook(data)
    if lower.endswith(SPREADSHEET_EXTENSIONS):
        raise FileRefused(_("The file is damaged or is not a spreadsheet."))
    if data.startswith((b"%PDF", b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"Rar!", b"\x1f\x8b")):
        raise FileRefused(_("The file is not a spreadsheet or a CSV text file."))
    return _read_csv(data)
