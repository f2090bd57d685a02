"""The schedule engine on real holidays (chinese-calendar data), and its invariants."""

from __future__ import annotations

import calendar
import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gongzhi.campaigns.holidays import HolidayCalendar, calendar_from_data
from gongzhi.campaigns.schedule import (
    CALENDAR_WEEK,
    NEXT_FRIDAY,
    NEXT_WORKDAY,
    NTH_WEEKDAY,
    POLICIES,
    PREVIOUS_WORKDAY,
    SKIP,
    Rule,
    compare_readings,
    differing_months,
    plan_year,
    slot_dates,
)

D = dt.date
PACKAGE = calendar_from_data(
    package_years_wanted=range(2004, 2028), office_years=[], office_dates=[]
)


def fridays_by_monthcalendar(year: int, month: int) -> list[dt.date]:
    return [D(year, month, week[4]) for week in calendar.monthcalendar(year, month) if week[4]]


def by_slot(rule: Rule, year: int, cal: HolidayCalendar = PACKAGE) -> dict[dt.date, object]:
    return {p.slot_date: p for p in plan_year(rule, year, cal)}


@pytest.mark.parametrize("year", range(2021, 2027))
def test_second_and_fourth_fridays_match_an_independent_computation(year: int) -> None:
    expected = []
    for month in range(1, 13):
        fridays = fridays_by_monthcalendar(year, month)
        expected += [fridays[1], fridays[3]]
    assert slot_dates(Rule(nth=(2, 4)), year) == expected


@pytest.mark.parametrize("year", range(2021, 2027))
def test_calendar_weeks_match_the_rows_of_the_month_calendar(year: int) -> None:
    expected = []
    for month in range(1, 13):
        weeks = calendar.monthcalendar(year, month)  # row 0 holds the 1st, weeks start Monday
        expected += [D(year, month, weeks[n][4]) for n in (1, 3) if n < len(weeks) and weeks[n][4]]
    assert slot_dates(Rule(nth=(2, 4), mode=CALENDAR_WEEK), year) == expected


def test_a_month_starting_on_saturday_has_no_friday_in_its_first_calendar_week() -> None:
    # 2022-01-01 is a Saturday: week 1 is 2021-12-27..2022-01-02, its Friday lies in December.
    rule = Rule(nth=(1, 2, 4), mode=CALENDAR_WEEK)
    assert [d for d in slot_dates(rule, 2022) if d.month == 1] == [D(2022, 1, 7), D(2022, 1, 21)]
    nth = Rule(nth=(1, 2, 4))
    assert [d for d in slot_dates(nth, 2022) if d.month == 1] == [
        D(2022, 1, 7),
        D(2022, 1, 14),
        D(2022, 1, 28),
    ]


def test_calendar_week_two_of_october_2022_is_national_day_and_the_policies_apply() -> None:
    # 2022-10-01 is a Saturday; week 2's Friday is 10-07, the last day of the National Day
    # holiday; 10-08 and 10-09 (Sat, Sun) are make-up working days.
    slot = D(2022, 10, 7)
    expected = {
        SKIP: None,
        PREVIOUS_WORKDAY: D(2022, 9, 30),
        NEXT_WORKDAY: D(2022, 10, 10),
        NEXT_FRIDAY: D(2022, 10, 14),
    }
    for policy, date in expected.items():
        planned = by_slot(Rule(mode=CALENDAR_WEEK, holiday_policy=policy), 2022)[slot]
        assert planned.date == date, policy
        assert "National Day" in planned.reason


def test_a_weekend_make_up_working_day_is_chosen_only_when_allowed() -> None:
    slot = D(2022, 10, 7)
    rule = Rule(mode=CALENDAR_WEEK, holiday_policy=NEXT_WORKDAY, allow_makeup_workdays=True)
    assert by_slot(rule, 2022)[slot].date == D(2022, 10, 8)
    # 2026-02-20 (3rd Friday) is in the Spring Festival; Saturday 02-14 is a working day.
    rule = Rule(nth=(3,), holiday_policy=PREVIOUS_WORKDAY)
    assert by_slot(rule, 2026)[D(2026, 2, 20)].date == D(2026, 2, 13)
    allowed = Rule(nth=(3,), holiday_policy=PREVIOUS_WORKDAY, allow_makeup_workdays=True)
    assert by_slot(allowed, 2026)[D(2026, 2, 20)].date == D(2026, 2, 14)


def test_the_spring_festival_friday_of_2021_under_each_policy() -> None:
    # 2021-02-12 (2nd Friday) is Spring Festival; the holiday runs 02-11..02-17.
    slot = D(2021, 2, 12)
    expected = {
        SKIP: None,
        PREVIOUS_WORKDAY: D(2021, 2, 10),
        NEXT_WORKDAY: D(2021, 2, 18),
        NEXT_FRIDAY: D(2021, 2, 19),
    }
    for policy, date in expected.items():
        planned = by_slot(Rule(holiday_policy=policy), 2021)[slot]
        assert planned.date == date, policy
        assert planned.reason.startswith("Spring Festival")


