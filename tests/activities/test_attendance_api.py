"""Attendance through /api/v1/: record, list, read, change, correct, confirm, and a
session's overview, with their errors."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from gongzhi.activities.models import Absence, Attendance
from gongzhi.campaigns.models import Session
from gongzhi.core.models import Role
from tests.activities.fixtures_attendance import (  # noqa: F401 - fixtures
    days_ago,
    held_fixture,
    seeded_fixture,
)
from tests.factories import PairingFactory, UnitFactory, World, make_user


def _send(client: Any, method: str, url: str, body: Any) -> Any:
    return getattr(client, method)(url, data=json.dumps(body), content_type="application/json")


def body_for(world: World, session: Session, **change: Any) -> dict[str, Any]:
    body = {
        "session_id": session.pk,
        "unit_code": world.unit_a.code,
        "community_code": world.community_a1.code,
        "headcount": 45,
        "leader_name": "王五",
        "leader_rank": "局长",
        "principal_leader_led": True,
    }
    return {**body, **change}


def test_a_liaison_records_attendance_then_records_it_again(
    world: World, held: Session, seeded: None, api_client: Any
) -> None:
    client = api_client(world.users["unit"])
    tasks = [{"category_code": "illegal_flyers", "quantity": "120", "measure": "sheets"}]
    response = _send(client, "post", "/api/v1/attendance", body_for(world, held, tasks=tasks))
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["headcount"], body["unit_code"], body["status"]) == (
        45,
        world.unit_a.code,
        "submitted",
    )
    assert body["tasks"] == [
        {
            "category_code": "illegal_flyers",
            "category_name": '楼栋"牛皮癣"小广告',
            "quantity": "120.00",
            "measure": "sheets",
        }
    ]
    assert body["principal_leader_led"] and body["expected"] and not body["locked"]
    again = _send(client, "post", "/api/v1/attendance", body_for(world, held, headcount=46))
    assert again.status_code == 200 and again.json()["id"] == body["id"]
    assert Attendance.objects.get().headcount == 46


@pytest.mark.parametrize(
    ("change", "status", "field"),
    [
        ({"headcount": 0}, 400, "headcount"),
        ({"headcount": 5000}, 400, "headcount"),
        ({"headcount": "45"}, 422, "headcount"),
        ({"headcount": True}, 422, "headcount"),
        ({"unit_code": "914200000000000000"}, 400, "unit_code"),
        ({"community_code": "421303001002"}, 400, "unit_code"),
        ({"start_time": "25:00"}, 400, "start_time"),
        (
            {
                "tasks": [
                    {"category_code": "dead_branches_weeds", "quantity": 3, "measure": "tonnes"}
                ]
            },
            400,
            "tasks.0.measure",
        ),
        ({"problem_numbers": ["2099-000001"]}, 400, "problem_numbers"),
    ],
)
def test_refused_bodies_name_the_field(
    world: World,
    held: Session,
    seeded: None,
    api_client: Any,
    change: dict[str, Any],
    status: int,
    field: str,
) -> None:
    client = api_client(world.users["unit"])
    response = _send(client, "post", "/api/v1/attendance", body_for(world, held, **change))
    assert response.status_code == status, response.content
    assert field in response.json()["errors"]
    assert not Attendance.objects.exists()


def test_cancelled_and_future_sessions_and_other_units_are_refused(
    world: World, make_session: Callable[..., Session], api_client: Any
) -> None:
    client = api_client(world.users["unit"])
    cancelled = make_session(days_ago(2), status="cancelled")
    response = _send(client, "post", "/api/v1/attendance", body_for(world, cancelled))
    assert response.status_code == 400 and "cancelled" in response.json()["detail"]
    future = make_session(days_ago(-3))
    response = _send(client, "post", "/api/v1/attendance", body_for(world, future))
    assert response.status_code == 400 and "session_id" in response.json()["errors"]
    held = make_session(days_ago(1))
    response = _send(
        client,
        "post",
        "/api/v1/attendance",
        body_for(world, held, unit_code=world.unit_b.code, community_code=world.community_b1.code),
    )
    assert response.status_code == 403
    leader = api_client(world.users["leader"])
    assert _send(leader, "post", "/api/v1/attendance", body_for(world, held)).status_code == 403
    nobody = api_client(world.users["nobody"])
    assert _send(nobody, "post", "/api/v1/attendance", body_for(world, held)).status_code == 404


def test_the_list_is_scoped_filtered_and_paged(
    world: World, held: Session, make_session: Callable[..., Session], api_client: Any
) -> None:
    earlier = make_session(days_ago(5))
    office = api_client(world.users["office"])
    for session in (held, earlier):
        assert (
            _send(office, "post", "/api/v1/attendance", body_for(world, session)).status_code == 201
        )
    _send(
        office,
        "post",
        "/api/v1/attendance",
        body_for(world, held, unit_code=world.unit_b.code, community_code=world.community_b1.code),
    )
    everything = office.get("/api/v1/attendance").json()["items"]
    assert len(everything) == 3
    mine = api_client(world.users["unit"]).get("/api/v1/attendance").json()["items"]
    assert {a["unit_code"] for a in mine} == {world.unit_a.code}
    assert len(api_client(world.users["community"]).get("/api/v1/attendance").json()["items"]) == 2
    assert api_client(world.users["inspector"]).get("/api/v1/attendance").json()["items"] == []
    filtered = office.get(
        f"/api/v1/attendance?session_id={held.pk}&community={world.community_b1.code}"
    ).json()["items"]
    assert [a["unit_code"] for a in filtered] == [world.unit_b.code]
    dated = office.get(f"/api/v1/attendance?start={earlier.date}&end={earlier.date}").json()
    assert [a["session_date"] for a in dated["items"]] == [earlier.date.isoformat()]
    first = office.get("/api/v1/attendance?limit=2").json()
    second = office.get(f"/api/v1/attendance?limit=2&cursor={first['next']}").json()
    assert len(first["items"]) == 2 and len(second["items"]) == 1 and second["next"] is None
    assert office.get("/api/v1/attendance?start=2021-13-01").status_code == 400


def test_a_page_of_the_list_costs_the_same_queries_whatever_its_length(
    world: World, held: Session, api_client: Any, django_assert_max_num_queries: Any
) -> None:
    office = api_client(world.users["office"])
    for _ in range(3):
        Attendance.objects.create(
            session=held, unit=UnitFactory(), community=world.community_a1, headcount=3
        )
    office.get("/api/v1/attendance")
    with django_assert_max_num_queries(12) as few:
        office.get("/api/v1/attendance")
    for _ in range(12):
        Attendance.objects.create(
            session=held, unit=UnitFactory(), community=world.community_a1, headcount=3
        )
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(office.get("/api/v1/attendance").json()["items"]) == 15


def test_patch_within_the_window_and_the_office_correction_after_it(
    world: World, make_session: Callable[..., Session], api_client: Any
) -> None:
    office = api_client(world.users["office"])
    unit = api_client(world.users["unit"])
    recent = make_session(days_ago(2))
    created = _send(unit, "post", "/api/v1/attendance", body_for(world, recent)).json()
    url = f"/api/v1/attendance/{created['id']}"
    response = _send(unit, "patch", url, {"headcount": 40, "start_time": "14:30"})
    assert response.status_code == 200 and response.json()["headcount"] == 40
    assert response.json()["start_time"] == "14:30" and response.json()["leader_name"] == "王五"
    cleared = _send(unit, "patch", url, {"start_time": None}).json()
    assert cleared["start_time"] is None
    assert _send(unit, "patch", url, {"headcount": 41, "reason": "补报"}).status_code == 403

    old = make_session(days_ago(30))
    backfilled = _send(office, "post", "/api/v1/attendance", body_for(world, old)).json()
    old_url = f"/api/v1/attendance/{backfilled['id']}"
    assert backfilled["locked"]
    refused = _send(unit, "patch", old_url, {"headcount": 44})
    assert refused.status_code == 400 and "correction" in refused.json()["detail"]
    assert _send(office, "patch", old_url, {"headcount": 44}).status_code == 400
    corrected = _send(office, "patch", old_url, {"headcount": 44, "reason": "核对后更正"})
    assert corrected.status_code == 200 and corrected.json()["headcount"] == 44
    record = Attendance.objects.get(pk=backfilled["id"]).history.first()
    assert record is not None and record.history_change_reason == "核对后更正"


def test_confirm_by_community_staff_only(world: World, held: Session, api_client: Any) -> None:
    created = _send(
        api_client(world.users["unit"]), "post", "/api/v1/attendance", body_for(world, held)
    ).json()
    url = f"/api/v1/attendance/{created['id']}/confirm"
    assert api_client(world.users["unit"]).post(url).status_code == 403
    assert api_client(world.users["street"]).post(url).status_code == 403
    other = make_user("community_b1", Role.COMMUNITY, community=world.community_b1)
    assert api_client(other).post(url).status_code == 404
    assert (
        api_client(world.users["community"]).get(f"/api/v1/attendance/{created['id']}").status_code
        == 200
    )
    response = api_client(world.users["community"]).post(url)
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["confirmed_by"]) == (
        "confirmed",
        "community",
    )


def test_the_overview_lists_each_community_with_absent_and_missing_units(
    world: World, held: Session, api_client: Any
) -> None:
    away = UnitFactory(name="随州市水利和湖泊局")
    silent = UnitFactory(name="随州市财政局")
    PairingFactory(unit=away, community=world.community_a1)
    PairingFactory(unit=silent, community=world.community_a1)
    _send(api_client(world.users["unit"]), "post", "/api/v1/attendance", body_for(world, held))
    Absence.objects.create(session=held, unit=away, community=world.community_a1, reason="防汛值守")
    response = api_client(world.users["community"]).get(f"/api/v1/sessions/{held.pk}/overview")
    assert response.status_code == 200
    [a1] = response.json()["items"]
    assert (a1["units_expected"], a1["units_present"], a1["units_absent"], a1["units_missing"]) == (
        3,
        1,
        1,
        1,
    )
    assert a1["headcount"] == 45
    by_code = {u["unit_code"]: u for u in a1["units"]}
    assert by_code[away.code]["absence_reason"] == "防汛值守"
    assert by_code[silent.code]["status"] == "missing"
    office = (
        api_client(world.users["office"]).get(f"/api/v1/sessions/{held.pk}/overview?limit=2").json()
    )
    assert len(office["items"]) == 2 and office["next"]
    mine = api_client(world.users["unit"]).get(f"/api/v1/sessions/{held.pk}/overview").json()
    assert [u["unit_code"] for u in mine["items"][0]["units"]] == [world.unit_a.code]
    assert (
        api_client(world.users["member"]).get(f"/api/v1/sessions/{held.pk}/overview").status_code
        == 403
    )
    assert (
        api_client(world.users["office"]).get("/api/v1/sessions/999999/overview").status_code == 404
    )
