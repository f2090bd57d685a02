"""Property tests of the problem ledger's API against its OpenAPI schema (schemathesis).

The whole-API fuzz test rarely names a real problem; here path numbers and the
codes a body refers to are often real (problems in several states, the
seeded categories, the world's communities and units, the workflow's actions),
so generated input reaches the services behind the routes. Every answer must
be no server error, a declared status and a body matching its schema.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis import Case
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from gongzhi.core import services as core_services
from gongzhi.problems import workflow
from gongzhi.problems.models import Problem, ProblemState
from tests.factories import World

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())
ledger = schema.include(path_regex=r"/(problems|categories)")
S = ProblemState

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]

FUZZ = settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
    database=None,
)


@pytest.fixture
def wsgi_keeps_connection() -> Iterator[None]:
    """Keep the test's connection open across in-process WSGI requests (see tests/api)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def known(
    world: World, categories: None, make_problem: Callable[..., Problem]
) -> dict[str, list[Any]]:
    """Values a generated request may name: real problems, codes and actions."""
    original = make_problem(S.ACCEPTED)
    problems = [
        make_problem(),
        original,
        make_problem(S.DISPATCHED, duplicate_of=original),
        make_problem(S.IN_PROGRESS, lat=31.69, lng=113.38),
        make_problem(S.HANDLED),
        make_problem(S.CLOSED),
    ]
    return {
        "number": [p.number for p in problems],
        "action": list(workflow.ACTIONS),
        "category_code": ["piled_debris", "river_pond_cleanup"],
        "community_code": [world.community_a1.code, world.community_b1.code],
        "unit_codes": [[world.unit_a.code], [world.unit_b.code, world.unit_free.code]],
        "duplicate_of": [original.number],
        "source": ["community_patrol", "hotline_12345"],
        "rating": ["satisfied", "dissatisfied"],
        "deadline": ["2030-01-15", "2001-01-01"],
        "version": [1],
    }


def aim_at_real_values(case: Case, data: st.DataObject, known: dict[str, list[Any]]) -> None:
    """Half the time, replace a path number or a body field by a value the world holds."""
    for name in list(case.path_parameters or {}):
        if name in known and data.draw(st.booleans(), label=f"real {name}"):
            case.path_parameters[name] = data.draw(st.sampled_from(known[name]), label=name)
    if isinstance(case.body, dict):
        for name in list(case.body):
            if name in known and data.draw(st.booleans(), label=f"real {name}"):
                case.body[name] = data.draw(st.sampled_from(known[name]), label=name)


@pytest.mark.django_db
@pytest.mark.usefixtures("wsgi_keeps_connection")
@ledger.given(data=st.data())
@ledger.parametrize()
@FUZZ
@pytest.mark.parametrize("role", ["office", "community", "unit"])
def test_every_ledger_operation_answers_as_its_schema_says(
    case: Case, data: st.DataObject, known: dict[str, list[Any]], world: World, role: str
) -> None:
    aim_at_real_values(case, data, known)
    key = core_services.api_token_create(user=world.users[role], name="fuzz")
    case.call_and_validate(headers={"Authorization": f"Bearer {key}"}, checks=CHECKS)
