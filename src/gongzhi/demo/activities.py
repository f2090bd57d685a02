"""The demo's Friday sessions (DESIGN.md section 8): who came, who did not and why,
check-ins, money, photos and plans, for every session held since 2021-07-01.

Shaped so that the software's own figures state what the city's daily reported
for July to October 2021 (see ``activities_attendance`` and ``activities_funds``).
Everything is written with bulk inserts, matched by natural keys, and drawn
from seeded ``random.Random`` instances, so a second load writes nothing.

The parts, in the order they are loaded:

- one session cancelled for the weather (it then counts nowhere);
- attendance, its tasks, and absences with their reasons (``activities_attendance``);
- contributions (``activities_funds``);
- check-ins with certified hours, the identity a certificate states, and one
  certificate of the demo member (``activities_checkins``);
- a dozen photos on attendance, two of them near-copies the evidence checks
  flag (``activities_photos``);
- session plans of the demo community, the last ones and those ahead.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from functools import cached_property

from django.utils import timezone

from gongzhi.activities.models import CleanupTask, SessionPlan
from gongzhi.areas.models import Community
from gongzhi.campaigns.models import Session, SessionStatus
from gongzhi.core.models import User
from gongzhi.demo import (
    activities_attendance,
    activities_checkins,
    activities_funds,
    activities_photos,
)
from gongzhi.demo.accounts import DEMO_COMMUNITY, DEMO_STREET, DEMO_UNIT_SHORT_NAME
from gongzhi.demo.campaign import CAMPAIGN_SLUG
from gongzhi.demo.names import landline, person_name
from gongzhi.demo.problems import _explicit_timestamps
from gongzhi.demo.rows import sync_rows
from gongzhi.problems.models import Problem, ProblemState
from gongzhi.units.models import Pairing, Unit

#: The session called off for the weather: the first one held on or after this date.
CANCELLED_FROM = dt.date(2023, 7, 1)
CANCEL_REASON = "暴雨红色预警，停止户外集体活动"
#: Attendance and check-ins of the sessions of the last two weeks are not confirmed yet.
UNCONFIRMED_DAYS = 14
#: Plans of the demo community: this many of the last sessions and of those ahead.
PLANS_BEHIND = 2
PLANS_AHEAD = 3
MEETING_TIME = dt.time(14, 20)
PLAN_NOTES = (
    "请各单位自带扫帚、铁锹、垃圾袋，统一穿志愿者红马甲。",
    "重点清理楼栋间杂物和绿化带枯枝，清运车辆16:30到场。",
    "先到党群服务中心签到，再按网格分组开展清理。",
)


@dataclass
class DemoSessions:
    """What every part of the demo's sessions works from, read once."""

    today: dt.date
    now: dt.datetime
    held: list[Session]  # scheduled, before today, oldest first
    ahead: list[Session]  # scheduled, today or later, soonest first
    units: dict[int, Unit]
    communities: dict[int, Community]
    pairings: list[Pairing]
    users: dict[str, User]
    demo_unit: Unit
    demo_community: Community
    _paired: dict[dt.date, list[Pairing]] = field(default_factory=dict)

    def paired_on(self, day: dt.date) -> list[Pairing]:
        """Pairings valid on ``day`` (units not archived), by unit and community code."""
        if day not in self._paired:
            self._paired[day] = sorted(
                (
                    p
                    for p in self.pairings
                    if p.start <= day
                    and (p.end is None or p.end >= day)
                    and self.units[p.unit_id].archived_at is None
                ),
                key=lambda p: (self.units[p.unit_id].code, self.communities[p.community_id].code),
            )
        return self._paired[day]

    @cached_property
    def waiting_from(self) -> dt.date:
        """Sessions from this date on still wait for the community: their attendance is only
        submitted and their check-ins are not certified. The last session held always does."""
        return unconfirmed_from(self.today, self.held[-1].date if self.held else None)

    def session_on_or_after(self, day: dt.date) -> Session | None:
        return next((s for s in self.held if s.date >= day), None)


@dataclass(frozen=True)
class ActivitiesLoaded:
    """What :func:`load_activities` found or wrote (demo rows, all of them)."""

    attendance: int
    absences: int
    check_ins: int
    contributions: int
    photos: int
    flags: int
    plans: int
    certificates: int
    cancelled: int


def load_activities(
    communities: dict[str, Community], units: dict[str, Unit], *, today: dt.date | None = None
) -> ActivitiesLoaded:
    """Write the missing demo records of the Friday sessions; bring changed ones back."""
    now = timezone.now()
    today = today or timezone.localdate(now)
    users = {
        u.username: u for u in User.objects.filter(username__in=["office", "community", "unit"])
    }
    cancelled = _cancel_for_the_weather(users.get("office"), today)
    ctx = _context(communities, units, users, today, now)
    attendance = activities_attendance.load(ctx, activities_photos.needed(ctx))
    contributions = activities_funds.load(ctx)
    checkins = activities_checkins.load(ctx, attendance.pks)
    photos = activities_photos.load(ctx, attendance.pks)
    plans = _load_plans(ctx)
    return ActivitiesLoaded(
        attendance=len(attendance.pks),
        absences=attendance.absences,
        check_ins=checkins.check_ins,
        contributions=contributions,
        photos=photos.photos,
        flags=photos.flags,
        plans=plans,
        certificates=checkins.certificates,
        cancelled=cancelled,
    )


