"""Saving a registry row with its history note, archiving it and restoring it.

Services call these after they have checked permission and validated, so every
app records who changed a row, and why, in the same way.
"""

from __future__ import annotations

from typing import Any, Final, TypeVar

from django.db.models import Model
from django.utils import timezone

from gongzhi.core.models import Archivable

M = TypeVar("M", bound=Model)
A = TypeVar("A", bound=Archivable)

#: The change reasons the history table shows as "archived" and "restored".
ARCHIVED: Final = "archived"
RESTORED: Final = "restored"


def save_with_history(obj: M, user: Any, reason: str | None = None) -> M:
    """Save with the acting user (and a reason) recorded in the history row."""
    obj._history_user = user  # type: ignore[attr-defined]
    if reason:
        obj._change_reason = reason  # type: ignore[attr-defined]
    obj.save()
    return obj


def mark_archived(obj: A, user: Any) -> A:
    """Archive ``obj`` now, unless it already is; the history says who archived it."""
    if obj.archived_at is None:
        obj.archived_at = timezone.now()
        save_with_history(obj, user, ARCHIVED)
    return obj


def mark_restored(obj: A, user: Any) -> A:
    """Bring an archived ``obj`` back; the history says who restored it."""
    if obj.archived_at is not None:
        obj.archived_at = None
        save_with_history(obj, user, RESTORED)
    return obj
