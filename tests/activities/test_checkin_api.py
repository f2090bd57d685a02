"""The REST API of check-ins: list (scoped per role), check in, check out, certify."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from gongzhi.activities.models import CheckIn
from gongzhi.campaigns.models import Session
from gongzhi.units.models import Member
from tests.activities.fixtures_checkin import (  # noqa: F401 - fixtures
    FAR_OUTSIDE,
    INSIDE,
    Clock,
    clock_fixture,
    make_checkin_fixture,
    make_member_fixture,
    member_fixture,
    session_fixture,
    token_fixture,
)
from tests.factories import World

URL = "/api/v1/check-ins"


def post(client: Client, url: str, body: Any) -> Any:
    return client.post(url, json.dumps(body), content_type="application/json")


def test_a_member_checks_in_and_out_through_the_api(
    world: World,
    session: Session,
    token: str,
    member: Member,
    clock: Clock,
    api_client: Callable[[Any], Client],
) -> None:
    client = api_client(world.users["member"])
    response = post(
        client, URL, {"token": token, "lat": INSIDE[0], "lng": INSIDE[1], "accuracy": 9}
    )
    assert response.status_code == 201
    body = response.json()
    assert {k: body[k] for k in ("session_id", "community_code", "unit_code", "member_name")} == {
        "session_id": session.pk,
        "community_code": world.community_a1.code,
        "unit_code": world.unit_a.code,
        "member_name": "张三",
    }
    assert body["hours"] is None and body["certified"] is False
    clock.set("17:10")
    out = post(client, f"{URL}/{body['id']}/checkout", {"lat": INSIDE[0], "lng": INSIDE[1]})
    assert out.status_code == 200
    assert out.json()["hours"] == "2.00"
    assert dt.datetime.fromisoformat(out.json()["checked_out_at"]) == clock.now


def test_a_second_check_in_is_409_naming_the_first(
    world: World, token: str, member: Member, clock: Clock, api_client: Callable[[Any], Client]
) -> None:
    client = api_client(world.users["member"])
    first = post(client, URL, {"token": token, "lat": INSIDE[0], "lng": INSIDE[1]}).json()
    again = post(client, URL, {"token": token, "lat": INSIDE[0], "lng": INSIDE[1]})
    assert again.status_code == 409
    assert again.json()["detail"] == "You are already checked in at this session (since 15:00)."
    assert again.json()["errors"]["checkin_id"] == [str(first["id"])]


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"lat": INSIDE[0], "lng": INSIDE[1]}, 400, "token"),
        ({"token": "forged", "lat": INSIDE[0], "lng": INSIDE[1]}, 400, "token"),
        ({"lat": FAR_OUTSIDE[0], "lng": FAR_OUTSIDE[1]}, 400, "location"),
        ({"lat": "here", "lng": INSIDE[1]}, 400, "lat"),
        ({"lat": INSIDE[0], "lng": INSIDE[1], "accuracy": -1}, 400, "accuracy"),
        ({"lat": INSIDE[0], "lng": INSIDE[1], "session_id": "1"}, 400, "session_id"),
    ],
)
def test_a_refused_check_in_names_the_field_and_records_nothing(
    world: World,
    token: str,
    member: Member,
    clock: Clock,
    api_client: Callable[[Any], Client],
    body: dict[str, Any],
    status: int,
    field: str,
) -> None:
    payload = {"token": token, **body} if "token" not in body and field != "token" else body
    response = post(api_client(world.users["member"]), URL, payload)
    assert response.status_code == status
    assert field in response.json()["errors"]
    assert not CheckIn.objects.exists()


def test_a_check_in_outside_the_window_is_400_saying_when_it_opens(
    world: World, token: str, member: Member, clock: Clock, api_client: Callable[[Any], Client]
) -> None:
    clock.set("12:00")
    response = post(
        api_client(world.users["member"]), URL, {"token": token, "lat": INSIDE[0], "lng": INSIDE[1]}
    )
    assert response.status_code == 400
    assert response.json()["detail"] == "Check-in for this session opens at 13:30."


def test_a_login_without_a_member_record_gets_403(
    world: World, token: str, clock: Clock, api_client: Callable[[Any], Client]
) -> None:
    response = post(
        api_client(world.users["unit"]), URL, {"token": token, "lat": INSIDE[0], "lng": INSIDE[1]}
    )
    assert response.status_code == 403
    assert "Ask your unit's liaison" in response.json()["detail"]


def test_checking_out_someone_elses_check_in_is_404_or_403(
    world: World,
    session: Session,
    member: Member,
    make_member: Callable[..., Member],
    make_checkin: Callable[..., CheckIn],
    clock: Clock,
    api_client: Callable[[Any], Client],
) -> None:
    checkin = make_checkin(session, member)
    other = make_member("李四")
    url = f"{URL}/{checkin.pk}/checkout"
    assert (
        post(api_client(other.user), url, {"lat": INSIDE[0], "lng": INSIDE[1]}).status_code == 404
    )
    assert post(api_client(world.users["office"]), url, {}).status_code == 403
    assert (
        post(api_client(world.users["member"]), f"{URL}/99999999999/checkout", {}).status_code
        == 404
    )


@pytest.fixture
def spread(
    world: World,
    session: Session,
    member: Member,
    make_member: Callable[..., Member],
    make_checkin: Callable[..., CheckIn],
) -> dict[str, CheckIn]:
    """Check-ins: 张三 and 李四 (unit a) in a1, 赵六 (unit b) in b1, 钱七 (unit a) in b1."""
    return {
        "mine": make_checkin(session, member, hours="3"),
        "colleague": make_checkin(session, make_member("李四"), hours="2"),
        "unit_b": make_checkin(
            session, make_member("赵六", unit=world.unit_b), community=world.community_b1
        ),
        "unit_a_in_b1": make_checkin(
            session, make_member("钱七"), hours="1", community=world.community_b1
        ),
    }


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("office", {"mine", "colleague", "unit_b", "unit_a_in_b1"}),
        ("leader", {"mine", "colleague", "unit_b", "unit_a_in_b1"}),
        ("community", {"mine", "colleague"}),
        ("district", {"mine", "colleague"}),
        ("unit", {"mine", "colleague", "unit_a_in_b1"}),
        ("member", {"mine"}),
        ("inspector", set()),
        ("nobody", set()),
    ],
)
def test_the_list_is_scoped_per_role(
    world: World,
    spread: dict[str, CheckIn],
    api_client: Callable[[Any], Client],
    role: str,
    expected: set[str],
) -> None:
    response = api_client(world.users[role]).get(URL)
    assert response.status_code == 200
    names = {k for k, v in spread.items() if v.pk in {i["id"] for i in response.json()["items"]}}
    assert names == expected


def test_the_list_filters_by_community_unit_and_certification(
    world: World, spread: dict[str, CheckIn], api_client: Callable[[Any], Client]
) -> None:
    client = api_client(world.users["office"])

    def ids(**params: Any) -> set[int]:
        return {i["id"] for i in client.get(URL, params).json()["items"]}

    assert ids(community=world.community_b1.code) == {
        spread["unit_b"].pk,
        spread["unit_a_in_b1"].pk,
    }
    assert ids(unit=world.unit_b.code) == {spread["unit_b"].pk}
    assert ids(certified="true") == set()
    assert len(ids(certified="false")) == 4
    assert ids(start="2026-03-14") == set()
    bad = client.get(URL, {"start": "14/03/2026"})
    assert bad.status_code == 400 and "start" in bad.json()["errors"]


def test_the_community_certifies_through_the_api(
    world: World,
    session: Session,
    spread: dict[str, CheckIn],
    clock: Clock,
    api_client: Callable[[Any], Client],
) -> None:
    body = {
        "session_id": session.pk,
        "community_code": world.community_a1.code,
        "checkin_ids": [spread["mine"].pk, spread["colleague"].pk],
    }
    assert post(api_client(world.users["office"]), f"{URL}/certify", body).status_code == 403
    response = post(api_client(world.users["community"]), f"{URL}/certify", body)
    assert response.status_code == 200
    assert [c["certified"] for c in response.json()["certified"]] == [True, True]
    foreign = {**body, "community_code": world.community_b1.code}
    assert post(api_client(world.users["community"]), f"{URL}/certify", foreign).status_code == 404
    unchecked = {
        **body,
        "community_code": world.community_b1.code,
        "checkin_ids": [spread["unit_b"].pk],
    }
    refused = post(api_client(world.users["office"]), f"{URL}/certify", unchecked)
    assert refused.status_code == 403


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"community_code": "421303001001", "checkin_ids": [1]}, "session_id"),
        ({"session_id": True, "community_code": "421303001001", "checkin_ids": [1]}, "session_id"),
        ({"session_id": 1, "checkin_ids": [1]}, "community_code"),
        ({"session_id": 1, "community_code": "421303001001"}, "checkin_ids"),
    ],
)
def test_a_bad_certify_body_names_the_field(
    world: World,
    session: Session,
    api_client: Callable[[Any], Client],
    body: dict[str, Any],
    field: str,
) -> None:
    if type(body.get("session_id")) is int:
        body = {**body, "session_id": session.pk}
    response = post(api_client(world.users["community"]), f"{URL}/certify", body)
    assert response.status_code == 400
    assert field in response.json()["errors"]


def test_the_list_needs_a_token(client: Client, db: None) -> None:
    assert client.get(URL).status_code == 401
