"""Rectification problems raised by inspections: reported, accepted and dispatched at once."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from gongzhi.problems import services
from gongzhi.problems.models import Problem, ProblemEvent, ProblemSource, ProblemState
from tests.factories import World


def _raise(world: World, user_key: str = "inspector", **kw: object) -> Problem:
    values: dict[str, object] = {
        "category_code": "piled_debris",
        "community_code": world.community_a1.code,
        "description": "楼道杂物未清理，整改不到位",
        "unit_codes": [world.unit_a.code],
    }
    values.update(kw)
    return services.problem_report_dispatched(user=world.users[user_key], **values)  # type: ignore[arg-type]


def test_an_inspection_finding_becomes_a_dispatched_problem_with_the_category_deadline(
    world: World, categories: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(services, "_today", lambda: dt.date(2026, 9, 30))
    problem = _raise(world)
    assert (problem.source, problem.state) == (ProblemSource.INSPECTION, ProblemState.DISPATCHED)
    assert list(problem.dispatched_units.all()) == [world.unit_a]
    # 乱堆乱放杂物: 3 working days; 10-01..10-07 are National Day, 10-10 a make-up Saturday.
    assert problem.deadline == dt.date(2026, 10, 10)
    events = list(ProblemEvent.objects.filter(problem=problem).order_by("at", "id"))
    assert [(e.action, e.to_state) for e in events] == [
        ("report", "reported"),
        ("accept", "accepted"),
        ("dispatch", "dispatched"),
    ]
    assert {e.actor for e in events} == {world.users["inspector"]}
    assert problem.version == 3


def test_only_the_office_and_inspectors_raise_rectifications(
    world: World, categories: None
) -> None:
    with pytest.raises(PermissionDenied):
        _raise(world, "community")
    assert _raise(world, "office").state == ProblemState.DISPATCHED


def test_a_rectification_needs_a_real_unit_and_writes_nothing_otherwise(
    world: World, categories: None
) -> None:
    with pytest.raises(ValidationError) as refused:
        _raise(world, unit_codes=["91110000000000000X"])
    assert "unit_codes" in refused.value.message_dict
    with pytest.raises(ValidationError):
        _raise(world, unit_codes=[])
    assert not Problem.objects.exists()
