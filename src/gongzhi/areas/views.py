"""Pages of the area registry. Thin: read through queries, write through services."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from gongzhi.areas import permissions, queries, services
from gongzhi.areas.forms import (
    CommunityContactForm,
    CommunityForm,
    CompoundForm,
    DistrictForm,
    StreetForm,
)
from gongzhi.areas.models import Community, Compound, District, Street
from gongzhi.core.codes import normalise_code
from gongzhi.core.forms import BootstrapForm
from gongzhi.core.history import history_of
from gongzhi.core.pagination import keyset_page
from gongzhi.core.scoping import get_visible_or_404
from gongzhi.core.views_helpers import (
    archive_page,
    changed_values,
    form_page,
    restore_then_redirect,
    wants_archived,
)
from gongzhi.units.queries import units_visible_to

# --- shared helpers -------------------------------------------------------------------


def _history(request: HttpRequest, obj: Any) -> list[Any] | None:
    return history_of(obj) if permissions.may_see_history(request.user, obj) else None


_form_page = partial(form_page, template="areas/form.html")


def _archive_page(request: HttpRequest, *, obj: Any, **kwargs: Any) -> HttpResponse:
    return archive_page(
        request,
        template="areas/confirm_archive.html",
        obj=obj,
        done_message=_("%(obj)s is archived.") % {"obj": obj},
        **kwargs,
    )


def _restore(
    request: HttpRequest, *, obj: Any, restore: Callable[[], Any], url: str
) -> HttpResponse:
    return restore_then_redirect(
        request, restore=restore, url=url, done_message=_("%(obj)s is restored.") % {"obj": obj}
    )


# --- districts ------------------------------------------------------------------------


@login_required
def district_list(request: HttpRequest) -> HttpResponse:
    """Districts with their streets and how many communities and compounds each holds."""
    archived = wants_archived(request)
    districts = list(queries.districts_visible_to(request.user, include_archived=archived))
    streets = list(
        queries.streets_visible_to(request.user, include_archived=archived).filter(
            district__in=[d.pk for d in districts]
        )
    )
    communities = queries.communities_visible_to(request.user)
    community_counts = dict(communities.order_by().values_list("street_id").annotate(n=Count("pk")))
    compound_counts = dict(
        queries.compounds_visible_to(request.user)
        .order_by()
        .values_list("community__street_id")
        .annotate(n=Count("pk"))
    )
    by_district: dict[int, list[Street]] = {}
    for street in streets:
        street.n_communities = community_counts.get(street.pk, 0)  # type: ignore[attr-defined]
        street.n_compounds = compound_counts.get(street.pk, 0)  # type: ignore[attr-defined]
        by_district.setdefault(street.district_id, []).append(street)
    for district in districts:
        district.street_rows = by_district.get(district.pk, [])  # type: ignore[attr-defined]
        district.n_communities = sum(s.n_communities for s in district.street_rows)  # type: ignore[attr-defined]
    context = {
        "districts": districts,
        "archived": archived,
        "may_create": permissions.may_write_district(request.user),
    }
    return render(request, "areas/district_list.html", context)


@login_required
def district_create(request: HttpRequest) -> HttpResponse:
    if not permissions.may_write_district(request.user):
        raise PermissionDenied(_("Only the city office may create districts."))
    form = DistrictForm(request.POST or None)
    return _form_page(
        request,
        form=form,
        title=_("New district"),
        cancel_url=reverse("areas:district_list"),
        save=lambda data: services.district_create(user=request.user, **data),
        done_url=lambda d: reverse("areas:district_detail", args=[d.code]),
    )


def _district(request: HttpRequest, code: str) -> District:
    return get_visible_or_404(
        queries.districts_visible_to(request.user, include_archived=True), code=code
    )


@login_required
def district_detail(request: HttpRequest, code: str) -> HttpResponse:
    district = _district(request, code)
    streets = (
        queries.streets_visible_to(request.user, include_archived=wants_archived(request))
        .filter(district=district)
        .annotate(
            n_communities=Count(
                "communities",
                filter=Q(
                    communities__archived_at__isnull=True,
                    communities__in=queries.communities_visible_to(request.user),
                ),
            )
        )
    )
    context = {
        "district": district,
        "streets": streets,
        "archived": wants_archived(request),
        "may_write": permissions.may_write_district(request.user, district),
        "may_add_street": permissions.may_write_street(request.user, district),
        "history": _history(request, district),
    }
    return render(request, "areas/district_detail.html", context)


@login_required
def district_edit(request: HttpRequest, code: str) -> HttpResponse:
    district = _district(request, code)
    if not permissions.may_write_district(request.user, district):
        raise PermissionDenied(_("Only the city office may change districts."))
    initial = {
        "code": district.code,
        "name": district.name,
        "is_local_code": district.is_local_code,
    }
    form = DistrictForm(request.POST or None, initial=initial)
    return _form_page(
        request,
        form=form,
        title=_("Edit %(name)s") % {"name": district},
        cancel_url=reverse("areas:district_detail", args=[district.code]),
        save=lambda data: services.district_update(
            user=request.user, district=district, **changed_values(form, initial)
        ),
        done_url=lambda d: reverse("areas:district_detail", args=[d.code]),
    )


@login_required
def district_archive(request: HttpRequest, code: str) -> HttpResponse:
    district = _district(request, code)
    url = reverse("areas:district_detail", args=[district.code])
    return _archive_page(
        request,
        obj=district,
        allowed=permissions.may_write_district(request.user, district),
        archive=lambda: services.district_archive(user=request.user, district=district),
        back_url=url,
        done_url=url,
    )


@login_required
@require_POST
def district_restore(request: HttpRequest, code: str) -> HttpResponse:
    district = _district(request, code)
    return _restore(
        request,
        obj=district,
        restore=lambda: services.district_restore(user=request.user, district=district),
        url=reverse("areas:district_detail", args=[district.code]),
    )


# --- streets --------------------------------------------------------------------------


def _street(request: HttpRequest, code: str) -> Street:
    return get_visible_or_404(
        queries.streets_visible_to(request.user, include_archived=True), code=code
    )


@login_required
def street_create(request: HttpRequest, code: str) -> HttpResponse:
    district = _district(request, code)
    if not permissions.may_write_street(request.user, district):
        raise PermissionDenied(_("You may not add streets to %(d)s.") % {"d": district})
    form = StreetForm(request.POST or None, initial={"code": district.code})
    return _form_page(
        request,
        form=form,
        title=_("New street in %(d)s") % {"d": district},
        cancel_url=reverse("areas:district_detail", args=[district.code]),
        save=lambda data: services.street_create(user=request.user, district=district, **data),
        done_url=lambda s: reverse("areas:street_detail", args=[s.code]),
    )


@login_required
def street_detail(request: HttpRequest, code: str) -> HttpResponse:
    street = _street(request, code)
    communities = (
        queries.communities_visible_to(request.user, include_archived=wants_archived(request))
        .filter(street=street)
        .annotate(n_compounds=Count("compounds", filter=Q(compounds__archived_at__isnull=True)))
    )
    context = {
        "street": street,
        "communities": communities,
        "archived": wants_archived(request),
        "may_write": permissions.may_write_street(request.user, street.district),
        "may_add_community": permissions.may_write_community(request.user, street),
        "history": _history(request, street),
    }
    return render(request, "areas/street_detail.html", context)


@login_required
def street_edit(request: HttpRequest, code: str) -> HttpResponse:
    street = _street(request, code)
    if not permissions.may_write_street(request.user, street.district):
        raise PermissionDenied(_("You may not change the street %(s)s.") % {"s": street})
    initial = {"code": street.code, "name": street.name}
    form = StreetForm(request.POST or None, initial=initial)
    return _form_page(
        request,
        form=form,
        title=_("Edit %(name)s") % {"name": street},
        cancel_url=reverse("areas:street_detail", args=[street.code]),
        save=lambda data: services.street_update(
            user=request.user, street=street, **changed_values(form, initial)
        ),
        done_url=lambda s: reverse("areas:street_detail", args=[s.code]),
    )


@login_required
def street_archive(request: HttpRequest, code: str) -> HttpResponse:
    street = _street(request, code)
    return _archive_page(
        request,
        obj=street,
        allowed=permissions.may_write_street(request.user, street.district),
        archive=lambda: services.street_archive(user=request.user, street=street),
        back_url=reverse("areas:street_detail", args=[street.code]),
        done_url=reverse("areas:street_detail", args=[street.code]),
    )


@login_required
@require_POST
def street_restore(request: HttpRequest, code: str) -> HttpResponse:
    street = _street(request, code)
    return _restore(
        request,
        obj=street,
        restore=lambda: services.street_restore(user=request.user, street=street),
        url=reverse("areas:street_detail", args=[street.code]),
    )


# --- communities ----------------------------------------------------------------------


@login_required
def community_list(request: HttpRequest) -> HttpResponse:
    """Communities in scope: search by name or code, filter by district or street, by pages."""
    archived = wants_archived(request)
    q = request.GET.get("q", "").strip()
    district_code = normalise_code(request.GET.get("district", ""))
    street_code = normalise_code(request.GET.get("street", ""))
    qs = queries.communities_visible_to(request.user, include_archived=archived)
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(code__startswith=normalise_code(q)))
    if district_code:
        qs = qs.filter(street__district__code=district_code)
    if street_code:
        qs = qs.filter(street__code=street_code)
    page = keyset_page(qs, key="code", cursor=request.GET.get("cursor"))
    # Counted for the page's rows only, so a page costs the same on any table size.
    counts = dict(
        Compound.objects.filter(community__in=page.items, archived_at__isnull=True)
        .order_by()
        .values_list("community_id")
        .annotate(n=Count("pk"))
    )
    for community in page.items:
        community.n_compounds = counts.get(community.pk, 0)  # type: ignore[attr-defined]
    next_url = None
    if page.next_cursor:
        params = request.GET.copy()
        params["cursor"] = page.next_cursor
        next_url = f"{request.path}?{params.urlencode()}"
    streets = queries.streets_visible_to(request.user)
    if district_code:
        streets = streets.filter(district__code=district_code)
    context = {
        "communities": page.items,
        "next_url": next_url,
        "first_url": request.path if request.GET.get("cursor") else None,
        "q": q,
        "district_code": district_code,
        "street_code": street_code,
        "archived": archived,
        "districts": queries.districts_visible_to(request.user),
        "streets": streets,
        "may_create": queries.streets_open_for_communities(request.user).exists(),
    }
    return render(request, "areas/community_list.html", context)


def _community(request: HttpRequest, code: str) -> Community:
    return get_visible_or_404(
        queries.communities_visible_to(request.user, include_archived=True), code=code
    )


@login_required
def community_create(request: HttpRequest) -> HttpResponse:
    streets = queries.streets_open_for_communities(request.user)
    if not streets.exists():
        raise PermissionDenied(_("You may not create communities."))
    initial: dict[str, Any] = {}
    chosen = streets.filter(code=request.GET.get("street", "")).first()
    if chosen is not None:
        initial = {"street": chosen, "code": chosen.code}
    form = CommunityForm(request.POST or None, initial=initial, streets=streets)
    return _form_page(
        request,
        form=form,
        title=_("New community"),
        cancel_url=reverse("areas:community_list"),
        save=lambda data: services.community_create(user=request.user, **data),
        done_url=lambda c: reverse("areas:community_detail", args=[c.code]),
    )


@login_required
def community_detail(request: HttpRequest, code: str) -> HttpResponse:
    """A community: its compounds, its paired units and its outline on a map."""
    community = _community(request, code)
    compounds = queries.compounds_visible_to(
        request.user, include_archived=wants_archived(request)
    ).filter(community=community)
    pairings = list(queries.pairings_of_community(request.user, community))
    # Link a paired unit only where the reader may open its page.
    linkable = set(
        units_visible_to(request.user)
        .filter(pk__in={p.unit_id for p in pairings})
        .values_list("pk", flat=True)
    )
    context = {
        "community": community,
        "compounds": compounds,
        "pairings": pairings,
        "linkable_unit_ids": linkable,
        "archived": wants_archived(request),
        "may_write": permissions.may_write_community(request.user, community.street),
        "may_edit": permissions.may_edit_community_contact(request.user, community),
        "may_add_compound": permissions.may_write_compound(request.user, community),
        "history": _history(request, community),
    }
    return render(request, "areas/community_detail.html", context)


@login_required
def community_edit(request: HttpRequest, code: str) -> HttpResponse:
    """Writers get every field; the community's own staff only the contact fields."""
    community = _community(request, code)
    if not permissions.may_edit_community_contact(request.user, community):
        raise PermissionDenied(_("You may not change the community %(c)s.") % {"c": community})
    initial: dict[str, Any] = {
        "contact_name": community.contact_name,
        "contact_phone": community.contact_phone,
    }
    form: BootstrapForm
    if permissions.may_write_community(request.user, community.street):
        initial.update(
            street=community.street,
            code=community.code,
            name=community.name,
            outline=community.outline,
            centre_lat=community.centre_lat,
            centre_lng=community.centre_lng,
        )
        streets = queries.streets_open_for_communities(request.user)
        form = CommunityForm(request.POST or None, initial=initial, streets=streets)
    else:
        form = CommunityContactForm(request.POST or None, initial=initial)

    def save(data: dict[str, Any]) -> Community:
        changes = changed_values(form, initial)
        if "outline" in changes and not {"centre_lat", "centre_lng"} & set(changes):
            changes.pop("centre_lat", None)
            changes.pop("centre_lng", None)
        return services.community_update(user=request.user, community=community, **changes)

    return _form_page(
        request,
        form=form,
        title=_("Edit %(name)s") % {"name": community},
        cancel_url=reverse("areas:community_detail", args=[community.code]),
        save=save,
        done_url=lambda c: reverse("areas:community_detail", args=[c.code]),
    )


