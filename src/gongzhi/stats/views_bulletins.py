"""Pages of bulletins: the list, the draft form, a bulletin's page (live figures for a
draft; frozen figures and what would now differ once issued), issuing, the documents
and the work brief.

Thin: parse, call :mod:`queries_bulletins` or :mod:`services_bulletins`, render.
Reading follows ``bulletins_visible_to`` (404 outside it); every write is the city
office's (403 for anyone else who can read the page).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from gongzhi.core.history import history_of
from gongzhi.core.money import official_count, official_round
from gongzhi.core.scoping import get_visible_or_404, scope_of
from gongzhi.core.views_helpers import error_text
from gongzhi.stats import bulletin as document
from gongzhi.stats import queries_bulletins as queries
from gongzhi.stats import services_bulletins as services
from gongzhi.stats.brief import work_brief
from gongzhi.stats.filters import filter_names, parse_filter
from gongzhi.stats.forms_bulletins import BulletinForm
from gongzhi.stats.models import Bulletin, BulletinStatus

#: Bulletins per page of the list.
PER_PAGE = 50

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PDF = "application/pdf"


def bulletin_url(row: Bulletin) -> str:
    return reverse("stats:bulletin", args=[row.pk])


def _bulletin_or_404(request: HttpRequest, pk: int) -> Bulletin:
    return get_visible_or_404(queries.bulletins_visible_to(request.user), pk=pk)


def _may_read(user: Any) -> bool:
    return queries.may_see_drafts(user) or bool(scope_of(user).roles & queries.READERS_OF_ISSUED)


# --- documents (shared with the API) --------------------------------------------------


def _download_name(row: Bulletin, extension: str) -> str:
    name = row.number or row.title or f"bulletin-{row.pk}"
    return f"{name}.{extension}".replace("/", "-")


def _stored(field: Any) -> bytes | None:
    if not field:
        return None
    with field.open("rb") as handle:
        data: bytes = handle.read()
    return data


def docx_bytes(row: Bulletin) -> bytes:
    """The DOCX: the stored one once issued, made from today's figures for a draft; a
    broken Word template is a ValidationError naming it."""
    stored = _stored(row.docx) if row.is_issued else None
    if stored is not None:
        return stored
    try:
        return document.render_docx(queries.spec_of(row), queries.shown_figures(row))
    except document.TemplateBroken as exc:
        raise ValidationError({"__all__": [str(exc)]}) from exc


def pdf_bytes(row: Bulletin) -> bytes:
    """The PDF, like :func:`docx_bytes`; a missing CJK font is a ValidationError naming it."""
    stored = _stored(row.pdf) if row.is_issued else None
    if stored is not None:
        return stored
    try:
        return document.render_pdf(queries.spec_of(row), queries.shown_figures(row))
    except document.FontMissing as exc:
        raise ValidationError(
            {"__all__": [_("The PDF cannot be made: %(reason)s") % {"reason": exc}]}
        ) from exc


def _attachment(data: bytes, name: str, content_type: str) -> HttpResponse:
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(True, name)
    return response


def docx_response(row: Bulletin) -> HttpResponse:
    return _attachment(docx_bytes(row), _download_name(row, "docx"), DOCX)


def pdf_response(row: Bulletin) -> HttpResponse:
    return _attachment(pdf_bytes(row), _download_name(row, "pdf"), PDF)


# --- list -----------------------------------------------------------------------------


def _before(request: HttpRequest) -> int | None:
    raw = request.GET.get("before", "")
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 12 else None


@login_required
def bulletin_list(request: HttpRequest) -> HttpResponse:
    """Bulletins, newest first: status, number, title, period, issued at."""
    if not _may_read(request.user):
        raise PermissionDenied(_("You may not see the bulletins."))
    status = request.GET.get("status", "")
    archived = request.GET.get("archived") == "1" and queries.may_see_drafts(request.user)
    qs = queries.listed(
        queries.bulletins_visible_to(request.user), status=status, archived=archived
    )
    rows, following = queries.newest_first_page(qs, before=_before(request), limit=PER_PAGE)
    context = {
        "bulletins": rows,
        "following": following,
        "status": status if status in BulletinStatus.values else "",
        "statuses": BulletinStatus.choices,
        "archived": archived,
        "may_write": services.may_write(request.user),
        "sees_drafts": queries.may_see_drafts(request.user),
    }
    return render(request, "stats/bulletin_list.html", context)


# --- the draft form -------------------------------------------------------------------


def _initial(request: HttpRequest) -> dict[str, Any]:
    """A new draft's values: the period and filters of the link that led here (a
    dashboard's), else this month so far; the issuer and title of the last bulletin."""
    today = timezone.localdate()
    try:
        f = parse_filter(request.GET, default_start=today.replace(day=1), default_end=today)
    except ValidationError:
        f = parse_filter({}, default_start=today.replace(day=1), default_end=today)
    last = Bulletin.objects.order_by("-pk").first()
    initial = {
        **BulletinForm.initial_for(f),
        "issuer": services.default_issuer(),
        "title": last.title if last else "",
    }
    session = request.GET.get("session", "")
    if session.isascii() and session.isdigit() and len(session) < 12:
        initial["session"] = int(session)
    return initial


