"""Inspections through /api/v1/: list, read, save the draft, submit, findings and their
photos, the office's correction, with their errors and scope."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from gongzhi.inspections.models import (
    ChecklistTemplate,
    Finding,
    Inspection,
    InspectionGroup,
    InspectionRound,
    InspectionStatus,
)
from gongzhi.problems.models import ProblemState
from tests.core.photo_samples import camera_jpeg
from tests.factories import World
from tests.inspections.fixtures_inspect import (  # noqa: F401 - fixtures
    complete_fixture,
    full_answers,
    round1_fixture,
    seeded_fixture,
)


def send(client: Any, method: str, path: str, body: Any = None) -> Any:
    return getattr(client, method)(
        f"/api/v1/{path}", data=json.dumps(body or {}), content_type="application/json"
    )


def one(world: World) -> str:
    return f"inspections/1/{world.unit_a.code}"


def test_an_inspector_saves_a_draft_reads_it_and_submits_it(
    world: World,
    round1: InspectionRound,
    template: ChecklistTemplate,
    seeded: None,
    api_client: Callable[[Any], Any],
) -> None:
    client = api_client(world.users["inspector"])
    first = send(client, "put", one(world), {"scores": {"plan": 8.5, "no_flyers": False}})
    assert first.status_code == 201, first.content
    body = first.json()
    assert (body["status"], body["round"], body["unit_code"], body["checklist_version"]) == (
        "draft",
        1,
        world.unit_a.code,
        1,
    )
    plan = next(s for s in body["scores"] if s["item_code"] == "plan")
    assert plan == {
        "item_code": "plan",
        "criterion_code": "awareness",
        "kind": "scored",
        "max_score": "10.0",
        "score": "8.5",
        "passed": None,
        "comment": "",
    }
    assert "Give the date of the inspection." in body["missing"]

    answers: dict[str, Any] = {
        code: (value == "yes" if value in ("yes",) else value)
        for code, value in full_answers(template).items()
    }
    again = send(
        client,
        "put",
        one(world),
        {"date": "2021-07-09", "community_code": world.community_a1.code, "scores": answers},
    )
    assert again.status_code == 200 and again.json()["missing"] == []
    finding = send(
        client,
        "post",
        f"{one(world)}/findings",
        {
            "text": "楼道杂物",
            "item_code": "no_debris",
            "demands_rectification": True,
            "category_code": "piled_debris",
        },
    )
    assert finding.status_code == 201, finding.content
    photo = client.post(
        f"/api/v1/{one(world)}/findings/{finding.json()['id']}/photos",
        {"photo": SimpleUploadedFile("a.jpg", camera_jpeg(), "image/jpeg")},
    )
    assert photo.status_code == 201 and photo.json()["original_url"]

    done = send(client, "post", f"{one(world)}/submit")
    assert done.status_code == 200, done.content
    body = done.json()
    assert (body["status"], body["total_score"], body["grade"]) == (
        "submitted",
        "100.0",
        "excellent",
    )
    (raised,) = body["findings"]
    assert raised["problem_state"] == ProblemState.DISPATCHED and raised["problem_number"]
    assert len(raised["photos"]) == 1

    got = client.get(f"/api/v1/{one(world)}")
    assert got.status_code == 200 and got.json()["total_score"] == "100.0"


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"scores": {"plan": 11}}, 400, "scores.plan"),
        ({"scores": {"plan": "7.3"}}, 400, "scores.plan"),
        ({"scores": {"no_flyers": "perhaps"}}, 400, "scores.no_flyers"),
        ({"scores": {"nope": 1}}, 400, "scores.nope"),
        ({"scores": {"plan": [1]}}, 400, "scores.plan"),
        ({"scores": {"no_flyers": 1.5}}, 400, "scores.no_flyers"),
        ({"scores": ["plan"]}, 422, "scores"),
        ({"date": "2021-13-01"}, 400, "date"),
        ({"date": 20210709}, 422, "date"),
        ({"community_code": "000000000000"}, 400, "community_code"),
        ({"session_id": "1"}, 422, "session_id"),
        ({"session_id": 999999}, 400, "session_id"),
        ({"comments": {"plan": "x" * 201}}, 400, "comments.plan"),
        ({"notes": "x" * 2001}, 400, "notes"),
    ],
)
def test_a_refused_draft_names_the_field_and_saves_nothing(
    world: World,
    round1: InspectionRound,
    api_client: Callable[[Any], Any],
    body: dict[str, Any],
    status: int,
    field: str,
) -> None:
    response = send(api_client(world.users["inspector"]), "put", one(world), body)
    assert response.status_code == status, response.content
    assert field in response.json()["errors"], response.json()
    assert not Inspection.objects.exists()


def test_an_incomplete_submission_is_a_400_listing_what_is_missing(
    world: World, round1: InspectionRound, api_client: Callable[[Any], Any]
) -> None:
    client = api_client(world.users["inspector"])
    send(client, "put", one(world), {"scores": {"plan": 10}})
    response = send(client, "post", f"{one(world)}/submit")
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert {"date", "community_code", "scores.leader_led"} <= set(errors)
    assert "scores.plan" not in errors


def test_locked_after_submission_and_corrected_by_the_office_with_a_reason(
    world: World, complete: Callable[..., Inspection], api_client: Callable[[Any], Any]
) -> None:
    complete()
    inspector = api_client(world.users["inspector"])
    assert send(inspector, "post", f"{one(world)}/submit").status_code == 200
    locked = send(inspector, "put", one(world), {"notes": "改"})
    assert locked.status_code == 403 and "locked" in locked.json()["detail"]
    assert send(inspector, "patch", one(world), {"reason": "x", "notes": "y"}).status_code == 403

    office = api_client(world.users["office"])
    assert send(office, "patch", one(world), {"notes": "y"}).status_code == 422  # no reason
    no_change = send(office, "patch", one(world), {"reason": "复核"})
    assert no_change.status_code == 400 and "__all__" in no_change.json()["errors"]
    fixed = send(office, "patch", one(world), {"reason": "复核", "scores": {"feedback": 0}})
    assert fixed.status_code == 200
    assert (fixed.json()["total_score"], fixed.json()["grade"]) == ("85.0", "good")
    history = Inspection.objects.get().history.first()
    assert history.history_change_reason == "复核"


@pytest.mark.parametrize(
    ("role", "count"),
    [("office", 2), ("leader", 2), ("inspector", 1), ("unit", 1), ("district", 0), ("member", 0)],
)
def test_the_list_is_scoped_and_filtered(
    world: World,
    complete: Callable[..., Inspection],
    groups: list[InspectionGroup],
    api_client: Callable[[Any], Any],
    role: str,
    count: int,
) -> None:
    from gongzhi.inspections import services

    complete()
    services.inspection_submit(
        user=world.users["inspector"], round_number=1, unit_code=world.unit_a.code
    )
    services.inspection_draft_save(
        user=world.users["office"], round_number=1, unit_code=world.unit_b.code, notes="草稿"
    )
    response = api_client(world.users[role]).get("/api/v1/inspections")
    assert response.status_code == 200
    assert len(response.json()["items"]) == count


def test_list_filters_and_pages(
    world: World,
    complete: Callable[..., Inspection],
    groups: list[InspectionGroup],
    api_client: Callable[[Any], Any],
) -> None:
    from gongzhi.inspections import services

    complete()
    services.inspection_draft_save(
        user=world.users["office"], round_number=1, unit_code=world.unit_b.code, notes="草稿"
    )
    client = api_client(world.users["office"])

    def codes(query: str) -> list[str]:
        response = client.get(f"/api/v1/inspections?{query}")
        assert response.status_code == 200, response.content
        return [i["unit_code"] for i in response.json()["items"]]

    assert codes(f"unit={world.unit_b.code.lower()}") == [world.unit_b.code]
    assert codes(f"group={groups[0].pk}") == [world.unit_a.code]
    assert codes("status=draft&round=1") == [world.unit_a.code, world.unit_b.code]
    assert codes("status=submitted") == []
    assert codes("round=2") == []
    page = client.get("/api/v1/inspections?limit=1").json()
    assert len(page["items"]) == 1 and page["next"]
    rest = client.get(f"/api/v1/inspections?limit=1&cursor={page['next']}").json()
    assert [i["unit_code"] for i in rest["items"]] == [world.unit_b.code] and rest["next"] is None


def test_out_of_scope_is_404_and_readers_cannot_write(
    world: World,
    round1: InspectionRound,
    groups: list[InspectionGroup],
    api_client: Callable[[Any], Any],
) -> None:
    inspector = api_client(world.users["inspector"])
    assert (
        send(inspector, "put", f"inspections/1/{world.unit_b.code}", {"notes": "x"}).status_code
        == 404
    )
    assert inspector.get(f"/api/v1/{one(world)}").status_code == 404  # nothing saved yet
    assert send(inspector, "put", f"inspections/7/{world.unit_a.code}", {}).status_code == 404
    leader = send(api_client(world.users["leader"]), "put", one(world), {"notes": "x"})
    assert leader.status_code == 403
    assert (
        send(api_client(world.users["unit"]), "put", one(world), {"notes": "x"}).status_code == 404
    )
    assert not Inspection.objects.exists()


def test_finding_errors_name_the_field(
    world: World, round1: InspectionRound, seeded: None, api_client: Callable[[Any], Any]
) -> None:
    client = api_client(world.users["inspector"])
    path = f"{one(world)}/findings"
    response = send(client, "post", path, {"text": "x", "demands_rectification": True})
    assert response.status_code == 400 and "category_code" in response.json()["errors"]
    assert (
        send(client, "post", path, {"text": "x", "demands_rectification": "yes"}).status_code == 422
    )
    assert send(client, "post", path, {"text": "x", "item_code": "nope"}).json()[
        "errors"
    ].keys() == {"item_code"}
    finding = send(client, "post", path, {"text": "x"}).json()
    no_photo = client.post(f"/api/v1/{path}/{finding['id']}/photos", {})
    assert no_photo.status_code == 400 and "photo" in no_photo.json()["errors"]
    bad = client.post(
        f"/api/v1/{path}/{finding['id']}/photos",
        {"photo": SimpleUploadedFile("a.jpg", b"no image", "image/jpeg")},
    )
    assert bad.status_code == 400 and "photo" in bad.json()["errors"]
    assert client.post(f"/api/v1/{path}/999999/photos", {}).status_code == 404
    assert (
        Finding.objects.count() == 1 and Inspection.objects.get().status == InspectionStatus.DRAFT
    )


@pytest.mark.parametrize(
    "path",
    [
        f"inspections/{2**70}/X",
        "inspections/40000/X",
        f"inspections?round={2**70}",
        f"inspections?group={2**70}",
        "inspections?status=%E2%9C%93&unit=%20",
        "inspections?cursor=%%%",
    ],
)
def test_numbers_too_large_and_odd_filters_are_answered_not_a_crash(
    world: World, round1: InspectionRound, api_client: Callable[[Any], Any], path: str
) -> None:
    client = api_client(world.users["office"])
    client.raise_request_exception = False
    response = client.get(f"/api/v1/{path}")
    assert response.status_code in (200, 400, 404, 422), response.content
    if response.status_code == 200:
        assert response.json()["items"] == []
    big = send(client, "put", f"inspections/{2**70}/{world.unit_a.code}", {"notes": "x"})
    assert big.status_code in (400, 404, 422)
    photo = client.post(f"/api/v1/{one(world)}/findings/{2**70}/photos", {})
    assert photo.status_code in (400, 404, 422)


def test_the_list_costs_the_same_queries_whatever_its_length(
    world: World,
    complete: Callable[..., Inspection],
    api_client: Callable[[Any], Any],
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from gongzhi.inspections import services

    client = api_client(world.users["office"])
    complete()
    client.get("/api/v1/inspections")
    with CaptureQueriesContext(connection) as one_row:
        client.get("/api/v1/inspections")
    for unit in (world.unit_b, world.unit_free):
        services.inspection_draft_save(
            user=world.users["office"], round_number=1, unit_code=unit.code, notes="草稿"
        )
    with CaptureQueriesContext(connection) as three_rows:
        assert len(client.get("/api/v1/inspections").json()["items"]) == 3
    assert len(three_rows) == len(one_row)
