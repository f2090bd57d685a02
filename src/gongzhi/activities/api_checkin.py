"""REST resources of check-ins (DESIGN.md section 6): list, check in, check out, certify.

Thin: parse, call ``queries_checkin`` or ``services_checkin``, answer. Lists are
scoped (a member sees their own, a unit liaison their unit's, community staff
their community's, the office all). Communities by 12-digit code, units by credit
code. A second check-in at the same session is 409 with the existing check-in's id.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status

from gongzhi.activities import queries_checkin as queries
from gongzhi.activities import services_checkin as services
from gongzhi.activities.models import CheckIn
from gongzhi.core.api_helpers import page_response
from gongzhi.core.api_schemas import ERRORS
from gongzhi.core.codes import normalise_code

router = Router(tags=["activities"])


class CheckInOut(Schema):
    id: int
    session_id: int
    session_date: dt.date
    community_code: str
    community_name: str
    unit_code: str
    member_id: int
    member_name: str
    checked_in_at: dt.datetime
    lat: float | None
    lng: float | None
    accuracy_m: float | None
    checked_out_at: dt.datetime | None
    hours: str | None = Field(description="Quarter hours as a decimal string, set at check-out.")
    certified: bool = Field(description="Certified by the community: only then the hours count.")
    certified_at: dt.datetime | None


class CheckInPage(Schema):
    items: list[CheckInOut]
    next: str | None


class CheckInIn(Schema):
    """``token`` (from the QR code), ``lat``, ``lng``; ``accuracy`` (metres), ``session_id``."""

    token: Any = Field(None, description="The token of the session's QR code")
    lat: Any = Field(None, description="WGS-84 latitude")
    lng: Any = Field(None, description="WGS-84 longitude")
    accuracy: Any = Field(None, description="Accuracy of the location in metres")
    session_id: Any = Field(None, description="If given, the token must be for this session")


class CheckoutIn(Schema):
    lat: Any = None
    lng: Any = None


class CertifyIn(Schema):
    """``session_id``, ``community_code``, ``checkin_ids``."""

    session_id: Any = None
    community_code: Any = Field(None, description="12-digit community code")
    checkin_ids: Any = Field(None, description="Ids of checked-out check-ins to certify")


class CertifyOut(Schema):
    certified: list[CheckInOut]


def checkin_out(checkin: CheckIn) -> dict[str, Any]:
    return {
        "id": checkin.pk,
        "session_id": checkin.session_id,
        "session_date": checkin.session.date,
        "community_code": checkin.community.code,
        "community_name": checkin.community.name,
        "unit_code": checkin.unit.code,
        "member_id": checkin.member_id,
        "member_name": checkin.member.name,
        "checked_in_at": checkin.checked_in_at,
        "lat": checkin.lat,
        "lng": checkin.lng,
        "accuracy_m": checkin.accuracy_m,
        "checked_out_at": checkin.checked_out_at,
        "hours": None if checkin.hours is None else f"{checkin.hours:.2f}",
        "certified": checkin.certified_at is not None,
        "certified_at": checkin.certified_at,
    }


def _date(name: str, value: str | None) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise ValidationError({name: _("Enter a date as YYYY-MM-DD.")}) from exc


def _int(name: str, value: Any, *, required: bool) -> int | None:
    if value is None and not required:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationError({name: _("Enter a whole number.")})
    if not 0 < value < 2**31:
        raise ValidationError({name: _("No such session.")})
    return value


def _text(name: str, value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValidationError({name: _("This field is required.")})
    return value


@router.get("check-ins", response={200: CheckInPage, **ERRORS})
def checkin_list(
    request: HttpRequest,
    session_id: int | None = None,
    community: str | None = None,
    unit: str | None = None,
    member_id: int | None = None,
    certified: bool | None = None,
    start: str | None = None,
    end: str | None = None,
    cursor: str | None = None,
    limit: int | None = None,
) -> dict[str, Any]:
    """Check-ins you may read, oldest first: filter by session, community code, unit
    credit code, member, certification and session dates (inclusive)."""
    qs = queries.checkins_visible_to(request.user)
    if session_id is not None:
        qs = qs.filter(session_id=session_id) if 0 < session_id < 2**31 else qs.none()
    if community:
        qs = qs.filter(community__code=normalise_code(community))
    if unit:
        qs = qs.filter(unit__code=normalise_code(unit))
    if member_id is not None:
        qs = qs.filter(member_id=member_id) if 0 < member_id < 2**31 else qs.none()
    if certified is not None:
        qs = qs.filter(certified_at__isnull=not certified)
    first, last = _date("start", start), _date("end", end)
    if first:
        qs = qs.filter(session__date__gte=first)
    if last:
        qs = qs.filter(session__date__lte=last)
    return page_response(qs, key="pk", cursor=cursor, limit=limit, out=checkin_out)


@router.post("check-ins", response={201: CheckInOut, **ERRORS})
def checkin_create(request: HttpRequest, payload: CheckInIn) -> Status[dict[str, Any]]:
    """Check in (as a member) at the session and community of a QR code's token, within
    the session's window and the community's outline plus the margin. A second
    check-in at the same session answers 409 naming the existing one."""
    token = _text("token", payload.token)
    session_id = _int("session_id", payload.session_id, required=False)
    try:
        checkin = services.checkin_record(
            request.user,
            token,
            payload.lat,
            payload.lng,
            payload.accuracy,
            session_id=session_id,
        )
    except services.AlreadyCheckedIn as exc:
        message = " ".join(exc.messages)
        return Status(
            409,
            {
                "detail": message,
                "errors": {"token": [message], "checkin_id": [str(exc.checkin.pk)]},
            },
        )
    return Status(201, checkin_out(_reloaded(request, checkin.pk)))


def _reloaded(request: HttpRequest, pk: int) -> CheckIn:
    return queries.checkins_visible_to(request.user).get(pk=pk)


@router.post("check-ins/certify", response={200: CertifyOut, **ERRORS})
def checkin_certify(request: HttpRequest, payload: CertifyIn) -> dict[str, Any]:
    """Certify checked-out check-ins of a session in a community (that community's staff
    only); only certified hours count as volunteer hours."""
    session_id = _int("session_id", payload.session_id, required=True)
    assert session_id is not None  # noqa: S101 - required above
    code = normalise_code(_text("community_code", payload.community_code))
    rows = services.checkin_certify(request.user, session_id, code, payload.checkin_ids)
    ids = [row.pk for row in rows]
    reloaded = queries.checkins_visible_to(request.user).filter(pk__in=ids).order_by("pk")
    return {"certified": [checkin_out(c) for c in reloaded]}


@router.post("check-ins/{checkin_id}/checkout", response={200: CheckInOut, **ERRORS})
def checkin_checkout(request: HttpRequest, checkin_id: int, payload: CheckoutIn) -> dict[str, Any]:
    """Check out (the member who checked in): sets the hours, rounded down to the quarter
    hour. While check-in is open, ``lat`` and ``lng`` must lie where check-in is accepted."""
    if not 0 < checkin_id < 2**31:
        raise Http404
    checkin = services.checkin_checkout(request.user, checkin_id, payload.lat, payload.lng)
    return checkin_out(_reloaded(request, checkin.pk))
