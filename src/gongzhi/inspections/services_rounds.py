"""Every write to rounds, groups and assignments (the city office's supervision plan).

Only the city office writes here. A round is created *planned* with the current
version of a checklist (it keeps that version whatever later edits make), its
units are assigned to the active groups automatically (:mod:`assignment`), the
office may then move single units, opens the round for the inspectors, and
closes it. Groups last across rounds; their members hold the inspector role, and
no group is given a unit one of its members belongs to (a unit liaison's grant, a
member grant, or a ``Member`` record with the person's login).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Final, cast

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from gongzhi.core.archive import save_with_history
from gongzhi.core.codes import normalise_code
from gongzhi.core.models import Role, RoleGrant, User
from gongzhi.core.scoping import scope_of
from gongzhi.core.validation import UNSET, Errors
from gongzhi.core.validation import Unset as _Unset
from gongzhi.core.validation import add_error as _add
from gongzhi.core.validation import raise_if_errors as _raise_if
from gongzhi.inspections import assignment as algorithm
from gongzhi.inspections.models import (
    Assignment,
    ChecklistTemplate,
    Inspection,
    InspectionGroup,
    InspectionRound,
    InspectionStatus,
    RoundStatus,
)
from gongzhi.inspections.seed import seed_default_template
from gongzhi.units.models import Member, Unit

NAME_MAX: Final = 60
ROUND_NAME_MAX: Final = 80
#: InspectionRound.number is a PositiveSmallIntegerField.
ROUND_NUMBER_MAX: Final = 32767
#: Rounds that are still to be worked on: groups and assignments must keep the rules there.
LIVE: Final = (RoundStatus.PLANNED, RoundStatus.OPEN)


# --- who may write --------------------------------------------------------------------


def may_plan(user: Any) -> bool:
    """Only the city office plans rounds, groups and assignments."""
    return scope_of(user).is_office


def require_office(user: Any) -> None:
    if not may_plan(user):
        raise PermissionDenied(
            _("Only the city office may change inspection rounds, groups and assignments.")
        )


# --- people and their units -----------------------------------------------------------


def inspectors() -> Any:
    """Active users holding the inspector role (the only ones who may join a group)."""
    return (
        User.objects.filter(
            is_active=True, grants__role=Role.INSPECTOR, grants__revoked_at__isnull=True
        )
        .distinct()
        .order_by("username")
    )


def units_of_people(user_ids: Iterable[int]) -> dict[int, set[int]]:
    """The units each person belongs to: unit liaison and member grants, and member records."""
    ids = set(user_ids)
    found: dict[int, set[int]] = {pk: set() for pk in ids}
    grants = RoleGrant.objects.filter(
        user_id__in=ids,
        role__in=[Role.UNIT, Role.MEMBER],
        revoked_at__isnull=True,
        unit__isnull=False,
    ).values_list("user_id", "unit_id")
    records = Member.objects.filter(user_id__in=ids, archived_at__isnull=True).values_list(
        "user_id", "unit_id"
    )
    for user_id, unit_id in [*grants, *records]:
        if user_id is not None:
            found[user_id].add(unit_id)
    return found


def people_of_groups(group_ids: Iterable[int]) -> dict[int, set[int]]:
    """Each group's people: its members and its leader."""
    ids = set(group_ids)
    people: dict[int, set[int]] = {pk: set() for pk in ids}
    through = InspectionGroup.members.through.objects.filter(inspectiongroup_id__in=ids)
    for group_id, user_id in through.values_list("inspectiongroup_id", "user_id"):
        people[group_id].add(user_id)
    leaders = InspectionGroup.objects.filter(pk__in=ids, leader__isnull=False)
    for group_id, leader_id in leaders.values_list("pk", "leader_id"):
        people[group_id].add(leader_id)
    return people


def own_units(group_ids: Iterable[int]) -> dict[int, set[int]]:
    """Per group, the units one of its people belongs to (it may not inspect them)."""
    people = people_of_groups(group_ids)
    units = units_of_people({pk for members in people.values() for pk in members})
    return {
        group_id: {unit for person in members for unit in units.get(person, ())}
        for group_id, members in people.items()
    }


