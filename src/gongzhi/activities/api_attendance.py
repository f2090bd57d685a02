"""REST resources of attendance (DESIGN.md section 6): list, record, read, change,
confirm, and a session's overview per community. Thin: parse, call, answer.

Units are addressed by credit code and communities by 12-digit code. Out of
scope is 404, visible but not allowed 403, an unacceptable value (an unknown
code, a headcount of 0, a task in the wrong measure, a locked record) 400
naming the field, a body of the wrong shape 422.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch, QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from pydantic import StrictBool, StrictFloat, StrictInt

from gongzhi.activities import permissions, queries, services
from gongzhi.activities.models import ActivityPhoto, Attendance, AttendanceTask
from gongzhi.activities.views import READERS
from gongzhi.core.api_helpers import page_response, patch_values
from gongzhi.core.api_schemas import ERRORS
from gongzhi.core.codes import normalise_code
from gongzhi.core.pagination import keyset_page
from gongzhi.core.scoping import get_visible_or_404, scope_of

router = Router(tags=["attendance"])

DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


# --- schemas --------------------------------------------------------------------------


class TaskOut(Schema):
    category_code: str
    category_name: str
    quantity: str = Field(description='A decimal string, e.g. "2.50".')
    measure: str = Field(
        description="places, sheets, tonnes, cubic_metres, truckloads, square_metres or items"
    )


class AttendancePhotoOut(Schema):
    id: int
    kind: str = Field(description="before or after")
    thumb_url: str
    public_url: str
    original_url: str | None = Field(description="With its EXIF data: office and area staff.")


class AttendanceOut(Schema):
    id: int
    session_id: int
    session_date: dt.date
    unit_code: str
    unit_name: str
    community_code: str
    community_name: str
    headcount: int = Field(description="People who came (person-times).")
    leader_name: str
    leader_rank: str
    principal_leader_led: bool
    start_time: str | None = Field(description="HH:MM")
    end_time: str | None = Field(description="HH:MM")
    tasks: list[TaskOut]
    problem_numbers: list[str]
    notes: str
    expected: bool = Field(description="The unit was paired with the community that day.")
    added_reason: str
    status: str = Field(description="submitted or confirmed")
    confirmed_by: str | None
    confirmed_at: dt.datetime | None
    editable_until: dt.date = Field(
        description="Last day the unit and the community may change it; afterwards only "
        "the city office corrects it, with a reason."
    )
    locked: bool
    photos: list[AttendancePhotoOut]
    created_at: dt.datetime
    updated_at: dt.datetime


class AttendancePage(Schema):
    items: list[AttendanceOut]
    next: str | None


class TaskIn(Schema):
    category_code: str
    quantity: str | StrictInt | StrictFloat = Field(description="More than 0, 2 decimals at most")
    measure: str


class AttendanceIn(Schema):
    """``session_id``, ``unit_code``, ``community_code``, ``headcount``; the rest optional."""

    session_id: StrictInt
    unit_code: str = Field(description="Credit code of the unit")
    community_code: str = Field(description="12-digit community code")
    headcount: StrictInt = Field(description="People who came, 1 to 2000")
    leader_name: str | None = None
    leader_rank: str | None = None
    principal_leader_led: StrictBool = False
    start_time: str | None = Field(None, description="HH:MM")
    end_time: str | None = Field(None, description="HH:MM")
    tasks: list[TaskIn] | None = None
    problem_numbers: list[str] | None = Field(
        None, description="Public numbers of ledger problems of the community handled"
    )
    notes: str | None = None
    added_reason: str | None = Field(
        None, description="Required when the unit is not paired with the community that day"
    )


class AttendancePatch(Schema):
    """Only the fields sent change. With ``reason`` it is the city office's correction
    (allowed at any time, kept in the history); without, an edit within the window."""

    reason: str | None = Field(None, description="Reason of an office correction")
    headcount: StrictInt | None = None
    leader_name: str | None = None
    leader_rank: str | None = None
    principal_leader_led: StrictBool | None = None
    start_time: str | None = Field(None, description="HH:MM; null clears it")
    end_time: str | None = Field(None, description="HH:MM; null clears it")
    tasks: list[TaskIn] | None = Field(None, description="Replaces all the task rows")
    problem_numbers: list[str] | None = None
    notes: str | None = None
    added_reason: str | None = None


class AttendanceFilters(Schema):
    session_id: int | None = None
    unit: str = Field("", description="Credit code of a unit")
    community: str = Field("", description="12-digit community code")
    start: str | None = Field(None, description="Sessions on or after, YYYY-MM-DD")
    end: str | None = Field(None, description="Sessions on or before, YYYY-MM-DD")
    cursor: str | None = None
    limit: int | None = None


class PlanOut(Schema):
    meeting_point: str
    meeting_time: str | None
    contact_name: str
    contact_phone: str
    tasks: list[str] = Field(description="Codes of the four clean-ups")
    problem_numbers: list[str]
    notes: str


class UnitRowOut(Schema):
    unit_code: str
    unit_name: str
    expected: bool
    status: str = Field(description="present, absent (with a reason) or missing")
    attendance_id: int | None
    headcount: int | None
    leader_name: str
    principal_leader_led: bool
    confirmed: bool
    absence_reason: str


class CommunityOverviewOut(Schema):
    community_code: str
    community_name: str
    units_expected: int
    units_present: int
    units_absent: int
    units_missing: int
    headcount: int
    plan: PlanOut | None
    units: list[UnitRowOut]


class OverviewPage(Schema):
    session_id: int
    session_date: dt.date
    status: str
    items: list[CommunityOverviewOut]
    next: str | None


# --- helpers --------------------------------------------------------------------------


def _date(field: str, value: str | None) -> dt.date | None:
    if value is None or not value.strip():
        return None
    text = value.strip()
    try:
        day = dt.date.fromisoformat(text) if DATE_RE.match(text) else None
    except ValueError:
        day = None
    if day is None:
        raise ValidationError({field: [_("Give the date as YYYY-MM-DD.")]})
    return day


def _hhmm(value: dt.time | None) -> str | None:
    return value.strftime("%H:%M") if value is not None else None


def _photo_out(photo: ActivityPhoto, originals: bool) -> dict[str, Any]:
    def url(kind: str) -> str:
        return reverse("activities:photo", args=(photo.pk, kind))

    return {
        "id": photo.pk,
        "kind": photo.kind,
        "thumb_url": url("thumb"),
        "public_url": url("public"),
        "original_url": url("original") if originals else None,
    }


def _out(user: Any, attendance: Attendance) -> dict[str, Any]:
    originals = permissions.may_see_originals(user, attendance.community)
    return {
        "id": attendance.pk,
        "session_id": attendance.session_id,
        "session_date": attendance.session.date,
        "unit_code": attendance.unit.code,
        "unit_name": attendance.unit.name,
        "community_code": attendance.community.code,
        "community_name": attendance.community.name,
        "headcount": attendance.headcount,
        "leader_name": attendance.leader_name,
        "leader_rank": attendance.leader_rank,
        "principal_leader_led": attendance.principal_leader_led,
        "start_time": _hhmm(attendance.start_time),
        "end_time": _hhmm(attendance.end_time),
        "tasks": [
            {
                "category_code": t.category.code,
                "category_name": t.category.name,
                "quantity": f"{t.quantity:.2f}",
                "measure": t.measure,
            }
            for t in attendance.tasks.all()
        ],
        "problem_numbers": sorted(p.number for p in attendance.problems.all()),
        "notes": attendance.notes,
        "expected": attendance.expected,
        "added_reason": attendance.added_reason,
        "status": attendance.status,
        "confirmed_by": attendance.confirmed_by.get_username() if attendance.confirmed_by else None,
        "confirmed_at": attendance.confirmed_at,
        "editable_until": permissions.editable_until(attendance.session.date),
        "locked": permissions.is_locked(attendance),
        "photos": [_photo_out(p, originals) for p in attendance.photos.all()],
        "created_at": attendance.created_at,
        "updated_at": attendance.updated_at,
    }


def _with_relations(qs: QuerySet[Attendance]) -> QuerySet[Attendance]:
    """What a body reads, in a fixed number of queries for a whole page."""
    return qs.select_related("confirmed_by").prefetch_related(
        Prefetch("tasks", queryset=AttendanceTask.objects.select_related("category")),
        "problems",
        "photos",
    )


def _visible(user: Any, attendance_id: int) -> Attendance:
    return get_visible_or_404(
        _with_relations(queries.attendance_visible_to(user)), pk=attendance_id
    )


def _tasks(tasks: list[TaskIn] | None) -> list[dict[str, Any]] | None:
    return None if tasks is None else [t.dict() for t in tasks]


# --- routes ---------------------------------------------------------------------------


@router.get("attendance", response={200: AttendancePage, **ERRORS})
def attendance_list(request: HttpRequest, filters: Query[AttendanceFilters]) -> dict[str, Any]:
    """Attendance in the caller's scope, oldest entry first (keyset pages by id)."""
    qs = queries.attendance_filtered(
        request.user,
        session_id=filters.session_id,
        unit_code=normalise_code(filters.unit),
        community_code=normalise_code(filters.community),
        start=_date("start", filters.start),
        end=_date("end", filters.end),
    )
    return page_response(
        _with_relations(qs),
        key="pk",
        cursor=filters.cursor,
        limit=filters.limit,
        out=lambda a: _out(request.user, a),
    )


