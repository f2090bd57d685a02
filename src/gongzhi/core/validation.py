"""Small pieces every service uses to collect field errors and tell "not given" from None."""

from __future__ import annotations

from typing import Final

from django.core.exceptions import ValidationError

#: Field name → messages, raised together so the user sees every error at once.
Errors = dict[str, list[str]]

#: The largest count a PositiveIntegerField holds on every database.
MAX_COUNT: Final = 2_147_483_647


class Unset:
    """Marks an update argument that was not given (``None`` may be a real value)."""

    def __repr__(self) -> str:
        return "UNSET"


UNSET: Final = Unset()


def add_error(errors: Errors, field: str, message: str) -> None:
    errors.setdefault(field, []).append(message)


def raise_if_errors(errors: Errors) -> None:
    if errors:
        raise ValidationError(errors)
