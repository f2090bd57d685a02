"""Property tests of the REST API against its own OpenAPI schema (schemathesis).

Every operation is called with generated parameters and bodies, as the office
and (for reads) as a unit liaison, over the small city of ``tests.factories``.
Path parameters sometimes name real rows, so lookups reach the code behind
them. Each answer must be no server error, a status code the schema declares,
a declared content type, and a body matching its schema.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from django.test import Client
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis import Case
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.factories import World

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())
reads = schema.include(method="GET")

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]

FUZZ = settings(
    max_examples=25,
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
    ("attendance", "attendance_id"): "attendance_ids",
    ("check-ins", "checkin_id"): "checkin_ids",
    ("contributions", "contribution_id"): "contribution_ids",
    ("bulletins", "bulletin_id"): "bulletin_ids",
    ("imports", "job_id"): "import_job_ids",
}


def aim_at_real_rows(case: Case, data: st.DataObject, known: dict[str, list[Any]]) -> None:
    """Half the time, replace each path parameter by a value naming a row of the world."""
    resource = case.operation.path.strip("/").split("/")[2]
    for name in list(case.path_parameters or {}):
        values = known.get(KNOWN.get((resource, name), ""), [])
        if values and data.draw(st.booleans(), label=f"real {name}"):
            case.path_parameters[name] = data.draw(st.sampled_from(values), label=name)


@pytest.mark.django_db
@pytest.mark.usefixtures("wsgi_keeps_connection")
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
@pytest.mark.usefixtures("wsgi_keeps_connection")
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


# --- what the fuzzing found, pinned on the exact inputs ---------------------------------


@pytest.fixture
def office(client: Client, office_headers: dict[str, str]) -> Client:
    client.defaults.update({f"HTTP_{k.upper()}": v for k, v in office_headers.items()})
    client.raise_request_exception = False
    return client


def post_json(client: Client, url: str, body: Any) -> Any:
    text = body if isinstance(body, str) else json.dumps(body)
    return client.post(url, text, content_type="application/json")


def test_a_body_that_is_not_json_is_a_400_in_the_usual_error_shape(office: Client) -> None:
    response = post_json(office, "/api/v1/auth/token", "\x00")
    assert response.status_code == 400
    assert response.json() == {
        "detail": "The body is not valid JSON.",
        "errors": {"__all__": ["The body is not valid JSON."]},
    }


@pytest.mark.parametrize(
    ("url", "field"),
    [
        ("/api/v1/districts?q=%00", "q"),
        ("/api/v1/pairings?unit=a%00b", "unit"),
        ("/api/v1/sessions?campaign=%00", "campaign"),
        ("/api/v1/communities/%00", "code"),
        ("/api/v1/campaigns/a%00b/sessions", "slug"),
    ],
)
def test_a_nul_character_in_a_parameter_is_a_400_naming_it(
    office: Client, fuzz_world: dict[str, list[Any]], url: str, field: str
) -> None:
    response = office.get(url)
    assert response.status_code == 400
    assert response.json()["errors"] == {field: ["Text cannot contain NUL characters."]}


def test_a_nul_character_in_a_body_is_a_400_naming_the_field(office: Client, world: World) -> None:
    body = {"community_code": world.community_a1.code, "name": "老街\x00小区"}
    response = post_json(office, "/api/v1/compounds", body)
    assert response.status_code == 400
    assert response.json()["errors"] == {"name": ["Text cannot contain NUL characters."]}


@pytest.mark.parametrize("cursor", ["wrI", "AA==", "OTk5OTk5OTk5OTk5OTk5OTk5OTk5OTk5OTk5"])
@pytest.mark.parametrize("resource", ["districts", "compounds", "pairings", "members", "sessions"])
def test_a_malformed_cursor_reads_as_the_first_page(
    office: Client, fuzz_world: dict[str, list[Any]], resource: str, cursor: str
) -> None:
    first = office.get(f"/api/v1/{resource}")
    response = office.get(f"/api/v1/{resource}", {"cursor": cursor})
    assert response.status_code == 200
    # "wrI" is "²": not an id, but a fine code to page after; the huge id is past the end.
    if cursor == "AA==" or (cursor == "wrI" and resource != "districts"):
        assert response.json() == first.json()


@pytest.mark.parametrize(
    ("url", "body", "field"),
    [
        ("/api/v1/compounds", {"households": False}, "households"),
        ("/api/v1/compounds", {"households": "12"}, "households"),
        ("/api/v1/compounds", {"is_old": "yes"}, "is_old"),
        ("/api/v1/compounds", {"is_old": 1}, "is_old"),
        ("/api/v1/districts", {"is_local_code": 0}, "is_local_code"),
        ("/api/v1/communities", {"centre": {"lat": True, "lng": 113.4}}, "centre.lat"),
        ("/api/v1/communities", {"centre": {"lat": "31.7", "lng": 113.4}}, "centre.lat"),
    ],
)
def test_a_bool_or_text_where_a_number_or_bool_is_meant_is_refused_naming_the_field(
    office: Client, world: World, url: str, body: dict[str, Any], field: str
) -> None:
    base = {
        "/api/v1/compounds": {"community_code": world.community_a1.code, "name": "老街小区"},
        "/api/v1/districts": {"code": "421302", "name": "随县"},
        "/api/v1/communities": {
            "code": "421303001009",
            "name": "新社区",
            "street_code": world.street_a.code,
        },
    }[url]
    response = post_json(office, url, {**base, **body})
    assert response.status_code == 422
    assert field in response.json()["errors"]
    assert response.json()["detail"].startswith(f"{field}: ")


def test_a_whole_number_centre_is_still_accepted(office: Client, world: World) -> None:
    body = {
        "code": "421303001009",
        "name": "新社区",
        "street_code": world.street_a.code,
        "centre": {"lat": 31, "lng": 113},
    }
    response = post_json(office, "/api/v1/communities", body)
    assert response.status_code == 201
    assert response.json()["centre"] == {"lat": 31.0, "lng": 113.0}


def test_a_household_count_too_large_for_the_database_is_a_400(
    office: Client, world: World
) -> None:
    body = {"community_code": world.community_a1.code, "name": "老街小区", "households": 10**20}
    response = post_json(office, "/api/v1/compounds", body)
    assert response.status_code == 400
    assert response.json()["errors"] == {"households": ["The number of households is too large."]}