def _conflicting_person(group: InspectionGroup, unit: Unit) -> User | None:
    """One of ``group``'s people who belongs to ``unit``, if any."""
    people = people_of_groups([group.pk])[group.pk]
    for person, units in units_of_people(people).items():
        if unit.pk in units:
            return User.objects.get(pk=person)
    return None


# --- groups ---------------------------------------------------------------------------


def _clean_text(errors: Errors, name: str, value: Any, max_length: int, *, required: bool) -> str:
    text = "" if value is None else str(value).strip()
    if required and not text:
        _add(errors, name, _("This field is required."))
    elif len(text) > max_length:
        _add(
            errors,
            name,
            _("At most %(max)d characters (it has %(n)d).") % {"max": max_length, "n": len(text)},
        )
    return text


@transaction.atomic
def group_save(
    *,
    user: Any,
    name: str,
    leader: User | None,
    members: Iterable[User],
    group: InspectionGroup | None = None,
    is_active: bool = True,
) -> InspectionGroup:
    """Create a group (``group`` None) or change one: name, leader, members, active.

    Members and the leader must hold the inspector role; the leader is always a
    member. A member may not belong to a unit the group inspects in a planned or
    open round, and a group with units in such a round stays active.
    """
    require_office(user)
    errors: Errors = {}
    clean_name = _clean_text(errors, "name", name, NAME_MAX, required=True)
    if clean_name:
        taken = InspectionGroup.objects.filter(name=clean_name)
        if group is not None:
            taken = taken.exclude(pk=group.pk)
        if taken.exists():
            _add(errors, "name", _("A group named %(name)s already exists.") % {"name": clean_name})
    people = {m.pk: m for m in members}
    if leader is not None:
        people.setdefault(leader.pk, leader)
    allowed = set(inspectors().filter(pk__in=people).values_list("pk", flat=True))
    if leader is not None and leader.pk not in allowed:
        _add(
            errors,
            "leader",
            _("%(person)s does not hold the inspector role.") % {"person": leader},
        )
    for pk, person in people.items():
        if pk not in allowed and (leader is None or pk != leader.pk):
            _add(
                errors,
                "members",
                _("%(person)s does not hold the inspector role.") % {"person": person},
            )
    if not people:
        _add(errors, "members", _("A group needs at least one member."))
    if group is not None:
        live = Assignment.objects.filter(group=group, round__status__in=LIVE).select_related(
            "unit", "round"
        )
        first = None if is_active else live.order_by("round__number").first()
        if first is not None:
            _add(
                errors,
                "is_active",
                _(
                    "The group still has units in %(round)s: move them to other groups "
                    "before making it inactive."
                )
                % {"round": first.round},
            )
        by_unit = {a.unit_id: a for a in live}
        for person_id, units in units_of_people(people).items():
            for unit_id in sorted(units & set(by_unit)):
                clash = by_unit[unit_id]
                _add(
                    errors,
                    "members",
                    _(
                        "%(person)s belongs to %(unit)s, which this group inspects in "
                        "%(round)s: move the unit to another group first."
                    )
                    % {"person": people[person_id], "unit": clash.unit, "round": clash.round},
                )
    _raise_if(errors)
    if group is None:
        group = InspectionGroup()
    else:
        group = InspectionGroup.objects.select_for_update().get(pk=group.pk)
    group.name = clean_name
    group.leader = leader
    group.is_active = bool(is_active)
    save_with_history(group, user)
    group.members.set(list(people.values()))
    return group


# --- rounds ---------------------------------------------------------------------------


def _clean_date(errors: Errors, name: str, value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, str):
        try:
            value = dt.date.fromisoformat(value.strip())
        except ValueError:
            value = None
    if not isinstance(value, dt.date):
        _add(errors, name, _("Enter a date as YYYY-MM-DD."))
        return None
    return value


def _clean_period(errors: Errors, start: Any, end: Any) -> tuple[dt.date | None, dt.date | None]:
    first = _clean_date(errors, "start", start)
    last = _clean_date(errors, "end", end)
    if first and last and last < first:
        _add(errors, "end", _("The round cannot end before it starts."))
    return first, last


