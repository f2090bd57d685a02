"""The schedule engine: which dates a campaign's rule gives (pure functions, no ORM).

A rule names slots ("the 2nd and 4th Friday of every month"); each slot gives
at most one session. When a slot is a statutory holiday the campaign's policy
applies (DESIGN.md section 4):

- ``skip``: no session for that slot;
- ``previous_workday`` / ``next_workday``: the nearest working day before /
  after the slot;
- ``next_friday``: the next Friday after the slot that is not a day off.

Weekend make-up working days (调休) are never chosen unless the rule allows
them. A moved session never lands on a day that already has a session of the
campaign: the slot is then skipped, and the reason says so. Sessions in a year
without holiday data are *provisional*.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from gongzhi.campaigns.holidays import HolidayCalendar, display_name

NTH_WEEKDAY = "nth_weekday"
CALENDAR_WEEK = "calendar_week"
MODES = (NTH_WEEKDAY, CALENDAR_WEEK)

SKIP = "skip"
PREVIOUS_WORKDAY = "previous_workday"
NEXT_WORKDAY = "next_workday"
NEXT_FRIDAY = "next_friday"
POLICIES = (SKIP, PREVIOUS_WORKDAY, NEXT_WORKDAY, NEXT_FRIDAY)

FRIDAY = 5
#: How far a move may search before the slot is skipped instead.
MAX_MOVE_DAYS = 21


@dataclass(frozen=True)
class Rule:
    """A schedule rule: ISO ``weekday``, occurrences ``nth``, counting ``mode``, policy."""

    weekday: int = FRIDAY
    nth: tuple[int, ...] = (2, 4)
    mode: str = NTH_WEEKDAY
    holiday_policy: str = SKIP
    allow_makeup_workdays: bool = False


#: Reason codes: why a slot's session is skipped, moved or provisional. The
#: text is rendered in the reader's language by :func:`render_reason`.
REASON_NONE = ""
REASON_PROVISIONAL = "provisional"
REASON_SKIPPED = "skipped"
REASON_NO_DAY = "no_day"
REASON_TAKEN = "taken"
REASON_MOVED = "moved"
REASON_CODES = (
    REASON_NONE,
    REASON_PROVISIONAL,
    REASON_SKIPPED,
    REASON_NO_DAY,
    REASON_TAKEN,
    REASON_MOVED,
)


def render_reason(code: str, params: Mapping[str, Any] | None = None) -> str:
    """The reason for ``code`` in the active language.

    ``params`` may hold ``holiday`` (the calendar's key, e.g. the package's
    "Mid-autumn Festival" or the office's "中秋节"), ``date`` (ISO),
    ``year`` and ``policy``. An unknown code renders as nothing.
    """
    params = params or {}
    holiday = display_name(str(params.get("holiday", "")))
    if code == REASON_PROVISIONAL:
        return _("No holiday data for %(year)s yet: provisional") % {"year": params.get("year")}
    if code == REASON_SKIPPED:
        return _("%(holiday)s: skipped") % {"holiday": holiday}
    if code == REASON_NO_DAY:
        return _("%(holiday)s: skipped, no suitable day nearby") % {"holiday": holiday}
    if code == REASON_TAKEN:
        return _("%(holiday)s: skipped, %(date)s already has a session") % {
            "holiday": holiday,
            "date": params.get("date", ""),
        }
    if code == REASON_MOVED:
        return _("%(holiday)s: %(move)s") % {
            "holiday": holiday,
            "move": _move_words(str(params.get("policy", ""))),
        }
    return ""


@dataclass(frozen=True)
class PlannedSession:
    """What the rule gives for one slot: the session date (``None`` = skipped) and why.

    The reason is kept as a code plus parameters (``params``, sorted key/value
    pairs) and rendered in the reader's language by :attr:`reason`.
    """

    slot_date: dt.date
    date: dt.date | None
    code: str
    provisional: bool
    params: tuple[tuple[str, str], ...] = ()

    @property
    def reason_params(self) -> dict[str, str]:
        return dict(self.params)

    @property
    def reason(self) -> str:
        return render_reason(self.code, self.reason_params)

    @property
    def skipped(self) -> bool:
        return self.date is None

    @property
    def moved(self) -> bool:
        return self.date is not None and self.date != self.slot_date


def slot_in_month(year: int, month: int, weekday: int, nth: int, mode: str) -> dt.date | None:
    """The date of occurrence ``nth`` of ISO ``weekday`` in a month, or ``None``.

    ``nth_weekday``: the nth such weekday of the month. ``calendar_week``: that
    weekday in the nth calendar week, weeks starting on Monday and the week
    holding the 1st being week 1; a date outside the month does not exist.
    """
    first = dt.date(year, month, 1)
    last_day = calendar.monthrange(year, month)[1]
    if mode == NTH_WEEKDAY:
        offset = (weekday - first.isoweekday()) % 7
        day = 1 + offset + 7 * (nth - 1)
    elif mode == CALENDAR_WEEK:
        monday_of_week_one = 1 - (first.isoweekday() - 1)
        day = monday_of_week_one + 7 * (nth - 1) + (weekday - 1)
    else:
        raise ValueError(f"unknown mode {mode!r}")
    if 1 <= day <= last_day:
        return dt.date(year, month, day)
    return None


def slot_dates(rule: Rule, year: int) -> list[dt.date]:
    """Every slot date the rule names in ``year``, in order."""
    dates = set()
    for month in range(1, 13):
        for nth in rule.nth:
            day = slot_in_month(year, month, rule.weekday, nth, rule.mode)
            if day is not None:
                dates.add(day)
    return sorted(dates)


def slot_dates_between(rule: Rule, start: dt.date, end: dt.date) -> list[dt.date]:
    """The slot dates from ``start`` to ``end`` inclusive."""
    out: list[dt.date] = []
    for year in range(start.year, end.year + 1):
        out.extend(d for d in slot_dates(rule, year) if start <= d <= end)
    return out


def _acceptable(day: dt.date, cal: HolidayCalendar, rule: Rule) -> bool:
    if not cal.is_workday(day):
        return False
    return rule.allow_makeup_workdays or not cal.is_makeup_workday(day)


def _target(slot: dt.date, cal: HolidayCalendar, rule: Rule) -> dt.date | None:
    """Where the policy moves a holiday slot (ignoring other sessions), or ``None``."""
    policy = rule.holiday_policy
    if policy in (PREVIOUS_WORKDAY, NEXT_WORKDAY):
        step = -1 if policy == PREVIOUS_WORKDAY else 1
        for distance in range(1, MAX_MOVE_DAYS + 1):
            day = slot + dt.timedelta(days=step * distance)
            if _acceptable(day, cal, rule):
                return day
        return None
    if policy == NEXT_FRIDAY:
        day = slot + dt.timedelta(days=(FRIDAY - slot.isoweekday()) % 7 or 7)
        while day - slot <= dt.timedelta(days=MAX_MOVE_DAYS):
            if not cal.is_day_off(day):
                return day
            day += dt.timedelta(days=7)
        return None
    return None


def _move_words(policy: str) -> str:
    return {
        PREVIOUS_WORKDAY: _("moved to the previous working day"),
        NEXT_WORKDAY: _("moved to the next working day"),
        NEXT_FRIDAY: _("moved to the next Friday"),
    }.get(policy, _("skipped"))


def plan(rule: Rule, slots: Iterable[dt.date], cal: HolidayCalendar) -> list[PlannedSession]:
    """Apply the holiday policy to ``slots``: one :class:`PlannedSession` per slot.

    Slots that are not holidays keep their date and are placed first, so a
    moved session can never take a day another slot already holds; moves are
    then made in date order and refuse a day already taken.
    """
    ordered = sorted(set(slots))
    taken: set[dt.date] = {s for s in ordered if not cal.is_holiday(s)}
    result: list[PlannedSession] = []
    for slot in ordered:
        provisional = not cal.knows_year(slot.year)
        if not cal.is_holiday(slot):
            if provisional:
                params = (("year", str(slot.year)),)
                result.append(PlannedSession(slot, slot, REASON_PROVISIONAL, True, params))
            else:
                result.append(PlannedSession(slot, slot, REASON_NONE, False))
            continue
        holiday = ("holiday", cal.holiday_key(slot))
        if rule.holiday_policy == SKIP:
            result.append(PlannedSession(slot, None, REASON_SKIPPED, provisional, (holiday,)))
            continue
        target = _target(slot, cal, rule)
        if target is None:
            result.append(PlannedSession(slot, None, REASON_NO_DAY, provisional, (holiday,)))
        elif target in taken:
            params = (("date", target.isoformat()), holiday)
            result.append(PlannedSession(slot, None, REASON_TAKEN, provisional, params))
        else:
            taken.add(target)
            provisional = provisional or not cal.knows_year(target.year)
            params = (holiday, ("policy", rule.holiday_policy))
            result.append(PlannedSession(slot, target, REASON_MOVED, provisional, params))
    return result


def plan_year(rule: Rule, year: int, cal: HolidayCalendar) -> list[PlannedSession]:
    return plan(rule, slot_dates(rule, year), cal)


def plan_between(
    rule: Rule, start: dt.date, end: dt.date, cal: HolidayCalendar
) -> list[PlannedSession]:
    return plan(rule, slot_dates_between(rule, start, end), cal)


@dataclass(frozen=True)
class MonthComparison:
    """One month's slot dates under both readings of "nth week"."""

    month: int
    nth_weekday: tuple[dt.date, ...]
    calendar_week: tuple[dt.date, ...]

    @property
    def differs(self) -> bool:
        return self.nth_weekday != self.calendar_week


def compare_readings(weekday: int, nth: Sequence[int], year: int) -> list[MonthComparison]:
    """Both readings of "nth week" for every month of ``year`` (for the preview)."""
    out = []
    for month in range(1, 13):
        readings = []
        for mode in (NTH_WEEKDAY, CALENDAR_WEEK):
            days = (slot_in_month(year, month, weekday, n, mode) for n in sorted(set(nth)))
            readings.append(tuple(d for d in days if d is not None))
        out.append(MonthComparison(month, readings[0], readings[1]))
    return out


def differing_months(weekday: int, nth: Sequence[int], year: int) -> list[int]:
    """The months of ``year`` where the two readings give different dates."""
    return [m.month for m in compare_readings(weekday, nth, year) if m.differs]
