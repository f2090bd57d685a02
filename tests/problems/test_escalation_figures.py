"""Overdue problems by unit and age, and the per-unit table, on a constructed set."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from fractions import Fraction
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from gongzhi.campaigns.holidays import HolidayCalendar
from gongzhi.problems import queries
from gongzhi.problems.models import Dispatch, Problem, ProblemState
from tests.factories import World

MakeProblem = Callable[..., Problem]
SHANGHAI = ZoneInfo("Asia/Shanghai")
ON = dt.date(2026, 10, 14)  # a Wednesday after National Day


def local(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=SHANGHAI)  # type: ignore[misc]


@pytest.fixture
def overdue_set(world: World, make_problem: MakeProblem) -> dict[str, Problem]:
    """Overdue on 14 October 2026, with their ages in working days (make-up 10 October counts)."""
    p = {
        # 8, 9, 10, 12, 13, 14 October: 6 working days.
        "a_six": make_problem(
            ProblemState.DISPATCHED, deadline=dt.date(2026, 9, 30), escalation_kind="criticism"
        ),
        # 13 and 14 October: 2; also dispatched to unit B.
        "ab_two": make_problem(ProblemState.IN_PROGRESS, deadline=dt.date(2026, 10, 12)),
        # Only the community (a2): 10, 12, 13, 14 October: 4.
        "community_four": make_problem(
            ProblemState.DISPATCHED,
            deadline=dt.date(2026, 10, 9),
            community=world.community_a2,
            dispatched_to_community=True,
        ),
        "a_old": make_problem(ProblemState.DISPATCHED, deadline=dt.date(2026, 9, 1)),
        # District B, unit B only.
        "b_six": make_problem(
            ProblemState.DISPATCHED, deadline=dt.date(2026, 9, 30), community=world.community_b1
        ),
        # Not overdue:
        "handled": make_problem(ProblemState.HANDLED, deadline=dt.date(2026, 9, 1)),
        "parked": make_problem(ProblemState.PARKED, deadline=dt.date(2026, 9, 1)),
        "due_today": make_problem(ProblemState.DISPATCHED, deadline=ON),
    }
    Dispatch.objects.create(problem=p["ab_two"], unit=world.unit_b)
    Dispatch.objects.filter(problem=p["community_four"]).delete()
    Dispatch.objects.filter(problem=p["b_six"]).update(unit=world.unit_b)
    return p


def groups_of(report: queries.OverdueReport) -> dict[str, list[tuple[str, int, str]]]:
    return {
        g.code: [(i.problem.number, i.age_working_days, i.bucket.key) for i in g.problems]
        for g in report.groups
    }


def test_overdue_problems_are_grouped_by_unit_with_their_age_in_working_days(
    world: World, overdue_set: dict[str, Problem]
) -> None:
    p = overdue_set
    report = queries.overdue_by_unit(world.users["office"], on=ON)
    assert report.total == 5
    assert report.by_bucket == {"age_1_2": 1, "age_3_5": 1, "age_6_10": 2, "age_over_10": 1}
    assert report.by_kind == {"criticism": 1, "": 4}
    assert groups_of(report) == {
        # Oldest first.
        world.unit_a.code: [
            (p["a_old"].number, 27, "age_over_10"),
            (p["a_six"].number, 6, "age_6_10"),
            (p["ab_two"].number, 2, "age_1_2"),
        ],
        world.unit_b.code: [
            (p["b_six"].number, 6, "age_6_10"),
            (p["ab_two"].number, 2, "age_1_2"),
        ],
        world.community_a2.code: [(p["community_four"].number, 4, "age_3_5")],
    }
    by_code = {g.code: g for g in report.groups}
    assert by_code[world.unit_a.code].by_bucket == {
        "age_1_2": 1,
        "age_3_5": 0,
        "age_6_10": 1,
        "age_over_10": 1,
    }
    assert by_code[world.community_a2.code].is_community
    assert [g.code for g in report.groups][0] == world.unit_a.code  # most overdue first


def test_a_district_officer_sees_only_their_district(
    world: World, overdue_set: dict[str, Problem]
) -> None:
    report = queries.overdue_by_unit(world.users["district"], on=ON)
    assert report.total == 4
    numbers = {i.problem.number for g in report.groups for i in g.problems}
    assert overdue_set["b_six"].number not in numbers
    unit_b = next(g for g in report.groups if g.code == world.unit_b.code)
    assert unit_b.total == 1


def test_the_district_and_kind_filters_narrow_the_report(
    world: World, overdue_set: dict[str, Problem]
) -> None:
    office = world.users["office"]
    in_b = queries.overdue_by_unit(office, on=ON, district=world.district_b.code)
    assert [g.code for g in in_b.groups] == [world.unit_b.code]
    assert in_b.total == 1
    criticised = queries.overdue_by_unit(office, on=ON, kind="criticism")
    assert criticised.total == 1
    assert criticised.by_kind == {"criticism": 1, "": 4}  # the kind counts ignore the kind filter
    not_yet = queries.overdue_by_unit(office, on=ON, kind="none")
    assert not_yet.total == 4


def test_only_the_oldest_rows_are_listed_but_counts_stay_exact(
    world: World, overdue_set: dict[str, Problem]
) -> None:
    report = queries.overdue_by_unit(world.users["office"], on=ON, max_rows=1)
    assert report.listed == 1
    unit_a = next(g for g in report.groups if g.code == world.unit_a.code)
    assert [i.problem.number for i in unit_a.problems] == [overdue_set["a_old"].number]
    assert unit_a.total == 3
    assert unit_a.more == 2


def test_the_overdue_report_costs_the_same_queries_for_more_problems(
    world: World,
    make_problem: MakeProblem,
    django_assert_max_num_queries: Any,
    overdue_set: dict[str, Problem],
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    office = world.users["office"]
    with CaptureQueriesContext(connection) as few:
        queries.overdue_by_unit(office, on=ON)
    for day in range(1, 25):
        make_problem(ProblemState.DISPATCHED, deadline=dt.date(2026, 8, day))
    with django_assert_max_num_queries(len(few)):
        report = queries.overdue_by_unit(office, on=ON)
    assert report.total == 29


@pytest.mark.parametrize(
    ("deadline", "on", "age"),
    [
        (dt.date(2026, 9, 30), dt.date(2026, 10, 8), 1),
        (dt.date(2026, 9, 30), dt.date(2026, 10, 5), 0),  # overdue over the holiday
        (dt.date(2026, 9, 30), dt.date(2026, 9, 29), -1),
        (dt.date(2026, 10, 8), dt.date(2026, 9, 30), -1),
        (dt.date(2026, 10, 9), dt.date(2026, 10, 12), 2),  # make-up Saturday counted
        (dt.date(2026, 10, 9), dt.date(2026, 10, 9), 0),
    ],
)
def test_working_days_after_the_deadline(
    db: None, deadline: dt.date, on: dt.date, age: int
) -> None:
    from gongzhi.campaigns.holidays import load_calendar

    assert queries.working_days_after(deadline, on, load_calendar(2026)) == age


def test_age_buckets_cover_every_age() -> None:
    keys = [queries.age_bucket(age).key for age in (0, 1, 2, 3, 5, 6, 10, 11, 400)]
    assert keys == [
        "age_1_2",
        "age_1_2",
        "age_1_2",
        "age_3_5",
        "age_3_5",
        "age_6_10",
        "age_6_10",
        "age_over_10",
        "age_over_10",
    ]
    # Without holiday data only weekends are off: Friday to Monday is one working day.
    assert (
        queries.working_days_after(dt.date(2030, 3, 1), dt.date(2030, 3, 4), HolidayCalendar()) == 1
    )


# --- the per-unit table --------------------------------------------------------------

START, END = dt.date(2026, 10, 1), dt.date(2026, 10, 31)


@pytest.fixture
def performance_set(world: World, make_problem: MakeProblem) -> dict[str, Problem]:
    deadline = dt.date(2026, 10, 10)
    closed = {"state": ProblemState.CLOSED, "deadline": deadline}
    p = {
        # Handled 23:30 on the deadline, Shanghai time: on time.
        "on_time": make_problem(**closed, handled_at=local(2026, 10, 10, 23, 30)),
        # 00:30 the next day in Shanghai (still 10 October in UTC): late.
        "late": make_problem(**closed, handled_at=local(2026, 10, 11, 0, 30), rework_count=1),
        "working": make_problem(ProblemState.IN_PROGRESS, deadline=deadline),
        "handled": make_problem(
            ProblemState.HANDLED, deadline=deadline, handled_at=local(2026, 10, 9, 9)
        ),
        "parked": make_problem(ProblemState.PARKED, deadline=deadline),
        "reopened": make_problem(
            ProblemState.DISPATCHED,
            deadline=deadline,
            rework_count=1,
            satisfaction="dissatisfied",
            reopened_by_rating=True,
        ),
        "two_units": make_problem(
            **closed, handled_at=local(2026, 10, 8, 10), rework_count=1, satisfaction="satisfied"
        ),
        "before_the_period": make_problem(ProblemState.DISPATCHED, deadline=deadline),
        "in_district_b": make_problem(
            ProblemState.DISPATCHED, deadline=deadline, community=world.community_b1
        ),
    }
    Dispatch.objects.create(problem=p["two_units"], unit=world.unit_b)
    Dispatch.objects.filter(problem=p["in_district_b"]).update(unit=world.unit_b)
    Dispatch.objects.update(dispatched_at=local(2026, 10, 5, 9))
    # Dispatched 30 September 23:59 Shanghai time: outside a period starting 1 October.
    Dispatch.objects.filter(problem=p["before_the_period"]).update(
        dispatched_at=local(2026, 9, 30, 23, 59)
    )
    return p


def test_the_per_unit_table_counts_each_figure_exactly(
    world: World, performance_set: dict[str, Problem]
) -> None:
    rows = {
        r.unit_code: r
        for r in queries.unit_performance(world.users["office"], start=START, end=END)
    }
    a = rows[world.unit_a.code]
    assert (a.dispatched, a.closed_on_time, a.closed_late, a.open, a.parked) == (7, 2, 1, 3, 1)
    assert (a.closed, a.rework, a.dissatisfied) == (3, 3, 1)
    assert a.closure_rate == Fraction(3, 7)
    assert a.on_time_rate == Fraction(2, 3)
    b = rows[world.unit_b.code]
    assert (b.dispatched, b.closed_on_time, b.closed_late, b.open, b.parked) == (2, 1, 0, 1, 0)
    assert (b.rework, b.dissatisfied) == (1, 0)
    assert b.closure_rate == Fraction(1, 2)
    assert b.on_time_rate == 1
    assert set(rows) == {world.unit_a.code, world.unit_b.code}


def test_a_district_officer_counts_only_problems_of_their_district(
    world: World, performance_set: dict[str, Problem]
) -> None:
    rows = {
        r.unit_code: r
        for r in queries.unit_performance(world.users["district"], start=START, end=END)
    }
    assert rows[world.unit_a.code].dispatched == 7
    assert rows[world.unit_b.code].dispatched == 1  # the problem in district B is left out


def test_rates_are_undefined_without_a_denominator(world: World) -> None:
    row = queries.UnitPerformance(1, "X", "单位", 0, 0, 0, 0, 0, 0, 0)
    assert row.closure_rate is None
    assert row.on_time_rate is None


def test_the_period_is_by_the_dispatch_date_in_shanghai(
    world: World, performance_set: dict[str, Problem]
) -> None:
    rows = queries.unit_performance(
        world.users["office"], start=dt.date(2026, 9, 30), end=dt.date(2026, 9, 30)
    )
    assert [(r.unit_code, r.dispatched, r.open) for r in rows] == [(world.unit_a.code, 1, 1)]
