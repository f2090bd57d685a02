"""Round pages: the list, the overview with its progress per group, planning, opening,
closing and the office's assignment page."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
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
from gongzhi.units.models import Member
from tests.factories import World, make_user
from tests.inspections.fixtures_rounds import (
    assign_directly,
    group_with,
    inspection,
    municipal_units,
)

MakeRound = Callable[..., InspectionRound]


def logged_in(world: World, role: str) -> Client:
    client = Client()
    client.force_login(world.users[role])
    return client


def text_of(response: object) -> str:
    return response.content.decode()  # type: ignore[attr-defined]


def row_of(html: str, attribute: str, value: object) -> str:
    """The HTML of the table row marked ``attribute="value"``."""
    found = re.search(rf'<tr {attribute}="{value}">(.*?)</tr>', html, re.S)
    assert found, f"no row {attribute}={value}"
    return found.group(1)


@pytest.fixture
def overview(world: World, groups: list[InspectionGroup], make_round: MakeRound) -> InspectionRound:
    """Round 1: group 1 has unit_a (submitted) and unit_free (draft), group 2 two units
    (one submitted), group 3 one unit not started."""
    more = municipal_units(3)
    row = make_round(1)
    assign_directly(
        row,
        {
            world.unit_a: groups[0],
            world.unit_free: groups[0],
            more[0]: groups[1],
            more[1]: groups[1],
            more[2]: groups[2],
        },
    )
    inspection(row, world.unit_a, groups[0], InspectionStatus.SUBMITTED)
    inspection(row, world.unit_free, groups[0], InspectionStatus.DRAFT)
    inspection(row, more[0], groups[1], InspectionStatus.SUBMITTED)
    return row


# --- reading ----------------------------------------------------------------------------


def test_the_round_list_shows_each_round_with_its_progress(
    world: World, overview: InspectionRound
) -> None:
    page = logged_in(world, "district").get(reverse("inspections:round_list"))
    html = text_of(page)
    assert page.status_code == 200
    assert "2 of 5 units inspected" in html and "1 draft" in html
    assert 'data-testid="new-round"' not in html, "only the office plans rounds"
    office = text_of(logged_in(world, "office").get(reverse("inspections:round_list")))
    assert 'data-testid="new-round"' in office


def test_members_and_people_without_a_role_do_not_see_rounds(
    world: World, overview: InspectionRound
) -> None:
    assert logged_in(world, "member").get(reverse("inspections:round_list")).status_code == 403
    assert logged_in(world, "nobody").get(reverse("inspections:round_list")).status_code == 403
    detail = reverse("inspections:round_detail", args=[1])
    assert logged_in(world, "nobody").get(detail).status_code == 404
    anonymous = Client().get(detail)
    assert anonymous.status_code == 302 and "/login/" in anonymous["Location"]
    assert (
        logged_in(world, "leader").get(reverse("inspections:round_detail", args=[9])).status_code
        == 404
    )


def test_the_overview_counts_inspected_assigned_and_drafts_per_group(
    world: World, groups: list[InspectionGroup], overview: InspectionRound
) -> None:
    html = text_of(logged_in(world, "leader").get(reverse("inspections:round_detail", args=[1])))
    first = row_of(html, "data-group", groups[0].pk)
    assert '<td class="text-end" data-testid="group-counts">1 / 2</td>' in first
    assert '<td class="text-end" data-testid="group-drafts">1</td>' in first
    assert "1 / 2" in row_of(html, "data-group", groups[1].pk)
    assert "0 / 1" in row_of(html, "data-group", groups[2].pk)
    assert 'data-testid="total-submitted">2<' in html
    assert 'data-testid="total-assigned">5<' in html
    assert 'data-testid="pending-count">3<' in html
    pending = re.findall(r'<tr data-unit="(\w+)">', html)
    assert world.unit_a.code not in pending and world.unit_free.code in pending
    assert "Draft" in row_of(html, "data-unit", world.unit_free.code)
    assert "40%" in html


def test_the_overview_warns_when_group_loads_drift_apart(
    world: World, groups: list[InspectionGroup], make_round: MakeRound
) -> None:
    row = make_round(1)
    units = municipal_units(3)
    assign_directly(row, {units[0]: groups[0], units[1]: groups[0], units[2]: groups[0]})
    html = text_of(logged_in(world, "office").get(reverse("inspections:round_detail", args=[1])))
    assert 'data-testid="unbalanced"' in html


def test_the_overview_costs_the_same_queries_whatever_the_groups_and_units(
    world: World, groups: list[InspectionGroup], overview: InspectionRound
) -> None:
    client = logged_in(world, "office")
    url = reverse("inspections:round_detail", args=[1])
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    extra_groups = [group_with(f"增补组{i}", f"extra_inspector{i}") for i in range(4)]
    for index, unit in enumerate(municipal_units(20, "随州市增补单位")):
        group = extra_groups[index % 4]
        assign_directly(overview, {unit: group})
        if index % 3 == 0:
            inspection(overview, unit, group, InspectionStatus.SUBMITTED)
        elif index % 3 == 1:
            inspection(overview, unit, group)
    with CaptureQueriesContext(connection) as many:
        page = client.get(url)
    assert 'data-testid="total-assigned">25<' in text_of(page)
    assert len(many) <= len(few)


# --- planning ---------------------------------------------------------------------------


def test_the_office_plans_a_round_and_bad_input_names_the_field(
    world: World, template: object
) -> None:
    client = logged_in(world, "office")
    url = reverse("inspections:round_create")
    assert 'value="1"' in text_of(client.get(url)), "the next number is proposed"
    bad = client.post(url, {"number": 1, "start": "2021-07-31", "end": "2021-07-01"})
    assert bad.status_code == 400
    assert "The round cannot end before it starts." in text_of(bad)
    assert not InspectionRound.objects.exists()
    done = client.post(
        url, {"number": 1, "name": "第一轮", "start": "2021-07-01", "end": "2021-07-31"}
    )
    assert done.status_code == 302 and done["Location"] == reverse(
        "inspections:round_detail", args=[1]
    )
    assert InspectionRound.objects.get().status == RoundStatus.PLANNED
    assert logged_in(world, "leader").get(url).status_code == 403


def test_the_office_assigns_opens_and_closes_a_round_from_the_overview(
    world: World, groups: list[InspectionGroup], make_round: MakeRound
) -> None:
    make_round(1, status=RoundStatus.PLANNED)
    client = logged_in(world, "office")
    page = client.post(reverse("inspections:round_assign", args=[1]), follow=True)
    assert "2 units are assigned to the groups" in text_of(page)
    page = client.post(reverse("inspections:round_open", args=[1]), follow=True)
    assert "Round 1 is open" in text_of(page)
    assert InspectionRound.objects.get(number=1).status == RoundStatus.OPEN
    page = client.post(reverse("inspections:round_open", args=[1]), follow=True)
    assert "Round 1 is already open." in text_of(page)
    client.post(reverse("inspections:round_close", args=[1]))
    assert InspectionRound.objects.get(number=1).status == RoundStatus.CLOSED
    assert client.get(reverse("inspections:round_close", args=[1])).status_code == 405


@pytest.mark.parametrize("name", ["round_assign", "round_open", "round_close"])
def test_only_the_office_changes_a_round(
    world: World, groups: list[InspectionGroup], make_round: MakeRound, name: str
) -> None:
    make_round(1)
    for role in ("leader", "inspector", "unit"):
        response = logged_in(world, role).post(reverse(f"inspections:{name}", args=[1]))
        assert response.status_code == 403
    assert (
        logged_in(world, "member").post(reverse(f"inspections:{name}", args=[1])).status_code == 404
    )


# --- the assignment page ----------------------------------------------------------------


def test_the_office_moves_a_unit_on_the_assignment_page(
    world: World, groups: list[InspectionGroup], overview: InspectionRound
) -> None:
    client = logged_in(world, "office")
    url = reverse("inspections:assignment_edit", args=[1])
    page = text_of(client.get(url))
    assert world.unit_free.code in page
    assert "Move" not in row_of(page, "data-unit", world.unit_a.code), "inspected: stays"
    moved = client.post(
        reverse("inspections:assignment_move", args=[1]),
        {"unit_code": world.unit_free.code, "group": groups[2].pk, "back_group": groups[0].pk},
        follow=True,
    )
    assert moved.redirect_chain[-1][0] == f"{url}?group={groups[0].pk}"
    assert f"市统计局 now goes to {groups[2].name}." in text_of(moved)
    assert overview.assignments.get(unit=world.unit_free).group == groups[2]


def test_moving_a_unit_to_a_group_with_one_of_its_people_is_refused_on_the_page(
    world: World, groups: list[InspectionGroup], overview: InspectionRound
) -> None:
    volunteer = make_user("volunteer_inspector", Role.INSPECTOR)
    Member.objects.create(unit=world.unit_free, name="李四", user=volunteer)
    groups[2].members.add(volunteer)
    client = logged_in(world, "office")
    move = reverse("inspections:assignment_move", args=[1])
    refused = client.post(
        move, {"unit_code": world.unit_free.code, "group": groups[2].pk}, follow=True
    )
    assert (
        f"volunteer_inspector of {groups[2].name} belongs to 市统计局: an inspector may not "
        "inspect their own unit." in text_of(refused)
    )
    assert overview.assignments.get(unit=world.unit_free).group == groups[0]
    warned = client.post(
        move, {"unit_code": world.unit_free.code, "group": groups[1].pk}, follow=True
    )
    assert "The group loads now differ by more than one unit (from 1 to 3)." in text_of(warned)
    inspected = client.post(
        move, {"unit_code": world.unit_a.code, "group": groups[1].pk}, follow=True
    )
    assert "already inspected" in text_of(inspected)
    assert overview.assignments.get(unit=world.unit_a).group == groups[0]


def test_the_assignment_page_is_the_offices_and_filters_by_group(
    world: World, groups: list[InspectionGroup], overview: InspectionRound
) -> None:
    url = reverse("inspections:assignment_edit", args=[1])
    assert logged_in(world, "leader").get(url).status_code == 403
    page = text_of(logged_in(world, "office").get(f"{url}?group={groups[1].pk}"))
    assert world.unit_a.code not in page
    assert len(re.findall(r'<tr data-unit="', page)) == 2
    searched = text_of(logged_in(world, "office").get(f"{url}?q=统计"))
    assert re.findall(r'<tr data-unit="(\w+)"', searched) == [world.unit_free.code]


def test_the_assignment_page_costs_the_same_queries_whatever_the_units(
    world: World, groups: list[InspectionGroup], overview: InspectionRound
) -> None:
    client = logged_in(world, "office")
    url = reverse("inspections:assignment_edit", args=[1])
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for index, unit in enumerate(municipal_units(15, "随州市增补单位")):
        assign_directly(overview, {unit: groups[index % 3]})
    with CaptureQueriesContext(connection) as many:
        client.get(url)
    assert len(many) <= len(few)


@pytest.mark.parametrize(
    "role", ["office", "leader", "district", "street", "community", "unit", "inspector"]
)
def test_every_staff_role_unit_liaisons_and_inspectors_read_the_round_overview(
    world: World, overview: InspectionRound, role: str
) -> None:
    client = logged_in(world, role)
    assert client.get(reverse("inspections:round_list")).status_code == 200
    page = client.get(reverse("inspections:round_detail", args=[1]))
    assert page.status_code == 200
    assert ('data-testid="round-actions"' in text_of(page)) == (role == "office")
