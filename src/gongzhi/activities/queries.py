"""Every scoped read of the Friday sessions: plans, attendance, absences.

The figures the city publishes start here; issue 6's statistics module
defines them once for every page, and uses these building blocks.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Q, QuerySet, Sum

from gongzhi.activities.models import Attendance
from gongzhi.campaigns.models import SessionStatus
from gongzhi.units.models import Pairing
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
