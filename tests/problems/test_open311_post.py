"""Open311 GeoReport v2, posting: a request lands in the ledger, every bad input is refused,
and the workflow's changes show through GET."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from gongzhi.problems import queries, services
from gongzhi.problems.models import (
    Category,
    Open311Client,
    Problem,
    ProblemEvent,
    ProblemSource,
    ProblemState,
)
from tests.core.photo_samples import camera_jpeg
from tests.factories import World
from tests.problems.open311_support import (
    INSIDE,
    NOWHERE,
    body,
    client_key,
    outlined_community,
    post,
    report_fields,
    url,
    xml_list,
)


@pytest.fixture
def east(world: World, categories: None) -> Any:
    return outlined_community(world)


@pytest.fixture
def key(db: None) -> str:
    return client_key()


def descriptions(response: Any) -> list[str]:
    return [e["description"] for e in json.loads(response.content)]


def refused(client: Client, status: int, **fields: Any) -> list[str]:
    """POST ``fields``; the answer is ``status`` with the spec's error shape and nothing is written."""
    response = post(client, **fields)
    assert response.status_code == status, response.content
    errors = json.loads(response.content)
    assert all(e["code"] == status for e in errors)
    assert not Problem.objects.exists()
    return [e["description"] for e in errors]


# --- a request that goes through -----------------------------------------------------------


def test_a_posted_request_lands_in_the_ledger_of_the_community_under_the_point(
    east: Any, key: str, client: Client, world: World
) -> None:
    response = post(
        client,
        **report_fields(
            key,
            first_name="小明",
            last_name="王",
            phone="13912345678",
            email="wang@example.com",
            address_string="东关菜场后门",
            media_url="https://img.example.com/a.jpg",
            **{"attribute[volume]": "large", "attribute[location_detail]": "3号楼"},
        ),
    )
    assert response.status_code == 200, response.content
    [answer] = body(response)
    problem = Problem.objects.get()
    assert set(answer) == {"service_request_id", "service_notice", "account_id", "token"}
    assert answer["service_request_id"] == problem.number
    assert answer["token"] == problem.follow_token
    assert answer["account_id"] is None
    assert "3 working days" in answer["service_notice"]

    assert problem.community == east
    assert problem.source == ProblemSource.RESIDENT_REPORT
    assert problem.state == ProblemState.REPORTED
    assert (problem.lat, problem.lng) == INSIDE
    assert problem.reporter_name == "王小明"  # family name first
    assert problem.reporter_phone == "13912345678"
    assert problem.address == "东关菜场后门"
    assert problem.extra_answers == {
        "volume": "large",
        "location_detail": "3号楼",
        "media_url": "https://img.example.com/a.jpg",
        "email": "wang@example.com",
    }
    community_staff = world.users["community"]
    community_staff.grants.update(community=east)
    assert problem in queries.problems_visible_to(
        type(community_staff).objects.get(pk=community_staff.pk)
    )
    assert Open311Client.objects.get().last_used_at is not None


def test_the_answer_in_xml_has_the_same_fields(east: Any, key: str, client: Client) -> None:
    response = post(client, "xml", **report_fields(key))
    assert response.status_code == 200
    root = body(response)
    assert root.tag == "service_requests"
    [answer] = xml_list(root, "request")
    problem = Problem.objects.get()
    assert answer["service_request_id"] == problem.number
    assert answer["token"] == problem.follow_token
    assert answer["account_id"] is None
    assert answer["service_notice"]


def test_a_hotline_client_records_hotline_cases(east: Any, client: Client) -> None:
    hotline = client_key("12345 热线", source=ProblemSource.HOTLINE_12345)
    assert post(client, **report_fields(hotline)).status_code == 200
    assert Problem.objects.get().source == ProblemSource.HOTLINE_12345


def test_western_names_keep_their_order_with_a_space(east: Any, key: str, client: Client) -> None:
    post(client, **report_fields(key, first_name="John", last_name="Smith"))
    assert Problem.objects.get().reporter_name == "Smith John"


def test_a_multivalue_attribute_and_a_number_are_kept(east: Any, key: str, client: Client) -> None:
    category = Category.objects.get(code="garbage_dead_corner")
    category.extra_questions = [
        {
            "code": "kinds",
            "description": "种类",
            "datatype": "multivaluelist",
            "required": True,
            "values": [{"key": "food", "name": "厨余"}, {"key": "box", "name": "纸箱"}],
        },
        {"code": "bags", "description": "袋数", "datatype": "number", "required": False},
        {"code": "seen", "description": "发现时间", "datatype": "datetime", "required": False},
    ]
    category.save()
    fields = report_fields(key, **{"attribute[bags]": "3", "attribute[seen]": "2026-05-01"})
    fields["attribute[kinds][]"] = ["food", "box"]
    assert post(client, **fields).status_code == 200
    assert Problem.objects.get().extra_answers == {
        "kinds": ["food", "box"],
        "bags": 3,
        "seen": "2026-05-01T00:00:00+08:00",
    }


