"""REST resources of the area registry: districts, streets, communities, compounds.

Thin: parse, call :mod:`queries` or :mod:`services`, answer. Objects are
addressed by natural key (division code; compounds by id). Out of scope is
404, visible but not writable 403, bad input 400 naming the field.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status
from pydantic import StrictBool, StrictFloat, StrictInt

from gongzhi.areas import queries, services
from gongzhi.areas.models import Community, Compound, District, Street
from gongzhi.core.api_helpers import page_response, patch_values, renamed_errors
from gongzhi.core.api_schemas import ERRORS
from gongzhi.core.codes import normalise_code
from gongzhi.core.scoping import get_visible_or_404

router = Router(tags=["areas"])


# --- schemas --------------------------------------------------------------------------


class Centre(Schema):
    lat: StrictFloat
    lng: StrictFloat


class DistrictOut(Schema):
    code: str
    name: str
    is_local_code: bool
    archived_at: datetime | None


class StreetOut(Schema):
    code: str
    name: str
    district_code: str
    district_name: str
    archived_at: datetime | None

    @staticmethod
    def resolve_district_code(obj: Street) -> str:
        return obj.district.code

    @staticmethod
    def resolve_district_name(obj: Street) -> str:
        return obj.district.name


class CommunityOut(Schema):
    code: str
    name: str
    street_code: str
    street_name: str
    district_code: str
    district_name: str
    outline: dict[str, Any] | None
    centre: Centre | None
    contact_name: str
    contact_phone: str
    archived_at: datetime | None

    @staticmethod
    def resolve_street_code(obj: Community) -> str:
        return obj.street.code

    @staticmethod
    def resolve_street_name(obj: Community) -> str:
        return obj.street.name

    @staticmethod
    def resolve_district_code(obj: Community) -> str:
        return obj.street.district.code

    @staticmethod
    def resolve_district_name(obj: Community) -> str:
        return obj.street.district.name

    @staticmethod
    def resolve_centre(obj: Community) -> dict[str, float] | None:
        if obj.centre_lat is None or obj.centre_lng is None:
            return None
        return {"lat": obj.centre_lat, "lng": obj.centre_lng}


class CompoundOut(Schema):
    id: int
    name: str
    community_code: str
    community_name: str
    address: str
    is_old: bool
    households: int | None
    archived_at: datetime | None

    @staticmethod
    def resolve_community_code(obj: Compound) -> str:
        return obj.community.code

    @staticmethod
    def resolve_community_name(obj: Compound) -> str:
        return obj.community.name


class DistrictPage(Schema):
    items: list[DistrictOut]
    next: str | None


class StreetPage(Schema):
    items: list[StreetOut]
    next: str | None


class CommunityPage(Schema):
    items: list[CommunityOut]
    next: str | None


class CompoundPage(Schema):
    items: list[CompoundOut]
    next: str | None


class ListFilters(Schema):
    q: str = ""
    district: str = ""
    street: str = ""
    community: str = ""
    include_archived: bool = False
    cursor: str | None = None
    limit: int | None = None


class DistrictIn(Schema):
    code: str
    name: str
    is_local_code: StrictBool = False


class DistrictPatch(Schema):
    code: str | None = None
    name: str | None = None
    is_local_code: StrictBool | None = None


class StreetIn(Schema):
    code: str
    name: str
    district_code: str


class StreetPatch(Schema):
    code: str | None = None
    name: str | None = None


class CommunityIn(Schema):
    code: str
    name: str
    street_code: str
    outline: dict[str, Any] | None = None
    centre: Centre | None = None
    contact_name: str = ""
    contact_phone: str = ""


class CommunityPatch(Schema):
    code: str | None = None
    name: str | None = None
    street_code: str | None = None
    outline: dict[str, Any] | None = None
    centre: Centre | None = None
    contact_name: str | None = None
    contact_phone: str | None = None


class CompoundIn(Schema):
    community_code: str
    name: str
    address: str = ""
    is_old: StrictBool = False
    households: StrictInt | None = None


class CompoundPatch(Schema):
    name: str | None = None
    address: str | None = None
    is_old: StrictBool | None = None
    households: StrictInt | None = None


# --- helpers --------------------------------------------------------------------------


def _page(qs: QuerySet[Any], key: str, filters: ListFilters) -> dict[str, Any]:
    return page_response(qs, key=key, cursor=filters.cursor, limit=filters.limit)


def _search(qs: QuerySet[Any], q: str) -> QuerySet[Any]:
    q = q.strip()
    if not q:
        return qs
    return qs.filter(Q(name__icontains=q) | Q(code__startswith=normalise_code(q)))


def _parent(qs: QuerySet[Any], code: str, field: str, kind: str) -> Any:
    """The parent a body names by code, among those visible; unknown or hidden is a 400."""
    code = normalise_code(code or "")
    if not code:
        raise ValidationError({field: [_("This field is required.")]})
    found = qs.filter(code=code).first()
    if found is None:
        raise ValidationError(
            {field: [_("No %(kind)s with the code %(code)s.") % {"kind": kind, "code": code}]}
        )
    return found


COMMUNITY_FIELDS = {"street": "street_code", "centre_lat": "centre", "centre_lng": "centre"}


def _centre_kwargs(data: dict[str, Any]) -> dict[str, Any]:
    if "centre" not in data:
        return {}
    centre = data.pop("centre")
    if centre is None:
        return {"centre_lat": None, "centre_lng": None}
    return {"centre_lat": centre["lat"], "centre_lng": centre["lng"]}


# --- districts ------------------------------------------------------------------------


@router.get("districts", response={200: DistrictPage, **ERRORS})
def district_list(request: HttpRequest, filters: Query[ListFilters]) -> dict[str, Any]:
    """Districts in the caller's scope, by code."""
    qs = queries.districts_visible_to(request.user, include_archived=filters.include_archived)
    return _page(_search(qs, filters.q), "code", filters)


