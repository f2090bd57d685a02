"""API routes of campaigns and sessions (DESIGN.md section 6). Thin: parse, call, answer.

Bodies are parsed leniently and validated by the services, so bad input is a
400 naming the field (``rule.weekday``, ``holiday_policy``…), never a 422.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status

from gongzhi.campaigns import queries, services
from gongzhi.campaigns.models import Campaign, Session, SessionStatus
from gongzhi.core.api_helpers import page_response
from gongzhi.core.api_schemas import ERRORS
from gongzhi.core.scoping import get_visible_or_404

router = Router(tags=["campaigns"])

RULE_KEYS = ("weekday", "nth", "mode", "start_time", "end_time")


class RuleOut(Schema):
    weekday: int
    nth: list[int]
    mode: str
    start_time: str
    end_time: str


class CampaignOut(Schema):
    slug: str
    name: str
    start: dt.date
    end: dt.date | None
    rule: RuleOut
    holiday_policy: str
    allow_makeup_workdays: bool
    community_codes: list[str]


class CampaignPage(Schema):
    items: list[CampaignOut]
    next: str | None


class CampaignIn(Schema):
    """``slug``, ``name``, ``start``, ``rule``, ``holiday_policy``; ``end``, ``community_codes``."""

    slug: Any = Field(None, description="Short name, e.g. friday-2021")
    name: Any = None
    start: Any = Field(None, description="YYYY-MM-DD")
    end: Any = Field(None, description="YYYY-MM-DD")
    rule: Any = Field(
        None,
        description='{"weekday": 5, "nth": [2, 4], "mode": "nth_weekday" or "calendar_week", '
        '"start_time": "14:30", "end_time": "17:30"}',
    )
    holiday_policy: Any = Field(
        None, description="skip, previous_workday, next_workday or next_friday"
    )
    allow_makeup_workdays: Any = None
    community_codes: Any = Field(None, description="12-digit community codes")


class SessionOut(Schema):
    id: int
    campaign: str
    date: dt.date
    slot_date: dt.date
    status: str
    provisional: bool
    reason: str = Field(description="Why skipped, moved or provisional, in the request's language.")
    reason_code: str = Field(
        description="skipped, no_day, taken, moved, provisional or empty (stable, untranslated)."
    )
    reason_params: dict[str, str]
    cancel_reason: str


class SessionPage(Schema):
    items: list[SessionOut]
    next: str | None


class CancelIn(Schema):
    reason: Any = None


def campaign_out(campaign: Campaign) -> dict[str, Any]:
    return {
        "slug": campaign.slug,
        "name": campaign.name,
        "start": campaign.start,
        "end": campaign.end,
        "rule": {
            "weekday": campaign.weekday,
            "nth": list(campaign.nth),
            "mode": campaign.mode,
            "start_time": campaign.start_time.strftime("%H:%M"),
            "end_time": campaign.end_time.strftime("%H:%M"),
        },
        "holiday_policy": campaign.holiday_policy,
        "allow_makeup_workdays": campaign.allow_makeup_workdays,
        "community_codes": sorted(c.code for c in campaign.communities.all()),
    }


def session_out(session: Session) -> dict[str, Any]:
    return {
        "id": session.pk,
        "campaign": session.campaign.slug,
        "date": session.date,
        "slot_date": session.slot_date,
        "status": session.status,
        "provisional": session.provisional,
        "reason": session.reason,
        "reason_code": session.reason_code,
        "reason_params": session.reason_params,
        "cancel_reason": session.cancel_reason,
    }


def _values(payload: CampaignIn, *, partial: bool) -> dict[str, Any]:
    """Flatten the write shape into the services' field names."""
    if partial:
        sent = payload.model_dump(exclude_unset=True)
    else:
        sent = {k: v for k, v in payload.model_dump().items() if v is not None}
        sent.update({k: getattr(payload, k) for k in ("slug", "name", "start")})
    values = {k: v for k, v in sent.items() if k != "rule"}
    rule = sent.get("rule")
    if rule is None and not partial:
        raise ValidationError({"rule": _("Give the schedule rule.")})
    if rule is not None:
        if not isinstance(rule, dict):
            raise ValidationError({"rule": _("The rule must be an object.")})
        unknown = set(rule) - set(RULE_KEYS)
        if unknown:
            raise ValidationError({f"rule.{k}": _("Unknown field.") for k in sorted(unknown)})
        values.update({k: rule[k] for k in RULE_KEYS if k in rule})
    return values