@router.post("attendance", response={200: AttendanceOut, 201: AttendanceOut, **ERRORS})
def attendance_create(request: HttpRequest, payload: AttendanceIn) -> Status[dict[str, Any]]:
    """Record a unit's turn-out at a session in a community (201); recording the same
    session, unit and community again, while it may be changed, updates it (200)."""
    existed = Attendance.objects.filter(
        session_id=payload.session_id,
        unit__code=normalise_code(payload.unit_code),
        community__code=normalise_code(payload.community_code),
    ).exists()
    attendance = services.attendance_record(
        user=request.user,
        session_id=payload.session_id,
        unit_code=payload.unit_code,
        community_code=payload.community_code,
        headcount=payload.headcount,
        leader_name=payload.leader_name or "",
        leader_rank=payload.leader_rank or "",
        principal_leader_led=payload.principal_leader_led,
        start_time=payload.start_time,
        end_time=payload.end_time,
        tasks=_tasks(payload.tasks) or [],
        problem_numbers=payload.problem_numbers or [],
        notes=payload.notes or "",
        added_reason=payload.added_reason or "",
    )
    body = _out(request.user, _with_relations(Attendance.objects.all()).get(pk=attendance.pk))
    return Status(200 if existed else 201, body)


@router.get("attendance/{attendance_id}", response={200: AttendanceOut, **ERRORS})
def attendance_get(request: HttpRequest, attendance_id: int) -> dict[str, Any]:
    return _out(request.user, _visible(request.user, attendance_id))


