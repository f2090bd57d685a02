"""Who sees which problems, and whose phone is masked."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from gongzhi.problems import services
from gongzhi.problems.models import Dispatch, Problem, ProblemState
from gongzhi.problems.queries import problems_visible_to, reporter_phone_for
from tests.factories import World


@pytest.fixture
def ledger(world: World, make_problem: Callable[..., Problem]) -> dict[str, Problem]:
    """a1 dispatched to unit_a, a2 not dispatched, b1 dispatched to unit_b, b2 reported."""
    b1 = make_problem(ProblemState.REPORTED, community=world.community_b1)
    Dispatch.objects.create(problem=b1, unit=world.unit_b)
    return {
        "a1": make_problem(ProblemState.DISPATCHED),
        "a2": make_problem(ProblemState.ACCEPTED, community=world.community_a2),
        "b1": b1,
        "b2": make_problem(ProblemState.REPORTED, community=world.community_b2),
    }


@pytest.mark.parametrize(
    ("role", "visible"),
    [
        ("office", {"a1", "a2", "b1", "b2"}),
        ("leader", {"a1", "a2", "b1", "b2"}),
        ("district", {"a1", "a2"}),
        ("street", {"a1", "a2"}),
        ("community", {"a1"}),
        ("unit", {"a1"}),
        ("inspector", set()),
        ("member", set()),
        ("nobody", set()),
    ],
)
def test_each_role_sees_the_problems_of_its_scope(
    world: World, ledger: dict[str, Problem], role: str, visible: set[str]
) -> None:
    seen = set(problems_visible_to(world.users[role]))
    assert seen == {ledger[key] for key in visible}


def test_anonymous_visitors_see_no_ledger(ledger: dict[str, Problem]) -> None:
    assert not problems_visible_to(None).exists()


def test_an_inspector_sees_the_findings_they_recorded(world: World, categories: None) -> None:
    finding = services.problem_report(
        user=world.users["inspector"],
        category_code="illegal_flyers",
        source="inspection",
        description="楼道小广告未清理",
        community_code=world.community_b2.code,
    )
    assert list(problems_visible_to(world.users["inspector"])) == [finding]


def test_the_ledger_query_count_does_not_grow_with_rows(
    world: World, ledger: dict[str, Problem], django_assert_max_num_queries: Callable[..., object]
) -> None:
    user = world.users["unit"]
    with django_assert_max_num_queries(2):  # the grants, then the problems
        rows = [(p.number, p.category.name, p.community.name) for p in problems_visible_to(user)]
    assert len(rows) == 1


@pytest.mark.parametrize(
    ("role", "full"),
    [
        ("office", True),
        ("district", True),
        ("street", True),
        ("community", True),
        ("leader", False),
        ("unit", False),
    ],
)
def test_the_reporters_phone_is_masked_for_roles_that_do_not_call_back(
    world: World, ledger: dict[str, Problem], role: str, full: bool
) -> None:
    phone = reporter_phone_for(world.users[role], ledger["a1"])
    assert phone == ("13912345678" if full else "139****5678")
