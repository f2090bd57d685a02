"""Pages of the funds ledger under /sessions/funds/. Thin: read through
:mod:`queries_funds`, write through :mod:`services_funds`."""

from __future__ import annotations

import csv
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from gongzhi.activities import queries_funds, services_funds
from gongzhi.activities.forms_funds import (
    ArchiveForm,
    ContributionEditForm,
    ContributionForm,
    FundsFilterForm,
)
from gongzhi.activities.models import Contribution
from gongzhi.core.exports import csv_cell
from gongzhi.core.money import format_wan, format_yuan, parse_money
from gongzhi.core.scoping import get_visible_or_404
from gongzhi.core.views_helpers import error_text, wants_archived
from gongzhi.core.xlsx import Column, Table, form_filters, xlsx_response

#: Service argument names → the form fields that hold them.
FIELD_NAMES = {"unit_code": "unit", "community_code": "community"}
CSV_GROUPS = ("unit", "community", "month")


def _contribution_or_404(request: HttpRequest, pk: int) -> Contribution:
    return get_visible_or_404(
        queries_funds.contributions_visible_to(request.user, include_archived=True), pk=pk
    )


def _posted(request: HttpRequest) -> Any:
    """The POST data of a POST (even an empty one), else None: an unbound form."""
    return request.POST if request.method == "POST" else None


def _page_urls(request: HttpRequest, next_cursor: str | None) -> dict[str, str | None]:
    params = {k: v for k, v in request.GET.items() if k != "cursor" and v}
    first = "?" + urlencode(params) if request.GET.get("cursor") else None
    nxt = "?" + urlencode({**params, "cursor": next_cursor}) if next_cursor else None
    return {"first_url": first, "next_url": nxt}


def photo_url(photo_pk: int, kind: str) -> str | None:
    """The URL of a stored activity photo, once the photo page exists."""
    try:
        return reverse("activities:photo", kwargs={"pk": photo_pk, "kind": kind})
    except NoReverseMatch:
        return None


def _filters(request: HttpRequest) -> tuple[FundsFilterForm, queries_funds.FundsFilter | None]:
    form = FundsFilterForm(request.GET, user=request.user)
    if not form.is_valid():
        return form, None
    data = form.cleaned_data
    return form, queries_funds.FundsFilter(
        unit=data["unit"],
        community=data["community"],
        start=data["start"],
        end=data["end"],
        include_archived=wants_archived(request),
    )


@login_required
def funds_ledger(request: HttpRequest) -> HttpResponse:
    """The funds ledger: contributions in scope, newest first, filtered by unit,
    community and period, with the total of everything the filter selects."""
    form, filters = _filters(request)
    context: dict[str, Any] = {
        "form": form,
        "archived": wants_archived(request),
        "may_record": services_funds.may_record_contributions(request.user),
        "rows": [],
    }
    if filters is None:
        return render(request, "activities/funds_ledger.html", context, status=400)
    qs = queries_funds.contributions_filtered(request.user, filters)
    page = queries_funds.contributions_page(
        queries_funds.with_links(qs), cursor=request.GET.get("cursor")
    )
    totals = queries_funds.totals_of(qs, groups=False)
    context.update(
        rows=[{"c": c, "yuan": format_yuan(c.amount_fen)} for c in page.items],
        total_count=totals.count,
        total_yuan=format_yuan(totals.fen),
        total_wan=format_wan(totals.fen),
        totals_url=_with_query(reverse("activities:funds_totals"), _query(request)),
        **_page_urls(request, page.next_cursor),
    )
    return render(request, "activities/funds_ledger.html", context)


def _query(request: HttpRequest, **changes: str) -> str:
    params = {k: v for k, v in request.GET.items() if k not in ("cursor", "format", "by") and v}
    params.update(changes)
    return urlencode(params)


def _with_query(url: str, query: str) -> str:
    return f"{url}?{query}" if query else url