@router.get("districts/{code}", response={200: DistrictOut, **ERRORS})
def district_get(request: HttpRequest, code: str) -> District:
    return get_visible_or_404(
        queries.districts_visible_to(request.user, include_archived=True), code=code
    )


@router.post("districts", response={201: DistrictOut, **ERRORS})
def district_create(request: HttpRequest, payload: DistrictIn) -> Status[District]:
    """Create a district (city office): a 6-digit code, or a local code flagged as such."""
    district = services.district_create(user=request.user, **payload.dict())
    return Status(201, district)


@router.patch("districts/{code}", response={200: DistrictOut, **ERRORS})
def district_update(request: HttpRequest, code: str, payload: DistrictPatch) -> District:
    district = district_get(request, code)
    changes = patch_values(payload)
    return services.district_update(user=request.user, district=district, **changes)


@router.post("districts/{code}/archive", response={200: DistrictOut, **ERRORS})
def district_archive(request: HttpRequest, code: str) -> District:
    return services.district_archive(user=request.user, district=district_get(request, code))


@router.post("districts/{code}/restore", response={200: DistrictOut, **ERRORS})
def district_restore(request: HttpRequest, code: str) -> District:
    return services.district_restore(user=request.user, district=district_get(request, code))


# --- streets --------------------------------------------------------------------------


@router.get("streets", response={200: StreetPage, **ERRORS})
def street_list(request: HttpRequest, filters: Query[ListFilters]) -> dict[str, Any]:
    """Streets in the caller's scope, by code; ``district`` filters by district code."""
    qs = queries.streets_visible_to(request.user, include_archived=filters.include_archived)
    if filters.district:
        qs = qs.filter(district__code=normalise_code(filters.district))
    return _page(_search(qs, filters.q), "code", filters)


@router.get("streets/{code}", response={200: StreetOut, **ERRORS})
def street_get(request: HttpRequest, code: str) -> Street:
    return get_visible_or_404(
        queries.streets_visible_to(request.user, include_archived=True), code=code
    )


@router.post("streets", response={201: StreetOut, **ERRORS})
def street_create(request: HttpRequest, payload: StreetIn) -> Status[Street]:
    """Create a street: a 9-digit code beginning with its district's code."""
    district = _parent(
        queries.districts_visible_to(request.user),
        payload.district_code,
        "district_code",
        _("district"),
    )
    try:
        street = services.street_create(
            user=request.user, district=district, code=payload.code, name=payload.name
        )
    except ValidationError as exc:
        raise renamed_errors(exc, {"district": "district_code"}) from exc
    return Status(201, street)


@router.patch("streets/{code}", response={200: StreetOut, **ERRORS})
def street_update(request: HttpRequest, code: str, payload: StreetPatch) -> Street:
    street = street_get(request, code)
    changes = patch_values(payload)
    return services.street_update(user=request.user, street=street, **changes)


@router.post("streets/{code}/archive", response={200: StreetOut, **ERRORS})
def street_archive(request: HttpRequest, code: str) -> Street:
    return services.street_archive(user=request.user, street=street_get(request, code))


@router.post("streets/{code}/restore", response={200: StreetOut, **ERRORS})
def street_restore(request: HttpRequest, code: str) -> Street:
    return services.street_restore(user=request.user, street=street_get(request, code))


# --- communities ----------------------------------------------------------------------


@router.get("communities", response={200: CommunityPage, **ERRORS})
def community_list(request: HttpRequest, filters: Query[ListFilters]) -> dict[str, Any]:
    """Communities in the caller's scope, by code; filter by ``district`` or ``street`` code."""
    qs = queries.communities_visible_to(request.user, include_archived=filters.include_archived)
    if filters.district:
        qs = qs.filter(street__district__code=normalise_code(filters.district))
    if filters.street:
        qs = qs.filter(street__code=normalise_code(filters.street))
    return _page(_search(qs, filters.q), "code", filters)


