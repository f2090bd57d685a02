"""Every figure the city publishes, defined once (DESIGN.md section 4).

Pages, the API (``/api/v1/stats/…``), the xlsx exports, the bulletin and the
work brief all call these functions; none of them adds up rows on its own.
Each figure is computed in the database (aggregates), never by a Python loop
over rows, and each function's docstring is the figure's definition: what
counts and what does not.

Filters (:class:`StatsFilter`, defined with its parsing in
:mod:`gongzhi.stats.filters`, DESIGN.md section 6): the period (both dates
inclusive), the unit's jurisdiction included or excluded (``municipal`` or a
district code), the community's district included or excluded, units (credit
codes), communities (12-digit codes) and problem categories. A filter applies
to the figures it makes sense for: jurisdiction and unit to everything a unit
does; district and community to everything that happens in a community;
category to problems only.

Scope: every function takes the reader's :class:`~gongzhi.core.scoping.Scope`
(see :mod:`gongzhi.stats.queries` for who reads what); a reader sees the figures
of the units and communities their grants reach, nothing else. The definitions
are also written out for readers in docs/figures.md.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from django.db.models import (
    Count,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    Func,
    IntegerField,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
)
from django.db.models.functions import Coalesce, TruncMonth
from django.utils import timezone

from gongzhi.activities.models import Attendance, Contribution
from gongzhi.areas.models import Community
from gongzhi.campaigns.models import Campaign, Session, SessionStatus
from gongzhi.core.scoping import Scope
from gongzhi.inspections.rankings import Ranking, Span, ranking_for
from gongzhi.problems.models import Dispatch, Problem, ProblemState, Satisfaction
from gongzhi.stats.filters import MUNICIPAL as MUNICIPAL
from gongzhi.stats.filters import StatsFilter as StatsFilter
from gongzhi.stats.filters import (
    community_filter_q,
    has_community_filter,
    has_unit_filter,
    unit_filter_q,
)
from gongzhi.stats.queries import (
    activity_scope_q,
    community_scope_q,
    is_restricted,
    problem_scope_q,
)
from gongzhi.units.models import Pairing, Unit


@dataclass(frozen=True)
class Participation:
    """Units that attended ÷ units expected, for one session or a period."""

    units_expected: int
    units_attended: int

    @property
    def rate(self) -> Fraction | None:
        if not self.units_expected:
            return None
        return Fraction(self.units_attended, self.units_expected)


@dataclass(frozen=True)
class ProblemFigures:
    reported: int
    accepted: int
    closed: int
    by_state: dict[str, int]
    by_category: dict[str, int]
    by_source: dict[str, int]
    closure_rate: Fraction | None
    on_time_rate: Fraction | None
    median_days_to_close: float | None
    satisfaction_rate: Fraction | None


@dataclass(frozen=True)
class UnitFigures:
    unit_code: str
    unit_name: str
    person_times: int
    sessions_attended: int
    funds_fen: int


@dataclass(frozen=True)
class CommunityFigures:
    community_code: str
    community_name: str
    person_times: int
    units_attended: int
    funds_fen: int
    problems_reported: int
    problems_closed: int


@dataclass(frozen=True)
class Summary:
    filter: StatsFilter
    person_times: int
    sessions_held: int
    participation: Participation
    funds_fen: int
    problems: ProblemFigures
    by_unit: list[UnitFigures] = field(default_factory=list)


@dataclass(frozen=True)
class SessionPoint:
    """One held session's figures, for the time series."""

    session_id: int
    date: dt.date
    person_times: int
    participation: Participation


@dataclass(frozen=True)
class SessionTableRow:
    """A unit's turnout at one session (the bulletin's participation table)."""

    unit_code: str
    unit_name: str
    headcount: int
    communities: int
    leader_name: str
    principal_leader_led: bool


@dataclass(frozen=True)
class CategoryRow:
    category_code: str
    category_name: str
    reported: int
    closed: int
    closure_rate: Fraction | None
    on_time_rate: Fraction | None


def _day_start(day: dt.date) -> dt.datetime:
    """Midnight at the start of ``day`` in the city's time zone (Asia/Shanghai)."""
    return dt.datetime.combine(day, dt.time.min, tzinfo=timezone.get_default_timezone())


def _scope(scope: object) -> Scope | None:
    return scope if isinstance(scope, Scope) else None


# --- the rows each figure adds up -----------------------------------------------------------


