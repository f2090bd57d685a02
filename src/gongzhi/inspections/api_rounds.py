"""REST resources of inspection rounds, their assignment, and inspection groups.

Thin: parse, call :mod:`queries_rounds` or :mod:`services_rounds`, answer. Rounds are
addressed by their number, units by credit code, people by username. Out of scope
is 404, visible but not allowed (every write but the office's) 403, a value of the
right JSON type that is not acceptable 400 naming the field, a body of the wrong
shape 422.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Prefetch, QuerySet
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from pydantic import StrictBool, StrictInt

from gongzhi.core.api_helpers import renamed_errors
from gongzhi.core.api_schemas import ERRORS
from gongzhi.core.codes import normalise_code
from gongzhi.core.models import User
from gongzhi.core.pagination import clamp_limit, decode_cursor, encode_cursor, keyset_page
from gongzhi.core.scoping import get_visible_or_404
from gongzhi.inspections import queries_rounds, services_rounds
from gongzhi.inspections.models import (
    Assignment,
    ChecklistTemplate,
    InspectionGroup,
    InspectionRound,
)
from gongzhi.inspections.queries import rounds_visible_to
from gongzhi.units.models import Unit

router = Router(tags=["inspections"])


# --- schemas --------------------------------------------------------------------------


class InspectionRoundOut(Schema):
    number: int
    name: str
    start: dt.date
    end: dt.date
    status: str = Field(description="planned, open or closed")
    template_name: str
    template_version: int
    assigned: int = Field(description="Units assigned to a group in this round.")
    submitted: int = Field(description="Units whose inspection is submitted.")
    drafts: int = Field(description="Units whose inspection is a draft.")


class InspectionRoundPage(Schema):
    items: list[InspectionRoundOut]
    next: str | None


class RoundGroupProgressOut(Schema):
    group_id: int
    name: str
    is_active: bool
    assigned: int
    submitted: int
    drafts: int


class InspectionRoundDetailOut(InspectionRoundOut):
    balanced: bool = Field(description="Group loads differ by at most one unit.")
    groups: list[RoundGroupProgressOut]


class RoundAssignedOut(InspectionRoundDetailOut):
    repeats: int = Field(description="Units given the same group as in the round before.")


class InspectionRoundIn(Schema):
    """``number``, ``start``, ``end``; ``name``, ``template`` (a checklist's name: the
    round takes its current version; the default checklist when left out)."""

    number: StrictInt
    start: str = Field(description="YYYY-MM-DD")
    end: str = Field(description="YYYY-MM-DD")
    name: str = ""
    template: str | None = None


class RoundAssignIn(Schema):
    include_district_units: StrictBool = Field(
        False, description="Also assign the units of districts (municipal units only otherwise)."
    )


class RoundAssignmentOut(Schema):
    unit_code: str
    unit_name: str
    group_id: int
    group_name: str
    inspection_status: str = Field(description="none, draft or submitted")


class RoundAssignmentPage(Schema):
    items: list[RoundAssignmentOut]
    next: str | None


class RoundAssignmentMoveIn(Schema):
    group_id: StrictInt


class RoundAssignmentMovedOut(RoundAssignmentOut):
    balanced: bool = Field(description="Group loads still differ by at most one unit.")


class InspectionGroupMemberOut(Schema):
    username: str
    display_name: str


class InspectionGroupOut(Schema):
    id: int
    name: str
    leader: str | None = Field(description="The leader's username.")
    members: list[InspectionGroupMemberOut]
    is_active: bool


class InspectionGroupPage(Schema):
    items: list[InspectionGroupOut]
    next: str | None


class InspectionGroupIn(Schema):
    """``name``, ``members`` (usernames of inspectors); ``leader`` (a username; always a
    member too), ``is_active``."""

    name: str
    members: list[str]
    leader: str | None = None
    is_active: StrictBool = True


class InspectionGroupPatch(Schema):
    name: str | None = None
    members: list[str] | None = None
    leader: str | None = None
    is_active: StrictBool | None = None


# --- answers --------------------------------------------------------------------------


def round_out(row: InspectionRound, progress: queries_rounds.RoundProgress | None = None) -> Any:
    body: dict[str, Any] = {
        "number": row.number,
        "name": row.name,
        "start": row.start,
        "end": row.end,
        "status": row.status,
        "template_name": row.template.name,
        "template_version": row.template.version,
    }
    if progress is None:
        body.update(
            assigned=getattr(row, "assigned", 0),
            submitted=getattr(row, "submitted", 0),
            drafts=getattr(row, "drafts", 0),
        )
        return body
    body.update(
        assigned=progress.assigned,
        submitted=progress.submitted,
        drafts=progress.drafts,
        balanced=progress.balanced,
        groups=[
            {
                "group_id": g.group_id,
                "name": g.name,
                "is_active": g.is_active,
                "assigned": g.assigned,
                "submitted": g.submitted,
                "drafts": g.drafts,
            }
            for g in progress.groups
        ],
    )
    return body


def round_detail_out(row: InspectionRound) -> Any:
    return round_out(row, queries_rounds.round_progress(row))


def assignment_out(row: Assignment) -> dict[str, Any]:
    return {
        "unit_code": row.unit.code,
        "unit_name": row.unit.name,
        "group_id": row.group_id,
        "group_name": row.group.name,
        "inspection_status": getattr(row, "inspection_status", queries_rounds.NOT_STARTED),
    }


def group_out(group: InspectionGroup) -> dict[str, Any]:
    return {
        "id": group.pk,
        "name": group.name,
        "leader": group.leader.username if group.leader else None,
        "members": [
            {"username": m.username, "display_name": str(m)}
            for m in sorted(group.members.all(), key=lambda m: m.username)
        ],
        "is_active": group.is_active,
    }


def _round(request: HttpRequest, number: int) -> InspectionRound:
    return get_visible_or_404(rounds_visible_to(request.user), number=number)


def _groups(request: HttpRequest) -> QuerySet[InspectionGroup]:
    return queries_rounds.groups_visible_to(request.user).prefetch_related(
        Prefetch("members", queryset=User.objects.order_by("username"))
    )


# --- rounds ---------------------------------------------------------------------------


@router.get("inspection-rounds", response={200: InspectionRoundPage, **ERRORS})
def round_list(
    request: HttpRequest, cursor: str | None = None, limit: int | None = None
) -> dict[str, Any]:
    """Rounds by number, each with its progress (units assigned, submitted, drafts)."""
    qs = queries_rounds.rounds_with_progress(rounds_visible_to(request.user)).order_by("number")
    after = decode_cursor(cursor)
    if after is not None and after.isascii() and after.isdigit() and len(after) < 6:
        qs = qs.filter(number__gt=int(after))
    size = clamp_limit(limit)
    rows = list(qs[: size + 1])
    following = encode_cursor(rows[size - 1].number) if len(rows) > size else None
    return {"items": [round_out(r) for r in rows[:size]], "next": following}


def _template(name: str | None) -> ChecklistTemplate | None:
    if name is None:
        return None
    found = ChecklistTemplate.objects.filter(name=name.strip(), is_current=True).first()
    if found is None:
        raise ValidationError({"template": _("There is no checklist of this name.")})
    return found


@router.post("inspection-rounds", response={201: InspectionRoundDetailOut, **ERRORS})
def round_create(request: HttpRequest, payload: InspectionRoundIn) -> Status[Any]:
    """Plan a round (city office): it keeps the checklist version current now."""
    services_rounds.require_office(request.user)
    row = services_rounds.round_create(
        user=request.user,
        number=payload.number,
        start=payload.start,
        end=payload.end,
        name=payload.name,
        template=_template(payload.template),
    )
    return Status(201, round_detail_out(row))


@router.get("inspection-rounds/{number}", response={200: InspectionRoundDetailOut, **ERRORS})
def round_detail(request: HttpRequest, number: int) -> Any:
    """A round with its progress per group: units assigned, inspected (submitted), drafts."""
    return round_detail_out(_round(request, number))


@router.post("inspection-rounds/{number}/assign", response={200: RoundAssignedOut, **ERRORS})
def round_assign(request: HttpRequest, number: int, payload: RoundAssignIn | None = None) -> Any:
    """Assign the round's units to the active groups automatically (city office):
    every unit once, loads within one, no group inspects a unit of its own people, as
    few units as possible with last round's group. Replaces the current assignment;
    refused once an inspection of the round is submitted."""
    row = _round(request, number)
    result = services_rounds.round_assign(
        user=request.user,
        round_=row,
        include_district_units=bool(payload and payload.include_district_units),
    )
    return {**round_detail_out(row), "repeats": result.repeats}


@router.post("inspection-rounds/{number}/open", response={200: InspectionRoundDetailOut, **ERRORS})
def round_open(request: HttpRequest, number: int) -> Any:
    """Open the round for the inspectors (city office); one round is open at a time."""
    row = services_rounds.round_open(user=request.user, round_=_round(request, number))
    return round_detail_out(row)


@router.post("inspection-rounds/{number}/close", response={200: InspectionRoundDetailOut, **ERRORS})
def round_close(request: HttpRequest, number: int) -> Any:
    """Close the round (city office)."""
    row = services_rounds.round_close(user=request.user, round_=_round(request, number))
    return round_detail_out(row)


@router.get("inspection-rounds/{number}/assignments", response={200: RoundAssignmentPage, **ERRORS})
def assignment_list(
    request: HttpRequest,
    number: int,
    group_id: int | None = None,
    cursor: str | None = None,
    limit: int | None = None,
) -> dict[str, Any]:
    """The round's units and their groups (optionally one group's), with each unit's
    inspection status."""
    row = _round(request, number)
    qs = queries_rounds.assignments_with_status(Assignment.objects.filter(round=row))
    if group_id is not None:
        qs = qs.filter(group_id=group_id)
    page = keyset_page(qs, key="pk", cursor=cursor, limit=limit)
    return {"items": [assignment_out(a) for a in page.items], "next": page.next_cursor}


@router.patch(
    "inspection-rounds/{number}/assignments/{unit_code}",
    response={200: RoundAssignmentMovedOut, **ERRORS},
)
def assignment_move(
    request: HttpRequest, number: int, unit_code: str, payload: RoundAssignmentMoveIn
) -> dict[str, Any]:
    """Give a unit to another group (city office); a unit without a group joins the
    round. Refused for a group holding one of the unit's people and for a unit already
    inspected. Loads may then differ by more than one: ``balanced`` says so."""
    row = _round(request, number)
    if not Unit.objects.filter(code=normalise_code(unit_code)).exists():
        raise Http404
    services_rounds.require_office(request.user)
    group = InspectionGroup.objects.filter(pk=payload.group_id).first()
    if group is None:
        raise ValidationError({"group_id": _("There is no group with this id.")})
    try:
        result = services_rounds.assignment_move(
            user=request.user, round_=row, unit_code=unit_code, group=group
        )
    except ValidationError as exc:
        raise renamed_errors(exc, {"group": "group_id"}) from exc
    moved = queries_rounds.assignments_with_status(
        Assignment.objects.filter(pk=result.assignment.pk)
    ).get()
    return {**assignment_out(moved), "balanced": result.balanced}


# --- groups ---------------------------------------------------------------------------


def _person(username: str, field: str) -> User:
    found = User.objects.filter(username=username.strip()).first()
    if found is None:
        raise ValidationError({field: _("There is no user %(name)s.") % {"name": username}})
    return found


def _people(usernames: list[str]) -> list[User]:
    wanted = list(dict.fromkeys(u.strip() for u in usernames))
    found = {u.username: u for u in User.objects.filter(username__in=wanted)}
    unknown = [name for name in wanted if name not in found]
    if unknown:
        raise ValidationError(
            {"members": [_("There is no user %(name)s.") % {"name": name} for name in unknown]}
        )
    return [found[name] for name in wanted]


@router.get("inspection-groups", response={200: InspectionGroupPage, **ERRORS})
def group_list(
    request: HttpRequest, cursor: str | None = None, limit: int | None = None
) -> dict[str, Any]:
    """Groups (the office and leaders see all, an inspector their own), by id."""
    page = keyset_page(_groups(request), key="pk", cursor=cursor, limit=limit)
    return {"items": [group_out(g) for g in page.items], "next": page.next_cursor}


@router.post("inspection-groups", response={201: InspectionGroupOut, **ERRORS})
def group_create(request: HttpRequest, payload: InspectionGroupIn) -> Status[dict[str, Any]]:
    """Create a group (city office); members must hold the inspector role."""
    services_rounds.require_office(request.user)
    group = services_rounds.group_save(
        user=request.user,
        name=payload.name,
        leader=_person(payload.leader, "leader") if payload.leader else None,
        members=_people(payload.members),
        is_active=payload.is_active,
    )
    return Status(201, group_out(_groups(request).get(pk=group.pk)))


@router.get("inspection-groups/{group_id}", response={200: InspectionGroupOut, **ERRORS})
def group_detail(request: HttpRequest, group_id: int) -> dict[str, Any]:
    return group_out(get_visible_or_404(_groups(request), pk=group_id))


@router.patch("inspection-groups/{group_id}", response={200: InspectionGroupOut, **ERRORS})
def group_update(
    request: HttpRequest, group_id: int, payload: InspectionGroupPatch
) -> dict[str, Any]:
    """Change a group (city office); send only the fields to change. ``leader`` null
    removes the leader."""
    group = get_visible_or_404(_groups(request), pk=group_id)
    services_rounds.require_office(request.user)
    sent = payload.dict(exclude_unset=True)
    leader: User | None = group.leader
    if "leader" in sent:
        leader = _person(sent["leader"], "leader") if sent["leader"] else None
    members = list(group.members.all())
    if sent.get("members") is not None:
        members = _people(sent["members"])
    services_rounds.group_save(
        user=request.user,
        group=group,
        name=sent["name"] if sent.get("name") is not None else group.name,
        leader=leader,
        members=members,
        is_active=sent["is_active"] if sent.get("is_active") is not None else group.is_active,
    )
    return group_out(_groups(request).get(pk=group.pk))