def _clean_number(errors: Errors, number: Any) -> int | None:
    if isinstance(number, bool) or number in (None, ""):
        _add(errors, "number", _("Enter the round's number."))
        return None
    try:
        value = int(str(number).strip())
    except ValueError:
        _add(errors, "number", _("Enter a whole number."))
        return None
    if not 1 <= value <= ROUND_NUMBER_MAX:
        _add(
            errors, "number", _("The number must be from 1 to %(max)d.") % {"max": ROUND_NUMBER_MAX}
        )
        return None
    if InspectionRound.objects.filter(number=value).exists():
        _add(errors, "number", _("Round %(number)d already exists.") % {"number": value})
        return None
    return value


def current_version(template: ChecklistTemplate | None) -> ChecklistTemplate:
    """The current version of ``template``'s checklist (the default checklist when None)."""
    if template is None:
        return seed_default_template()
    current = ChecklistTemplate.objects.filter(name=template.name, is_current=True).first()
    return current or template


@transaction.atomic
def round_create(
    *,
    user: Any,
    number: Any,
    start: Any,
    end: Any,
    name: str = "",
    template: ChecklistTemplate | None = None,
) -> InspectionRound:
    """Plan a round. It keeps the checklist version current now (of ``template``'s
    checklist, or the default one), whatever later edits of that checklist make."""
    require_office(user)
    errors: Errors = {}
    clean_number = _clean_number(errors, number)
    clean_name = _clean_text(errors, "name", name, ROUND_NAME_MAX, required=False)
    first, last = _clean_period(errors, start, end)
    _raise_if(errors)
    row = InspectionRound(
        number=cast(int, clean_number),
        name=clean_name,
        start=cast(dt.date, first),
        end=cast(dt.date, last),
        template=current_version(template),
        status=RoundStatus.PLANNED,
        created_by=user,
    )
    return save_with_history(row, user)


@transaction.atomic
def round_update(
    *,
    user: Any,
    round_: InspectionRound,
    name: str | _Unset = UNSET,
    start: Any = UNSET,
    end: Any = UNSET,
) -> InspectionRound:
    """Change a round's name or period (its number, checklist and status stay)."""
    require_office(user)
    row = InspectionRound.objects.select_for_update().get(pk=round_.pk)
    errors: Errors = {}
    if not isinstance(name, _Unset):
        row.name = _clean_text(errors, "name", name, ROUND_NAME_MAX, required=False)
    first, last = _clean_period(
        errors,
        row.start if isinstance(start, _Unset) else start,
        row.end if isinstance(end, _Unset) else end,
    )
    _raise_if(errors)
    row.start, row.end = cast(dt.date, first), cast(dt.date, last)
    return save_with_history(row, user)


@transaction.atomic
def round_open(*, user: Any, round_: InspectionRound) -> InspectionRound:
    """Open a planned (or reopen a closed) round for the inspectors: one round at a time,
    and only once its units are assigned."""
    require_office(user)
    row = InspectionRound.objects.select_for_update().get(pk=round_.pk)
    if row.status == RoundStatus.OPEN:
        raise ValidationError({"status": _("%(round)s is already open.") % {"round": row}})
    other = InspectionRound.objects.filter(status=RoundStatus.OPEN).exclude(pk=row.pk).first()
    if other is not None:
        raise ValidationError(
            {"status": _("%(round)s is still open: close it first.") % {"round": other}}
        )
    if not row.assignments.exists():
        raise ValidationError(
            {"status": _("Assign the units to the groups before opening the round.")}
        )
    row.status = RoundStatus.OPEN
    return save_with_history(row, user)


@transaction.atomic
def round_close(*, user: Any, round_: InspectionRound) -> InspectionRound:
    """Close an open round: inspectors can no longer work on it; drafts stay drafts."""
    require_office(user)
    row = InspectionRound.objects.select_for_update().get(pk=round_.pk)
    if row.status != RoundStatus.OPEN:
        raise ValidationError({"status": _("Only an open round can be closed.")})
    row.status = RoundStatus.CLOSED
    return save_with_history(row, user)