def held_sessions(f: StatsFilter, scope: object = None) -> QuerySet[Session]:
    """Sessions held in the period of ``f`` (session date, both ends inclusive): status
    scheduled, so skipped (holiday) and cancelled sessions are left out.

    When ``f`` names districts or communities, or the reader's scope is an area, only
    sessions of campaigns that reach them count: a campaign listing communities
    reaches those, a campaign listing none reaches the whole city.
    """
    qs = Session.objects.filter(status=SessionStatus.SCHEDULED, date__gte=f.start, date__lte=f.end)
    sc = _scope(scope)
    where = community_filter_q(f, "")
    area_limited = is_restricted(sc) and sc is not None and sc.has_areas
    if area_limited:
        where &= community_scope_q(sc)
    if has_community_filter(f) or area_limited:
        members = Campaign.communities.through.objects
        reached = members.filter(community_id__in=Community.objects.filter(where).values("pk"))
        qs = qs.filter(
            Q(campaign_id__in=reached.values("campaign_id"))
            | ~Q(campaign_id__in=members.values("campaign_id"))
        )
    return qs


def counted_attendance(f: StatsFilter, scope: object = None) -> QuerySet[Attendance]:
    """The attendance rows person-times add up: of sessions held in the period (by
    session date; cancelled and skipped sessions count nowhere), whatever the
    row's status (submitted or confirmed), with its current headcount (an office
    correction replaces the old figure), narrowed by the unit and community sides of
    ``f`` and by the reader's scope."""
    return (
        Attendance.objects.filter(
            session__status=SessionStatus.SCHEDULED,
            session__date__gte=f.start,
            session__date__lte=f.end,
        )
        .filter(unit_filter_q(f))
        .filter(community_filter_q(f))
        .filter(activity_scope_q(_scope(scope)))
    )


def counted_contributions(f: StatsFilter, scope: object = None) -> QuerySet[Contribution]:
    """The contributions funds add up: active (not archived) ones dated in the period,
    narrowed by the unit and community sides of ``f`` and by the reader's scope."""
    return (
        Contribution.objects.filter(archived_at__isnull=True, date__gte=f.start, date__lte=f.end)
        .filter(unit_filter_q(f))
        .filter(community_filter_q(f))
        .filter(activity_scope_q(_scope(scope)))
    )


def _dispatch_q(f: StatsFilter) -> Q:
    """Problems passing the unit side of ``f`` through the units they were dispatched to.

    With units or jurisdictions named: dispatched to at least one such unit (not
    excluded). With exclusions only: not dispatched to any unit, or dispatched to at
    least one unit that is not excluded (a problem of excluded units only drops out).
    """
    if not has_unit_filter(f):
        return Q()
    passing = Exists(Dispatch.objects.filter(problem_id=OuterRef("pk")).filter(unit_filter_q(f)))
    if f.jurisdictions or f.units:
        return Q(passing)
    dispatched = Exists(Dispatch.objects.filter(problem_id=OuterRef("pk")))
    return Q(passing) | ~Q(dispatched)


def counted_problems(f: StatsFilter, scope: object = None) -> QuerySet[Problem]:
    """The problems of the period: reported (``created_at``) from the start of
    ``f.start`` to the end of ``f.end`` in Asia/Shanghai, in every state (rejected and
    duplicate included: they count as reported, never as accepted). District and
    community by the problem's community; units and jurisdictions by the units it was
    dispatched to (:func:`_dispatch_q`); categories by code; narrowed by the reader's
    scope (their areas' communities, or dispatched to their unit)."""
    qs = Problem.objects.filter(
        created_at__gte=_day_start(f.start),
        created_at__lt=_day_start(f.end + dt.timedelta(days=1)),
    )
    qs = qs.filter(community_filter_q(f)).filter(_dispatch_q(f))
    if f.categories:
        qs = qs.filter(category__code__in=f.categories)
    return qs.filter(problem_scope_q(_scope(scope)))


def _expected_pairings(f: StatsFilter, scope: object) -> QuerySet[Pairing]:
    """Pairings expected at the outer query's session (``date``, ``campaign_id``): valid
    that day (started, not ended, not archived), the unit not archived, the community
    in the session's campaign (a campaign listing no communities covers the city),
    passing the unit and community sides of ``f`` and the reader's scope."""
    day = OuterRef("date")
    members = Campaign.communities.through.objects
    in_campaign = Exists(
        members.filter(
            campaign_id=OuterRef(OuterRef("campaign_id")), community_id=OuterRef("community_id")
        )
    )
    citywide = ~Exists(members.filter(campaign_id=OuterRef(OuterRef("campaign_id"))))
    return (
        Pairing.objects.filter(
            Q(start__lte=day) & (Q(end__isnull=True) | Q(end__gte=day)),
            archived_at__isnull=True,
            unit__archived_at__isnull=True,
        )
        .filter(in_campaign | citywide)
        .filter(unit_filter_q(f))
        .filter(community_filter_q(f))
        .filter(activity_scope_q(_scope(scope)))
    )


