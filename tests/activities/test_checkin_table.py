"""Declared headcount against check-ins, and the community's certification of hours."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.test import Client
from django.urls import reverse

from gongzhi.activities import queries_checkin as queries
from gongzhi.activities import services_checkin as services
from gongzhi.activities.models import Attendance, CheckIn
from gongzhi.campaigns.models import Session
from gongzhi.units.models import Member
from tests.activities.fixtures_checkin import (  # noqa: F401 - fixtures
    Clock,
    clock_fixture,
    make_checkin_fixture,
    make_member_fixture,
    session_fixture,
)
from tests.factories import MemberFactory, World, make_user


def declare(session: Session, unit: Any, community: Any, headcount: int) -> Attendance:
    return Attendance.objects.create(
        session=session, unit=unit, community=community, headcount=headcount
    )


def check_in_members(
    session: Session,
    count: int,
    make_checkin: Callable[..., CheckIn],
    *,
    unit: Any,
    community: Any,
    hours: str | None = "3",
) -> list[CheckIn]:
    return [
        make_checkin(session, MemberFactory(unit=unit), hours=hours, community=community)
        for _ in range(count)
    ]


# --- the gaps ------------------------------------------------------------------------------


def test_fewer_than_half_the_declared_headcount_checked_in_is_flagged(
    world: World, session: Session, make_checkin: Callable[..., CheckIn]
) -> None:
    declare(session, world.unit_a, world.community_a1, 10)
    check_in_members(session, 4, make_checkin, unit=world.unit_a, community=world.community_a1)
    [row] = queries.headcount_gaps(session)
    assert (row.unit_code, row.community_code, row.declared, row.checked_in) == (
        world.unit_a.code,
        world.community_a1.code,
        10,
        4,
    )
    assert row.flagged


def test_half_the_declared_headcount_is_not_a_large_gap(
    world: World, session: Session, make_checkin: Callable[..., CheckIn]
) -> None:
    declare(session, world.unit_a, world.community_a1, 10)
    check_in_members(session, 5, make_checkin, unit=world.unit_a, community=world.community_a1)
    assert not queries.headcount_gaps(session)[0].flagged


def test_the_ratio_is_a_setting(
    world: World, session: Session, make_checkin: Callable[..., CheckIn], settings: Any
) -> None:
    settings.CHECKIN_GAP_RATIO = 0.8
    declare(session, world.unit_a, world.community_a1, 10)
    check_in_members(session, 7, make_checkin, unit=world.unit_a, community=world.community_a1)
    assert queries.headcount_gaps(session)[0].flagged


def test_nobody_is_flagged_where_check_in_was_not_used(
    world: World, session: Session, make_checkin: Callable[..., CheckIn]
) -> None:
    declare(session, world.unit_free, world.community_a2, 30)
    check_in_members(session, 1, make_checkin, unit=world.unit_b, community=world.community_b1)
    rows = {r.community_code: r for r in queries.headcount_gaps(session)}
    assert rows[world.community_a2.code].checked_in == 0
    assert not rows[world.community_a2.code].checkin_used
    assert not rows[world.community_a2.code].flagged
    # Check-ins without declared attendance are listed, not flagged.
    assert rows[world.community_b1.code].declared is None
    assert not rows[world.community_b1.code].flagged


def test_a_unit_that_declared_but_brought_nobody_where_others_checked_in_is_flagged(
    world: World, session: Session, make_checkin: Callable[..., CheckIn]
) -> None:
    declare(session, world.unit_a, world.community_a1, 10)
    declare(session, world.unit_free, world.community_a1, 20)
    check_in_members(session, 10, make_checkin, unit=world.unit_a, community=world.community_a1)
    rows = {r.unit_code: r for r in queries.headcount_gaps(session)}
    assert not rows[world.unit_a.code].flagged
    assert rows[world.unit_free.code].flagged


# --- the table page --------------------------------------------------------------------------


def table_url(session: Session, community: str = "") -> str:
    url = reverse("activities:checkin_table", args=[session.pk])
    return f"{url}?community={community}" if community else url


@pytest.fixture
def busy_session(world: World, session: Session, make_checkin: Callable[..., CheckIn]) -> Session:
    declare(session, world.unit_a, world.community_a1, 10)
    check_in_members(session, 3, make_checkin, unit=world.unit_a, community=world.community_a1)
    declare(session, world.unit_b, world.community_b1, 2)
    check_in_members(session, 2, make_checkin, unit=world.unit_b, community=world.community_b1)
    return session


def test_the_office_sees_every_unit_with_the_gap_flagged(
    world: World, busy_session: Session, client: Client
) -> None:
    client.force_login(world.users["office"])
    response = client.get(table_url(busy_session))
    assert response.status_code == 200
    body = response.content.decode()
    assert (
        f'data-unit="{world.unit_a.code}" data-community="{world.community_a1.code}" class="table-warning" data-flagged="1"'
        in body
    )
    assert f'data-unit="{world.unit_b.code}" data-community="{world.community_b1.code}">' in body
    assert "1 unit has a large gap." in body
    assert body.count("data-checkin=") == 5
    assert 'name="checkin"' not in body  # the office does not certify


@pytest.mark.parametrize(
    ("role", "checkins", "units"),
    [("community", 3, ["unit_a"]), ("unit", 3, ["unit_a"]), ("district", 3, ["unit_a"])],
)
def test_staff_and_liaisons_see_their_rows_only(
    world: World, busy_session: Session, client: Client, role: str, checkins: int, units: list[str]
) -> None:
    client.force_login(world.users[role])
    response = client.get(table_url(busy_session))
    assert response.status_code == 200
    body = response.content.decode()
    assert body.count("data-checkin=") == checkins
    assert [g.unit_code for g in response.context["gaps"]] == [
        getattr(world, u).code for u in units
    ]
    assert world.unit_b.code not in body


def test_members_and_people_without_a_role_do_not_get_the_table(
    world: World, busy_session: Session, client: Client
) -> None:
    client.force_login(world.users["member"])
    assert client.get(table_url(busy_session)).status_code == 403
    client.force_login(world.users["nobody"])
    assert client.get(table_url(busy_session)).status_code == 404


def test_the_table_costs_the_same_queries_for_many_check_ins(
    world: World,
    session: Session,
    make_checkin: Callable[..., CheckIn],
    client: Client,
    django_assert_max_num_queries: Any,
) -> None:
    client.force_login(world.users["community"])
    declare(session, world.unit_a, world.community_a1, 40)
    check_in_members(session, 2, make_checkin, unit=world.unit_a, community=world.community_a1)
    with django_assert_max_num_queries(12) as few:
        client.get(table_url(session))
    check_in_members(session, 30, make_checkin, unit=world.unit_a, community=world.community_a1)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(table_url(session))
    assert response.content.decode().count("data-checkin=") == 32


# --- certification ----------------------------------------------------------------------------


def test_the_community_certifies_check_outs_and_only_then_the_hours_count(
    world: World, session: Session, make_checkin: Callable[..., CheckIn], clock: Clock
) -> None:
    [done] = check_in_members(
        session, 1, make_checkin, unit=world.unit_a, community=world.community_a1
    )
    member = done.member
    assert queries.volunteer_hours(member, session.date, session.date) == 0
    rows = services.checkin_certify(
        world.users["community"], session.pk, world.community_a1.code, [done.pk]
    )
    assert [r.pk for r in rows] == [done.pk]
    done.refresh_from_db()
    assert done.certified_by == world.users["community"]
    assert done.certified_at == clock.now
    assert str(queries.volunteer_hours(member, session.date, session.date)) == "3.00"


def test_a_check_in_not_checked_out_cannot_be_certified_and_nothing_is(
    world: World, session: Session, make_checkin: Callable[..., CheckIn], clock: Clock
) -> None:
    [done] = check_in_members(
        session, 1, make_checkin, unit=world.unit_a, community=world.community_a1
    )
    [still_there] = check_in_members(
        session, 1, make_checkin, unit=world.unit_a, community=world.community_a1, hours=None
    )
    with pytest.raises(ValidationError) as caught:
        services.checkin_certify(
            world.users["community"], session.pk, world.community_a1.code, [done.pk, still_there.pk]
        )
    assert still_there.member.name in str(caught.value.message_dict["checkin_ids"])
    assert not CheckIn.objects.filter(certified_at__isnull=False).exists()


def test_check_ins_of_another_community_are_refused_by_number(
    world: World, session: Session, make_checkin: Callable[..., CheckIn], clock: Clock
) -> None:
    [elsewhere] = check_in_members(
        session, 1, make_checkin, unit=world.unit_a, community=world.community_a2
    )
    with pytest.raises(
        ValidationError, match=f"Not check-ins of this session in 白云社区: {elsewhere.pk}"
    ):
        services.checkin_certify(
            world.users["community"], session.pk, world.community_a1.code, [elsewhere.pk]
        )


@pytest.mark.parametrize("ids", [[], "1", [True], [None], ["x"]])
def test_the_check_ins_to_certify_must_be_named(
    world: World, session: Session, clock: Clock, ids: Any
) -> None:
    with pytest.raises(ValidationError) as caught:
        services.checkin_certify(world.users["community"], session.pk, world.community_a1.code, ids)
    assert "checkin_ids" in caught.value.message_dict


@pytest.mark.parametrize("role", ["office", "street", "district", "unit"])
def test_only_the_staff_of_that_community_certify(
    world: World,
    session: Session,
    make_checkin: Callable[..., CheckIn],
    clock: Clock,
    role: str,
) -> None:
    [done] = check_in_members(
        session, 1, make_checkin, unit=world.unit_a, community=world.community_a1
    )
    with pytest.raises(PermissionDenied, match="whoever records certifies"):
        services.checkin_certify(world.users[role], session.pk, world.community_a1.code, [done.pk])
    done.refresh_from_db()
    assert done.certified_at is None


def test_staff_of_another_community_do_not_even_see_it(
    world: World, session: Session, make_checkin: Callable[..., CheckIn], clock: Clock
) -> None:
    [done] = check_in_members(
        session, 1, make_checkin, unit=world.unit_b, community=world.community_b1
    )
    with pytest.raises(Http404):
        services.checkin_certify(
            world.users["community"], session.pk, world.community_b1.code, [done.pk]
        )


def test_the_community_certifies_from_the_table_page(
    world: World, session: Session, make_checkin: Callable[..., CheckIn], client: Client
) -> None:
    done = check_in_members(
        session, 2, make_checkin, unit=world.unit_a, community=world.community_a1
    )
    check_in_members(
        session, 1, make_checkin, unit=world.unit_a, community=world.community_a1, hours=None
    )
    client.force_login(world.users["community"])
    page = client.get(table_url(session))
    body = page.content.decode()
    assert body.count('name="checkin"') == 2  # the one still there has no box
    url = reverse("activities:checkin_certify", args=[session.pk, world.community_a1.code])
    assert f'action="{url}"' in body
    response = client.post(url, {"checkin": [c.pk for c in done]}, follow=True)
    assert "2 check-ins are certified." in response.content.decode()
    assert CheckIn.objects.filter(certified_at__isnull=False).count() == 2
    assert response.content.decode().count('data-certified="1"') == 2


def test_a_refused_certification_on_the_page_says_why(
    world: World, session: Session, make_checkin: Callable[..., CheckIn], client: Client
) -> None:
    client.force_login(world.users["community"])
    url = reverse("activities:checkin_certify", args=[session.pk, world.community_a1.code])
    response = client.post(url, {}, follow=True)
    assert "Choose the check-ins to certify." in response.content.decode()


def test_a_second_member_login_sees_only_their_own_check_ins(
    world: World,
    session: Session,
    make_checkin: Callable[..., CheckIn],
    make_member: Callable[..., Member],
) -> None:
    mine = make_member("王五")
    make_checkin(session, mine, hours="2")
    check_in_members(session, 2, make_checkin, unit=world.unit_a, community=world.community_a1)
    assert list(queries.checkins_visible_to(mine.user)) == list(mine.check_ins.all())
    assert queries.checkins_visible_to(make_user("stranger")).count() == 0
