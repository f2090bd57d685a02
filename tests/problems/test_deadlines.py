"""Working-day deadlines over the campaign holiday calendar, and overdue detection."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest

from gongzhi.campaigns.holidays import HolidayCalendar, load_calendar
from gongzhi.problems.models import Problem, ProblemState
from gongzhi.problems.queries import problems_overdue
from gongzhi.problems.services import add_working_days
from tests.factories import World


@pytest.mark.django_db
def test_three_working_days_from_30_september_2026_land_on_the_makeup_saturday() -> None:
    # National Day 1–7 October are off; Saturday 10 October is a make-up working day.
    calendar = load_calendar(2026)
    assert add_working_days(dt.date(2026, 9, 30), 3, calendar) == dt.date(2026, 10, 10)


@pytest.mark.django_db
def test_one_working_day_after_the_eve_of_national_day_is_8_october() -> None:
    assert add_working_days(dt.date(2026, 9, 30), 1, load_calendar(2026)) == dt.date(2026, 10, 8)


def test_without_holiday_data_only_weekends_are_skipped() -> None:
    # Friday 2030-03-01 + 1 working day is Monday.
    assert add_working_days(dt.date(2030, 3, 1), 1, HolidayCalendar()) == dt.date(2030, 3, 4)


def test_zero_working_days_is_the_same_day() -> None:
    assert add_working_days(dt.date(2026, 10, 3), 0, HolidayCalendar()) == dt.date(2026, 10, 3)


@pytest.mark.django_db
def test_an_office_holiday_table_moves_the_deadline() -> None:
    from gongzhi.campaigns.models import HolidayDate, HolidayYear

    HolidayYear.objects.create(year=2031)
    HolidayDate.objects.create(date=dt.date(2031, 3, 3), is_day_off=True, name="测试假日")
    # Friday 2031-02-28 + 1 working day: Monday 3 March is off, so Tuesday.
    assert add_working_days(dt.date(2031, 2, 28), 1, load_calendar(2031)) == dt.date(2031, 3, 4)


def test_problems_past_their_deadline_and_not_handled_are_overdue(
    world: World, make_problem: Callable[..., Problem]
) -> None:
    day = dt.date(2026, 10, 12)
    late = make_problem(ProblemState.DISPATCHED, deadline=dt.date(2026, 10, 9))
    late_working = make_problem(ProblemState.IN_PROGRESS, deadline=dt.date(2026, 10, 9))
    due_today = make_problem(ProblemState.DISPATCHED, deadline=day)
    finished = [
        make_problem(state, deadline=dt.date(2026, 10, 9))
        for state in ("handled", "closed", "rejected", "duplicate", "parked")
    ]
    overdue = set(problems_overdue(on=day))
    assert overdue == {late, late_working}
    assert due_today not in overdue
    assert not overdue & set(finished)


def test_overdue_for_a_user_stays_inside_their_scope(
    world: World, make_problem: Callable[..., Problem]
) -> None:
    late = make_problem(ProblemState.DISPATCHED, deadline=dt.date(2026, 10, 9))
    day = dt.date(2026, 10, 12)
    assert list(problems_overdue(on=day, user=world.users["community"])) == [late]
    assert list(problems_overdue(on=day, user=world.users["member"])) == []
