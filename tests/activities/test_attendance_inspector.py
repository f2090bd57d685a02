"""Inspectors read the attendance of the units their groups check, while the round is open."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from gongzhi.activities import services
from gongzhi.activities.queries import attendance_visible_to
from gongzhi.campaigns.models import Session
from gongzhi.inspections.models import Assignment, InspectionGroup, InspectionRound, RoundStatus
from gongzhi.inspections.seed import seed_default_template
from tests.activities.fixtures_attendance import (  # noqa: F401 - fixtures
    held_fixture,
    seeded_fixture,
)
from tests.factories import World

pytestmark = pytest.mark.django_db


def _record(world: World, session: Session, unit: Any, community: Any) -> Any:
    return services.attendance_record(
        user=world.users["office"],
        session_id=session.pk,
        unit_code=unit.code,
        community_code=community.code,
        headcount=12,
    )


def _assign(world: World, status: str = RoundStatus.OPEN) -> InspectionRound:
    inspector = world.users["inspector"]
    group = InspectionGroup.objects.create(name="第一督导组", leader=inspector)
    group.members.add(inspector)
    round_ = InspectionRound.objects.create(
        number=1,
        start=dt.date(2021, 9, 1),
        end=dt.date(2021, 9, 30),
        template=seed_default_template(),
        status=status,
    )
    Assignment.objects.create(round=round_, unit=world.unit_a, group=group)
    return round_


def test_an_inspector_reads_only_the_attendance_of_units_assigned_to_their_group(
    world: World, held: Session
) -> None:
    mine = _record(world, held, world.unit_a, world.community_a1)
    _record(world, held, world.unit_b, world.community_b1)
    inspector = world.users["inspector"]
    assert list(attendance_visible_to(inspector)) == []
    _assign(world)
    assert [a.pk for a in attendance_visible_to(inspector)] == [mine.pk]


def test_when_the_round_closes_the_inspector_reads_none(world: World, held: Session) -> None:
    _record(world, held, world.unit_a, world.community_a1)
    round_ = _assign(world)
    round_.status = RoundStatus.CLOSED
    round_.save()
    assert list(attendance_visible_to(world.users["inspector"])) == []


def test_reading_gives_the_inspector_no_right_to_change(world: World, held: Session) -> None:
    attendance = _record(world, held, world.unit_a, world.community_a1)
    _assign(world)
    with pytest.raises((PermissionDenied, ValidationError, Http404)):
        services.attendance_update(
            user=world.users["inspector"], attendance_id=attendance.pk, headcount=99
        )
    attendance.refresh_from_db()
    assert attendance.headcount == 12
