"""Every scoped read of the Friday sessions: plans, attendance, absences.

The figures the city publishes start here; issue 6's statistics module
defines them once for every page, and uses these building blocks.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db.models import (
    Count,
    Exists,
    F,
    Func,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
)
from django.db.models.functions import Coalesce

from gongzhi.activities.models import Absence, ActivityPhoto, Attendance, SessionPlan
from gongzhi.areas.models import Community
from gongzhi.campaigns.models import Campaign, Session, SessionStatus
from gongzhi.campaigns.queries import sessions_visible_to
from gongzhi.core.models import Role
from gongzhi.core.scoping import Scope, area_q, scope_of
from gongzhi.units.models import Pairing, Unit
from gongzhi.units.queries import pairings_valid_on


def held_attendance(start: dt.date, end: dt.date) -> QuerySet[Attendance]:
    """Attendance at sessions held from ``start`` to ``end`` (both inclusive, session date);
    cancelled sessions count nowhere."""
    return Attendance.objects.filter(session__date__gte=start, session__date__lte=end).exclude(
        session__status=SessionStatus.CANCELLED
    )


def person_times(
    start: dt.date,
    end: dt.date,
    *,
    municipal_only: bool = False,
    unit_code: str | None = None,
) -> int:
    """Person-times (人次): the sum of ``Attendance.headcount`` over sessions held in the
    period. ``municipal_only`` keeps municipal units (市直) only, leaving out units that
    belong to a district (e.g. 曾都区, 随州高新区)."""
    qs = held_attendance(start, end)
    if municipal_only:
        qs = qs.filter(unit__jurisdiction__isnull=True)
    if unit_code:
        qs = qs.filter(unit__code=unit_code)
    return int(qs.aggregate(total=Sum("headcount"))["total"] or 0)


def expected_pairings(
    session_date: dt.date, community_ids: list[int] | None = None
) -> QuerySet[Pairing]:
    """Pairings valid on ``session_date`` (the units expected there), optionally in some
    communities only."""
    qs = pairings_valid_on(session_date).filter(unit__archived_at__isnull=True)
    if community_ids is not None:
        qs = qs.filter(Q(community_id__in=community_ids))
    return qs


# --- scope ------------------------------------------------------------------------------


def _area_or_unit_q(scope: Scope, community_path: str = "community") -> Q:
    """Rows in the scope's areas, or of its units."""
    q = area_q(scope, community_path)
    if scope.unit_ids:
        q |= Q(unit_id__in=scope.unit_ids)
    return q


def attendance_visible_to(user: Any) -> QuerySet[Attendance]:
    """Attendance ``user`` may read, with session, unit and community joined.

    The office and leaders read all; district, street and community staff the
    attendance in their area's communities; a unit liaison their unit's; an
    inspector the attendance of the units assigned to their groups in the open
    rounds (what they check on site). Members read none here (they see their own
    check-ins). Reading gives no right to change: the services check that apart.
    """
    scope = scope_of(user)
    qs = Attendance.objects.select_related("session__campaign", "unit", "community__street")
    if scope.sees_everything:
        return qs
    return qs.filter(_area_or_unit_q(scope) | _inspected_units_q(user, scope))


def _inspected_units_q(user: Any, scope: Scope) -> Q:
    """Rows of the units an inspector's groups are assigned in open rounds."""
    if Role.INSPECTOR not in scope.roles:
        return Q(pk__in=[])
    # Imported here: the inspection app builds on this module.
    from gongzhi.inspections.queries import inspector_assignments

    return Q(unit_id__in=inspector_assignments(user).values("unit_id"))


def absences_visible_to(user: Any) -> QuerySet[Absence]:
    """Absences ``user`` may read: the same scope as attendance."""
    scope = scope_of(user)
    qs = Absence.objects.select_related("session", "unit", "community")
    if scope.sees_everything:
        return qs
    return qs.filter(_area_or_unit_q(scope) | _inspected_units_q(user, scope))


def plans_for(
    user: Any,
    *,
    start: dt.date | None = None,
    end: dt.date | None = None,
    session: Session | None = None,
) -> QuerySet[SessionPlan]:
    """Session plans ``user`` may read, optionally of one session or from ``start`` to
    ``end`` (session dates, inclusive), soonest first.

    Area staff read the plans of their communities; a unit liaison the plans of
    the communities their unit is paired with on each plan's session date, so a
    unit sees where to go ahead of the day.
    """
    scope = scope_of(user)
    qs = SessionPlan.objects.select_related("session__campaign", "community__street")
    if not scope.sees_everything:
        q = area_q(scope, "community")
        if scope.unit_ids:
            paired = pairings_valid_on_outer("session__date").filter(
                unit_id__in=scope.unit_ids, community_id=OuterRef("community_id")
            )
            q |= Q(Exists(paired))
        qs = qs.filter(q)
    if session is not None:
        qs = qs.filter(session=session)
    if start is not None:
        qs = qs.filter(session__date__gte=start)
    if end is not None:
        qs = qs.filter(session__date__lte=end)
    return qs.order_by("session__date", "community__code")


