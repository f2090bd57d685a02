"""The demo's supervision: 10 groups, 4 rounds of 2021 over the 102 municipal units and the
round open now, with scores, grades, findings and their rectification problems."""

from __future__ import annotations

import io
import re
from collections import Counter, defaultdict
from decimal import Decimal
from typing import Any

import pytest
from django.apps import apps
from django.urls import reverse
from django.utils import timezone

from gongzhi.campaigns.models import Session, SessionStatus
from gongzhi.core.models import Role, RoleGrant, User
from gongzhi.demo.accounts import DEMO_INSPECTION_GROUP
from gongzhi.demo.campaign import CAMPAIGN_SLUG
from gongzhi.demo.inspections import rotate
from gongzhi.demo.loader import load_demo
from gongzhi.inspections import queries, rankings
from gongzhi.inspections.models import (
    Assignment,
    ChecklistItem,
    Finding,
    FindingPhoto,
    Grade,
    Inspection,
    InspectionGroup,
    InspectionRound,
    InspectionStatus,
    ItemKind,
    ItemScore,
    RoundStatus,
)
from gongzhi.inspections.seed import ranking_rules
from gongzhi.problems import services
from gongzhi.problems.models import Problem, ProblemSource, ProblemState
from gongzhi.units.models import Member, Pairing, Unit

GROUP_NAMES = [f"第{n}督导组" for n in "一二三四五六七八九十"]
S = InspectionStatus


def _municipal() -> set[int]:
    return set(Unit.objects.filter(jurisdiction__isnull=True).values_list("pk", flat=True))


def _rounds_2021() -> list[InspectionRound]:
    return list(InspectionRound.objects.filter(start__year=2021).order_by("number"))


def _own_units() -> dict[int, set[int]]:
    """Group → units its members belong to (Member rows and unit liaison grants)."""
    unit_of: dict[int, set[int]] = defaultdict(set)
    for user_id, unit_id in Member.objects.filter(user__isnull=False).values_list(
        "user_id", "unit_id"
    ):
        unit_of[user_id].add(unit_id)
    for user_id, unit_id in RoleGrant.objects.filter(role=Role.UNIT).values_list(
        "user_id", "unit_id"
    ):
        unit_of[user_id].add(unit_id)
    own: dict[int, set[int]] = defaultdict(set)
    for group in InspectionGroup.objects.prefetch_related("members"):
        for user in group.members.all():
            own[group.pk] |= unit_of[user.pk]
    return own


# --- groups and rounds ----------------------------------------------------------


def test_ten_groups_of_inspectors_and_the_demo_login_leads_the_first(
    demo_city: dict[str, Any], db: None
) -> None:
    groups = list(InspectionGroup.objects.prefetch_related("members"))
    assert sorted(g.name for g in groups) == sorted(GROUP_NAMES)
    login = User.objects.get(username="inspector")
    first = next(g for g in groups if g.name == DEMO_INSPECTION_GROUP)
    assert first.leader == login and login in first.members.all()
    assert [g.name for g in queries.groups_of(login)] == [DEMO_INSPECTION_GROUP]
    inspectors = set(
        RoleGrant.objects.filter(role=Role.INSPECTOR, revoked_at__isnull=True).values_list(
            "user_id", flat=True
        )
    )
    for group in groups:
        members = list(group.members.all())
        assert len(members) >= 3 and group.leader in members and group.is_active
        assert {m.pk for m in members} <= inspectors, group.name
        for member in members:
            if member != login:
                assert re.fullmatch(r"inspector\d\d", member.username)
                assert not member.has_usable_password() and member.display_name


def test_four_closed_rounds_in_2021_and_one_open_now(demo_city: dict[str, Any], db: None) -> None:
    rounds = _rounds_2021()
    assert [r.number for r in rounds] == [1, 2, 3, 4]
    assert [r.start.month for r in rounds] == [7, 8, 9, 10]
    assert all(r.end.year == 2021 and r.status == RoundStatus.CLOSED for r in rounds)
    current = queries.current_round()
    assert current is not None and current.number == 5
    assert current.start <= timezone.localdate() <= current.end
    assert InspectionRound.objects.count() == 5


