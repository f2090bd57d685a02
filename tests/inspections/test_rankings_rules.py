"""Changing the ranking rules: office only, validated as a whole, with history."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from gongzhi.inspections.models import RankingRules
from gongzhi.inspections.services_rules import ranking_rules_update
from tests.factories import World

pytestmark = pytest.mark.django_db


def _errors(world: World, **changes: Any) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as caught:
        ranking_rules_update(world.users["office"], **changes)
    return caught.value.message_dict


def test_the_office_changes_some_rules_and_the_others_stay(world: World) -> None:
    rules = ranking_rules_update(
        world.users["office"], red_top="5", black_max_rectification=0.8, excellent_min="92.5"
    )
    assert (rules.red_top, rules.black_max_rectification, rules.excellent_min) == (
        5,
        Decimal("0.8"),
        Decimal("92.5"),
    )
    assert (rules.good_min, rules.black_bottom) == (80, 10)
    latest = rules.history.first()
    assert latest.history_user == world.users["office"]
    assert latest.red_top == 5
    assert rules.history.count() == 2  # what the seeded rules were, then the change


@pytest.mark.parametrize("role", ["leader", "district", "unit", "inspector"])
def test_nobody_else_changes_the_rules(world: World, role: str) -> None:
    with pytest.raises(PermissionDenied):
        ranking_rules_update(world.users[role], red_top=3)
    assert RankingRules.objects.get().red_top == 10


def test_grades_must_keep_excellent_above_good_above_fair(world: World) -> None:
    assert "good_min" in _errors(world, good_min=90)
    assert "fair_min" in _errors(world, fair_min=85)
    assert set(_errors(world, excellent_min=50)) == {"good_min"}
    assert set(_errors(world, excellent_min="101")) == {"excellent_min"}
    assert RankingRules.objects.get().excellent_min == 90


def test_rates_lie_within_0_and_1_and_every_bad_field_is_named(world: World) -> None:
    errors = _errors(
        world,
        red_min_rectification="1.2",
        black_max_rectification="-0.1",
        min_inspections=0,
        red_top=-1,
        black_bottom="many",
        cumulative_min_inspections=True,
    )
    assert set(errors) == {
        "red_min_rectification",
        "black_max_rectification",
        "min_inspections",
        "red_top",
        "black_bottom",
        "cumulative_min_inspections",
    }
    assert "from 0 to 1" in errors["red_min_rectification"][0]
    rules = RankingRules.objects.get()
    assert (rules.red_min_rectification, rules.min_inspections) == (Decimal("0.9"), 1)


def test_more_decimals_than_a_rule_keeps_are_refused_not_rounded(world: World) -> None:
    assert "excellent_min" in _errors(world, excellent_min="90.25")
    assert "red_min_rectification" in _errors(world, red_min_rectification="0.9005")
    assert "red_top" in _errors(world, red_top="2.5")
    assert "red_min_rectification" in _errors(world, red_min_rectification="NaN")


def test_an_unknown_rule_is_named(world: World) -> None:
    assert "gold_min" in _errors(world, gold_min=95)


def test_saving_the_same_values_writes_no_history(world: World) -> None:
    before = RankingRules.history.count()
    ranking_rules_update(world.users["office"], red_top=10, good_min="80.0")
    assert RankingRules.history.count() == before
