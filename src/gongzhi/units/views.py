"""Pages of the unit registry. Thin: read through queries, write through services."""

from __future__ import annotations

import datetime as dt
from functools import partial
from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.areas.models import Community, District
from gongzhi.core.codes import normalise_code
from gongzhi.core.forms import BootstrapForm
from gongzhi.core.history import history_of
from gongzhi.core.pagination import keyset_page
from gongzhi.core.scoping import get_visible_or_404, scope_of
from gongzhi.core.views_helpers import (
    archive_page,
    form_page,
    restore_then_redirect,
    wants_archived,
)
from gongzhi.units import permissions, queries, services
from gongzhi.units.api import filter_pairings, filter_units
from gongzhi.units.forms import (
    MemberForm,
    PairingEndForm,
    PairingForm,
    UnitContactForm,
    UnitForm,
)
from gongzhi.units.models import Member, Pairing, Unit, UnitKind

# --- shared helpers -------------------------------------------------------------------


def _page_urls(request: HttpRequest, next_cursor: str | None) -> dict[str, str | None]:
    params = {k: v for k, v in request.GET.items() if k != "cursor" and v}
    first = "?" + urlencode(params) if request.GET.get("cursor") else None
    nxt = "?" + urlencode({**params, "cursor": next_cursor}) if next_cursor else None
    return {"first_url": first, "next_url": nxt}


_form_page = partial(form_page, template="units/form.html")


def _confirm_page(request: HttpRequest, **kwargs: Any) -> HttpResponse:
    return archive_page(
        request, template="units/confirm_archive.html", done_message=_("Archived."), **kwargs
    )


def _unit_or_404(request: HttpRequest, code: str) -> Unit:
    return get_visible_or_404(
        queries.units_visible_to(request.user, include_archived=True), code=normalise_code(code)
    )


def _pairing_or_404(request: HttpRequest, pk: int) -> Pairing:
    return get_visible_or_404(
        queries.pairings_visible_to(request.user, include_archived=True), pk=pk
    )


def _member_or_404(request: HttpRequest, pk: int) -> Member:
    return get_visible_or_404(
        queries.members_visible_to(request.user, include_archived=True), pk=pk
    )


def _with_phones(request: HttpRequest, members: list[Member]) -> list[dict[str, Any]]:
    return [
        {
            "member": m,
            "phone": permissions.phone_for(request.user, m),
            "may_write": permissions.may_write_members(request.user, m.unit),
        }
        for m in members
    ]


# --- units ----------------------------------------------------------------------------


@login_required
def unit_list(request: HttpRequest) -> HttpResponse:
    """Units in scope: search by name, short name or code; filter by kind and jurisdiction."""
    q = request.GET.get("q", "")
    kind = request.GET.get("kind", "")
    jurisdiction = request.GET.get("jurisdiction", "")
    qs = queries.units_visible_to(request.user, include_archived=wants_archived(request))
    qs = filter_units(qs, q=q, kind=kind, jurisdiction=jurisdiction)
    page = keyset_page(qs, key="code", cursor=request.GET.get("cursor"))
    context = {
        "units": page.items,
        "q": q,
        "kind": kind,
        "jurisdiction": jurisdiction,
        "archived": wants_archived(request),
        "kinds": UnitKind.choices,
        "districts": District.objects.filter(archived_at__isnull=True).order_by("code"),
        "may_create": permissions.may_create_units(request.user),
        **_page_urls(request, page.next_cursor),
    }
    return render(request, "units/unit_list.html", context)


@login_required
def unit_detail(request: HttpRequest, code: str) -> HttpResponse:
    """A unit with its pairings (current first), members and history."""
    unit = _unit_or_404(request, code)
    pairings = queries.pairings_current_first(queries.pairings_visible_to(request.user)).filter(
        unit=unit
    )
    members = list(queries.members_visible_to(request.user).filter(unit=unit).order_by("name")[:50])
    history = history_of(unit) if permissions.may_see_unit_history(request.user, unit) else None
    context = {
        "unit": unit,
        "pairings": [
            {"pairing": p, "may_write": permissions.may_write_pairing_in(request.user, p.community)}
            for p in pairings[:100]
        ],
        "members": _with_phones(request, members),
        "history": history,
        "may_write": permissions.may_write_unit(request.user, unit),
        "may_edit": permissions.may_edit_unit_contact(request.user, unit),
        "may_add_member": permissions.may_write_members(request.user, unit)
        and unit.archived_at is None,
        "may_pair": permissions.may_create_pairings(request.user) and unit.archived_at is None,
        "sees_members": bool(scope_of(request.user).sees_everything or members),
    }
    return render(request, "units/unit_detail.html", context)


