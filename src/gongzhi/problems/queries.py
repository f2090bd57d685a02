"""Every scoped read of the problem ledger (DESIGN.md section 3).

``problems_visible_to`` is the one door: pages, API and services fetch
problems through it, so a problem out of scope answers 404.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Q, QuerySet

from gongzhi.core.models import Role
from gongzhi.core.scoping import Scope, area_q, scope_of
from gongzhi.problems.models import (
    NOT_OVERDUE_STATES,
    Category,
    Dispatch,
    Problem,
    ProblemSource,
)
from gongzhi.units.permissions import mask_phone


def problems_visible_to(user: Any) -> QuerySet[Problem]:
    """Problems ``user`` may read, with category and community joined.

    The office and leaders read all; district, street and community staff
    the problems of communities in their area; a unit liaison the problems
    dispatched to their unit; an inspector the inspection findings they
    recorded; members and anyone else nothing.
    """
    scope = scope_of(user)
    qs = Problem.objects.select_related("category", "community", "community__street")
    if scope.sees_everything:
        return qs
    return qs.filter(_visible_q(scope, user))


def _visible_q(scope: Scope, user: Any) -> Q:
    q = area_q(scope, "community")
    if scope.unit_ids:
        q |= Q(pk__in=Dispatch.objects.filter(unit_id__in=scope.unit_ids).values("problem_id"))
    if Role.INSPECTOR in scope.roles:
        q |= Q(source=ProblemSource.INSPECTION, created_by_id=user.pk)
    return q


def problems_overdue(*, on: dt.date, user: Any | None = None) -> QuerySet[Problem]:
    """Problems whose deadline passed before ``on`` and that are not yet handled.

    Handled, closed, rejected, duplicate and parked problems are never overdue.
    With ``user`` the result is limited to what they may read.
    """
    qs = problems_visible_to(user) if user is not None else Problem.objects.all()
    return qs.filter(deadline__lt=on).exclude(state__in=NOT_OVERDUE_STATES)


def may_see_reporter_phone(user: Any, problem: Problem) -> bool:
    """The reporter's phone in full: the office and the staff of the problem's area
    (who accept, verify and call back); everyone else reads it masked."""
    scope = scope_of(user)
    if scope.is_office:
        return True
    community = problem.community
    return (
        community.pk in scope.community_ids
        or community.street_id in scope.street_ids
        or community.street.district_id in scope.district_ids
    )


def reporter_phone_for(user: Any, problem: Problem) -> str:
    """The reporter's phone as ``user`` may see it (empty for anonymous reports)."""
    if problem.reporter_anonymous:
        return ""
    phone = problem.reporter_phone
    return phone if may_see_reporter_phone(user, problem) else mask_phone(phone)


def categories_active() -> QuerySet[Category]:
    """Categories in their display order, archived ones left out."""
    return Category.objects.active().order_by("ordering", "code")
