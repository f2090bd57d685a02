"""Reads of rounds, groups and assignments: progress per group, units still to inspect.

Scope: rounds through :func:`gongzhi.inspections.queries.rounds_visible_to`; groups
through :func:`groups_visible_to` (the office and leaders every group, an inspector
their own groups, nobody else any). Every figure here is a fixed number of
queries, whatever the number of groups and units.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Exists, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from gongzhi.core.scoping import scope_of
from gongzhi.inspections.models import (
    Assignment,
    Inspection,
    InspectionGroup,
    InspectionRound,
    InspectionStatus,
)
from gongzhi.inspections.queries import current_round, groups_of

#: What an assigned unit's inspection is: none yet, a draft, or submitted.
NOT_STARTED = "none"


def groups_visible_to(user: Any) -> QuerySet[InspectionGroup]:
    """Groups ``user`` may read: all for the office and leaders, their own for inspectors."""
    scope = scope_of(user)
    if scope.sees_everything:
        return InspectionGroup.objects.select_related("leader")
    return InspectionGroup.objects.filter(pk__in=groups_of(user).values("pk")).select_related(
        "leader"
    )


def _inspection_of_unit(status: str | None = None) -> QuerySet[Inspection]:
    qs = Inspection.objects.filter(round_id=OuterRef("round_id"), unit_id=OuterRef("unit_id"))
    return qs.filter(status=status) if status else qs


def assignments_with_status(qs: QuerySet[Assignment]) -> QuerySet[Assignment]:
    """Assignments with ``inspection_status`` (none / draft / submitted) and
    ``inspection_id`` annotated, unit and group joined."""
    inspection = _inspection_of_unit()
    return qs.select_related("unit", "group").annotate(
        inspection_status=Coalesce(Subquery(inspection.values("status")[:1]), Value(NOT_STARTED)),
        inspection_id=Subquery(inspection.values("pk")[:1]),
    )


def rounds_with_progress(qs: QuerySet[InspectionRound]) -> QuerySet[InspectionRound]:
    """Rounds with ``assigned``, ``submitted`` and ``drafts`` counts annotated."""

    def counted(model: Any, **filters: Any) -> Coalesce:
        rows = (
            model.objects.filter(round_id=OuterRef("pk"), **filters)
            .order_by()
            .values("round_id")
            .annotate(n=Count("pk"))
            .values("n")
        )
        return Coalesce(Subquery(rows, output_field=IntegerField()), Value(0))

    return qs.annotate(
        assigned=counted(Assignment),
        submitted=counted(Inspection, status=InspectionStatus.SUBMITTED),
        drafts=counted(Inspection, status=InspectionStatus.DRAFT),
    )


@dataclass
class GroupProgress:
    """One group's progress in a round: units inspected (submitted) of those assigned."""

    group_id: int
    name: str
    is_active: bool
    assigned: int = 0
    submitted: int = 0
    drafts: int = 0

    @property
    def percent(self) -> int:
        return round(100 * self.submitted / self.assigned) if self.assigned else 0

    @property
    def remaining(self) -> int:
        return self.assigned - self.submitted


@dataclass
class RoundProgress:
    """A round's progress: per group, and the totals."""

    groups: list[GroupProgress] = field(default_factory=list)

    @property
    def assigned(self) -> int:
        return sum(g.assigned for g in self.groups)

    @property
    def submitted(self) -> int:
        return sum(g.submitted for g in self.groups)

    @property
    def drafts(self) -> int:
        return sum(g.drafts for g in self.groups)

    @property
    def percent(self) -> int:
        return round(100 * self.submitted / self.assigned) if self.assigned else 0

    @property
    def balanced(self) -> bool:
        """Group loads differ by at most one (active groups without units count as 0)."""
        loads = [g.assigned for g in self.groups if g.is_active or g.assigned]
        return not loads or max(loads) - min(loads) <= 1


def round_progress(round_: InspectionRound) -> RoundProgress:
    """Per group (active ones, and any other holding units of the round): units assigned,
    inspected (submitted) and with a draft. Two queries."""
    rows = (
        Assignment.objects.filter(round=round_)
        .order_by()
        .values("group_id")
        .annotate(
            assigned=Count("pk"),
            submitted=Count(
                "pk", filter=Q(Exists(_inspection_of_unit(InspectionStatus.SUBMITTED)))
            ),
            drafts=Count("pk", filter=Q(Exists(_inspection_of_unit(InspectionStatus.DRAFT)))),
        )
    )
    counts = {r["group_id"]: r for r in rows}
    groups = InspectionGroup.objects.filter(Q(is_active=True) | Q(pk__in=list(counts))).order_by(
        "name"
    )
    progress = RoundProgress()
    for group in groups.values("pk", "name", "is_active"):
        found = counts.get(group["pk"], {})
        progress.groups.append(
            GroupProgress(
                group_id=group["pk"],
                name=group["name"],
                is_active=group["is_active"],
                assigned=found.get("assigned", 0),
                submitted=found.get("submitted", 0),
                drafts=found.get("drafts", 0),
            )
        )
    return progress


def units_not_inspected(round_: InspectionRound) -> QuerySet[Assignment]:
    """Assignments of ``round_`` whose unit has no submitted inspection yet, by group
    and unit name, with the inspection status annotated (none or draft)."""
    submitted = _inspection_of_unit(InspectionStatus.SUBMITTED)
    return assignments_with_status(
        Assignment.objects.filter(round=round_).exclude(Exists(submitted))
    ).order_by("group__name", "unit__name", "pk")


def round_assignments(
    round_: InspectionRound, *, group_id: int | None = None, search: str = ""
) -> QuerySet[Assignment]:
    """The round's assignments by group and unit name, optionally one group's, or those
    whose unit name, short name or code holds ``search``."""
    qs = Assignment.objects.filter(round=round_)
    if group_id is not None:
        qs = qs.filter(group_id=group_id)
    if search:
        qs = qs.filter(
            Q(unit__name__icontains=search)
            | Q(unit__short_name__icontains=search)
            | Q(unit__code__icontains=search)
        )
    return assignments_with_status(qs).order_by("group__name", "unit__name", "pk")


def group_assignments(group: InspectionGroup, round_: InspectionRound) -> QuerySet[Assignment]:
    """The units ``group`` inspects in ``round_``, with their inspection status."""
    return assignments_with_status(Assignment.objects.filter(round=round_, group=group)).order_by(
        "unit__name", "pk"
    )


def round_for_group_page(requested: int | None, visible: QuerySet[InspectionRound]) -> Any:
    """The round a group page shows: the one asked for, else the current (open) round,
    else the latest round."""
    if requested is not None:
        return visible.filter(number=requested).first()
    found = current_round()
    if found is not None and visible.filter(pk=found.pk).exists():
        return found
    return visible.order_by("-number").first()
