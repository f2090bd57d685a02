"""REST resources of the unit registry: units, pairings, members.

Thin: parse, call :mod:`queries` or :mod:`services`, answer. Units are
addressed by credit code, communities by 12-digit code, pairings and members
by id. Out of scope is 404, visible but not writable 403, bad input 400
naming the field. Member phones are masked per :func:`permissions.phone_for`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status
from pydantic import StrictBool, StrictInt

from gongzhi.areas.models import Community
from gongzhi.core.api_helpers import page_response, patch_values, renamed_errors
from gongzhi.core.api_schemas import ERRORS
from gongzhi.core.codes import normalise_code
from gongzhi.core.scoping import get_visible_or_404, scope_of
from gongzhi.units import permissions, queries, services
from gongzhi.units.models import Member, Pairing, Unit

router = Router(tags=["units"])


# --- schemas --------------------------------------------------------------------------


class UnitOut(Schema):
    code: str
    name: str
    short_name: str
    kind: str
    jurisdiction: str
    jurisdiction_name: str | None
    headcount: int | None
    contact_name: str
    contact_phone: str
    archived_at: dt.datetime | None

    @staticmethod
    def resolve_jurisdiction(obj: Unit) -> str:
        return obj.jurisdiction.code if obj.jurisdiction else services.MUNICIPAL

    @staticmethod
    def resolve_jurisdiction_name(obj: Unit) -> str | None:
        return obj.jurisdiction.name if obj.jurisdiction else None


class PairingOut(Schema):
    id: int
    unit_code: str
    unit_name: str
    community_code: str
    community_name: str
    start: dt.date
    end: dt.date | None
    archived_at: dt.datetime | None

    @staticmethod
    def resolve_unit_code(obj: Pairing) -> str:
        return obj.unit.code

    @staticmethod
    def resolve_unit_name(obj: Pairing) -> str:
        return obj.unit.name

    @staticmethod
    def resolve_community_code(obj: Pairing) -> str:
        return obj.community.code

    @staticmethod
    def resolve_community_name(obj: Pairing) -> str:
        return obj.community.name


class MemberOut(Schema):
    id: int
    unit_code: str
    unit_name: str
    name: str
    phone: str
    is_party_member: bool
    residence_community_code: str | None
    archived_at: dt.datetime | None


class UnitPage(Schema):
    items: list[UnitOut]
    next: str | None


class PairingPage(Schema):
    items: list[PairingOut]
    next: str | None


class MemberPage(Schema):
    items: list[MemberOut]
    next: str | None


class PageArgs(Schema):
    include_archived: bool = False
    cursor: str | None = None
    limit: int | None = None


class UnitFilters(PageArgs):
    q: str = ""
    kind: str = ""
    jurisdiction: str = ""


class PairingFilters(PageArgs):
    unit: str = ""
    community: str = ""
    valid_on: dt.date | None = None


class MemberFilters(PageArgs):
    unit: str = ""
    q: str = ""


class UnitIn(Schema):
    code: str
    name: str
    kind: str
    jurisdiction: str
    short_name: str = ""
    headcount: StrictInt | None = None
    contact_name: str = ""
    contact_phone: str = ""


class UnitPatch(Schema):
    code: str | None = None
    name: str | None = None
    kind: str | None = None
    jurisdiction: str | None = None
    short_name: str | None = None
    headcount: StrictInt | None = None
    contact_name: str | None = None
    contact_phone: str | None = None


class PairingIn(Schema):
    unit_code: str
    community_code: str
    start: dt.date
    end: dt.date | None = None


class PairingEndIn(Schema):
    end: dt.date


class MemberIn(Schema):
    unit_code: str
    name: str
    phone: str = ""
    is_party_member: StrictBool = False
    residence_community_code: str | None = None
    id_number: str = ""
    volunteer_code: str = ""


# --- helpers --------------------------------------------------------------------------


def _page(qs: QuerySet[Any], key: str, filters: PageArgs) -> dict[str, Any]:
    return page_response(qs, key=key, cursor=filters.cursor, limit=filters.limit)


def _member_out(request: HttpRequest, member: Member) -> dict[str, Any]:
    return {
        "id": member.pk,
        "unit_code": member.unit.code,
        "unit_name": member.unit.name,
        "name": member.name,
        "phone": permissions.phone_for(request.user, member),
        "is_party_member": member.is_party_member,
        "residence_community_code": (
            member.residence_community.code if member.residence_community else None
        ),
        "archived_at": member.archived_at,
    }


def _communities_for_pairing(user: Any) -> QuerySet[Community]:
    """Communities a body may name: those in the caller's areas (office: all)."""
    from gongzhi.core.scoping import area_q

    scope = scope_of(user)
    qs = Community.objects.select_related("street")
    return qs if scope.sees_everything else qs.filter(area_q(scope, ""))


