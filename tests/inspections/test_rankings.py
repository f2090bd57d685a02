"""The ranking computation: ranks with ties, minimum samples, units not inspected, the
change from the last round, cumulative averages and the red and black lists."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from fractions import Fraction
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from gongzhi.inspections import rankings
from gongzhi.inspections.models import (
    Grade,
    InspectionGroup,
    InspectionRound,
    InspectionStatus,
    RankingRules,
    RoundStatus,
)
from gongzhi.inspections.rankings import Span, ranking_for
from gongzhi.inspections.seed import ranking_rules
from gongzhi.problems.models import ProblemState
from tests.factories import World
from tests.inspections.fixtures_rankings import codes, inspect, make_units, rectification

pytestmark = pytest.mark.django_db

MakeRound = Callable[..., InspectionRound]


def _rules(**values: Any) -> RankingRules:
    rules = ranking_rules()
    for name, value in values.items():
        setattr(rules, name, value)
    rules.save()
    return rules


def _by_code(ranking: rankings.Ranking) -> dict[str, rankings.Standing]:
    return {s.unit.code: s for s in [*ranking.ranked, *ranking.not_enough]}


# --- pure functions --------------------------------------------------------------------


def test_competition_ranks_share_a_rank_and_skip_the_next() -> None:
    totals = {"a": Decimal(90), "b": Decimal("85.5"), "c": Decimal("85.50"), "d": Decimal(70)}
    assert rankings.competition_ranks(totals) == {"a": 1, "b": 2, "c": 2, "d": 4}
    assert rankings.competition_ranks(totals, lowest_first=True) == {
        "a": 4,
        "b": 2,
        "c": 2,
        "d": 1,
    }


def test_grades_follow_the_thresholds_inclusively() -> None:
    rules = RankingRules(excellent_min=90, good_min=80, fair_min=60)
    assert rankings.grade_for(Decimal(90), rules) == Grade.EXCELLENT
    assert rankings.grade_for(Decimal("89.9"), rules) == Grade.GOOD
    assert rankings.grade_for(Decimal(60), rules) == Grade.FAIR
    assert rankings.grade_for(Decimal("59.5"), rules) == Grade.POOR


def test_scores_and_rates_read_as_people_write_them() -> None:
    assert rankings.score_text(Decimal("85.50")) == "85.5"
    assert rankings.score_text(Decimal("90.00")) == "90"
    assert rankings.score_text(Decimal("82.25")) == "82.25"
    assert rankings.percent_text(Fraction(7, 8)) == "87.5%"
    assert rankings.percent_text(Fraction(3, 4)) == "75%"
    assert rankings.percent_text(Fraction(2, 3)) == "66.7%"
    assert rankings.percent_text(None) == "—"


def test_rectification_leaves_out_rejected_duplicate_and_parked_problems() -> None:
    rows = [
        (1, ProblemState.CLOSED, 3),
        (1, ProblemState.DISPATCHED, 1),
        (1, ProblemState.REJECTED, 5),
        (1, ProblemState.DUPLICATE, 2),
        (1, ProblemState.PARKED, 1),
        (2, ProblemState.REJECTED, 1),
    ]
    result = rankings.rectification_from(rows)
    assert result[1].rate == Fraction(3, 4)
    assert 2 not in result


# --- per round -------------------------------------------------------------------------


def test_tied_units_share_a_rank_listed_by_code_and_the_next_rank_is_skipped(
    world: World, groups: list[InspectionGroup], make_round: MakeRound
) -> None:
    round_ = make_round(1)
    a, b, c, d = make_units(4)
    for unit, total in ((d, 90), (c, "85.5"), (b, "85.5"), (a, 70)):
        inspect(round_, unit, groups[0], total)
    ranking = ranking_for(Span.round(1))
    assert codes(ranking.ranked) == [d.code, b.code, c.code, a.code]
    assert [s.rank for s in ranking.ranked] == [1, 2, 2, 4]
    assert [s.total for s in ranking.ranked] == [90, Decimal("85.5"), Decimal("85.5"), 70]


def test_criterion_scores_add_up_to_the_total_and_checks_give_the_achievement_rate(
    world: World, groups: list[InspectionGroup], make_round: MakeRound
) -> None:
    round_ = make_round(1)
    (unit,) = make_units(1)
    inspect(
        round_,
        unit,
        groups[0],
        criteria={"awareness": "22.5", "organisation": 40, "results": 25},
        failed_checks=1,
    )
    ranking = ranking_for(Span.round(1))
    assert [(c.code, c.max_score) for c in ranking.criteria] == [
        ("awareness", 25),
        ("organisation", 45),
        ("results", 30),
    ]
    (standing,) = ranking.ranked
    assert standing.criterion_scores == [Decimal("22.5"), 40, 25]
    assert standing.total == Decimal("87.5")
    assert standing.grade == Grade.GOOD
    assert standing.achievement_rate == Fraction(3, 4)


def test_the_ranking_grades_by_the_current_thresholds(
    world: World, groups: list[InspectionGroup], make_round: MakeRound
) -> None:
    round_ = make_round(1)
    (unit,) = make_units(1)
    inspect(round_, unit, groups[0], 85)
    assert ranking_for(Span.round(1)).ranked[0].grade == Grade.GOOD
    _rules(excellent_min=95, good_min=88, fair_min=70)
    assert ranking_for(Span.round(1)).ranked[0].grade == Grade.FAIR


def test_assigned_units_without_a_submitted_inspection_are_listed_as_not_inspected(
    world: World, groups: list[InspectionGroup], make_round: MakeRound
) -> None:
    round_ = make_round(1)
    done, drafting, untouched = make_units(3)
    inspect(round_, done, groups[0], 80)
    inspect(round_, drafting, groups[1], 60, status=InspectionStatus.DRAFT)
    round_.assignments.create(unit=untouched, group=groups[2])
    ranking = ranking_for(Span.round(1))
    assert codes(ranking.ranked) == [done.code]
    assert [(n.unit.code, n.group_name, n.has_draft) for n in ranking.not_inspected] == [
        (drafting.code, groups[1].name, True),
        (untouched.code, groups[2].name, False),
    ]
    assert ranking.provisional  # the round is still open


def test_a_round_asking_for_more_inspections_than_a_unit_has_ranks_nobody(
    world: World, groups: list[InspectionGroup], make_round: MakeRound
) -> None:
    _rules(min_inspections=2)
    round_ = make_round(1)
    first, second = make_units(2)
    inspect(round_, first, groups[0], 70)
    inspect(round_, second, groups[0], 95)
    ranking = ranking_for(Span.round(1))
    assert ranking.ranked == []
    assert codes(ranking.not_enough) == [second.code, first.code]
    assert ranking.not_enough[0].rank is None
    assert ranking.red == [] and ranking.black == []


def test_the_change_compares_with_the_rank_in_the_round_before(
    world: World, groups: list[InspectionGroup], make_round: MakeRound
) -> None:
    one = make_round(1, status=RoundStatus.CLOSED)
    make_round(2, status=RoundStatus.PLANNED, start=dt.date(2021, 7, 29))
    three = make_round(3, start=dt.date(2021, 9, 1))
    up, down, same, new = make_units(4)
    for unit, total in ((down, 95), (up, 90), (same, 80)):
        inspect(one, unit, groups[0], total)
    for unit, total in ((up, 96), (down, 92), (same, 70), (new, 99)):
        inspect(three, unit, groups[1], total)
    ranking = ranking_for(Span.round(3))
    assert ranking.previous == Span.round(1)  # the planned round 2 is skipped
    standings = _by_code(ranking)
    assert (standings[up.code].rank, standings[up.code].change) == (2, 0)
    assert (standings[down.code].previous_rank, standings[down.code].change) == (1, -2)
    assert standings[same.code].change == -1
    assert (standings[new.code].rank, standings[new.code].change) == (1, None)
    assert all(s.change is None for s in ranking_for(Span.round(1)).ranked)


# --- cumulative ------------------------------------------------------------------------


def test_cumulative_ranks_the_average_of_units_with_enough_inspections(
    world: World, groups: list[InspectionGroup], make_round: MakeRound
) -> None:
    _rules(cumulative_min_inspections=2)
    one, two = make_round(1), make_round(2)
    steady, mixed, lucky, late = make_units(4)
    inspect(one, steady, groups[0], 86)
    inspect(two, steady, groups[0], 84)
    inspect(one, mixed, groups[1], 95)
    inspect(two, mixed, groups[1], 75)
    inspect(one, lucky, groups[2], 100)  # one lucky check cannot top the list
    inspect(two, late, groups[2], "70.5")
    inspect(one, late, groups[2], 70)
    ranking = ranking_for(Span.until_round(2))
    assert [(s.unit.code, s.total, s.rank) for s in ranking.ranked] == [
        (steady.code, 85, 1),  # tied: by unit code
        (mixed.code, 85, 1),
        (late.code, Decimal("70.25"), 3),
    ]
    assert [(s.unit.code, s.inspections) for s in ranking.not_enough] == [(lucky.code, 1)]
    # "up to round 1" needs two inspections too: nobody was ranked, so no change.
    assert all(s.change is None for s in ranking.ranked)
    assert ranking.previous == Span.until_round(1)


def test_cumulative_change_compares_with_the_ranking_up_to_the_round_before(
    world: World, groups: list[InspectionGroup], make_round: MakeRound
) -> None:
    _rules(cumulative_min_inspections=1)
    one, two = make_round(1), make_round(2)
    a, b = make_units(2)
    inspect(one, a, groups[0], 90)
    inspect(one, b, groups[0], 80)
    inspect(two, b, groups[0], 100)
    inspect(two, a, groups[0], 80)
    standings = _by_code(ranking_for(Span.until_round(2)))
    assert (standings[b.code].rank, standings[b.code].change) == (1, 1)
    assert (standings[a.code].rank, standings[a.code].change) == (2, -1)


def test_a_period_counts_the_inspections_dated_within_it(
    world: World, groups: list[InspectionGroup], make_round: MakeRound
) -> None:
    _rules(cumulative_min_inspections=1)
    one, two = make_round(1), make_round(2)
    a, b = make_units(2)
    inspect(one, a, groups[0], 90, date=dt.date(2021, 7, 5))
    inspect(two, a, groups[0], 70, date=dt.date(2021, 8, 5))
    inspect(two, b, groups[0], 80, date=dt.date(2021, 8, 6))
    ranking = ranking_for(Span.period(dt.date(2021, 8, 1), dt.date(2021, 8, 31)))
    assert [(s.unit.code, s.total, s.inspections) for s in ranking.ranked] == [
        (b.code, 80, 1),
        (a.code, 70, 1),
    ]
    assert ranking.previous is None and ranking.ranked[0].change is None


def test_the_criterion_average_skips_inspections_whose_checklist_lacks_it(
    world: World, groups: list[InspectionGroup], make_round: MakeRound
) -> None:
    _rules(cumulative_min_inspections=1)
    one = make_round(1)
    (unit,) = make_units(1)
    inspect(one, unit, groups[0], criteria={"awareness": 20, "organisation": 40, "results": 30})
    rows, _all = rankings.load_scores(Span.until_round(1))
    later = rankings.InspectionScores(
        unit=rows[0].unit, round_number=2, criteria={"awareness": Decimal(10)}
    )
    ranked, _rest = rankings.standings_from(
        [*rows, later],
        rules=ranking_rules(),
        min_inspections=1,
        criteria_of_round={1: {"awareness", "organisation", "results"}, 2: {"awareness"}},
    )
    assert ranked[0].criteria == {"awareness": 15, "organisation": 40, "results": 30}
    assert ranked[0].total == 50  # (90 + 10) / 2


# --- red and black lists ---------------------------------------------------------------


def test_red_needs_a_top_place_and_good_rectification_black_takes_bottom_and_poor_rectification(
    world: World, groups: list[InspectionGroup], make_round: MakeRound
) -> None:
    _rules(red_top=2, black_bottom=1, red_min_rectification="0.9", black_max_rectification="0.85")
    round_ = make_round(1)
    top, second, third, fourth, last = make_units(5)
    community = world.community_a1
    closed, open_ = ProblemState.CLOSED, ProblemState.DISPATCHED
    for unit, total in ((top, 98), (second, 95), (third, 90), (fourth, 85), (last, 60)):
        inspect(round_, unit, groups[0], total)
    # top: 1 of 2 rectified → black although first; second: none raised → neutral.
    rectification(top.inspections.get(), community, [closed, open_])
    # third: 9 of 10, not rejected ones → would be red, but third place is past red_top.
    rectification(third.inspections.get(), community, [closed] * 9 + [open_, "rejected"])
    # fourth: 6 of 7 (85.7 %) → neither list.
    rectification(fourth.inspections.get(), community, [closed] * 6 + [open_])
    ranking = ranking_for(Span.round(1))
    assert codes(ranking.red) == [second.code]
    assert codes(ranking.black) == [last.code, top.code]  # worst first
    standings = _by_code(ranking)
    assert standings[top.code].black_reasons == (rankings.LOW_RECTIFICATION,)
    assert standings[last.code].black_reasons == (rankings.BOTTOM,)
    assert standings[third.code].rectification.rate == Fraction(9, 10)
    assert standings[third.code].list_name == ""
    assert standings[fourth.code].list_name == ""
    assert standings[second.code].rectification.rate is None


def test_every_unit_tied_at_a_cut_off_is_on_the_list(
    world: World, groups: list[InspectionGroup], make_round: MakeRound
) -> None:
    _rules(red_top=2, black_bottom=1)
    round_ = make_round(1)
    units = make_units(6)
    for unit, total in zip(units, (95, 90, 90, 80, 70, 70), strict=True):
        inspect(round_, unit, groups[0], total)
    ranking = ranking_for(Span.round(1))
    assert codes(ranking.red) == codes(units[:3])
    assert sorted(codes(ranking.black)) == sorted(codes(units[4:]))


def test_a_unit_meeting_both_lists_is_on_the_black_one(
    world: World, groups: list[InspectionGroup], make_round: MakeRound
) -> None:
    _rules(red_top=10, black_bottom=10)  # three ranked units: top and bottom overlap
    round_ = make_round(1)
    units = make_units(3)
    for unit, total in zip(units, (95, 90, 85), strict=True):
        inspect(round_, unit, groups[0], total)
    ranking = ranking_for(Span.round(1))
    assert ranking.red == []
    assert sorted(codes(ranking.black)) == sorted(codes(units))
    assert ranking.lists_overlap


def test_units_below_the_minimum_are_on_neither_list(
    world: World, groups: list[InspectionGroup], make_round: MakeRound
) -> None:
    _rules(cumulative_min_inspections=2, red_top=5, black_bottom=0)
    one, two = make_round(1), make_round(2)
    ranked_unit, lucky = make_units(2)
    inspect(one, ranked_unit, groups[0], 70)
    inspect(two, ranked_unit, groups[0], 72)
    inspect(one, lucky, groups[0], 100)
    rectification(lucky.inspections.get(), world.community_a1, [ProblemState.DISPATCHED])
    ranking = ranking_for(Span.until_round(2))
    assert codes(ranking.red) == [ranked_unit.code]
    assert ranking.not_enough[0].list_name == ""
    assert ranking.not_enough[0].rectification.rate == 0


def test_rectification_counts_the_findings_of_the_span_only(
    world: World, groups: list[InspectionGroup], make_round: MakeRound
) -> None:
    one, two = make_round(1), make_round(2)
    (unit,) = make_units(1)
    rectification(inspect(one, unit, groups[0], 90), world.community_a1, ["closed", "closed"])
    rectification(inspect(two, unit, groups[0], 90), world.community_a1, ["in_progress"])
    assert ranking_for(Span.round(1)).ranked[0].rectification.rate == 1
    assert ranking_for(Span.round(2)).ranked[0].rectification.rate == 0
    assert ranking_for(Span.until_round(2)).ranked[0].rectification == rankings.Rectification(
        closed=2, counted=3
    )


# --- cost ------------------------------------------------------------------------------


def _queries(span: Span) -> int:
    with CaptureQueriesContext(connection) as captured:
        ranking_for(span)
    return len(captured)


def test_the_ranking_costs_the_same_queries_for_3_or_15_units(
    world: World, groups: list[InspectionGroup], make_round: MakeRound
) -> None:
    one, two = make_round(1), make_round(2)
    units = make_units(15)

    def fill(batch: list[Any]) -> None:
        for n, unit in enumerate(batch):
            for round_ in (one, two):
                inspection = inspect(round_, unit, groups[n % 3], 60 + n, failed_checks=n % 2)
                rectification(inspection, world.community_a1, ["closed", "dispatched"])

    fill(units[:3])
    small = (_queries(Span.round(2)), _queries(Span.until_round(2)))
    fill(units[3:])
    assert (_queries(Span.round(2)), _queries(Span.until_round(2))) == small
    assert max(small) <= 12