def _agg(function: str, field: str, distinct: bool = False) -> Func:
    """An aggregate written as a plain function, so a correlated subquery gets no GROUP BY."""
    if distinct:
        return Func(F(field), function=function, template="%(function)s(DISTINCT %(expressions)s)")
    return Func(F(field), function=function)


def _count_distinct_units(qs: QuerySet[Any]) -> Subquery:
    counted = qs.order_by().annotate(n=_agg("COUNT", "unit_id", distinct=True)).values("n")
    return Subquery(counted, output_field=IntegerField())


def _sessions_with_figures(f: StatsFilter, scope: object) -> QuerySet[Session]:
    """Held sessions annotated with ``people`` (person-times), ``expected`` and
    ``attended`` (units), in one query."""
    expected = _expected_pairings(f, scope)
    came = (
        Attendance.objects.filter(session_id=OuterRef(OuterRef("pk")), unit_id=OuterRef("unit_id"))
        .filter(community_filter_q(f))
        .filter(activity_scope_q(_scope(scope)))
    )
    people = (
        counted_attendance(f, scope)
        .filter(session_id=OuterRef("pk"))
        .order_by()
        .annotate(n=_agg("SUM", "headcount"))
        .values("n")
    )
    return (
        held_sessions(f, scope)
        .annotate(
            people=Coalesce(Subquery(people, output_field=IntegerField()), 0),
            expected=Coalesce(_count_distinct_units(expected), 0),
            attended=Coalesce(_count_distinct_units(expected.filter(Exists(came))), 0),
        )
        .order_by("date", "pk")
    )


# --- the figures ------------------------------------------------------------------------
# ``scope`` is the reader's Scope (None = the whole city, for commands and bulletins);
# anything that is not a Scope counts as None.


def person_times(f: StatsFilter, scope: object = None) -> int:
    """Person-times (参加人次): the sum of ``Attendance.headcount`` over the rows of
    :func:`counted_attendance` — sessions held in the period (session date); cancelled
    and skipped sessions count nowhere; the current (corrected) headcount counts;
    units added without a pairing count too. One query."""
    total = counted_attendance(f, scope).aggregate(total=Sum("headcount"))["total"]
    return int(total or 0)


def sessions_held(f: StatsFilter, scope: object = None) -> int:
    """Sessions held in the period: :func:`held_sessions` (scheduled, not skipped nor
    cancelled; of the campaigns reaching the filter's or the reader's communities),
    whether or not anyone attended. One query."""
    return held_sessions(f, scope).count()


def participation(f: StatsFilter, scope: object = None) -> Participation:
    """Participation over the period, in unit-sessions: for each held session, the units
    expected (paired with a community of the session's campaign on the session date,
    pairing and unit not archived, passing the filters and the reader's scope; a unit
    paired with several communities counts once) and, of those, the units attended
    (with attendance at that session in a community passing the filters), summed over
    the sessions. Units added without a pairing count in person-times, not here; a
    unit paired mid-period is expected only from its pairing's start. One query."""
    points = session_series(f, scope)
    return Participation(
        units_expected=sum(p.participation.units_expected for p in points),
        units_attended=sum(p.participation.units_attended for p in points),
    )


def session_series(f: StatsFilter, scope: object = None) -> list[SessionPoint]:
    """Each held session of the period (date order) with its person-times and its
    participation, as :func:`person_times` and :func:`participation` define them. One
    query, whatever the number of sessions and units."""
    return [
        SessionPoint(
            session_id=s.pk,
            date=s.date,
            person_times=int(s.people),  # type: ignore[attr-defined]
            participation=Participation(
                units_expected=int(s.expected),  # type: ignore[attr-defined]
                units_attended=int(s.attended),  # type: ignore[attr-defined]
            ),
        )
        for s in _sessions_with_figures(f, scope)
    ]


def funds_fen(f: StatsFilter, scope: object = None) -> int:
    """Funds (投入资金) in fen: the sum of :func:`counted_contributions` — active
    contributions by contribution date in the period; archived ones count nowhere.
    One query."""
    total = counted_contributions(f, scope).aggregate(total=Sum("amount_fen"))["total"]
    return int(total or 0)