def filter_units(qs: QuerySet[Unit], *, q: str, kind: str, jurisdiction: str) -> QuerySet[Unit]:
    """The unit list's filters, shared with the page."""
    q = q.strip()
    if q:
        qs = qs.filter(
            Q(name__icontains=q)
            | Q(short_name__icontains=q)
            | Q(code__startswith=normalise_code(q))
        )
    if kind:
        qs = qs.filter(kind=kind)
    if jurisdiction:
        if jurisdiction.strip().lower() == services.MUNICIPAL:
            qs = qs.filter(jurisdiction__isnull=True)
        else:
            qs = qs.filter(jurisdiction__code=normalise_code(jurisdiction))
    return qs


def filter_pairings(
    qs: QuerySet[Pairing], *, unit: str, community: str, valid_on: dt.date | None
) -> QuerySet[Pairing]:
    if unit:
        qs = qs.filter(unit__code=normalise_code(unit))
    if community:
        qs = qs.filter(community__code=normalise_code(community))
    if valid_on is not None:
        qs = queries.pairings_valid_on(valid_on, qs)
    return qs


# --- units ----------------------------------------------------------------------------


@router.get("units", response={200: UnitPage, **ERRORS})
def unit_list(request: HttpRequest, filters: Query[UnitFilters]) -> dict[str, Any]:
    """Units in the caller's scope, by credit code. ``jurisdiction``: ``municipal`` or a
    district code."""
    qs = queries.units_visible_to(request.user, include_archived=filters.include_archived)
    qs = filter_units(qs, q=filters.q, kind=filters.kind, jurisdiction=filters.jurisdiction)
    return _page(qs, "code", filters)


@router.get("units/{code}", response={200: UnitOut, **ERRORS})
def unit_get(request: HttpRequest, code: str) -> Unit:
    return get_visible_or_404(
        queries.units_visible_to(request.user, include_archived=True), code=normalise_code(code)
    )


@router.post("units", response={201: UnitOut, **ERRORS})
def unit_create(request: HttpRequest, payload: UnitIn) -> Status[Unit]:
    """Register a unit: a valid 18-character credit code, kind, jurisdiction."""
    unit = services.unit_create(user=request.user, **payload.dict())
    return Status(201, unit)


@router.patch("units/{code}", response={200: UnitOut, **ERRORS})
def unit_update(request: HttpRequest, code: str, payload: UnitPatch) -> Unit:
    unit = unit_get(request, code)
    changes = patch_values(payload, nullable={"headcount"})
    return services.unit_update(user=request.user, unit=unit, **changes)


@router.post("units/{code}/archive", response={200: UnitOut, **ERRORS})
def unit_archive(request: HttpRequest, code: str) -> Unit:
    return services.unit_archive(user=request.user, unit=unit_get(request, code))


@router.post("units/{code}/restore", response={200: UnitOut, **ERRORS})
def unit_restore(request: HttpRequest, code: str) -> Unit:
    return services.unit_restore(user=request.user, unit=unit_get(request, code))


# --- pairings -------------------------------------------------------------------------


@router.get("pairings", response={200: PairingPage, **ERRORS})
def pairing_list(request: HttpRequest, filters: Query[PairingFilters]) -> dict[str, Any]:
    """Pairings in the caller's scope, by id; filter by ``unit`` code, ``community``
    code, or ``valid_on`` a date."""
    qs = queries.pairings_visible_to(request.user, include_archived=filters.include_archived)
    qs = filter_pairings(
        qs, unit=filters.unit, community=filters.community, valid_on=filters.valid_on
    )
    return _page(qs, "pk", filters)


