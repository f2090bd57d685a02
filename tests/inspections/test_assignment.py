"""The balanced assignment of units to groups (pure algorithm, no database).

Rules: every unit exactly once, group loads within one, no group gets a unit one of
its people belongs to, and as few units as possible keep last round's group. Small
cases are checked against a brute-force optimum.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gongzhi.inspections.assignment import (
    EVERY_GROUP_CONFLICTS,
    NO_GROUPS,
    NOT_BALANCED,
    AssignmentError,
    assign,
    loads,
    repeats,
)

Case = tuple[list[str], list[str], dict[str, str], dict[str, set[str]]]


@st.composite
def cases(draw: st.DrawFn, max_units: int, max_groups: int, conflict_rate: float = 0.3) -> Case:
    """Units, groups, last round's groups of some units, and each group's own units."""
    n = draw(st.integers(0, max_units), label="units")
    g = draw(st.integers(1, max_groups), label="groups")
    units = [f"u{i}" for i in range(n)]
    groups = [f"g{j}" for j in range(g)]
    previous = {
        unit: group
        for unit in units
        if (group := draw(st.sampled_from([None, *groups]), label=f"previous {unit}")) is not None
    }
    own: dict[str, set[str]] = {}
    for group in groups:
        flags = draw(
            st.lists(st.floats(0, 1), min_size=n, max_size=n), label=f"conflicts of {group}"
        )
        own[group] = {unit for unit, flag in zip(units, flags, strict=True) if flag < conflict_rate}
    return units, groups, previous, own


def balanced(result: Mapping[str, str], groups: list[str]) -> bool:
    counted = loads(result, groups).values()
    return max(counted) - min(counted) <= 1


def no_conflicts(result: Mapping[str, str], own: dict[str, set[str]]) -> bool:
    return all(unit not in own.get(group, set()) for unit, group in result.items())


def brute_force(
    units: list[str], groups: list[str], previous: dict[str, str], own: dict
) -> int | None:
    """The fewest repeats of any assignment that keeps the hard rules, or None if none does."""
    best = None
    for choice in itertools.product(groups, repeat=len(units)):
        result = dict(zip(units, choice, strict=True))
        if units and not balanced(result, groups):
            continue
        if not no_conflicts(result, own):
            continue
        found = repeats(result, previous)
        best = found if best is None else min(best, found)
    return best


@given(cases(max_units=6, max_groups=3))
@settings(max_examples=300, deadline=None)
def test_small_cases_match_the_brute_force_optimum(case: Case) -> None:
    units, groups, previous, own = case
    optimum = brute_force(units, groups, previous, own)
    if optimum is None:
        with pytest.raises(AssignmentError) as caught:
            assign(units, groups, previous=previous, own_unit=own)
        assert caught.value.units and set(caught.value.units) <= set(units)
        return
    result = assign(units, groups, previous=previous, own_unit=own)
    assert sorted(result) == sorted(units)
    assert not units or balanced(result, groups)
    assert no_conflicts(result, own)
    assert repeats(result, previous) == optimum


@given(cases(max_units=60, max_groups=8, conflict_rate=0.05), st.integers(0, 10))
@settings(max_examples=150, deadline=None)
def test_larger_cases_keep_every_rule_or_name_the_units_that_break_them(
    case: Case, seed: int
) -> None:
    units, groups, previous, own = case
    try:
        result = assign(units, groups, previous=previous, own_unit=own, seed=seed)
    except AssignmentError as exc:
        assert exc.units, "the error names the units"
        if exc.reason == EVERY_GROUP_CONFLICTS:
            assert all(all(u in own[g] for g in groups) for u in exc.units)
        else:
            assert exc.reason == NOT_BALANCED
        return
    assert sorted(result) == sorted(units), "every unit exactly once"
    assert not units or balanced(result, groups)
    assert no_conflicts(result, own)
    assert not improving_change(result, groups, previous, own), "repeats are minimal"


def improving_change(
    result: dict[str, str], groups: list[str], previous: dict[str, str], own: dict
) -> tuple[str, ...] | None:
    """A swap of two units, or a move of one unit to a lighter group, that keeps the hard
    rules and lowers the repeats (none exists in an optimal assignment)."""

    def cost(unit: str, group: str) -> int:
        if unit in own.get(group, set()):
            return 10_000
        return 1 if previous.get(unit) == group else 0

    counted = loads(result, groups)
    low = min(counted.values()) if counted else 0
    for unit, group in result.items():
        for other in groups:
            movable = counted[group] > low and counted[other] == low and other != group
            if movable and cost(unit, other) < cost(unit, group):
                return (unit, other)
    for (a, ga), (b, gb) in itertools.combinations(result.items(), 2):
        if ga != gb and cost(a, gb) + cost(b, ga) < cost(a, ga) + cost(b, gb):
            return (a, b)
    return None


@st.composite
def solvable_cases(draw: st.DrawFn) -> tuple[Case, dict[str, str]]:
    """A case built around a hidden assignment that keeps the hard rules: conflicts are
    only drawn where the hidden assignment does not place the unit."""
    n = draw(st.integers(1, 80), label="units")
    g = draw(st.integers(1, 9), label="groups")
    units = [f"u{i}" for i in range(n)]
    groups = [f"g{j}" for j in range(g)]
    order = draw(st.permutations(units), label="dealing order")
    hidden = {unit: groups[i % g] for i, unit in enumerate(order)}
    previous = {
        unit: group
        for unit in units
        if (group := draw(st.sampled_from([None, *groups]), label=f"previous {unit}")) is not None
    }
    own: dict[str, set[str]] = {group: set() for group in groups}
    for unit in units:
        others = [group for group in groups if group != hidden[unit]]
        own_groups = draw(st.lists(st.sampled_from(others), unique=True) if others else st.just([]))
        for group in own_groups:
            own[group].add(unit)
    return (units, groups, previous, own), hidden


@given(solvable_cases(), st.integers(0, 10))
@settings(max_examples=150, deadline=None)
def test_when_an_assignment_keeping_the_rules_exists_one_is_found_with_no_more_repeats(
    built: tuple[Case, dict[str, str]], seed: int
) -> None:
    (units, groups, previous, own), hidden = built
    result = assign(units, groups, previous=previous, own_unit=own, seed=seed)
    assert sorted(result) == sorted(units)
    assert balanced(result, groups)
    assert no_conflicts(result, own)
    assert repeats(result, previous) <= repeats(hidden, previous)


def test_the_same_inputs_and_seed_give_the_same_assignment() -> None:
    units = [f"u{i}" for i in range(40)]
    groups = [f"g{j}" for j in range(6)]
    first = assign(units, groups, previous=None, own_unit={}, seed=4)
    assert assign(units, groups, previous=None, own_unit={}, seed=4) == first
    others = {
        tuple(sorted(assign(units, groups, previous=None, own_unit={}, seed=s).items()))
        for s in range(5)
    }
    assert len(others) > 1, "different seeds spread the units differently"


def test_the_reference_case_102_units_and_10_groups_gets_loads_of_10_and_11() -> None:
    units = list(range(102))
    groups = list(range(10))
    result = assign(units, groups, previous=None, own_unit={0: {0, 1, 2}})
    assert sorted(loads(result, groups).values()) == [10] * 8 + [11] * 2
    assert result[0] != 0 and result[1] != 0 and result[2] != 0
    again = assign(units, groups, previous=result, own_unit={}, seed=2)
    assert repeats(again, result) == 0


def test_a_unit_every_group_has_a_member_from_is_named() -> None:
    with pytest.raises(AssignmentError) as caught:
        assign(["a", "b"], ["g1", "g2"], previous=None, own_unit={"g1": {"b"}, "g2": {"b"}})
    assert caught.value.reason == EVERY_GROUP_CONFLICTS
    assert caught.value.units == ["b"]


def test_conflicts_that_only_unbalanced_loads_avoid_are_refused_naming_the_units() -> None:
    # Both units may only go to g1, but loads within one put one unit in each group.
    with pytest.raises(AssignmentError) as caught:
        assign(["a", "b"], ["g1", "g2"], previous=None, own_unit={"g2": {"a", "b"}})
    assert caught.value.reason == NOT_BALANCED
    assert set(caught.value.units) <= {"a", "b"} and caught.value.units


def test_no_groups_is_an_error_and_no_units_is_an_empty_assignment() -> None:
    with pytest.raises(AssignmentError) as caught:
        assign(["a"], [], previous=None, own_unit={})
    assert caught.value.reason == NO_GROUPS
    assert assign([], ["g1"], previous=None, own_unit={}) == {}


def test_a_unit_listed_twice_is_assigned_once() -> None:
    result = assign(["a", "a", "b"], ["g1", "g2"], previous=None, own_unit={})
    assert sorted(result) == ["a", "b"]
    assert set(result.values()) == {"g1", "g2"}