def test_every_municipal_unit_is_assigned_once_a_round_with_loads_within_one(
    demo_city: dict[str, Any], db: None
) -> None:
    municipal = _municipal()
    assert len(municipal) == 102
    for round_ in InspectionRound.objects.all():
        rows = list(Assignment.objects.filter(round=round_).values_list("unit_id", "group_id"))
        units = [u for u, _g in rows]
        assert len(units) == len(set(units)) == 102 and set(units) == municipal, round_.number
        loads = Counter(g for _u, g in rows)
        assert len(loads) == 10 and max(loads.values()) - min(loads.values()) <= 1


def test_no_group_is_sent_to_a_unit_one_of_its_members_works_at(
    demo_city: dict[str, Any], db: None
) -> None:
    own = _own_units()
    assert sum(len(units) for units in own.values()) >= 20  # inspectors come from units
    conflicts = [
        (a.round.number, a.unit.short_name)
        for a in Assignment.objects.select_related("round", "unit")
        if a.unit_id in own[a.group_id]
    ]
    assert conflicts == []


def test_no_unit_meets_the_same_group_two_rounds_running(
    demo_city: dict[str, Any], db: None
) -> None:
    by_round: dict[int, dict[int, int]] = defaultdict(dict)
    for number, unit_id, group_id in Assignment.objects.values_list(
        "round__number", "unit_id", "group_id"
    ):
        by_round[number][unit_id] = group_id
    for number in range(2, 6):
        repeats = [u for u, g in by_round[number].items() if by_round[number - 1].get(u) == g]
        assert repeats == [], number


def test_the_rotation_swaps_units_away_from_their_own_group_and_last_rounds() -> None:
    units, groups = list(range(1, 8)), [100, 200, 300]
    own = {100: {1, 4}, 200: {2}}
    previous = {3: 300, 6: 300}
    plan = rotate(units, groups, previous, own, shift=0)
    assert set(plan) == set(units)
    assert sorted(Counter(plan.values()).values()) == [2, 2, 3]
    assert all(u not in own.get(g, set()) for u, g in plan.items())
    assert all(previous.get(u) != g for u, g in plan.items())


# --- inspections ----------------------------------------------------------------


def test_every_assigned_unit_is_inspected_by_its_group_in_rounds_1_to_4(
    demo_city: dict[str, Any], db: None
) -> None:
    for round_ in _rounds_2021():
        assigned = dict(Assignment.objects.filter(round=round_).values_list("unit_id", "group_id"))
        done = {
            i.unit_id: i
            for i in Inspection.objects.filter(round=round_).select_related("inspector")
        }
        assert set(done) == set(assigned), round_.number
        for unit_id, inspection in done.items():
            assert inspection.status == S.SUBMITTED and inspection.submitted_at
            assert inspection.group_id == assigned[unit_id]
            assert round_.start <= inspection.date <= round_.end
            assert timezone.localtime(inspection.submitted_at).date() == inspection.date
            group = InspectionGroup.objects.get(pk=inspection.group_id)
            assert group.members.filter(pk=inspection.inspector_id).exists()


def test_inspections_visit_a_paired_community_and_observe_the_session_of_their_day(
    demo_city: dict[str, Any], db: None
) -> None:
    paired: dict[int, list[Pairing]] = defaultdict(list)
    for pairing in Pairing.objects.all():
        paired[pairing.unit_id].append(pairing)
    sessions = {
        s.date: s.pk
        for s in Session.objects.filter(
            campaign__slug=CAMPAIGN_SLUG, status=SessionStatus.SCHEDULED
        )
    }
    observed = 0
    for inspection in Inspection.objects.all():
        day = inspection.date
        assert any(
            p.community_id == inspection.community_id
            and p.start <= day
            and (p.end is None or day <= p.end)
            for p in paired[inspection.unit_id]
        ), inspection.pk
        assert inspection.session_id == sessions.get(day), inspection.pk
        observed += inspection.session_id is not None
    assert 0.3 < observed / Inspection.objects.count() < 0.8


