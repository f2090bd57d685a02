"""The inspection services: drafts with bounded scores, submission with totals and grades,
locking, the office's correction, and who may fill in an inspection."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from gongzhi.campaigns.models import Campaign, Session, SessionStatus
from gongzhi.inspections import services
from gongzhi.inspections.models import (
    Assignment,
    ChecklistTemplate,
    Inspection,
    InspectionGroup,
    InspectionRound,
    InspectionStatus,
    ItemScore,
    RoundStatus,
)
from gongzhi.inspections.seed import ranking_rules
from tests.core.photo_samples import camera_jpeg
from tests.factories import World
from tests.inspections.fixtures_inspect import (  # noqa: F401 - fixtures
    DAY,
    complete_fixture,
    full_answers,
    items_of,
    round1_fixture,
    seeded_fixture,
)


def save(world: World, user_key: str = "inspector", **values: Any) -> Inspection:
    return services.inspection_draft_save(
        user=world.users[user_key], round_number=1, unit_code=world.unit_a.code, **values
    )


def submit(world: World, user_key: str = "inspector") -> Inspection:
    return services.inspection_submit(
        user=world.users[user_key], round_number=1, unit_code=world.unit_a.code
    )


def refused(call: Callable[[], Any]) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as info:
        call()
    return info.value.message_dict


# --- drafts ---------------------------------------------------------------------------------


def test_an_inspector_saves_a_partial_draft_and_changes_it_later(
    world: World, round1: InspectionRound, template: ChecklistTemplate
) -> None:
    draft = save(world, scores={"plan": "8.5", "no_flyers": "no"}, comments={"plan": "方案未上墙"})
    assert (draft.status, draft.group.name, draft.inspector) == (
        InspectionStatus.DRAFT,
        "第1督导组",
        world.users["inspector"],
    )
    rows = {r.item.code: r for r in ItemScore.objects.filter(inspection=draft)}
    assert (rows["plan"].score, rows["plan"].comment) == (Decimal("8.5"), "方案未上墙")
    assert rows["no_flyers"].passed is False

    save(world, date="2021-07-09", scores={"plan": "10", "no_flyers": ""}, notes="下午检查")
    draft.refresh_from_db()
    assert (draft.date, draft.notes) == (DAY, "下午检查")
    rows = {r.item.code: r for r in ItemScore.objects.filter(inspection=draft)}
    assert rows["plan"].score == Decimal(10) and rows["plan"].comment == "方案未上墙"
    assert "no_flyers" not in rows  # cleared: the answer is gone
    assert Inspection.objects.count() == 1


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("-1", "0 to 10 points"),
        ("10.5", "0 to 10 points"),
        (11, "0 to 10 points"),
        ("7.3", "half points"),
        ("很好", "number of points"),
        (True, "number of points"),
        ("NaN", "0 to 10 points"),
    ],
)
def test_scores_lie_within_the_item_maximum_in_half_points(
    world: World, round1: InspectionRound, value: Any, message: str
) -> None:
    errors = refused(lambda: save(world, scores={"plan": value, "liaison": "5"}))
    assert list(errors) == ["scores.plan"]
    assert message in errors["scores.plan"][0]
    assert not Inspection.objects.exists() and not ItemScore.objects.exists()


def test_checks_take_yes_or_no_and_unknown_items_are_named(
    world: World, round1: InspectionRound
) -> None:
    errors = refused(lambda: save(world, scores={"no_flyers": "maybe", "nonexistent": "1"}))
    assert "yes or no" in errors["scores.no_flyers"][0]
    assert "nonexistent" in errors["scores.nonexistent"][0]
    assert save(world, scores={"no_flyers": True, "no_weeds": "no"}).scores.count() == 2


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("2021-08-15", "within round 1 (2021-07-01 to 2021-07-28)"),
        ("2021-06-30", "within round 1"),
        ("09/07/2021", "YYYY-MM-DD"),
        ("2021-02-30", "YYYY-MM-DD"),
    ],
)
def test_the_date_lies_within_the_round(
    world: World, round1: InspectionRound, value: str, message: str
) -> None:
    assert message in refused(lambda: save(world, date=value))["date"][0]


def test_the_date_cannot_lie_in_the_future(
    world: World, groups: list[InspectionGroup], make_round: Callable[..., InspectionRound]
) -> None:
    today = dt.date.today()
    round_ = make_round(1, start=today - dt.timedelta(days=3))
    Assignment.objects.create(round=round_, unit=world.unit_a, group=groups[0])
    tomorrow = (today + dt.timedelta(days=1)).isoformat()
    assert "future" in refused(lambda: save(world, date=tomorrow))["date"][0]


def test_the_session_observed_was_held_on_the_date_in_the_community(
    world: World, round1: InspectionRound
) -> None:
    campaign = Campaign.objects.create(slug="friday", name="周五", start=dt.date(2021, 7, 1))
    campaign.communities.set([world.community_a1])
    held = Session.objects.create(
        campaign=campaign, slot_date=DAY, date=DAY, start_time="14:30", end_time="17:30"
    )
    cancelled = Session.objects.create(
        campaign=campaign,
        slot_date=DAY + dt.timedelta(days=14),
        date=DAY + dt.timedelta(days=14),
        start_time="14:30",
        end_time="17:30",
        status=SessionStatus.CANCELLED,
    )
    assert "not held" in refused(lambda: save(world, session_id=cancelled.pk))["session_id"][0]
    assert (
        "not on 2021-07-10"
        in refused(lambda: save(world, date="2021-07-10", session_id=held.pk))["session_id"][0]
    )
    assert (
        "does not cover"
        in refused(lambda: save(world, community_code=world.community_b1.code, session_id=held.pk))[
            "session_id"
        ][0]
    )
    draft = save(world, session_id=held.pk, community_code=world.community_a1.code)
    assert (draft.session, draft.date) == (held, DAY)  # the session gives the date


def test_an_unknown_community_is_named(world: World, round1: InspectionRound) -> None:
    errors = refused(lambda: save(world, community_code="999999999999"))
    assert "999999999999" in errors["community_code"][0]


# --- who may fill it in --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("user_key", "expected"),
    [
        ("office", None),
        ("leader", PermissionDenied),
        ("unit", Http404),
        ("district", Http404),
        ("community", Http404),
        ("member", Http404),
        ("nobody", Http404),
    ],
)
def test_only_the_assigned_group_and_the_office_fill_in_an_inspection(
    world: World, round1: InspectionRound, user_key: str, expected: type[Exception] | None
) -> None:
    if expected is None:
        assert save(world, user_key, scores={"plan": "5"}).inspector == world.users[user_key]
    else:
        with pytest.raises(expected):
            save(world, user_key, scores={"plan": "5"})


def test_an_inspector_of_another_group_does_not_see_the_unit(
    world: World, round1: InspectionRound
) -> None:
    with pytest.raises(Http404):
        services.inspection_draft_save(
            user=world.users["inspector"], round_number=1, unit_code=world.unit_b.code
        )
    with pytest.raises(Http404):  # not assigned in the round at all
        services.inspection_draft_save(
            user=world.users["office"], round_number=1, unit_code="91420000000000000X"
        )


def test_a_round_must_be_open_for_inspectors(world: World, round1: InspectionRound) -> None:
    round1.status = RoundStatus.PLANNED
    round1.save()
    with pytest.raises(PermissionDenied, match="not opened"):
        save(world, "office", scores={"plan": "5"})
    with pytest.raises(Http404):  # inspectors see the units of open rounds only
        save(world, scores={"plan": "5"})
    round1.status = RoundStatus.CLOSED
    round1.save()
    with pytest.raises((PermissionDenied, Http404)):
        save(world, scores={"plan": "5"})
    assert save(world, "office", scores={"plan": "5"}).status == InspectionStatus.DRAFT


def test_the_inspection_follows_its_unit_to_another_group(
    world: World, round1: InspectionRound, groups: list[InspectionGroup]
) -> None:
    draft = save(world, scores={"plan": "5"})
    Assignment.objects.filter(round=round1, unit=world.unit_a).update(group=groups[1])
    with pytest.raises((PermissionDenied, Http404)):
        save(world, scores={"plan": "6"})
    save(world, "office", scores={"plan": "6"})
    draft.refresh_from_db()
    assert draft.group == groups[1]


# --- submitting ----------------------------------------------------------------------------------


def test_submitting_an_incomplete_draft_lists_what_is_missing(
    world: World, round1: InspectionRound, template: ChecklistTemplate
) -> None:
    save(world, scores={"plan": "10", "no_flyers": "yes"})
    errors = refused(lambda: submit(world))
    assert set(errors) >= {"date", "community_code", "scores.leader_led", "scores.no_weeds"}
    assert "scores.plan" not in errors and "scores.no_flyers" not in errors
    assert len([k for k in errors if k.startswith("scores.")]) == len(items_of(template)) - 2
    assert "“主要领导或分管领导带队参加活动” is not answered." in errors["scores.leader_led"]
    assert Inspection.objects.get().status == InspectionStatus.DRAFT


def test_nothing_saved_yet_cannot_be_submitted(world: World, round1: InspectionRound) -> None:
    assert "date" in refused(lambda: submit(world))


def test_an_evidence_item_that_falls_short_needs_a_finding_with_a_photo(
    world: World,
    complete: Callable[..., Inspection],
    seeded: None,
) -> None:
    complete(scores={"no_flyers": "no", "tasks": "12", "no_weeds": "no"})
    errors = refused(lambda: submit(world))
    # no_weeds requires no evidence; the other two fall short and need it.
    assert set(errors) == {"evidence.no_flyers", "evidence.tasks"}

    kw = {"user": world.users["inspector"], "round_number": 1, "unit_code": world.unit_a.code}
    services.finding_add(**kw, text="楼道小广告未清", item_code="no_flyers")
    errors = refused(lambda: submit(world))
    assert set(errors) == {"evidence.no_flyers", "evidence.tasks"}  # a finding, but no photo
    services.finding_add(**kw, text="小广告照片", item_code="no_flyers", photos=[camera_jpeg()])
    services.finding_add(**kw, text="四清未完成", item_code="tasks", photos=[camera_jpeg()])
    assert submit(world).status == InspectionStatus.SUBMITTED


@pytest.mark.parametrize(
    ("points_off", "grade", "total"),
    [
        ({}, "excellent", "100.0"),
        ({"feedback": "5"}, "excellent", "90.0"),
        ({"feedback": "4.5"}, "good", "89.5"),
        ({"feedback": "0", "funds": "0"}, "good", "80.0"),
        ({"feedback": "0", "problems_closed": "0"}, "fair", "70.0"),
        ({"feedback": "0", "problems_closed": "0", "headcount": "5"}, "fair", "60.0"),
        ({"feedback": "0", "problems_closed": "0", "headcount": "4.5"}, "poor", "59.5"),
    ],
)
def test_submitting_computes_the_total_and_the_grade_by_the_thresholds(
    world: World,
    complete: Callable[..., Inspection],
    points_off: dict[str, str],
    grade: str,
    total: str,
) -> None:
    # Results items without evidence (feedback 15, problems_closed 15, headcount 15, funds 5)
    # and the checks all met: only the scores move the total.
    complete(scores=points_off)
    done = submit(world)
    assert (done.total_score, done.grade) == (Decimal(total), grade)
    assert done.submitted_at is not None and done.status == InspectionStatus.SUBMITTED


def test_checks_do_not_count_in_the_total(
    world: World, complete: Callable[..., Inspection]
) -> None:
    complete(scores={"no_weeds": "no"})
    assert submit(world).total_score == Decimal(100)


def test_the_grade_follows_the_office_s_thresholds(
    world: World, complete: Callable[..., Inspection]
) -> None:
    rules = ranking_rules()
    rules.excellent_min, rules.good_min, rules.fair_min = Decimal(95), Decimal(85), Decimal(70)
    rules.save()
    complete(scores={"feedback": "5", "funds": "0"})  # 85
    assert submit(world).grade == "good"


# --- locked after submission; the office's correction ----------------------------------------------


def test_a_submitted_inspection_is_locked_for_the_inspector(
    world: World, complete: Callable[..., Inspection], seeded: None
) -> None:
    complete()
    submit(world)
    with pytest.raises(PermissionDenied, match="locked"):
        save(world, scores={"plan": "1"})
    with pytest.raises(PermissionDenied, match="locked"):
        services.finding_add(
            user=world.users["inspector"], round_number=1, unit_code=world.unit_a.code, text="x"
        )
    assert "already submitted" in str(refused(lambda: submit(world)))
    with pytest.raises(PermissionDenied, match="locked"):
        save(world, "office", scores={"plan": "1"})  # the office corrects, with a reason
    assert ItemScore.objects.get(item__code="plan").score == Decimal(10)


def test_the_office_corrects_with_a_reason_kept_in_the_history(
    world: World, complete: Callable[..., Inspection]
) -> None:
    complete()
    submit(world)
    corrected = services.inspection_correct(
        user=world.users["office"],
        round_number=1,
        unit_code=world.unit_a.code,
        reason="复核：居民评价打分有误",
        scores={"feedback": "3"},
        notes="复核后更正",
    )
    assert (corrected.total_score, corrected.grade) == (Decimal("88.0"), "good")
    assert corrected.status == InspectionStatus.SUBMITTED
    latest = corrected.history.first()
    assert latest.history_change_reason == "复核：居民评价打分有误"
    assert latest.history_user == world.users["office"]
    assert latest.total_score == Decimal("88.0")


def test_a_correction_needs_the_office_a_reason_a_change_and_stays_complete(
    world: World, complete: Callable[..., Inspection]
) -> None:
    complete()
    kw: dict[str, Any] = {"round_number": 1, "unit_code": world.unit_a.code}
    with pytest.raises(ValidationError, match="still a draft"):
        services.inspection_correct(user=world.users["office"], reason="x", notes="y", **kw)
    submit(world)
    with pytest.raises(PermissionDenied):
        services.inspection_correct(user=world.users["inspector"], reason="x", notes="y", **kw)
    errors = refused(
        lambda: services.inspection_correct(user=world.users["office"], reason=" ", **kw)
    )
    assert set(errors) == {"reason", "__all__"}
    errors = refused(
        lambda: services.inspection_correct(
            user=world.users["office"], reason="r" * 101, scores={"plan": "11"}, **kw
        )
    )
    assert set(errors) == {"reason", "scores.plan"}
    errors = refused(
        lambda: services.inspection_correct(
            user=world.users["office"], reason="清除", scores={"plan": ""}, **kw
        )
    )
    assert "scores.plan" in errors  # it must stay complete
    assert ItemScore.objects.get(item__code="plan").score == Decimal(10)
    assert Inspection.objects.get().history.count() == 2  # created, submitted


def test_full_answers_complete_the_default_checklist(template: ChecklistTemplate) -> None:
    answers = full_answers(template)
    assert sum(Decimal(v) for v in answers.values() if v != "yes") == Decimal(100)


def test_a_community_archived_after_it_was_chosen_still_saves(
    world: World, round1: InspectionRound
) -> None:
    from django.utils import timezone

    save(world, community_code=world.community_a2.code)
    type(world.community_a2).objects.filter(pk=world.community_a2.pk).update(
        archived_at=timezone.now()
    )
    assert save(world, community_code=world.community_a2.code, notes="x").community == (
        world.community_a2
    )
    world.community_a1.archived_at = timezone.now()
    world.community_a1.save()
    assert "community_code" in refused(lambda: save(world, community_code=world.community_a1.code))
