"""REST resources of bulletins: list, read (with figures and differences), draft, change a
draft, issue, and the documents (DOCX, PDF, work brief).

Thin: parse, call :mod:`queries_bulletins` or :mod:`services_bulletins`, answer.
Filters are the ones of ``stats/summary`` (``jurisdiction``, ``exclude_jurisdiction``,
``district``, ``exclude_district``, ``unit``, ``community``, ``category``), sent as
lists. Out of scope is 404, visible but not the office's to write 403, a value that
is not acceptable 400 naming the field, a body of the wrong shape 422, and
changing or issuing an issued bulletin 409.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status

from gongzhi.campaigns.models import Session
from gongzhi.core.api_schemas import ERRORS
from gongzhi.core.pagination import clamp_limit, decode_cursor, encode_cursor
from gongzhi.core.scoping import get_visible_or_404
from gongzhi.stats import queries_bulletins as queries
from gongzhi.stats import services_bulletins as services
from gongzhi.stats.api_stats import StatsFiltersOut
from gongzhi.stats.brief import work_brief
from gongzhi.stats.filters import CODE_PARAMS, PARAMS, parse_filter
from gongzhi.stats.models import Bulletin
from gongzhi.stats.views_bulletins import docx_response, pdf_response

router = Router(tags=["bulletins"])

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PDF = "application/pdf"


# --- schemas --------------------------------------------------------------------------


class BulletinOut(Schema):
    id: int
    status: str = Field(description="draft or issued")
    number: str
    title: str
    issuer: str
    start: dt.date
    end: dt.date
    filters: StatsFiltersOut
    session_id: int | None = Field(description="The session of the participation table.")
    session_date: dt.date | None
    archived: bool
    issued_at: dt.datetime | None
    issued_by: str | None = Field(description="Username of whoever issued it.")


class BulletinPage(Schema):
    items: list[BulletinOut]
    next: str | None


class FigureChangeOut(Schema):
    label: str
    was: str = Field(description="As issued.")
    now: str = Field(description="As the data gives it now.")


class BulletinDetailOut(BulletinOut):
    problems_text: str
    requirements_text: str
    figures: dict[str, Any] = Field(
        description="Every figure the document prints: frozen once issued, live for a draft."
    )
    differences: list[FigureChangeOut] | None = Field(
        description=(
            "For an issued bulletin, each printed figure the data would now give differently; "
            "null for a draft, and for readers other than the office and leaders."
        )
    )
    docx_url: str
    pdf_url: str
    brief_url: str


class BulletinBriefOut(Schema):
    text: str = Field(description="The work brief (工作简报), in Chinese.")


class BulletinIn(Schema):
    """``start``, ``end``, ``title``; the filters of ``stats/summary`` as lists;
    ``session_date`` (a held session in the period for the participation table; the
    first held session of the period's last month when left out), ``number``,
    ``issuer`` (the last bulletin's when left out), ``problems_text``,
    ``requirements_text``."""

    start: str = Field(description="YYYY-MM-DD")
    end: str = Field(description="YYYY-MM-DD")
    title: str
    jurisdiction: list[str] = []
    exclude_jurisdiction: list[str] = []
    district: list[str] = []
    exclude_district: list[str] = []
    unit: list[str] = []
    community: list[str] = []
    category: list[str] = []
    session_date: str | None = Field(None, description="YYYY-MM-DD")
    number: str = ""
    issuer: str = ""
    problems_text: str = ""
    requirements_text: str = ""


class BulletinPatch(Schema):
    """Any field of :class:`BulletinIn`; fields left out stay. A null ``session_date``
    goes back to the automatic session."""

    start: str | None = None
    end: str | None = None
    title: str | None = None
    jurisdiction: list[str] | None = None
    exclude_jurisdiction: list[str] | None = None
    district: list[str] | None = None
    exclude_district: list[str] | None = None
    unit: list[str] | None = None
    community: list[str] | None = None
    category: list[str] | None = None
    session_date: str | None = None
    number: str | None = None
    issuer: str | None = None
    problems_text: str | None = None
    requirements_text: str | None = None


def _binary(content_type: str, what: str) -> dict[str, Any]:
    return {
        "responses": {
            "200": {
                "description": what,
                "content": {content_type: {"schema": {"type": "string", "format": "binary"}}},
            }
        }
    }


# --- answers --------------------------------------------------------------------------


def filters_out(stored: Any) -> dict[str, list[str]]:
    """A bulletin's stored filters with every parameter named (empty lists for none)."""
    stored = stored if isinstance(stored, dict) else {}
    return {name: [str(v) for v in stored.get(name) or ()] for name in CODE_PARAMS}


def bulletin_out(row: Bulletin) -> dict[str, Any]:
    return {
        "id": row.pk,
        "status": row.status,
        "number": row.number,
        "title": row.title,
        "issuer": row.issuer,
        "start": row.start,
        "end": row.end,
        "filters": filters_out(row.filters),
        "session_id": row.session_id,
        "session_date": row.session.date if row.session else None,
        "archived": row.is_archived,
        "issued_at": row.issued_at,
        "issued_by": row.issued_by.get_username() if row.issued_by else None,
    }


def bulletin_detail_out(request: HttpRequest, row: Bulletin) -> dict[str, Any]:
    if queries.may_see_drafts(request.user):
        figures, changes = queries.figures_and_differences(row)
        differences: list[dict[str, str]] | None = (
            [{"label": str(c.label), "was": c.was, "now": c.now} for c in changes]
            if row.is_issued
            else None
        )
    else:
        figures, differences = queries.shown_figures(row), None
    return {
        **bulletin_out(row),
        "problems_text": row.problems_text,
        "requirements_text": row.requirements_text,
        "figures": figures,
        "differences": differences,
        "docx_url": reverse("api:bulletin_docx", args=[row.pk]),
        "pdf_url": reverse("api:bulletin_pdf", args=[row.pk]),
        "brief_url": reverse("api:bulletin_brief", args=[row.pk]),
    }


def _bulletin(request: HttpRequest, bulletin_id: int) -> Bulletin:
    if not 0 < bulletin_id < 2**31:
        raise Http404
    return get_visible_or_404(queries.bulletins_visible_to(request.user), pk=bulletin_id)


def _date(name: str, value: str | None) -> dt.date | None:
    if value is None or value == "":
        return None
    try:
        return dt.date.fromisoformat(value)
    except (TypeError, ValueError) as exc:
        raise ValidationError({name: _("Enter a date as YYYY-MM-DD.")}) from exc


def _session(value: str | None) -> Session | None:
    day = _date("session_date", value)
    if day is None:
        return None
    found = queries.held_session_on(day)
    if found is None:
        raise ValidationError({"session_date": _("No session was held on this date.")})
    return found


def _conflict(exc: services.AlreadyIssued) -> Status[Any]:
    errors = {k: [str(m) for e in v for m in e.messages] for k, v in exc.error_dict.items()}
    return Status(409, {"detail": errors["status"][0], "errors": errors})


SERVICE_NAMES = {"session": "session_date"}


def _renamed(exc: ValidationError) -> ValidationError:
    if not hasattr(exc, "error_dict"):
        return exc
    errors: dict[str, list[str]] = {}
    for name, items in exc.error_dict.items():
        errors.setdefault(SERVICE_NAMES.get(name, name), []).extend(
            str(m) for e in items for m in e.messages
        )
    return ValidationError(errors)


# --- routes ---------------------------------------------------------------------------


@router.get("bulletins", response={200: BulletinPage, **ERRORS})
def bulletin_list(
    request: HttpRequest,
    status: str | None = None,
    archived: bool = False,
    cursor: str | None = None,
    limit: int | None = None,
) -> dict[str, Any]:
    """Bulletins the caller may read, by id; ``status`` (draft or issued) narrows them,
    ``archived=true`` lists archived drafts too."""
    qs = queries.listed(
        queries.bulletins_visible_to(request.user), status=status or "", archived=archived
    ).order_by("pk")
    after = decode_cursor(cursor)
    if after is not None and after.isascii() and after.isdigit() and len(after) < 12:
        qs = qs.filter(pk__gt=int(after))
    size = clamp_limit(limit)
    rows = list(qs[: size + 1])
    following = encode_cursor(rows[size - 1].pk) if len(rows) > size else None
    return {"items": [bulletin_out(r) for r in rows[:size]], "next": following}


@router.get("bulletins/{bulletin_id}", response={200: BulletinDetailOut, **ERRORS})
def bulletin_detail(request: HttpRequest, bulletin_id: int) -> dict[str, Any]:
    """A bulletin with the figures it prints (frozen once issued) and, for the office and
    leaders, what the data would now give differently."""
    return bulletin_detail_out(request, _bulletin(request, bulletin_id))


@router.post("bulletins", response={201: BulletinDetailOut, **ERRORS})
def bulletin_create(request: HttpRequest, payload: BulletinIn) -> Status[Any]:
    """Draft a bulletin (city office)."""
    services.require_office(request.user)
    values = payload.dict()
    errors: dict[str, list[str]] = {}
    stats_filter = None
    try:
        stats_filter = parse_filter({name: values[name] for name in PARAMS})
    except ValidationError as exc:
        errors.update(exc.message_dict)
    session = None
    try:
        session = _session(values["session_date"])
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if errors or stats_filter is None:
        raise ValidationError(errors)
    try:
        row = services.bulletin_create(
            user=request.user,
            filter=stats_filter,
            session=session,
            title=values["title"],
            issuer=values["issuer"],
            number=values["number"],
            problems_text=values["problems_text"],
            requirements_text=values["requirements_text"],
        )
    except ValidationError as exc:
        raise _renamed(exc) from exc
    row = queries.bulletins_visible_to(request.user).get(pk=row.pk)
    return Status(201, bulletin_detail_out(request, row))


def _update(request: HttpRequest, bulletin_id: int, payload: BulletinPatch) -> Status[Any]:
    row = _bulletin(request, bulletin_id)
    services.require_office(request.user)
    if row.is_issued:
        return _conflict(services.AlreadyIssued(row))
    sent = payload.dict(exclude_unset=True)
    changes: dict[str, Any] = {}
    for name in ("title", "issuer", "number", "problems_text", "requirements_text"):
        if sent.get(name) is not None:
            changes[name] = sent[name]
    if "session_date" in sent:
        changes["session"] = _session(sent["session_date"])
    if any(sent.get(name) is not None for name in PARAMS):
        stored = filters_out(row.filters)
        data: dict[str, Any] = {
            "start": sent.get("start") or row.start.isoformat(),
            "end": sent.get("end") or row.end.isoformat(),
        }
        for name in CODE_PARAMS:
            data[name] = stored[name] if sent.get(name) is None else sent[name]
        changes["filter"] = parse_filter(data)
    try:
        services.bulletin_update(user=request.user, bulletin=row, **changes)
    except services.AlreadyIssued as exc:
        return _conflict(exc)
    except ValidationError as exc:
        raise _renamed(exc) from exc
    row = queries.bulletins_visible_to(request.user).get(pk=row.pk)
    return Status(200, bulletin_detail_out(request, row))


@router.patch("bulletins/{bulletin_id}", response={200: BulletinDetailOut, **ERRORS})
def bulletin_patch(request: HttpRequest, bulletin_id: int, payload: BulletinPatch) -> Status[Any]:
    """Change a draft (city office); fields left out stay. An issued bulletin: 409."""
    return _update(request, bulletin_id, payload)


@router.post("bulletins/{bulletin_id}", response={200: BulletinDetailOut, **ERRORS})
def bulletin_update(request: HttpRequest, bulletin_id: int, payload: BulletinPatch) -> Status[Any]:
    """The same as PATCH, for clients that only POST."""
    return _update(request, bulletin_id, payload)


@router.post("bulletins/{bulletin_id}/issue", response={200: BulletinDetailOut, **ERRORS})
def bulletin_issue(request: HttpRequest, bulletin_id: int) -> Status[Any]:
    """Issue a draft (city office): its figures, DOCX and PDF are frozen. Needs a number
    unused by other issued bulletins; issuing an issued bulletin is a 409."""
    row = _bulletin(request, bulletin_id)
    services.require_office(request.user)
    try:
        services.bulletin_issue(user=request.user, bulletin=row)
    except services.AlreadyIssued as exc:
        return _conflict(exc)
    row = queries.bulletins_visible_to(request.user).get(pk=row.pk)
    return Status(200, bulletin_detail_out(request, row))


@router.get(
    "bulletins/{bulletin_id}/docx",
    response={200: None, **ERRORS},
    url_name="bulletin_docx",
    openapi_extra=_binary(DOCX, "The bulletin as a Word document."),
)
def bulletin_docx(request: HttpRequest, bulletin_id: int) -> HttpResponse:
    """The DOCX: as stored when issued, made from today's figures for a draft."""
    return docx_response(_bulletin(request, bulletin_id))


@router.get(
    "bulletins/{bulletin_id}/pdf",
    response={200: None, **ERRORS},
    url_name="bulletin_pdf",
    openapi_extra=_binary(PDF, "The bulletin as a PDF."),
)
def bulletin_pdf(request: HttpRequest, bulletin_id: int) -> HttpResponse:
    """The PDF: as stored when issued, made from today's figures for a draft."""
    return pdf_response(_bulletin(request, bulletin_id))


@router.get(
    "bulletins/{bulletin_id}/brief",
    response={200: BulletinBriefOut, **ERRORS},
    url_name="bulletin_brief",
)
def bulletin_brief(request: HttpRequest, bulletin_id: int) -> dict[str, str]:
    """The work brief (工作简报) from the bulletin's figures (frozen once issued)."""
    row = _bulletin(request, bulletin_id)
    return {"text": work_brief(queries.spec_of(row), queries.shown_figures(row))}