def test_totals_are_the_sum_of_the_item_scores_within_their_bounds(
    demo_city: dict[str, Any], db: None
) -> None:
    submitted = Inspection.objects.filter(status=S.SUBMITTED).select_related("round")
    items = {
        template: list(ChecklistItem.objects.filter(criterion__template=template))
        for template in {i.round.template_id for i in submitted}
    }
    scores: dict[int, list[ItemScore]] = defaultdict(list)
    for score in ItemScore.objects.select_related("item"):
        scores[score.inspection_id].append(score)
    for inspection in submitted:
        rows = scores[inspection.pk]
        assert {s.item_id for s in rows} == {i.pk for i in items[inspection.round.template_id]}
        total = Decimal(0)
        for row in rows:
            if row.item.kind == ItemKind.CHECK:
                assert row.score is None and row.passed is not None
            else:
                assert row.passed is None and 0 <= row.score <= row.item.max_score
                total += row.score
        assert inspection.total_score == total, inspection.pk


def test_grades_follow_the_ranking_rules_thresholds(demo_city: dict[str, Any], db: None) -> None:
    rules = ranking_rules()
    grades = Counter()
    for total, grade in Inspection.objects.filter(status=S.SUBMITTED).values_list(
        "total_score", "grade"
    ):
        if total >= rules.excellent_min:
            expected = Grade.EXCELLENT
        elif total >= rules.good_min:
            expected = Grade.GOOD
        elif total >= rules.fair_min:
            expected = Grade.FAIR
        else:
            expected = Grade.POOR
        assert grade == expected, total
        grades[grade] += 1
    assert set(grades) == set(Grade.values)


def test_most_totals_lie_between_70_and_95_and_a_few_below_60(
    demo_city: dict[str, Any], db: None
) -> None:
    totals = list(
        Inspection.objects.filter(status=S.SUBMITTED).values_list("total_score", flat=True)
    )
    between = sum(1 for t in totals if 70 <= t <= 95)
    below = sum(1 for t in totals if t < 60)
    assert between / len(totals) > 0.75
    assert 3 <= below <= len(totals) * 0.05


def test_a_few_units_are_on_the_red_list_and_a_few_on_the_black_list(
    demo_city: dict[str, Any], db: None
) -> None:
    """The cumulative rankings: the black list for low scores in 2021, and also for poor
    rectification once the open round's problems count."""
    rules = ranking_rules()
    until_2021 = rankings.ranking_for(rankings.Span.until_round(4))
    assert len(until_2021.ranked) == 102
    assert 5 <= len(until_2021.red) <= rules.red_top
    assert rules.black_bottom <= len(until_2021.black) <= rules.black_bottom + 3
    averages = [s.total for s in until_2021.black]
    assert sum(1 for total in averages if total < 70) >= 3
    now = rankings.ranking_for(rankings.Span.until_round(5))
    poor = [s for s in now.black if rankings.LOW_RECTIFICATION in s.black_reasons]
    assert poor and all(s.rectification.closed < s.rectification.counted for s in poor)


# --- findings and rectification -------------------------------------------------