def _save_values(data: dict[str, Any]) -> dict[str, Any]:
    return {
        "filter": data["filter"],
        "session": data.get("session"),
        "number": data.get("number", ""),
        "title": data["title"],
        "issuer": data["issuer"],
        "problems_text": data.get("problems_text", ""),
        "requirements_text": data.get("requirements_text", ""),
    }


def _form_page(
    request: HttpRequest, form: BulletinForm, row: Bulletin | None, status: int = 200
) -> HttpResponse:
    context = {
        "form": form,
        "bulletin": row,
        "cancel_url": bulletin_url(row) if row else reverse("stats:bulletin_list"),
    }
    return render(request, "stats/bulletin_form.html", context, status=status)


@login_required
def bulletin_new(request: HttpRequest) -> HttpResponse:
    """The office drafts a bulletin."""
    services.require_office(request.user)
    if request.method != "POST":
        form = BulletinForm(initial=_initial(request), narrow_sessions="start" in request.GET)
        return _form_page(request, form, None)
    form = BulletinForm(request.POST)
    if form.is_valid():
        try:
            row = services.bulletin_create(user=request.user, **_save_values(form.cleaned_data))
        except ValidationError as exc:
            form.add_service_error(exc)
        else:
            messages.success(request, _("The draft is saved. Check its figures, then issue it."))
            return redirect(bulletin_url(row))
    return _form_page(request, form, None, status=400)


@login_required
def bulletin_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """The office changes a draft; an issued bulletin is never changed."""
    row = _bulletin_or_404(request, pk)
    services.require_office(request.user)
    if row.is_issued:
        messages.error(request, error_text(services.AlreadyIssued(row)))
        return redirect(bulletin_url(row))
    if request.method != "POST":
        initial = {
            **BulletinForm.initial_for(services.filter_of(row)),
            "session": row.session_id,
            "number": row.number,
            "title": row.title,
            "issuer": row.issuer,
            "problems_text": row.problems_text,
            "requirements_text": row.requirements_text,
        }
        return _form_page(request, BulletinForm(initial=initial), row)
    form = BulletinForm(request.POST)
    if form.is_valid():
        try:
            services.bulletin_update(
                user=request.user, bulletin=row, **_save_values(form.cleaned_data)
            )
        except ValidationError as exc:
            form.add_service_error(exc)
        else:
            messages.success(request, _("Saved."))
            return redirect(bulletin_url(row))
    return _form_page(request, form, row, status=400)


# --- a bulletin -----------------------------------------------------------------------


def _session_label(row: Bulletin, figures: dict[str, Any]) -> str:
    if row.session is not None:
        return row.session.date.isoformat()
    value = figures.get("session_date") if isinstance(figures, dict) else None
    return str(value) if value else ""