# --- refusals ----------------------------------------------------------------------------


@pytest.mark.parametrize("given", ["missing", "wrong", "inactive"])
@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_a_missing_wrong_or_inactive_key_is_403(
    east: Any, client: Client, given: str, fmt: str
) -> None:
    keys = {"missing": None, "wrong": "o311_not-a-key", "inactive": client_key(active=False)}
    response = post(client, fmt, **report_fields(keys[given]))  # type: ignore[arg-type]
    assert response.status_code == 403
    if fmt == "xml":
        root = body(response)
        assert root.tag == "errors"
        assert root.findtext("error/code") == "403"
        assert (root.findtext("error/description") or "").startswith("api_key: ")
    else:
        assert descriptions(response) == ["api_key: the key is missing or not valid."]
    assert not Problem.objects.exists()
    assert all(c.last_used_at is None for c in Open311Client.objects.all())


def test_a_missing_service_code_is_400_and_an_unknown_one_404(
    east: Any, key: str, client: Client
) -> None:
    [missing] = refused(client, 400, **report_fields(key, service_code=""))
    assert missing.startswith("service_code: ")
    [unknown] = refused(client, 404, **report_fields(key, service_code="potholes"))
    assert unknown == "service_code: no service has the code “potholes”."
    [staff_only] = refused(client, 404, **report_fields(key, service_code="river_pond_cleanup"))
    assert staff_only.startswith("service_code: ")


def test_a_missing_description_is_400(east: Any, key: str, client: Client) -> None:
    assert refused(client, 400, **report_fields(key, description="  ")) == [
        "description: describe the problem."
    ]
    [too_long] = refused(client, 400, **report_fields(key, description="脏" * 4001))
    assert too_long.startswith("description: ")


@pytest.mark.parametrize(
    ("lat", "long", "field"),
    [
        ("abc", "113.5", "lat"),
        ("nan", "113.5", "lat"),
        ("95", "113.5", "lat"),
        ("31.8", "inf", "long"),
        ("31.8", "-181", "long"),
        ("31.8", None, "long"),
        (None, "113.5", "lat"),
    ],
)
def test_a_bad_lat_or_long_is_400_naming_it(
    east: Any, key: str, client: Client, lat: str | None, long: str | None, field: str
) -> None:
    [message] = refused(client, 400, **report_fields(key, lat=lat, long=long))
    assert message.startswith(f"{field}: ")


def test_an_address_alone_is_400_saying_lat_long_is_needed(
    east: Any, key: str, client: Client
) -> None:
    fields = report_fields(key, lat=None, long=None, address_string="东关菜场后门")
    [message] = refused(client, 400, **fields)
    assert message.startswith("lat/long: ") and "address alone" in message
    [message] = refused(client, 400, **report_fields(key, lat=None, long=None, address_id="88"))
    assert "address alone" in message
    [message] = refused(client, 400, **report_fields(key, lat=None, long=None))
    assert message.startswith("lat/long: ")


def test_a_point_in_no_community_is_400(east: Any, key: str, client: Client) -> None:
    fields = report_fields(key, lat=str(NOWHERE[0]), long=str(NOWHERE[1]))
    assert refused(client, 400, **fields) == [
        "lat/long: the point lies in no community this platform serves."
    ]


@pytest.fixture
def strict_category(categories: None) -> Category:
    category = Category.objects.get(code="garbage_dead_corner")
    category.extra_questions = [
        {
            "code": "volume",
            "description": "大致数量",
            "datatype": "singlevaluelist",
            "required": True,
            "values": [{"key": "small", "name": "少量"}, {"key": "large", "name": "大量"}],
        },
        {"code": "bags", "description": "袋数", "datatype": "number", "required": False},
    ]
    category.save()
    return category


def test_a_required_attribute_missing_is_400_naming_it(
    east: Any, strict_category: Category, key: str, client: Client
) -> None:
    assert refused(client, 400, **report_fields(key)) == [
        "attribute[volume]: this answer is required."
    ]


@pytest.mark.parametrize(
    ("answers", "expected"),
    [
        ({"attribute[volume]": "huge"}, "attribute[volume]: “huge” is not one of small, large."),
        (
            {"attribute[volume]": "small", "attribute[bags]": "many"},
            "attribute[bags]: “many” is not a number.",
        ),
        (
            {"attribute[volume]": "small", "attribute[colour]": "red"},
            "attribute[colour]: the service “garbage_dead_corner” asks no such question.",
        ),
        (
            {"attribute[volume][]": ["small", "large"]},
            "attribute[volume]: give one value only.",
        ),
    ],
)
def test_a_bad_attribute_value_is_400_naming_the_attribute(
    east: Any,
    strict_category: Category,
    key: str,
    client: Client,
    answers: dict[str, Any],
    expected: str,
) -> None:
    assert refused(client, 400, **report_fields(key, **answers)) == [expected]