@login_required
def unit_create(request: HttpRequest) -> HttpResponse:
    if not permissions.may_create_units(request.user):
        raise PermissionDenied(_("You may not register units."))
    form = UnitForm(request.POST or None, initial={"jurisdiction": "municipal"})
    return _form_page(
        request,
        form=form,
        title=_("New unit"),
        cancel_url=reverse("units:unit_list"),
        save=lambda data: services.unit_create(user=request.user, **data),
        done_url=lambda unit: reverse("units:unit_detail", kwargs={"code": unit.code}),
    )


@login_required
def unit_edit(request: HttpRequest, code: str) -> HttpResponse:
    unit = _unit_or_404(request, code)
    if permissions.may_write_unit(request.user, unit):
        initial = {
            "code": unit.code,
            "name": unit.name,
            "short_name": unit.short_name,
            "kind": unit.kind,
            "jurisdiction": unit.jurisdiction.code if unit.jurisdiction else "municipal",
            "headcount": unit.headcount,
            "contact_name": unit.contact_name,
            "contact_phone": unit.contact_phone,
        }
        form: BootstrapForm = UnitForm(request.POST or None, initial=initial)
    elif permissions.may_edit_unit_contact(request.user, unit):
        initial = {
            "headcount": unit.headcount,
            "contact_name": unit.contact_name,
            "contact_phone": unit.contact_phone,
        }
        form = UnitContactForm(request.POST or None, initial=initial)
    else:
        raise PermissionDenied(_("You may not change this unit."))
    detail = reverse("units:unit_detail", kwargs={"code": unit.code})
    return _form_page(
        request,
        form=form,
        title=_("Edit %(unit)s") % {"unit": unit},
        cancel_url=detail,
        save=lambda data: services.unit_update(user=request.user, unit=unit, **data),
        done_url=lambda saved: reverse("units:unit_detail", kwargs={"code": saved.code}),
    )


@login_required
def unit_archive(request: HttpRequest, code: str) -> HttpResponse:
    unit = _unit_or_404(request, code)
    detail = reverse("units:unit_detail", kwargs={"code": unit.code})
    return _confirm_page(
        request,
        obj=unit,
        allowed=permissions.may_write_unit(request.user, unit),
        archive=lambda: services.unit_archive(user=request.user, unit=unit),
        back_url=detail,
        done_url=detail,
    )


@login_required
def unit_restore(request: HttpRequest, code: str) -> HttpResponse:
    unit = _unit_or_404(request, code)
    if request.method != "POST":
        return redirect("units:unit_detail", code=unit.code)
    return restore_then_redirect(
        request,
        restore=lambda: services.unit_restore(user=request.user, unit=unit),
        url=reverse("units:unit_detail", kwargs={"code": unit.code}),
        done_message=_("Restored."),
    )


# --- pairings -------------------------------------------------------------------------