@login_required
def community_archive(request: HttpRequest, code: str) -> HttpResponse:
    community = _community(request, code)
    url = reverse("areas:community_detail", args=[community.code])
    return _archive_page(
        request,
        obj=community,
        allowed=permissions.may_write_community(request.user, community.street),
        archive=lambda: services.community_archive(user=request.user, community=community),
        back_url=url,
        done_url=url,
    )


@login_required
@require_POST
def community_restore(request: HttpRequest, code: str) -> HttpResponse:
    community = _community(request, code)
    return _restore(
        request,
        obj=community,
        restore=lambda: services.community_restore(user=request.user, community=community),
        url=reverse("areas:community_detail", args=[community.code]),
    )


# --- compounds ------------------------------------------------------------------------


def _compound(request: HttpRequest, pk: int) -> Compound:
    return get_visible_or_404(
        queries.compounds_visible_to(request.user, include_archived=True), pk=pk
    )


@login_required
def compound_create(request: HttpRequest, code: str) -> HttpResponse:
    community = _community(request, code)
    if not permissions.may_write_compound(request.user, community):
        raise PermissionDenied(_("You may not add compounds to %(c)s.") % {"c": community})
    form = CompoundForm(request.POST or None)
    return _form_page(
        request,
        form=form,
        title=_("New compound in %(c)s") % {"c": community},
        cancel_url=reverse("areas:community_detail", args=[community.code]),
        save=lambda data: services.compound_create(user=request.user, community=community, **data),
        done_url=lambda c: reverse("areas:compound_detail", args=[c.pk]),
    )


