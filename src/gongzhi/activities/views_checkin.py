"""Pages of check-in, check-out, volunteer hours and certificates under /sessions/.

- ``checkin_qr``: the printable QR code of a session in a community;
- ``checkin``: the phone page a member reaches by scanning it;
- ``checkin_table``: declared headcount against check-ins per unit, with the
  community's certification of check-outs;
- ``my_checkins``, ``unit_hours``, ``hours_export``: hours of a member, of a unit's
  members, and the export for the national volunteer information system;
- certificates: issue, read (ID masked) and download as DOCX or PDF.

Thin: reads through ``queries_checkin``, writes through ``services_checkin``.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from gongzhi.activities import certificates
from gongzhi.activities import queries_checkin as queries
from gongzhi.activities import services_checkin as services
from gongzhi.activities.forms_checkin import (
    CertificateIssueForm,
    HoursFilterForm,
    LocationForm,
    PeriodForm,
)
from gongzhi.activities.models import CheckIn, VolunteerCertificate
from gongzhi.activities.queries import expected_pairings
from gongzhi.areas.models import Community
from gongzhi.areas.queries import communities_visible_to
from gongzhi.campaigns.models import Session, SessionStatus
from gongzhi.campaigns.queries import sessions_visible_to
from gongzhi.core.codes import normalise_code
from gongzhi.core.models import Role
from gongzhi.core.pagination import keyset_page
from gongzhi.core.scoping import Scope, get_visible_or_404, scope_of
from gongzhi.core.views_helpers import error_text

#: Roles that read the check-in table of a session (their rows only).
TABLE_ROLES = (Role.OFFICE, Role.LEADER, Role.DISTRICT, Role.STREET, Role.COMMUNITY, Role.UNIT)
CHECKINS_PER_PAGE = 200


def _safe_next(request: HttpRequest, fallback: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


def _service_errors(exc: ValidationError) -> list[str]:
    if hasattr(exc, "error_dict"):
        return [str(m) for errors in exc.error_dict.values() for e in errors for m in e.messages]
    return [str(m) for m in exc.messages]


# --- the QR code ------------------------------------------------------------------------


def _area_staff_of(scope: Scope, community: Community) -> bool:
    return (
        community.pk in scope.community_ids
        or community.street_id in scope.street_ids
        or community.street.district_id in scope.district_ids
    )


def _session_and_community(
    request: HttpRequest, session_id: int, community_code: str
) -> tuple[Session, Community]:
    session = get_visible_or_404(sessions_visible_to(request.user), pk=session_id)
    community = get_visible_or_404(
        communities_visible_to(request.user).filter(campaigns=session.campaign_id),
        code=normalise_code(community_code),
    )
    return session, community


@login_required
def checkin_qr(request: HttpRequest, session_id: int, community_code: str) -> HttpResponse:
    """The QR code members scan at a session in a community, to show or print.

    For the community's staff (and their street and district), the office, and the
    liaisons of units expected there that day."""
    session, community = _session_and_community(request, session_id, community_code)
    scope = scope_of(request.user)
    paired = bool(scope.unit_ids) and (
        expected_pairings(session.date, [community.pk]).filter(unit_id__in=scope.unit_ids).exists()
    )
    if not (scope.is_office or _area_staff_of(scope, community) or paired):
        raise PermissionDenied(
            _(
                "The QR code is for the community's staff, the city office and the liaisons "
                "of units expected there."
            )
        )
    context: dict[str, Any] = {
        "session": session,
        "community": community,
        "window": services.checkin_window(session),
        "margin": services.margin_m(),
        "has_outline": services.distance_outside_m(0, 0, community.outline) is not None,
        "held": session.status == SessionStatus.SCHEDULED,
    }
    if context["held"]:
        token = services.checkin_token(session, community)
        url = request.build_absolute_uri(reverse("activities:checkin", args=[token]))
        qr = segno.make(url, error="m")
        context.update(
            url=url,
            # segno writes the SVG itself from the URL: nothing of the request is echoed raw.
            qr_svg=mark_safe(qr.svg_inline(scale=6, border=2)),  # noqa: S308
        )
    return render(request, "activities/checkin_qr.html", context)


# --- checking in and out -----------------------------------------------------------------


@login_required
def checkin(request: HttpRequest, token: str) -> HttpResponse:
    """The page a member reaches by scanning the QR code: check in with their location,
    or, when already checked in, check out."""
    member = queries.member_of(request.user)
    if member is None:
        return render(request, "activities/checkin_no_member.html", status=403)
    target = services.checkin_token_peek(token)
    existing = (
        CheckIn.objects.select_related("session__campaign", "community")
        .filter(session=target.session, member=member)
        .first()
        if target
        else None
    )
    errors: list[str] = []
    status = 200
    if request.method == "POST" and existing is None:
        form = LocationForm(request.POST)
        form.is_valid()
        data = form.cleaned_data
        try:
            services.checkin_record(
                request.user, token, data.get("lat"), data.get("lng"), data.get("accuracy")
            )
        except services.AlreadyCheckedIn:
            pass
        except ValidationError as exc:
            errors = _service_errors(exc)
            status = 400
        else:
            messages.success(request, _("You are checked in. Check out here when you leave."))
            return redirect("activities:checkin", token=token)
    refusal = ""
    if existing is None and not errors:
        try:
            services.checkin_token_read(token)
        except ValidationError as exc:
            refusal = error_text(exc)
            status = 400
    context = {
        "token": token,
        "member": member,
        "target": target,
        "existing": existing,
        "errors": errors,
        "refusal": refusal,
        "margin": services.margin_m(),
    }
    return render(request, "activities/checkin.html", context, status=status)


@login_required
@require_POST
def checkin_checkout(request: HttpRequest, checkin_id: int) -> HttpResponse:
    """Check out (from the check-in page or the member's page); back to where it came from."""
    back = _safe_next(request, reverse("activities:my_checkins"))
    form = LocationForm(request.POST)
    form.is_valid()
    data = form.cleaned_data
    try:
        done = services.checkin_checkout(
            request.user, checkin_id, data.get("lat") or None, data.get("lng") or None
        )
    except ValidationError as exc:
        for message in _service_errors(exc):
            messages.error(request, message)
    else:
        messages.success(
            request,
            _("You are checked out: %(hours)s hours, counted once the community certifies them.")
            % {"hours": services.hours_text(done.hours or Decimal(0))},
        )
    return redirect(back)


# --- the session's check-in table ----------------------------------------------------------


@login_required
def checkin_table(request: HttpRequest, session_id: int) -> HttpResponse:
    """Per unit: declared headcount against checked-in members (large gaps flagged), and
    the check-ins, which the community's staff certify."""
    scope = scope_of(request.user)
    session = get_visible_or_404(sessions_visible_to(request.user), pk=session_id)
    if not scope.has(*TABLE_ROLES):
        raise PermissionDenied(_("Check-ins of a session are for staff and unit liaisons."))
    community_code = normalise_code(request.GET.get("community", ""))
    community = None
    if community_code:
        community = get_visible_or_404(communities_visible_to(request.user), code=community_code)
    gaps = queries.headcount_gaps(session, user=request.user)
    if community is not None:
        gaps = [g for g in gaps if g.community_id == community.pk]
    checkins = queries.session_checkins(session, user=request.user)
    if community is not None:
        checkins = checkins.filter(community=community)
    page = keyset_page(
        checkins, key="pk", cursor=request.GET.get("cursor"), limit=CHECKINS_PER_PAGE
    )
    window = services.checkin_window(session)
    certifiable = set(scope.community_ids)
    rows = [
        {
            "checkin": c,
            "late": c.checked_out_at is not None and c.checked_out_at > window.closes,
            "may_certify": c.community_id in certifiable
            and c.checked_out_at is not None
            and c.certified_at is None,
        }
        for c in page.items
    ]
    communities = {g.community_code: g.community_name for g in gaps}
    params = {"community": community_code} if community_code else {}
    context = {
        "session": session,
        "community": community,
        "gaps": gaps,
        "flagged": sum(1 for g in gaps if g.flagged),
        "rows": rows,
        "ratio_percent": round(queries.gap_ratio() * 100),
        "communities": sorted(communities.items()),
        "certify_communities": [
            code
            for code, _name in sorted(communities.items())
            if any(g.community_id in certifiable for g in gaps if g.community_code == code)
        ],
        "any_certifiable": any(r["may_certify"] for r in rows),
        "next_url": "?" + urlencode({**params, "cursor": page.next_cursor})
        if page.next_cursor
        else None,
        "first_url": "?" + urlencode(params) if request.GET.get("cursor") else None,
    }
    return render(request, "activities/checkin_table.html", context)


@login_required
@require_POST
def checkin_certify(request: HttpRequest, session_id: int, community_code: str) -> HttpResponse:
    """The community's staff certify the ticked check-outs."""
    back = reverse("activities:checkin_table", args=[session_id])
    code = normalise_code(community_code)
    try:
        rows = services.checkin_certify(
            request.user, session_id, code, request.POST.getlist("checkin")
        )
    except ValidationError as exc:
        for message in _service_errors(exc):
            messages.error(request, message)
    else:
        messages.success(request, _("%(count)s check-ins are certified.") % {"count": len(rows)})
    return redirect(f"{back}?{urlencode({'community': code})}")


# --- hours of a member, of a unit --------------------------------------------------------


@login_required
def my_checkins(request: HttpRequest) -> HttpResponse:
    """The member's own check-ins, hours per month of a period, and certificates."""
    member = queries.member_of(request.user)
    if member is None:
        return render(request, "activities/checkin_no_member.html", status=403)
    form = PeriodForm(request.GET)
    valid = form.is_valid()
    start, end = form.cleaned_data.get("start"), form.cleaned_data.get("end")
    if not valid or start is None or end is None:
        valid = False
        start, end = _this_year()
    checkins = (
        CheckIn.objects.filter(member=member, session__date__gte=start, session__date__lte=end)
        .select_related("session__campaign", "community")
        .order_by("-session__date", "-id")[:500]
    )
    months = queries.hours_by_month(member, start, end)
    context = {
        "member": member,
        "form": form,
        "start": start,
        "end": end,
        "checkins": checkins,
        "months": months,
        "certified": queries.volunteer_hours(member, start, end),
        "pending": sum((m.pending for m in months), queries.ZERO_HOURS),
        "certificates": VolunteerCertificate.objects.filter(member=member).order_by(
            "-issued_on", "-id"
        )[:50],
    }
    return render(request, "activities/hours_member.html", context, status=200 if valid else 400)


def _this_year() -> tuple[dt.date, dt.date]:
    today = timezone.localdate()
    return dt.date(today.year, 1, 1), today


def _hours_scope(request: HttpRequest) -> Scope:
    scope = scope_of(request.user)
    if not (scope.sees_everything or (scope.has(Role.UNIT) and scope.unit_ids)):
        raise PermissionDenied(
            _("Members' hours are for the city office, leaders and unit liaisons.")
        )
    return scope


def _hours_filter(
    request: HttpRequest, scope: Scope
) -> tuple[HoursFilterForm, dict[str, Any] | None]:
    form = HoursFilterForm(request.GET, with_unit=scope.sees_everything)
    if not form.is_valid():
        return form, None
    return form, form.cleaned_data


def _members_for(request: HttpRequest, values: dict[str, Any]) -> Any:
    members = queries.hours_members_visible_to(request.user)
    unit = normalise_code(values.get("unit") or "")
    if unit:
        members = members.filter(unit__code=unit)
    return members


@login_required
def unit_hours(request: HttpRequest) -> HttpResponse:
    """Members' hours in a period (a unit liaison: their unit's; the office: all, or one
    unit), with certificates to issue and the export for the national system."""
    scope = _hours_scope(request)
    form, values = _hours_filter(request, scope)
    context: dict[str, Any] = {"form": form, "rows": [], "may_export": False}
    if values is None:
        return render(request, "activities/hours_unit.html", context, status=400)
    start, end = values["start"], values["end"]
    members = _members_for(request, values).filter(
        Q(
            pk__in=CheckIn.objects.filter(session__date__gte=start, session__date__lte=end).values(
                "member_id"
            )
        )
    )
    page = keyset_page(
        queries.members_with_hours(members, start, end), cursor=request.GET.get("cursor")
    )
    may_issue_units = set(scope.unit_ids) if not scope.is_office else None
    rows = [
        {
            "member": m,
            "id_masked": queries.mask_id_number(m.id_number),
            "may_issue": getattr(m, "certified_hours", 0) > 0
            and (may_issue_units is None or m.unit_id in may_issue_units),
        }
        for m in page.items
    ]
    params = {k: v for k, v in request.GET.items() if k != "cursor" and v}
    export = {**params, "start": start.isoformat(), "end": end.isoformat()}
    context.update(
        rows=rows,
        start=start,
        end=end,
        may_export=scope.is_office or scope.has(Role.UNIT),
        csv_url=reverse("activities:hours_export") + "?" + urlencode({**export, "format": "csv"}),
        xlsx_url=reverse("activities:hours_export") + "?" + urlencode({**export, "format": "xlsx"}),
        next_url="?" + urlencode({**params, "cursor": page.next_cursor})
        if page.next_cursor
        else None,
        first_url="?" + urlencode(params) if request.GET.get("cursor") else None,
        certificates=queries.certificates_visible_to(request.user)[:20],
    )
    return render(request, "activities/hours_unit.html", context)


def export_cell(value: Any) -> Any:
    """A cell a spreadsheet will not run as a formula: text starting with ``=``, ``+``,
    ``-``, ``@``, a tab or a carriage return gets a leading apostrophe (OWASP)."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def _export_rows(records: Any) -> Any:
    for r in records.iterator(chunk_size=2000):
        yield [
            r.member.name,
            r.member.id_number,
            r.member.volunteer_code,
            r.session.date.isoformat(),
            services.hours_text(r.hours),
            r.session.campaign.name,
            r.community.name,
            r.unit.name,
        ]


def _export_headings() -> list[str]:
    return [
        _("Name"),
        _("ID card number"),
        _("Volunteer number"),
        _("Service date"),
        _("Hours"),
        _("Service content"),
        _("Organisation (community)"),
        _("Unit"),
    ]


@login_required
def hours_export(request: HttpRequest) -> HttpResponse:
    """Certified hour records of the period for upload to the national volunteer
    information system: CSV (UTF-8 with BOM) or xlsx; the office and unit liaisons."""
    scope = _hours_scope(request)
    if not (scope.is_office or scope.has(Role.UNIT)):
        raise PermissionDenied(_("The export is for the city office and unit liaisons."))
    form, values = _hours_filter(request, scope)
    if values is None:
        context = {"form": form, "rows": []}
        return render(request, "activities/hours_unit.html", context, status=400)
    start, end = values["start"], values["end"]
    records = queries.hour_records(request.user, start, end)
    unit = normalise_code(values.get("unit") or "")
    if unit:
        records = records.filter(member__unit__code=unit)
    name = f"volunteer-hours-{start:%Y%m%d}-{end:%Y%m%d}"
    if request.GET.get("format") == "xlsx":
        return _xlsx_response(records, name)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    response.write("\ufeff")  # so that spreadsheet programs read the Chinese as UTF-8
    writer = csv.writer(response)
    writer.writerow(_export_headings())
    for row in _export_rows(records):
        writer.writerow([export_cell(v) for v in row])
    return response


def _xlsx_response(records: Any, name: str) -> HttpResponse:
    import xlsxwriter

    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False})
    sheet = workbook.add_worksheet(_("Hours"))
    bold = workbook.add_format({"bold": True})
    for column, heading in enumerate(_export_headings()):
        sheet.write_string(0, column, heading, bold)
    sheet.set_column(0, 0, 10)
    sheet.set_column(1, 2, 22)
    sheet.set_column(3, 7, 14)
    for index, row in enumerate(_export_rows(records), start=1):
        for column, value in enumerate(row):
            # Everything as text: ID numbers keep every digit, nothing runs as a formula.
            sheet.write_string(index, column, str(export_cell(value)))
    workbook.close()
    response = HttpResponse(
        buffer.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="{name}.xlsx"'
    return response


# --- certificates ----------------------------------------------------------------------------


@login_required
@require_POST
def certificate_issue(request: HttpRequest, member_id: int) -> HttpResponse:
    """Issue a certificate for a member over the period posted; then show it."""
    member = get_visible_or_404(queries.hours_members_visible_to(request.user), pk=member_id)
    back = _safe_next(request, reverse("activities:unit_hours"))
    form = CertificateIssueForm(request.POST)
    if not form.is_valid():
        for field, errors in form.errors.items():
            label = form.fields[field].label if field in form.fields else ""
            text = " ".join(str(e) for e in errors)
            messages.error(request, f"{label}: {text}" if label else text)
        return redirect(back)
    try:
        certificate = services.certificate_issue(
            request.user, member.pk, form.cleaned_data["start"], form.cleaned_data["end"]
        )
    except ValidationError as exc:
        for message in _service_errors(exc):
            messages.error(request, f"{member.name}: {message}")
        return redirect(back)
    messages.success(
        request, _("Certificate %(number)s is issued.") % {"number": certificate.number}
    )
    return redirect("activities:certificate_detail", number=certificate.number)


def _certificate(request: HttpRequest, number: str) -> VolunteerCertificate:
    return get_visible_or_404(queries.certificates_visible_to(request.user), number=number)


@login_required
def certificate_detail(request: HttpRequest, number: str) -> HttpResponse:
    """A certificate as issued, the ID number masked; downloads carry it in full."""
    certificate = _certificate(request, number)
    context = {
        "certificate": certificate,
        "content": certificates.certificate_context(certificate),
        "id_masked": queries.mask_id_number(certificate.content.get("id_number", "")),
    }
    return render(request, "activities/certificate_detail.html", context)


def _download(request: HttpRequest, number: str, kind: str) -> HttpResponse:
    certificate = _certificate(request, number)
    try:
        body, content_type = certificates.render(certificate, kind)
    except certificates.FontMissing as exc:
        context = {"certificate": certificate, "error": str(exc)}
        return render(request, "activities/certificate_error.html", context, status=503)
    response = HttpResponse(body, content_type=content_type)
    filename = certificates.file_name(certificate, kind)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
def certificate_docx(request: HttpRequest, number: str) -> HttpResponse:
    return _download(request, number, "docx")


@login_required
def certificate_pdf(request: HttpRequest, number: str) -> HttpResponse:
    return _download(request, number, "pdf")
