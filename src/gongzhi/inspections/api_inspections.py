"""REST resources of inspections (DESIGN.md section 6): list, read, save the draft,
submit, add findings and their photos, and the office's correction. Thin: parse, call,
answer.

An inspection is addressed by its round number and the unit's credit code. Out of scope
is 404, visible but not allowed (another group's unit, a locked inspection, a leader) 403,
an unacceptable value (a score above the item's maximum, an unknown item code, an
incomplete submission) 400 naming the field, a body of the wrong shape 422.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Field, File, Query, Router, Schema, Status, UploadedFile
from pydantic import StrictBool, StrictInt, StrictStr

from gongzhi.core.api_helpers import page_response, patch_values
from gongzhi.core.api_schemas import ERRORS
from gongzhi.inspections import queries, services
from gongzhi.inspections.models import Finding, FindingPhoto, Inspection, InspectionStatus

router = Router(tags=["inspections"])

#: What an item's answer may be: points (a number, or a decimal string) or yes/no
#: (``true``/``false``), ``null`` to clear it. The service checks it against the item and
#: names ``scores.<item code>`` when it does not fit.
Answer = Any


# --- schemas ------------------------------------------------------------------------------


class ItemScoreOut(Schema):
    item_code: str
    criterion_code: str
    kind: str = Field(description="scored or check")
    max_score: str | None = Field(description="Decimal string; null for a check")
    score: str | None = Field(description="Points given (decimal string), scored items")
    passed: bool | None = Field(description="Met or not, checks")
    comment: str


class FindingPhotoOut(Schema):
    id: int
    thumb_url: str
    public_url: str
    original_url: str | None = Field(description="With its EXIF data: office and inspectors.")


class FindingOut(Schema):
    id: int
    text: str
    item_code: str | None
    demands_rectification: bool
    category_code: str | None
    problem_number: str | None = Field(description="The rectification problem, once raised")
    problem_state: str | None
    photos: list[FindingPhotoOut]


class InspectionOut(Schema):
    id: int
    round: int = Field(description="Round number")
    unit_code: str
    unit_name: str
    group_id: int
    group_name: str
    inspector: str | None
    status: str = Field(description="draft or submitted")
    date: dt.date | None
    community_code: str | None
    session_id: int | None
    total_score: str | None = Field(description="Out of 100, set on submission")
    grade: str = Field(description="excellent, good, fair or poor; empty for a draft")
    notes: str
    submitted_at: dt.datetime | None
    updated_at: dt.datetime
    checklist_version: int


class InspectionDetailOut(InspectionOut):
    scores: list[ItemScoreOut]
    findings: list[FindingOut]
    missing: list[str] = Field(description="What a draft still lacks before submission")


class InspectionPage(Schema):
    items: list[InspectionOut]
    next: str | None


class InspectionFilters(Schema):
    round: int | None = Field(None, description="Round number")
    unit: str = Field("", description="Credit code of a unit")
    group: int | None = Field(None, description="Id of an inspection group")
    status: str = Field("", description="draft or submitted")
    cursor: str | None = None
    limit: int | None = None


class DraftIn(Schema):
    """Every field is optional: only those sent change, and a draft may be incomplete."""

    date: str | None = Field(None, description="YYYY-MM-DD, within the round; null clears")
    community_code: str | None = Field(None, description="12-digit community code")
    session_id: StrictInt | None = Field(None, description="A session held on the date")
    scores: dict[str, Answer] | None = Field(
        None,
        description="Item code → points (0 to the maximum, whole or half) or, for a "
        "check, true/false; null clears an answer",
    )
    comments: dict[str, StrictStr] | None = Field(None, description="Item code → remark")
    notes: str | None = None


class CorrectionIn(DraftIn):
    reason: str = Field(description="Why the office corrects it (kept in the history)")


class FindingIn(Schema):
    text: str
    item_code: str | None = Field(None, description="The checklist item it is about")
    demands_rectification: StrictBool = False
    category_code: str | None = Field(
        None, description="Problem category; required when rectification is demanded"
    )
    reason: str | None = Field(
        None, description="Required from the office when the inspection is submitted"
    )


# --- helpers ------------------------------------------------------------------------------


def _decimal(value: Decimal | None) -> str | None:
    return None if value is None else f"{value:.1f}"


def _out(inspection: Inspection) -> dict[str, Any]:
    return {
        "id": inspection.pk,
        "round": inspection.round.number,
        "unit_code": inspection.unit.code,
        "unit_name": inspection.unit.name,
        "group_id": inspection.group_id,
        "group_name": inspection.group.name,
        "inspector": inspection.inspector.get_username() if inspection.inspector else None,
        "status": inspection.status,
        "date": inspection.date,
        "community_code": inspection.community.code if inspection.community else None,
        "session_id": inspection.session_id,
        "total_score": _decimal(inspection.total_score),
        "grade": inspection.grade,
        "notes": inspection.notes,
        "submitted_at": inspection.submitted_at,
        "updated_at": inspection.updated_at,
        "checklist_version": inspection.round.template.version,
    }


def _photo_out(photo: FindingPhoto, originals: bool) -> dict[str, Any]:
    def url(kind: str) -> str:
        return reverse("inspections:finding_photo", args=(photo.pk, kind))

    return {
        "id": photo.pk,
        "thumb_url": url("thumb"),
        "public_url": url("public"),
        "original_url": url("original") if originals else None,
    }


def _finding_out(finding: Finding, originals: bool) -> dict[str, Any]:
    return {
        "id": finding.pk,
        "text": finding.text,
        "item_code": finding.item.code if finding.item else None,
        "demands_rectification": finding.demands_rectification,
        "category_code": finding.category.code if finding.category else None,
        "problem_number": finding.problem.number if finding.problem else None,
        "problem_state": finding.problem.state if finding.problem else None,
        "photos": [_photo_out(p, originals) for p in finding.photos.all()],
    }


def _detail(user: Any, round_number: int, unit_code: str) -> dict[str, Any]:
    target = queries.inspection_target(user, round_number, unit_code)
    inspection = target.inspection
    if inspection is None:
        raise Http404
    inspection = Inspection.objects.select_related(
        "round__template", "unit", "group", "inspector", "community"
    ).get(pk=inspection.pk)
    criteria = queries.template_criteria(inspection.round.template)
    items = queries.template_items(criteria)
    scores = queries.scores_by_item(inspection)
    findings = queries.findings_of(inspection)
    originals = queries.may_see_originals(user)
    codes = {c.pk: c.code for c in criteria}
    body = _out(inspection)
    body["scores"] = [
        {
            "item_code": item.code,
            "criterion_code": codes[item.criterion_id],
            "kind": item.kind,
            "max_score": _decimal(item.max_score),
            "score": _decimal(row.score) if (row := scores.get(item.pk)) else None,
            "passed": row.passed if row else None,
            "comment": row.comment if row else "",
        }
        for item in items
    ]
    body["findings"] = [_finding_out(f, originals) for f in findings]
    body["missing"] = (
        []
        if inspection.status == InspectionStatus.SUBMITTED
        else [m.message for m in queries.missing_for_submit(inspection, items, scores, findings)]
    )
    return body


def _answers(payload: DraftIn) -> dict[str, Any]:
    values = patch_values(payload, nullable=("date", "community_code", "session_id"))
    values.pop("reason", None)
    return values


# --- routes -------------------------------------------------------------------------------


@router.get("inspections", response={200: InspectionPage, **ERRORS})
def inspection_list(request: HttpRequest, filters: Query[InspectionFilters]) -> dict[str, Any]:
    """Inspections in the caller's scope (keyset pages by id): the office and leaders
    all; inspectors their groups' in open rounds and their own; a unit liaison the
    submitted inspections of their unit."""
    qs = queries.inspections_filtered(
        request.user,
        round_number=filters.round,
        unit_code=filters.unit,
        group_id=filters.group,
        status=filters.status.strip(),
    )
    return page_response(qs, key="pk", cursor=filters.cursor, limit=filters.limit, out=_out)


@router.get("inspections/{round_number}/{unit_code}", response={200: InspectionDetailOut, **ERRORS})
def inspection_get(request: HttpRequest, round_number: int, unit_code: str) -> dict[str, Any]:
    """One inspection with every item's answer, its findings and, for a draft, what is
    still missing. 404 when none is saved yet."""
    target = queries.inspection_target(request.user, round_number, unit_code)
    if target.inspection is None:
        raise Http404
    return _detail(request.user, round_number, unit_code)


@router.put(
    "inspections/{round_number}/{unit_code}",
    response={200: InspectionDetailOut, 201: InspectionDetailOut, **ERRORS},
)
def inspection_put(
    request: HttpRequest, round_number: int, unit_code: str, payload: DraftIn
) -> Status[dict[str, Any]]:
    """Save the draft (201 when it is started, 200 after): only the fields sent change;
    a submitted inspection is locked (403)."""
    existed = queries.inspection_target(request.user, round_number, unit_code).inspection
    inspection = services.inspection_draft_save(
        user=request.user, round_number=round_number, unit_code=unit_code, **_answers(payload)
    )
    body = _detail(request.user, round_number, inspection.unit.code)
    return Status(200 if existed is not None else 201, body)


@router.post(
    "inspections/{round_number}/{unit_code}/submit", response={200: InspectionDetailOut, **ERRORS}
)
def inspection_submit(request: HttpRequest, round_number: int, unit_code: str) -> dict[str, Any]:
    """Submit a complete draft: scored, graded, locked; findings that demand rectification
    become ledger problems dispatched to the unit. An incomplete one is a 400 listing
    what is missing."""
    inspection = services.inspection_submit(
        user=request.user, round_number=round_number, unit_code=unit_code
    )
    return _detail(request.user, round_number, inspection.unit.code)


@router.patch(
    "inspections/{round_number}/{unit_code}", response={200: InspectionDetailOut, **ERRORS}
)
def inspection_patch(
    request: HttpRequest, round_number: int, unit_code: str, payload: CorrectionIn
) -> dict[str, Any]:
    """The city office corrects a submitted inspection; ``reason`` is kept in the history
    and the total and grade are computed again."""
    inspection = services.inspection_correct(
        user=request.user,
        round_number=round_number,
        unit_code=unit_code,
        reason=payload.reason,
        **_answers(payload),
    )
    return _detail(request.user, round_number, inspection.unit.code)


@router.post(
    "inspections/{round_number}/{unit_code}/findings", response={201: FindingOut, **ERRORS}
)
def finding_create(
    request: HttpRequest, round_number: int, unit_code: str, payload: FindingIn
) -> Status[dict[str, Any]]:
    """Record a finding (photos follow, one per call, at ``…/findings/{id}/photos``)."""
    finding = services.finding_add(
        user=request.user,
        round_number=round_number,
        unit_code=unit_code,
        text=payload.text,
        item_code=payload.item_code,
        demands_rectification=payload.demands_rectification,
        category_code=payload.category_code,
        reason=payload.reason or "",
    )
    finding = Finding.objects.select_related("item", "category", "problem").get(pk=finding.pk)
    return Status(201, _finding_out(finding, queries.may_see_originals(request.user)))


PHOTO_BODY = {
    "content": {
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "properties": {
                    "photo": {
                        "type": "string",
                        "format": "binary",
                        "description": "A JPEG, PNG or WebP photo",
                    }
                },
                "required": ["photo"],
            }
        }
    },
}


@router.post(
    "inspections/{round_number}/{unit_code}/findings/{finding_id}/photos",
    response={201: FindingPhotoOut, **ERRORS},
    openapi_extra={"requestBody": PHOTO_BODY},
)
def finding_photo_create(
    request: HttpRequest,
    round_number: int,
    unit_code: str,
    finding_id: int,
    photo: File[UploadedFile | None] = None,
) -> Status[dict[str, Any]]:
    """Add one photo (multipart field ``photo``) to a finding of the inspection."""
    target = queries.inspection_target(request.user, round_number, unit_code)
    if target.inspection is None or not target.inspection.findings.filter(pk=finding_id).exists():
        raise Http404
    if photo is None:
        raise ValidationError({"photo": [_("Choose a photo to upload.")]})
    stored = services.finding_photo_add(user=request.user, finding_id=finding_id, photo=photo)
    return Status(201, _photo_out(stored, queries.may_see_originals(request.user)))