@router.get("pairings/{pairing_id}", response={200: PairingOut, **ERRORS})
def pairing_get(request: HttpRequest, pairing_id: int) -> Pairing:
    return get_visible_or_404(
        queries.pairings_visible_to(request.user, include_archived=True), pk=pairing_id
    )


@router.post("pairings", response={201: PairingOut, **ERRORS})
def pairing_create(request: HttpRequest, payload: PairingIn) -> Status[Pairing]:
    """Pair a unit with a community; overlapping dates of the same pair are refused."""
    errors: dict[str, list[str]] = {}
    unit = Unit.objects.active().filter(code=normalise_code(payload.unit_code)).first()
    if unit is None:
        errors["unit_code"] = [_("No unit with the code %(code)s.") % {"code": payload.unit_code}]
    community = (
        _communities_for_pairing(request.user)
        .filter(code=normalise_code(payload.community_code), archived_at__isnull=True)
        .first()
    )
    if community is None:
        errors["community_code"] = [
            _("No community with the code %(code)s.") % {"code": payload.community_code}
        ]
    if errors or unit is None or community is None:
        raise ValidationError(errors)
    try:
        pairing = services.pairing_create(
            user=request.user, unit=unit, community=community, start=payload.start, end=payload.end
        )
    except ValidationError as exc:
        raise renamed_errors(exc, {"unit": "unit_code", "community": "community_code"}) from exc
    return Status(201, pairing)


@router.post("pairings/{pairing_id}/end", response={200: PairingOut, **ERRORS})
def pairing_end(request: HttpRequest, pairing_id: int, payload: PairingEndIn) -> Pairing:
    pairing = pairing_get(request, pairing_id)
    return services.pairing_end(user=request.user, pairing=pairing, end=payload.end)


@router.post("pairings/{pairing_id}/archive", response={200: PairingOut, **ERRORS})
def pairing_archive(request: HttpRequest, pairing_id: int) -> Pairing:
    return services.pairing_archive(user=request.user, pairing=pairing_get(request, pairing_id))


# --- members --------------------------------------------------------------------------


@router.get("members", response={200: MemberPage, **ERRORS})
def member_list(request: HttpRequest, filters: Query[MemberFilters]) -> dict[str, Any]:
    """Members in the caller's scope, by id; filter by ``unit`` code or name (``q``)."""
    qs = queries.members_visible_to(request.user, include_archived=filters.include_archived)
    if filters.unit:
        qs = qs.filter(unit__code=normalise_code(filters.unit))
    if filters.q.strip():
        qs = qs.filter(name__icontains=filters.q.strip())
    return page_response(
        qs,
        key="pk",
        cursor=filters.cursor,
        limit=filters.limit,
        out=lambda member: _member_out(request, member),
    )


@router.get("members/{member_id}", response={200: MemberOut, **ERRORS})
def member_get(request: HttpRequest, member_id: int) -> dict[str, Any]:
    member = get_visible_or_404(
        queries.members_visible_to(request.user, include_archived=True), pk=member_id
    )
    return _member_out(request, member)


@router.post("members", response={201: MemberOut, **ERRORS})
def member_create(request: HttpRequest, payload: MemberIn) -> Status[dict[str, Any]]:
    """Add a member to a unit (the office, or the unit's liaison)."""
    unit = (
        queries.units_visible_to(request.user)
        .filter(code=normalise_code(payload.unit_code))
        .first()
    )
    if unit is None:
        raise ValidationError(
            {"unit_code": [_("No unit with the code %(code)s.") % {"code": payload.unit_code}]}
        )
    try:
        member = services.member_create(
            user=request.user,
            unit=unit,
            name=payload.name,
            phone=payload.phone,
            is_party_member=payload.is_party_member,
            residence_community=payload.residence_community_code,
            id_number=payload.id_number,
            volunteer_code=payload.volunteer_code,
        )
    except ValidationError as exc:
        raise renamed_errors(
            exc, {"unit": "unit_code", "residence_community": "residence_community_code"}
        ) from exc
    return Status(201, _member_out(request, member))


@router.post("members/{member_id}/archive", response={200: MemberOut, **ERRORS})
def member_archive(request: HttpRequest, member_id: int) -> dict[str, Any]:
    member = get_visible_or_404(
        queries.members_visible_to(request.user, include_archived=True), pk=member_id
    )
    return _member_out(request, services.member_archive(user=request.user, member=member))
