"""Every scoped read of the problem ledger (DESIGN.md section 3).

``problems_visible_to`` is the one door: pages, API and services fetch
problems through it, so a problem out of scope answers 404.
"""

from __future__ import annotations

import datetime as dt
import difflib
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from django.db.models import Count, Exists, F, OuterRef, Prefetch, Q, QuerySet, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from gongzhi.campaigns.holidays import HolidayCalendar, load_calendar
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
    Satisfaction,
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


def duplicate_suggestions_for(
    problem: Problem, user: Any | None = None
) -> list[DuplicateSuggestion]:
    """:func:`duplicate_suggestions` for a problem already recorded (itself left out)."""
    return duplicate_suggestions(
        category=problem.category,
        community_id=problem.community_id,
        description=problem.description,
        lat=problem.lat,
        lng=problem.lng,
        exclude_pk=problem.pk,
        user=user,
    )


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


# --- overdue problems and escalation figures ---------------------------------------------


def working_days_after(deadline: dt.date, on: dt.date, calendar: HolidayCalendar) -> int:
    """How many working days ``on`` lies past ``deadline``.

    The working days after the deadline up to and including ``on``; negative
    (the working days from ``on`` exclusive to the deadline inclusive) when
    ``on`` comes before the deadline. A problem whose deadline passed over a
    weekend or holiday is overdue by 0 working days until the next working day.
    """
    sign, first, last = (1, deadline, on) if on >= deadline else (-1, on, deadline)
    count = 0
    day = first
    while day < last:
        day += dt.timedelta(days=1)
        if calendar.is_workday(day):
            count += 1
    return sign * count


@dataclass(frozen=True)
class AgeBucket:
    """Overdue problems whose age in working days lies in ``low``…``high`` (open-ended: None)."""

    key: str
    label: str | Promise
    low: int
    high: int | None


#: Age buckets of overdue problems. The first also holds problems overdue by
#: 0 working days (deadline passed over a weekend or holiday).
AGE_BUCKETS: tuple[AgeBucket, ...] = (
    AgeBucket("age_1_2", _("1–2 working days"), 0, 2),
    AgeBucket("age_3_5", _("3–5 working days"), 3, 5),
    AgeBucket("age_6_10", _("6–10 working days"), 6, 10),
    AgeBucket("age_over_10", _("more than 10 working days"), 11, None),
)


def age_bucket(age: int) -> AgeBucket:
    """The bucket of an overdue problem ``age`` working days past its deadline."""
    for bucket in AGE_BUCKETS:
        if bucket.high is None or age <= bucket.high:
            return bucket
    return AGE_BUCKETS[-1]  # pragma: no cover


def _latest_workdays(on: dt.date, n: int, calendar: HolidayCalendar) -> list[dt.date]:
    """The ``n`` latest working days up to and including ``on``, latest first."""
    days: list[dt.date] = []
    day = on
    while len(days) < n:
        if calendar.is_workday(day):
            days.append(day)
        day -= dt.timedelta(days=1)
    return days


def _bucket_q(bucket: AgeBucket, workdays: list[dt.date], path: str = "") -> Q:
    """A filter on the deadline for ``bucket``.

    The age of a deadline ``d`` on day ``on`` is at least ``k`` exactly when
    ``d`` lies before the ``k``-th latest working day up to ``on``, so each
    bucket is a range of deadlines and counts in the database.
    """
    q = Q()
    if bucket.low > 0:
        q &= Q(**{f"{path}deadline__lt": workdays[bucket.low - 1]})
    if bucket.high is not None:
        q &= Q(**{f"{path}deadline__gte": workdays[bucket.high]})
    return q


@dataclass(frozen=True)
class OverdueProblem:
    problem: Problem
    age_working_days: int
    bucket: AgeBucket


@dataclass
class OverdueGroup:
    """The overdue problems of one unit, or of one community for problems
    dispatched only to the community (``is_community``)."""

    name: str
    code: str
    is_community: bool
    total: int
    by_bucket: dict[str, int]
    problems: list[OverdueProblem] = field(default_factory=list)

    @property
    def buckets(self) -> list[tuple[AgeBucket, int]]:
        """The group's count per age bucket, in bucket order."""
        return [(b, self.by_bucket.get(b.key, 0)) for b in AGE_BUCKETS]

    @property
    def more(self) -> int:
        """Overdue problems of the group left out of ``problems`` (only the oldest are listed)."""
        return self.total - len(self.problems)


