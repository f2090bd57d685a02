"""Group pages: the list, a group's page with its units and their inspection status, and
the office's group form."""

from __future__ import annotations

import re
from collections.abc import Callable

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from gongzhi.core.models import Role
from gongzhi.inspections.models import (
    InspectionGroup,
    InspectionRound,
    InspectionStatus,
    RoundStatus,
)
from tests.factories import World, make_user
from tests.inspections.fixtures_rounds import assign_directly, inspection, municipal_units

MakeRound = Callable[..., InspectionRound]


def logged_in(world: World, role: str) -> Client:
    client = Client()
    client.force_login(world.users[role])
    return client


def unit_statuses(html: str) -> dict[str, str]:
    """Unit code → the status badge shown on a group page."""
    found = re.findall(r'data-unit="(\w+)">.*?data-status="(\w+)"', html, re.S)
    return dict(found)


def test_an_inspector_sees_their_groups_units_with_links_to_the_form(
    world: World, groups: list[InspectionGroup], make_round: MakeRound
) -> None:
    row = make_round(1)
    assign_directly(
        row, {world.unit_a: groups[0], world.unit_free: groups[0], world.unit_b: groups[1]}
    )
    inspection(row, world.unit_a, groups[0], InspectionStatus.SUBMITTED)
    page = logged_in(world, "inspector").get(
        reverse("inspections:group_detail", args=[groups[0].pk])
    )
    html = page.content.decode()
    assert page.status_code == 200
    assert unit_statuses(html) == {world.unit_a.code: "submitted", world.unit_free.code: "none"}
    form_url = f"/inspections/rounds/1/units/{world.unit_free.code}/"
    assert f'href="{form_url}"' in html
    assert f'href="/inspections/rounds/1/units/{world.unit_a.code}/"' not in html, "submitted"
    assert 'data-testid="group-done">1 / 2<' in html
    assert 'data-testid="edit-group"' not in html


def test_a_closed_round_shows_no_inspection_links(
    world: World, groups: list[InspectionGroup], make_round: MakeRound
) -> None:
    row = make_round(1, status=RoundStatus.CLOSED)
    assign_directly(row, {world.unit_free: groups[0]})
    html = (
        logged_in(world, "office")
        .get(reverse("inspections:group_detail", args=[groups[0].pk]) + "?round=1")
        .content.decode()
    )
    assert world.unit_free.code in html and 'data-testid="inspect"' not in html


def test_an_inspector_cannot_open_another_groups_page(
    world: World, groups: list[InspectionGroup]
) -> None:
    client = logged_in(world, "inspector")
    assert client.get(reverse("inspections:group_detail", args=[groups[1].pk])).status_code == 404
    listed = client.get(reverse("inspections:group_list")).content.decode()
    assert groups[0].name in listed and groups[1].name not in listed


def test_units_and_staff_outside_the_groups_do_not_see_them(
    world: World, groups: list[InspectionGroup]
) -> None:
    for role in ("unit", "district", "member"):
        assert logged_in(world, role).get(reverse("inspections:group_list")).status_code == 403
    detail = reverse("inspections:group_detail", args=[groups[0].pk])
    assert logged_in(world, "unit").get(detail).status_code == 404
    assert logged_in(world, "leader").get(detail).status_code == 200


def test_the_office_creates_and_edits_a_group_through_the_form(world: World) -> None:
    client = logged_in(world, "office")
    second = make_user("inspector2", Role.INSPECTOR)
    page = client.get(reverse("inspections:group_create"))
    offered = {u.username for u in page.context["form"].fields["members"].queryset}
    assert offered == {"inspector", "inspector2"}, "only inspectors are offered"
    bad = client.post(reverse("inspections:group_create"), {"name": "", "members": [second.pk]})
    assert bad.status_code == 400 and "This field is required." in bad.content.decode()
    done = client.post(
        reverse("inspections:group_create"),
        {
            "name": "第1督导组",
            "leader": world.users["inspector"].pk,
            "members": [second.pk],
            "is_active": "on",
        },
    )
    group = InspectionGroup.objects.get()
    assert done.status_code == 302 and done["Location"] == reverse(
        "inspections:group_detail", args=[group.pk]
    )
    assert set(group.members.all()) == {world.users["inspector"], second}
    edit = reverse("inspections:group_edit", args=[group.pk])
    client.post(edit, {"name": "第一组", "leader": second.pk, "members": [second.pk]})
    group.refresh_from_db()
    assert (group.name, group.leader, group.is_active) == ("第一组", second, False)
    assert logged_in(world, "leader").get(edit).status_code == 403


def test_the_group_page_costs_the_same_queries_whatever_the_units(
    world: World, groups: list[InspectionGroup], make_round: MakeRound
) -> None:
    row = make_round(1)
    assign_directly(row, {world.unit_free: groups[0]})
    client = logged_in(world, "inspector")
    url = reverse("inspections:group_detail", args=[groups[0].pk])
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for index, unit in enumerate(municipal_units(12)):
        assign_directly(row, {unit: groups[0]})
        if index % 2:
            inspection(row, unit, groups[0], InspectionStatus.SUBMITTED)
    with CaptureQueriesContext(connection) as many:
        html = client.get(url).content.decode()
    assert len(unit_statuses(html)) == 13
    assert len(many) <= len(few)


def test_the_group_list_shows_the_open_rounds_progress(
    world: World, groups: list[InspectionGroup], make_round: MakeRound
) -> None:
    row = make_round(1)
    assign_directly(row, {world.unit_a: groups[0], world.unit_free: groups[0]})
    inspection(row, world.unit_a, groups[0], InspectionStatus.SUBMITTED)
    html = logged_in(world, "office").get(reverse("inspections:group_list")).content.decode()
    first = re.search(rf'<tr data-group="{groups[0].pk}">(.*?)</tr>', html, re.S)
    assert first and "1 / 2" in first.group(1)
