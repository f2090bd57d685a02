"""Rounds and their assignment through the services: planning, the automatic balanced
assignment on real rows, moving units, opening and closing."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from gongzhi.core.models import Role, RoleGrant
from gongzhi.inspections import services_rounds as services
from gongzhi.inspections.models import (
    Assignment,
    ChecklistTemplate,
    Inspection,
    InspectionGroup,
    InspectionRound,
    InspectionStatus,
    RoundStatus,
)
from gongzhi.units.models import Member
from tests.factories import UnitFactory, World, make_user
from tests.inspections.fixtures_rounds import (
    assign_directly,
    group_with,
    inspection,
    municipal_units,
)

MakeRound = Callable[..., InspectionRound]


def plan(world: World, number: int = 1, **values: Any) -> InspectionRound:
    arguments = {"start": "2021-07-01", "end": "2021-07-31", "name": "", **values}
    return services.round_create(user=world.users["office"], number=number, **arguments)


def errors_of(caught: pytest.ExceptionInfo[ValidationError]) -> dict[str, list[str]]:
    return caught.value.message_dict


# --- planning -------------------------------------------------------------------------


def test_a_new_round_is_planned_with_the_current_default_checklist(
    world: World, template: ChecklistTemplate
) -> None:
    row = plan(world, 1, name="第一轮")
    assert row.status == RoundStatus.PLANNED
    assert row.template == template and row.created_by == world.users["office"]
    assert row.history.count() == 1


def test_a_round_keeps_its_checklist_version_when_a_newer_one_appears(
    world: World, template: ChecklistTemplate
) -> None:
    first = plan(world, 1)
    ChecklistTemplate.objects.filter(pk=template.pk).update(is_current=False)
    newer = ChecklistTemplate.objects.create(
        name=template.name, version=2, based_on=template, is_current=True
    )
    second = plan(world, 2, start="2021-08-01", end="2021-08-31", template=template)
    first.refresh_from_db()
    assert first.template == template
    assert second.template == newer, "choosing an old version takes its current version"


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"number": 0}, "number"),
        ({"number": "三"}, "number"),
        ({"number": 40000}, "number"),
        ({"start": "2021-07-32"}, "start"),
        ({"end": "2021-06-30"}, "end"),
        ({"name": "轮" * 81}, "name"),
    ],
)
def test_bad_round_values_are_refused_naming_the_field(
    world: World, template: ChecklistTemplate, values: dict[str, Any], field: str
) -> None:
    arguments = {"number": 1, "start": "2021-07-01", "end": "2021-07-31", **values}
    with pytest.raises(ValidationError) as caught:
        services.round_create(user=world.users["office"], **arguments)
    assert field in errors_of(caught)
    assert not InspectionRound.objects.exists()


def test_a_round_number_is_used_once(world: World, template: ChecklistTemplate) -> None:
    plan(world, 1)
    with pytest.raises(ValidationError) as caught:
        plan(world, 1)
    assert errors_of(caught)["number"] == ["Round 1 already exists."]


@pytest.mark.parametrize("role", ["leader", "district", "inspector", "unit"])
def test_only_the_office_plans_rounds(world: World, template: ChecklistTemplate, role: str) -> None:
    with pytest.raises(PermissionDenied):
        services.round_create(
            user=world.users[role], number=1, start="2021-07-01", end="2021-07-31"
        )


def test_the_office_changes_a_rounds_name_and_period(world: World, make_round: MakeRound) -> None:
    row = make_round(1)
    services.round_update(user=world.users["office"], round_=row, name="七月督导", end="2021-08-05")
    row.refresh_from_db()
    assert (row.name, row.end) == ("七月督导", dt.date(2021, 8, 5))
    with pytest.raises(ValidationError) as caught:
        services.round_update(user=world.users["office"], round_=row, end="2021-06-01")
    assert "end" in errors_of(caught)


# --- the automatic assignment -----------------------------------------------------------


def test_every_active_municipal_unit_is_assigned_once_with_loads_within_one(
    world: World, groups: list[InspectionGroup], make_round: MakeRound
) -> None:
    extra = municipal_units(9)
    archived = UnitFactory(name="已撤并单位")
    archived.archived_at = dt.datetime(2021, 1, 1, tzinfo=dt.UTC)
    archived.save()
    row = make_round(1, status=RoundStatus.PLANNED)
    result = services.round_assign(user=world.users["office"], round_=row)
    assigned = Assignment.objects.filter(round=row)
    expected = {world.unit_a.pk, world.unit_free.pk, *(u.pk for u in extra)}
    assert set(assigned.values_list("unit_id", flat=True)) == expected
    assert result.assigned == 11
    assert sorted(Counter(assigned.values_list("group_id", flat=True)).values()) == [3, 4, 4]
    assert world.unit_b.pk not in expected, "units of districts are left out by default"


def test_units_of_districts_come_in_when_asked(
    world: World, groups: list[InspectionGroup], make_round: MakeRound
) -> None:
    row = make_round(1, status=RoundStatus.PLANNED)
    services.round_assign(user=world.users["office"], round_=row, include_district_units=True)
    assert row.assignments.filter(unit=world.unit_b).exists()


def test_no_group_gets_a_unit_one_of_its_people_belongs_to(
    world: World, make_round: MakeRound
) -> None:
    # The unit liaison of unit_a is also an inspector; another inspector is a member
    # (a Member record with a login, no grant) of unit_free.
    liaison = world.users["unit"]
    RoleGrant.objects.create(user=liaison, role=Role.INSPECTOR)
    volunteer = make_user("volunteer_inspector", Role.INSPECTOR)
    Member.objects.create(unit=world.unit_free, name="李四", user=volunteer)
    first = group_with("甲组", liaison)
    second = group_with("乙组", volunteer)
    municipal_units(2)
    for number in (1, 2, 3):
        row = make_round(number, status=RoundStatus.PLANNED)
        services.round_assign(user=world.users["office"], round_=row)
        assert row.assignments.get(unit=world.unit_a).group == second
        assert row.assignments.get(unit=world.unit_free).group == first


def test_a_group_does_not_get_the_same_unit_as_in_the_round_before(
    world: World, groups: list[InspectionGroup], make_round: MakeRound
) -> None:
    municipal_units(10)
    first = make_round(1, status=RoundStatus.PLANNED)
    second = make_round(2, status=RoundStatus.PLANNED)
    services.round_assign(user=world.users["office"], round_=first)
    result = services.round_assign(user=world.users["office"], round_=second)
    before = dict(first.assignments.values_list("unit_id", "group_id"))
    after = dict(second.assignments.values_list("unit_id", "group_id"))
    assert result.repeats == 0
    assert all(before[unit] != group for unit, group in after.items())


def test_assigning_again_replaces_the_assignment_and_drafts_follow_their_unit(
    world: World, groups: list[InspectionGroup], make_round: MakeRound
) -> None:
    municipal_units(4)
    row = make_round(1)
    services.round_assign(user=world.users["office"], round_=row)
    draft_row = row.assignments.get(unit=world.unit_a)
    draft = inspection(row, world.unit_a, draft_row.group)
    InspectionGroup.objects.filter(pk=groups[2].pk).update(is_active=False)
    services.round_assign(user=world.users["office"], round_=row)
    assert row.assignments.count() == 6
    assert set(row.assignments.values_list("group_id", flat=True)) <= {groups[0].pk, groups[1].pk}
    draft.refresh_from_db()
    assert draft.group_id == row.assignments.get(unit=world.unit_a).group_id
    assert Assignment.history.filter(round_id=row.pk).count() >= 6


def test_the_automatic_assignment_is_refused_once_an_inspection_is_submitted(
    world: World, groups: list[InspectionGroup], make_round: MakeRound
) -> None:
    row = make_round(1)
    services.round_assign(user=world.users["office"], round_=row)
    before = list(row.assignments.values_list("unit_id", "group_id"))
    inspection(row, world.unit_a, groups[0], InspectionStatus.SUBMITTED)
    with pytest.raises(ValidationError) as caught:
        services.round_assign(user=world.users["office"], round_=row)
    assert "1 inspections of this round are submitted" in errors_of(caught)["status"][0]
    assert list(row.assignments.values_list("unit_id", "group_id")) == before


def test_a_unit_every_group_has_a_person_from_is_named_in_the_refusal(
    world: World, make_round: MakeRound
) -> None:
    liaison = world.users["unit"]
    RoleGrant.objects.create(user=liaison, role=Role.INSPECTOR)
    group_with("甲组", liaison)
    group_with("乙组", "inspector_b", liaison)
    row = make_round(1, status=RoundStatus.PLANNED)
    with pytest.raises(ValidationError) as caught:
        services.round_assign(user=world.users["office"], round_=row)
    message = errors_of(caught)["units"][0]
    assert "市市场监管局" in message and world.unit_a.code in message
    assert not row.assignments.exists()


def test_without_an_active_group_nothing_is_assigned(world: World, make_round: MakeRound) -> None:
    row = make_round(1, status=RoundStatus.PLANNED)
    with pytest.raises(ValidationError) as caught:
        services.round_assign(user=world.users["office"], round_=row)
    assert errors_of(caught)["units"] == [
        "There is no active inspection group to assign the units to."
    ]


def test_a_closed_round_is_not_assigned_again(
    world: World, groups: list[InspectionGroup], make_round: MakeRound
) -> None:
    row = make_round(1, status=RoundStatus.CLOSED)
    with pytest.raises(ValidationError):
        services.round_assign(user=world.users["office"], round_=row)
    with pytest.raises(PermissionDenied):
        services.round_assign(user=world.users["leader"], round_=make_round(2))


# --- opening and closing ----------------------------------------------------------------


def test_a_round_opens_once_assigned_and_only_one_round_is_open_at_a_time(
    world: World, groups: list[InspectionGroup], make_round: MakeRound
) -> None:
    office = world.users["office"]
    first = make_round(1, status=RoundStatus.PLANNED)
    with pytest.raises(ValidationError) as caught:
        services.round_open(user=office, round_=first)
    assert "Assign the units" in errors_of(caught)["status"][0]
    services.round_assign(user=office, round_=first)
    assert services.round_open(user=office, round_=first).status == RoundStatus.OPEN
    second = make_round(2, status=RoundStatus.PLANNED)
    services.round_assign(user=office, round_=second)
    with pytest.raises(ValidationError) as caught:
        services.round_open(user=office, round_=second)
    assert errors_of(caught)["status"] == ["Round 1 is still open: close it first."]
    assert services.round_close(user=office, round_=first).status == RoundStatus.CLOSED
    assert services.round_open(user=office, round_=second).status == RoundStatus.OPEN


def test_only_an_open_round_closes(world: World, make_round: MakeRound) -> None:
    with pytest.raises(ValidationError) as caught:
        services.round_close(user=world.users["office"], round_=make_round(1, RoundStatus.PLANNED))
    assert errors_of(caught)["status"] == ["Only an open round can be closed."]
    with pytest.raises(PermissionDenied):
        services.round_close(user=world.users["inspector"], round_=make_round(2))


# --- moving units -------------------------------------------------------------------------


def test_the_office_moves_a_unit_and_is_told_when_loads_drift_apart(
    world: World, groups: list[InspectionGroup], make_round: MakeRound
) -> None:
    row = make_round(1)
    assign_directly(row, {world.unit_a: groups[0], world.unit_free: groups[1]})
    moved = services.assignment_move(
        user=world.users["office"], round_=row, unit_code=world.unit_a.code, group=groups[1]
    )
    assert moved.assignment.group == groups[1]
    assert not moved.balanced, "2, 0 and 0 units differ by more than one"
    assert row.assignments.get(unit=world.unit_a).history.count() >= 1
    back = services.assignment_move(
        user=world.users["office"],
        round_=row,
        unit_code=f" {world.unit_a.code.lower()} ",
        group=groups[2],
    )
    assert back.balanced and back.assignment.group == groups[2]


def test_a_unit_cannot_move_to_a_group_holding_one_of_its_people(
    world: World, groups: list[InspectionGroup], make_round: MakeRound
) -> None:
    row = make_round(1)
    assign_directly(row, {world.unit_a: groups[0]})
    liaison = world.users["unit"]
    RoleGrant.objects.create(user=liaison, role=Role.INSPECTOR)
    groups[1].members.add(liaison)
    with pytest.raises(ValidationError) as caught:
        services.assignment_move(
            user=world.users["office"], round_=row, unit_code=world.unit_a.code, group=groups[1]
        )
    assert errors_of(caught)["group"] == [
        "unit of 第2督导组 belongs to 市市场监管局: an inspector may not inspect their own "
        "unit. Choose another group."
    ]
    assert row.assignments.get(unit=world.unit_a).group == groups[0]


def test_an_inspected_unit_stays_and_a_draft_moves_with_its_unit(
    world: World, groups: list[InspectionGroup], make_round: MakeRound
) -> None:
    row = make_round(1)
    assign_directly(row, {world.unit_a: groups[0], world.unit_free: groups[0]})
    inspection(row, world.unit_a, groups[0], InspectionStatus.SUBMITTED)
    draft = inspection(row, world.unit_free, groups[0])
    office = world.users["office"]
    with pytest.raises(ValidationError) as caught:
        services.assignment_move(
            user=office, round_=row, unit_code=world.unit_a.code, group=groups[1]
        )
    assert "already inspected" in errors_of(caught)["unit_code"][0]
    services.assignment_move(
        user=office, round_=row, unit_code=world.unit_free.code, group=groups[1]
    )
    draft.refresh_from_db()
    assert draft.group == groups[1]
    assert Inspection.objects.get(unit=world.unit_a).group == groups[0]


def test_moving_a_unit_without_a_group_adds_it_to_the_round(
    world: World, groups: list[InspectionGroup], make_round: MakeRound
) -> None:
    row = make_round(1)
    services.assignment_move(
        user=world.users["office"], round_=row, unit_code=world.unit_b.code, group=groups[0]
    )
    assert row.assignments.get(unit=world.unit_b).group == groups[0]


@pytest.mark.parametrize(
    ("code", "field"), [("91420000000000000X", "unit_code"), ("", "unit_code")]
)
def test_moving_an_unknown_unit_names_the_field(
    world: World, groups: list[InspectionGroup], make_round: MakeRound, code: str, field: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        services.assignment_move(
            user=world.users["office"], round_=make_round(1), unit_code=code, group=groups[0]
        )
    assert errors_of(caught) == {field: ["There is no unit with this code."]}


def test_no_unit_moves_to_an_inactive_group_or_in_a_closed_round(
    world: World, groups: list[InspectionGroup], make_round: MakeRound
) -> None:
    row = make_round(1)
    assign_directly(row, {world.unit_a: groups[0]})
    InspectionGroup.objects.filter(pk=groups[1].pk).update(is_active=False)
    with pytest.raises(ValidationError) as caught:
        services.assignment_move(
            user=world.users["office"], round_=row, unit_code=world.unit_a.code, group=groups[1]
        )
    assert errors_of(caught) == {"group": ["Choose an active group."]}
    closed = make_round(2, status=RoundStatus.CLOSED)
    with pytest.raises(ValidationError) as caught:
        services.assignment_move(
            user=world.users["office"], round_=closed, unit_code=world.unit_a.code, group=groups[0]
        )
    assert errors_of(caught) == {"status": ["Round 2 is closed."]}