def test_every_bad_field_is_listed_at_once(
    east: Any, strict_category: Category, key: str, client: Client
) -> None:
    messages = refused(
        client,
        400,
        **report_fields(
            key,
            description="",
            phone="call me",
            email="not-an-email",
            media_url="javascript:alert(1)",
            lat="abc",
        ),
    )
    fields = [m.split(": ", 1)[0] for m in messages]
    assert fields == ["lat", "description", "phone", "email", "attribute[volume]", "media_url"]


def test_a_refusal_of_the_service_names_the_open311_field(
    east: Any, key: str, client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(**kwargs: Any) -> None:
        raise ValidationError(
            {"reporter_phone": ["Enter a phone number."], "lng": ["Out of range."]}
        )

    monkeypatch.setattr(services, "problem_report", refuse)
    assert refused(client, 400, **report_fields(key)) == [
        "phone: Enter a phone number.",
        "long: Out of range.",
    ]


def test_a_get_with_the_form_fields_reads_and_writes_nothing(
    east: Any, key: str, client: Client
) -> None:
    response = client.get(url("requests"), report_fields(key))
    assert response.status_code == 200
    assert not Problem.objects.exists()


# --- the workflow shows through GET --------------------------------------------------------


def test_each_step_of_the_workflow_shows_through_get(
    east: Any, key: str, client: Client, world: World
) -> None:
    [answer] = body(post(client, **report_fields(key)))
    number = answer["service_request_id"]
    staff = world.users["community"]
    staff.grants.update(community=east)
    staff = type(staff).objects.get(pk=staff.pk)

    def read() -> dict[str, Any]:
        [data] = body(client.get(url("request", number=number)))
        return data

    def act(user: Any, action: str, **kw: Any) -> None:
        version = Problem.objects.get(number=number).version
        services.problem_transition(
            user=user, problem_number=number, action=action, expected_version=version, **kw
        )

    first = read()
    assert (first["status"], first["status_notes"]) == ("open", "Reported")
    assert first["agency_responsible"] == "东关社区"
    assert first["expected_datetime"] is None

    act(staff, "accept")
    assert read()["status_notes"] == "Accepted"

    deadline = timezone.localdate() + dt.timedelta(days=30)
    act(staff, "dispatch", unit_codes=[world.unit_a.code], deadline=deadline)
    data = read()
    assert (data["status"], data["status_notes"]) == ("open", "Dispatched")
    assert data["agency_responsible"] == world.unit_a.name
    assert data["expected_datetime"] == f"{deadline.isoformat()}T23:59:59+08:00"

    photo = SimpleUploadedFile("done.jpg", camera_jpeg())
    act(world.users["unit"], "handle", note="已清运", photos=[photo])
    assert read()["status_notes"] == "Handled"

    act(staff, "verify_pass")
    data = read()
    problem = Problem.objects.get(number=number)
    assert (data["status"], data["status_notes"]) == ("closed", "Closed")
    assert data["updated_datetime"] == problem.closed_at.astimezone(
        dt.timezone(dt.timedelta(hours=8))
    ).isoformat(timespec="seconds")
    closed = body(client.get(url("requests"), {"status": "closed"}))
    assert [r["service_request_id"] for r in closed] == [number]


def test_a_rejected_request_shows_the_reason(
    east: Any, key: str, client: Client, world: World
) -> None:
    [answer] = body(post(client, **report_fields(key)))
    number = answer["service_request_id"]
    services.problem_transition(
        user=world.users["office"],
        problem_number=number,
        action="reject",
        expected_version=1,
        note="不在本市范围",
    )
    assert ProblemEvent.objects.filter(action="reject").count() == 1
    [data] = body(client.get(url("request", "json", number=number)))
    assert (data["status"], data["status_notes"]) == ("closed", "Rejected: 不在本市范围")


def test_posting_needs_no_csrf_token(east: Any, key: str) -> None:
    strict = Client(enforce_csrf_checks=True)
    assert post(strict, **report_fields(key)).status_code == 200


def test_a_nul_character_is_refused_naming_the_field(east: Any, key: str, client: Client) -> None:
    assert refused(client, 400, **report_fields(key, description="脏\x00乱")) == [
        "description: the value contains a NUL character."
    ]
    assert post(client, **report_fields("o311_none", description="\x00")).status_code == 403
