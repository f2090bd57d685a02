"""Open311 GeoReport v2, reading: discovery, services, definitions, requests, tokens.

Every answer is checked field by field in JSON, and the XML is parsed and
compared with the JSON.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from gongzhi.problems import open311
from gongzhi.problems.models import Category, Dispatch, Problem, ProblemEvent, ProblemState
from tests.factories import UnitFactory, World
from tests.problems.open311_support import body, same_in_xml, url, xml_list

MakeProblem = Callable[..., Problem]


def get(client: Client, name: str, fmt: str = "json", params: Any = None, **kwargs: str) -> Any:
    return client.get(url(name, fmt, **kwargs), params or {})


# --- discovery ------------------------------------------------------------------------


def test_discovery_names_the_spec_the_endpoint_and_both_formats(db: None, client: Client) -> None:
    data = body(get(client, "discovery"))
    assert set(data) == {"changeset", "contact", "key_service", "endpoints"}
    assert data["contact"] and data["key_service"]
    assert data["endpoints"] == [
        {
            "specification": "http://wiki.open311.org/GeoReport_v2",
            "url": "http://testserver/open311/v2/",
            "changeset": data["changeset"],
            "type": "production",
            "formats": ["text/xml", "application/json"],
        }
    ]
    root = body(get(client, "discovery", "xml"))
    assert root.tag == "discovery"
    assert root.findtext("changeset") == data["changeset"]
    assert root.findtext("key_service") == data["key_service"]
    endpoint = root.find("endpoints/endpoint")
    assert endpoint is not None
    assert endpoint.findtext("url") == "http://testserver/open311/v2/"
    assert [f.text for f in endpoint.findall("formats/format")] == [
        "text/xml",
        "application/json",
    ]


# --- services -------------------------------------------------------------------------


def test_services_are_the_active_categories_residents_may_report(
    categories: None, client: Client
) -> None:
    Category.objects.filter(code="piled_debris").update(archived_at=timezone.now())
    services = body(get(client, "services"))
    codes = [s["service_code"] for s in services]
    expected = list(
        Category.objects.active()
        .filter(resident_reportable=True)
        .order_by("ordering", "code")
        .values_list("code", flat=True)
    )
    assert codes == expected
    assert "piled_debris" not in codes  # archived
    assert "river_pond_cleanup" not in codes  # staff only
    garbage = services[0]
    assert garbage == {
        "service_code": "garbage_dead_corner",
        "service_name": "垃圾死角",
        "description": "",
        "metadata": True,
        "type": "realtime",
        "keywords": "垃圾死角, Four clean-ups",
        "group": "Four clean-ups",
    }
    renovation = next(s for s in services if s["service_code"] == "old_compound_renovation")
    assert renovation["metadata"] is False
    assert renovation["group"] == "Special rectification"
    root = body(get(client, "services", "xml"))
    assert root.tag == "services"
    same_in_xml(services, xml_list(root, "service"))


def test_the_group_of_a_service_is_translated(
    categories: None, client: Client, chinese: None
) -> None:
    services = body(client.get(url("services"), HTTP_ACCEPT_LANGUAGE="zh-hans"))
    assert services[0]["group"] == "四清"


def test_a_service_definition_lists_the_extra_questions_as_attributes(
    categories: None, client: Client
) -> None:
    data = body(get(client, "service", code="garbage_dead_corner"))
    assert data["service_code"] == "garbage_dead_corner"
    location, volume = data["attributes"]
    assert location == {
        "variable": True,
        "code": "location_detail",
        "datatype": "string",
        "required": False,
        "datatype_description": "A line of text.",
        "order": 1,
        "description": "具体位置（楼栋、单元）",
        "values": [],
    }
    assert volume["code"] == "volume" and volume["order"] == 2
    assert volume["datatype"] == "singlevaluelist"
    assert volume["datatype_description"] == "One of these keys: small, medium, large."
    assert volume["values"] == [
        {"key": "small", "name": "少量"},
        {"key": "medium", "name": "较多"},
        {"key": "large", "name": "大量"},
    ]
    root = body(get(client, "service", "xml", code="garbage_dead_corner"))
    assert root.tag == "service_definition"
    assert root.findtext("service_code") == "garbage_dead_corner"
    same_in_xml(data["attributes"], xml_list(root, "attributes/attribute"))
    values = root.findall("attributes/attribute")[1].findall("values/value")
    assert [(v.findtext("key"), v.findtext("name")) for v in values] == [
        (v["key"], v["name"]) for v in volume["values"]
    ]


def test_a_service_without_questions_has_no_attributes(categories: None, client: Client) -> None:
    data = body(get(client, "service", code="illegal_parking"))
    assert data == {"service_code": "illegal_parking", "attributes": []}


@pytest.mark.parametrize("code", ["no_such_thing", "river_pond_cleanup", "piled_debris"])
@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_an_unknown_staff_only_or_archived_service_is_404(
    categories: None, client: Client, code: str, fmt: str
) -> None:
    Category.objects.filter(code="piled_debris").update(archived_at=timezone.now())
    response = get(client, "service", fmt, code=code)
    assert response.status_code == 404
    errors = body(response)
    if fmt == "xml":
        assert errors.tag == "errors"
        errors = [
            {"code": int(e.findtext("code") or 0), "description": e.findtext("description")}
            for e in errors.findall("error")
        ]
    assert errors == [
        {"code": 404, "description": f"service_code: no service has the code “{code}”."}
    ]


# --- requests -------------------------------------------------------------------------


@pytest.fixture
def dispatched(world: World, make_problem: MakeProblem) -> Problem:
    problem = make_problem(
        ProblemState.DISPATCHED,
        address="解放路12号",
        lat=31.702,
        lng=113.371,
        deadline=dt.date(2026, 10, 9),
        description="楼道里堆满杂物\n挡住了消防通道",
    )
    Dispatch.objects.create(problem=problem, unit=world.unit_b)
    return problem


def test_a_request_shows_every_field_in_json_and_the_same_in_xml(
    dispatched: Problem, client: Client, world: World
) -> None:
    dispatched.refresh_from_db()
    [data] = body(get(client, "request", number=dispatched.number))
    local = timezone.localtime
    assert data == {
        "service_request_id": dispatched.number,
        "status": "open",
        "status_notes": "Dispatched",
        "service_name": "乱堆乱放杂物",
        "service_code": "piled_debris",
        "description": "楼道里堆满杂物\n挡住了消防通道",
        "agency_responsible": f"{world.unit_a.name}、{world.unit_b.name}",
        "service_notice": data["service_notice"],
        "requested_datetime": local(dispatched.created_at).isoformat(timespec="seconds"),
        "updated_datetime": local(dispatched.updated_at).isoformat(timespec="seconds"),
        "expected_datetime": "2026-10-09T23:59:59+08:00",
        "address": "解放路12号",
        "address_id": None,
        "zipcode": None,
        "lat": 31.702,
        "long": 113.371,
        "media_url": None,
    }
    assert "3 working days" in data["service_notice"]
    assert data["requested_datetime"].endswith("+08:00")
    root = body(get(client, "request", "xml", number=dispatched.number))
    assert root.tag == "service_requests"
    same_in_xml([data], xml_list(root, "request"))
    assert root.findtext("request/description") == "楼道里堆满杂物\n挡住了消防通道"


def test_a_reported_problem_is_the_communitys_until_dispatched(
    make_problem: MakeProblem, client: Client, world: World
) -> None:
    problem = make_problem(ProblemState.REPORTED)
    [data] = body(get(client, "request", number=problem.number))
    assert data["agency_responsible"] == world.community_a1.name
    assert data["address"] == world.community_a1.name  # no address given
    assert data["expected_datetime"] is None
    assert data["lat"] is None and data["long"] is None


@pytest.mark.parametrize(
    ("state", "status"),
    [
        (ProblemState.REPORTED, "open"),
        (ProblemState.ACCEPTED, "open"),
        (ProblemState.DISPATCHED, "open"),
        (ProblemState.IN_PROGRESS, "open"),
        (ProblemState.HANDLED, "open"),
        (ProblemState.PARKED, "open"),
        (ProblemState.CLOSED, "closed"),
        (ProblemState.REJECTED, "closed"),
        (ProblemState.DUPLICATE, "closed"),
    ],
)
def test_each_state_maps_to_open_or_closed_with_its_label_in_the_notes(
    make_problem: MakeProblem, client: Client, state: str, status: str
) -> None:
    problem = make_problem(state)
    [data] = body(get(client, "request", number=problem.number))
    assert data["status"] == status
    assert data["status_notes"] == str(ProblemState(state).label)
    assert (data["service_notice"] is None) == (status == "closed")


def test_a_closed_request_was_updated_when_it_closed(
    make_problem: MakeProblem, client: Client
) -> None:
    closed_at = timezone.make_aware(dt.datetime(2026, 3, 2, 9, 30))
    problem = make_problem(ProblemState.CLOSED, closed_at=closed_at)
    [data] = body(get(client, "request", number=problem.number))
    assert data["updated_datetime"] == "2026-03-02T09:30:00+08:00"


def test_the_notes_name_the_original_of_a_duplicate_and_the_reason_of_a_rejection(
    make_problem: MakeProblem, client: Client
) -> None:
    original = make_problem(ProblemState.DISPATCHED)
    duplicate = make_problem(ProblemState.DUPLICATE, duplicate_of=original)
    rejected = make_problem(ProblemState.REJECTED)
    ProblemEvent.objects.create(
        problem=rejected, action="reject", from_state="reported", to_state="rejected", note="不属实"
    )
    hidden = make_problem(ProblemState.DISPATCHED, is_public=False)
    secret_duplicate = make_problem(ProblemState.DUPLICATE, duplicate_of=hidden)
    notes = {
        r["service_request_id"]: r["status_notes"]
        for r in body(
            get(
                client,
                "requests",
                params={
                    "service_request_id": ",".join(
                        p.number for p in (duplicate, rejected, secret_duplicate)
                    )
                },
            )
        )
    }
    assert notes == {
        duplicate.number: f"Duplicate of {original.number}",
        rejected.number: "Rejected: 不属实",
        secret_duplicate.number: "Duplicate",
    }


def test_the_list_filters_by_id_code_and_status(
    make_problem: MakeProblem, client: Client, categories: None
) -> None:
    open_one = make_problem(ProblemState.DISPATCHED)
    closed_one = make_problem(ProblemState.CLOSED)
    other = make_problem(
        ProblemState.REPORTED, category=Category.objects.get(code="sewage_overflow")
    )

    def ids(**params: str) -> list[str]:
        return [r["service_request_id"] for r in body(get(client, "requests", params=params))]

    assert ids() == [other.number, closed_one.number, open_one.number]  # newest first
    assert ids(status="open") == [other.number, open_one.number]
    assert ids(status="closed") == [closed_one.number]
    assert ids(status="open,closed") == [other.number, closed_one.number, open_one.number]
    assert ids(service_code="sewage_overflow") == [other.number]
    assert ids(service_code="sewage_overflow,piled_debris", status="closed") == [closed_one.number]
    # service_request_id overrides every other argument
    both = f"{open_one.number}, {other.number}"
    assert ids(service_request_id=both, status="closed") == [other.number, open_one.number]


def test_the_list_covers_the_last_90_days_unless_dates_are_given(
    make_problem: MakeProblem, client: Client
) -> None:
    recent = make_problem(ProblemState.REPORTED)
    old = make_problem(ProblemState.REPORTED)
    Problem.objects.filter(pk=old.pk).update(created_at=timezone.now() - dt.timedelta(days=120))
    old_day = timezone.localdate() - dt.timedelta(days=120)

    def ids(**params: str) -> list[str]:
        response = get(client, "requests", params=params)
        assert response.status_code == 200, response.content
        return [r["service_request_id"] for r in body(response)]

    assert ids() == [recent.number]
    assert ids(start_date=old_day.isoformat(), end_date=old_day.isoformat()) == [old.number]
    assert ids(start_date=f"{old_day.isoformat()}T00:00:00+08:00") == [old.number]
    assert ids(end_date=f"{(old_day + dt.timedelta(days=1)).isoformat()}T00:00:00Z") == [old.number]
    assert ids(start_date=(timezone.localdate() - dt.timedelta(days=5)).isoformat()) == [
        recent.number
    ]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"start_date": "yesterday"}, "start_date"),
        ({"start_date": "2026-13-01"}, "start_date"),
        ({"end_date": "2026-05-01T10:00:00"}, "end_date"),  # no offset
        ({"end_date": "0001-01-01T00:00:00Z"}, "end_date"),
        ({"start_date": "2026-05-02", "end_date": "2026-05-01"}, "end_date"),
        ({"start_date": "2026-01-01", "end_date": "2026-06-01"}, "end_date"),  # over 90 days
        ({"status": "pending"}, "status"),
        ({"page": "0"}, "page"),
        ({"page_size": "ten"}, "page_size"),
    ],
)
def test_bad_list_arguments_are_400_naming_the_argument(
    db: None, client: Client, params: dict[str, str], field: str
) -> None:
    for fmt in ("json", "xml"):
        response = get(client, "requests", fmt, params=params)
        assert response.status_code == 400
    [error] = json.loads(get(client, "requests", params=params).content)
    assert error["code"] == 400
    assert error["description"].startswith(f"{field}: ")


def test_pages_split_the_list_and_page_size_is_capped(
    make_problem: MakeProblem, client: Client
) -> None:
    made = [make_problem(ProblemState.REPORTED).number for _ in range(5)]
    newest_first = made[::-1]

    def ids(**params: str) -> list[str]:
        return [r["service_request_id"] for r in body(get(client, "requests", params=params))]

    assert ids(page_size="2") == newest_first[:2]
    assert ids(page_size="2", page="2") == newest_first[2:4]
    assert ids(page_size="2", page="3") == newest_first[4:]
    assert ids(page_size="2", page="4") == []
    assert ids(page_size="100000") == newest_first


def test_a_page_size_over_the_cap_answers_at_most_200(
    make_problem: MakeProblem, client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(open311, "MAX_PAGE_SIZE", 3)
    for _ in range(4):
        make_problem(ProblemState.REPORTED)
    assert len(body(get(client, "requests", params={"page_size": "200"}))) == 3
    assert len(body(get(client, "requests"))) == 3


def test_private_problems_are_neither_listed_nor_found(
    make_problem: MakeProblem, client: Client
) -> None:
    shown = make_problem(ProblemState.DISPATCHED)
    hidden = make_problem(ProblemState.DISPATCHED, is_public=False)
    listed = body(get(client, "requests"))
    assert [r["service_request_id"] for r in listed] == [shown.number]
    by_id = body(get(client, "requests", params={"service_request_id": hidden.number}))
    assert by_id == []
    for fmt in ("json", "xml"):
        assert get(client, "request", fmt, number=hidden.number).status_code == 404


def test_the_reporter_never_shows(make_problem: MakeProblem, client: Client) -> None:
    problem = make_problem(
        ProblemState.DISPATCHED,
        reporter_name="王小明",
        reporter_phone="13912345678",
        extra_answers={"email": "wang@example.com"},
    )
    for fmt in ("json", "xml"):
        for response in (
            get(client, "requests", fmt),
            get(client, "request", fmt, number=problem.number),
        ):
            text = response.content.decode()
            assert problem.number in text
            for secret in ("王小明", "13912345678", "1391", "wang@example.com"):
                assert secret not in text


def test_the_list_costs_the_same_queries_for_2_or_12_requests(
    make_problem: MakeProblem,
    client: Client,
    world: World,
    django_assert_max_num_queries: Any,
) -> None:
    def add(n: int) -> None:
        for _ in range(n):
            problem = make_problem(ProblemState.DISPATCHED)
            Dispatch.objects.create(problem=problem, unit=UnitFactory())
            duplicate = make_problem(ProblemState.DUPLICATE, duplicate_of=problem)
            ProblemEvent.objects.create(problem=duplicate, action="mark_duplicate", to_state="d")

    add(1)
    with django_assert_max_num_queries(5):
        assert len(body(get(client, "requests", "xml"))) == 2
    add(5)
    with django_assert_max_num_queries(5):
        assert len(body(get(client, "requests", "json"))) == 12


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_an_unknown_request_is_404_in_the_error_shape(db: None, client: Client, fmt: str) -> None:
    response = get(client, "request", fmt, number="2026-999999")
    assert response.status_code == 404
    if fmt == "json":
        assert json.loads(response.content) == [
            {
                "code": 404,
                "description": "service_request_id: no public request has the id “2026-999999”.",
            }
        ]
    else:
        root = body(response)
        assert root.tag == "errors"
        assert root.findtext("error/code") == "404"
        assert "2026-999999" in (root.findtext("error/description") or "")


def test_a_token_gives_the_request_id(make_problem: MakeProblem, client: Client) -> None:
    problem = make_problem(ProblemState.REPORTED, follow_token="tok-abc_123")
    assert body(get(client, "token", token="tok-abc_123")) == [
        {"service_request_id": problem.number, "token": "tok-abc_123"}
    ]
    root = body(get(client, "token", "xml", token="tok-abc_123"))
    assert xml_list(root, "request") == [
        {"service_request_id": problem.number, "token": "tok-abc_123"}
    ]
    missing = get(client, "token", token="nope")
    assert missing.status_code == 404
    assert json.loads(missing.content)[0]["description"].startswith("token: ")


@pytest.mark.parametrize(
    "path",
    [
        "/open311/v2/services.html",
        "/open311/v2/discovery.yaml",
        "/open311/v2/requests.csv",
        "/open311/v2/services/garbage_dead_corner.txt",
    ],
)
def test_an_unknown_format_is_404(db: None, client: Client, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 404
    root = body(response)
    assert root.findtext("error/code") == "404"
    assert ".json or .xml" in (root.findtext("error/description") or "")


@pytest.mark.parametrize(
    ("method", "name", "kwargs", "allow"),
    [
        ("post", "services", {}, "GET, HEAD"),
        ("post", "discovery", {}, "GET, HEAD"),
        ("delete", "requests", {}, "GET, HEAD, POST"),
        ("put", "request", {"number": "2026-000001"}, "GET, HEAD"),
        ("post", "token", {"token": "x"}, "GET, HEAD"),
    ],
)
def test_a_wrong_method_is_405(
    db: None, client: Client, method: str, name: str, kwargs: dict[str, str], allow: str
) -> None:
    response = getattr(client, method)(url(name, **kwargs))
    assert response.status_code == 405
    assert response["Allow"] == allow
    assert json.loads(response.content)[0]["code"] == 405


def test_xml_escapes_markup_and_drops_characters_xml_cannot_carry(
    make_problem: MakeProblem, client: Client
) -> None:
    problem = make_problem(
        ProblemState.REPORTED, description='<b>脏</b> & "乱" \x01\x0b差 ]]>', address="A&B"
    )
    response = get(client, "request", "xml", number=problem.number)
    assert b"<b>" not in response.content
    root = body(response)
    assert root.findtext("request/description") == '<b>脏</b> & "乱" 差 ]]>'
    assert root.findtext("request/address") == "A&B"
    [data] = body(get(client, "request", number=problem.number))
    assert data["description"] == '<b>脏</b> & "乱" \x01\x0b差 ]]>'


@pytest.mark.parametrize(
    ("path", "params", "field"),
    [
        ("/open311/v2/requests/2026%00.json", {}, "number"),
        ("/open311/v2/services/a%00b.json", {}, "code"),
        ("/open311/v2/tokens/%00.json", {}, "token"),
        ("/open311/v2/requests.json", {"service_code": "a\x00"}, "service_code"),
        ("/open311/v2/requests.json", {"service_request_id": "\x00"}, "service_request_id"),
        ("/open311/v2/requests.json", {"page": "²"}, "page"),
        ("/open311/v2/requests.json", {"start_date": "２０２６-01-01"}, "start_date"),
    ],
)
def test_odd_characters_are_400_not_a_crash(
    db: None, client: Client, path: str, params: dict[str, str], field: str
) -> None:
    response = client.get(path, params)
    assert response.status_code == 400
    assert json.loads(response.content)[0]["description"].startswith(f"{field}: ")


def test_asking_for_too_many_ids_at_once_is_400(db: None, client: Client) -> None:
    ids = ",".join(f"2026-{n:06d}" for n in range(201))
    response = get(client, "requests", params={"service_request_id": ids})
    assert response.status_code == 400
    assert json.loads(response.content)[0]["description"].startswith("service_request_id: ")


def test_malformed_questions_stored_earlier_do_not_break_the_definition(
    categories: None, client: Client
) -> None:
    Category.objects.filter(code="illegal_parking").update(
        extra_questions=[
            "not an object",
            {"description": "no code"},
            {"code": "size", "datatype": "singlevaluelist", "values": ["big", {"key": "s"}]},
        ]
    )
    data = body(get(client, "service", code="illegal_parking"))
    [size] = data["attributes"]
    assert (size["code"], size["order"]) == ("size", 1)
    assert size["values"] == [{"key": "s", "name": None}]
