"""The workflow table, exhaustively: every state × action × role.

Each case starts from a problem in community a1 dispatched to unit_a, gives
every piece of evidence any action could need, and checks that the table's
answer is what happens: the new state and one event, or a refusal with a
clear message and nothing changed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404

from gongzhi.problems import services, workflow
from gongzhi.problems.models import PendingRequest, Problem, ProblemEvent, ProblemState
from tests.core.photo_samples import camera_jpeg
from tests.factories import World

PHOTO = camera_jpeg()

ROLES = [
    "office",
    "leader",
    "district",
    "street",
    "community",
    "unit",
    "inspector",
    "member",
    "nobody",
    "reporter",
]
ACTOR_OF_ROLE = {
    "office": "office",
    "district": "district",
    "street": "street",
    "community": "community",
    "unit": "unit",
    "reporter": "reporter",
}
#: Roles that cannot even see a problem of community a1 (the unit liaison sees it
#: only once it is dispatched to unit_a).
BLIND = {"inspector", "member", "nobody"}


def _setup_for(action: str) -> dict[str, Any]:
    if action in ("approve_extension", "reject_extension"):
        return {
            "pending_request": PendingRequest.EXTENSION,
            "requested_deadline": dt.date(2026, 12, 20),
        }
    if action in ("approve_park", "reject_park"):
        return {"pending_request": PendingRequest.PARK}
    return {}


@pytest.mark.parametrize("action", workflow.ACTIONS)
@pytest.mark.parametrize("state", ProblemState.values)
def test_each_state_action_and_role_gets_the_tables_answer(
    world: World, make_problem: Callable[..., Problem], state: str, action: str
) -> None:
    problem = make_problem(state, **_setup_for(action))
    original = make_problem(ProblemState.ACCEPTED)
    for role in ROLES:
        # Each role tries on the same starting point: its attempt is rolled back.
        with transaction.atomic():
            try:
                _attempt(world, problem, original, state, action, role)
            except AssertionError as failure:
                raise AssertionError(f"{state} × {action} × {role}: {failure}") from failure
            transaction.set_rollback(True)


def _attempt(
    world: World, problem: Problem, original: Problem, state: str, action: str, role: str
) -> None:
    user = None if role == "reporter" else world.users[role]
    t = workflow.TRANSITIONS[action]
    allowed = state in t.from_states and ACTOR_OF_ROLE.get(role) in t.actors
    call: dict[str, Any] = {
        "user": user,
        "problem_number": problem.number,
        "action": action,
        "expected_version": problem.version,
        "note": "现场已清理",
        "unit_codes": [world.unit_a.code],
        "deadline": dt.date(2026, 12, 31),
        "duplicate_of": original.number,
        "rating": "satisfied",
        "photos": [PHOTO],
    }
    if allowed:
        result = services.problem_transition(**call)
        assert result.state == (t.to_state or state)
        assert result.version == problem.version + 1
        event = ProblemEvent.objects.get(problem=problem)
        assert (event.action, event.from_state, event.to_state) == (action, state, result.state)
        assert event.actor == user
        return
    if role in BLIND or (role == "unit" and not problem.dispatches.exists()):
        with pytest.raises(Http404):
            services.problem_transition(**call)
    elif ACTOR_OF_ROLE.get(role) not in t.actors:
        with pytest.raises(PermissionDenied, match="cannot"):
            services.problem_transition(**call)
    else:
        with pytest.raises(ValidationError) as refused:
            services.problem_transition(**call)
        message = refused.value.message_dict["action"][0]
        assert f"cannot {workflow.action_verb(action)} a problem that is" in message
    fresh = Problem.objects.get(pk=problem.pk)
    assert fresh.state == state
    assert fresh.version == 1
    assert not ProblemEvent.objects.filter(problem=problem).exists()
