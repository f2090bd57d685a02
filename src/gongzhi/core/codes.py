"""Validation of the natural keys: statistical division codes and credit codes, and of
resident ID numbers."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# GB 32100-2015: the 31 characters a unified social credit code may use
# (digits and capital letters without I, O, Z, S, V), each with its value.
CREDIT_CODE_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_CODE_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def credit_code_check_char(first17: str) -> str:
    """The 18th (check) character for the first 17 characters of a credit code."""
    total = sum(
        CREDIT_CODE_ALPHABET.index(char) * weight
        for char, weight in zip(first17, CREDIT_CODE_WEIGHTS, strict=True)
    )
    return CREDIT_CODE_ALPHABET[(31 - total % 31) % 31]


def validate_credit_code(value: str) -> None:
    """Check an 18-character unified social credit code, including its check digit."""
    if len(value) != 18:
        raise ValidationError(
            _("A unified social credit code has 18 characters; this one has %(n)d."),
            code="length",
            params={"n": len(value)},
        )
    bad = sorted({c for c in value if c not in CREDIT_CODE_ALPHABET})
    if bad:
        raise ValidationError(
            _("Characters not allowed in a credit code: %(chars)s."),
            code="characters",
            params={"chars": " ".join(bad)},
        )
    if not value[8:17].isalnum():  # pragma: no cover - alphabet check already covers it
        raise ValidationError(_("Malformed credit code."), code="invalid")
    expected = credit_code_check_char(value[:17])
    if value[17] != expected:
        raise ValidationError(
            _("Wrong check digit: the code ends with %(got)s, it should end with %(want)s."),
            code="check_digit",
            params={"got": value[17], "want": expected},
        )


# GB 11643-1999: weights of the first 17 digits of a resident ID number, and the check
# character for each remainder of their weighted sum modulo 11.
ID_NUMBER_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_NUMBER_CHECK = "10X98765432"


def validate_id_number(value: str) -> None:
    """Check an 18-character resident ID number (公民身份号码), including its check character."""
    if (
        len(value) != 18
        or not value[:17].isdigit()
        or not (value[17].isdigit() or value[17] == "X")
    ):
        raise ValidationError(
            _("An ID card number has 17 digits and a last digit or X."), code="format"
        )
    total = sum(int(c) * w for c, w in zip(value[:17], ID_NUMBER_WEIGHTS, strict=True))
    if ID_NUMBER_CHECK[total % 11] != value[17]:
        raise ValidationError(_("Wrong check character in the ID card number."), code="check_digit")


def normalise_code(value: str) -> str:
    """Codes are typed by people: strip spaces and use capitals."""
    return value.strip().replace(" ", "").upper()


def validate_division_code(value: str, length: int, parent_code: str | None = None) -> None:
    """Check a statistical division code of ``length`` digits under ``parent_code``."""
    if not value.isdigit() or not value.isascii():
        raise ValidationError(
            _("A division code has only digits."), code="characters", params={"value": value}
        )
    if len(value) != length:
        raise ValidationError(
            _("This division code must have %(want)d digits; it has %(n)d."),
            code="length",
            params={"want": length, "n": len(value)},
        )
    if parent_code is not None and not value.startswith(parent_code):
        raise ValidationError(
            _("The code must begin with the code of its parent area, %(parent)s."),
            code="prefix",
            params={"parent": parent_code},
        )
