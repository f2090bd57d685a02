"""Writing to the problem ledger through /api/v1/: reports, photos and transitions."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from gongzhi.problems.models import Problem, ProblemEvent, ProblemPhoto, ProblemState
from tests.core.photo_samples import camera_jpeg, truncated
from tests.factories import World

S = ProblemState


def _post(client: Any, url: str, body: Any) -> Any:
    return client.post(url, data=json.dumps(body), content_type="application/json")


def _report(world: World, **change: Any) -> dict[str, Any]:
    body = {
        "category_code": "piled_debris",
        "source": "community_patrol",
        "community_code": world.community_a1.code,
        "description": "3号楼下堆满装修垃圾",
    }
    return {**body, **change}


def _act(client: Any, number: str, action: str, **body: Any) -> Any:
    if "version" not in body:
        body["version"] = Problem.objects.get(number=number).version
    return _post(client, f"/api/v1/problems/{number}/transitions", {"action": action, **body})


def _upload(client: Any, number: str, raw: bytes, name: str = "photo.jpg") -> Any:
    photo = SimpleUploadedFile(name, raw, content_type="image/jpeg")
    return client.post(f"/api/v1/problems/{number}/photos", {"photo": photo})


# --- reports --------------------------------------------------------------------------


def test_answers_to_extra_questions_are_checked_and_name_the_question(
    world: World, categories: None, api_client: Any
) -> None:
    client = api_client(world.users["community"])
    body = _report(world, extra_answers={"volume": "enormous", "not_asked": "x"})
    response = _post(client, "/api/v1/problems", body)
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["extra_answers.volume"]
    assert not Problem.objects.exists()
    body = _report(world, extra_answers={"volume": "small", "not_asked": "x"})
    response = _post(client, "/api/v1/problems", body)
    assert response.status_code == 201
    assert response.json()["extra_answers"] == {"volume": "small"}  # unasked codes dropped


def test_a_report_takes_the_documented_body_and_starts_reported(
    world: World, categories: None, api_client: Any
) -> None:
    body = _report(
        world,
        title="装修垃圾",
        lat=31.6905,
        lng=113.3825,
        reporter_name="王五",
        reporter_phone="13800001111",
        address="白云路3号",
        priority="high",
        extra_answers={"volume": "large"},
    )
    response = _post(api_client(world.users["community"]), "/api/v1/problems", body)
    assert response.status_code == 201, response.content
    out = response.json()
    assert out["number"].startswith(f"{dt.date.today().year}-")
    assert (out["state"], out["version"], out["priority"]) == ("reported", 1, "high")
    assert out["reporter_phone"] == "13800001111"
    assert out["extra_answers"] == {"volume": "large"}
    assert [e["action"] for e in out["events"]] == ["report"]
    assert out["allowed_actions"] == ["accept", "reject", "mark_duplicate"]
    problem = Problem.objects.get(number=out["number"])
    assert (problem.community, problem.address, problem.lat) == (
        world.community_a1,
        "白云路3号",
        31.6905,
    )


def test_a_report_answers_the_problems_it_may_duplicate(
    world: World, categories: None, api_client: Any, make_problem: Callable[..., Problem]
) -> None:
    earlier = make_problem(S.DISPATCHED, description="3号楼下堆满装修垃圾")
    client = api_client(world.users["community"])
    response = _post(client, "/api/v1/problems", _report(world))
    assert response.status_code == 201
    assert response.json()["duplicate_suggestions"] == [earlier.number]


def test_a_member_may_report_but_is_suggested_nothing_it_cannot_see(
    world: World, categories: None, api_client: Any, make_problem: Callable[..., Problem]
) -> None:
    make_problem(description="3号楼下堆满装修垃圾")
    response = _post(api_client(world.users["member"]), "/api/v1/problems", _report(world))
    assert response.status_code == 201
    assert response.json()["duplicate_suggestions"] == []
    assert response.json()["allowed_actions"] == []


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"category_code": "flying_saucers"}, "category_code"),
        ({"community_code": "999999999999"}, "community_code"),
        ({"lat": 95.0, "lng": 113.38}, "lat"),
        ({"lat": 31.69}, "lat"),
        ({"lng": 200.0, "lat": 31.69}, "lng"),
        ({"source": "fax"}, "source"),
        ({"description": "   "}, "description"),
        ({"reporter_phone": "call me"}, "reporter_phone"),
        ({"priority": "asap"}, "priority"),
        ({"title": "长" * 121}, "title"),
        ({"compound_id": 10**12}, "compound_id"),
    ],
)
def test_a_bad_report_is_a_400_naming_the_field_and_records_nothing(
    world: World, categories: None, api_client: Any, change: dict[str, Any], field: str
) -> None:
    response = _post(
        api_client(world.users["office"]), "/api/v1/problems", _report(world, **change)
    )
    assert response.status_code == 400, response.content
    assert field in response.json()["errors"]
    assert not Problem.objects.exists()


def test_report_errors_come_in_the_callers_language(
    world: World, categories: None, api_client: Any, chinese: None
) -> None:
    client = api_client(world.users["office"])
    response = _post(client, "/api/v1/problems", _report(world, category_code="nope"))
    assert response.status_code == 400
    assert "nope" in response.json()["errors"]["category_code"][0]
    assert "No category" not in response.json()["errors"]["category_code"][0]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"lat": "north", "lng": 113.38}, "lat"),
        ({"anonymous": "yes"}, "anonymous"),
        ({"extra_answers": ["large"]}, "extra_answers"),
        ({"description": None}, "description"),
    ],
)
def test_a_value_of_the_wrong_type_is_a_422_naming_the_field(
    world: World, categories: None, api_client: Any, change: dict[str, Any], field: str
) -> None:
    response = _post(
        api_client(world.users["office"]), "/api/v1/problems", _report(world, **change)
    )
    assert response.status_code == 422
    assert field in response.json()["errors"]
    assert not Problem.objects.exists()


def test_a_nul_character_in_a_report_is_refused_naming_the_field(
    world: World, categories: None, api_client: Any
) -> None:
    body = _report(world, description="垃圾\x00堆")
    response = _post(api_client(world.users["office"]), "/api/v1/problems", body)
    assert response.status_code == 400
    assert response.json()["errors"] == {"description": ["Text cannot contain NUL characters."]}
    assert not Problem.objects.exists()


@pytest.mark.parametrize("role", ["leader", "nobody"])
def test_roles_that_do_not_report_are_refused(
    world: World, categories: None, api_client: Any, role: str
) -> None:
    response = _post(api_client(world.users[role]), "/api/v1/problems", _report(world))
    assert response.status_code == 403
    assert not Problem.objects.exists()


def test_community_staff_cannot_report_outside_their_community(
    world: World, categories: None, api_client: Any
) -> None:
    body = _report(world, community_code=world.community_b1.code)
    response = _post(api_client(world.users["community"]), "/api/v1/problems", body)
    assert response.status_code == 403
    assert not Problem.objects.exists()


# --- the whole workflow ---------------------------------------------------------------


def test_the_whole_workflow_runs_through_the_api(
    world: World, categories: None, api_client: Any
) -> None:
    community = api_client(world.users["community"])
    office = api_client(world.users["office"])
    unit = api_client(world.users["unit"])
    number = _post(community, "/api/v1/problems", _report(world)).json()["number"]

    assert _act(community, number, "accept").status_code == 200
    deadline = (dt.date.today() + dt.timedelta(days=10)).isoformat()
    response = _act(office, number, "dispatch", unit_codes=[world.unit_a.code], deadline=deadline)
    assert response.status_code == 200, response.content
    assert response.json()["unit_codes"] == [world.unit_a.code]
    assert response.json()["deadline"] == deadline

    assert unit.get(f"/api/v1/problems/{number}").status_code == 200
    assert _act(unit, number, "start").json()["state"] == "in_progress"
    uploaded = _upload(unit, number, camera_jpeg())
    assert uploaded.status_code == 201, uploaded.content
    photo_id = uploaded.json()["id"]
    assert uploaded.json()["event_id"] is None
    handled = _act(unit, number, "handle", note="已清运", photo_ids=[photo_id])
    assert handled.status_code == 200, handled.content
    assert handled.json()["state"] == "handled"
    assert [p["id"] for p in handled.json()["photos"]] == [photo_id]
    assert handled.json()["photos"][0]["event_id"] is not None

    closed = _act(community, number, "verify_pass")
    assert closed.status_code == 200
    body = closed.json()
    assert (body["state"], body["version"]) == ("closed", 6)
    assert [e["action"] for e in body["events"]] == [
        "report",
        "accept",
        "dispatch",
        "start",
        "handle",
        "verify_pass",
    ]
    assert body["events"][4]["data"]["photos"] == [photo_id]
    assert body["closed_at"] is not None


def test_two_transitions_on_the_same_version_conflict_and_the_second_changes_nothing(
    world: World, make_problem: Callable[..., Problem], api_client: Any
) -> None:
    problem = make_problem()
    accepted = _act(api_client(world.users["community"]), problem.number, "accept", version=1)
    assert accepted.status_code == 200
    late = _act(api_client(world.users["office"]), problem.number, "reject", version=1, note="x")
    assert late.status_code == 409
    body = late.json()
    assert problem.number in body["detail"]
    assert "changed by someone else" in body["detail"]
    assert body["errors"] == {"version": [body["detail"]]}
    problem.refresh_from_db()
    assert (problem.state, problem.version) == ("accepted", 2)
    assert list(problem.events.values_list("action", flat=True)) == ["accept"]


def test_a_transition_without_a_version_acts_on_the_current_one(
    world: World, make_problem: Callable[..., Problem], api_client: Any
) -> None:
    """The DESIGN.md body (``action; note, unit_codes, deadline``) works as it is."""
    problem = make_problem()
    client = api_client(world.users["community"])
    url = f"/api/v1/problems/{problem.number}/transitions"
    response = _post(client, url, {"action": "accept"})
    assert response.status_code == 200
    assert (response.json()["state"], response.json()["version"]) == ("accepted", 2)
    outsider = api_client(world.users["unit"])
    other = make_problem()
    other.dispatches.all().delete()
    response = _post(outsider, f"/api/v1/problems/{other.number}/transitions", {"action": "accept"})
    assert response.status_code == 404


@pytest.mark.parametrize(
    ("state", "role", "action", "body", "field"),
    [
        (S.REPORTED, "community", "teleport", {}, "action"),
        (S.REPORTED, "community", "dispatch", {}, "action"),
        (S.ACCEPTED, "office", "dispatch", {"unit_codes": ["91110000000000000X"]}, "unit_codes"),
        (S.ACCEPTED, "office", "dispatch", {}, "unit_codes"),
        (
            S.ACCEPTED,
            "office",
            "dispatch",
            {"to_community": True, "deadline": "10/10/2030"},
            "deadline",
        ),
        (
            S.ACCEPTED,
            "office",
            "dispatch",
            {"to_community": True, "deadline": "2030-02-30"},
            "deadline",
        ),
        (
            S.ACCEPTED,
            "office",
            "dispatch",
            {"to_community": True, "deadline": "2001-01-01"},
            "deadline",
        ),
        (S.ACCEPTED, "office", "mark_duplicate", {"duplicate_of": "2026-000404"}, "duplicate_of"),
        (S.IN_PROGRESS, "unit", "handle", {"note": "已清运"}, "photo_ids"),
        (S.IN_PROGRESS, "unit", "handle", {"note": "已清运", "photo_ids": [12345]}, "photo_ids"),
        (S.HANDLED, "community", "verify_fail", {}, "note"),
        (S.CLOSED, "community", "callback", {"rating": "great"}, "rating"),
    ],
)
def test_a_bad_transition_is_a_400_naming_the_field_and_changes_nothing(
    world: World,
    make_problem: Callable[..., Problem],
    api_client: Any,
    state: str,
    role: str,
    action: str,
    body: dict[str, Any],
    field: str,
) -> None:
    problem = make_problem(state)
    response = _act(api_client(world.users[role]), problem.number, action, **body)
    assert response.status_code == 400, response.content
    assert field in response.json()["errors"]
    problem.refresh_from_db()
    assert (problem.state, problem.version) == (state, 1)
    assert not ProblemEvent.objects.filter(problem=problem).exists()


@pytest.mark.parametrize(
    ("state", "role", "action"),
    [
        (S.REPORTED, "leader", "accept"),
        (S.DISPATCHED, "unit", "approve_extension"),
        (S.HANDLED, "unit", "verify_pass"),
        (S.DISPATCHED, "street", "start"),
    ],
)
def test_a_visible_problem_the_role_may_not_act_on_is_a_403(
    world: World,
    make_problem: Callable[..., Problem],
    api_client: Any,
    state: str,
    role: str,
    action: str,
) -> None:
    problem = make_problem(state)
    response = _act(api_client(world.users[role]), problem.number, action)
    assert response.status_code == 403
    problem.refresh_from_db()
    assert problem.version == 1


@pytest.mark.parametrize("role", ["community", "unit", "inspector", "member"])
def test_acting_on_a_problem_out_of_scope_is_a_404(
    world: World, make_problem: Callable[..., Problem], api_client: Any, role: str
) -> None:
    problem = make_problem(community=world.community_b1)
    response = _act(api_client(world.users[role]), problem.number, "accept", version=1)
    assert response.status_code == 404
    problem.refresh_from_db()
    assert problem.state == "reported"


def test_a_nul_character_in_a_note_is_refused(
    world: World, make_problem: Callable[..., Problem], api_client: Any
) -> None:
    problem = make_problem()
    response = _act(api_client(world.users["community"]), problem.number, "reject", note="a\x00")
    assert response.status_code == 400
    assert response.json()["errors"] == {"note": ["Text cannot contain NUL characters."]}


def test_marking_a_duplicate_names_the_original(
    world: World, make_problem: Callable[..., Problem], api_client: Any
) -> None:
    original = make_problem(S.DISPATCHED)
    problem = make_problem()
    client = api_client(world.users["community"])
    response = _act(client, problem.number, "mark_duplicate", duplicate_of=original.number)
    assert response.status_code == 200
    assert (response.json()["state"], response.json()["duplicate_of"]) == (
        "duplicate",
        original.number,
    )


# --- photos ---------------------------------------------------------------------------


def test_a_damaged_photo_is_a_400_naming_the_field(
    world: World, make_problem: Callable[..., Problem], api_client: Any
) -> None:
    problem = make_problem(S.IN_PROGRESS)
    response = _upload(
        api_client(world.users["unit"]), problem.number, truncated(camera_jpeg()), "broken.jpg"
    )
    assert response.status_code == 400
    assert "broken.jpg" in response.json()["errors"]["photo"][0]
    assert not ProblemPhoto.objects.exists()


def test_a_photo_upload_without_a_file_names_the_field(
    world: World, make_problem: Callable[..., Problem], api_client: Any
) -> None:
    problem = make_problem(S.IN_PROGRESS)
    response = api_client(world.users["unit"]).post(f"/api/v1/problems/{problem.number}/photos")
    assert response.status_code == 400
    assert response.json()["errors"] == {"photo": ["Choose a photo to upload."]}


def test_only_someone_who_may_act_uploads_photos(
    world: World, make_problem: Callable[..., Problem], api_client: Any
) -> None:
    problem = make_problem(S.IN_PROGRESS)
    outside = make_problem(community=world.community_b1)
    assert (
        _upload(api_client(world.users["leader"]), problem.number, camera_jpeg()).status_code == 403
    )
    assert (
        _upload(api_client(world.users["unit"]), outside.number, camera_jpeg()).status_code == 404
    )
    assert not ProblemPhoto.objects.exists()


def test_a_waiting_photo_is_shown_only_to_whoever_uploaded_it(
    world: World, make_problem: Callable[..., Problem], api_client: Any
) -> None:
    problem = make_problem(S.IN_PROGRESS)
    unit = api_client(world.users["unit"])
    photo_id = _upload(unit, problem.number, camera_jpeg()).json()["id"]
    url = f"/api/v1/problems/{problem.number}"
    assert [p["id"] for p in unit.get(url).json()["photos"]] == [photo_id]
    assert api_client(world.users["community"]).get(url).json()["photos"] == []


def test_a_photo_uploaded_by_someone_else_cannot_be_named(
    world: World, make_problem: Callable[..., Problem], api_client: Any
) -> None:
    problem = make_problem(S.IN_PROGRESS)
    photo_id = _upload(api_client(world.users["community"]), problem.number, camera_jpeg()).json()[
        "id"
    ]
    response = _act(
        api_client(world.users["unit"]), problem.number, "handle", note="好了", photo_ids=[photo_id]
    )
    assert response.status_code == 400
    assert str(photo_id) in response.json()["errors"]["photo_ids"][0]
