"""Fixtures of the inspection form, finding and checklist tests: the seeded categories,
an open round with the world's units assigned, and answers that complete the default
checklist.

A test module imports the ``*_fixture`` functions it uses; pytest knows them by the name
given to ``@pytest.fixture`` (``seeded``, ``round1``…)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from gongzhi.inspections import services
from gongzhi.inspections.models import (
    Assignment,
    ChecklistItem,
    ChecklistTemplate,
    Inspection,
    InspectionGroup,
    InspectionRound,
    ItemKind,
)
from gongzhi.problems import services as problem_services
from tests.factories import World

#: A day inside round 1 of ``make_round`` (2021-07-01 to 2021-07-28).
DAY = dt.date(2021, 7, 9)


def full_answers(template: ChecklistTemplate) -> dict[str, Any]:
    """Every item of ``template`` fully met: the maximum score, or yes."""
    return {
        item.code: (f"{item.max_score.normalize():f}" if item.max_score is not None else "yes")
        for item in ChecklistItem.objects.filter(criterion__template=template)
    }


def items_of(template: ChecklistTemplate) -> dict[str, ChecklistItem]:
    return {i.code: i for i in ChecklistItem.objects.filter(criterion__template=template)}


@pytest.fixture(name="seeded")
def seeded_fixture(db: None) -> None:
    """The problem categories (a finding's rectification needs one)."""
    problem_services.categories_seed()


@pytest.fixture(name="round1")
def round1_fixture(
    world: World,
    groups: list[InspectionGroup],
    make_round: Callable[..., InspectionRound],
) -> InspectionRound:
    """Round 1, open: unit_a to group 1 (the world's inspector), unit_b to group 2,
    unit_free to group 3."""
    round_ = make_round(1)
    for unit, group in ((world.unit_a, groups[0]), (world.unit_b, groups[1])):
        Assignment.objects.create(round=round_, unit=unit, group=group)
    Assignment.objects.create(round=round_, unit=world.unit_free, group=groups[2])
    return round_


@pytest.fixture(name="complete")
def complete_fixture(
    world: World, round1: InspectionRound, template: ChecklistTemplate
) -> Callable[..., Inspection]:
    """``complete(user_key="inspector", **changes)``: unit_a's draft in round 1 with every
    item answered (full marks unless ``scores`` changes some), the date and community."""

    def make(user_key: str = "inspector", **changes: Any) -> Inspection:
        scores = full_answers(template)
        scores.update(changes.pop("scores", {}))
        values: dict[str, Any] = {
            "date": DAY,
            "community_code": world.community_a1.code,
            "scores": scores,
        }
        values.update(changes)
        return services.inspection_draft_save(
            user=world.users[user_key],
            round_number=round1.number,
            unit_code=world.unit_a.code,
            **values,
        )

    return make


@pytest.fixture(name="client_of")
def client_of_fixture(world: World) -> Callable[[str], Client]:
    """``client_of(role)``: a test client logged in as the world's user of that role."""

    def make(role: str) -> Client:
        client = Client()
        client.force_login(world.users[role])
        return client

    return make


def total(inspection: Inspection) -> Decimal | None:
    inspection.refresh_from_db()
    return inspection.total_score


def as_kind(template: ChecklistTemplate, kind: str) -> list[str]:
    return [i.code for i in items_of(template).values() if i.kind == kind]


SCORED = ItemKind.SCORED
CHECK = ItemKind.CHECK
