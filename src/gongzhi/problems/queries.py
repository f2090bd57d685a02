"""Every scoped read of the problem ledger (DESIGN.md section 3).

``problems_visible_to`` is the one door: pages, API and services fetch
problems through it, so a problem out of scope answers 404.
"""

from __future__ import annotations

import datetime as dt
import difflib
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from gongzhi.core.models import Role
from gongzhi.core.pagination import Page, clamp_limit, decode_cursor, encode_cursor
from gongzhi.core.scoping import Scope, area_q, scope_of
from gongzhi.problems import geo
from gongzhi.problems.models import (
    NOT_OVERDUE_STATES,
    Category,
    Dispatch,
    Problem,
    ProblemSource,
    ProblemState,
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


#: States of a problem that is still being dealt with (a duplicate may point to it).
OPEN_STATES: frozenset[str] = frozenset(
    {
        ProblemState.REPORTED,
        ProblemState.ACCEPTED,
        ProblemState.DISPATCHED,
        ProblemState.IN_PROGRESS,
        ProblemState.HANDLED,
    }
)

DUPLICATE_RADIUS_M = 50.0
#: Text similarity (0–1, character based) above which a problem nearby is suggested
#: even without a location, or ranked first with one.
SIMILAR_TEXT = 0.5
MAX_SUGGESTIONS = 5


@dataclass(frozen=True)
class DuplicateSuggestion:
    problem: Problem
    distance_m: float | None  # None when either has no location
    similarity: float  # 0–1, of the descriptions


def duplicate_suggestions(
    *,
    category: Category,
    community_id: int,
    description: str,
    lat: float | None = None,
    lng: float | None = None,
    exclude_pk: int | None = None,
    user: Any | None = None,
) -> list[DuplicateSuggestion]:
    """Open problems of the same category that may be the same problem, best first.

    With a location: those within :data:`DUPLICATE_RADIUS_M` metres (a
    bounding-box prefilter in the database, then the exact distance). Without
    one: those of the same community whose description is similar
    (:data:`SIMILAR_TEXT`). Ranked by text similarity, then distance. With
    ``user`` only what they may read is suggested.
    """
    qs = problems_visible_to(user) if user is not None else Problem.objects.all()
    qs = qs.filter(category=category, state__in=OPEN_STATES, duplicate_of__isnull=True)
    if exclude_pk is not None:
        qs = qs.exclude(pk=exclude_pk)
    text = (description or "").strip()
    found: list[DuplicateSuggestion] = []
    if lat is not None and lng is not None:
        min_lat, max_lat, min_lng, max_lng = geo.bbox_around(lat, lng, DUPLICATE_RADIUS_M)
        near = qs.filter(
            lat__gte=min_lat, lat__lte=max_lat, lng__gte=min_lng, lng__lte=max_lng
        ).order_by("-created_at")[:200]
        for problem in near:
            distance = geo.distance_m(lat, lng, problem.lat or 0.0, problem.lng or 0.0)
            if distance <= DUPLICATE_RADIUS_M:
                found.append(
                    DuplicateSuggestion(problem, distance, _similarity(text, problem.description))
                )
    else:
        for problem in qs.filter(community_id=community_id).order_by("-created_at")[:200]:
            similarity = _similarity(text, problem.description)
            if similarity >= SIMILAR_TEXT:
                found.append(DuplicateSuggestion(problem, None, similarity))
    found.sort(key=lambda s: (-s.similarity, s.distance_m or 0.0))
    return found[:MAX_SUGGESTIONS]


def _similarity(a: str, b: str) -> float:
    if not a or not b:
        return 0.0
    return difflib.SequenceMatcher(None, a, b, autojunk=False).ratio()


@dataclass(frozen=True)
class LedgerFilter:
    """The ledger's filters, shared by the page, the API and exports.

    Codes are natural keys (category code, division codes, credit code);
    ``start``/``end`` bound the report date (inclusive, Asia/Shanghai);
    ``overdue`` keeps problems overdue on ``today``; ``q`` matches the
    public number exactly or the title / description / address by substring.
    """

    states: tuple[str, ...] = ()
    category: str = ""
    source: str = ""
    district: str = ""
    street: str = ""
    community: str = ""
    unit: str = ""
    overdue: bool = False
    escalation: str = ""
    start: dt.date | None = None
    end: dt.date | None = None
    q: str = ""

    def is_empty(self) -> bool:
        return self == LedgerFilter()


def problems_filtered(
    user: Any, f: LedgerFilter, *, today: dt.date | None = None
) -> QuerySet[Problem]:
    """:func:`problems_visible_to` narrowed by ``f``; newest first."""
    qs = problems_visible_to(user)
    if f.states:
        qs = qs.filter(state__in=f.states)
    if f.category:
        qs = qs.filter(category__code=f.category)
    if f.source:
        qs = qs.filter(source=f.source)
    if f.district:
        qs = qs.filter(community__street__district__code=f.district)
    if f.street:
        qs = qs.filter(community__street__code=f.street)
    if f.community:
        qs = qs.filter(community__code=f.community)
    if f.unit:
        qs = qs.filter(
            pk__in=Dispatch.objects.filter(unit__code=f.unit.upper()).values("problem_id")
        )
    if f.overdue:
        on = today or timezone.localdate()
        qs = qs.filter(deadline__lt=on).exclude(state__in=NOT_OVERDUE_STATES)
    if f.escalation:
        qs = qs.filter(escalation_kind=f.escalation)
    if f.start:
        qs = qs.filter(created_at__gte=_day_start(f.start))
    if f.end:
        qs = qs.filter(created_at__lt=_day_start(f.end + dt.timedelta(days=1)))
    text = f.q.strip()
    if text:
        qs = qs.filter(
            Q(number=text)
            | Q(title__icontains=text)
            | Q(description__icontains=text)
            | Q(address__icontains=text)
        )
    return qs.order_by("-id")


def _day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def problems_page(
    qs: QuerySet[Problem], *, cursor: str | None = None, limit: int | None = None
) -> Page[Problem]:
    """One page of a ledger query, newest first, by keyset on the id (descending)."""
    size = clamp_limit(limit)
    after = decode_cursor(cursor)
    qs = qs.order_by("-id")
    if after is not None and after.isascii() and after.isdigit():
        qs = qs.filter(id__lt=int(after))
    rows = list(qs[: size + 1])
    has_more = len(rows) > size
    rows = rows[:size]
    return Page(items=rows, next_cursor=encode_cursor(rows[-1].pk) if has_more and rows else None)
