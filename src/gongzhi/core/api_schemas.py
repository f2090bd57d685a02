"""Schemas every API router shares: errors and list pages."""

from __future__ import annotations

from ninja import Schema


class ErrorOut(Schema):
    """Every error answer: a message in the user's language, and per-field messages."""

    detail: str
    errors: dict[str, list[str]] | None = None


#: The error answers to declare on every route that reads or writes objects.
ERRORS = {
    400: ErrorOut,
    401: ErrorOut,
    403: ErrorOut,
    404: ErrorOut,
    409: ErrorOut,
    422: ErrorOut,
}
