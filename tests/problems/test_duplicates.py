"""Duplicate suggestions: open problems of the same category within 50 m, or similar text."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from gongzhi.problems import geo, queries
from gongzhi.problems.models import Problem, ProblemState
from tests.factories import World

pytestmark = pytest.mark.django_db

LAT, LNG = 31.7170, 113.3730
# About 1.11 m of latitude per 0.00001 degree.
METRES = 1 / 111_195


def test_distance_is_the_great_circle_distance() -> None:
    assert geo.distance_m(LAT, LNG, LAT + 45 * METRES, LNG) == pytest.approx(45, abs=0.1)


def test_open_problems_within_50_m_of_the_same_category_are_suggested(
    world: World, make_problem: Callable[..., Problem]
) -> None:
    near = make_problem(lat=LAT + 30 * METRES, lng=LNG, description="楼下堆满杂物")
    make_problem(lat=LAT + 60 * METRES, lng=LNG)  # too far
    make_problem(ProblemState.CLOSED, lat=LAT, lng=LNG)  # no longer open
    found = queries.duplicate_suggestions(
        category=near.category,
        community_id=world.community_a1.pk,
        description="楼下杂物堆积",
        lat=LAT,
        lng=LNG,
    )
    assert [s.problem for s in found] == [near]
    assert found[0].distance_m == pytest.approx(30, abs=0.5)


def test_without_a_place_similar_text_in_the_community_is_suggested(
    world: World, make_problem: Callable[..., Problem]
) -> None:
    same = make_problem(description="三栋楼下堆满杂物无人清理")
    make_problem(description="路灯不亮")
    make_problem(description="三栋楼下堆满杂物无人清理", community=world.community_a2)
    found = queries.duplicate_suggestions(
        category=same.category,
        community_id=world.community_a1.pk,
        description="三栋楼下堆满了杂物",
    )
    assert [s.problem for s in found] == [same]


def test_suggestions_respect_the_readers_scope(
    world: World, make_problem: Callable[..., Problem]
) -> None:
    near = make_problem(lat=LAT, lng=LNG)
    near.dispatches.all().delete()
    found = queries.duplicate_suggestions(
        category=near.category,
        community_id=world.community_a1.pk,
        description="x",
        lat=LAT,
        lng=LNG,
        user=world.users["unit"],  # not dispatched to unit_a: out of the liaison's scope
    )
    assert found == []
