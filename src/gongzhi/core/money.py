"""Money as the city writes it, and as gongzhi stores it: integer fen (分), never floats.

:func:`parse_money` reads what people type ("8万", "80,000.00", "¥80,000",
"８万元") into fen and refuses anything ambiguous with a message saying what to
write instead. :func:`format_yuan` and :func:`format_wan` write fen back
exactly; :func:`official_round` and :func:`official_count` write the rounded
headline figures of bulletins ("300余万元", "6300余人次").
"""

from __future__ import annotations

import re
import unicodedata
from decimal import ROUND_FLOOR, Decimal
from typing import Final

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

#: The largest amount one entry may hold: 10亿元 (one billion yuan), in fen.
MAX_YUAN: Final = 1_000_000_000
MAX_FEN: Final = MAX_YUAN * 100

FEN_PER_YUAN: Final = 100
WAN: Final = 10_000
YI: Final = 100_000_000

#: Chinese numerals (lower and upper case, 两 included); 万 and 亿 are read as units.
CHINESE_NUMERALS: Final = frozenset("零〇一二三四五六七八九十百千两壹贰貳叁參肆伍陆陸柒捌玖拾佰仟")
_PREFIXES: Final = ("人民币", "RMB", "CNY", "¥")
_SUFFIXES: Final = (("万元", WAN), ("亿元", YI), ("万", WAN), ("亿", YI), ("元", 1))
_UNIT_CHARACTERS: Final = frozenset("万亿元")
_NUMBER = re.compile(r"(?P<whole>\d+|\d{1,3}(?:,\d{3})+)?(?:\.(?P<fraction>\d+))?")
_EXPONENT = re.compile(r"\d\s*[eE]\s*[+-]?\s*\d")
_NOT_FINITE: Final = frozenset({"nan", "snan", "inf", "infinity"})
_MINUS_SIGNS: Final = ("-", "\u2212")
# Digits beyond these cannot be an amount up to MAX_YUAN with at most fen precision.
_MAX_WHOLE_DIGITS: Final = 13
_MAX_FRACTION_DIGITS: Final = 10


def _refuse(message: str, code: str) -> ValidationError:
    return ValidationError(message, code=code)


def _examples() -> str:
    return _("such as 8万, 8.5万, 80000 or 80,000.00")


def parse_money(text: str) -> int:
    """The amount ``text`` names, in fen; ``ValidationError`` (with a ``code``) if unclear.

    Accepted: yuan in digits with at most two decimals ("80000", "0.5",
    "80,000.00"), with "元", "万" / "万元" or "亿" / "亿元" after it and "¥",
    "人民币", "RMB" or "CNY" before it, in half- or full-width characters::

        >>> parse_money("8万"), parse_money("8.5万"), parse_money("¥80,000")
        (8000000, 8500000, 8000000)
        >>> parse_money("80000元"), parse_money("０.５")
        (8000000, 50)

    Refused, each with a message saying what to write: nothing; Chinese
    numerals ("八万"); zero or less ("0", "-5"); an exponent ("1e9"); more
    than fen precision ("12.345"); NaN or infinity; letters; commas outside
    groups of three digits; a unit twice ("8万万"); more than
    :data:`MAX_YUAN` yuan.
    """
    value = unicodedata.normalize("NFKC", str(text)).strip()
    if not value:
        raise _refuse(_("Enter an amount, %(examples)s.") % {"examples": _examples()}, "required")
    if CHINESE_NUMERALS.intersection(value):
        raise _refuse(
            _(
                "Write the amount in digits, %(examples)s; Chinese numerals such as 八万 are not read."
            )
            % {"examples": _examples()},
            "chinese_numerals",
        )
    for prefix in _PREFIXES:
        if value.upper().startswith(prefix):
            value = value[len(prefix) :].strip()
            break
    if value.startswith(_MINUS_SIGNS):
        raise _refuse(_("The amount must be more than zero."), "not_positive")
    if value.lower().lstrip("+") in _NOT_FINITE:
        raise _refuse(
            _("Enter the amount in digits, %(examples)s.") % {"examples": _examples()},
            "not_finite",
        )
    if _EXPONENT.search(value):
        raise _refuse(
            _("Write the amount in plain digits, without an exponent (1e9 is not read)."),
            "exponent",
        )
    multiplier = 1
    for suffix, factor in _SUFFIXES:
        if value.endswith(suffix):
            value = value[: -len(suffix)].strip()
            multiplier = factor
            break
    if _UNIT_CHARACTERS.intersection(value):
        raise _refuse(
            _("Write 元, 万 or 亿 once, after the digits, %(examples)s.")
            % {"examples": _examples()},
            "unit_twice",
        )
    match = _NUMBER.fullmatch(value)
    if not value or match is None or not (match["whole"] or match["fraction"]):
        if "," in value and re.fullmatch(r"[\d,]+(\.\d+)?", value):
            raise _refuse(
                _("Use commas only between groups of three digits, such as 80,000."),
                "grouping",
            )
        raise _refuse(
            _("Enter the amount in digits, %(examples)s.") % {"examples": _examples()},
            "invalid",
        )
    whole = (match["whole"] or "0").replace(",", "").lstrip("0") or "0"
    fraction = (match["fraction"] or "").rstrip("0")
    too_large = _("The amount is too large: at most %(max)s yuan (10亿元) per entry.") % {
        "max": f"{MAX_YUAN:,}"
    }
    if len(whole) > _MAX_WHOLE_DIGITS:
        raise _refuse(too_large, "too_large")
    too_precise = _(
        "Fen (0.01 yuan) is the smallest amount: use at most two decimal places of yuan."
    )
    if len(fraction) > _MAX_FRACTION_DIGITS:
        raise _refuse(too_precise, "too_precise")
    yuan = Decimal(f"{whole}.{fraction or '0'}") * multiplier
    if yuan <= 0:
        raise _refuse(_("The amount must be more than zero."), "not_positive")
    if yuan > MAX_YUAN:
        raise _refuse(too_large, "too_large")
    fen = yuan * FEN_PER_YUAN
    if fen != fen.to_integral_value():
        raise _refuse(too_precise, "too_precise")
    return int(fen)