@router.get("communities/{code}", response={200: CommunityOut, **ERRORS})
def community_get(request: HttpRequest, code: str) -> Community:
    return get_visible_or_404(
        queries.communities_visible_to(request.user, include_archived=True), code=code
    )


@router.post("communities", response={201: CommunityOut, **ERRORS})
def community_create(request: HttpRequest, payload: CommunityIn) -> Status[Community]:
    """Create a community: a 12-digit code beginning with its street's code.

    With an ``outline`` and no ``centre`` the centre is the outline's centroid.
    """
    data = payload.dict()
    street = _parent(
        queries.streets_visible_to(request.user),
        data.pop("street_code"),
        "street_code",
        _("street"),
    )
    try:
        community = services.community_create(
            user=request.user, street=street, **_centre_kwargs(data), **data
        )
    except ValidationError as exc:
        raise renamed_errors(exc, COMMUNITY_FIELDS) from exc
    return Status(201, community)


@router.patch("communities/{code}", response={200: CommunityOut, **ERRORS})
def community_update(request: HttpRequest, code: str, payload: CommunityPatch) -> Community:
    """Change a community; its own staff may change only ``contact_name`` and ``contact_phone``."""
    community = community_get(request, code)
    data = payload.dict(exclude_unset=True)
    for field in ("code", "name", "street_code", "contact_name", "contact_phone"):
        if field in data and data[field] is None:
            del data[field]
    if "street_code" in data:
        data["street"] = _parent(
            queries.streets_visible_to(request.user),
            data.pop("street_code"),
            "street_code",
            _("street"),
        )
    try:
        return services.community_update(
            user=request.user, community=community, **_centre_kwargs(data), **data
        )
    except ValidationError as exc:
        raise renamed_errors(exc, COMMUNITY_FIELDS) from exc


@router.post("communities/{code}/archive", response={200: CommunityOut, **ERRORS})
def community_archive(request: HttpRequest, code: str) -> Community:
    return services.community_archive(user=request.user, community=community_get(request, code))


@router.post("communities/{code}/restore", response={200: CommunityOut, **ERRORS})
def community_restore(request: HttpRequest, code: str) -> Community:
    return services.community_restore(user=request.user, community=community_get(request, code))


# --- compounds ------------------------------------------------------------------------


@router.get("compounds", response={200: CompoundPage, **ERRORS})
def compound_list(request: HttpRequest, filters: Query[ListFilters]) -> dict[str, Any]:
    """Compounds in the caller's scope, by id; filter by ``district``, ``street`` or ``community``."""
    qs = queries.compounds_visible_to(request.user, include_archived=filters.include_archived)
    if filters.district:
        qs = qs.filter(community__street__district__code=normalise_code(filters.district))
    if filters.street:
        qs = qs.filter(community__street__code=normalise_code(filters.street))
    if filters.community:
        qs = qs.filter(community__code=normalise_code(filters.community))
    if filters.q.strip():
        text = filters.q.strip()
        qs = qs.filter(Q(name__icontains=text) | Q(address__icontains=text))
    return _page(qs, "id", filters)


@router.get("compounds/{id}", response={200: CompoundOut, **ERRORS})
def compound_get(request: HttpRequest, id: int) -> Compound:
    return get_visible_or_404(
        queries.compounds_visible_to(request.user, include_archived=True), pk=id
    )


@router.post("compounds", response={201: CompoundOut, **ERRORS})
def compound_create(request: HttpRequest, payload: CompoundIn) -> Status[Compound]:
    """Create a residential compound in the community named by ``community_code``."""
    data = payload.dict()
    community = _parent(
        queries.communities_visible_to(request.user),
        data.pop("community_code"),
        "community_code",
        _("community"),
    )
    try:
        compound = services.compound_create(user=request.user, community=community, **data)
    except ValidationError as exc:
        raise renamed_errors(exc, {"community": "community_code"}) from exc
    return Status(201, compound)


@router.patch("compounds/{id}", response={200: CompoundOut, **ERRORS})
def compound_update(request: HttpRequest, id: int, payload: CompoundPatch) -> Compound:
    compound = compound_get(request, id)
    data = payload.dict(exclude_unset=True)
    for field in ("name", "address", "is_old"):
        if field in data and data[field] is None:
            del data[field]
    return services.compound_update(user=request.user, compound=compound, **data)


@router.post("compounds/{id}/archive", response={200: CompoundOut, **ERRORS})
def compound_archive(request: HttpRequest, id: int) -> Compound:
    return services.compound_archive(user=request.user, compound=compound_get(request, id))


@router.post("compounds/{id}/restore", response={200: CompoundOut, **ERRORS})
def compound_restore(request: HttpRequest, id: int) -> Compound:
    return services.compound_restore(user=request.user, compound=compound_get(request, id))
