"""Writes to the unit registry: validation, overlap refusal, history."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from gongzhi.units import services
from gongzhi.units.models import Pairing, Unit
from tests.factories import World, make_credit_code

D = dt.date


def _errors(exc: pytest.ExceptionInfo[ValidationError]) -> dict[str, list[str]]:
    return {k: [str(m) for e in v for m in e.messages] for k, v in exc.value.error_dict.items()}


def test_office_registers_a_unit_with_a_typed_code_normalised(world: World) -> None:
    code = make_credit_code()
    unit = services.unit_create(
        user=world.users["office"],
        code=f"  {code.lower()} ",
        name="随州市水利和湖泊局",
        kind="agency",
        jurisdiction="municipal",
        headcount=35,
    )
    assert unit.code == code
    assert unit.jurisdiction is None


def test_wrong_check_digit_is_refused_naming_the_code_field(world: World) -> None:
    code = make_credit_code()
    wrong = code[:17] + ("0" if code[17] != "0" else "1")
    with pytest.raises(ValidationError) as info:
        services.unit_create(
            user=world.users["office"], code=wrong, name="X", kind="agency", jurisdiction=None
        )
    assert "check digit" in _errors(info)["code"][0]


def test_a_duplicate_code_names_the_unit_holding_it(world: World) -> None:
    with pytest.raises(ValidationError) as info:
        services.unit_create(
            user=world.users["office"],
            code=world.unit_a.code.lower(),
            name="X",
            kind="agency",
            jurisdiction=None,
        )
    assert world.unit_a.name in _errors(info)["code"][0]


def test_kind_jurisdiction_and_headcount_are_checked_together(world: World) -> None:
    with pytest.raises(ValidationError) as info:
        services.unit_create(
            user=world.users["office"],
            code=make_credit_code(),
            name="",
            kind="club",
            jurisdiction="999999",
            headcount=-1,
        )
    assert set(_errors(info)) == {"name", "kind", "jurisdiction", "headcount"}


def test_a_district_officer_registers_units_of_their_district_only(world: World) -> None:
    officer = world.users["district"]
    unit = services.unit_create(
        user=officer, code=make_credit_code(), name="曾都区局", kind="agency", jurisdiction="421303"
    )
    assert unit.jurisdiction == world.district_a
    with pytest.raises(PermissionDenied):
        services.unit_create(
            user=officer, code=make_credit_code(), name="市局", kind="agency", jurisdiction=None
        )


def test_a_unit_liaison_changes_contact_and_headcount_but_not_the_name(world: World) -> None:
    liaison = world.users["unit"]
    unit = services.unit_update(user=liaison, unit=world.unit_a, headcount=45, contact_name="李")
    assert (unit.headcount, unit.contact_name) == (45, "李")
    with pytest.raises(PermissionDenied):
        services.unit_update(user=liaison, unit=world.unit_a, name="Other")


def test_archiving_keeps_the_unit_and_records_who_did_it(world: World) -> None:
    office = world.users["office"]
    services.unit_archive(user=office, unit=world.unit_free)
    unit = Unit.objects.get(pk=world.unit_free.pk)
    assert unit.archived_at is not None
    last = unit.history.first()
    assert last.history_user == office
    assert last.history_change_reason == "archived"
    services.unit_restore(user=office, unit=unit)
    assert Unit.objects.get(pk=unit.pk).archived_at is None


def test_history_records_the_user_and_the_change(world: World) -> None:
    liaison = world.users["unit"]
    services.unit_update(user=liaison, unit=world.unit_a, headcount=12)
    record = world.unit_a.history.first()
    assert record.history_user == liaison
    assert record.headcount == 12


# --- pairing overlap ------------------------------------------------------------------

EXISTING = (D(2022, 1, 1), D(2022, 6, 30))


@pytest.fixture
def paired(world: World) -> World:
    """unit_free paired with community a1 for the first half of 2022."""
    services.pairing_create(
        user=world.users["office"],
        unit=world.unit_free,
        community=world.community_a1,
        start=EXISTING[0],
        end=EXISTING[1],
    )
    return world


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (D(2021, 6, 1), D(2022, 1, 1)),  # ends on the first day
        (D(2022, 6, 30), D(2022, 12, 31)),  # starts on the last day
        (D(2022, 2, 1), D(2022, 3, 1)),  # inside
        (D(2021, 1, 1), D(2023, 1, 1)),  # around
        (D(2022, 1, 1), D(2022, 6, 30)),  # the same
        (D(2022, 3, 1), None),  # open end starting inside
        (D(2020, 1, 1), None),  # open end starting before
    ],
)
def test_overlapping_pairings_of_the_same_pair_are_refused_naming_the_dates(
    paired: World, start: dt.date, end: dt.date | None
) -> None:
    with pytest.raises(ValidationError) as info:
        services.pairing_create(
            user=paired.users["office"],
            unit=paired.unit_free,
            community=paired.community_a1,
            start=start,
            end=end,
        )
    message = _errors(info)["start"][0]
    assert "2022-01-01" in message and "2022-06-30" in message


@pytest.mark.parametrize(
    ("start", "end"),
    [(D(2021, 1, 1), D(2021, 12, 31)), (D(2022, 7, 1), None), (D(2022, 7, 1), D(2022, 7, 31))],
)
def test_adjacent_ranges_are_allowed(paired: World, start: dt.date, end: dt.date | None) -> None:
    services.pairing_create(
        user=paired.users["office"],
        unit=paired.unit_free,
        community=paired.community_a1,
        start=start,
        end=end,
    )


def test_an_open_ended_pairing_refuses_any_later_one(world: World) -> None:
    # world.pairing_a: unit_a ↔ a1 from 2021-07-01 with no end.
    with pytest.raises(ValidationError) as info:
        services.pairing_create(
            user=world.users["office"],
            unit=world.unit_a,
            community=world.community_a1,
            start=D(2030, 1, 1),
        )
    assert "2021-07-01" in _errors(info)["start"][0]


def test_the_same_dates_with_another_community_are_allowed(paired: World) -> None:
    services.pairing_create(
        user=paired.users["office"],
        unit=paired.unit_free,
        community=paired.community_a2,
        start=EXISTING[0],
        end=EXISTING[1],
    )


def test_an_archived_pairing_no_longer_blocks_its_dates(paired: World) -> None:
    office = paired.users["office"]
    existing = Pairing.objects.get(unit=paired.unit_free, community=paired.community_a1)
    services.pairing_archive(user=office, pairing=existing)
    services.pairing_create(
        user=office, unit=paired.unit_free, community=paired.community_a1, start=EXISTING[0]
    )


def test_an_end_before_the_start_is_refused(world: World) -> None:
    with pytest.raises(ValidationError) as info:
        services.pairing_create(
            user=world.users["office"],
            unit=world.unit_free,
            community=world.community_a2,
            start=D(2022, 5, 1),
            end=D(2022, 4, 30),
        )
    assert "end" in _errors(info)


def test_ending_a_pairing_sets_its_last_day_and_frees_later_dates(world: World) -> None:
    office = world.users["office"]
    services.pairing_end(user=office, pairing=world.pairing_a, end=D(2021, 12, 31))
    services.pairing_create(
        user=office, unit=world.unit_a, community=world.community_a1, start=D(2022, 1, 1)
    )
    with pytest.raises(ValidationError):
        services.pairing_end(user=office, pairing=world.pairing_a, end=D(2022, 1, 1))


def test_a_street_officer_pairs_in_their_street_but_not_elsewhere(world: World) -> None:
    officer = world.users["street"]
    services.pairing_create(
        user=officer, unit=world.unit_free, community=world.community_a2, start=D(2022, 1, 1)
    )
    with pytest.raises(PermissionDenied):
        services.pairing_create(
            user=officer, unit=world.unit_free, community=world.community_b2, start=D(2022, 1, 1)
        )


@pytest.mark.parametrize("role", ["leader", "community", "unit", "inspector", "member", "nobody"])
def test_roles_that_do_not_write_pairings_are_refused(world: World, role: str) -> None:
    with pytest.raises(PermissionDenied):
        services.pairing_create(
            user=world.users[role],
            unit=world.unit_free,
            community=world.community_a2,
            start=D(2022, 1, 1),
        )


def test_members_are_written_by_the_office_and_their_unit_liaison_only(world: World) -> None:
    member = services.member_create(
        user=world.users["unit"], unit=world.unit_a, name="王五", phone="139 1234 5678"
    )
    assert member.phone == "13912345678"
    services.member_archive(user=world.users["office"], member=member)
    with pytest.raises(PermissionDenied):
        services.member_create(user=world.users["unit"], unit=world.unit_b, name="赵六")
    with pytest.raises(PermissionDenied):
        services.member_create(user=world.users["member"], unit=world.unit_a, name="赵六")
