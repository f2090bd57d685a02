"""Helpers of the round, group and assignment tests: more units, inspectors, inspections."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from gongzhi.core.models import Role
from gongzhi.inspections.models import (
    Assignment,
    Inspection,
    InspectionGroup,
    InspectionRound,
    InspectionStatus,
)
from gongzhi.units.models import Unit
from tests.factories import UnitFactory, make_user


def municipal_units(count: int, prefix: str = "随州市测试单位") -> list[Unit]:
    """``count`` more municipal units."""
    return [UnitFactory(name=f"{prefix}{i:03d}") for i in range(count)]


def group_with(name: str, *people: Any) -> InspectionGroup:
    """A group led by the first of ``people`` (usernames become new inspectors)."""
    users = [make_user(p, Role.INSPECTOR) if isinstance(p, str) else p for p in people]
    group = InspectionGroup.objects.create(name=name, leader=users[0] if users else None)
    group.members.set(users)
    return group


def assign_directly(round_: InspectionRound, pairs: dict[Unit, InspectionGroup]) -> None:
    """Assignments written without the service (to set up a round)."""
    Assignment.objects.bulk_create(
        [Assignment(round=round_, unit=unit, group=group) for unit, group in pairs.items()]
    )


def inspection(
    round_: InspectionRound,
    unit: Unit,
    group: InspectionGroup,
    status: str = InspectionStatus.DRAFT,
) -> Inspection:
    """An inspection row created directly, as a draft or submitted."""
    submitted = status == InspectionStatus.SUBMITTED
    return Inspection.objects.create(
        round=round_,
        unit=unit,
        group=group,
        status=status,
        date=dt.date(2021, 7, 9),
        submitted_at=timezone.now() if submitted else None,
    )
