"""Session plans: written by the community's staff, read ahead of the date by the units
paired with the community that day."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.test import Client
from django.urls import reverse

from gongzhi.activities import queries
from gongzhi.activities.models import SessionPlan
from gongzhi.activities.services_plans import session_plan_save
from gongzhi.campaigns.models import Session, SessionStatus
from gongzhi.core.models import Role
from gongzhi.problems.models import Problem, ProblemState
from tests.activities.fixtures_attendance import (  # noqa: F401 - fixtures
    client_of_fixture,
    days_ago,
    ledger_problem_fixture,
    seeded_fixture,
)
from tests.factories import PairingFactory, World, make_user


@pytest.fixture
def next_friday(make_session: Callable[..., Session]) -> Session:
    return make_session(days_ago(-6))


def plan(world: World, session: Session, role: str = "community", **values: Any) -> SessionPlan:
    body: dict[str, Any] = {
        "session_id": session.pk,
        "community_code": world.community_a1.code,
        "meeting_point": "社区服务中心门口",
        "meeting_time": "14:20",
        "contact_name": "刘主任",
        "contact_phone": "13900000000",
        "tasks": ["garbage_dead_corners", "illegal_flyers"],
    }
    body.update(values)
    return session_plan_save(user=world.users[role], **body)


def test_community_staff_plan_a_session_ahead_with_ledger_problems(
    world: World, next_friday: Session, ledger_problem: Callable[..., Problem]
) -> None:
    problem = ledger_problem(ProblemState.DISPATCHED)
    saved = plan(world, next_friday, problem_numbers=[problem.number])
    assert (saved.meeting_point, saved.meeting_time) == ("社区服务中心门口", dt.time(14, 20))
    assert saved.tasks == ["garbage_dead_corners", "illegal_flyers"]
    assert list(saved.problems.all()) == [problem]
    again = plan(world, next_friday, meeting_point="篮球场", tasks=[])
    assert again.pk == saved.pk and again.meeting_point == "篮球场" and again.tasks == []
    assert saved.history.count() >= 2


@pytest.mark.parametrize("role", ["street", "district", "office"])
def test_street_district_and_office_may_plan_too(
    world: World, next_friday: Session, role: str
) -> None:
    assert plan(world, next_friday, role=role).pk


@pytest.mark.parametrize("role", ["unit", "leader", "inspector"])
def test_units_and_readers_do_not_plan(world: World, next_friday: Session, role: str) -> None:
    with pytest.raises(PermissionDenied):
        plan(world, next_friday, role=role)


def test_staff_of_another_community_do_not_plan_it(world: World, next_friday: Session) -> None:
    other = make_user("community_a2", Role.COMMUNITY, community=world.community_a2)
    with pytest.raises(PermissionDenied):
        session_plan_save(
            user=other, session_id=next_friday.pk, community_code=world.community_a1.code
        )
    with pytest.raises(Http404):
        session_plan_save(
            user=world.users["nobody"],
            session_id=next_friday.pk,
            community_code=world.community_a1.code,
        )


def test_bad_plan_values_are_named_and_nothing_is_saved(
    world: World, next_friday: Session, ledger_problem: Callable[..., Problem]
) -> None:
    closed = ledger_problem(ProblemState.CLOSED)
    with pytest.raises(ValidationError) as refused:
        plan(
            world,
            next_friday,
            meeting_time="afternoon",
            contact_phone="call me",
            tasks=["sweeping"],
            problem_numbers=[closed.number],
            meeting_point="长" * 121,
        )
    assert set(refused.value.message_dict) == {
        "meeting_time",
        "contact_phone",
        "tasks",
        "problem_numbers",
        "meeting_point",
    }
    assert not SessionPlan.objects.exists()


def test_a_cancelled_session_is_not_planned(
    world: World, make_session: Callable[..., Session]
) -> None:
    cancelled = make_session(days_ago(-13), status=SessionStatus.CANCELLED)
    with pytest.raises(ValidationError) as refused:
        plan(world, cancelled)
    assert "session_id" in refused.value.message_dict


def test_a_unit_sees_the_plans_of_communities_it_is_paired_with_on_that_date(
    world: World, make_session: Callable[..., Session]
) -> None:
    soon, later = make_session(days_ago(-6)), make_session(days_ago(-20))
    plan(world, soon)
    plan(world, later)
    a2 = session_plan_save(
        user=world.users["street"], session_id=soon.pk, community_code=world.community_a2.code
    )
    world.pairing_a.end = days_ago(-10)
    world.pairing_a.save()
    seen = list(queries.plans_for(world.users["unit"], start=days_ago(0)))
    assert [(p.session, p.community) for p in seen] == [(soon, world.community_a1)]
    assert a2 not in seen
    # Paired from the later date on, another unit sees the later plan only.
    PairingFactory(unit=world.unit_free, community=world.community_a1, start=days_ago(-15))
    liaison = make_user("unit_free", Role.UNIT, unit=world.unit_free)
    assert [p.session for p in queries.plans_for(liaison)] == [later]
    assert len(queries.plans_for(world.users["community"])) == 2
    assert len(queries.plans_for(world.users["street"])) == 3
    assert len(queries.plans_for(world.users["leader"])) == 3


def test_the_plan_page_saves_and_the_unit_reads_it_on_the_session_list(
    world: World, next_friday: Session, client_of: Callable[[str], Client]
) -> None:
    url = reverse("activities:plan_edit", args=[next_friday.pk, world.community_a1.code])
    assert client_of("unit").get(url).status_code == 403
    other = make_user("community_b1", Role.COMMUNITY, community=world.community_b1)
    outsider = Client()
    outsider.force_login(other)
    assert outsider.get(url).status_code == 404
    client = client_of("community")
    assert client.post(url, {"contact_phone": "not a phone"}).status_code == 400
    response = client.post(
        url,
        {
            "meeting_point": "社区服务中心门口",
            "meeting_time": "14:20",
            "contact_name": "刘主任",
            "tasks": ["illegal_flyers"],
        },
    )
    assert response.status_code == 302
    text = client_of("unit").get(reverse("activities:session_list")).content.decode()
    assert 'data-testid="plans"' in text and "社区服务中心门口" in text and "刘主任" in text