@login_required
def funds_new(request: HttpRequest) -> HttpResponse:
    """Record a contribution (phone-sized): the unit liaison for their unit, the office
    for any."""
    if not services_funds.may_record_contributions(request.user):
        raise PermissionDenied(_("You may not record contributions."))
    initial = {k: request.GET[k] for k in ("unit", "community") if request.GET.get(k)}
    form = ContributionForm(
        _posted(request), request.FILES or None, user=request.user, initial=initial
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            contribution = services_funds.contribution_record(
                user=request.user,
                unit_code=data["unit"],
                community_code=data["community"],
                date=data["date"],
                amount=data["amount"],
                purpose=data["purpose"],
                problem_numbers=data["problem_numbers"],
                receipts=request.FILES.getlist("receipts"),
                allow_duplicate=data["allow_duplicate"],
            )
        except ValidationError as exc:
            form.add_service_error(exc, FIELD_NAMES)
        else:
            messages.success(
                request,
                _("Recorded %(yuan)s yuan (%(wan)s).")
                % {
                    "yuan": format_yuan(contribution.amount_fen),
                    "wan": format_wan(contribution.amount_fen),
                },
            )
            return redirect("activities:funds_detail", pk=contribution.pk)
    context = {
        "form": form,
        "title": _("New contribution"),
        "cancel_url": reverse("activities:funds"),
        "parsed": _parsed(form),
        "receipts_dropped": request.method == "POST" and bool(request.FILES.getlist("receipts")),
    }
    return render(
        request,
        "activities/funds_form.html",
        context,
        status=400 if request.method == "POST" else 200,
    )


def _parsed(form: Any) -> dict[str, str] | None:
    """The amount a bound form read, to show back next to the field."""
    if not form.is_bound:
        return None
    text = str(form.data.get("amount") or "")
    try:
        fen = parse_money(text)
    except ValidationError:
        return None
    return {"yuan": format_yuan(fen), "wan": format_wan(fen)}


@require_GET
@login_required
def funds_amount(request: HttpRequest) -> HttpResponse:
    """The amount typed so far, read back (htmx): "= 80,000.00 yuan (8万元)" or why not."""
    text = request.GET.get("amount", "")
    context: dict[str, Any] = {"empty": not text.strip()}
    if text.strip():
        try:
            fen = parse_money(text)
        except ValidationError as exc:
            context["error"] = error_text(exc)
        else:
            context.update(yuan=format_yuan(fen), wan=format_wan(fen))
    return render(request, "activities/funds_amount.html", context)


@login_required
def funds_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A contribution with its problems, receipts and history."""
    contribution = _contribution_or_404(request, pk)
    user = request.user
    photos = [
        {
            "photo": photo,
            "thumb": photo_url(photo.pk, "thumb"),
            "public": photo_url(photo.pk, "public"),
        }
        for photo in contribution.photos.all()
    ]
    history = [
        {
            "entry": entry,
            "changes": [
                {
                    "field": _field_label(change.field),
                    "old": _shown(change.field, change.old),
                    "new": _shown(change.field, change.new),
                }
                for change in entry.changes
            ],
            "what": _kind_label(entry.kind),
        }
        for entry in queries_funds.contribution_history(contribution)
    ]
    context = {
        "c": contribution,
        "yuan": format_yuan(contribution.amount_fen),
        "wan": format_wan(contribution.amount_fen),
        "problems": list(contribution.problems.order_by("number").only("id", "number", "title")),
        "photos": photos,
        "history": history,
        "may_change": services_funds.may_change(user, contribution)
        and contribution.archived_at is None,
        "may_restore": services_funds.may_restore(user, contribution),
        "editable_until": timezone.localtime(services_funds.editable_until(contribution)),
        "in_window": services_funds.in_edit_window(contribution),
    }
    return render(request, "activities/funds_detail.html", context)


def _field_label(name: str) -> str:
    labels = {
        "community": _("Community"),
        "date": _("Date"),
        "amount_fen": _("Amount (yuan)"),
        "purpose": _("Purpose"),
        "problems": _("Problems"),
    }
    return labels.get(name, name)


def _kind_label(kind: str) -> str:
    kinds = {
        "created": _("created"),
        "changed": _("changed"),
        "archived": _("archived"),
        "restored": _("restored"),
    }
    return kinds.get(kind, kind)


def _shown(field: str, value: Any) -> str:
    if value is None or value == "":
        return "—"
    if field == "amount_fen":
        return format_yuan(int(value))
    if field == "problems":
        return ", ".join(str(v) for v in value) or "—"
    return str(value)


@login_required
def funds_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Change a contribution: its unit in the edit window, the office always (after the
    window with a reason)."""
    contribution = _contribution_or_404(request, pk)
    user = request.user
    if not services_funds.may_change(user, contribution) or contribution.archived_at:
        raise PermissionDenied(_("You may not change this contribution."))
    initial = {
        "community": contribution.community.code,
        "date": contribution.date,
        "amount": format_yuan(contribution.amount_fen),
        "purpose": contribution.purpose,
        "problem_numbers": ", ".join(
            contribution.problems.order_by("number").values_list("number", flat=True)
        ),
    }
    form = ContributionEditForm(
        _posted(request),
        request.FILES or None,
        user=user,
        reason_required=services_funds.reason_required(user, contribution),
        current=contribution.community,
        initial=initial,
    )
    detail = reverse("activities:funds_detail", kwargs={"pk": contribution.pk})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services_funds.contribution_update(
                user=user,
                contribution=contribution,
                community_code=data["community"],
                date=data["date"],
                amount=data["amount"],
                purpose=data["purpose"],
                problem_numbers=data["problem_numbers"],
                receipts=request.FILES.getlist("receipts"),
                reason=data.get("reason") or "",
            )
        except ValidationError as exc:
            form.add_service_error(exc, FIELD_NAMES)
        else:
            messages.success(request, _("Saved."))
            return redirect(detail)
    context = {
        "form": form,
        "title": _("Change contribution no. %(id)d") % {"id": contribution.pk},
        "cancel_url": detail,
        "parsed": _parsed(form),
        "contribution": contribution,
        "receipts_dropped": request.method == "POST" and bool(request.FILES.getlist("receipts")),
    }
    return render(
        request,
        "activities/funds_form.html",
        context,
        status=400 if request.method == "POST" else 200,
    )


@login_required
def funds_archive(request: HttpRequest, pk: int) -> HttpResponse:
    """Confirm, then take a contribution out of every total (it stays, with its history)."""
    contribution = _contribution_or_404(request, pk)
    user = request.user
    if not services_funds.may_change(user, contribution) or contribution.archived_at:
        raise PermissionDenied(_("You may not archive this contribution."))
    needs_reason = services_funds.reason_required(user, contribution)
    form = ArchiveForm(_posted(request), reason_required=needs_reason)
    detail = reverse("activities:funds_detail", kwargs={"pk": contribution.pk})
    if request.method == "POST" and form.is_valid():
        try:
            services_funds.contribution_archive(
                user=user, contribution=contribution, reason=form.cleaned_data["reason"]
            )
        except ValidationError as exc:
            form.add_service_error(exc)
        else:
            messages.success(request, _("Archived: it no longer counts in any total."))
            return redirect(detail)
    context = {
        "c": contribution,
        "yuan": format_yuan(contribution.amount_fen),
        "form": form,
        "back_url": detail,
    }
    status = 400 if request.method == "POST" else 200
    return render(request, "activities/funds_archive.html", context, status=status)


@require_POST
@login_required
def funds_restore(request: HttpRequest, pk: int) -> HttpResponse:
    contribution = _contribution_or_404(request, pk)
    services_funds.contribution_restore(user=request.user, contribution=contribution)
    messages.success(request, _("Restored: it counts in the totals again."))
    return redirect("activities:funds_detail", pk=contribution.pk)


@login_required
def funds_totals(request: HttpRequest) -> HttpResponse:
    """Totals of the contributions in scope by unit, community and month for the filter;
    ``?format=csv&by=unit|community|month`` downloads one of the tables."""
    form, filters = _filters(request)
    context: dict[str, Any] = {"form": form}
    if filters is None:
        return render(request, "activities/funds_totals.html", context, status=400)
    qs = queries_funds.contributions_filtered(request.user, filters)
    totals = queries_funds.totals_of(qs)
    if request.GET.get("format") == "csv":
        by = request.GET.get("by", "unit")
        return _totals_csv(totals, by if by in CSV_GROUPS else "unit", filters)
    if request.GET.get("format") == "xlsx":
        by = request.GET.get("by", "")
        return _totals_xlsx(totals, [by] if by in CSV_GROUPS else list(CSV_GROUPS), form, filters)
    context.update(
        totals=totals,
        total_yuan=format_yuan(totals.fen),
        total_wan=format_wan(totals.fen),
        tables=[
            {
                "by": by,
                "heading": heading,
                "rows": [
                    {"total": t, "yuan": format_yuan(t.fen)} for t in getattr(totals, f"by_{by}")
                ],
                "csv_url": "?" + _query(request, format="csv", by=by),
                "xlsx_url": "?" + _query(request, format="xlsx", by=by),
                "link": by,
            }
            for by, heading in (
                ("unit", _("By unit")),
                ("community", _("By community")),
                ("month", _("By month")),
            )
        ],
        ledger_url=_with_query(reverse("activities:funds"), _query(request)),
        xlsx_url="?" + _query(request, format="xlsx"),
    )
    return render(request, "activities/funds_totals.html", context)


def _file_period(filters: queries_funds.FundsFilter) -> str:
    return "-".join(d.strftime("%Y%m%d") for d in (filters.start, filters.end) if d is not None)


def _totals_xlsx(
    totals: queries_funds.Totals,
    groups: list[str],
    form: FundsFilterForm,
    filters: queries_funds.FundsFilter,
) -> HttpResponse:
    """The totals by unit, community and/or month as a formatted workbook, one sheet each."""
    key_heading = {"unit": _("Credit code"), "community": _("Community code"), "month": _("Month")}
    name_heading = {"unit": _("Unit"), "community": _("Community"), "month": _("Month")}
    titles = {"unit": _("By unit"), "community": _("By community"), "month": _("By month")}
    tables = []
    for by in groups:
        columns = [
            Column(key_heading[by]),
            Column(name_heading[by]),
            Column(_("Contributions"), "int", total=True),
            Column(_("Amount (yuan)"), "yuan", total=True),
        ]
        if by == "month":
            columns = [columns[0], *columns[2:]]
            rows = [[t.key, t.count, t.fen] for t in totals.by_month]
        else:
            rows = [[t.key, t.name, t.count, t.fen] for t in getattr(totals, f"by_{by}")]
        tables.append(
            Table(
                title=f"{_('Funds totals')} · {titles[by]}",
                sheet_name=titles[by],
                columns=columns,
                rows=rows,
            )
        )
    period = _file_period(filters)
    name = f"funds-by-{'-'.join(groups) if len(groups) == 1 else 'all'}"
    name += f"-{period}.xlsx" if period else ".xlsx"
    return xlsx_response(name, tables, filters=form_filters(form))


def _totals_csv(
    totals: queries_funds.Totals, by: str, filters: queries_funds.FundsFilter
) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    period = "-".join(d.strftime("%Y%m%d") for d in (filters.start, filters.end) if d is not None)
    name = f"funds-by-{by}{'-' + period if period else ''}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response.write("\ufeff")  # a BOM, so that spreadsheet programs read the Chinese as UTF-8
    writer = csv.writer(response)
    key_heading = {"unit": _("Credit code"), "community": _("Community code"), "month": _("Month")}
    name_heading = {"unit": _("Unit"), "community": _("Community"), "month": _("Month")}
    writer.writerow(
        [key_heading[by], name_heading[by], _("Contributions"), _("Amount (yuan)"), _("Fen")]
    )
    for t in getattr(totals, f"by_{by}"):
        yuan = format_yuan(t.fen).replace(",", "")
        writer.writerow([csv_cell(v) for v in (t.key, t.name, t.count, yuan, t.fen)])
    writer.writerow(
        [
            csv_cell(v)
            for v in (
                _("Total"),
                "",
                totals.count,
                format_yuan(totals.fen).replace(",", ""),
                totals.fen,
            )
        ]
    )
    return response