def pairings_valid_on_outer(date_path: str) -> QuerySet[Pairing]:
    """Pairings valid on the outer query's ``date_path`` (for ``Exists`` and subqueries)."""
    day = OuterRef(date_path)
    return Pairing.objects.filter(
        Q(start__lte=day) & (Q(end__isnull=True) | Q(end__gte=day)),
        archived_at__isnull=True,
        unit__archived_at__isnull=True,
    )


# --- sessions and their communities -----------------------------------------------------


def session_has_community(session: Session, community_id: int) -> bool:
    """Whether the community belongs to the session's campaign (a campaign listing no
    communities covers the whole city)."""
    members = Campaign.communities.through.objects.filter(campaign_id=session.campaign_id)
    return not members.exists() or members.filter(community_id=community_id).exists()


def session_communities(user: Any, session: Session) -> QuerySet[Community]:
    """The communities of ``session`` that ``user`` sees on its page, by code.

    The campaign's communities (all of them for a city-wide campaign), within the
    user's areas; a unit liaison sees those their unit is expected in that day
    and those where it recorded attendance.
    """
    scope = scope_of(user)
    qs = Community.objects.select_related("street__district")
    if Campaign.communities.through.objects.filter(campaign_id=session.campaign_id).exists():
        qs = qs.filter(campaigns=session.campaign_id)
    if not scope.sees_everything:
        q = area_q(scope, "")
        if scope.unit_ids:
            expected = expected_pairings(session.date).filter(unit_id__in=scope.unit_ids)
            q |= Q(pk__in=expected.values("community_id"))
            came = Attendance.objects.filter(session=session, unit_id__in=scope.unit_ids)
            q |= Q(pk__in=came.values("community_id"))
        qs = qs.filter(q)
    return qs.order_by("code")


def sessions_in_scope(user: Any) -> QuerySet[Session]:
    """Sessions of the campaigns that reach the user's communities (all for the office,
    leaders and inspectors; a campaign without communities reaches everyone)."""
    scope = scope_of(user)
    qs = sessions_visible_to(user)
    if scope.sees_everything or not (scope.has_areas or scope.unit_ids):
        return qs
    members = Campaign.communities.through.objects
    mine = area_q(scope, "community")
    if scope.unit_ids:
        mine |= Q(
            community_id__in=Pairing.objects.filter(
                unit_id__in=scope.unit_ids, archived_at__isnull=True
            ).values("community_id")
        )
    reached = members.filter(mine).values("campaign_id")
    citywide = Campaign.objects.exclude(pk__in=members.values("campaign_id")).values("pk")
    return qs.filter(Q(campaign_id__in=reached) | Q(campaign_id__in=citywide))


def with_counts(user: Any, sessions: QuerySet[Session]) -> QuerySet[Session]:
    """``sessions`` with the figures their list shows, within the user's scope, computed
    in the same single query: ``units_expected`` (pairings valid that day in the
    campaign's communities), ``units_present`` (attendance rows), ``headcount`` and
    ``units_absent`` (stated absences)."""
    scope = scope_of(user)
    in_scope = Q() if scope.sees_everything else _area_or_unit_q(scope)
    in_campaign = Exists(
        Campaign.communities.through.objects.filter(
            campaign_id=OuterRef(OuterRef("campaign_id")), community_id=OuterRef("community_id")
        )
    )
    citywide = ~Exists(
        Campaign.communities.through.objects.filter(campaign_id=OuterRef(OuterRef("campaign_id")))
    )
    expected = (
        pairings_valid_on_outer("date")
        .filter(in_scope)
        .filter(in_campaign | citywide)
        .order_by()
        .annotate(n=Func(F("pk"), function="COUNT"))
        .values("n")
    )
    present = (
        Attendance.objects.filter(in_scope, session_id=OuterRef("pk"))
        .order_by()
        .values("session_id")
        .annotate(n=Count("pk"), people=Sum("headcount"))
    )
    absent = (
        Absence.objects.filter(in_scope, session_id=OuterRef("pk"))
        .order_by()
        .annotate(n=Func(F("pk"), function="COUNT"))
        .values("n")
    )
    return sessions.annotate(
        units_expected=Coalesce(Subquery(expected, output_field=IntegerField()), 0),
        units_present=Coalesce(Subquery(present.values("n"), output_field=IntegerField()), 0),
        headcount=Coalesce(Subquery(present.values("people"), output_field=IntegerField()), 0),
        units_absent=Coalesce(Subquery(absent, output_field=IntegerField()), 0),
    )


# --- the session page -------------------------------------------------------------------


@dataclass
class UnitRow:
    """One unit in one community at one session: expected or added, and what happened."""

    unit: Unit
    expected: bool
    attendance: Attendance | None = None
    absence: Absence | None = None

    @property
    def status(self) -> str:
        """``present``, ``absent`` (with a stated reason) or ``missing`` (nothing said)."""
        if self.attendance is not None:
            return "present"
        return "absent" if self.absence is not None else "missing"


