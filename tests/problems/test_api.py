"""Reading the problem ledger through /api/v1/: categories, the list, one problem, scope."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.test.utils import CaptureQueriesContext
from django.urls import include, path

from gongzhi.problems import services
from gongzhi.problems.models import Dispatch, Problem, ProblemEvent, ProblemState
from gongzhi.urls import urlpatterns as site_urlpatterns
from tests.core.photo_samples import camera_jpeg
from tests.factories import World

S = ProblemState


def _photo_view(request: HttpRequest, pk: int, kind: str) -> HttpResponse:
    return HttpResponse(b"")  # pragma: no cover - only reversed, never fetched


#: The site's routes plus a stand-in photo route, so photo URLs can be reversed here.
urlpatterns = [
    path(
        "test-photos/",
        include(([path("<int:pk>/<str:kind>", _photo_view, name="photo")], "problems")),
    ),
    *site_urlpatterns,
]


@pytest.fixture
def three(world: World, make_problem: Callable[..., Problem]) -> dict[str, Problem]:
    """Dispatched in community a1 (to unit_a), reported in a2, reported in b1."""
    return {
        "a1": make_problem(S.DISPATCHED),
        "a2": make_problem(community=world.community_a2),
        "b1": make_problem(community=world.community_b1),
    }


def _numbers(client: Any, **params: Any) -> set[str]:
    response = client.get("/api/v1/problems", params)
    assert response.status_code == 200, response.content
    return {row["number"] for row in response.json()["items"]}


# --- categories -----------------------------------------------------------------------


def test_categories_list_the_taxonomy_in_display_order(
    world: World, categories: None, api_client: Any
) -> None:
    response = api_client(world.users["nobody"]).get("/api/v1/categories")
    assert response.status_code == 200
    rows = response.json()
    assert rows[0]["code"] == "garbage_dead_corner"
    piled = next(r for r in rows if r["code"] == "piled_debris")
    assert piled["name"] == "乱堆乱放杂物"
    assert piled["group"] == "four_cleanups"
    assert piled["group_label"] == "Four clean-ups"
    assert piled["deadline_working_days"] == 3
    assert piled["responsible_unit_kinds"] == ["agency", "institution"]
    assert [q["code"] for q in piled["extra_questions"]] == ["location_detail", "volume"]
    assert not next(r for r in rows if r["code"] == "river_pond_cleanup")["resident_reportable"]


def test_category_group_labels_follow_the_callers_language(
    world: World, categories: None, api_client: Any
) -> None:
    client = api_client(world.users["office"])
    rows = client.get("/api/v1/categories", HTTP_ACCEPT_LANGUAGE="zh-hans").json()
    assert rows[0]["group_label"] != "Four clean-ups"


def test_categories_need_a_login(db: None, client: Any) -> None:
    assert client.get("/api/v1/categories").status_code == 401


# --- scope ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "seen"),
    [
        ("office", {"a1", "a2", "b1"}),
        ("leader", {"a1", "a2", "b1"}),
        ("district", {"a1", "a2"}),
        ("street", {"a1", "a2"}),
        ("community", {"a1"}),
        ("unit", {"a1"}),
        ("inspector", set()),
        ("member", set()),
        ("nobody", set()),
    ],
)
def test_each_role_lists_only_the_problems_in_its_scope(
    world: World, three: dict[str, Problem], api_client: Any, role: str, seen: set[str]
) -> None:
    client = api_client(world.users[role])
    assert _numbers(client) == {three[k].number for k in seen}
    for key, problem in three.items():
        expected = 200 if key in seen else 404
        assert client.get(f"/api/v1/problems/{problem.number}").status_code == expected


def test_an_unknown_number_is_a_404_in_the_error_shape(world: World, api_client: Any) -> None:
    response = api_client(world.users["office"]).get("/api/v1/problems/2026-999999")
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}


# --- phones ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "phone"),
    [
        ("office", "13912345678"),
        ("district", "13912345678"),
        ("street", "13912345678"),
        ("community", "13912345678"),
        ("leader", "139****5678"),
        ("unit", "139****5678"),
    ],
)
def test_the_reporter_phone_is_shown_in_full_only_to_the_office_and_area_staff(
    world: World, three: dict[str, Problem], api_client: Any, role: str, phone: str
) -> None:
    client = api_client(world.users[role])
    number = three["a1"].number
    listed = next(
        r for r in client.get("/api/v1/problems").json()["items"] if r["number"] == number
    )
    assert listed["reporter_phone"] == phone
    assert listed["reporter_name"] == "李四"
    assert client.get(f"/api/v1/problems/{number}").json()["reporter_phone"] == phone


def test_an_anonymous_report_shows_neither_name_nor_phone(
    world: World, make_problem: Callable[..., Problem], api_client: Any
) -> None:
    problem = make_problem(reporter_anonymous=True)
    body = api_client(world.users["office"]).get(f"/api/v1/problems/{problem.number}").json()
    assert (body["reporter_name"], body["reporter_phone"]) == ("", "")


# --- the list -------------------------------------------------------------------------


def test_a_listed_problem_carries_its_codes_deadline_and_flags(
    world: World, make_problem: Callable[..., Problem], api_client: Any
) -> None:
    original = make_problem(S.ACCEPTED)
    late = make_problem(
        S.IN_PROGRESS,
        deadline=dt.date(2020, 1, 10),
        duplicate_of=original,
        escalation_kind="chase",
        rework_count=2,
        lat=31.69,
        lng=113.38,
    )
    Dispatch.objects.create(problem=late, unit=world.unit_b)
    rows = api_client(world.users["office"]).get("/api/v1/problems").json()["items"]
    row = next(r for r in rows if r["number"] == late.number)
    assert row["category_code"] == "piled_debris"
    assert row["category_name"] == "乱堆乱放杂物"
    assert row["community_code"] == world.community_a1.code
    assert row["community_name"] == "白云社区"
    assert row["state"] == "in_progress"
    assert row["deadline"] == "2020-01-10"
    assert row["overdue"] is True
    assert sorted(row["unit_codes"]) == sorted([world.unit_a.code, world.unit_b.code])
    assert row["duplicate_of"] == original.number
    assert row["escalation"] == "chase"
    assert row["rework_count"] == 2
    assert (row["lat"], row["lng"]) == (31.69, 113.38)
    assert row["version"] == 1
    first = next(r for r in rows if r["number"] == original.number)
    assert (first["overdue"], first["unit_codes"], first["duplicate_of"]) == (False, [], None)


def test_a_handled_problem_past_its_deadline_is_not_overdue(
    world: World, make_problem: Callable[..., Problem], api_client: Any
) -> None:
    make_problem(S.HANDLED, deadline=dt.date(2020, 1, 10))
    rows = api_client(world.users["office"]).get("/api/v1/problems").json()["items"]
    assert rows[0]["overdue"] is False


def test_the_list_costs_the_same_queries_for_fifty_rows_as_for_two(
    world: World,
    make_problem: Callable[..., Problem],
    api_client: Any,
    django_assert_max_num_queries: Any,
) -> None:
    original = make_problem()
    make_problem(S.DISPATCHED, duplicate_of=original)
    client = api_client(world.users["district"])
    client.get("/api/v1/problems")  # the token's first use is recorded once
    with CaptureQueriesContext(connection) as few:
        assert len(client.get("/api/v1/problems").json()["items"]) == 2
    for _ in range(48):
        problem = make_problem(S.DISPATCHED, duplicate_of=original)
        Dispatch.objects.create(problem=problem, unit=world.unit_b)
    with django_assert_max_num_queries(len(few)):
        assert len(client.get("/api/v1/problems").json()["items"]) == 50


def test_pages_follow_the_cursor_newest_first_to_the_end(
    world: World, make_problem: Callable[..., Problem], api_client: Any
) -> None:
    made = [make_problem().number for _ in range(7)]
    client = api_client(world.users["office"])
    seen: list[str] = []
    cursor = ""
    while True:
        page = client.get("/api/v1/problems", {"limit": 3, "cursor": cursor}).json()
        assert len(page["items"]) <= 3
        seen += [row["number"] for row in page["items"]]
        if not page["next"]:
            break
        cursor = page["next"]
    assert seen == list(reversed(made))


def test_a_malformed_cursor_reads_as_the_first_page(
    world: World, make_problem: Callable[..., Problem], api_client: Any
) -> None:
    make_problem()
    client = api_client(world.users["office"])
    first = client.get("/api/v1/problems").json()
    assert client.get("/api/v1/problems", {"cursor": "!!not-a-cursor"}).json() == first


# --- filters --------------------------------------------------------------------------


def test_the_list_filters_by_state_repeated(
    world: World, make_problem: Callable[..., Problem], api_client: Any
) -> None:
    reported = make_problem()
    accepted = make_problem(S.ACCEPTED)
    make_problem(S.CLOSED)
    client = api_client(world.users["office"])
    assert _numbers(client, state="reported") == {reported.number}
    assert _numbers(client, state=["reported", "accepted"]) == {
        reported.number,
        accepted.number,
    }


def test_the_list_filters_by_category_source_and_escalation(
    world: World, categories: None, make_problem: Callable[..., Problem], api_client: Any
) -> None:
    from gongzhi.problems.models import Category

    weeds = make_problem(category=Category.objects.get(code="dead_branches_weeds"))
    hotline = make_problem(source="hotline_12345")
    chased = make_problem(S.DISPATCHED, escalation_kind="chase")
    client = api_client(world.users["office"])
    assert _numbers(client, category="dead_branches_weeds") == {weeds.number}
    assert _numbers(client, source="hotline_12345") == {hotline.number}
    assert _numbers(client, escalation="chase") == {chased.number}


def test_the_list_filters_by_district_street_community_and_unit(
    world: World, three: dict[str, Problem], api_client: Any
) -> None:
    client = api_client(world.users["office"])
    a_side = {three["a1"].number, three["a2"].number}
    assert _numbers(client, district=world.district_a.code) == a_side
    assert _numbers(client, street=world.street_b.code) == {three["b1"].number}
    assert _numbers(client, community=world.community_a2.code) == {three["a2"].number}
    assert _numbers(client, unit=world.unit_a.code.lower()) == {three["a1"].number}
    assert _numbers(client, unit=world.unit_b.code) == set()


def test_the_list_filters_overdue_problems(
    world: World, make_problem: Callable[..., Problem], api_client: Any
) -> None:
    late = make_problem(S.DISPATCHED, deadline=dt.date(2020, 1, 10))
    make_problem(S.DISPATCHED, deadline=dt.date(2999, 1, 10))
    make_problem(S.HANDLED, deadline=dt.date(2020, 1, 10))
    client = api_client(world.users["office"])
    assert _numbers(client, overdue="true") == {late.number}
    assert len(_numbers(client, overdue="false")) == 3


def test_the_list_filters_by_report_dates_inclusive(
    world: World, make_problem: Callable[..., Problem], api_client: Any
) -> None:
    from django.utils import timezone

    days = {}
    for day in (1, 2, 3):
        problem = make_problem()
        at = timezone.make_aware(dt.datetime(2026, 3, day, 23, 30))
        Problem.objects.filter(pk=problem.pk).update(created_at=at)
        days[day] = problem.number
    client = api_client(world.users["office"])
    assert _numbers(client, start="2026-03-02") == {days[2], days[3]}
    assert _numbers(client, end="2026-03-02") == {days[1], days[2]}
    assert _numbers(client, start="2026-03-02", end="2026-03-02") == {days[2]}


def test_the_list_searches_number_title_description_and_address(
    world: World, make_problem: Callable[..., Problem], api_client: Any
) -> None:
    titled = make_problem(title="东门垃圾桶满溢")
    addressed = make_problem(address="解放路12号")
    other = make_problem()
    client = api_client(world.users["office"])
    assert _numbers(client, q="垃圾桶") == {titled.number}
    assert _numbers(client, q="解放路") == {addressed.number}
    assert _numbers(client, q=other.number) == {other.number}
    assert _numbers(client, q="楼下堆满") == {titled.number, addressed.number, other.number}


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"state": "lost"}, "state"),
        ({"source": "fax"}, "source"),
        ({"escalation": "shout"}, "escalation"),
        ({"start": "2026-13-01"}, "start"),
        ({"end": "03/02/2026"}, "end"),
        ({"end": "9999-12-31"}, "end"),
        ({"start": "0001-01-01"}, "start"),
    ],
)
def test_a_bad_filter_is_a_400_naming_it(
    world: World, api_client: Any, params: dict[str, str], field: str
) -> None:
    response = api_client(world.users["office"]).get("/api/v1/problems", params)
    assert response.status_code == 400
    assert list(response.json()["errors"]) == [field]


def test_a_nul_character_in_a_filter_is_refused(world: World, api_client: Any) -> None:
    response = api_client(world.users["office"]).get("/api/v1/problems?q=a%00b")
    assert response.status_code == 400
    assert response.json()["errors"] == {"q": ["Text cannot contain NUL characters."]}


# --- one problem ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "actions"),
    [
        ("community", ["accept", "reject", "mark_duplicate"]),
        ("office", ["accept", "reject", "mark_duplicate"]),
        ("leader", []),
    ],
)
def test_a_problem_lists_the_actions_open_to_the_caller(
    world: World, make_problem: Callable[..., Problem], api_client: Any, role: str, actions: list
) -> None:
    problem = make_problem()
    body = api_client(world.users[role]).get(f"/api/v1/problems/{problem.number}").json()
    assert body["allowed_actions"] == actions


def test_a_dispatched_unit_may_start_handle_or_ask_for_more_time(
    world: World, make_problem: Callable[..., Problem], api_client: Any
) -> None:
    problem = make_problem(S.DISPATCHED)
    body = api_client(world.users["unit"]).get(f"/api/v1/problems/{problem.number}").json()
    assert body["allowed_actions"] == ["start", "handle", "request_extension", "request_park"]


def test_a_problem_shows_its_events_with_actor_and_data(
    world: World, make_problem: Callable[..., Problem], api_client: Any
) -> None:
    problem = make_problem()
    services.problem_transition(
        user=world.users["community"],
        problem_number=problem.number,
        action="reject",
        expected_version=1,
        note="不属于环境问题",
    )
    body = api_client(world.users["office"]).get(f"/api/v1/problems/{problem.number}").json()
    assert body["state"] == "rejected"
    assert body["version"] == 2
    [event] = body["events"]
    assert event["action"] == "reject"
    assert (event["from_state"], event["to_state"]) == ("reported", "rejected")
    assert (event["actor"], event["actor_role"]) == ("community", "community")
    assert event["note"] == "不属于环境问题"
    assert body["allowed_actions"] == []


def test_a_system_event_has_no_actor(
    world: World, make_problem: Callable[..., Problem], api_client: Any
) -> None:
    problem = make_problem(S.DISPATCHED)
    ProblemEvent.objects.create(
        problem=problem, action="escalate", from_state="dispatched", to_state="dispatched"
    )
    body = api_client(world.users["office"]).get(f"/api/v1/problems/{problem.number}").json()
    assert body["events"][0]["actor"] is None


@pytest.mark.urls(__name__)
@pytest.mark.parametrize(("role", "original"), [("community", True), ("unit", False)])
def test_photo_originals_are_linked_only_for_staff_who_see_the_reporter(
    world: World, make_problem: Callable[..., Problem], api_client: Any, role: str, original: bool
) -> None:
    problem = make_problem(S.IN_PROGRESS)
    services.problem_transition(
        user=world.users["unit"],
        problem_number=problem.number,
        action="handle",
        expected_version=1,
        note="已清理",
        photos=[camera_jpeg()],
    )
    body = api_client(world.users[role]).get(f"/api/v1/problems/{problem.number}").json()
    [photo] = body["photos"]
    assert photo["event_id"] is not None
    assert photo["thumb_url"] == f"/test-photos/{photo['id']}/thumb"
    assert photo["public_url"] == f"/test-photos/{photo['id']}/public"
    expected = f"/test-photos/{photo['id']}/original" if original else None
    assert photo["original_url"] == expected


def test_suggestions_list_open_problems_it_may_duplicate_while_it_may_be_marked(
    world: World, make_problem: Callable[..., Problem], api_client: Any
) -> None:
    earlier = make_problem(S.DISPATCHED, description="三号楼下堆满装修垃圾")
    fresh = make_problem(description="三号楼下堆满装修垃圾没人清")
    client = api_client(world.users["community"])
    body = client.get(f"/api/v1/problems/{fresh.number}").json()
    assert body["duplicate_suggestions"] == [earlier.number]
    assert client.get(f"/api/v1/problems/{earlier.number}").json()["duplicate_suggestions"] == []
