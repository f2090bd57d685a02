"""Fixtures for the problem ledger: seeded categories and problems in any state."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest

from gongzhi.problems import services
from gongzhi.problems.models import Category, Dispatch, Problem, ProblemState
from tests.factories import World


@pytest.fixture
def categories(db: None) -> None:
    services.categories_seed()


@pytest.fixture
def make_problem(world: World) -> Callable[..., Problem]:
    """``make_problem(state, **fields)``: a problem in community a1, dispatched to unit_a.

    Built directly (not through the workflow) so a test can start from any state.
    """
    counter = iter(range(1, 10_000))
    # One category, as seeded (3 working days), without seeding all of them per test.
    category, _ = Category.objects.get_or_create(
        code="piled_debris",
        defaults={"name": "乱堆乱放杂物", "group": "four_cleanups", "deadline_working_days": 3},
    )

    def make(state: str = ProblemState.REPORTED, **fields: Any) -> Problem:
        n = next(counter)
        values: dict[str, Any] = {
            "number": f"2026-9{n:05d}",
            "description": "楼下堆满杂物",
            "category": category,
            "source": "community_patrol",
            "community": world.community_a1,
            "state": state,
            "reporter_name": "李四",
            "reporter_phone": "13912345678",
        }
        if state not in (ProblemState.REPORTED, ProblemState.ACCEPTED):
            values["deadline"] = dt.date(2026, 10, 10)
        values.update(fields)
        problem = Problem.objects.create(**values)
        if state not in (ProblemState.REPORTED, ProblemState.ACCEPTED):
            Dispatch.objects.create(problem=problem, unit=world.unit_a)
        return problem

    return make