def _rule_prefixed(exc: ValidationError) -> ValidationError:
    if not hasattr(exc, "error_dict"):
        return exc
    return ValidationError(
        {
            (f"rule.{key}" if key in RULE_KEYS else key): errors
            for key, errors in exc.error_dict.items()
        }
    )


def _date_param(name: str, value: str | None) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise ValidationError({name: _("Give the date as YYYY-MM-DD.")}) from exc


@router.get("campaigns", response={200: CampaignPage, **ERRORS})
def campaign_list(
    request: HttpRequest, cursor: str | None = None, limit: int | None = None
) -> dict[str, Any]:
    """Campaigns, by short name."""
    qs = queries.campaigns_visible_to(request.user).prefetch_related("communities")
    return page_response(qs, key="slug", cursor=cursor, limit=limit, out=campaign_out)


@router.post("campaigns", response={201: CampaignOut, **ERRORS})
def campaign_create(request: HttpRequest, payload: CampaignIn) -> Status[dict[str, Any]]:
    """Create a campaign (city office). Sessions are generated by a sync, not here."""
    try:
        campaign = services.campaign_create(
            user=request.user, values=_values(payload, partial=False)
        )
    except ValidationError as exc:
        raise _rule_prefixed(exc) from exc
    return Status(201, campaign_out(campaign))


@router.get("campaigns/{slug}", response={200: CampaignOut, **ERRORS})
def campaign_detail(request: HttpRequest, slug: str) -> dict[str, Any]:
    campaign = get_visible_or_404(queries.campaigns_visible_to(request.user), slug=slug)
    return campaign_out(campaign)


@router.patch("campaigns/{slug}", response={200: CampaignOut, **ERRORS})
def campaign_update(request: HttpRequest, slug: str, payload: CampaignIn) -> dict[str, Any]:
    """Change a campaign (city office); send only the fields to change."""
    campaign = get_visible_or_404(queries.campaigns_visible_to(request.user), slug=slug)
    try:
        campaign = services.campaign_update(
            user=request.user, campaign=campaign, values=_values(payload, partial=True)
        )
    except ValidationError as exc:
        raise _rule_prefixed(exc) from exc
    return campaign_out(campaign)


@router.get("campaigns/{slug}/sessions", response={200: list[SessionOut], **ERRORS})
def campaign_sessions(
    request: HttpRequest, slug: str, start: str | None = None, end: str | None = None
) -> list[dict[str, Any]]:
    """The campaign's sessions from ``start`` to ``end`` (inclusive), by date."""
    campaign = get_visible_or_404(queries.campaigns_visible_to(request.user), slug=slug)
    sessions = queries.sessions_between(
        queries.sessions_visible_to(request.user).filter(campaign=campaign),
        _date_param("start", start),
        _date_param("end", end),
    )
    return [session_out(s) for s in sessions.order_by("date", "slot_date")[:1000]]


@router.get("sessions", response={200: SessionPage, **ERRORS})
def session_list(
    request: HttpRequest,
    campaign: str | None = None,
    start: str | None = None,
    end: str | None = None,
    status: str | None = None,
    provisional: bool | None = None,
    cursor: str | None = None,
    limit: int | None = None,
) -> dict[str, Any]:
    """Sessions, filtered by campaign slug, date range, status and provisional flag."""
    qs = queries.sessions_between(
        queries.sessions_visible_to(request.user),
        _date_param("start", start),
        _date_param("end", end),
    )
    if campaign:
        qs = qs.filter(campaign__slug=campaign)
    if status:
        if status not in SessionStatus.values:
            raise ValidationError({"status": _("Unknown status.")})
        qs = qs.filter(status=status)
    if provisional is not None:
        qs = qs.filter(provisional=provisional)
    return page_response(qs, key="pk", cursor=cursor, limit=limit, out=session_out)


@router.post("sessions/{session_id}/cancel", response={200: SessionOut, **ERRORS})
def session_cancel(request: HttpRequest, session_id: int, payload: CancelIn) -> dict[str, Any]:
    """Cancel a session with a reason (city office); it then counts nowhere."""
    session = get_visible_or_404(queries.sessions_visible_to(request.user), pk=session_id)
    reason = payload.reason if isinstance(payload.reason, str) else ""
    session = services.session_cancel(user=request.user, session=session, reason=reason)
    return session_out(session)