def unconfirmed_from(today: dt.date, last_held: dt.date | None) -> dt.date:
    """The first session date whose records still wait for the community's confirmation:
    two weeks back, or the last session held if that lies further back."""
    recent = today - dt.timedelta(days=UNCONFIRMED_DAYS)
    return min(recent, last_held) if last_held else recent


def _context(
    communities: dict[str, Community],
    units: dict[str, Unit],
    users: dict[str, User],
    today: dt.date,
    now: dt.datetime,
) -> DemoSessions:
    scheduled = Session.objects.filter(
        campaign__slug=CAMPAIGN_SLUG, status=SessionStatus.SCHEDULED
    ).order_by("date")
    by_pk = {u.pk: u for u in units.values()}
    community_by_pk = {c.pk: c for c in communities.values()}
    pairings = [
        p
        for p in Pairing.objects.active().filter(unit__in=list(by_pk))
        if p.community_id in community_by_pk
    ]
    sessions = list(scheduled)
    return DemoSessions(
        today=today,
        now=now,
        held=[s for s in sessions if s.date < today],
        ahead=[s for s in sessions if s.date >= today],
        units=by_pk,
        communities=community_by_pk,
        pairings=pairings,
        users=users,
        demo_unit=next(u for u in units.values() if u.short_name == DEMO_UNIT_SHORT_NAME),
        demo_community=communities[DEMO_COMMUNITY],
    )


def _cancel_for_the_weather(office: User | None, today: dt.date) -> int:
    """Call off one summer session for a rainstorm warning, as the office would; once."""
    sessions = Session.objects.filter(campaign__slug=CAMPAIGN_SLUG)
    cancelled = sessions.filter(status=SessionStatus.CANCELLED, cancel_reason=CANCEL_REASON)
    if cancelled.exists():
        return cancelled.count()
    session = (
        sessions.filter(status=SessionStatus.SCHEDULED, date__gte=CANCELLED_FROM, date__lt=today)
        .order_by("date")
        .first()
    )
    if session is None:
        return 0
    session.status = SessionStatus.CANCELLED
    session.cancel_reason = CANCEL_REASON
    session.cancelled_by = office
    session.cancelled_at = _local(session.date - dt.timedelta(days=1), 17, 40)
    session._history_user = office  # type: ignore[attr-defined]
    session.save()
    return 1


def _load_plans(ctx: DemoSessions) -> int:
    """Plans of the demo community for its last and next sessions, and of the demo
    street's other communities for the next one: what the logins see ahead."""
    community = ctx.demo_community
    wanted: list[tuple[Session, Community]] = [
        (s, community) for s in ctx.held[-PLANS_BEHIND:] + ctx.ahead[:PLANS_AHEAD]
    ]
    if ctx.ahead:
        street = [
            c
            for c in sorted(ctx.communities.values(), key=lambda c: c.code)
            if c.code.startswith(DEMO_STREET) and c != community
        ]
        wanted += [(ctx.ahead[0], c) for c in street]
    existing = {
        (p.session_id, p.community_id): p
        for p in SessionPlan.objects.filter(session__in=[s for s, _ in wanted])
    }
    staff = ctx.users.get("community")
    rows = []
    for n, (session, where) in enumerate(wanted):
        if (session.pk, where.pk) in existing:
            continue  # plans are the community's once written: never overwritten
        ours = where == community
        written = min(_local(session.date - dt.timedelta(days=4), 10, 0), ctx.now)
        rows.append(
            {
                "session_id": session.pk,
                "community_id": where.pk,
                "meeting_point": f"{where.name}党群服务中心门前",
                "meeting_time": MEETING_TIME,
                "contact_name": staff.display_name if ours and staff else person_name(700 + n),
                "contact_phone": landline(700 + n),
                "tasks": _plan_tasks(session),
                "notes": PLAN_NOTES[session.date.toordinal() % len(PLAN_NOTES)],
                "updated_by_id": staff.pk if ours and staff else None,
                "updated_at": written,
            }
        )
    with _explicit_timestamps(SessionPlan):
        found = sync_rows(
            SessionPlan,
            rows,
            key=lambda r: (r["session_id"], r["community_id"]),
            existing=[],
        )
    ahead = {s.pk for s in ctx.ahead}
    _link_open_problems([p for p in found.values() if p.session_id in ahead], community)
    return len(existing) + len(found)


def _plan_tasks(session: Session) -> list[str]:
    tasks = list(CleanupTask.values)
    # Every plan has the four clean-ups; some leave out flyers when there are none left.
    return tasks if session.date.toordinal() % 3 else tasks[:3]


def _link_open_problems(plans: list[SessionPlan], community: Community) -> None:
    """Pick the demo community's open problems for its new plans ahead."""
    open_ones = list(
        Problem.objects.filter(
            community=community,
            state__in=[ProblemState.ACCEPTED, ProblemState.DISPATCHED, ProblemState.IN_PROGRESS],
        ).order_by("number")[:3]
    )
    if not open_ones:
        return
    by_session: dict[int, list[SessionPlan]] = defaultdict(list)
    for plan in plans:
        if plan.community_id == community.pk:
            by_session[plan.session_id].append(plan)
    for group in by_session.values():
        for plan in group:
            plan.problems.add(*open_ones)


def _local(day: dt.date, hour: int, minute: int) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))