# --- assignment -----------------------------------------------------------------------


def units_for_round(*, include_district_units: bool = False) -> Any:
    """The units a round covers: active municipal units (and district units when asked)."""
    qs = Unit.objects.filter(archived_at__isnull=True)
    if not include_district_units:
        qs = qs.filter(jurisdiction__isnull=True)
    return qs.order_by("code")


def previous_round(round_: InspectionRound) -> InspectionRound | None:
    """The round numbered just before ``round_`` (the highest lower number)."""
    return InspectionRound.objects.filter(number__lt=round_.number).order_by("-number").first()


@dataclass
class AssignResult:
    """What an automatic assignment did: units assigned, repeats of last round, loads."""

    assigned: int
    repeats: int
    loads: dict[InspectionGroup, int] = field(default_factory=dict)


def _refuse_when_closed(row: InspectionRound) -> None:
    if row.status == RoundStatus.CLOSED:
        raise ValidationError({"status": _("%(round)s is closed.") % {"round": row}})


def _unit_names(unit_ids: Iterable[int]) -> str:
    units = Unit.objects.filter(pk__in=list(unit_ids)).order_by("code")
    return ", ".join(f"{u} ({u.code})" for u in units)


@transaction.atomic
def round_assign(
    *, user: Any, round_: InspectionRound, include_district_units: bool = False
) -> AssignResult:
    """Assign the round's units to the active groups automatically, replacing the
    current assignment; refused once an inspection of the round is submitted.

    Rules: see :mod:`gongzhi.inspections.assignment`. Drafts follow their unit to
    its new group.
    """
    require_office(user)
    row = InspectionRound.objects.select_for_update().get(pk=round_.pk)
    _refuse_when_closed(row)
    submitted = row.inspections.filter(status=InspectionStatus.SUBMITTED).count()
    if submitted:
        raise ValidationError(
            {
                "status": _(
                    "%(count)d inspections of this round are submitted: the automatic "
                    "assignment would change who inspected whom. Move units one by one instead."
                )
                % {"count": submitted}
            }
        )
    groups = list(InspectionGroup.objects.filter(is_active=True).order_by("name"))
    unit_ids = list(
        units_for_round(include_district_units=include_district_units).values_list("pk", flat=True)
    )
    before = previous_round(row)
    previous = (
        dict(before.assignments.values_list("unit_id", "group_id")) if before is not None else {}
    )
    try:
        chosen = algorithm.assign(
            unit_ids,
            [g.pk for g in groups],
            previous=previous,
            own_unit=own_units(g.pk for g in groups),
            seed=row.number,
        )
    except algorithm.AssignmentError as exc:
        raise ValidationError({"units": _assignment_message(exc)}) from exc
    _replace_assignments(row, chosen, user)
    by_pk = {g.pk: g for g in groups}
    counted = algorithm.loads(chosen, [g.pk for g in groups])
    return AssignResult(
        assigned=len(chosen),
        repeats=algorithm.repeats(chosen, previous),
        loads={by_pk[pk]: n for pk, n in counted.items()},
    )


def _assignment_message(exc: algorithm.AssignmentError) -> str:
    if exc.reason == algorithm.NO_GROUPS:
        return _("There is no active inspection group to assign the units to.")
    names = _unit_names(exc.units)  # type: ignore[arg-type]
    if exc.reason == algorithm.EVERY_GROUP_CONFLICTS:
        return _(
            "Every group has a member from %(units)s, so no group may inspect it: "
            "add a group or change the members."
        ) % {"units": names}
    return _(
        "%(units)s cannot go to a group without one of its own people while the group "
        "loads stay within one unit of each other: add a group or change the members."
    ) % {"units": names}


