"""The ledger page: what each role sees, every filter, pages and what a page costs."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from gongzhi.problems.models import Category, Dispatch, Problem
from tests.factories import World

LEDGER = reverse("problems:ledger")


def numbers(response: Any) -> list[str]:
    return [row["problem"].number for row in response.context["rows"]]


@pytest.fixture
def three(world: World, make_problem: Callable[..., Problem]) -> dict[str, Problem]:
    """A dispatched problem in a1 (unit_a), a reported one in a2 and a reported one in b1."""
    return {
        "a1": make_problem("dispatched", title="楼道堆物"),
        "a2": make_problem("reported", community=world.community_a2),
        "b1": make_problem("reported", community=world.community_b1),
    }


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("office", {"a1", "a2", "b1"}),
        ("leader", {"a1", "a2", "b1"}),
        ("district", {"a1", "a2"}),
        ("street", {"a1", "a2"}),
        ("community", {"a1"}),
        ("unit", {"a1"}),
        ("inspector", set()),
        ("member", set()),
    ],
)
def test_each_role_sees_the_problems_of_its_scope_only(
    world: World, three: dict[str, Problem], client: Client, role: str, expected: set[str]
) -> None:
    client.force_login(world.users[role])
    response = client.get(LEDGER)
    assert response.status_code == 200
    assert set(numbers(response)) == {three[key].number for key in expected}
    text = response.content.decode()
    for key, problem in three.items():
        assert (problem.number in text) == (key in expected)


def test_an_empty_ledger_says_so(world: World, client: Client) -> None:
    client.force_login(world.users["community"])
    text = client.get(LEDGER).content.decode()
    assert "No problems in your ledger yet." in text


def test_a_problem_out_of_scope_answers_404_on_its_page_and_its_actions(
    world: World, three: dict[str, Problem], client: Client
) -> None:
    client.force_login(world.users["community"])
    number = three["b1"].number
    assert client.get(reverse("problems:detail", kwargs={"number": number})).status_code == 404
    response = client.post(
        reverse("problems:transition", kwargs={"number": number}),
        {"action": "accept", "version": 1},
    )
    assert response.status_code == 404
    assert Problem.objects.get(number=number).state == "reported"


def test_a_unit_liaison_does_not_see_a_problem_of_its_community_not_dispatched_to_it(
    world: World, make_problem: Callable[..., Problem], client: Client
) -> None:
    reported = make_problem("reported")
    client.force_login(world.users["unit"])
    url = reverse("problems:detail", kwargs={"number": reported.number})
    assert client.get(url).status_code == 404


def test_the_row_shows_category_community_units_and_an_overdue_deadline(
    world: World, make_problem: Callable[..., Problem], client: Client
) -> None:
    late = make_problem("dispatched", deadline=timezone.localdate() - dt.timedelta(days=3))
    make_problem("closed", deadline=timezone.localdate() - dt.timedelta(days=30))
    client.force_login(world.users["office"])
    response = client.get(LEDGER)
    text = response.content.decode()
    assert "overdue 3 days" in text
    assert text.count('data-testid="overdue"') == 1
    assert "乱堆乱放杂物" in text and world.community_a1.name in text
    assert world.unit_a.short_name in text
    row = next(r for r in response.context["rows"] if r["problem"] == late)
    assert row["overdue_days"] == 3
    assert [u.code for u in row["units"]] == [world.unit_a.code]


# --- filters ---------------------------------------------------------------------------


def test_filter_by_several_states(
    world: World, make_problem: Callable[..., Problem], client: Client
) -> None:
    reported = make_problem("reported")
    closed = make_problem("closed")
    make_problem("dispatched")
    client.force_login(world.users["office"])
    response = client.get(LEDGER, {"state": ["reported", "closed"]})
    assert set(numbers(response)) == {reported.number, closed.number}


def test_filter_by_category_and_by_source(
    world: World, categories: None, make_problem: Callable[..., Problem], client: Client
) -> None:
    weeds = make_problem("reported", category=Category.objects.get(code="dead_branches_weeds"))
    hotline = make_problem("reported", source="hotline_12345")
    client.force_login(world.users["office"])
    assert numbers(client.get(LEDGER, {"category": "dead_branches_weeds"})) == [weeds.number]
    assert numbers(client.get(LEDGER, {"source": "hotline_12345"})) == [hotline.number]


def test_filter_by_district_street_and_community(
    world: World, three: dict[str, Problem], client: Client
) -> None:
    client.force_login(world.users["office"])
    by_district = client.get(LEDGER, {"district": world.district_b.code})
    assert numbers(by_district) == [three["b1"].number]
    by_street = client.get(LEDGER, {"street": world.street_a.code})
    assert set(numbers(by_street)) == {three["a1"].number, three["a2"].number}
    by_community = client.get(LEDGER, {"community": world.community_a2.code})
    assert numbers(by_community) == [three["a2"].number]


def test_filter_by_dispatched_unit(
    world: World, make_problem: Callable[..., Problem], client: Client
) -> None:
    theirs = make_problem("dispatched")
    other = make_problem("dispatched")
    Dispatch.objects.filter(problem=other).update(unit=world.unit_b)
    client.force_login(world.users["office"])
    assert numbers(client.get(LEDGER, {"unit": world.unit_b.code})) == [other.number]
    assert numbers(client.get(LEDGER, {"unit": world.unit_a.code})) == [theirs.number]


def test_filter_overdue_keeps_late_problems_not_yet_handled(
    world: World, make_problem: Callable[..., Problem], client: Client
) -> None:
    past = timezone.localdate() - dt.timedelta(days=2)
    late = make_problem("in_progress", deadline=past)
    make_problem("handled", deadline=past)
    make_problem("dispatched", deadline=timezone.localdate() + dt.timedelta(days=2))
    client.force_login(world.users["office"])
    assert numbers(client.get(LEDGER, {"overdue": "on"})) == [late.number]


def test_filter_by_escalation(
    world: World, make_problem: Callable[..., Problem], client: Client
) -> None:
    chased = make_problem("dispatched", escalation_kind="chase")
    make_problem("dispatched", escalation_kind="reminder")
    client.force_login(world.users["office"])
    assert numbers(client.get(LEDGER, {"escalation": "chase"})) == [chased.number]


def test_filter_by_period_of_the_report(
    world: World, make_problem: Callable[..., Problem], client: Client
) -> None:
    old = make_problem("reported")
    new = make_problem("reported")
    moment = timezone.make_aware(dt.datetime(2026, 3, 5, 23, 30))
    Problem.objects.filter(pk=old.pk).update(created_at=moment)
    Problem.objects.filter(pk=new.pk).update(created_at=moment + dt.timedelta(days=10))
    client.force_login(world.users["office"])
    march_first_week = client.get(LEDGER, {"start": "2026-03-01", "end": "2026-03-05"})
    assert numbers(march_first_week) == [old.number]
    assert numbers(client.get(LEDGER, {"start": "2026-03-06"})) == [new.number]


def test_text_search_matches_the_number_or_the_title(
    world: World, three: dict[str, Problem], client: Client
) -> None:
    client.force_login(world.users["office"])
    assert numbers(client.get(LEDGER, {"q": three["b1"].number})) == [three["b1"].number]
    assert numbers(client.get(LEDGER, {"q": "楼道"})) == [three["a1"].number]
    text = client.get(LEDGER, {"q": "没有这个"}).content.decode()
    assert "No problems match these filters." in text


def test_area_choices_are_limited_to_the_scope(
    world: World, three: dict[str, Problem], client: Client
) -> None:
    client.force_login(world.users["community"])
    form = client.get(LEDGER).context["form"]
    assert [c for c, _ in form.fields["district"].choices if c] == [world.district_a.code]
    assert [c for c, _ in form.fields["community"].choices if c] == [world.community_a1.code]


def test_a_unit_liaison_can_filter_by_the_community_of_any_problem_dispatched_to_it(
    world: World, make_problem: Callable[..., Problem], client: Client
) -> None:
    far = make_problem("dispatched", community=world.community_b2)
    client.force_login(world.users["unit"])
    response = client.get(LEDGER, {"community": world.community_b2.code})
    assert response.status_code == 200
    assert numbers(response) == [far.number]


def test_a_community_outside_the_scope_is_refused_by_name_and_lists_nothing(
    world: World, three: dict[str, Problem], client: Client
) -> None:
    client.force_login(world.users["community"])
    response = client.get(LEDGER, {"community": world.community_b1.code})
    assert response.status_code == 400
    assert "community" in response.context["form"].errors
    assert response.context["rows"] == []
    assert 'data-field-error="community"' in response.content.decode()


def test_a_period_ending_before_it_starts_is_refused(world: World, client: Client) -> None:
    client.force_login(world.users["office"])
    response = client.get(LEDGER, {"start": "2026-03-05", "end": "2026-03-01"})
    assert response.status_code == 400
    assert response.context["form"].errors["end"] == [
        "The end of the period lies before its start."
    ]


def test_a_malformed_date_is_refused_on_its_field(world: World, client: Client) -> None:
    client.force_login(world.users["office"])
    response = client.get(LEDGER, {"start": "2026-02-30"})
    assert response.status_code == 400
    assert "start" in response.context["form"].errors


# --- pages and cost --------------------------------------------------------------------


def test_pages_follow_each_other_newest_first_and_keep_the_filters(
    world: World, make_problem: Callable[..., Problem], client: Client, settings: Any
) -> None:
    settings.PAGE_SIZE = 2
    wanted = [make_problem("reported").number for _ in range(5)]
    make_problem("closed")
    client.force_login(world.users["office"])
    seen: list[str] = []
    url = LEDGER + "?state=reported"
    for _ in range(5):
        response = client.get(url)
        seen += numbers(response)
        next_url = response.context["next_url"]
        if not next_url:
            break
        assert "state=reported" in next_url
        url = LEDGER + next_url
    assert seen == list(reversed(wanted))


def test_a_garbled_cursor_shows_the_first_page(
    world: World, three: dict[str, Problem], client: Client
) -> None:
    client.force_login(world.users["office"])
    response = client.get(LEDGER, {"cursor": "%%%not-a-cursor"})
    assert response.status_code == 200
    assert len(numbers(response)) == 3


@pytest.mark.parametrize("role", ["office", "community", "unit"])
def test_the_ledger_costs_the_same_queries_for_many_rows(
    world: World,
    make_problem: Callable[..., Problem],
    client: Client,
    django_assert_max_num_queries: Any,
    role: str,
) -> None:
    client.force_login(world.users[role])
    make_problem("dispatched")
    with CaptureQueriesContext(connection) as few:
        client.get(LEDGER, {"state": ["dispatched"], "overdue": ""})
    for _ in range(30):
        make_problem("dispatched")
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(LEDGER, {"state": ["dispatched"], "overdue": ""})
    assert len(response.context["rows"]) == 31


def test_the_ledger_needs_a_login(client: Client) -> None:
    response = client.get(LEDGER)
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


def test_the_problems_menu_entry_goes_to_roles_that_use_the_ledger(
    world: World, client: Client
) -> None:
    for role, present in [("office", True), ("unit", True), ("inspector", True), ("member", False)]:
        client.force_login(world.users[role])
        names = {item["name"] for item in client.get(reverse("home")).context["nav_items"]}
        assert ("problems:ledger" in names) == present, role


def test_the_ledger_and_a_problem_render_in_chinese(
    world: World, three: dict[str, Problem], client: Client, chinese: None
) -> None:
    client.force_login(world.users["office"])
    ledger = client.get(LEDGER, {"state": ["dispatched"]})
    assert ledger.status_code == 200
    assert '<html lang="zh-CN">' in ledger.content.decode()
    page = client.get(reverse("problems:detail", kwargs={"number": three["a1"].number}))
    assert page.status_code == 200
    assert "楼道堆物" in page.content.decode()
    assert client.get(reverse("problems:create")).status_code == 200
