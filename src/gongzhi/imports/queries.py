"""Which import jobs a user sees: the office sees every job, others their own."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from gongzhi.core.scoping import scope_of
from gongzhi.imports.models import ImportJob


def imports_visible_to(user: Any) -> QuerySet[ImportJob]:
    jobs = ImportJob.objects.select_related("created_by")
    if not getattr(user, "is_authenticated", False):
        return jobs.none()
    if scope_of(user).is_office:
        return jobs
    return jobs.filter(created_by=user)


def recent_imports(user: Any, limit: int = 10) -> list[ImportJob]:
    """The user's own latest jobs, for the upload page."""
    if not getattr(user, "is_authenticated", False):
        return []
    return list(ImportJob.objects.filter(created_by=user).order_by("-created_at", "-id")[:limit])
