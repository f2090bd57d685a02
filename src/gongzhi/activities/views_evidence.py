"""The city office's page of evidence flags: both photos side by side, and a review.

Office only (login required; every other role 403). Thin: the list comes from
``queries_evidence``, the one write from ``services_evidence.evidence_flag_review``.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from gongzhi.activities import queries_evidence as queries
from gongzhi.activities import services_evidence as services
from gongzhi.activities.models import ActivityPhoto, EvidenceFlag, FlagKind
from gongzhi.activities.queries_evidence import FlagStatus
from gongzhi.core.forms import BootstrapForm
from gongzhi.core.scoping import scope_of


def _office_only(request: HttpRequest) -> None:
    if not scope_of(request.user).is_office:
        raise PermissionDenied(_("Only the city office sees evidence flags."))


class FlagFilterForm(BootstrapForm):
    status = forms.ChoiceField(
        label=gettext_lazy("Status"),
        required=False,
        choices=[
            (FlagStatus.OPEN, gettext_lazy("Open")),
            (FlagStatus.REVIEWED, gettext_lazy("Reviewed")),
        ],
    )
    kind = forms.ChoiceField(
        label=gettext_lazy("Kind"),
        required=False,
        choices=[("", gettext_lazy("Any kind")), *FlagKind.choices],
    )


def _photo_url(photo: ActivityPhoto | None, variant: str) -> str:
    """The address of one of the photo's files, or "" while the photo view is not installed."""
    if photo is None:
        return ""
    try:
        return reverse("activities:photo", args=[photo.pk, variant])
    except NoReverseMatch:
        return ""


def _photo_cell(photo: ActivityPhoto | None) -> dict[str, Any] | None:
    if photo is None:
        return None
    return {
        "photo": photo,
        "thumb_url": _photo_url(photo, "thumb"),
        "original_url": _photo_url(photo, "original"),
    }


def _row(flag: EvidenceFlag) -> dict[str, Any]:
    return {"flag": flag, "photo": _photo_cell(flag.photo), "other": _photo_cell(flag.other)}


@login_required
def flags(request: HttpRequest) -> HttpResponse:
    """Open (or reviewed) evidence flags, newest first, one keyset page at a time."""
    _office_only(request)
    form = FlagFilterForm(request.GET)
    context: dict[str, Any] = {"form": form, "rows": [], "status": FlagStatus.OPEN}
    if not form.is_valid():
        return render(request, "activities/flags.html", context, status=400)
    status = form.cleaned_data["status"] or FlagStatus.OPEN
    kind = form.cleaned_data["kind"]
    page = queries.flags_page(
        queries.flags_listed(request.user, status=status, kind=kind),
        status=status,
        cursor=request.GET.get("cursor"),
    )
    filters = {k: v for k, v in (("status", status), ("kind", kind)) if v}
    context.update(
        rows=[_row(flag) for flag in page.items],
        status=status,
        hash_limit=queries.hash_distance_limit(),
        days_limit=queries.max_days_from_session(),
        here=request.get_full_path(),
        tabs=[
            {
                "status": value,
                "label": label,
                "url": "?" + urlencode({**filters, "status": value}),
                "active": value == status,
            }
            for value, label in (
                (FlagStatus.OPEN, _("To review")),
                (FlagStatus.REVIEWED, _("Reviewed")),
            )
        ],
        first_url="?" + urlencode(filters) if request.GET.get("cursor") else None,
        next_url=(
            "?" + urlencode({**filters, "cursor": page.next_cursor}) if page.next_cursor else None
        ),
    )
    return render(request, "activities/flags.html", context)


def _back(request: HttpRequest) -> str:
    """Where the list was (same filters and page), or the list itself."""
    target = request.POST.get("next", "")
    flags_url = reverse("activities:flags")
    if (
        target.startswith(flags_url)
        and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()})
        and "\\" not in target
    ):
        return target
    return flags_url


@login_required
@require_POST
def flag_review(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark one flag reviewed with a note; it then leaves the open list."""
    _office_only(request)
    try:
        flag = services.evidence_flag_review(request.user, pk, request.POST.get("note", ""))
    except ValidationError as exc:
        fields = {"note": _("Review note"), "flag": _("Flag")}
        errors = exc.message_dict if hasattr(exc, "error_dict") else {"": exc.messages}
        for field, texts in errors.items():
            text = " ".join(texts)
            label = fields.get(field)
            messages.error(
                request,
                _("Flag %(id)s — %(field)s: %(errors)s")
                % {"id": pk, "field": label, "errors": text}
                if label
                else text,
            )
    else:
        messages.success(request, _("Flag %(id)s is marked reviewed.") % {"id": flag.pk})
    return redirect(_back(request))
