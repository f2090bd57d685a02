"""REST resources of the funds ledger: ``contributions`` and their totals.

Thin: parse, call :mod:`queries_funds` or :mod:`services_funds`, answer. Units
are named by credit code, communities by 12-digit code, problems by number;
amounts go in as a decimal string of yuan or a Chinese form ("8万", a JSON
number is read as yuan too) and come out as integer fen plus exact yuan text.
Out of scope is 404, visible but not writable 403, bad input 400 naming the
field.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import File, Form, Query, Router, Schema, Status, UploadedFile
from pydantic import StrictBool, StrictFloat, StrictInt, StrictStr

from gongzhi.activities import queries_funds, services_funds
from gongzhi.activities.models import Contribution
from gongzhi.core.api_helpers import patch_values
from gongzhi.core.api_schemas import ERRORS
from gongzhi.core.money import format_yuan
from gongzhi.core.pagination import Page
from gongzhi.core.scoping import get_visible_or_404

router = Router(tags=["activities"])

#: What a body may send as an amount: text ("8万", "80,000.00") or a JSON number of yuan.
Amount = StrictStr | StrictInt | StrictFloat


# --- schemas --------------------------------------------------------------------------


class ContributionOut(Schema):
    id: int
    unit_code: str
    unit_name: str
    community_code: str
    community_name: str
    date: dt.date
    amount_fen: int
    amount_yuan: str
    purpose: str
    problem_numbers: list[str]
    receipt_count: int
    created_at: dt.datetime
    editable_until: dt.datetime
    archived_at: dt.datetime | None


class ContributionPage(Schema):
    items: list[ContributionOut]
    next: str | None


class ContributionFilters(Schema):
    unit: str = ""
    community: str = ""
    start: dt.date | None = None
    end: dt.date | None = None
    include_archived: bool = False
    cursor: str | None = None
    limit: int | None = None


class TotalsFilters(Schema):
    unit: str = ""
    community: str = ""
    start: dt.date | None = None
    end: dt.date | None = None


class ContributionIn(Schema):
    unit_code: str
    community_code: str
    date: dt.date
    amount: Amount
    purpose: str = ""
    problem_numbers: list[str] = []
    allow_duplicate: StrictBool = False


class ContributionPatch(Schema):
    community_code: str | None = None
    date: dt.date | None = None
    amount: Amount | None = None
    purpose: str | None = None
    problem_numbers: list[str] | None = None
    reason: str = ""


class TotalOut(Schema):
    key: str
    name: str
    count: int
    funds_fen: int
    funds_yuan: str


class TotalsOut(Schema):
    start: dt.date | None
    end: dt.date | None
    count: int
    funds_fen: int
    funds_yuan: str
    by_unit: list[TotalOut]
    by_community: list[TotalOut]
    by_month: list[TotalOut]


# --- helpers --------------------------------------------------------------------------


def _amount_text(value: Any) -> Any:
    """Amounts in a body are yuan: a JSON number is read as its decimal text."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return repr(value)
    return value


def _out(contribution: Contribution, problem_numbers: list[str] | None = None) -> dict[str, Any]:
    if problem_numbers is None:
        problem_numbers = sorted(p.number for p in contribution.problems.all())
    receipts = getattr(contribution, "receipt_count", None)
    return {
        "id": contribution.pk,
        "unit_code": contribution.unit.code,
        "unit_name": contribution.unit.name,
        "community_code": contribution.community.code,
        "community_name": contribution.community.name,
        "date": contribution.date,
        "amount_fen": contribution.amount_fen,
        "amount_yuan": format_yuan(contribution.amount_fen).replace(",", ""),
        "purpose": contribution.purpose,
        "problem_numbers": problem_numbers,
        "receipt_count": receipts if receipts is not None else contribution.photos.count(),
        "created_at": contribution.created_at,
        "editable_until": services_funds.editable_until(contribution),
        "archived_at": contribution.archived_at,
    }


def _total_out(t: queries_funds.Total) -> dict[str, Any]:
    return {
        "key": t.key,
        "name": t.name,
        "count": t.count,
        "funds_fen": t.fen,
        "funds_yuan": format_yuan(t.fen).replace(",", ""),
    }


def _get(request: HttpRequest, contribution_id: int) -> Contribution:
    return get_visible_or_404(
        queries_funds.contributions_visible_to(request.user, include_archived=True),
        pk=contribution_id,
    )


def _fresh(request: HttpRequest, contribution_id: int) -> dict[str, Any]:
    """A contribution read back after a write, as the list shows it."""
    qs = queries_funds.with_links(
        queries_funds.contributions_visible_to(request.user, include_archived=True)
    )
    return _out(get_visible_or_404(qs, pk=contribution_id))


# --- routes ---------------------------------------------------------------------------


