"""Findings with photos, the rectification problems they raise on submission, and the
next round's view of whether earlier findings were rectified."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from gongzhi.inspections import queries, services
from gongzhi.inspections.models import (
    Assignment,
    Finding,
    FindingPhoto,
    Inspection,
    InspectionGroup,
    InspectionRound,
    RoundStatus,
)
from gongzhi.problems import services as problem_services
from gongzhi.problems.models import (
    Problem,
    ProblemEvent,
    ProblemPhoto,
    ProblemSource,
    ProblemState,
)
from tests.core.photo_samples import camera_jpeg, truncated
from tests.factories import World
from tests.inspections.fixtures_inspect import (  # noqa: F401 - fixtures
    complete_fixture,
    round1_fixture,
    seeded_fixture,
)


def add(world: World, user_key: str = "inspector", round_number: int = 1, **values: Any) -> Finding:
    values.setdefault("text", "楼道杂物堆放未清理")
    return services.finding_add(
        user=world.users[user_key],
        round_number=round_number,
        unit_code=world.unit_a.code,
        **values,
    )


def submit(world: World, user_key: str = "inspector", round_number: int = 1) -> Inspection:
    return services.inspection_submit(
        user=world.users[user_key], round_number=round_number, unit_code=world.unit_a.code
    )


def test_a_finding_that_demands_rectification_becomes_a_dispatched_problem_on_submission(
    world: World,
    complete: Callable[..., Inspection],
    seeded: None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(problem_services, "_today", lambda: dt.date(2026, 9, 30))
    complete()
    finding = add(
        world,
        demands_rectification=True,
        category_code="piled_debris",
        item_code="no_debris",
        photos=[camera_jpeg()],
    )
    add(world, text="宣传栏内容陈旧")  # a remark only: no problem
    assert not Problem.objects.exists()  # nothing until the inspection is submitted

    submit(world)
    finding.refresh_from_db()
    problem = finding.problem
    assert problem is not None and Problem.objects.count() == 1
    assert (problem.source, problem.state, problem.category.code) == (
        ProblemSource.INSPECTION,
        ProblemState.DISPATCHED,
        "piled_debris",
    )
    assert (problem.community, problem.description) == (world.community_a1, "楼道杂物堆放未清理")
    assert list(problem.dispatched_units.all()) == [world.unit_a]
    # 乱堆乱放杂物: 3 working days; 10-01..10-07 are National Day, 10-10 a make-up Saturday.
    assert problem.deadline == dt.date(2026, 10, 10)
    assert [e.action for e in ProblemEvent.objects.filter(problem=problem).order_by("id")] == [
        "report",
        "accept",
        "dispatch",
    ]
    assert ProblemPhoto.objects.filter(problem=problem).count() == 1  # the finding's photo


def test_a_rectification_needs_a_category_and_nothing_is_written_otherwise(
    world: World, complete: Callable[..., Inspection], seeded: None
) -> None:
    complete()
    with pytest.raises(ValidationError) as info:
        add(world, demands_rectification=True, photos=[camera_jpeg()])
    assert list(info.value.message_dict) == ["category_code"]
    with pytest.raises(ValidationError) as info:
        add(world, demands_rectification=True, category_code="no_such_category")
    assert "no_such_category" in info.value.message_dict["category_code"][0]
    assert not Finding.objects.exists() and not FindingPhoto.objects.exists()


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"text": "  "}, "text"),
        ({"text": "x" * 2001}, "text"),
        ({"item_code": "nope"}, "item_code"),
        ({"photos": [b"not a photo"]}, "photos"),
        ({"photos": [truncated(camera_jpeg())]}, "photos"),
        ({"photos": [camera_jpeg()] * 10}, "photos"),
    ],
)
def test_a_refused_finding_names_the_field_and_writes_nothing(
    world: World, round1: InspectionRound, seeded: None, values: dict[str, Any], field: str
) -> None:
    with pytest.raises(ValidationError) as info:
        add(world, **values)
    assert field in info.value.message_dict
    assert not Finding.objects.exists() and not Inspection.objects.exists()


def test_a_finding_starts_the_draft_and_can_be_removed_from_it(
    world: World, round1: InspectionRound, seeded: None
) -> None:
    finding = add(world, photos=[camera_jpeg(), camera_jpeg()])
    assert Inspection.objects.get().findings.get() == finding
    assert finding.photos.count() == 2
    services.finding_delete(user=world.users["inspector"], finding_id=finding.pk)
    assert not Finding.objects.exists() and not FindingPhoto.objects.exists()


def test_only_those_who_fill_in_the_inspection_add_findings(
    world: World, round1: InspectionRound, seeded: None
) -> None:
    add(world)
    with pytest.raises(PermissionDenied):
        add(world, "leader")
    with pytest.raises(Http404):  # a unit sees its inspection once submitted
        add(world, "unit")
    finding = Finding.objects.get()
    with pytest.raises(PermissionDenied):
        services.finding_delete(user=world.users["leader"], finding_id=finding.pk)


def test_the_office_adds_a_finding_to_a_submitted_inspection_with_a_reason(
    world: World, complete: Callable[..., Inspection], seeded: None
) -> None:
    complete()
    submit(world)
    with pytest.raises(ValidationError) as info:
        add(world, "office", demands_rectification=True, category_code="piled_debris")
    assert list(info.value.message_dict) == ["reason"]
    finding = add(
        world,
        "office",
        demands_rectification=True,
        category_code="piled_debris",
        reason="复核补录",
    )
    finding.refresh_from_db()
    assert finding.problem is not None and finding.problem.state == ProblemState.DISPATCHED
    assert Inspection.objects.get().history.first().history_change_reason == "复核补录"


def test_earlier_findings_show_whether_they_were_rectified(
    world: World,
    round1: InspectionRound,
    complete: Callable[..., Inspection],
    seeded: None,
    groups: list[InspectionGroup],
    make_round: Callable[..., InspectionRound],
) -> None:
    complete()
    fixed = add(world, text="垃圾死角", demands_rectification=True, category_code="piled_debris")
    open_ = add(world, text="小广告", demands_rectification=True, category_code="illegal_flyers")
    remark = add(world, text="台账不全")
    submit(world)
    fixed.refresh_from_db()
    Problem.objects.filter(pk=fixed.problem_id).update(state=ProblemState.CLOSED)

    round1.status = RoundStatus.CLOSED
    round1.save()
    round2 = make_round(2)
    Assignment.objects.create(round=round2, unit=world.unit_a, group=groups[1])
    earlier = queries.earlier_findings(world.unit_a, round2)
    assert [(e.finding.pk, e.round_number, e.rectified) for e in earlier] == [
        (fixed.pk, 1, True),
        (open_.pk, 1, False),
        (remark.pk, 1, None),
    ]
    assert queries.earlier_findings(world.unit_a, round1) == []
    assert queries.earlier_findings(world.unit_b, round2) == []


def test_draft_findings_of_earlier_rounds_are_not_shown(
    world: World,
    round1: InspectionRound,
    seeded: None,
    groups: list[InspectionGroup],
    make_round: Callable[..., InspectionRound],
) -> None:
    add(world, text="草稿中的发现")
    round2 = make_round(2)
    assert queries.earlier_findings(world.unit_a, round2) == []