@login_required
def compound_detail(request: HttpRequest, pk: int) -> HttpResponse:
    compound = _compound(request, pk)
    context = {
        "compound": compound,
        "may_write": permissions.may_write_compound(request.user, compound.community),
        "history": _history(request, compound),
    }
    return render(request, "areas/compound_detail.html", context)


@login_required
def compound_edit(request: HttpRequest, pk: int) -> HttpResponse:
    compound = _compound(request, pk)
    if not permissions.may_write_compound(request.user, compound.community):
        raise PermissionDenied(_("You may not change the compound %(c)s.") % {"c": compound})
    initial = {
        "name": compound.name,
        "address": compound.address,
        "is_old": compound.is_old,
        "households": compound.households,
    }
    form = CompoundForm(request.POST or None, initial=initial)
    return _form_page(
        request,
        form=form,
        title=_("Edit %(name)s") % {"name": compound},
        cancel_url=reverse("areas:compound_detail", args=[compound.pk]),
        save=lambda data: services.compound_update(
            user=request.user, compound=compound, **changed_values(form, initial)
        ),
        done_url=lambda c: reverse("areas:compound_detail", args=[c.pk]),
    )


@login_required
def compound_archive(request: HttpRequest, pk: int) -> HttpResponse:
    compound = _compound(request, pk)
    return _archive_page(
        request,
        obj=compound,
        allowed=permissions.may_write_compound(request.user, compound.community),
        archive=lambda: services.compound_archive(user=request.user, compound=compound),
        back_url=reverse("areas:compound_detail", args=[compound.pk]),
        done_url=reverse("areas:community_detail", args=[compound.community.code]),
    )


@login_required
@require_POST
def compound_restore(request: HttpRequest, pk: int) -> HttpResponse:
    compound = _compound(request, pk)
    return _restore(
        request,
        obj=compound,
        restore=lambda: services.compound_restore(user=request.user, compound=compound),
        url=reverse("areas:compound_detail", args=[compound.pk]),
    )
