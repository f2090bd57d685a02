"""Two transitions based on the same version: exactly one wins, the loser writes nothing.

On PostgreSQL the two also run in parallel threads; SQLite serialises writers
(and its test database is not shared between threads), so there they run one
after the other.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection, connections

from gongzhi.problems import services
from gongzhi.problems.models import Problem, ProblemEvent, ProblemState
from gongzhi.problems.services import ConflictError
from tests.factories import World, build_world


def test_the_second_transition_on_the_same_version_is_a_conflict(
    world: World, make_problem: Callable[..., Problem]
) -> None:
    problem = make_problem(ProblemState.REPORTED)
    services.problem_transition(
        user=world.users["community"],
        problem_number=problem.number,
        action="accept",
        expected_version=1,
    )
    with pytest.raises(ConflictError, match="changed by someone else"):
        services.problem_transition(
            user=world.users["office"],
            problem_number=problem.number,
            action="accept",
            expected_version=1,
        )
    problem.refresh_from_db()
    assert (problem.state, problem.version) == (ProblemState.ACCEPTED, 2)
    assert ProblemEvent.objects.filter(problem=problem).count() == 1


def test_a_stale_dispatch_writes_no_units_and_no_event(
    world: World, make_problem: Callable[..., Problem]
) -> None:
    problem = make_problem(ProblemState.ACCEPTED)
    Problem.objects.filter(pk=problem.pk).update(version=5)
    with pytest.raises(ConflictError):
        services.problem_transition(
            user=world.users["community"],
            problem_number=problem.number,
            action="dispatch",
            expected_version=1,
            unit_codes=[world.unit_a.code],
        )
    assert not problem.dispatches.exists()
    assert not ProblemEvent.objects.filter(problem=problem).exists()


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_transitions_exactly_one_succeeds() -> None:
    parallel = connection.vendor == "postgresql"
    world = build_world()
    services.categories_seed()
    problem = services.problem_report(
        user=world.users["community"],
        category_code="piled_debris",
        source="community_patrol",
        description="杂物堆积",
        community_code=world.community_a1.code,
    )
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def act(role: str, action: str) -> None:
        try:
            if parallel:
                barrier.wait()
            services.problem_transition(
                user=world.users[role],
                problem_number=problem.number,
                action=action,
                expected_version=1,
                note="不属于环境问题",
            )
            outcomes.append("won")
        except ConflictError:
            outcomes.append("conflict")
        except Exception as exc:  # noqa: BLE001 - reported in the assertion
            outcomes.append(repr(exc))
        finally:
            if parallel:
                connections.close_all()

    jobs: list[Any] = [("community", "accept"), ("district", "reject")]
    if parallel:
        threads = [threading.Thread(target=act, args=job) for job in jobs]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    else:
        for job in jobs:
            act(*job)
    assert sorted(outcomes) == ["conflict", "won"]
    problem.refresh_from_db()
    assert problem.version == 2
    assert problem.state in (ProblemState.ACCEPTED, ProblemState.REJECTED)
    actions = list(problem.events.values_list("action", flat=True))
    assert actions in (["report", "accept"], ["report", "reject"])


@pytest.mark.django_db(transaction=True)
def test_concurrent_reports_get_distinct_numbers() -> None:
    parallel = connection.vendor == "postgresql"
    world = build_world()
    services.categories_seed()
    numbers: list[str] = []
    barrier = threading.Barrier(4)

    def report() -> None:
        try:
            if parallel:
                barrier.wait()
            p = services.problem_report(
                user=world.users["office"],
                category_code="household_garbage",
                source="other",
                description="垃圾",
                community_code=world.community_a1.code,
            )
            numbers.append(p.number)
        finally:
            if parallel:
                connections.close_all()

    if parallel:
        threads = [threading.Thread(target=report) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    else:
        for _ in range(4):
            report()
    assert len(set(numbers)) == 4
    assert sorted(int(n.split("-")[1]) for n in numbers) == [1, 2, 3, 4]