def test_the_second_friday_after_national_day_2021_is_held_beside_a_make_up_saturday() -> None:
    # 2021-10-08 is a working Friday right after the holiday; 10-09 is a make-up Saturday.
    assert PACKAGE.is_makeup_workday(D(2021, 10, 9))
    planned = by_slot(Rule(), 2021)[D(2021, 10, 8)]
    assert planned.date == D(2021, 10, 8) and planned.reason == ""
    first_friday = by_slot(Rule(nth=(1,), holiday_policy=PREVIOUS_WORKDAY), 2021)[D(2021, 10, 1)]
    assert first_friday.date == D(2021, 9, 30)
    assert first_friday.reason == "National Day: moved to the previous working day"


@pytest.mark.parametrize(
    ("policy", "date", "reason"),
    [
        (SKIP, None, "Mid-Autumn Festival: skipped"),
        (
            PREVIOUS_WORKDAY,
            D(2026, 9, 24),
            "Mid-Autumn Festival: moved to the previous working day",
        ),
        (NEXT_WORKDAY, D(2026, 9, 28), "Mid-Autumn Festival: moved to the next working day"),
        # The next Friday that is not a day off is 10-09, already the 2nd Friday of October.
        (NEXT_FRIDAY, None, "Mid-Autumn Festival: skipped, 2026-10-09 already has a session"),
    ],
)
def test_the_mid_autumn_festival_fourth_friday_of_2026(
    policy: str, date: dt.date | None, reason: str
) -> None:
    plan = plan_year(Rule(holiday_policy=policy), 2026, PACKAGE)
    planned = next(p for p in plan if p.slot_date == D(2026, 9, 25))
    assert planned.date == date
    assert planned.reason == reason
    assert not planned.provisional
    assert [p.date for p in plan].count(D(2026, 10, 9)) == 1


def test_next_friday_moves_when_the_next_friday_is_free() -> None:
    plan = by_slot(Rule(nth=(4,), holiday_policy=NEXT_FRIDAY), 2026)
    assert plan[D(2026, 9, 25)].date == D(2026, 10, 9)


def test_a_year_without_holiday_data_gives_provisional_sessions_on_the_rule_dates() -> None:
    plan = plan_year(Rule(), 2027, PACKAGE)
    assert not PACKAGE.knows_year(2027)
    assert len(plan) == 24
    assert all(p.provisional and p.date == p.slot_date for p in plan)
    assert "2027" in plan[0].reason


def test_the_two_readings_differ_in_about_a_third_of_the_months() -> None:
    assert differing_months(5, [2, 4], 2026) == [2, 3, 8, 11]
    months = compare_readings(5, [2, 4], 2022)
    assert months[0].nth_weekday == (D(2022, 1, 14), D(2022, 1, 28))
    assert months[0].calendar_week == (D(2022, 1, 7), D(2022, 1, 21))
    for year in range(2021, 2027):
        assert 2 <= len(differing_months(5, [2, 4], year)) <= 6


rules = st.builds(
    Rule,
    weekday=st.integers(1, 5),
    nth=st.lists(st.integers(1, 5), min_size=1, max_size=5, unique=True).map(tuple),
    mode=st.sampled_from([NTH_WEEKDAY, CALENDAR_WEEK]),
    holiday_policy=st.sampled_from(POLICIES),
    allow_makeup_workdays=st.booleans(),
)


@settings(max_examples=300, deadline=None)
@given(rule=rules, year=st.integers(2004, 2027))
def test_no_held_session_falls_on_a_day_off_and_each_slot_gives_at_most_one(
    rule: Rule, year: int
) -> None:
    slots = slot_dates(rule, year)
    plan = plan_year(rule, year, PACKAGE)
    assert [p.slot_date for p in plan] == slots
    held = [p.date for p in plan if p.date is not None]
    assert len(held) == len(set(held)), "two sessions share a date"
    for day in held:
        assert not PACKAGE.is_day_off(day)
        if not rule.allow_makeup_workdays:
            assert not PACKAGE.is_makeup_workday(day)


office_days = st.lists(
    st.tuples(st.dates(D(2027, 1, 1), D(2027, 12, 31)), st.booleans(), st.just("x")),
    max_size=60,
    unique_by=lambda t: t[0],
)


@settings(max_examples=200, deadline=None)
@given(rule=rules, entries=office_days)
def test_any_holiday_table_the_office_enters_keeps_the_invariants(
    rule: Rule, entries: list[tuple[dt.date, bool, str]]
) -> None:
    cal = calendar_from_data(package_years_wanted=[], office_years=[2027], office_dates=entries)
    plan = plan_year(rule, 2027, cal)
    assert len(plan) == len({p.slot_date for p in plan})
    held = [p.date for p in plan if p.date is not None]
    assert len(held) == len(set(held))
    assert not any(cal.is_day_off(day) for day in held)
    assert not any(p.provisional for p in plan if p.date and p.date.year == 2027)
