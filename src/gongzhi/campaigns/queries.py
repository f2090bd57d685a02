"""Reads of campaigns and sessions. Campaigns are city-wide: every role reads them."""

from __future__ import annotations

import calendar as pycalendar
import datetime as dt
from dataclasses import dataclass, replace
from typing import Any

from django.db.models import QuerySet

from gongzhi.campaigns.holidays import HolidayCalendar, load_calendar
from gongzhi.campaigns.models import Campaign, Session, SessionStatus
from gongzhi.campaigns.schedule import (
    CALENDAR_WEEK,
    NTH_WEEKDAY,
    PlannedSession,
    Rule,
    plan_year,
)
from gongzhi.core.scoping import scope_of


def campaigns_visible_to(user: Any) -> QuerySet[Campaign]:
    """All campaigns for anyone holding a role; nothing for anyone else."""
    if not scope_of(user).roles:
        return Campaign.objects.none()
    return Campaign.objects.all()


def sessions_visible_to(user: Any) -> QuerySet[Session]:
    """All sessions for anyone holding a role; nothing for anyone else."""
    if not scope_of(user).roles:
        return Session.objects.none()
    return Session.objects.select_related("campaign")


def rule_of(campaign: Campaign) -> Rule:
    return Rule(
        weekday=campaign.weekday,
        nth=tuple(int(n) for n in campaign.nth),
        mode=campaign.mode,
        holiday_policy=campaign.holiday_policy,
        allow_makeup_workdays=campaign.allow_makeup_workdays,
    )


def campaign_year_plan(
    campaign: Campaign, year: int, cal: HolidayCalendar | None = None
) -> list[PlannedSession]:
    """What the campaign's rule gives for ``year`` (within its start and end)."""
    cal = cal or load_calendar(year)
    planned = plan_year(rule_of(campaign), year, cal)
    return [
        p
        for p in planned
        if p.slot_date >= campaign.start and (campaign.end is None or p.slot_date <= campaign.end)
    ]


def sessions_between(
    sessions: QuerySet[Session], start: dt.date | None, end: dt.date | None
) -> QuerySet[Session]:
    if start is not None:
        sessions = sessions.filter(date__gte=start)
    if end is not None:
        sessions = sessions.filter(date__lte=end)
    return sessions


@dataclass(frozen=True)
class YearRow:
    """One slot of a year as shown to people: the rule's plan plus any cancellation."""

    planned: PlannedSession
    session: Session | None

    @property
    def state(self) -> str:
        """``held``, ``moved``, ``skipped`` or ``cancelled``."""
        if self.session is not None and self.session.status == SessionStatus.CANCELLED:
            return "cancelled"
        if self.planned.skipped:
            return "skipped"
        return "moved" if self.planned.moved else "held"

    @property
    def date(self) -> dt.date:
        return self.planned.date or self.planned.slot_date


def campaign_year_rows(campaign: Campaign, year: int) -> tuple[list[YearRow], bool]:
    """The year's slots for display, and whether the year is provisional (no holiday data)."""
    cal = load_calendar(year)
    planned = campaign_year_plan(campaign, year, cal)
    stored = {
        s.slot_date: s
        for s in campaign.sessions.filter(
            slot_date__gte=dt.date(year, 1, 1), slot_date__lte=dt.date(year, 12, 31)
        )
    }
    rows = [YearRow(p, stored.get(p.slot_date)) for p in planned]
    return rows, not cal.knows_year(year)


@dataclass(frozen=True)
class PreviewMonth:
    """One month of the rule preview: the sessions under each reading of "nth week"."""

    month: dt.date
    nth_weekday: list[PlannedSession]
    calendar_week: list[PlannedSession]

    @property
    def differs(self) -> bool:
        def dates(items: list[PlannedSession]) -> list[dt.date | None]:
            return [p.date for p in items]

        return dates(self.nth_weekday) != dates(self.calendar_week)


def rule_preview(rule: Rule, year: int) -> tuple[list[PreviewMonth], bool]:
    """The year under both readings, month by month, and whether the year is provisional."""
    cal = load_calendar(year)
    plans = {
        mode: plan_year(replace(rule, mode=mode), year, cal)
        for mode in (NTH_WEEKDAY, CALENDAR_WEEK)
    }
    months = []
    for month in range(1, 13):
        months.append(
            PreviewMonth(
                dt.date(year, month, 1),
                [p for p in plans[NTH_WEEKDAY] if p.slot_date.month == month],
                [p for p in plans[CALENDAR_WEEK] if p.slot_date.month == month],
            )
        )
    return months, not cal.knows_year(year)


@dataclass(frozen=True)
class CalendarDay:
    day: dt.date
    in_month: bool
    holiday: str
    day_off: bool
    makeup_workday: bool
    sessions: list[Session]


def month_calendar(user: Any, month: dt.date) -> tuple[list[list[CalendarDay]], HolidayCalendar]:
    """Weeks (Monday first) of ``month`` with the visible sessions and the holidays."""
    weeks = pycalendar.Calendar(firstweekday=0).monthdatescalendar(month.year, month.month)
    first, last = weeks[0][0], weeks[-1][-1]
    cal = load_calendar(first.year, last.year)
    by_day: dict[dt.date, list[Session]] = {}
    sessions = sessions_visible_to(user).filter(date__gte=first, date__lte=last)
    for session in sessions.order_by("date", "campaign__name"):
        by_day.setdefault(session.date, []).append(session)
    grid = [
        [
            CalendarDay(
                day=day,
                in_month=day.month == month.month,
                holiday=cal.holiday_name(day),
                day_off=cal.is_day_off(day),
                makeup_workday=cal.is_makeup_workday(day),
                sessions=by_day.get(day, []),
            )
            for day in week
        ]
        for week in weeks
    ]
    return grid, cal


def year_is_provisional(year: int) -> bool:
    """Whether ``year`` has no holiday data (its sessions are provisional)."""
    return not load_calendar(year, year).knows_year(year)
