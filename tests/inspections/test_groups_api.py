"""The group API: /api/v1/inspection-groups, people by username."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from django.test import Client

from gongzhi.core.models import Role
from gongzhi.inspections.models import InspectionGroup
from tests.factories import World, make_user

ApiClient = Callable[[Any], Client]


def post(client: Client, url: str, body: Any) -> Any:
    return client.post(url, json.dumps(body), content_type="application/json")


def patch(client: Client, url: str, body: Any) -> Any:
    return client.patch(url, json.dumps(body), content_type="application/json")


def test_the_office_creates_a_group_by_usernames(world: World, api_client: ApiClient) -> None:
    make_user("inspector2", Role.INSPECTOR)
    response = post(
        api_client(world.users["office"]),
        "/api/v1/inspection-groups",
        {"name": "第1督导组", "leader": "inspector", "members": ["inspector2"]},
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["leader"] == "inspector" and body["is_active"] is True
    assert [m["username"] for m in body["members"]] == ["inspector", "inspector2"]


def test_unknown_people_and_non_inspectors_are_named(world: World, api_client: ApiClient) -> None:
    client = api_client(world.users["office"])
    unknown = post(
        client, "/api/v1/inspection-groups", {"name": "组", "members": ["ghost", "inspector"]}
    )
    assert unknown.status_code == 400
    assert unknown.json()["errors"] == {"members": ["There is no user ghost."]}
    not_inspector = post(
        client, "/api/v1/inspection-groups", {"name": "组", "leader": "leader", "members": []}
    )
    assert not_inspector.json()["errors"]["leader"] == ["leader does not hold the inspector role."]
    wrong_shape = post(client, "/api/v1/inspection-groups", {"name": "组", "members": "inspector"})
    assert wrong_shape.status_code == 422
    assert not InspectionGroup.objects.exists()


def test_groups_are_read_by_the_office_leaders_and_their_own_inspectors(
    world: World, groups: list[InspectionGroup], api_client: ApiClient
) -> None:
    office = api_client(world.users["office"]).get("/api/v1/inspection-groups?limit=2").json()
    assert len(office["items"]) == 2 and office["next"]
    mine = api_client(world.users["inspector"]).get("/api/v1/inspection-groups").json()
    assert [g["id"] for g in mine["items"]] == [groups[0].pk]
    other = f"/api/v1/inspection-groups/{groups[1].pk}"
    assert api_client(world.users["inspector"]).get(other).status_code == 404
    assert api_client(world.users["leader"]).get(other).json()["leader"] == "inspector2"
    assert api_client(world.users["unit"]).get("/api/v1/inspection-groups").json()["items"] == []


def test_the_office_changes_only_the_fields_it_sends(
    world: World, groups: list[InspectionGroup], api_client: ApiClient
) -> None:
    url = f"/api/v1/inspection-groups/{groups[0].pk}"
    client = api_client(world.users["office"])
    renamed = patch(client, url, {"name": "第一督导组"})
    assert renamed.status_code == 200, renamed.content
    assert renamed.json()["leader"] == "inspector" and renamed.json()["name"] == "第一督导组"
    newcomer = make_user("inspector9", Role.INSPECTOR)
    changed = patch(client, url, {"leader": None, "members": [newcomer.username]}).json()
    assert changed["leader"] is None
    assert [m["username"] for m in changed["members"]] == ["inspector9"]
    off = patch(client, url, {"is_active": False}).json()
    assert off["is_active"] is False
    taken = patch(client, url, {"name": groups[1].name})
    assert taken.status_code == 400 and "name" in taken.json()["errors"]
    assert patch(api_client(world.users["leader"]), url, {"name": "x"}).status_code == 403
    assert patch(api_client(world.users["inspector"]), url, {"name": "x"}).status_code == 404