@dataclass
class OverdueReport:
    on: dt.date
    total: int
    by_bucket: dict[str, int]
    by_kind: dict[str, int]
    groups: list[OverdueGroup]
    listed: int


def overdue_by_unit(
    user: Any,
    *,
    on: dt.date,
    district: str = "",
    kind: str = "",
    max_rows: int = 500,
) -> OverdueReport:
    """Overdue problems ``user`` may read on ``on``, grouped by dispatched unit.

    Overdue: as :func:`problems_overdue` (deadline before ``on``, not handled,
    closed, rejected, duplicate or parked). A problem dispatched to several
    units is in each unit's group; one dispatched only to the community is in
    that community's group. Age: working days past the deadline
    (:func:`working_days_after`), bucketed by :data:`AGE_BUCKETS`.

    - ``total``, ``by_bucket``: distinct overdue problems (after the filters);
    - ``by_kind``: distinct overdue problems per escalation kind applied for
      their current deadline (``""``: none yet), with the district filter but
      not the kind filter, so the counts can serve as the kind filter;
    - per group ``total`` and ``by_bucket``: that group's problems, counted
      in the database; ``problems``: the oldest ones, at most ``max_rows``
      listed over the whole report (the counts stay exact).

    ``district`` is a district code, ``kind`` an escalation kind or ``"none"``.
    The number of queries does not depend on the number of problems.
    """
    base = problems_overdue(on=on, user=user).order_by()
    if district:
        base = base.filter(community__street__district__code=district)
    by_kind = {
        row["escalation_kind"]: row["n"]
        for row in base.values("escalation_kind").annotate(n=Count("pk")).order_by()
    }
    if kind:
        base = base.filter(escalation_kind="" if kind == "none" else kind)

    listed = list(
        base.select_related("category", "community")
        .prefetch_related(
            Prefetch("dispatches", queryset=Dispatch.objects.select_related("unit").order_by())
        )
        .order_by("deadline", "id")[:max_rows]
    )
    oldest = min((p.deadline for p in listed if p.deadline), default=on)
    calendar = load_calendar(oldest.year, on.year)
    workdays = _latest_workdays(on, AGE_BUCKETS[-1].low, calendar)

    def counts(path: str = "") -> dict[str, Count]:
        return {b.key: Count("pk", filter=_bucket_q(b, workdays, path)) for b in AGE_BUCKETS}

    groups: dict[tuple[str, int], OverdueGroup] = {}
    unit_rows = (
        Dispatch.objects.filter(problem__in=base.values("pk"))
        .values("unit_id", "unit__code", "unit__name", "unit__short_name")
        .annotate(total=Count("pk"), **counts("problem__"))
        .order_by()
    )
    for row in unit_rows:
        groups[("unit", row["unit_id"])] = OverdueGroup(
            name=row["unit__short_name"] or row["unit__name"],
            code=row["unit__code"],
            is_community=False,
            total=row["total"],
            by_bucket={b.key: row[b.key] for b in AGE_BUCKETS},
        )
    community_rows = (
        base.filter(~Exists(Dispatch.objects.filter(problem=OuterRef("pk"))))
        .values("community_id", "community__code", "community__name")
        .annotate(total=Count("pk"), **counts())
        .order_by()
    )
    for row in community_rows:
        groups[("community", row["community_id"])] = OverdueGroup(
            name=row["community__name"],
            code=row["community__code"],
            is_community=True,
            total=row["total"],
            by_bucket={b.key: row[b.key] for b in AGE_BUCKETS},
        )
    totals = base.aggregate(total=Count("pk"), **counts())

    ages: dict[dt.date, int] = {}
    for problem in listed:
        deadline = problem.deadline or on
        if deadline not in ages:
            ages[deadline] = working_days_after(deadline, on, calendar)
        item = OverdueProblem(problem, ages[deadline], age_bucket(ages[deadline]))
        keys = [("unit", d.unit_id) for d in problem.dispatches.all()]
        for key in keys or [("community", problem.community_id)]:
            if key in groups:
                groups[key].problems.append(item)
    ordered = sorted(groups.values(), key=lambda g: (-g.total, g.is_community, g.name))
    return OverdueReport(
        on=on,
        total=totals["total"],
        by_bucket={b.key: totals[b.key] for b in AGE_BUCKETS},
        by_kind=by_kind,
        groups=ordered,
        listed=len(listed),
    )


