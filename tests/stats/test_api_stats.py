"""``GET /api/v1/stats/summary|units|communities``: figures, errors, scope, query counts."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tests.stats.fixtures_figures import GAOXIN, ZENGDU, FigureCity, add_units

PERIOD = {"start": "2021-07-01", "end": "2021-08-31"}
ApiClient = Callable[[Any], Client]


@pytest.fixture
def office(city: FigureCity, api_client: ApiClient) -> Client:
    return api_client(city.users["office"])


def get(client: Client, resource: str, **params: Any) -> Any:
    return client.get(f"/api/v1/stats/{resource}", {**PERIOD, **params})


def test_the_summary_answers_every_figure_of_the_contract(office: Client) -> None:
    response = get(office, "summary")
    assert response.status_code == 200
    body = response.json()
    assert body["person_times"] == 68
    assert body["sessions_held"] == 3
    assert (body["units_expected"], body["units_attended"]) == (10, 8)
    assert body["participation_rate"] == 0.8
    assert (body["funds_fen"], body["funds_yuan"]) == (9_500_050, "95000.50")
    problems = body["problems"]
    assert (problems["reported"], problems["accepted"], problems["closed"]) == (8, 5, 3)
    assert problems["by_state"]["rejected"] == 1
    assert problems["by_category"] == {"dead_branches_weeds": 4, "piled_debris": 4}
    assert problems["by_source"]["resident_report"] == 4
    assert problems["closure_rate"] == 0.6
    assert problems["on_time_rate"] == 0.6667
    assert problems["median_days_to_close"] == 8.0
    assert problems["satisfaction_rate"] == 0.6667
    first = body["by_unit"][0]
    assert first == {
        "unit_code": first["unit_code"],
        "unit_name": "市市场监管局",
        "person_times": 36,
        "sessions_attended": 3,
        "funds_fen": 8_000_000,
        "funds_yuan": "80000.00",
    }
    assert body["scoped"] is False


def test_excluding_two_jurisdictions_is_the_same_as_municipal_units_only(office: Client) -> None:
    municipal = get(office, "summary", jurisdiction="municipal").json()
    excluded = get(office, "summary", exclude_jurisdiction=[ZENGDU, GAOXIN]).json()
    for key in ("person_times", "funds_fen", "units_expected", "units_attended"):
        assert municipal[key] == excluded[key]
    assert municipal["person_times"] == 44
    assert excluded["filters"]["exclude_jurisdiction"] == [ZENGDU, GAOXIN]


def test_the_units_table(office: Client, city: FigureCity) -> None:
    body = get(office, "units", unit=city.z1.code).json()
    assert [(u["unit_name"], u["person_times"], u["sessions_attended"]) for u in body["items"]] == [
        ("曾都区住建局", 11, 2)
    ]


def test_the_communities_table(office: Client) -> None:
    body = get(office, "communities", district=ZENGDU).json()
    assert [(c["community_name"], c["person_times"]) for c in body["items"]] == [
        ("白云社区", 33),
        ("青云社区", 14),
    ]
    assert body["items"][0]["problems_reported"] == 3


@pytest.mark.parametrize("resource", ["summary", "units", "communities"])
@pytest.mark.parametrize(
    ("params", "field", "status"),
    [
        ({"start": "2021-13-01"}, "start", 422),
        ({"end": ""}, "end", 422),
        ({"start": "2021-09-01"}, "end", 400),
        ({"jurisdiction": "123456"}, "jurisdiction", 400),
        ({"community": "x"}, "community", 400),
        ({"unit": "nope"}, "unit", 400),
        ({"category": "nope"}, "category", 400),
    ],
)
def test_a_bad_parameter_is_refused_naming_it(
    office: Client, resource: str, params: dict[str, str], field: str, status: int
) -> None:
    response = get(office, resource, **params)
    assert response.status_code == status
    body = response.json()
    assert list(body["errors"]) == [field]
    assert body["detail"]


def test_a_missing_period_is_refused(office: Client) -> None:
    response = office.get("/api/v1/stats/summary")
    assert response.status_code == 422
    assert set(response.json()["errors"]) == {"start", "end"}


@pytest.mark.parametrize("who", ["member", "inspector", "nobody"])
def test_members_inspectors_and_users_without_a_role_may_not_read_figures(
    city: FigureCity, api_client: ApiClient, who: str
) -> None:
    for resource in ("summary", "units", "communities"):
        response = get(api_client(city.users[who]), resource)
        assert response.status_code == 403
        assert response.json() == {"detail": "You may not read these figures."}


def test_anonymous_callers_must_authenticate(client: Client, city: FigureCity) -> None:
    assert get(client, "summary").status_code == 401


@pytest.mark.parametrize(
    ("who", "people", "reported"),
    [("leader", 68, 8), ("district", 47, 5), ("community", 21, 3), ("unit", 36, 2)],
)
def test_each_reader_gets_the_figures_of_their_scope(
    city: FigureCity, api_client: ApiClient, who: str, people: int, reported: int
) -> None:
    body = get(api_client(city.users[who]), "summary").json()
    assert (body["person_times"], body["problems"]["reported"]) == (people, reported)
    assert body["scoped"] is (who != "leader")


def test_a_unit_liaison_sees_only_their_units_row_and_communities(
    city: FigureCity, api_client: ApiClient
) -> None:
    client = api_client(city.users["unit"])
    assert [u["unit_name"] for u in get(client, "units").json()["items"]] == ["市市场监管局"]
    communities = get(client, "communities").json()["items"]
    assert [(c["community_name"], c["person_times"]) for c in communities] == [
        ("白云社区", 33),
        ("青云社区", 3),
    ]


# --- query counts ---------------------------------------------------------------------------


def count_queries(client: Client, resource: str) -> tuple[int, Any]:
    with CaptureQueriesContext(connection) as ctx:
        response = get(client, resource, jurisdiction="municipal")
    assert response.status_code == 200
    return len(ctx.captured_queries), response.json()


#: The bearer token, the caller's grants, then the figures: ten for the summary, one per table.
MAX_QUERIES = {"summary": 11, "units": 3, "communities": 3}


@pytest.mark.parametrize("resource", sorted(MAX_QUERIES))
def test_the_number_of_queries_does_not_grow_with_the_number_of_units(
    office: Client, city: FigureCity, resource: str, django_assert_max_num_queries: Any
) -> None:
    get(office, resource)  # the token's first use writes its last-used time
    small, _ = count_queries(office, resource)
    add_units(city, 30)
    large, body = count_queries(office, resource)
    assert large == small, (small, large)
    with django_assert_max_num_queries(MAX_QUERIES[resource]):
        get(office, resource)
    if resource == "summary":
        assert body["person_times"] == 44 + 90
        assert len(body["by_unit"]) == 32


def test_the_openapi_schema_documents_repeated_filters_and_error_answers(office: Client) -> None:
    schema = office.get("/api/v1/openapi.json").json()
    for resource in ("summary", "units", "communities"):
        operation = schema["paths"][f"/api/v1/stats/{resource}"]["get"]
        params = {p["name"]: p for p in operation["parameters"]}
        assert params["start"]["required"] and params["end"]["required"]
        assert params["exclude_jurisdiction"]["schema"]["type"] == "array"
        assert {"200", "400", "401", "403", "422"} <= set(operation["responses"])
        assert operation["tags"] == ["stats"]