def _headline(figures: dict[str, Any]) -> dict[str, str]:
    """Person-times and funds as the bulletin's opening sentence writes them ("6300余人次")."""
    shown: dict[str, str] = {}
    if isinstance(figures.get("person_times"), int):
        shown["person_times"] = official_count(figures["person_times"])
    if isinstance(figures.get("funds_fen"), int):
        shown["funds"] = official_round(figures["funds_fen"])
    return shown


#: Fields whose changes the history on the page leaves out (shown elsewhere on it).
HISTORY_HIDDEN = frozenset({"figures", "docx", "pdf", "updated_at", "issued_at", "filters"})


def _history(row: Bulletin) -> list[Any]:
    entries = history_of(row)
    for entry in entries:
        entry.changes = [c for c in entry.changes if c.name not in HISTORY_HIDDEN]
    return entries


@login_required
def bulletin_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A draft with its live figures, or an issued bulletin with its frozen figures and,
    for the office and leaders, what the data would now give differently."""
    row = _bulletin_or_404(request, pk)
    sees_drafts = queries.may_see_drafts(request.user)
    if sees_drafts:
        figures, changes = queries.figures_and_differences(row)
    else:
        figures, changes = queries.shown_figures(row), []
    f = services.filter_of(row)
    context = {
        "bulletin": row,
        "figures": figures,
        "headline": _headline(figures),
        "differences": changes,
        "shows_differences": sees_drafts and row.is_issued,
        "filter_names": filter_names(f),
        "session_label": _session_label(row, figures),
        "may_write": services.may_write(request.user),
        "history": _history(row) if sees_drafts else None,
    }
    return render(request, "stats/bulletin_detail.html", context)


@login_required
def bulletin_issue(request: HttpRequest, pk: int) -> HttpResponse:
    """GET asks the office to confirm; POST issues, or shows why it cannot (400)."""
    row = _bulletin_or_404(request, pk)
    services.require_office(request.user)
    if row.is_issued:
        messages.info(request, error_text(services.AlreadyIssued(row)))
        return redirect(bulletin_url(row))
    error = None
    if request.method == "POST":
        try:
            services.bulletin_issue(user=request.user, bulletin=row)
        except ValidationError as exc:
            error = error_text(exc)
        else:
            messages.success(
                request,
                _("%(bulletin)s is issued: its figures and documents are kept as they are now.")
                % {"bulletin": row},
            )
            return redirect(bulletin_url(row))
    context = {"bulletin": row, "error": error, "today": timezone.localdate()}
    return render(request, "stats/bulletin_issue.html", context, status=400 if error else 200)


@login_required
@require_POST
def bulletin_archive(request: HttpRequest, pk: int) -> HttpResponse:
    """Put a draft away (restore brings it back)."""
    row = _bulletin_or_404(request, pk)
    try:
        services.bulletin_archive(user=request.user, bulletin=row)
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, _("The draft is archived."))
    return redirect(bulletin_url(row))


@login_required
@require_POST
def bulletin_restore(request: HttpRequest, pk: int) -> HttpResponse:
    row = _bulletin_or_404(request, pk)
    try:
        services.bulletin_restore(user=request.user, bulletin=row)
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, _("The draft is back in the list."))
    return redirect(bulletin_url(row))


def _download(request: HttpRequest, pk: int, respond: Any) -> HttpResponse:
    """A document, or back to the bulletin's page with the reason it cannot be made."""
    row = _bulletin_or_404(request, pk)
    try:
        response: HttpResponse = respond(row)
    except ValidationError as exc:
        messages.error(request, error_text(exc))
        return redirect(bulletin_url(row))
    return response


@login_required
def bulletin_docx(request: HttpRequest, pk: int) -> HttpResponse:
    return _download(request, pk, docx_response)


@login_required
def bulletin_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    return _download(request, pk, pdf_response)


@login_required
def bulletin_brief(request: HttpRequest, pk: int) -> HttpResponse:
    """The work brief (工作简报) with a copy button."""
    row = _bulletin_or_404(request, pk)
    text = work_brief(queries.spec_of(row), queries.shown_figures(row))
    context = {"bulletin": row, "text": text}
    return render(request, "stats/brief.html", context)