def _plain(value: Decimal) -> str:
    """A decimal without exponent or trailing zeros: ``Decimal("3E+2")`` → ``"300"``."""
    text = format(value.normalize(), "f")
    return text


def format_yuan(fen: int) -> str:
    """Fen as yuan with thousands separators and two decimals, exactly::

    >>> format_yuan(8_000_000), format_yuan(50), format_yuan(-123_456)
    ('80,000.00', '0.50', '-1,234.56')
    """
    sign = "-" if fen < 0 else ""
    yuan, cents = divmod(abs(int(fen)), FEN_PER_YUAN)
    return f"{sign}{yuan:,}.{cents:02d}"


def format_wan(fen: int) -> str:
    """Fen in the official style, exactly: 万元 from ten thousand yuan up, 元 below::

    >>> format_wan(8_000_000), format_wan(8_500_000), format_wan(300_450_000)
    ('8万元', '8.5万元', '300.45万元')
    >>> format_wan(500_000), format_wan(1_250)
    ('5000元', '12.5元')
    """
    amount = Decimal(int(fen))
    if abs(amount) >= WAN * FEN_PER_YUAN:
        return f"{_plain(amount / (WAN * FEN_PER_YUAN))}万元"
    return f"{_plain(amount / FEN_PER_YUAN)}元"


def _two_digits_down(value: Decimal) -> Decimal:
    """``value`` (≥ 1) cut down to its two leading significant digits: 300.45 → 300,
    8.53 → 8.5, 6345 → 6300."""
    digits = len(str(int(value)))
    quantum = Decimal(10) ** (digits - 2)
    return (value / quantum).to_integral_value(rounding=ROUND_FLOOR) * quantum


def _official(value: Decimal, unit: str) -> str:
    if value < 0:
        raise ValueError("official figures are not negative")
    if value < 100:
        return f"{_plain(value)}{unit}"
    scale, word = (YI, "亿") if value >= YI else (WAN, "万") if value >= WAN else (1, "")
    scaled = value / scale
    kept = _two_digits_down(scaled)
    text = _plain(kept)
    if kept == scaled:
        return f"{text}{word}{unit}"
    if not word:
        return f"{text}余{unit}"
    if "." not in text and text.endswith("0"):
        return f"{text}余{word}{unit}"
    return f"{text}{word}余{unit}"


def official_round(fen: int) -> str:
    """Money as a bulletin's headline writes it: the two leading digits, rounded down,
    with 余 ("more than") when something was cut off.

    The unit is 亿元 from a hundred million yuan up, 万元 from ten thousand yuan
    up, and 元 below; amounts under 100 yuan are written exactly. 余 stands
    before 万 / 亿 after a round figure ("300余万元": three hundred and some
    ten-thousands), after it otherwise ("12万余元", "8.5万余元")::

        >>> official_round(300_450_000)  # 3,004,500.00 yuan
        '300余万元'
        >>> official_round(8_000_000), official_round(8_530_000), official_round(12_345_600)
        ('8万元', '8.5万余元', '12万余元')
        >>> official_round(634_500), official_round(4_500)
        ('6300余元', '45元')
    """
    return _official(Decimal(int(fen)) / FEN_PER_YUAN, "元")


def official_count(n: int, unit: str = "人次") -> str:
    """A count as a bulletin's headline writes it, by the rule of :func:`official_round`::

    >>> official_count(6_345), official_count(6_300), official_count(45)
    ('6300余人次', '6300人次', '45人次')
    >>> official_count(12_345), official_count(126, unit="人")
    ('1.2万余人次', '120余人')
    """
    return _official(Decimal(int(n)), unit)
