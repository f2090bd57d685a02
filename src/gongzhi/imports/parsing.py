"""Cell parsers: what people type in spreadsheets, read deliberately.

Each parser takes a raw cell value as the reader gives it (never empty;
strings stripped; numbers from xlsx arrive as floats, dates as ``date`` /
``datetime``) and returns the value or raises :class:`~gongzhi.imports.base.CellError`
with a message saying what to write instead. Parsers with options are
factories (``text(max_length=40)`` returns the parser). Pure functions of a
string are cached: sheets repeat the same codes and dates thousands of times.

Parsers: :func:`text` (factory), :func:`integer` (factory), :func:`money`,
:func:`date`, :func:`datetime`, :func:`time`, :func:`yes_no`, :func:`choice`
(factory), :func:`credit_code`, :func:`division_code` (factory),
:data:`community_code`, :func:`unit_ref`, :func:`community_ref` (code, or
"code name" as the dropdowns write), :func:`id_number`, :func:`phone`.
:func:`as_text` turns any cell into text (whole floats without ".0": long
digit strings such as work-order numbers survive).
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Mapping
from functools import lru_cache
from typing import Any, Final

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.core import money as core_money
from gongzhi.core.codes import normalise_code, validate_credit_code, validate_id_number
from gongzhi.core.validation import MAX_COUNT
from gongzhi.imports.base import CellError, Parser

_CACHE: Final = 65_536
#: Excel's day 0 (serial numbers count days from here, 1900 leap-year bug included).
_EXCEL_EPOCH: Final = dt.date(1899, 12, 30)
_MAX_SERIAL: Final = 2_958_465  # 9999-12-31

_DATE_PATTERNS: Final = (
    re.compile(r"(?P<y>\d{4})\s*年\s*(?P<m>\d{1,2})\s*月\s*(?P<d>\d{1,2})\s*[日号]?"),
    re.compile(r"(?P<y>\d{4})\s*[-/.]\s*(?P<m>\d{1,2})\s*[-/.]\s*(?P<d>\d{1,2})"),
    re.compile(r"(?P<y>\d{4})(?P<m>\d{2})(?P<d>\d{2})"),
)
# A time after the date ("2021-09-10 00:00:00", "2021/9/10 14:30") is accepted and dropped.
_TIME_TAIL: Final = re.compile(r"(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?")
_TIME: Final = re.compile(
    r"(?P<h>\d{1,2})\s*[:：时点]\s*(?P<m>\d{2})(?:\s*[:：分]\s*(?P<s>\d{2}))?分?"
)

_YES: Final = frozenset({"是", "y", "yes", "true", "1", "√", "✓", "对", "有"})
_NO: Final = frozenset({"否", "n", "no", "false", "0", "×", "✗", "无"})
#: The choices written in templates' yes/no dropdowns.
YES_NO_CHOICES: Final = ("是", "否")


def _nfkc(value: str) -> str:
    return unicodedata.normalize("NFKC", value).strip()


def as_text(raw: Any) -> str:
    """A cell as text: whole floats lose their ``.0`` (calamine reads 35 as 35.0),
    dates are written ``YYYY-MM-DD``."""
    if isinstance(raw, str):
        return raw
    if isinstance(raw, bool):
        return "是" if raw else "否"
    if isinstance(raw, float):
        return str(int(raw)) if raw.is_integer() else repr(raw)
    if isinstance(raw, dt.datetime):
        return raw.isoformat(sep=" ")
    if isinstance(raw, dt.date):
        return raw.isoformat()
    return str(raw)


# --- text ---------------------------------------------------------------------------


def text(max_length: int) -> Parser:
    """Text of at most ``max_length`` characters (kept as typed, formulas included)."""

    def parse(raw: Any) -> str:
        value = raw if raw.__class__ is str else as_text(raw).strip()
        if len(value) > max_length:
            raise CellError(
                _("At most %(max)d characters (it has %(n)d).")
                % {"max": max_length, "n": len(value)}
            )
        return value

    return parse


# --- numbers ------------------------------------------------------------------------


def integer(minimum: int = 0, maximum: int = MAX_COUNT) -> Parser:
    """A whole number in ``minimum..maximum``; ``35.0`` is 35, ``35.5`` is refused."""

    def parse(raw: Any) -> int:
        if raw.__class__ is float and raw.is_integer() and minimum <= raw <= maximum:
            return int(raw)  # the common case: calamine reads every number as a float
        if isinstance(raw, bool):
            raise CellError(_("Enter a whole number."))
        if isinstance(raw, int):
            value = raw
        elif isinstance(raw, float):
            if not raw.is_integer():
                raise CellError(_("Enter a whole number (%(value)s is not).") % {"value": raw})
            value = int(raw)
        else:
            value = _int_text(str(raw))
        if value < minimum:
            raise CellError(_("Enter a number of at least %(min)d.") % {"min": minimum})
        if value > maximum:
            raise CellError(_("Enter a number of at most %(max)d.") % {"max": maximum})
        return value

    return parse


@lru_cache(maxsize=_CACHE)
def _int_text(raw: str) -> int:
    value = _nfkc(raw).replace(",", "")
    if re.fullmatch(r"[+-]?\d+(\.0+)?", value):
        return int(value.split(".")[0])
    raise CellError(_("Enter a whole number (%(value)s is not).") % {"value": raw})


def money(raw: Any) -> int:
    """An amount in fen, from yuan as people write it ("8万", "80,000.00", 80000.0)."""
    if isinstance(raw, bool):
        raise CellError(_("Enter an amount, such as 8万, 8.5万, 80000 or 80,000.00."))
    if isinstance(raw, float):
        raw = str(int(raw)) if raw.is_integer() else repr(raw)
    return _money_text(str(raw))


@lru_cache(maxsize=_CACHE)
def _money_text(raw: str) -> int:
    try:
        return core_money.parse_money(raw)
    except ValidationError as exc:
        raise CellError(str(exc.messages[0])) from None


# --- dates and times ----------------------------------------------------------------


#: The dates a sheet may hold: the programme's records start this century, and dates at
#: the far ends of the calendar would overflow when stored or counted.
EARLIEST: Final = dt.date(2000, 1, 1)
LATEST: Final = dt.date(2099, 12, 31)


def _within(day: dt.date) -> dt.date:
    if not EARLIEST <= day <= LATEST:
        raise CellError(
            _("The date must lie from %(first)s to %(last)s.")
            % {"first": EARLIEST.isoformat(), "last": LATEST.isoformat()}
        )
    return day


def date(raw: Any) -> dt.date:
    """A date from 2000 to 2099: a date cell, 2021年9月10日, 2021/9/10, 2021-09-10,
    2021.9.10, 20210910, or an Excel serial number."""
    return _within(_any_date(raw))


def _any_date(raw: Any) -> dt.date:
    if isinstance(raw, dt.datetime):
        return raw.date()
    if isinstance(raw, dt.date):
        return raw
    if isinstance(raw, bool):
        raise CellError(_date_message(str(raw)))
    if isinstance(raw, int | float):
        if isinstance(raw, float) and not raw.is_integer():
            raise CellError(_date_message(as_text(raw)))
        number = int(raw)
        if 0 < number <= _MAX_SERIAL and number < 10_000_000:
            return _EXCEL_EPOCH + dt.timedelta(days=number)
        raw = str(number)
    return _date_text(str(raw))


def _date_message(value: str) -> str:
    return _("“%(value)s” is not a date: write it as 2021-09-10, 2021/9/10 or 2021年9月10日.") % {
        "value": value
    }


@lru_cache(maxsize=_CACHE)
def _date_text(raw: str) -> dt.date:
    value = _nfkc(raw)
    for pattern in _DATE_PATTERNS:
        match = pattern.match(value)
        if match and _TIME_TAIL.fullmatch(value, match.end()):
            try:
                return dt.date(int(match["y"]), int(match["m"]), int(match["d"]))
            except ValueError:
                raise CellError(_("There is no such day: %(value)s.") % {"value": raw}) from None
    raise CellError(_date_message(raw))


_CLOCK: Final = re.compile(
    r"\s*[T ]?\s*(?P<h>\d{1,2})\s*[:：时点]\s*(?P<m>\d{1,2})(?:\s*[:：分]\s*(?P<s>\d{1,2})(?:\.\d+)?)?\s*[分秒]?"
)


def datetime(raw: Any) -> dt.datetime:
    """A moment in the site's time zone (aware): a date-time cell, "2021-09-10 09:31:22",
    "2021/9/10 9:31", "2021年9月10日 9时31分", or a date alone (midnight)."""
    if isinstance(raw, dt.datetime):
        naive = raw.replace(tzinfo=None, microsecond=0)
    elif isinstance(raw, dt.date):
        naive = dt.datetime.combine(raw, dt.time())
    elif isinstance(raw, float) and not raw.is_integer() and 0 < raw < _MAX_SERIAL:
        naive = dt.datetime.combine(_EXCEL_EPOCH, dt.time()) + dt.timedelta(
            seconds=round(raw * 86_400)
        )
    elif isinstance(raw, str):
        naive = _datetime_text(raw)
    else:
        naive = dt.datetime.combine(date(raw), dt.time())
    _within(naive.date())
    return timezone.make_aware(naive)


@lru_cache(maxsize=_CACHE)
def _datetime_text(raw: str) -> dt.datetime:
    value = _nfkc(raw)
    for pattern in _DATE_PATTERNS:
        match = pattern.match(value)
        if not match:
            continue
        rest = value[match.end() :]
        clock = _CLOCK.fullmatch(rest) if rest.strip() else None
        if rest.strip() and clock is None:
            break
        try:
            day = dt.date(int(match["y"]), int(match["m"]), int(match["d"]))
            moment = (
                dt.time(int(clock["h"]), int(clock["m"]), int(clock["s"] or 0))
                if clock
                else dt.time()
            )
        except ValueError:
            raise CellError(
                _("There is no such day or time: %(value)s.") % {"value": raw}
            ) from None
        return dt.datetime.combine(day, moment)
    raise CellError(
        _("“%(value)s” is not a date and time: write it as 2021-09-10 09:30.") % {"value": raw}
    )


def time(raw: Any) -> dt.time:
    """A time of day: a time cell, 14:30, 14:30:00, 14时30分, or a fraction of a day."""
    if isinstance(raw, dt.datetime):
        return raw.time().replace(microsecond=0)
    if isinstance(raw, dt.time):
        return raw.replace(microsecond=0)
    if isinstance(raw, dt.timedelta):
        seconds = int(raw.total_seconds())
        if 0 <= seconds < 86_400:
            return dt.time(seconds // 3600, seconds // 60 % 60, seconds % 60)
    elif isinstance(raw, float) and 0 <= raw < 1:
        seconds = round(raw * 86_400)
        return dt.time(seconds // 3600 % 24, seconds // 60 % 60, seconds % 60)
    elif isinstance(raw, str):
        return _time_text(raw)
    raise CellError(_("“%(value)s” is not a time: write it as 14:30.") % {"value": as_text(raw)})


@lru_cache(maxsize=1024)
def _time_text(raw: str) -> dt.time:
    match = _TIME.fullmatch(_nfkc(raw))
    if match:
        try:
            return dt.time(int(match["h"]), int(match["m"]), int(match["s"] or 0))
        except ValueError:
            pass
    raise CellError(_("“%(value)s” is not a time: write it as 14:30.") % {"value": raw})


# --- yes / no and choices -----------------------------------------------------------


def yes_no(raw: Any) -> bool:
    """是/否, Y/N, yes/no, true/false, 1/0 (and ✓/×)."""
    if isinstance(raw, bool):
        return raw
    return _yes_no_text(as_text(raw))


@lru_cache(maxsize=256)
def _yes_no_text(raw: str) -> bool:
    value = _nfkc(raw).lower()
    if value in _YES:
        return True
    if value in _NO:
        return False
    raise CellError(_("Write 是 or 否 (yes or no)."))


def choice(options: Mapping[str, str]) -> Parser:
    """One of ``options`` (what people write → stored value); matching ignores case
    and width, and stored values are accepted too."""
    lookup: dict[str, str] = {}
    for written, stored in options.items():
        lookup[_nfkc(written).casefold()] = stored
        lookup.setdefault(_nfkc(stored).casefold(), stored)
    shown = "、".join(dict.fromkeys(options))

    def parse(raw: Any) -> str:
        found = lookup.get(_nfkc(as_text(raw)).casefold())
        if found is None:
            raise CellError(
                _("“%(value)s” is not one of: %(choices)s.")
                % {"value": as_text(raw), "choices": shown}
            )
        return found

    return parse


# --- codes --------------------------------------------------------------------------


@lru_cache(maxsize=_CACHE)
def _credit_code_text(raw: str) -> str:
    value = normalise_code(_nfkc(raw))
    try:
        validate_credit_code(value)
    except ValidationError as exc:
        raise CellError(str(exc.messages[0])) from None
    return value


def credit_code(raw: Any) -> str:
    """An 18-character unified social credit code, check digit verified."""
    return _credit_code_text(as_text(raw))


def division_code(length: int) -> Parser:
    """A statistical division code of ``length`` digits (12 for communities)."""

    @lru_cache(maxsize=_CACHE)
    def parse_text(raw: str) -> str:
        value = normalise_code(_nfkc(raw))
        if value.endswith(".0") and value[:-2].isdigit():
            value = value[:-2]  # a number cell saved as text by another program
        if not value.isascii() or not value.isdigit():
            raise CellError(_("A division code has only digits."))
        if len(value) != length:
            raise CellError(
                _("This division code must have %(want)d digits; it has %(n)d.")
                % {"want": length, "n": len(value)}
            )
        return value

    def parse(raw: Any) -> str:
        return parse_text(as_text(raw))

    return parse


community_code: Final = division_code(12)


def _first_token(raw: str) -> str:
    """Dropdowns offer "code name": the code is the first word."""
    value = _nfkc(raw)
    return value.split(None, 1)[0] if value else value


@lru_cache(maxsize=_CACHE)
def _unit_ref_text(raw: str) -> str:
    return _credit_code_text(_first_token(raw))


@lru_cache(maxsize=_CACHE)
def _community_ref_text(raw: str) -> str:
    return community_code(_first_token(raw))


def unit_ref(raw: Any) -> str:
    """A unit's credit code, alone or followed by its name ("9142… 随州市统计局")."""
    return _unit_ref_text(raw if raw.__class__ is str else as_text(raw))