def test_rectification_findings_are_inspection_problems_dispatched_to_the_unit(
    demo_city: dict[str, Any], db: None
) -> None:
    findings = list(
        Finding.objects.filter(problem__isnull=False).select_related(
            "inspection", "problem__category", "item", "category"
        )
    )
    assert len(findings) >= 20
    for finding in findings:
        problem, inspection = finding.problem, finding.inspection
        assert finding.demands_rectification and finding.category == problem.category
        assert problem.source == ProblemSource.INSPECTION
        assert problem.dispatches.filter(unit_id=inspection.unit_id).exists(), problem.number
        assert problem.community_id == inspection.community_id
        assert timezone.localtime(problem.created_at).date() == inspection.date
        assert problem.created_by_id == inspection.inspector_id
        report = problem.events.get(action="report")
        assert report.actor_id == inspection.inspector_id
        dispatch = problem.events.get(action="dispatch")
        day = timezone.localtime(dispatch.at).date()
        assert dispatch.data["deadline"] == str(services.deadline_for(problem.category, day))
        assert finding.text == problem.description and finding.item is not None
        assert finding.created_at <= problem.created_at
    assert not Finding.objects.filter(demands_rectification=True, problem__isnull=True).exists()
    assert not Finding.objects.filter(demands_rectification=False, problem__isnull=False).exists()


def test_findings_on_some_inspections_about_half_demanding_rectification(
    demo_city: dict[str, Any], db: None
) -> None:
    submitted = Inspection.objects.filter(status=S.SUBMITTED)
    with_findings = submitted.filter(findings__isnull=False).distinct().count()
    assert 0.1 <= with_findings / submitted.count() <= 0.25
    findings = Finding.objects.all()
    rectify = findings.filter(demands_rectification=True).count()
    assert 0.35 <= rectify / findings.count() <= 0.65
    # A finding without rectification names a weak item: a low score or a failed check.
    for finding in findings.filter(demands_rectification=False).select_related("item"):
        score = ItemScore.objects.get(inspection=finding.inspection_id, item=finding.item)
        if finding.item.kind == ItemKind.CHECK:
            assert score.passed is False
        else:
            assert score.score <= finding.item.max_score * Decimal("0.65")


def test_most_rectifications_are_closed_and_those_of_the_open_round_still_run(
    demo_city: dict[str, Any], db: None
) -> None:
    states = Counter(
        Finding.objects.filter(problem__isnull=False).values_list("problem__state", flat=True)
    )
    assert states[ProblemState.CLOSED] / sum(states.values()) > 0.8
    running = Finding.objects.filter(
        inspection__round__status=RoundStatus.OPEN,
        problem__state__in=[ProblemState.DISPATCHED, ProblemState.IN_PROGRESS],
    )
    assert running.exists()


def test_an_item_needing_evidence_falls_short_only_with_a_finding_and_its_photo(
    demo_city: dict[str, Any], db: None
) -> None:
    """As the form requires before submitting; the photos' files exist."""
    evidenced = set(
        Finding.objects.filter(photos__isnull=False).values_list("inspection_id", "item_id")
    )
    short = 0
    for score in ItemScore.objects.filter(
        item__evidence_required=True, inspection__status=S.SUBMITTED
    ).select_related("item"):
        falls_short = (
            score.passed is False
            if score.item.kind == ItemKind.CHECK
            else score.score < score.item.max_score
        )
        if falls_short:
            short += 1
            assert (score.inspection_id, score.item_id) in evidenced, score.inspection_id
    assert short >= 20
    photos = list(FindingPhoto.objects.select_related("finding__inspection"))
    assert len(photos) == len(evidenced)
    for photo in photos:
        assert photo.thumb.storage.exists(photo.thumb.name)
        assert photo.uploaded_by_id == photo.finding.inspection.inspector_id
        assert photo.created_at == photo.finding.created_at


# --- the open round -------------------------------------------------------------


def test_the_demo_login_has_drafts_and_units_still_to_inspect_in_the_open_round(
    demo_city: dict[str, Any], db: None
) -> None:
    login = User.objects.get(username="inspector")
    current = queries.current_round()
    assignments = list(queries.inspector_assignments(login, current))
    assert 10 <= len(assignments) <= 11
    visible = queries.inspections_visible_to(login).filter(round=current)
    drafts = visible.filter(status=S.DRAFT, inspector=login)
    assert drafts.count() >= 2
    assert visible.filter(status=S.SUBMITTED).exists()
    for draft in drafts:
        assert draft.total_score is None and draft.grade == "" and draft.submitted_at is None
        assert (
            0
            < draft.scores.count()
            < ChecklistItem.objects.filter(criterion__template=current.template).count()
        )
    started = set(visible.values_list("unit_id", flat=True))
    assert [a for a in assignments if a.unit_id not in started]


