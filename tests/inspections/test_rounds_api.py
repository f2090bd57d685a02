"""The round API: /api/v1/inspection-rounds with progress, assignment and moves."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from gongzhi.inspections.models import (
    InspectionGroup,
    InspectionRound,
    InspectionStatus,
    RoundStatus,
)
from tests.factories import World
from tests.inspections.fixtures_rounds import assign_directly, inspection, municipal_units

ApiClient = Callable[[Any], Client]
MakeRound = Callable[..., InspectionRound]


def post(client: Client, url: str, body: Any = None) -> Any:
    return client.post(url, json.dumps(body or {}), content_type="application/json")


def patch(client: Client, url: str, body: Any) -> Any:
    return client.patch(url, json.dumps(body), content_type="application/json")


def test_the_office_plans_a_round_with_the_default_checklist(
    world: World, template: Any, api_client: ApiClient
) -> None:
    body = {"number": 1, "name": "第一轮", "start": "2021-07-01", "end": "2021-07-31"}
    response = post(api_client(world.users["office"]), "/api/v1/inspection-rounds", body)
    assert response.status_code == 201, response.content
    answer = response.json()
    assert answer["status"] == "planned" and answer["template_version"] == 1
    assert answer["template_name"] == template.name
    assert (answer["assigned"], answer["groups"]) == (0, [])


@pytest.mark.parametrize(
    ("change", "status", "field"),
    [
        ({"end": "2021-06-01"}, 400, "end"),
        ({"start": "7/1/2021"}, 400, "start"),
        ({"number": 0}, 400, "number"),
        ({"template": "没有的检查表"}, 400, "template"),
        ({"number": "1"}, 422, "number"),
    ],
)
def test_bad_round_bodies_name_the_field(
    world: World,
    template: Any,
    api_client: ApiClient,
    change: dict[str, Any],
    status: int,
    field: str,
) -> None:
    body = {"number": 1, "start": "2021-07-01", "end": "2021-07-31", **change}
    response = post(api_client(world.users["office"]), "/api/v1/inspection-rounds", body)
    assert response.status_code == status
    assert field in response.json()["errors"]
    assert not InspectionRound.objects.exists()


def test_only_the_office_plans_rounds_by_api(
    world: World, template: Any, api_client: ApiClient
) -> None:
    body = {"number": 1, "start": "2021-07-01", "end": "2021-07-31"}
    assert (
        post(api_client(world.users["leader"]), "/api/v1/inspection-rounds", body).status_code
        == 403
    )


def test_rounds_are_listed_by_number_in_pages_with_their_progress(
    world: World, groups: list[InspectionGroup], make_round: MakeRound, api_client: ApiClient
) -> None:
    first = make_round(1, status=RoundStatus.CLOSED)
    make_round(2)
    make_round(3, status=RoundStatus.PLANNED)
    assign_directly(first, {world.unit_a: groups[0], world.unit_free: groups[1]})
    inspection(first, world.unit_a, groups[0], InspectionStatus.SUBMITTED)
    client = api_client(world.users["unit"])
    page = client.get("/api/v1/inspection-rounds?limit=2").json()
    assert [r["number"] for r in page["items"]] == [1, 2]
    assert (page["items"][0]["assigned"], page["items"][0]["submitted"]) == (2, 1)
    rest = client.get(f"/api/v1/inspection-rounds?limit=2&cursor={page['next']}").json()
    assert [r["number"] for r in rest["items"]] == [3] and rest["next"] is None
    assert client.get("/api/v1/inspection-rounds?cursor=bad!").json()["items"][0]["number"] == 1
    assert api_client(world.users["member"]).get("/api/v1/inspection-rounds").json()["items"] == []


def test_a_round_answers_with_its_progress_per_group(
    world: World, groups: list[InspectionGroup], make_round: MakeRound, api_client: ApiClient
) -> None:
    row = make_round(1)
    assign_directly(row, {world.unit_a: groups[0], world.unit_free: groups[0]})
    inspection(row, world.unit_a, groups[0], InspectionStatus.SUBMITTED)
    inspection(row, world.unit_free, groups[0])
    answer = api_client(world.users["leader"]).get("/api/v1/inspection-rounds/1").json()
    assert answer["groups"][0] == {
        "group_id": groups[0].pk,
        "name": groups[0].name,
        "is_active": True,
        "assigned": 2,
        "submitted": 1,
        "drafts": 1,
    }
    assert [g["assigned"] for g in answer["groups"]] == [2, 0, 0]
    assert answer["balanced"] is False
    assert api_client(world.users["nobody"]).get("/api/v1/inspection-rounds/1").status_code == 404
    assert api_client(world.users["leader"]).get("/api/v1/inspection-rounds/7").status_code == 404


def test_the_office_assigns_opens_and_closes_a_round_by_api(
    world: World, groups: list[InspectionGroup], make_round: MakeRound, api_client: ApiClient
) -> None:
    municipal_units(4)
    make_round(1, status=RoundStatus.PLANNED)
    client = api_client(world.users["office"])
    assert post(client, "/api/v1/inspection-rounds/1/open").status_code == 400
    assigned = post(client, "/api/v1/inspection-rounds/1/assign", {"include_district_units": True})
    assert assigned.status_code == 200, assigned.content
    answer = assigned.json()
    assert answer["assigned"] == 7 and answer["balanced"] and answer["repeats"] == 0
    assert sorted(g["assigned"] for g in answer["groups"]) == [2, 2, 3]
    assert post(client, "/api/v1/inspection-rounds/1/open").json()["status"] == "open"
    assert post(client, "/api/v1/inspection-rounds/1/close").json()["status"] == "closed"
    refused = post(client, "/api/v1/inspection-rounds/1/assign")
    assert refused.status_code == 400 and refused.json()["errors"] == {
        "status": ["Round 1 is closed."]
    }
    assert (
        post(api_client(world.users["leader"]), "/api/v1/inspection-rounds/1/open").status_code
        == 403
    )


def test_assignments_are_listed_with_their_inspection_status(
    world: World, groups: list[InspectionGroup], make_round: MakeRound, api_client: ApiClient
) -> None:
    row = make_round(1)
    assign_directly(row, {world.unit_a: groups[0], world.unit_free: groups[1]})
    inspection(row, world.unit_a, groups[0])
    client = api_client(world.users["inspector"])
    everything = client.get("/api/v1/inspection-rounds/1/assignments").json()["items"]
    assert {(a["unit_code"], a["inspection_status"]) for a in everything} == {
        (world.unit_a.code, "draft"),
        (world.unit_free.code, "none"),
    }
    one = client.get(f"/api/v1/inspection-rounds/1/assignments?group_id={groups[1].pk}&limit=1")
    assert [a["unit_code"] for a in one.json()["items"]] == [world.unit_free.code]


def test_the_office_moves_a_unit_by_api(
    world: World, groups: list[InspectionGroup], make_round: MakeRound, api_client: ApiClient
) -> None:
    row = make_round(1)
    assign_directly(row, {world.unit_a: groups[0], world.unit_free: groups[1]})
    client = api_client(world.users["office"])
    url = f"/api/v1/inspection-rounds/1/assignments/{world.unit_a.code}"
    moved = patch(client, url, {"group_id": groups[1].pk})
    assert moved.status_code == 200, moved.content
    assert moved.json()["group_id"] == groups[1].pk and moved.json()["balanced"] is False
    unknown_group = patch(client, url, {"group_id": 999999})
    assert unknown_group.status_code == 400 and "group_id" in unknown_group.json()["errors"]
    InspectionGroup.objects.filter(pk=groups[2].pk).update(is_active=False)
    inactive = patch(client, url, {"group_id": groups[2].pk})
    assert inactive.json()["errors"] == {"group_id": ["Choose an active group."]}
    missing = patch(
        client,
        "/api/v1/inspection-rounds/1/assignments/91420000000000000X",
        {"group_id": groups[0].pk},
    )
    assert missing.status_code == 404
    assert (
        patch(api_client(world.users["leader"]), url, {"group_id": groups[0].pk}).status_code == 403
    )
    assert patch(client, url, {"group_id": "one"}).status_code == 422