def _parse_day(value: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None


@login_required
def pairing_list(request: HttpRequest) -> HttpResponse:
    """Pairings in scope, filtered by unit code, community code and a day they are valid on."""
    unit = request.GET.get("unit", "").strip()
    community = request.GET.get("community", "").strip()
    valid_on = _parse_day(request.GET.get("valid_on"))
    qs = queries.pairings_visible_to(request.user, include_archived=wants_archived(request))
    qs = filter_pairings(qs, unit=unit, community=community, valid_on=valid_on)
    page = keyset_page(qs, key="pk", cursor=request.GET.get("cursor"))
    today = timezone.localdate()
    context = {
        "pairings": [
            {
                "pairing": p,
                "current": p.archived_at is None
                and p.start <= today
                and (p.end is None or today <= p.end),
                "may_write": permissions.may_write_pairing_in(request.user, p.community),
            }
            for p in page.items
        ],
        "unit": unit,
        "community": community,
        "valid_on": valid_on.isoformat() if valid_on else "",
        "archived": wants_archived(request),
        "may_create": permissions.may_create_pairings(request.user),
        **_page_urls(request, page.next_cursor),
    }
    return render(request, "units/pairing_list.html", context)


@login_required
def pairing_create(request: HttpRequest) -> HttpResponse:
    if not permissions.may_create_pairings(request.user):
        raise PermissionDenied(_("You may not create pairings."))
    initial = {"unit": request.GET.get("unit", ""), "community": request.GET.get("community", "")}
    form = PairingForm(request.POST or None, initial=initial)

    def save(data: dict[str, Any]) -> Pairing:
        errors: dict[str, list[str]] = {}
        unit = Unit.objects.active().filter(code=normalise_code(data["unit"])).first()
        if unit is None:
            errors["unit"] = [_("No unit with the code %(code)s.") % {"code": data["unit"]}]
        community = (
            _pairable_communities(request.user)
            .filter(code=normalise_code(data["community"]))
            .first()
        )
        if community is None:
            errors["community"] = [
                _("No community with the code %(code)s.") % {"code": data["community"]}
            ]
        if errors or unit is None or community is None:
            raise ValidationError(errors)
        return services.pairing_create(
            user=request.user, unit=unit, community=community, start=data["start"], end=data["end"]
        )

    return _form_page(
        request,
        form=form,
        title=_("New pairing"),
        cancel_url=reverse("units:pairing_list"),
        save=save,
        done_url=lambda p: reverse("units:unit_detail", kwargs={"code": p.unit.code}),
    )


def _pairable_communities(user: Any) -> Any:
    """Active communities in the user's areas (office: all)."""
    from gongzhi.core.scoping import area_q

    scope = scope_of(user)
    qs = Community.objects.filter(archived_at__isnull=True).select_related("street")
    return qs if scope.sees_everything else qs.filter(area_q(scope, ""))


@login_required
def pairing_end(request: HttpRequest, pk: int) -> HttpResponse:
    pairing = _pairing_or_404(request, pk)
    if not permissions.may_write_pairing_in(request.user, pairing.community):
        raise PermissionDenied(_("You may not change this pairing."))
    form = PairingEndForm(request.POST or None, initial={"end": pairing.end})
    return _form_page(
        request,
        form=form,
        title=_("End the pairing %(pairing)s") % {"pairing": pairing},
        cancel_url=reverse("units:unit_detail", kwargs={"code": pairing.unit.code}),
        save=lambda data: services.pairing_end(user=request.user, pairing=pairing, end=data["end"]),
        done_url=lambda p: reverse("units:unit_detail", kwargs={"code": p.unit.code}),
    )


@login_required
def pairing_archive(request: HttpRequest, pk: int) -> HttpResponse:
    pairing = _pairing_or_404(request, pk)
    back = reverse("units:unit_detail", kwargs={"code": pairing.unit.code})
    return _confirm_page(
        request,
        obj=pairing,
        allowed=permissions.may_write_pairing_in(request.user, pairing.community),
        archive=lambda: services.pairing_archive(user=request.user, pairing=pairing),
        back_url=back,
        done_url=back,
    )


# --- members --------------------------------------------------------------------------


@login_required
def member_list(request: HttpRequest) -> HttpResponse:
    """Members in scope: a liaison sees their unit's, a member themselves."""
    unit = request.GET.get("unit", "").strip()
    q = request.GET.get("q", "").strip()
    qs = queries.members_visible_to(request.user, include_archived=wants_archived(request))
    if unit:
        qs = qs.filter(unit__code=normalise_code(unit))
    if q:
        qs = qs.filter(name__icontains=q)
    page = keyset_page(qs, key="pk", cursor=request.GET.get("cursor"))
    context = {
        "members": _with_phones(request, page.items),
        "unit": unit,
        "q": q,
        "archived": wants_archived(request),
        **_page_urls(request, page.next_cursor),
    }
    return render(request, "units/member_list.html", context)


@login_required
def member_create(request: HttpRequest, code: str) -> HttpResponse:
    unit = _unit_or_404(request, code)
    if not permissions.may_write_members(request.user, unit):
        raise PermissionDenied(_("You may not add members to this unit."))
    form = MemberForm(request.POST or None)
    detail = reverse("units:unit_detail", kwargs={"code": unit.code})
    return _form_page(
        request,
        form=form,
        title=_("New member of %(unit)s") % {"unit": unit},
        cancel_url=detail,
        save=lambda data: services.member_create(user=request.user, unit=unit, **data),
        done_url=lambda m: detail,
    )


@login_required
def member_edit(request: HttpRequest, pk: int) -> HttpResponse:
    member = _member_or_404(request, pk)
    if not permissions.may_write_members(request.user, member.unit):
        raise PermissionDenied(_("You may not change members of this unit."))
    initial = {
        "name": member.name,
        "phone": member.phone,
        "is_party_member": member.is_party_member,
        "residence_community": (
            member.residence_community.code if member.residence_community else ""
        ),
        "id_number": member.id_number,
        "volunteer_code": member.volunteer_code,
    }
    form = MemberForm(request.POST or None, initial=initial)
    back = reverse("units:member_list") + "?" + urlencode({"unit": member.unit.code})
    return _form_page(
        request,
        form=form,
        title=_("Edit %(member)s") % {"member": member},
        cancel_url=back,
        save=lambda data: services.member_update(user=request.user, member=member, **data),
        done_url=lambda m: back,
    )


@login_required
def member_archive(request: HttpRequest, pk: int) -> HttpResponse:
    member = _member_or_404(request, pk)
    back = reverse("units:member_list") + "?" + urlencode({"unit": member.unit.code})
    return _confirm_page(
        request,
        obj=member,
        allowed=permissions.may_write_members(request.user, member.unit),
        archive=lambda: services.member_archive(user=request.user, member=member),
        back_url=back,
        done_url=back,
    )
