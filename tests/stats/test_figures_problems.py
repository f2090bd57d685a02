"""Problem figures against the hand-built city (see ``fixtures_figures`` for P1–P9)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from fractions import Fraction

from django.utils import timezone

from gongzhi.core.scoping import scope_of
from gongzhi.problems.models import Problem, ProblemState
from gongzhi.stats import figures
from gongzhi.stats.figures import MUNICIPAL, StatsFilter
from tests.stats.fixtures_figures import GAOXIN, PERIOD, ZENGDU, FigureCity, at


def period(**kwargs: object) -> StatsFilter:
    return dataclasses.replace(PERIOD, **kwargs)  # type: ignore[arg-type]


def test_problems_are_counted_by_the_day_they_were_reported_in_shanghai(
    city: FigureCity,
) -> None:
    p = figures.problem_figures(PERIOD)
    # P1 (07-01 00:30) and P7 (08-31 23:30) are in, P8 (06-30 23:30) is out.
    assert p.reported == 8
    assert figures.problem_figures(period(end=dt.date(2021, 7, 1))).reported == 1


def test_rejected_and_duplicate_problems_are_reported_but_never_accepted(
    city: FigureCity,
) -> None:
    p = figures.problem_figures(PERIOD)
    assert p.accepted == 5  # P1 P2 P3 P4 P9: not P5 (rejected), P6 (duplicate), P7 (reported)
    assert p.by_state == {
        "closed": 3,
        "dispatched": 1,
        "duplicate": 1,
        "parked": 1,
        "rejected": 1,
        "reported": 1,
    }


def test_closure_on_time_and_satisfaction_rates(city: FigureCity) -> None:
    p = figures.problem_figures(PERIOD)
    assert p.closed == 3
    assert p.closure_rate == Fraction(3, 5)
    # P2 was handled after its deadline; P3 had none, which is never late.
    assert p.on_time_rate == Fraction(2, 3)
    assert p.satisfaction_rate == Fraction(2, 3)


def test_the_median_time_to_close_is_the_middle_closed_problem(city: FigureCity) -> None:
    # P3 2 days, P1 8 days, P2 10 days.
    assert figures.problem_figures(PERIOD).median_days_to_close == 8.0


def test_the_median_of_an_even_count_is_the_mean_of_the_two_middle_ones(
    city: FigureCity,
) -> None:
    Problem.objects.filter(pk=city.problems["P4"].pk).update(
        state=ProblemState.CLOSED, handled_at=at(8, 2), closed_at=at(8, 5)
    )
    # 2, 4, 8, 10 days.
    assert figures.problem_figures(PERIOD).median_days_to_close == 6.0


def test_no_closed_problem_means_no_median_and_no_rates(city: FigureCity) -> None:
    august = period(start=dt.date(2021, 8, 1))
    p = figures.problem_figures(august)
    assert p.closed == 0
    assert (p.median_days_to_close, p.on_time_rate, p.satisfaction_rate) == (None, None, None)
    assert p.closure_rate == Fraction(0, 2)  # P4 and P9 accepted


def test_a_problem_reopened_by_a_rating_is_no_longer_closed(city: FigureCity) -> None:
    Problem.objects.filter(pk=city.problems["P1"].pk).update(
        state=ProblemState.DISPATCHED, closed_at=None, handled_at=None, reopened_by_rating=True
    )
    p = figures.problem_figures(PERIOD)
    assert (p.closed, p.accepted) == (2, 5)


def test_problems_by_category_source_and_state(city: FigureCity) -> None:
    p = figures.problem_figures(PERIOD)
    assert p.by_category == {"piled_debris": 4, "dead_branches_weeds": 4}
    assert p.by_source == {
        "community_patrol": 1,
        "grassroots_visit": 1,
        "hotline_12345": 1,
        "inspection": 1,
        "resident_report": 4,
    }


def test_the_category_table_has_each_categorys_rates(city: FigureCity) -> None:
    rows = figures.problems_by_category(PERIOD)
    assert [(r.category_name, r.reported, r.closed) for r in rows] == [
        ("乱堆乱放杂物", 4, 2),
        ("枯枝杂草", 4, 1),
    ]
    a, b = rows
    assert (a.closure_rate, a.on_time_rate) == (Fraction(1), Fraction(1, 2))
    assert (b.closure_rate, b.on_time_rate) == (Fraction(1, 3), Fraction(1))


def test_a_category_filter_keeps_that_category(city: FigureCity) -> None:
    p = figures.problem_figures(period(categories=("piled_debris",)))
    assert (p.reported, p.accepted, p.closed) == (4, 2, 2)
    assert figures.person_times(period(categories=("piled_debris",))) == 68  # problems only


def test_unit_filters_follow_the_units_a_problem_was_dispatched_to(city: FigureCity) -> None:
    # Municipal: P1, P2 (M1) and P4 (M2 and G1).
    assert figures.problem_figures(period(jurisdictions=(MUNICIPAL,))).reported == 3
    assert figures.problem_figures(period(units=(city.g1.code,))).reported == 2  # P4, P9
    # Leaving out 曾都区's units drops P3 (Z1 only); problems dispatched to nobody stay.
    assert figures.problem_figures(period(exclude_jurisdictions=(ZENGDU,))).reported == 7
    # Leaving out both districts drops P3 and P9 but keeps P4 (also M2's).
    both = period(exclude_jurisdictions=(ZENGDU, GAOXIN))
    assert figures.problem_figures(both).reported == 6


def test_district_filters_follow_the_problems_community(city: FigureCity) -> None:
    assert figures.problem_figures(period(districts=(ZENGDU,))).reported == 5
    assert figures.problem_figures(period(exclude_districts=(ZENGDU,))).reported == 3
    assert figures.problem_figures(period(communities=(city.c2.code,))).reported == 2


def test_readers_count_the_problems_of_their_areas_or_dispatched_to_their_unit(
    city: FigureCity,
) -> None:
    reported = {
        who: figures.problem_figures(PERIOD, scope_of(city.users[who])).reported
        for who in ("office", "leader", "district", "street", "community", "unit", "inspector")
    }
    assert reported == {
        "office": 8,
        "leader": 8,
        "district": 5,
        "street": 5,
        "community": 3,
        "unit": 2,  # P1, P2 dispatched to M1
        "inspector": 0,
    }


def test_a_problem_reported_today_counts_today(city: FigureCity) -> None:
    today = timezone.localdate()
    before = figures.problem_figures(StatsFilter(start=today, end=today)).reported
    Problem.objects.create(
        number="2099-000001",
        description="新问题",
        category=city.cat_a,
        source="resident_report",
        community=city.c1,
    )
    assert figures.problem_figures(StatsFilter(start=today, end=today)).reported == before + 1
