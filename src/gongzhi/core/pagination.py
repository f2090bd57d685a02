"""Keyset pagination for list pages and API lists.

Lists are ordered by one unique key (a code, or the id) and a page is "the
next ``limit`` rows after this key", so a page costs the same on row ten
million as on row ten. The cursor is the last key of a page, made opaque.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django.conf import settings
from django.db.models import Model, QuerySet

M = TypeVar("M", bound=Model)

MAX_LIMIT = 500


@dataclass
class Page(Generic[M]):
    items: list[M]
    next_cursor: str | None


def encode_cursor(value: Any) -> str:
    return base64.urlsafe_b64encode(str(value).encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> str | None:
    """The key a cursor stands for; a malformed cursor reads as the first page."""
    if not cursor:
        return None
    try:
        value = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    # No key holds a NUL (PostgreSQL refuses one in a query).
    return None if "\x00" in value else value


def clamp_limit(limit: int | None) -> int:
    if not limit or limit < 1:
        return int(settings.PAGE_SIZE)
    return min(limit, MAX_LIMIT)


def keyset_page(
    queryset: QuerySet[M], *, key: str = "pk", cursor: str | None = None, limit: int | None = None
) -> Page[M]:
    """One page of ``queryset`` ordered by the unique field ``key``."""
    size = clamp_limit(limit)
    after = decode_cursor(cursor)
    qs = queryset.order_by(key)
    if after is not None:
        if key in {"pk", "id"}:
            # isdigit() alone admits digits such as "²" that int() refuses.
            if not (after.isascii() and after.isdigit()):
                after = "0"
            qs = qs.filter(**{f"{key}__gt": int(after)})
        else:
            qs = qs.filter(**{f"{key}__gt": after})
    rows = list(qs[: size + 1])
    has_more = len(rows) > size
    rows = rows[:size]
    next_cursor = encode_cursor(getattr(rows[-1], key)) if has_more and rows else None
    return Page(items=rows, next_cursor=next_cursor)
