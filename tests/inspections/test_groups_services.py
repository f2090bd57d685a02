"""Inspection groups through ``group_save``: members hold the inspector role, the leader
is a member, and a group never holds a person of a unit it inspects."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from gongzhi.core.models import Role, RoleGrant
from gongzhi.inspections.models import InspectionGroup, InspectionRound, RoundStatus
from gongzhi.inspections.services_rounds import group_save, own_units
from tests.factories import World, make_user
from tests.inspections.fixtures_rounds import assign_directly

MakeRound = Callable[..., InspectionRound]


def test_the_office_creates_a_group_whose_leader_is_also_a_member(world: World) -> None:
    leader = world.users["inspector"]
    other = make_user("inspector2", Role.INSPECTOR)
    group = group_save(
        user=world.users["office"], name=" 第1督导组 ", leader=leader, members=[other]
    )
    assert group.name == "第1督导组" and group.leader == leader and group.is_active
    assert set(group.members.all()) == {leader, other}
    assert group.history.first().history_user == world.users["office"]


def test_only_the_office_saves_groups(world: World) -> None:
    for role in ("leader", "inspector", "district"):
        with pytest.raises(PermissionDenied):
            group_save(
                user=world.users[role], name="组", leader=None, members=[world.users["inspector"]]
            )
    assert not InspectionGroup.objects.exists()


def test_people_without_the_inspector_role_are_refused_by_name(world: World) -> None:
    with pytest.raises(ValidationError) as caught:
        group_save(
            user=world.users["office"],
            name="组",
            leader=world.users["leader"],
            members=[world.users["inspector"], world.users["community"]],
        )
    errors = caught.value.message_dict
    assert errors["leader"] == ["leader does not hold the inspector role."]
    assert errors["members"] == ["community does not hold the inspector role."]
    assert not InspectionGroup.objects.exists()


def test_a_revoked_inspector_grant_does_not_count(world: World) -> None:
    former = make_user("former", Role.INSPECTOR)
    RoleGrant.objects.filter(user=former).update(revoked_at="2021-01-01T00:00:00Z")
    with pytest.raises(ValidationError) as caught:
        group_save(user=world.users["office"], name="组", leader=None, members=[former])
    assert caught.value.message_dict["members"] == ["former does not hold the inspector role."]


def test_a_group_needs_a_name_of_its_own_and_a_member(world: World) -> None:
    office = world.users["office"]
    group_save(user=office, name="第1督导组", leader=None, members=[world.users["inspector"]])
    with pytest.raises(ValidationError) as caught:
        group_save(user=office, name="第1督导组", leader=None, members=[])
    errors = caught.value.message_dict
    assert errors["name"] == ["A group named 第1督导组 already exists."]
    assert errors["members"] == ["A group needs at least one member."]
    with pytest.raises(ValidationError) as caught:
        group_save(user=office, name="  ", leader=None, members=[world.users["inspector"]])
    assert caught.value.message_dict["name"] == ["This field is required."]


def test_a_group_keeps_its_name_when_changed(world: World) -> None:
    office = world.users["office"]
    group = group_save(user=office, name="甲组", leader=None, members=[world.users["inspector"]])
    newcomer = make_user("inspector2", Role.INSPECTOR)
    changed = group_save(
        user=office, group=group, name="甲组", leader=newcomer, members=[world.users["inspector"]]
    )
    assert changed.leader == newcomer and changed.members.count() == 2


def test_a_member_may_not_join_a_group_inspecting_their_unit_this_round(
    world: World, groups: list[InspectionGroup], make_round: MakeRound
) -> None:
    liaison = world.users["unit"]
    RoleGrant.objects.create(user=liaison, role=Role.INSPECTOR)
    row = make_round(1)
    assign_directly(row, {world.unit_a: groups[0]})
    with pytest.raises(ValidationError) as caught:
        group_save(
            user=world.users["office"],
            group=groups[0],
            name=groups[0].name,
            leader=groups[0].leader,
            members=[liaison],
        )
    assert caught.value.message_dict["members"] == [
        "unit belongs to 市市场监管局, which this group inspects in Round 1: move the unit "
        "to another group first."
    ]
    assert liaison not in groups[0].members.all()
    # Once the round is closed, the same change is allowed.
    InspectionRound.objects.filter(pk=row.pk).update(status=RoundStatus.CLOSED)
    group_save(
        user=world.users["office"],
        group=groups[0],
        name=groups[0].name,
        leader=groups[0].leader,
        members=[liaison],
    )
    assert own_units([groups[0].pk])[groups[0].pk] == {world.unit_a.pk}


def test_a_group_with_units_in_an_open_round_stays_active(
    world: World, groups: list[InspectionGroup], make_round: MakeRound
) -> None:
    assign_directly(make_round(1), {world.unit_a: groups[0]})
    with pytest.raises(ValidationError) as caught:
        group_save(
            user=world.users["office"],
            group=groups[0],
            name=groups[0].name,
            leader=groups[0].leader,
            members=[],
            is_active=False,
        )
    assert "still has units in Round 1" in caught.value.message_dict["is_active"][0]
    quiet = group_save(
        user=world.users["office"],
        group=groups[1],
        name=groups[1].name,
        leader=groups[1].leader,
        members=[],
        is_active=False,
    )
    assert not quiet.is_active