def funds_by_month(f: StatsFilter, scope: object = None) -> list[tuple[dt.date, int]]:
    """Funds per calendar month of the period, as (first day of the month, fen), every
    month of the period listed (0 where nothing was contributed). One query."""
    rows = (
        counted_contributions(f, scope)
        .order_by()
        .annotate(month=TruncMonth("date"))
        .values("month")
        .annotate(fen=Sum("amount_fen"))
    )
    by_month = {_first_of_month(r["month"]): int(r["fen"]) for r in rows}
    months: list[tuple[dt.date, int]] = []
    month = f.start.replace(day=1)
    while month <= f.end:
        months.append((month, by_month.get(month, 0)))
        month = (month + dt.timedelta(days=32)).replace(day=1)
    return months


def _first_of_month(value: dt.date | dt.datetime) -> dt.date:
    day = value.date() if isinstance(value, dt.datetime) else value
    return day.replace(day=1)


#: States that are not (or not yet) accepted: the problem never entered the workflow.
NOT_ACCEPTED = (ProblemState.REPORTED, ProblemState.REJECTED, ProblemState.DUPLICATE)
#: A satisfied rating (满意 or 基本满意).
SATISFIED = (Satisfaction.SATISFIED, Satisfaction.BASICALLY_SATISFIED)

#: Closed late: handled (the unit's fix, local date) after the current deadline. The
#: same rule as the escalation page's per-unit table; no deadline is never late.
_CLOSED = Q(state=ProblemState.CLOSED)
_LATE = _CLOSED & Q(handled_at__date__gt=F("deadline"))


def _ratio(part: int, whole: int) -> Fraction | None:
    return Fraction(part, whole) if whole else None


def problem_figures(f: StatsFilter, scope: object = None) -> ProblemFigures:
    """The problems of the period (:func:`counted_problems`: reported by ``created_at``
    in Asia/Shanghai, filtered and scoped), their state taken as it is now:

    - ``reported``: all of them, rejected and duplicate included;
    - ``accepted``: those past the report (立案): every state but reported, rejected
      and duplicate (parked ones are accepted, not closed);
    - ``closed``: state closed (a problem reopened by a dissatisfied rating is not);
    - ``by_state`` / ``by_category`` / ``by_source``: counts of all reported, by code;
    - closure rate = closed ÷ accepted;
    - on-time rate = closed on time ÷ closed, where on time means handled (the
      unit's fix, local date) on or before the current deadline (an approved extension
      moves it); a problem without a deadline is on time;
    - median days to close: the median, over closed problems, of the time from report
      to closing (``closed_at − created_at``) in days (fractional), taken in the
      database: count, then read the middle row(s) in that order;
    - satisfaction rate = (satisfied + basically satisfied) ÷ rated (the current
      rating of closed problems).

    Rates are exact fractions, ``None`` when nothing is there to divide by. Five
    queries, whatever the number of problems.
    """
    qs = counted_problems(f, scope).order_by()
    totals = qs.aggregate(
        reported=Count("pk"),
        accepted=Count("pk", filter=~Q(state__in=NOT_ACCEPTED)),
        closed=Count("pk", filter=_CLOSED),
        late=Count("pk", filter=_LATE),
        timed=Count("pk", filter=_CLOSED & Q(closed_at__isnull=False)),
        rated=Count("pk", filter=~Q(satisfaction="")),
        satisfied=Count("pk", filter=Q(satisfaction__in=SATISFIED)),
    )

    def grouped(key: str) -> dict[str, int]:
        rows = qs.values(key).annotate(n=Count("pk")).order_by(key)
        return {r[key]: r["n"] for r in rows}

    closed = totals["closed"]
    return ProblemFigures(
        reported=totals["reported"],
        accepted=totals["accepted"],
        closed=closed,
        by_state=grouped("state"),
        by_category=grouped("category__code"),
        by_source=grouped("source"),
        closure_rate=_ratio(closed, totals["accepted"]),
        on_time_rate=_ratio(closed - totals["late"], closed),
        median_days_to_close=_median_days(qs, totals["timed"]),
        satisfaction_rate=_ratio(totals["satisfied"], totals["rated"]),
    )