@router.patch("attendance/{attendance_id}", response={200: AttendanceOut, **ERRORS})
def attendance_patch(
    request: HttpRequest, attendance_id: int, payload: AttendancePatch
) -> dict[str, Any]:
    """Change attendance within the edit window, or, with ``reason``, the city office's
    correction at any time (kept in the history with the reason)."""
    attendance = _visible(request.user, attendance_id)
    values = patch_values(payload, nullable=("start_time", "end_time"))
    reason = values.pop("reason", None)
    if "tasks" in values:
        values["tasks"] = _tasks(payload.tasks)
    if reason:
        services.attendance_correct(
            user=request.user, attendance_id=attendance.pk, reason=reason, **values
        )
    else:
        services.attendance_update(user=request.user, attendance_id=attendance.pk, **values)
    return _out(request.user, _visible(request.user, attendance.pk))


@router.post("attendance/{attendance_id}/confirm", response={200: AttendanceOut, **ERRORS})
def attendance_confirm(request: HttpRequest, attendance_id: int) -> dict[str, Any]:
    """Community staff of the community confirm the attendance."""
    services.attendance_confirm(user=request.user, attendance_id=attendance_id)
    return _out(request.user, _visible(request.user, attendance_id))


def _plan_out(plan: Any) -> dict[str, Any] | None:
    if plan is None:
        return None
    return {
        "meeting_point": plan.meeting_point,
        "meeting_time": _hhmm(plan.meeting_time),
        "contact_name": plan.contact_name,
        "contact_phone": plan.contact_phone,
        "tasks": list(plan.tasks),
        "problem_numbers": sorted(p.number for p in plan.problems.all()),
        "notes": plan.notes,
    }


def _overview_out(overview: queries.CommunityOverview) -> dict[str, Any]:
    return {
        "community_code": overview.community.code,
        "community_name": overview.community.name,
        "units_expected": overview.expected,
        "units_present": overview.present,
        "units_absent": overview.absent,
        "units_missing": overview.missing,
        "headcount": overview.headcount,
        "plan": _plan_out(overview.plan),
        "units": [
            {
                "unit_code": row.unit.code,
                "unit_name": row.unit.name,
                "expected": row.expected,
                "status": row.status,
                "attendance_id": row.attendance.pk if row.attendance else None,
                "headcount": row.attendance.headcount if row.attendance else None,
                "leader_name": row.attendance.leader_name if row.attendance else "",
                "principal_leader_led": bool(
                    row.attendance and row.attendance.principal_leader_led
                ),
                "confirmed": bool(row.attendance and row.attendance.status == "confirmed"),
                "absence_reason": row.absence.reason if row.absence else "",
            }
            for row in overview.rows
        ],
    }


@router.get("sessions/{session_id}/overview", response={200: OverviewPage, **ERRORS})
def session_overview(
    request: HttpRequest,
    session_id: int,
    community: str = "",
    cursor: str | None = None,
    limit: int | None = None,
) -> dict[str, Any]:
    """Per community of the session in the caller's scope (pages by community code): the
    units expected, present, absent with their reason, or missing, units added, and
    headcounts. A unit liaison sees their own unit's rows."""
    scope = scope_of(request.user)
    if not scope.has(*READERS):
        raise PermissionDenied(_("Your role does not see the Friday sessions."))
    session = get_visible_or_404(queries.sessions_in_scope(request.user), pk=session_id)
    qs = queries.session_communities(request.user, session)
    if community.strip():
        qs = qs.filter(code=normalise_code(community))
    page = keyset_page(qs, key="code", cursor=cursor, limit=limit)
    unit_only = not (scope.sees_everything or scope.has_areas)
    overview = queries.session_overview(
        session, communities=page.items, unit_ids=scope.unit_ids if unit_only else None
    )
    return {
        "session_id": session.pk,
        "session_date": session.date,
        "status": session.status,
        "items": [_overview_out(o) for o in overview],
        "next": page.next_cursor,
    }