@router.get("contributions", response={200: ContributionPage, **ERRORS})
def contribution_list(request: HttpRequest, filters: Query[ContributionFilters]) -> dict[str, Any]:
    """Contributions in the caller's scope, newest date first (keyset pages: pass ``next``
    back as ``cursor``); filter by ``unit`` credit code, ``community`` code and a period
    ``start``–``end`` (inclusive, contribution date)."""
    qs = queries_funds.contributions_filtered(
        request.user,
        queries_funds.FundsFilter(
            unit=filters.unit,
            community=filters.community,
            start=filters.start,
            end=filters.end,
            include_archived=filters.include_archived,
        ),
    )
    page: Page[Contribution] = queries_funds.contributions_page(
        queries_funds.with_links(qs), cursor=filters.cursor, limit=filters.limit
    )
    return {"items": [_out(c) for c in page.items], "next": page.next_cursor}


@router.get("contributions/totals", response={200: TotalsOut, **ERRORS})
def contribution_totals(request: HttpRequest, filters: Query[TotalsFilters]) -> dict[str, Any]:
    """Funds in the caller's scope for the filter: overall, by unit and by community
    (largest first) and by month. Archived contributions count nowhere."""
    qs = queries_funds.contributions_filtered(
        request.user,
        queries_funds.FundsFilter(
            unit=filters.unit, community=filters.community, start=filters.start, end=filters.end
        ),
    )
    totals = queries_funds.totals_of(qs)
    return {
        "start": filters.start,
        "end": filters.end,
        "count": totals.count,
        "funds_fen": totals.fen,
        "funds_yuan": format_yuan(totals.fen).replace(",", ""),
        "by_unit": [_total_out(t) for t in totals.by_unit],
        "by_community": [_total_out(t) for t in totals.by_community],
        "by_month": [_total_out(t) for t in totals.by_month],
    }


@router.get("contributions/{contribution_id}", response={200: ContributionOut, **ERRORS})
def contribution_get(request: HttpRequest, contribution_id: int) -> dict[str, Any]:
    _get(request, contribution_id)
    return _fresh(request, contribution_id)


@router.post("contributions", response={201: ContributionOut, **ERRORS})
def contribution_create(request: HttpRequest, payload: ContributionIn) -> Status[dict[str, Any]]:
    """Record a contribution: the unit liaison for their unit and a community it was
    paired with on ``date``, the office for any. ``amount``: "8万", "80000",
    "80,000.00". The same unit, community, date and amount again is refused unless
    ``allow_duplicate``."""
    contribution = services_funds.contribution_record(
        user=request.user,
        unit_code=payload.unit_code,
        community_code=payload.community_code,
        date=payload.date,
        amount=_amount_text(payload.amount),
        purpose=payload.purpose,
        problem_numbers=payload.problem_numbers,
        allow_duplicate=payload.allow_duplicate,
    )
    return Status(201, _fresh(request, contribution.pk))


@router.patch("contributions/{contribution_id}", response={200: ContributionOut, **ERRORS})
def contribution_update(
    request: HttpRequest, contribution_id: int, payload: ContributionPatch
) -> dict[str, Any]:
    """Change a contribution (its unit stays). The unit's liaison within the edit window,
    the office always; after the window the office sends a ``reason``."""
    contribution = _get(request, contribution_id)
    changes = patch_values(payload)
    reason = str(changes.pop("reason", "") or "")
    if "amount" in changes:
        changes["amount"] = _amount_text(changes["amount"])
    services_funds.contribution_update(
        user=request.user, contribution=contribution, reason=reason, **changes
    )
    return _fresh(request, contribution_id)


@router.delete("contributions/{contribution_id}", response={200: ContributionOut, **ERRORS})
def contribution_archive(
    request: HttpRequest, contribution_id: int, reason: str = ""
) -> dict[str, Any]:
    """Archive a contribution: it counts in no total any more but stays readable with
    its history (nothing is deleted). After the edit window the office gives ``reason``."""
    contribution = _get(request, contribution_id)
    services_funds.contribution_archive(user=request.user, contribution=contribution, reason=reason)
    return _fresh(request, contribution_id)


RECEIPT_BODY = {
    "required": True,
    "content": {
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "properties": {
                    "receipt": {
                        "type": "string",
                        "format": "binary",
                        "description": "A JPEG, PNG or WebP photo of the receipt",
                    },
                    "reason": {
                        "type": "string",
                        "description": "Why, when the office adds it after the edit window",
                    },
                },
                "required": ["receipt"],
            }
        }
    },
}


@router.post(
    "contributions/{contribution_id}/receipts",
    response={201: ContributionOut, **ERRORS},
    openapi_extra={"requestBody": RECEIPT_BODY},
)
def contribution_receipt_add(
    request: HttpRequest,
    contribution_id: int,
    receipt: File[UploadedFile | None] = None,
    reason: Form[str] = "",
) -> Status[dict[str, Any]]:
    """Attach a receipt photo (multipart field ``receipt``) to a contribution: who may
    change the contribution may add receipts, with the same edit window and checks."""
    contribution = _get(request, contribution_id)
    if receipt is None:
        raise ValidationError({"receipt": [_("Choose a receipt photo to upload.")]})
    services_funds.contribution_update(
        user=request.user, contribution=contribution, receipts=[receipt], reason=reason
    )
    return Status(201, _fresh(request, contribution_id))