def _median_days(qs: QuerySet[Problem], n: int) -> float | None:
    """The median of ``closed_at − created_at`` (days) over the closed problems of ``qs``
    (``n`` of them): the middle row, or the mean of the two middle rows, in the order of
    that duration, fetched by offset in one query."""
    if not n:
        return None
    duration = ExpressionWrapper(F("closed_at") - F("created_at"), output_field=DurationField())
    middle = (
        qs.filter(_CLOSED, closed_at__isnull=False)
        .annotate(took=duration)
        .order_by("took", "pk")
        .values_list("created_at", "closed_at")
    )
    low = (n - 1) // 2
    rows = list(middle[low : n // 2 + 1])
    days = [(closed - created).total_seconds() / 86400 for created, closed in rows if closed]
    return round(sum(days) / len(days), 2) if days else None


def problems_by_category(f: StatsFilter, scope: object = None) -> list[CategoryRow]:
    """Per category, the problems of :func:`problem_figures` (same definitions):
    reported, closed, closure rate (closed ÷ accepted) and on-time rate (closed on time
    ÷ closed). Only categories with problems in the period; by the category's order,
    then code. One query."""
    rows = (
        counted_problems(f, scope)
        .order_by()
        .values("category__code", "category__name", "category__ordering")
        .annotate(
            reported=Count("pk"),
            accepted=Count("pk", filter=~Q(state__in=NOT_ACCEPTED)),
            closed=Count("pk", filter=_CLOSED),
            late=Count("pk", filter=_LATE),
        )
        .order_by("category__ordering", "category__code")
    )
    return [
        CategoryRow(
            category_code=r["category__code"],
            category_name=r["category__name"],
            reported=r["reported"],
            closed=r["closed"],
            closure_rate=_ratio(r["closed"], r["accepted"]),
            on_time_rate=_ratio(r["closed"] - r["late"], r["closed"]),
        )
        for r in rows
    ]


def _sum_by(qs: QuerySet[Any], key: str, value: Any) -> Subquery:
    """A correlated subquery: ``value`` aggregated over the rows of ``qs`` whose ``key``
    is the outer row's pk (``None`` when there are none)."""
    inner = qs.filter(**{key: OuterRef("pk")}).order_by().annotate(v=value).values("v")
    return Subquery(inner, output_field=IntegerField())


def _unit_name(short_name: str, name: str) -> str:
    return short_name or name


def by_unit(f: StatsFilter, scope: object = None) -> list[UnitFigures]:
    """The units table: per unit passing the unit side of ``f``, its person-times
    (:func:`person_times` of its rows), sessions attended (distinct held sessions with
    attendance, whatever the number of communities) and funds (:func:`funds_fen` of
    its contributions), each over the rows the filters and scope count.

    Listed: units with a pairing valid at some time in the period (in a community
    passing the filters and the scope), or with attendance or funds counted — so a
    paired unit that did nothing shows with zeros. Units are named by their short
    name (the name bulletins print), else their name. Most person-times first, then
    most funds, then by code. One query, whatever the number of units.
    """
    attendance = counted_attendance(f, scope)
    contributions = counted_contributions(f, scope)
    paired = (
        Pairing.objects.filter(archived_at__isnull=True, start__lte=f.end)
        .filter(Q(end__isnull=True) | Q(end__gte=f.start))
        .filter(unit_filter_q(f))
        .filter(community_filter_q(f))
        .filter(activity_scope_q(_scope(scope)))
    )
    units = Unit.objects.filter(unit_filter_q(f, "")).filter(
        Q(pk__in=paired.values("unit_id"))
        | Q(pk__in=attendance.values("unit_id"))
        | Q(pk__in=contributions.values("unit_id"))
    )
    rows = units.annotate(
        people=Coalesce(_sum_by(attendance, "unit_id", _agg("SUM", "headcount")), 0),
        sessions=Coalesce(
            _sum_by(attendance, "unit_id", _agg("COUNT", "session_id", distinct=True)), 0
        ),
        fen=Coalesce(_sum_by(contributions, "unit_id", _agg("SUM", "amount_fen")), 0),
    ).values_list("code", "short_name", "name", "people", "sessions", "fen")
    table = [
        UnitFigures(
            unit_code=code,
            unit_name=_unit_name(short, name),
            person_times=int(people),
            sessions_attended=int(sessions),
            funds_fen=int(fen),
        )
        for code, short, name, people, sessions, fen in rows
    ]
    table.sort(key=lambda u: (-u.person_times, -u.funds_fen, u.unit_code))
    return table


def by_community(f: StatsFilter, scope: object = None) -> list[CommunityFigures]:
    """The communities table: per community passing the community side of ``f``, its
    person-times and units attended (distinct units with attendance at held sessions),
    funds, problems reported and closed (as :func:`problem_figures` counts them), each
    over the rows the filters and scope count.

    Listed: the communities of the reader's areas (all for the office and leaders)
    that are not archived, plus any community with figures counted (a unit liaison
    sees the communities their unit worked in). By code. One query.
    """
    sc = _scope(scope)
    attendance = counted_attendance(f, scope)
    contributions = counted_contributions(f, scope)
    problems = counted_problems(f, scope)
    listed = Q(community_scope_q(sc), archived_at__isnull=True)
    listed |= (
        Q(pk__in=attendance.values("community_id"))
        | Q(pk__in=contributions.values("community_id"))
        | Q(pk__in=problems.values("community_id"))
    )
    rows = (
        Community.objects.filter(community_filter_q(f, ""))
        .filter(listed)
        .annotate(
            people=Coalesce(_sum_by(attendance, "community_id", _agg("SUM", "headcount")), 0),
            units=Coalesce(
                _sum_by(attendance, "community_id", _agg("COUNT", "unit_id", distinct=True)), 0
            ),
            fen=Coalesce(_sum_by(contributions, "community_id", _agg("SUM", "amount_fen")), 0),
            reported=Coalesce(_sum_by(problems, "community_id", _agg("COUNT", "id")), 0),
            closed=Coalesce(
                _sum_by(problems.filter(_CLOSED), "community_id", _agg("COUNT", "id")), 0
            ),
        )
        .order_by("code")
        .values_list("code", "name", "people", "units", "fen", "reported", "closed")
    )
    return [
        CommunityFigures(
            community_code=code,
            community_name=name,
            person_times=int(people),
            units_attended=int(units),
            funds_fen=int(fen),
            problems_reported=int(reported),
            problems_closed=int(closed),
        )
        for code, name, people, units, fen, reported, closed in rows
    ]


def session_table(session_id: int, f: StatsFilter, scope: object = None) -> list[SessionTableRow]:
    """The participation table of one session (the bulletin's 参加人员 table): per unit,
    its headcount summed over the communities it went to, the number of those
    communities, a team leader named on its attendance (one of them when it went to
    several communities under different leaders) and whether the unit's principal
    leader led anywhere. A cancelled or skipped session has an empty table;
    the period of ``f`` does not apply (the session is named), its unit and community
    sides and the scope do. Most people first, then by code. One query.
    """
    rows = (
        Attendance.objects.filter(session_id=session_id, session__status=SessionStatus.SCHEDULED)
        .filter(unit_filter_q(f))
        .filter(community_filter_q(f))
        .filter(activity_scope_q(_scope(scope)))
        .order_by()
        .values("unit_id", "unit__code", "unit__short_name", "unit__name")
        .annotate(
            people=Sum("headcount"),
            communities=Count("community_id", distinct=True),
            led=Count("pk", filter=Q(principal_leader_led=True)),
            leader=Max("leader_name"),
        )
        .order_by("-people", "unit__code")
    )
    return [
        SessionTableRow(
            unit_code=r["unit__code"],
            unit_name=_unit_name(r["unit__short_name"], r["unit__name"]),
            headcount=int(r["people"]),
            communities=int(r["communities"]),
            leader_name=r["leader"] or "",
            principal_leader_led=r["led"] > 0,
        )
        for r in rows
    ]


def summary(f: StatsFilter, scope: object = None) -> Summary:
    """Every headline figure of the period at once (the API's ``stats/summary``):
    person-times, sessions held, participation, funds, problem figures and the units
    table, each as its own function defines it. Nine queries, whatever the number of
    units, communities, sessions and problems."""
    series = session_series(f, scope)
    return Summary(
        filter=f,
        person_times=person_times(f, scope),
        sessions_held=len(series),
        participation=Participation(
            units_expected=sum(p.participation.units_expected for p in series),
            units_attended=sum(p.participation.units_attended for p in series),
        ),
        funds_fen=funds_fen(f, scope),
        problems=problem_figures(f, scope),
        by_unit=by_unit(f, scope),
    )


def inspection_ranking(f: StatsFilter) -> Ranking:
    """The inspection results of the period: scores per criterion per unit, totals,
    ranks and the red and black lists, over the inspections dated in the period, as
    :mod:`gongzhi.inspections.rankings` defines them (one place for those rules).
    Rankings are read by every staff role; the filters other than the period do not
    apply (a ranking compares all inspected units). A fixed number of queries."""
    return ranking_for(Span.period(f.start, f.end))
