"""Reads of check-ins, volunteer hours and certificates (DESIGN.md sections 2–4).

- :func:`checkins_visible_to` is the one scoped door to check-ins;
- :func:`headcount_gaps` compares each unit's declared headcount with the members
  who checked in;
- :func:`volunteer_hours` is the figure a certificate states: certified hours only.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db.models import Count, DecimalField, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce

from gongzhi.activities.models import Attendance, CheckIn, VolunteerCertificate
from gongzhi.campaigns.models import Session, SessionStatus
from gongzhi.core.models import Role
from gongzhi.core.scoping import area_q, scope_of
from gongzhi.units.models import Member

ZERO_HOURS = Decimal("0.00")


def gap_ratio() -> float:
    """``CHECKIN_GAP_RATIO`` (default 0.5): a unit is flagged when fewer than this share of
    its declared headcount checked in."""
    return float(getattr(settings, "CHECKIN_GAP_RATIO", 0.5))


def checkins_visible_to(user: Any) -> QuerySet[CheckIn]:
    """Check-ins ``user`` may read: all for the office and leaders, those in their areas
    for district, street and community staff, their unit's for a unit liaison, and a
    member's own."""
    scope = scope_of(user)
    qs = CheckIn.objects.select_related(
        "session__campaign", "community", "member", "unit", "certified_by"
    )
    if scope.sees_everything:
        return qs
    q = area_q(scope, "community")
    if scope.unit_ids:
        q |= Q(unit_id__in=scope.unit_ids)
    if getattr(user, "is_authenticated", False):
        q |= Q(member__user_id=user.pk)
    return qs.filter(q)


def member_of(user: Any) -> Member | None:
    """The active member record linked to ``user``'s login, if any."""
    if not getattr(user, "is_authenticated", False):
        return None
    return (
        Member.objects.select_related("unit")
        .filter(user_id=user.pk, archived_at__isnull=True)
        .first()
    )


def certified_checkins(start: dt.date, end: dt.date) -> QuerySet[CheckIn]:
    """Check-ins that count as volunteer hours: certified by the community, checked out,
    at sessions held from ``start`` to ``end`` (both inclusive; cancelled sessions count
    nowhere)."""
    return (
        CheckIn.objects.filter(
            certified_at__isnull=False,
            hours__isnull=False,
            session__date__gte=start,
            session__date__lte=end,
        )
        .exclude(session__status=SessionStatus.CANCELLED)
        .exclude(session__status=SessionStatus.SKIPPED)
    )


def volunteer_hours(member: Member, start: dt.date, end: dt.date) -> Decimal:
    """Volunteer hours of ``member`` from ``start`` to ``end``: the sum of the hours of
    their certified check-ins ("whoever organises records, whoever records certifies");
    check-ins not yet certified count for nothing."""
    total = certified_checkins(start, end).filter(member=member).aggregate(total=Sum("hours"))
    return Decimal(total["total"] or ZERO_HOURS).quantize(ZERO_HOURS)


@dataclass(frozen=True)
class MonthHours:
    month: dt.date  # first day of the month
    certified: Decimal
    pending: Decimal  # checked out, not yet certified
    sessions: int


def hours_by_month(member: Member, start: dt.date, end: dt.date) -> list[MonthHours]:
    """The member's hours per month of the period: certified and awaiting certification."""
    rows: dict[dt.date, dict[str, Any]] = defaultdict(
        lambda: {"certified": ZERO_HOURS, "pending": ZERO_HOURS, "sessions": 0}
    )
    checkins = (
        CheckIn.objects.filter(
            member=member,
            session__date__gte=start,
            session__date__lte=end,
        )
        .exclude(session__status__in=[SessionStatus.CANCELLED, SessionStatus.SKIPPED])
        .values_list("session__date", "hours", "certified_at")
    )
    for day, hours, certified_at in checkins:
        row = rows[day.replace(day=1)]
        row["sessions"] += 1
        if hours is None:
            continue
        row["certified" if certified_at else "pending"] += hours
    return [MonthHours(month=m, **rows[m]) for m in sorted(rows)]


@dataclass(frozen=True)
class GapRow:
    """One unit in one community at a session: declared headcount against check-ins."""

    unit_id: int
    unit_code: str
    unit_name: str
    community_id: int
    community_code: str
    community_name: str
    declared: int | None  # Attendance.headcount, None when no attendance was entered
    checked_in: int
    checkin_used: bool  # anyone checked in at this session in this community

    @property
    def flagged(self) -> bool:
        """Fewer than ``CHECKIN_GAP_RATIO`` of the declared headcount checked in, where
        check-in was used at all (a community that never showed its QR code flags nobody)."""
        if not self.checkin_used or not self.declared:
            return False
        return self.checked_in < self.declared * gap_ratio()


