"""The campaign and session API: shapes of DESIGN.md section 6, scope, and bad input."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from gongzhi.campaigns.models import Campaign, SessionStatus
from tests.factories import World

NEW = {
    "slug": "autumn",
    "name": "秋季整治",
    "start": "2026-09-01",
    "rule": {
        "weekday": 5,
        "nth": [2, 4],
        "mode": "calendar_week",
        "start_time": "14:30",
        "end_time": "17:30",
    },
    "holiday_policy": "next_workday",
    "community_codes": ["421303001001"],
}

ApiClient = Callable[[Any], Client]


def test_the_office_creates_a_campaign_with_the_write_shape(
    world: World, api_client: ApiClient
) -> None:
    response = api_client(world.users["office"]).post(
        "/api/v1/campaigns", NEW, content_type="application/json"
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["rule"] == NEW["rule"]
    assert body["holiday_policy"] == "next_workday"
    assert body["community_codes"] == ["421303001001"]
    assert Campaign.objects.get(slug="autumn").mode == "calendar_week"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"rule": {**NEW["rule"], "weekday": 9}}, "rule.weekday"),
        ({"rule": {**NEW["rule"], "nth": "2,4"}}, "rule.nth"),
        ({"rule": {**NEW["rule"], "mode": "weekly"}}, "rule.mode"),
        ({"rule": {**NEW["rule"], "end_time": "25:00"}}, "rule.end_time"),
        ({"rule": "2nd Friday"}, "rule"),
        ({"holiday_policy": "ignore"}, "holiday_policy"),
        ({"start": "2026-13-01"}, "start"),
        ({"community_codes": ["421303001999"]}, "community_codes"),
        ({"slug": ""}, "slug"),
    ],
)
def test_bad_input_is_a_400_naming_the_field(
    world: World, api_client: ApiClient, change: dict[str, Any], field: str
) -> None:
    response = api_client(world.users["office"]).post(
        "/api/v1/campaigns", {**NEW, **change}, content_type="application/json"
    )
    assert response.status_code == 400, response.content
    assert field in response.json()["errors"]
    assert not Campaign.objects.filter(slug="autumn").exists()


def test_a_missing_rule_is_named(world: World, api_client: ApiClient) -> None:
    body = {k: v for k, v in NEW.items() if k != "rule"}
    response = api_client(world.users["office"]).post(
        "/api/v1/campaigns", body, content_type="application/json"
    )
    assert response.status_code == 400 and "rule" in response.json()["errors"]


@pytest.mark.parametrize("role", ["leader", "district", "community", "unit", "inspector"])
def test_other_roles_read_but_cannot_write(
    world: World, campaign: Campaign, api_client: ApiClient, role: str
) -> None:
    client = api_client(world.users[role])
    assert client.get("/api/v1/campaigns").json()["items"][0]["slug"] == "friday"
    assert client.get("/api/v1/campaigns/friday").status_code == 200
    assert client.post("/api/v1/campaigns", NEW, content_type="application/json").status_code == 403
    patch = client.patch("/api/v1/campaigns/friday", {"name": "x"}, content_type="application/json")
    assert patch.status_code == 403


def test_someone_without_a_role_sees_no_campaign(
    world: World, campaign: Campaign, api_client: ApiClient
) -> None:
    client = api_client(world.users["nobody"])
    assert client.get("/api/v1/campaigns").json() == {"items": [], "next": None}
    assert client.get("/api/v1/campaigns/friday").status_code == 404


def test_anonymous_callers_are_refused(world: World, campaign: Campaign) -> None:
    assert Client().get("/api/v1/campaigns").status_code == 401


def test_the_campaign_list_pages_with_a_cursor(world: World, api_client: ApiClient) -> None:
    client = api_client(world.users["office"])
    for i in range(3):
        body = {**NEW, "slug": f"c{i}"}
        assert (
            client.post("/api/v1/campaigns", body, content_type="application/json").status_code
            == 201
        )
    first = client.get("/api/v1/campaigns?limit=2").json()
    assert [c["slug"] for c in first["items"]] == ["c0", "c1"]
    second = client.get(f"/api/v1/campaigns?limit=2&cursor={first['next']}").json()
    assert [c["slug"] for c in second["items"]] == ["c2"] and second["next"] is None


def test_patch_changes_only_what_is_sent(
    world: World, campaign: Campaign, api_client: ApiClient
) -> None:
    client = api_client(world.users["office"])
    response = client.patch(
        "/api/v1/campaigns/friday",
        {"rule": {"nth": [1, 3]}, "end": "2027-06-30"},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["rule"]["nth"] == [1, 3] and body["rule"]["weekday"] == 5
    assert body["end"] == "2027-06-30" and body["name"] == "周五环境治理活动"
    bad = client.patch(
        "/api/v1/campaigns/friday", {"rule": {"weekday": 0}}, content_type="application/json"
    )
    assert bad.status_code == 400 and "rule.weekday" in bad.json()["errors"]
    assert (
        client.patch("/api/v1/campaigns/nope", {}, content_type="application/json").status_code
        == 404
    )


def test_the_sessions_of_a_campaign_between_two_dates(
    world: World, synced: Campaign, api_client: ApiClient
) -> None:
    client = api_client(world.users["community"])
    response = client.get("/api/v1/campaigns/friday/sessions?start=2026-09-01&end=2026-09-30")
    assert response.status_code == 200
    rows = response.json()
    assert [(r["date"], r["status"], r["provisional"]) for r in rows] == [
        ("2026-09-11", "scheduled", False),
        ("2026-09-25", "skipped", False),
    ]
    assert {"id", "date", "status", "provisional"} <= set(rows[0])
    provisional = client.get("/api/v1/campaigns/friday/sessions?start=2027-01-01&end=2027-01-31")
    assert all(r["provisional"] for r in provisional.json())
    bad = client.get("/api/v1/campaigns/friday/sessions?start=yesterday")
    assert bad.status_code == 400 and "start" in bad.json()["errors"]


def test_the_session_list_filters_and_pages(
    world: World, synced: Campaign, api_client: ApiClient
) -> None:
    client = api_client(world.users["leader"])
    page = client.get(
        "/api/v1/sessions?campaign=friday&status=skipped&start=2026-01-01&end=2026-12-31"
    )
    body = page.json()
    assert [r["slot_date"] for r in body["items"]] == ["2026-09-25"]
    provisional = client.get("/api/v1/sessions?provisional=true&limit=10").json()
    assert len(provisional["items"]) == 10 and provisional["next"]
    assert all(r["date"].startswith("2027") for r in provisional["items"])
    bad = client.get("/api/v1/sessions?status=maybe")
    assert bad.status_code == 400 and "status" in bad.json()["errors"]


def test_the_office_cancels_a_session_with_a_reason(
    world: World, synced: Campaign, api_client: ApiClient
) -> None:
    session = synced.sessions.get(slot_date=dt.date(2026, 12, 11))
    url = f"/api/v1/sessions/{session.pk}/cancel"
    assert (
        api_client(world.users["unit"])
        .post(url, {"reason": "x"}, content_type="application/json")
        .status_code
        == 403
    )
    client = api_client(world.users["office"])
    missing = client.post(url, {}, content_type="application/json")
    assert missing.status_code == 400 and "reason" in missing.json()["errors"]
    done = client.post(url, {"reason": "寒潮"}, content_type="application/json")
    assert done.status_code == 200
    assert done.json()["status"] == "cancelled" and done.json()["cancel_reason"] == "寒潮"
    session.refresh_from_db()
    assert session.status == SessionStatus.CANCELLED
    unknown = client.post(
        "/api/v1/sessions/999999/cancel", {"reason": "x"}, content_type="application/json"
    )
    assert unknown.status_code == 404
    nobody = api_client(world.users["nobody"]).post(
        url, {"reason": "x"}, content_type="application/json"
    )
    assert nobody.status_code == 404
