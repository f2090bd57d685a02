"""Fixtures of the attendance, plan and session page tests: sessions relative to today,
the seeded categories, ledger problems in community a1, and logged-in clients.

A test module imports the ``*_fixture`` functions it uses; pytest knows them by the
name given to ``@pytest.fixture`` (``held``, ``seeded``…)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from gongzhi.campaigns.models import Session
from gongzhi.problems import services as problem_services
from gongzhi.problems.models import Category, Dispatch, Problem, ProblemState
from tests.factories import World


def days_ago(n: int) -> dt.date:
    return timezone.localdate() - dt.timedelta(days=n)


@pytest.fixture(name="seeded")
def seeded_fixture(db: None) -> None:
    """The category taxonomy of the problem ledger (the task categories)."""
    problem_services.categories_seed()


@pytest.fixture(name="held")
def held_fixture(make_session: Callable[..., Session]) -> Session:
    """A session held two days ago (inside the edit window)."""
    return make_session(days_ago(2))


@pytest.fixture(name="client_of")
def client_of_fixture(world: World) -> Callable[[str], Client]:
    """``client_of(role)``: a test client logged in as the world's user of that role."""

    def make(role: str) -> Client:
        client = Client()
        client.force_login(world.users[role])
        return client

    return make


@pytest.fixture(name="ledger_problem")
def ledger_problem_fixture(world: World, seeded: None) -> Callable[..., Problem]:
    """``ledger_problem(state, **fields)``: a problem in community a1 dispatched to unit_a
    (from *dispatched* on), built directly so a test can start from any state."""
    counter = iter(range(1, 10_000))
    category = Category.objects.get(code="piled_debris")

    def make(state: str = ProblemState.DISPATCHED, **fields: Any) -> Problem:
        values: dict[str, Any] = {
            "number": f"2026-8{next(counter):05d}",
            "description": "楼道堆放杂物",
            "category": category,
            "source": "community_patrol",
            "community": world.community_a1,
            "state": state,
        }
        values.update(fields)
        problem = Problem.objects.create(**values)
        if state not in (ProblemState.REPORTED, ProblemState.ACCEPTED):
            Dispatch.objects.create(problem=problem, unit=world.unit_a)
        return problem

    return make