def community_ref(raw: Any) -> str:
    """A community's 12-digit code, alone or followed by its name ("421303001001 白云社区")."""
    return _community_ref_text(raw if raw.__class__ is str else as_text(raw))


def id_number(raw: Any) -> str:
    """An 18-character resident ID number (GB 11643), check character verified."""
    value = normalise_code(_nfkc(as_text(raw)))
    try:
        validate_id_number(value)
    except ValidationError as refused:
        raise CellError(refused.messages[0]) from None
    return value


def phone(raw: Any) -> str:
    """A phone number: digits with an optional leading ``+`` and ``-`` separators;
    a mobile number (starting with 1) has 11 digits."""
    value = _nfkc(as_text(raw)).replace(" ", "")
    if value.endswith(".0") and value[:-2].isdigit():
        value = value[:-2]  # a number cell saved as text by another program
    digits = value.lstrip("+").replace("-", "")
    if not digits.isascii() or not digits.isdigit() or len(value) > 20:
        raise CellError(_("A phone number has only digits, “+” and “-”."))
    if value[0] == "1" and "-" not in value and len(value) != 11:
        raise CellError(
            _("A mobile number has 11 digits (this one has %(n)d).") % {"n": len(value)}
        )
    if len(digits) < 5:
        raise CellError(_("This phone number is too short."))
    return value
