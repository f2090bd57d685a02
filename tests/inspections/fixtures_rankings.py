"""Helpers of the ranking tests: units, scored inspections, rectification problems."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.utils import timezone

from gongzhi.areas.models import Community
from gongzhi.inspections.models import (
    Assignment,
    ChecklistItem,
    Finding,
    Inspection,
    InspectionGroup,
    InspectionRound,
    InspectionStatus,
    ItemKind,
    ItemScore,
)
from gongzhi.problems.models import Category, Dispatch, Problem
from gongzhi.units.models import Unit
from tests.factories import UnitFactory, make_credit_code

_numbers = itertools.count(1)
_serials = itertools.count(500)


def make_units(count: int, prefix: str = "单位") -> list[Unit]:
    """``count`` municipal units whose credit codes sort in creation order."""
    return [
        UnitFactory(
            code=make_credit_code(next(_serials)),
            name=f"随州市{prefix}{n:02d}",
            short_name=f"{prefix}{n:02d}",
        )
        for n in range(1, count + 1)
    ]


def _spread(items: Sequence[ChecklistItem], points: Decimal) -> dict[int, Decimal]:
    """Fill the items in order up to their maximum until ``points`` are given."""
    given: dict[int, Decimal] = {}
    left = points
    for item in items:
        maximum = item.max_score or Decimal(0)
        score = min(maximum, left)
        given[item.pk] = score
        left -= score
    if left > 0:
        raise ValueError(f"{points} points do not fit in {len(items)} items")
    return given


def inspect(
    round_: InspectionRound,
    unit: Unit,
    group: InspectionGroup,
    total: float | str | None = None,
    *,
    criteria: dict[str, float | str] | None = None,
    failed_checks: int = 0,
    status: str = InspectionStatus.SUBMITTED,
    date: dt.date | None = None,
    assign: bool = True,
) -> Inspection:
    """An inspection of ``unit`` in ``round_`` with every item answered.

    Give either ``total`` (spread over the scored items in checklist order) or points
    per criterion code; ``failed_checks`` of the yes/no checks fail.
    """
    if assign:
        Assignment.objects.get_or_create(round=round_, unit=unit, defaults={"group": group})
    items = list(
        ChecklistItem.objects.filter(criterion__template=round_.template).select_related(
            "criterion"
        )
    )
    scored = [i for i in items if i.kind == ItemKind.SCORED]
    checks = [i for i in items if i.kind == ItemKind.CHECK]
    scores: dict[int, Decimal] = {}
    if criteria is not None:
        for code, points in criteria.items():
            in_criterion = [i for i in scored if i.criterion.code == code]
            scores.update(_spread(in_criterion, Decimal(str(points))))
        for item in scored:
            scores.setdefault(item.pk, Decimal(0))
    else:
        scores = _spread(scored, Decimal(str(total if total is not None else 80)))
    inspection = Inspection.objects.create(
        round=round_,
        unit=unit,
        group=group,
        status=status,
        date=date or round_.start + dt.timedelta(days=3),
        total_score=sum(scores.values(), Decimal(0)),
        submitted_at=timezone.now() if status == InspectionStatus.SUBMITTED else None,
    )
    ItemScore.objects.bulk_create(
        [ItemScore(inspection=inspection, item_id=pk, score=score) for pk, score in scores.items()]
        + [
            ItemScore(inspection=inspection, item=item, passed=index >= failed_checks)
            for index, item in enumerate(checks)
        ]
    )
    return inspection


def rectification(
    inspection: Inspection, community: Community, states: Sequence[str]
) -> list[Problem]:
    """One finding demanding rectification per state, each with its ledger problem."""
    category, _created = Category.objects.get_or_create(
        code="piled_debris",
        defaults={"name": "乱堆乱放杂物", "group": "four_cleanups", "deadline_working_days": 3},
    )
    problems = []
    for state in states:
        problem = Problem.objects.create(
            number=f"2021-7{next(_numbers):05d}",
            description="督导发现：楼道堆放杂物",
            category=category,
            source="inspection",
            community=community,
            state=state,
            deadline=dt.date(2021, 10, 15),
        )
        Dispatch.objects.create(problem=problem, unit=inspection.unit)
        Finding.objects.create(
            inspection=inspection,
            text="楼道堆放杂物",
            demands_rectification=True,
            category=category,
            problem=problem,
        )
        problems.append(problem)
    return problems


def codes(rows: Sequence[Any]) -> list[str]:
    """The credit codes of standings (or of units), in order."""
    return [getattr(row, "unit", row).code for row in rows]