@dataclass
class CommunityOverview:
    """What the session page shows for one community."""

    community: Community
    plan: SessionPlan | None
    rows: list[UnitRow] = field(default_factory=list)

    def _count(self, status: str) -> int:
        return sum(1 for row in self.rows if row.status == status)

    @property
    def present(self) -> int:
        return self._count("present")

    @property
    def absent(self) -> int:
        return self._count("absent")

    @property
    def missing(self) -> int:
        return self._count("missing")

    @property
    def expected(self) -> int:
        return sum(1 for row in self.rows if row.expected)

    @property
    def headcount(self) -> int:
        return sum(row.attendance.headcount for row in self.rows if row.attendance is not None)

    @property
    def photos(self) -> list[ActivityPhoto]:
        return [
            photo
            for row in self.rows
            if row.attendance is not None
            for photo in row.attendance.photos.all()
        ]


def session_overview(
    session: Session,
    community: Community | None = None,
    *,
    communities: Sequence[Community] | None = None,
    unit_ids: Iterable[int] | None = None,
) -> list[CommunityOverview]:
    """Per community of ``session`` (one, those given, or all of the session's): the units
    expected (present, absent with their reason, or missing), units added though not
    paired, headcounts, leaders, tasks, photos and the plan.

    ``unit_ids`` keeps only those units' rows (a unit liaison's view). A fixed
    number of queries, whatever the number of communities and units.
    """
    if community is not None:
        chosen = [community]
    elif communities is not None:
        chosen = list(communities)
    else:
        qs = Community.objects.select_related("street__district").order_by("code")
        if Campaign.communities.through.objects.filter(campaign_id=session.campaign_id).exists():
            qs = qs.filter(campaigns=session.campaign_id)
        chosen = list(qs)
    ids = [c.pk for c in chosen]
    only = set(unit_ids) if unit_ids is not None else None

    def mine(qs: QuerySet[Any]) -> QuerySet[Any]:
        return qs if only is None else qs.filter(unit_id__in=only)

    pairings = mine(expected_pairings(session.date, ids)).select_related("unit")
    attendance = mine(Attendance.objects.filter(session=session, community_id__in=ids))
    attendance = attendance.select_related("unit", "confirmed_by").prefetch_related(
        "photos", "tasks__category", "problems"
    )
    absences = mine(Absence.objects.filter(session=session, community_id__in=ids))
    plans = SessionPlan.objects.filter(session=session, community_id__in=ids).prefetch_related(
        "problems"
    )

    overview = {c.pk: CommunityOverview(community=c, plan=None) for c in chosen}
    rows: dict[tuple[int, int], UnitRow] = {}
    for pairing in sorted(pairings, key=lambda p: (p.unit.name, p.unit.code)):
        key = (pairing.community_id, pairing.unit_id)
        if key not in rows:
            rows[key] = UnitRow(unit=pairing.unit, expected=True)
            overview[pairing.community_id].rows.append(rows[key])
    for item in sorted(attendance, key=lambda a: (a.unit.name, a.unit.code)):
        key = (item.community_id, item.unit_id)
        if key not in rows:
            rows[key] = UnitRow(unit=item.unit, expected=False)
            overview[item.community_id].rows.append(rows[key])
        rows[key].attendance = item
    for absence in absences:
        row = rows.get((absence.community_id, absence.unit_id))
        if row is not None and row.attendance is None:
            row.absence = absence
    for plan in plans:
        overview[plan.community_id].plan = plan
    return [overview[pk] for pk in ids]


# --- lists and photos --------------------------------------------------------------------


def attendance_filtered(
    user: Any,
    *,
    session_id: int | None = None,
    unit_code: str = "",
    community_code: str = "",
    start: dt.date | None = None,
    end: dt.date | None = None,
) -> QuerySet[Attendance]:
    """Attendance ``user`` may read, narrowed by session, unit (credit code), community
    (12-digit code) and session dates (inclusive)."""
    qs = attendance_visible_to(user)
    if session_id is not None:
        qs = qs.filter(session_id=session_id)
    if unit_code:
        qs = qs.filter(unit__code=unit_code)
    if community_code:
        qs = qs.filter(community__code=community_code)
    if start is not None:
        qs = qs.filter(session__date__gte=start)
    if end is not None:
        qs = qs.filter(session__date__lte=end)
    return qs


def photo_visible(user: Any, photo: ActivityPhoto) -> bool:
    """Whether ``user`` may see the public copy and thumbnail of ``photo``: whoever may
    read the attendance or contribution it proves."""
    scope = scope_of(user)
    if scope.sees_everything:
        return True
    if photo.unit_id in scope.unit_ids:
        return True
    return Community.objects.filter(area_q(scope, ""), pk=photo.community_id).exists()
