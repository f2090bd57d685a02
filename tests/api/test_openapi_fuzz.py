"""Property tests of the REST API against its own OpenAPI schema (schemathesis).

Every operation is called with generated parameters and bodies, as the office
and (for reads) as a unit liaison, over the small city of ``tests.factories``.
Path parameters sometimes name real rows, so lookups reach the code behind
them. Each answer must be no server error, a status code the schema declares,
a declared content type, and a body matching its schema.
"""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis import Case
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())
reads = schema.include(method="GET")

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]

FUZZ = settings(
    max_examples=30,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
    database=None,
)

#: Which known values a path parameter may take, by resource and parameter name.
KNOWN = {
    ("districts", "code"): "district_codes",
    ("streets", "code"): "street_codes",
    ("communities", "code"): "community_codes",
    ("units", "code"): "unit_codes",
    ("compounds", "id"): "compound_ids",
    ("pairings", "pairing_id"): "pairing_ids",
    ("members", "member_id"): "member_ids",
    ("sessions", "session_id"): "session_ids",
    ("campaigns", "slug"): "slugs",
}


def aim_at_real_rows(case: Case, data: st.DataObject, known: dict[str, list[Any]]) -> None:
    """Half the time, replace each path parameter by a value naming a row of the world."""
    resource = case.operation.path.strip("/").split("/")[2]
    for name in list(case.path_parameters or {}):
        values = known.get(KNOWN.get((resource, name), ""), [])
        if values and data.draw(st.booleans(), label=f"real {name}"):
            case.path_parameters[name] = data.draw(st.sampled_from(values), label=name)


@pytest.mark.django_db
@schema.given(data=st.data())
@schema.parametrize()
@FUZZ
def test_every_operation_answers_as_its_schema_says_for_the_office(
    case: Case,
    data: st.DataObject,
    fuzz_world: dict[str, list[Any]],
    office_headers: dict[str, str],
) -> None:
    aim_at_real_rows(case, data, fuzz_world)
    case.call_and_validate(headers=office_headers, checks=CHECKS)


@pytest.mark.django_db
@reads.given(data=st.data())
@reads.parametrize()
@FUZZ
def test_every_read_answers_as_its_schema_says_for_a_unit_liaison(
    case: Case,
    data: st.DataObject,
    fuzz_world: dict[str, list[Any]],
    liaison_headers: dict[str, str],
) -> None:
    aim_at_real_rows(case, data, fuzz_world)
    case.call_and_validate(headers=liaison_headers, checks=CHECKS)