@dataclass(frozen=True)
class UnitPerformance:
    """One unit's row of the per-unit table; see :func:`unit_performance` for definitions."""

    unit_id: int
    unit_code: str
    unit_name: str
    dispatched: int
    closed_on_time: int
    closed_late: int
    open: int
    parked: int
    rework: int
    dissatisfied: int

    @property
    def closed(self) -> int:
        return self.closed_on_time + self.closed_late

    @property
    def closure_rate(self) -> Fraction | None:
        """Closed ÷ dispatched (exact); ``None`` when nothing was dispatched."""
        return Fraction(self.closed, self.dispatched) if self.dispatched else None

    @property
    def on_time_rate(self) -> Fraction | None:
        """Closed on time ÷ closed (exact); ``None`` when nothing is closed."""
        return Fraction(self.closed_on_time, self.closed) if self.closed else None


def unit_performance(
    user: Any, *, start: dt.date, end: dt.date, district: str = ""
) -> list[UnitPerformance]:
    """The per-unit table for the period ``start``…``end`` (inclusive, Asia/Shanghai).

    The problems of a unit are those dispatched to it (its ``Dispatch`` row,
    i.e. its first dispatch, dated in the period) that ``user`` may read;
    a problem dispatched to two units counts for each. Their state is taken
    as it is now. Per unit:

    - ``dispatched``: those problems;
    - ``closed_late``: closed, and handled (``handled_at``, local date) after
      the deadline (the current one: an approved extension moves it);
    - ``closed_on_time``: every other closed problem;
    - ``open``: neither closed nor rejected, duplicate or parked (handled but
      not yet verified is open);
    - ``parked``: parked (挂账) with the office's approval;
    - closure rate = closed ÷ dispatched; on-time rate = closed on time ÷ closed
      (exact fractions, rounded only for display);
    - ``rework``: sum of ``rework_count`` (failed verifications, 返工);
    - ``dissatisfied``: the reporter's rating is dissatisfied (also when that
      reopened the problem).

    ``district`` (a code) keeps problems of communities in that district.
    One aggregate query, ordered by unit code.
    """
    scope = scope_of(user)
    qs = Dispatch.objects.filter(
        dispatched_at__gte=_day_start(start),
        dispatched_at__lt=_day_start(end + dt.timedelta(days=1)),
    )
    if not scope.sees_everything:
        qs = qs.filter(problem__in=problems_visible_to(user).order_by().values("pk"))
    if district:
        qs = qs.filter(problem__community__street__district__code=district)
    closed = Q(problem__state=ProblemState.CLOSED)
    ended = [
        ProblemState.CLOSED,
        ProblemState.REJECTED,
        ProblemState.DUPLICATE,
        ProblemState.PARKED,
    ]
    rows = (
        qs.values("unit_id", "unit__code", "unit__name", "unit__short_name")
        .annotate(
            dispatched=Count("pk"),
            closed=Count("pk", filter=closed),
            closed_late=Count(
                "pk", filter=closed & Q(problem__handled_at__date__gt=F("problem__deadline"))
            ),
            open=Count("pk", filter=~Q(problem__state__in=ended)),
            parked=Count("pk", filter=Q(problem__state=ProblemState.PARKED)),
            rework=Coalesce(Sum("problem__rework_count"), 0),
            dissatisfied=Count(
                "pk",
                filter=Q(problem__satisfaction=Satisfaction.DISSATISFIED)
                | Q(problem__reopened_by_rating=True),
            ),
        )
        .order_by("unit__code")
    )
    return [
        UnitPerformance(
            unit_id=row["unit_id"],
            unit_code=row["unit__code"],
            unit_name=row["unit__short_name"] or row["unit__name"],
            dispatched=row["dispatched"],
            closed_on_time=row["closed"] - row["closed_late"],
            closed_late=row["closed_late"],
            open=row["open"],
            parked=row["parked"],
            rework=row["rework"],
            dissatisfied=row["dissatisfied"],
        )
        for row in rows
    ]


# --- call-backs (回访) ----------------------------------------------------------------


def callbacks_due(user: Any) -> QuerySet[Problem]:
    """Closed problems waiting for a call-back: not rated yet, reporter left a phone.

    Only in ``user``'s area: the office everywhere; district, street and
    community staff their area (the roles that may read the phone in full);
    everyone else nothing. Oldest report first.
    """
    scope = scope_of(user)
    qs = Problem.objects.select_related("category", "community", "community__street")
    if not scope.is_office:
        qs = qs.filter(area_q(scope, "community"))
    return (
        qs.filter(state=ProblemState.CLOSED, satisfaction="", reporter_anonymous=False)
        .exclude(reporter_phone="")
        .order_by("id")
    )
