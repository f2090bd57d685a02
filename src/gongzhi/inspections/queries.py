"""Every scoped read of inspections: rounds, groups, assignments, inspections.

Who sees what (DESIGN.md section 3): the office and leaders everything; an
inspector the units assigned to their groups in the rounds that are open (and
the inspections of those units); a unit liaison the submitted inspections of
their own unit; other staff the rounds and rankings, not the inspections.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from gongzhi.core.models import Role
from gongzhi.core.scoping import scope_of
from gongzhi.inspections.models import (
    Assignment,
    Inspection,
    InspectionGroup,
    InspectionRound,
    InspectionStatus,
    RoundStatus,
)


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
