"""Fixtures shared by the inspection tests: the default checklist, groups and rounds."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest

from gongzhi.inspections.models import (
    ChecklistTemplate,
    InspectionGroup,
    InspectionRound,
    RoundStatus,
)
from gongzhi.inspections.seed import seed_default_template
from tests.factories import World, make_user


@pytest.fixture
def template(db: None) -> ChecklistTemplate:
    """The default checklist (seeded by a migration; seeding again returns it)."""
    return seed_default_template()


@pytest.fixture
def groups(world: World) -> list[InspectionGroup]:
    """Three groups; the world's ``inspector`` is a member of the first."""
    made = []
    for n in range(1, 4):
        leader = world.users["inspector"] if n == 1 else make_user(f"inspector{n}", "inspector")
        group = InspectionGroup.objects.create(name=f"第{n}督导组", leader=leader)
        group.members.add(leader)
        made.append(group)
    return made


@pytest.fixture
def make_round(template: ChecklistTemplate) -> Callable[..., InspectionRound]:
    """``make_round(number, status="open", start=…)``: a round using the default checklist."""

    def make(
        number: int, status: str = RoundStatus.OPEN, start: dt.date | None = None, **fields: Any
    ) -> InspectionRound:
        start = start or dt.date(2021, 7, 1) + dt.timedelta(days=30 * (number - 1))
        return InspectionRound.objects.create(
            number=number,
            start=start,
            end=start + dt.timedelta(days=27),
            template=template,
            status=status,
            **fields,
        )

    return make