def _replace_assignments(row: InspectionRound, chosen: dict[int, int], user: Any) -> None:
    """Write ``chosen`` (unit → group) as the round's assignment, with history rows."""
    existing = {a.unit_id: a for a in row.assignments.all()}
    changed = []
    for unit_id, group_id in chosen.items():
        found = existing.get(unit_id)
        if found is not None and found.group_id != group_id:
            found.group_id = group_id
            changed.append(found)
    if changed:
        bulk_update_with_history(changed, Assignment, ["group"], default_user=user)
    fresh = [
        Assignment(round=row, unit_id=unit_id, group_id=group_id)
        for unit_id, group_id in chosen.items()
        if unit_id not in existing
    ]
    if fresh:
        bulk_create_with_history(fresh, Assignment, default_user=user)
    for unit_id, gone in existing.items():
        if unit_id not in chosen:
            gone._history_user = user  # type: ignore[attr-defined]
            gone.delete()
    _drafts_follow(row, chosen, user)


def _drafts_follow(row: InspectionRound, chosen: dict[int, int], user: Any) -> None:
    """Draft inspections move with their unit to its new group."""
    drafts = row.inspections.filter(status=InspectionStatus.DRAFT, unit_id__in=list(chosen))
    for draft in drafts:
        if draft.group_id != chosen[draft.unit_id]:
            draft.group_id = chosen[draft.unit_id]
            save_with_history(draft, user)


@dataclass
class MoveResult:
    """A moved unit's assignment, and whether the group loads still differ by at most one."""

    assignment: Assignment
    balanced: bool
    loads: dict[int, int]


def group_loads(row: InspectionRound) -> dict[int, int]:
    """Units per active group (and per inactive group still holding units) in ``row``."""
    counted = dict.fromkeys(
        InspectionGroup.objects.filter(is_active=True).values_list("pk", flat=True), 0
    )
    for group_id in row.assignments.values_list("group_id", flat=True):
        counted[group_id] = counted.get(group_id, 0) + 1
    return counted


def is_balanced(counted: dict[int, int]) -> bool:
    return not counted or max(counted.values()) - min(counted.values()) <= 1


@transaction.atomic
def assignment_move(
    *, user: Any, round_: InspectionRound, unit_code: str, group: InspectionGroup
) -> MoveResult:
    """Give ``unit_code`` to ``group`` in the round (adding the unit if it had no group).

    Refused for a group holding one of the unit's own people, for an inactive group,
    for a unit already inspected in the round, and in a closed round. Loads may then
    differ by more than one: ``MoveResult.balanced`` says so, for a warning.
    """
    require_office(user)
    row = InspectionRound.objects.select_for_update().get(pk=round_.pk)
    _refuse_when_closed(row)
    code = normalise_code(str(unit_code or ""))
    unit = Unit.objects.filter(code=code).first() if code else None
    if unit is None:
        raise ValidationError({"unit_code": _("There is no unit with this code.")})
    target = InspectionGroup.objects.filter(pk=group.pk).first()
    if target is None or not target.is_active:
        raise ValidationError({"group": _("Choose an active group.")})
    found = Assignment.objects.filter(round=row, unit=unit).first()
    if found is None and unit.archived_at is not None:
        raise ValidationError({"unit_code": _("%(unit)s is archived.") % {"unit": unit}})
    inspection = Inspection.objects.filter(round=row, unit=unit).first()
    if inspection is not None and inspection.status == InspectionStatus.SUBMITTED:
        raise ValidationError(
            {
                "unit_code": _(
                    "%(unit)s was already inspected in this round by %(group)s; "
                    "it cannot move to another group."
                )
                % {"unit": unit, "group": inspection.group}
            }
        )
    person = _conflicting_person(target, unit)
    if person is not None:
        raise ValidationError(
            {
                "group": _(
                    "%(person)s of %(group)s belongs to %(unit)s: an inspector may not "
                    "inspect their own unit. Choose another group."
                )
                % {"person": person, "group": target, "unit": unit}
            }
        )
    if found is None:
        found = Assignment(round=row, unit=unit)
    found.group = target
    save_with_history(found, user)
    if inspection is not None and inspection.group_id != target.pk:
        inspection.group = target
        save_with_history(inspection, user)
    counted = group_loads(row)
    return MoveResult(assignment=found, balanced=is_balanced(counted), loads=counted)
