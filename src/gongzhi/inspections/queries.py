"""Every scoped read of inspections: rounds, groups, assignments, inspections.

Who sees what (DESIGN.md section 3): the office and leaders everything; an
inspector the units assigned to their groups in the rounds that are open (and
the inspections of those units); a unit liaison the submitted inspections of
their own unit; other staff the rounds and rankings, not the inspections.
Checklists are read by every role that reads the rounds.

Also here: one inspection addressed by round number and unit code
(:func:`inspection_target`) and who may fill it in (:func:`inspect_refusal`); totals,
grades and what a draft still lacks before submission; earlier rounds' findings.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from gongzhi.core.codes import normalise_code
from gongzhi.core.models import Role
from gongzhi.core.scoping import get_visible_or_404, scope_of
from gongzhi.inspections.models import (
    Assignment,
    ChecklistItem,
    ChecklistTemplate,
    Criterion,
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
from gongzhi.problems.models import ProblemState
from gongzhi.units.models import Unit


def current_round() -> InspectionRound | None:
    """The open round with the highest number, if any is open."""
    return InspectionRound.objects.filter(status=RoundStatus.OPEN).order_by("-number").first()


def groups_of(user: Any) -> QuerySet[InspectionGroup]:
    """The active groups ``user`` belongs to (as member or leader)."""
    if not getattr(user, "is_authenticated", False):
        return InspectionGroup.objects.none()
    return InspectionGroup.objects.filter(
        Q(members=user) | Q(leader=user), is_active=True
    ).distinct()


def inspector_assignments(user: Any, round_: InspectionRound | None = None) -> QuerySet[Assignment]:
    """Assignments an inspector may work on: their groups' units in open rounds (or in
    ``round_`` when it is open)."""
    scope = scope_of(user)
    if Role.INSPECTOR not in scope.roles:
        return Assignment.objects.none()
    qs = Assignment.objects.filter(
        group__in=groups_of(user), round__status=RoundStatus.OPEN
    ).select_related("round", "unit", "group")
    if round_ is not None:
        qs = qs.filter(round=round_)
    return qs


def inspections_visible_to(user: Any) -> QuerySet[Inspection]:
    """Inspections ``user`` may read (see the module docstring)."""
    scope = scope_of(user)
    qs = Inspection.objects.select_related("round", "unit", "group", "inspector")
    if scope.sees_everything:
        return qs
    q = Q(pk__in=[])
    if Role.INSPECTOR in scope.roles:
        q |= Q(group__in=groups_of(user), round__status=RoundStatus.OPEN)
        q |= Q(inspector_id=user.pk)
    if scope.unit_ids and Role.UNIT in scope.roles:
        q |= Q(unit_id__in=scope.unit_ids, status=InspectionStatus.SUBMITTED)
    return qs.filter(q)


def rounds_visible_to(user: Any) -> QuerySet[InspectionRound]:
    """Rounds (with their progress and rankings) are read by every staff role, unit
    liaisons and inspectors; members and the public see none."""
    scope = scope_of(user)
    if scope.sees_everything or scope.roles - {Role.MEMBER}:
        return InspectionRound.objects.select_related("template")
    return InspectionRound.objects.none()


# --- checklists -----------------------------------------------------------------------


def template_criteria(template: ChecklistTemplate) -> list[Criterion]:
    """The criteria of a checklist version in order, each with its items prefetched
    (two queries whatever the size)."""
    items = Prefetch("items", queryset=ChecklistItem.objects.order_by("ordering", "id"))
    return list(template.criteria.order_by("ordering", "id").prefetch_related(items))


def template_items(criteria: Iterable[Criterion]) -> list[ChecklistItem]:
    """Every item of ``criteria`` (as returned by :func:`template_criteria`), in order."""
    return [item for criterion in criteria for item in criterion.items.all()]


def template_as_data(template: ChecklistTemplate) -> list[dict[str, Any]]:
    """A checklist version as the plain data ``services_checklists.template_edit`` takes."""
    return [
        {
            "code": criterion.code,
            "name": criterion.name,
            "items": [
                {
                    "code": item.code,
                    "text": item.text,
                    "kind": item.kind,
                    "max_score": item.max_score,
                    "guidance": item.guidance,
                    "evidence_required": item.evidence_required,
                }
                for item in criterion.items.all()
            ],
        }
        for criterion in template_criteria(template)
    ]


def template_versions(template: ChecklistTemplate) -> QuerySet[ChecklistTemplate]:
    """Every version of the checklist ``template`` is one of, newest first, with the
    number of rounds using each (``round_count``)."""
    return (
        ChecklistTemplate.objects.filter(name=template.name)
        .annotate(round_count=Count("rounds"))
        .select_related("created_by")
        .order_by("-version")
    )


def checklists_visible_to(user: Any) -> QuerySet[ChecklistTemplate]:
    """Checklists are read by whoever reads the rounds (inspectors need the guidance)."""
    scope = scope_of(user)
    if scope.sees_everything or scope.roles - {Role.MEMBER}:
        return ChecklistTemplate.objects.all()
    return ChecklistTemplate.objects.none()


# --- one inspection: who may see it and who may fill it in -------------------------------


@dataclass
class Target:
    """The inspection of one unit in one round: the round, the unit's assignment, and the
    inspection once one is saved."""

    round: InspectionRound
    assignment: Assignment
    inspection: Inspection | None

    @property
    def unit(self) -> Unit:
        return self.assignment.unit


def _in_assigned_group(user: Any, assignment: Assignment) -> bool:
    if Role.INSPECTOR not in scope_of(user).roles:
        return False
    return groups_of(user).filter(pk=assignment.group_id).exists()


def inspection_target(
    user: Any, round_number: Any, unit_code: Any, *, for_update: bool = False
) -> Target:
    """The round × unit ``user`` asks for, or 404 when the round is not theirs to see,
    the unit is not assigned in it, or the inspection is out of their scope.

    Visible: to the office and leaders always; to an inspector of the group the unit is
    assigned to while the round is open (and their own inspections); to a unit liaison
    the submitted inspection of their unit.
    """
    round_ = get_visible_or_404(rounds_visible_to(user), number=round_number)
    code = normalise_code(str(unit_code or ""))
    assignment = (
        Assignment.objects.select_related("unit", "group", "round")
        .filter(round=round_, unit__code=code)
        .first()
    )
    if assignment is None:
        raise Http404
    qs = Inspection.objects.filter(round=round_, unit_id=assignment.unit_id)
    if for_update:
        qs = qs.select_for_update(of=("self",))
    inspection = qs.select_related("community", "session", "inspector").first()
    target = Target(round=round_, assignment=assignment, inspection=inspection)
    if not target_visible(user, target):
        raise Http404
    return target


def target_visible(user: Any, target: Target) -> bool:
    """Whether ``user`` may read the inspection of ``target`` (saved or not yet)."""
    scope = scope_of(user)
    if scope.sees_everything:
        return True
    if target.round.status == RoundStatus.OPEN and _in_assigned_group(user, target.assignment):
        return True
    if target.inspection is None:
        return False
    return inspections_visible_to(user).filter(pk=target.inspection.pk).exists()


def inspect_refusal(user: Any, target: Target) -> str:
    """Why ``user`` may not fill in (save, add findings to, submit) the inspection of
    ``target``; empty when they may.

    The office may in any round that has opened (closed rounds too: late entries); an
    inspector of the group the unit is assigned to while the round is open.
    """
    scope = scope_of(user)
    round_ = target.round
    if not scope.is_office and not _in_assigned_group(user, target.assignment):
        return str(
            _(
                "Only the inspectors of the group assigned to this unit, and the city "
                "office, fill in its inspection."
            )
        )
    if round_.status == RoundStatus.PLANNED:
        return str(_("Round %(number)d has not opened yet.") % {"number": round_.number})
    if round_.status == RoundStatus.CLOSED and not scope.is_office:
        return str(
            _("Round %(number)d is closed; ask the city office for a correction.")
            % {"number": round_.number}
        )
    return ""


# --- scores, totals, grades and what a submission still needs ------------------------------


def grade_for(total: Decimal, rules: Any) -> str:
    """The grade of a total score by the ranking rules' thresholds: at least
    ``excellent_min`` excellent (优秀), ``good_min`` good (良好), ``fair_min`` fair (一般),
    else poor (较差)."""
    if total >= rules.excellent_min:
        return Grade.EXCELLENT
    if total >= rules.good_min:
        return Grade.GOOD
    if total >= rules.fair_min:
        return Grade.FAIR
    return Grade.POOR


def total_of(items: Iterable[ChecklistItem], scores: dict[int, ItemScore]) -> Decimal:
    """The total score: the sum of the scores of the scored items (checks count in the
    achievement rate, not in the total); unanswered items count 0."""
    total = Decimal(0)
    for item in items:
        row = scores.get(item.pk)
        if item.kind == ItemKind.SCORED and row is not None and row.score is not None:
            total += row.score
    return total


def checks_passed(items: Iterable[ChecklistItem], scores: dict[int, ItemScore]) -> tuple[int, int]:
    """(checks passed, checks) of an inspection: the achievement rate (达标率) is their ratio."""
    checks = [item for item in items if item.kind == ItemKind.CHECK]
    passed = sum(1 for item in checks if (row := scores.get(item.pk)) and row.passed)
    return passed, len(checks)


def falls_short(item: ChecklistItem, row: ItemScore | None) -> bool:
    """An answered item that is not fully met: a failed check, or a score below the maximum."""
    if row is None:
        return False
    if item.kind == ItemKind.CHECK:
        return row.passed is False
    return row.score is not None and item.max_score is not None and row.score < item.max_score


def is_answered(item: ChecklistItem, row: ItemScore | None) -> bool:
    if row is None:
        return False
    return row.passed is not None if item.kind == ItemKind.CHECK else row.score is not None


@dataclass(frozen=True)
class Missing:
    """One thing an inspection lacks before it can be submitted. ``field`` names it as
    services and the API do: ``date``, ``community_code``, ``scores.<item code>`` (not
    answered) or ``evidence.<item code>`` (fell short without a finding with a photo)."""

    field: str
    message: str
    item_code: str = ""


def missing_for_submit(
    inspection: Inspection | None,
    items: Sequence[ChecklistItem],
    scores: dict[int, ItemScore],
    findings: Sequence[Finding],
) -> list[Missing]:
    """What must still be done before the inspection can be submitted, in form order.

    Every item answered (a score for a scored item, yes or no for a check); the date and
    the community visited given; and every item that requires evidence and falls short
    (a failed check, or a score below its maximum) has a finding on that item with at
    least one photo. ``findings`` must have their photos prefetched.
    """
    missing: list[Missing] = []
    if inspection is None or inspection.date is None:
        missing.append(Missing("date", str(_("Give the date of the inspection."))))
    if inspection is None or inspection.community_id is None:
        missing.append(Missing("community_code", str(_("Choose the community visited."))))
    evidenced = {f.item_id for f in findings if f.item_id is not None and f.photos.all()}
    for item in items:
        row = scores.get(item.pk)
        if not is_answered(item, row):
            missing.append(
                Missing(
                    f"scores.{item.code}",
                    str(_("“%(item)s” is not answered.") % {"item": item.text}),
                    item.code,
                )
            )
        elif item.evidence_required and falls_short(item, row) and item.pk not in evidenced:
            missing.append(
                Missing(
                    f"evidence.{item.code}",
                    str(
                        _(
                            "“%(item)s” falls short and needs evidence: add a finding on "
                            "it with a photo."
                        )
                        % {"item": item.text}
                    ),
                    item.code,
                )
            )
    return missing


def scores_by_item(inspection: Inspection | None) -> dict[int, ItemScore]:
    """The item scores of an inspection by item id (one query; none for no inspection)."""
    if inspection is None:
        return {}
    return {row.item_id: row for row in ItemScore.objects.filter(inspection=inspection)}


def findings_of(inspection: Inspection | None) -> list[Finding]:
    """The findings of an inspection with their item, category, problem and photos."""
    if inspection is None:
        return []
    return list(
        Finding.objects.filter(inspection=inspection)
        .select_related("item", "category", "problem")
        .prefetch_related("photos")
        .order_by("id")
    )


# --- earlier rounds -------------------------------------------------------------------------


@dataclass(frozen=True)
class EarlierFinding:
    """A finding of an earlier round and how its rectification stands: ``rectified`` is
    True when its problem is closed, False while it is open, None when it demanded no
    rectification."""

    finding: Finding
    round_number: int
    rectified: bool | None


def earlier_findings(unit: Unit, round_: InspectionRound) -> list[EarlierFinding]:
    """Findings of the unit's submitted inspections in rounds before ``round_``, newest
    round first, with the state of their rectification problem (closed = rectified)."""
    rows = (
        Finding.objects.filter(
            inspection__unit=unit,
            inspection__status=InspectionStatus.SUBMITTED,
            inspection__round__number__lt=round_.number,
        )
        .select_related("inspection__round", "item", "category", "problem")
        .order_by("-inspection__round__number", "id")
    )
    return [
        EarlierFinding(
            finding=f,
            round_number=f.inspection.round.number,
            rectified=None if f.problem is None else f.problem.state == ProblemState.CLOSED,
        )
        for f in rows
    ]


# --- lists --------------------------------------------------------------------------------


def inspections_filtered(
    user: Any,
    *,
    round_number: int | None = None,
    unit_code: str = "",
    group_id: int | None = None,
    status: str = "",
) -> QuerySet[Inspection]:
    """The inspections ``user`` may read, narrowed by round number, unit credit code, group
    and status (an unknown status matches nothing)."""
    qs = inspections_visible_to(user).select_related("community", "session", "round__template")
    if round_number is not None:
        qs = qs.filter(round__number=round_number)
    if unit_code:
        qs = qs.filter(unit__code=normalise_code(unit_code))
    if group_id is not None:
        qs = qs.filter(group_id=group_id)
    if status:
        qs = qs.filter(status=status)
    return qs


def finding_photo_visible(user: Any, photo: FindingPhoto) -> bool:
    """A finding's photo is seen by whoever sees its inspection."""
    return inspections_visible_to(user).filter(pk=photo.finding.inspection_id).exists()


def may_see_originals(user: Any) -> bool:
    """Originals (EXIF and all) go to the office, leaders and inspectors, not to the units."""
    scope = scope_of(user)
    return scope.sees_everything or Role.INSPECTOR in scope.roles