def headcount_gaps(session: Session, *, user: Any = None) -> list[GapRow]:
    """Per unit and community of ``session``: the declared headcount and the members who
    checked in, with large gaps flagged (:attr:`GapRow.flagged`). With ``user``, only the
    rows in their scope. Two queries whatever the number of units."""
    declared_qs = Attendance.objects.filter(session=session)
    checkins_qs = CheckIn.objects.filter(session=session)
    if user is not None:
        q = _row_scope_q(user)
        declared_qs = declared_qs.filter(q)
        checkins_qs = checkins_qs.filter(q)
    names: dict[tuple[int, int], tuple[str, str, str, str]] = {}
    declared: dict[tuple[int, int], int] = {}
    for row in declared_qs.values("headcount", *_NAME_FIELDS):
        key = (row["unit_id"], row["community_id"])
        declared[key] = row["headcount"]
        names[key] = _names(row)
    counted: dict[tuple[int, int], int] = {}
    for row in checkins_qs.values(*_NAME_FIELDS).annotate(n=Count("id")).order_by():
        key = (row["unit_id"], row["community_id"])
        counted[key] = row["n"]
        names.setdefault(key, _names(row))
    used = {community for (_unit, community), n in counted.items() if n}
    rows = []
    for (unit_id, community_id), (unit_code, unit_name, code, name) in names.items():
        rows.append(
            GapRow(
                unit_id=unit_id,
                unit_code=unit_code,
                unit_name=unit_name,
                community_id=community_id,
                community_code=code,
                community_name=name,
                declared=declared.get((unit_id, community_id)),
                checked_in=counted.get((unit_id, community_id), 0),
                checkin_used=community_id in used,
            )
        )
    return sorted(rows, key=lambda r: (r.community_code, r.unit_code))


_NAME_FIELDS = (
    "unit_id",
    "community_id",
    "unit__code",
    "unit__name",
    "unit__short_name",
    "community__code",
    "community__name",
)


def _names(row: dict[str, Any]) -> tuple[str, str, str, str]:
    return (
        row["unit__code"],
        row["unit__short_name"] or row["unit__name"],
        row["community__code"],
        row["community__name"],
    )


def _row_scope_q(user: Any) -> Q:
    """Rows (attendance, check-ins) of a session in ``user``'s scope: areas and units."""
    scope = scope_of(user)
    if scope.sees_everything:
        return Q()
    q = area_q(scope, "community")
    if scope.unit_ids:
        q |= Q(unit_id__in=scope.unit_ids)
    return q


def session_checkins(session: Session, *, user: Any) -> QuerySet[CheckIn]:
    """The check-ins of ``session`` that ``user`` may read, by community, unit and time."""
    return (
        checkins_visible_to(user)
        .filter(session=session)
        .order_by("community__code", "unit__code", "checked_in_at", "id")
    )


# --- members' hours for unit liaisons and the office ------------------------------------

HOURS_OUTPUT: DecimalField[Decimal, Decimal] = DecimalField(max_digits=9, decimal_places=2)


def hours_members_visible_to(user: Any) -> QuerySet[Member]:
    """Members whose hours ``user`` may list: all for the office and leaders, their units'
    for a unit liaison."""
    scope = scope_of(user)
    qs = Member.objects.select_related("unit").filter(archived_at__isnull=True)
    if scope.sees_everything:
        return qs
    if scope.has(Role.UNIT) and scope.unit_ids:
        return qs.filter(unit_id__in=scope.unit_ids)
    return qs.none()


def members_with_hours(qs: QuerySet[Member], start: dt.date, end: dt.date) -> QuerySet[Member]:
    """``qs`` annotated with ``certified_hours``, ``pending_hours`` and ``sessions`` of the
    period (one query for a page of members)."""
    in_period = (
        Q(check_ins__session__date__gte=start)
        & Q(check_ins__session__date__lte=end)
        & ~Q(check_ins__session__status__in=[SessionStatus.CANCELLED, SessionStatus.SKIPPED])
    )
    certified = in_period & Q(check_ins__certified_at__isnull=False)
    pending = in_period & Q(check_ins__certified_at__isnull=True)
    zero = Value(ZERO_HOURS, output_field=HOURS_OUTPUT)
    return qs.annotate(
        certified_hours=Coalesce(
            Sum("check_ins__hours", filter=certified, output_field=HOURS_OUTPUT), zero
        ),
        pending_hours=Coalesce(
            Sum("check_ins__hours", filter=pending, output_field=HOURS_OUTPUT), zero
        ),
        sessions=Count("check_ins", filter=in_period),
    )


def hour_records(user: Any, start: dt.date, end: dt.date) -> QuerySet[CheckIn]:
    """Certified check-ins of the period for members whose hours ``user`` may list, in the
    order of the export: member, then date."""
    members = hours_members_visible_to(user).values("pk")
    return (
        certified_checkins(start, end)
        .filter(member_id__in=members)
        .select_related("member", "unit", "community", "session__campaign")
        .order_by("member__unit__code", "member__name", "member_id", "session__date", "id")
    )


# --- certificates -----------------------------------------------------------------------


def certificates_visible_to(user: Any) -> QuerySet[VolunteerCertificate]:
    """Certificates ``user`` may read and download: all for the office and leaders, their
    members' for a unit liaison, and a member's own."""
    scope = scope_of(user)
    qs = VolunteerCertificate.objects.select_related("member__unit", "issued_by")
    if scope.sees_everything:
        return qs
    q = Q(pk__in=[])
    if scope.unit_ids:
        q |= Q(member__unit_id__in=scope.unit_ids)
    if getattr(user, "is_authenticated", False):
        q |= Q(member__user_id=user.pk)
    return qs.filter(q)


def mask_id_number(id_number: str) -> str:
    """``420101199001011234`` → ``420***********1234``: pages show ID numbers masked; only
    the certificate itself and the export for the national system carry them in full."""
    value = id_number or ""
    if len(value) <= 7:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]
