"""Call-backs (回访): closed problems whose reporter waits for a call, and recording the rating."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse

from gongzhi.problems import queries
from gongzhi.problems.models import Problem, ProblemEvent, ProblemState
from tests.factories import World

MakeProblem = Callable[..., Problem]


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def record(client: Client, problem: Problem, **data: Any) -> Any:
    body = {"rating": "satisfied", "note": "", "version": problem.version, **data}
    return client.post(reverse("problems:callback_record", args=[problem.number]), body)


def messages_of(response: Any) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


@pytest.fixture
def waiting(world: World, make_problem: MakeProblem) -> Problem:
    return make_problem(
        ProblemState.CLOSED,
        reporter_name="李四",
        reporter_phone="13912345678",
        escalation_kind="chase",
    )


def test_the_list_holds_closed_unrated_problems_with_a_phone_in_the_users_area(
    world: World, make_problem: MakeProblem, waiting: Problem
) -> None:
    not_listed = [
        make_problem(ProblemState.CLOSED, satisfaction="satisfied"),
        make_problem(ProblemState.CLOSED, reporter_phone=""),
        make_problem(ProblemState.CLOSED, reporter_anonymous=True),
        make_problem(ProblemState.HANDLED),
        make_problem(ProblemState.CLOSED, community=world.community_b1),
    ]
    listed = list(queries.callbacks_due(world.users["community"]))
    assert listed == [waiting]
    assert not set(listed) & set(not_listed)
    assert len(queries.callbacks_due(world.users["office"])) == 2


def test_community_staff_see_the_full_phone_and_a_form(world: World, waiting: Problem) -> None:
    response = client_for(world.users["community"]).get(reverse("problems:callbacks"))
    assert response.status_code == 200
    html = response.content.decode()
    assert waiting.number in html
    assert "13912345678" in html
    assert 'data-testid="callback-form"' in html


@pytest.mark.parametrize("role", ["street", "district"])
def test_street_and_district_officers_see_the_list_without_the_form(
    world: World, waiting: Problem, role: str
) -> None:
    # The workflow table lets the community and the office record call-backs.
    html = client_for(world.users[role]).get(reverse("problems:callbacks")).content.decode()
    assert "13912345678" in html
    assert 'data-testid="callback-form"' not in html


@pytest.mark.parametrize("role", ["leader", "unit", "inspector", "member", "nobody"])
def test_other_roles_are_refused_the_call_backs(world: World, waiting: Problem, role: str) -> None:
    client = client_for(world.users[role])
    assert client.get(reverse("problems:callbacks")).status_code == 403
    assert record(client, waiting).status_code == 403
    waiting.refresh_from_db()
    assert waiting.satisfaction == ""


def test_recording_a_rating_takes_the_row_off_the_list(world: World, waiting: Problem) -> None:
    client = client_for(world.users["community"])
    response = record(client, waiting, rating="basically_satisfied", note="电话回访，基本满意")
    assert response.status_code == 302
    assert messages_of(response) == [f"The call-back for {waiting.number} is recorded."]
    waiting.refresh_from_db()
    assert waiting.satisfaction == "basically_satisfied"
    assert waiting.state == ProblemState.CLOSED
    event = waiting.events.get(action="callback")
    assert event.actor == world.users["community"]
    assert event.note == "电话回访，基本满意"
    html = client.get(reverse("problems:callbacks")).content.decode()
    assert f'data-number="{waiting.number}"' not in html


def test_a_dissatisfied_reporter_reopens_the_problem_once_with_a_fresh_ladder(
    world: World, waiting: Problem
) -> None:
    old_deadline = waiting.deadline
    response = record(client_for(world.users["community"]), waiting, rating="dissatisfied")
    assert "dispatched again" in messages_of(response)[0]
    waiting.refresh_from_db()
    assert waiting.state == ProblemState.DISPATCHED
    assert waiting.reopened_by_rating
    assert waiting.satisfaction == "dissatisfied"
    assert waiting.deadline != old_deadline
    assert waiting.escalation_kind == ""


def test_a_stale_form_is_refused_as_changed_by_someone_else(world: World, waiting: Problem) -> None:
    seen = waiting.version
    Problem.objects.filter(pk=waiting.pk).update(version=seen + 1)
    response = record(client_for(world.users["office"]), waiting, version=seen)
    assert response.status_code == 302
    assert "changed by someone else" in messages_of(response)[0]
    waiting.refresh_from_db()
    assert waiting.satisfaction == ""
    assert not ProblemEvent.objects.filter(problem=waiting, action="callback").exists()


def test_a_missing_rating_is_refused_by_name(world: World, waiting: Problem) -> None:
    response = record(client_for(world.users["community"]), waiting, rating="")
    assert messages_of(response) == [f"{waiting.number}: Rating: This field is required."]
    waiting.refresh_from_db()
    assert waiting.satisfaction == ""


def test_a_problem_rated_meanwhile_is_refused_with_the_reason(
    world: World, waiting: Problem
) -> None:
    Problem.objects.filter(pk=waiting.pk).update(satisfaction="satisfied")
    response = record(client_for(world.users["community"]), waiting)
    assert messages_of(response) == [
        f"{waiting.number}: Rating: The result has already been rated."
    ]


def test_a_problem_outside_the_users_area_is_not_found(
    world: World, make_problem: MakeProblem
) -> None:
    elsewhere = make_problem(ProblemState.CLOSED, community=world.community_b1)
    response = record(client_for(world.users["community"]), elsewhere)
    assert response.status_code == 404
    elsewhere.refresh_from_db()
    assert elsewhere.satisfaction == ""


def test_the_list_costs_the_same_queries_for_more_rows(
    world: World, make_problem: MakeProblem, waiting: Problem, django_assert_max_num_queries: Any
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(world.users["community"])
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("problems:callbacks"))
    for _ in range(15):
        make_problem(ProblemState.CLOSED)
    with django_assert_max_num_queries(len(few)):
        response = client.get(reverse("problems:callbacks"))
    assert response.content.decode().count('data-testid="callback-form"') == 16


def test_the_call_back_page_is_in_chinese_by_default(
    world: World, waiting: Problem, chinese: None
) -> None:
    html = client_for(world.users["community"]).get(reverse("problems:callbacks")).content.decode()
    assert 'lang="zh-CN"' in html
    assert waiting.number in html