def test_the_open_round_is_part_done_across_the_groups(demo_city: dict[str, Any], db: None) -> None:
    current = queries.current_round()
    done = Counter(
        Inspection.objects.filter(round=current, status=S.SUBMITTED).values_list(
            "group_id", flat=True
        )
    )
    assert len(done) == 10
    assert 0.2 < sum(done.values()) / 102 < 0.8
    today = timezone.localdate()
    for inspection in Inspection.objects.filter(round=current):
        assert current.start <= inspection.date <= today


# --- loading --------------------------------------------------------------------


def _rows() -> dict[str, int]:
    labels = {"inspections", "units", "core"}
    counts = {
        m._meta.label: m._default_manager.count()
        for m in apps.get_models()
        if m._meta.app_label in labels
    }
    counts["reporters"] = hash(tuple(Problem.objects.order_by("pk").values_list("created_by_id")))
    return counts


def test_loading_the_demo_again_writes_no_inspection_rows(
    demo_city: dict[str, Any], db: None
) -> None:
    before = _rows()
    totals = dict(Inspection.objects.values_list("pk", "total_score"))
    summary = load_demo(io.StringIO())
    assert _rows() == before
    assert dict(Inspection.objects.values_list("pk", "total_score")) == totals
    for key in ("assignments", "inspections_submitted", "findings", "rectifications"):
        assert summary[key] == demo_city[key], key


def test_the_summary_counts_the_inspections_and_prints_them(
    demo_city: dict[str, Any], db: None
) -> None:
    assert demo_city["inspection_groups"] == 10
    assert demo_city["inspection_rounds"] == 5
    assert demo_city["assignments"] == Assignment.objects.count() == 510
    assert (
        demo_city["inspections_submitted"] == Inspection.objects.filter(status=S.SUBMITTED).count()
    )
    assert demo_city["inspection_drafts"] == Inspection.objects.filter(status=S.DRAFT).count()
    assert demo_city["findings"] == Finding.objects.count()
    assert demo_city["rectifications"] == Finding.objects.filter(problem__isnull=False).count()
    line = re.search(r"^Inspections: .*$", demo_city["output"], re.MULTILINE)
    assert line is not None
    text = line.group(0)
    assert "10 groups, 5 rounds, 510 assignments" in text
    assert f"{demo_city['inspections_submitted']} inspections submitted" in text
    assert f"{demo_city['findings']} findings" in text
    assert f"{demo_city['rectifications']} rectification problems" in text
    assert f"({demo_city['rectifications_open']} not yet rectified)" in text


def test_the_login_table_names_the_inspectors_group(demo_city: dict[str, Any]) -> None:
    logins = {login.username: login for login in demo_city["logins"]}
    assert logins["inspector"].scope == DEMO_INSPECTION_GROUP
    assert re.search(r"^  inspector .*第一督导组$", demo_city["output"], re.MULTILINE)


@pytest.mark.parametrize("number", [1, 2, 3, 4])
def test_the_round_overview_shows_102_units_by_10_groups_all_inspected(
    demo_city: dict[str, Any], db: None, client: Any, number: int
) -> None:
    """Issue 5: the demo shows 4 rounds × 10 groups × 102 units on the round overview."""
    client.force_login(User.objects.get(username="office"))
    page = client.get(reverse("inspections:round_detail", args=(number,)))
    assert page.status_code == 200
    html = page.content.decode()
    for testid, value in (
        ("total-assigned", "102"),
        ("total-submitted", "102"),
        ("total-groups", "10"),
        ("total-drafts", "0"),
    ):
        assert re.search(rf'data-testid="{testid}">{value}<', html), testid
    assert 'data-testid="all-inspected"' in html
