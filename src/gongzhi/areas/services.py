"""Every write to the area registry: create, update, archive and restore.

Each function takes the acting ``user`` first, checks that they may write
(``PermissionDenied`` otherwise), validates with messages naming the field
(``ValidationError`` with a field dict) and records who changed what in the
object's history. Rows are never deleted: they are archived.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from typing import Any, Final

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Model
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.areas import permissions
from gongzhi.areas.models import Community, Compound, District, Street
from gongzhi.core.archive import mark_archived, mark_restored, save_with_history
from gongzhi.core.codes import normalise_code, validate_division_code
from gongzhi.core.validation import MAX_COUNT, UNSET, Errors
from gongzhi.core.validation import Unset as _Unset
from gongzhi.core.validation import add_error as _add
from gongzhi.core.validation import raise_if_errors as _raise_if

DISTRICT_CODE_LENGTH: Final = 6
STREET_CODE_LENGTH: Final = 9
COMMUNITY_CODE_LENGTH: Final = 12
LOCAL_CODE = re.compile(r"^[0-9A-Z]{6}$")


# --- validation helpers ---------------------------------------------------------------


def _messages(exc: ValidationError) -> list[str]:
    return [str(m) for m in exc.messages]


def _clean_name(errors: Errors, value: str, max_length: int, field: str = "name") -> str:
    value = (value or "").strip()
    if not value:
        _add(errors, field, _("This field is required."))
    elif len(value) > max_length:
        _add(
            errors,
            field,
            _("At most %(max)d characters (it has %(n)d).") % {"max": max_length, "n": len(value)},
        )
    return value


def _clean_text(errors: Errors, field: str, value: str, max_length: int) -> str:
    value = (value or "").strip()
    if len(value) > max_length:
        _add(
            errors,
            field,
            _("At most %(max)d characters (it has %(n)d).") % {"max": max_length, "n": len(value)},
        )
    return value


def _clean_district_code(errors: Errors, code: str, is_local_code: bool) -> str:
    code = normalise_code(code or "")
    if is_local_code:
        if not LOCAL_CODE.match(code):
            _add(
                errors,
                "code",
                _("A local district code has 6 characters, digits or capital letters."),
            )
        return code
    try:
        validate_division_code(code, DISTRICT_CODE_LENGTH)
    except ValidationError as exc:
        _add(errors, "code", *_messages(exc)[:1])
    return code


def _clean_child_code(
    errors: Errors, code: str, length: int, parent_code: str, parent_is_local: bool
) -> str:
    """A code of ``length`` digits that begins with its parent's code.

    Under a district with a local code the prefix may hold letters; the digits
    that follow it must still be digits.
    """
    code = normalise_code(code or "")
    if not parent_is_local:
        try:
            validate_division_code(code, length, parent_code)
        except ValidationError as exc:
            _add(errors, "code", *_messages(exc)[:1])
        return code
    tail = code[len(parent_code) :]
    if len(code) != length:
        _add(
            errors,
            "code",
            _("This division code must have %(want)d digits; it has %(n)d.")
            % {"want": length, "n": len(code)},
        )
    elif not code.startswith(parent_code):
        _add(
            errors,
            "code",
            _("The code must begin with the code of its parent area, %(parent)s.")
            % {"parent": parent_code},
        )
    elif not (tail.isdigit() and tail.isascii()):
        _add(errors, "code", _("A division code has only digits."))
    return code


def _check_unique(
    errors: Errors, model: type[Model], code: str, exclude_pk: int | None, label: str
) -> None:
    if "code" in errors or not code:
        return
    clash = model._default_manager.filter(code=code)
    if exclude_pk is not None:
        clash = clash.exclude(pk=exclude_pk)
    found = clash.first()
    if found is not None:
        archived = getattr(found, "archived_at", None) is not None
        message = (
            _("The %(kind)s %(name)s (archived) already has the code %(code)s.")
            if archived
            else _("The %(kind)s %(name)s already has the code %(code)s.")
        )
        _add(errors, "code", message % {"kind": label, "name": found, "code": code})


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def validate_outline(outline: Any) -> None:
    """Check a GeoJSON Polygon: closed rings of at least four [lng, lat] positions in range."""
    if not isinstance(outline, dict) or outline.get("type") != "Polygon":
        raise ValidationError(_('The outline must be a GeoJSON object with "type": "Polygon".'))
    rings = outline.get("coordinates")
    if not isinstance(rings, list) or not rings:
        raise ValidationError(_("The outline needs coordinates: a list of rings."))
    for index, ring in enumerate(rings, start=1):
        if not isinstance(ring, list) or len(ring) < 4:
            raise ValidationError(
                _("Ring %(ring)d needs at least 4 positions (the last repeating the first).")
                % {"ring": index}
            )
        for position in ring:
            if (
                not isinstance(position, list | tuple)
                or len(position) not in (2, 3)
                or not all(_is_number(v) for v in position)
            ):
                raise ValidationError(
                    _("Ring %(ring)d: each position is a pair of numbers [longitude, latitude].")
                    % {"ring": index}
                )
            lng, lat = position[0], position[1]
            if not (-180 <= lng <= 180 and -90 <= lat <= 90):
                raise ValidationError(
                    _(
                        "Ring %(ring)d: position [%(lng)s, %(lat)s] is out of range; "
                        "positions are [longitude, latitude]."
                    )
                    % {"ring": index, "lng": lng, "lat": lat}
                )
        if list(ring[0][:2]) != list(ring[-1][:2]):
            raise ValidationError(
                _("Ring %(ring)d is not closed: its last position must repeat the first.")
                % {"ring": index}
            )


def outline_centre(outline: dict[str, Any]) -> tuple[float, float]:
    """The centroid (lat, lng) of a valid outline's outer ring; its vertex mean if it has no area."""
    ring = [(float(p[0]), float(p[1])) for p in outline["coordinates"][0]]
    twice_area = cx = cy = 0.0
    for (x0, y0), (x1, y1) in zip(ring, ring[1:], strict=False):
        cross = x0 * y1 - x1 * y0
        twice_area += cross
        cx += (x0 + x1) * cross
        cy += (y0 + y1) * cross
    if abs(twice_area) < 1e-12:
        points = ring[:-1]
        return (sum(p[1] for p in points) / len(points), sum(p[0] for p in points) / len(points))
    return (cy / (3 * twice_area), cx / (3 * twice_area))


def _clean_outline_and_centre(
    errors: Errors, outline: Any, centre_lat: Any, centre_lng: Any
) -> tuple[Any, float | None, float | None]:
    if outline is not None:
        try:
            validate_outline(outline)
        except ValidationError as exc:
            _add(errors, "outline", *_messages(exc)[:1])
            outline = None
    if (centre_lat is None) != (centre_lng is None):
        field = "centre_lng" if centre_lng is None else "centre_lat"
        _add(errors, field, _("Give both the latitude and the longitude of the centre."))
    elif centre_lat is not None:
        if not _is_number(centre_lat) or not -90 <= centre_lat <= 90:
            _add(errors, "centre_lat", _("A latitude is a number from -90 to 90."))
        if not _is_number(centre_lng) or not -180 <= centre_lng <= 180:
            _add(errors, "centre_lng", _("A longitude is a number from -180 to 180."))
    elif outline is not None:
        centre_lat, centre_lng = outline_centre(outline)
    return outline, centre_lat, centre_lng


def _names(objects: Iterable[Any], limit: int = 5) -> str:
    items = [str(o) for o in objects]
    # Translators: the separator between names in a list (、 in Chinese).
    shown = _(", ").join(items[:limit])
    return shown + ("…" if len(items) > limit else "")


def _refuse_archive(kind_plural: str, rows: list[Any], count: int) -> None:
    if count:
        raise ValidationError(
            _("Archive its %(count)d active %(kind)s first: %(names)s.")
            % {"count": count, "kind": kind_plural, "names": _names(rows)}
        )


def _deny(message: str) -> PermissionDenied:
    return PermissionDenied(message)


# --- districts ------------------------------------------------------------------------


@transaction.atomic
def district_create(*, user: Any, code: str, name: str, is_local_code: bool = False) -> District:
    """Create a district (office only)."""
    if not permissions.may_write_district(user):
        raise _deny(_("Only the city office may create districts."))
    errors: Errors = {}
    code = _clean_district_code(errors, code, is_local_code)
    name = _clean_name(errors, name, 60)
    _check_unique(errors, District, code, None, _("district"))
    _raise_if(errors)
    return save_with_history(District(code=code, name=name, is_local_code=is_local_code), user)


@transaction.atomic
def district_update(
    *,
    user: Any,
    district: District,
    code: str | _Unset = UNSET,
    name: str | _Unset = UNSET,
    is_local_code: bool | _Unset = UNSET,
) -> District:
    """Change a district's code, name or local-code flag (office only)."""
    if not permissions.may_write_district(user, district):
        raise _deny(_("Only the city office may change districts."))
    errors: Errors = {}
    local = district.is_local_code if isinstance(is_local_code, _Unset) else is_local_code
    new_code = district.code if isinstance(code, _Unset) else code
    new_code = _clean_district_code(errors, new_code, local)
    if new_code != district.code:
        _check_unique(errors, District, new_code, district.pk, _("district"))
        if district.streets.exists():
            _add(errors, "code", _("A district with streets keeps its code."))
    new_name = district.name if isinstance(name, _Unset) else _clean_name(errors, name, 60)
    _raise_if(errors)
    district.code, district.name, district.is_local_code = new_code, new_name, local
    return save_with_history(district, user)


@transaction.atomic
def district_archive(*, user: Any, district: District) -> District:
    """Archive a district that has no active streets and no active units."""
    if not permissions.may_write_district(user, district):
        raise _deny(_("Only the city office may archive districts."))
    if district.archived_at is None:
        streets = district.streets.filter(archived_at__isnull=True)
        _refuse_archive(_("streets"), list(streets[:6]), streets.count())
        units = district.units.filter(archived_at__isnull=True)
        _refuse_archive(_("units"), list(units[:6]), units.count())
        mark_archived(district, user)
    return district


@transaction.atomic
def district_restore(*, user: Any, district: District) -> District:
    """Bring an archived district back."""
    if not permissions.may_write_district(user, district):
        raise _deny(_("Only the city office may restore districts."))
    return mark_restored(district, user)


# --- streets --------------------------------------------------------------------------


@transaction.atomic
def street_create(*, user: Any, district: District, code: str, name: str) -> Street:
    """Create a street under ``district``; its 9-digit code begins with the district's."""
    if not permissions.may_write_street(user, district):
        raise _deny(_("You may not add streets to %(district)s.") % {"district": district})
    errors: Errors = {}
    if district.archived_at is not None:
        _add(errors, "district", _("This district is archived."))
    code = _clean_child_code(
        errors, code, STREET_CODE_LENGTH, district.code, district.is_local_code
    )
    name = _clean_name(errors, name, 60)
    _check_unique(errors, Street, code, None, _("street"))
    _raise_if(errors)
    return save_with_history(Street(district=district, code=code, name=name), user)


@transaction.atomic
def street_update(
    *, user: Any, street: Street, code: str | _Unset = UNSET, name: str | _Unset = UNSET
) -> Street:
    """Change a street's code or name."""
    if not permissions.may_write_street(user, street.district):
        raise _deny(_("You may not change the street %(street)s.") % {"street": street})
    errors: Errors = {}
    new_code = street.code
    if not isinstance(code, _Unset):
        new_code = _clean_child_code(
            errors, code, STREET_CODE_LENGTH, street.district.code, street.district.is_local_code
        )
        if new_code != street.code:
            _check_unique(errors, Street, new_code, street.pk, _("street"))
            if street.communities.exists():
                _add(errors, "code", _("A street with communities keeps its code."))
    new_name = street.name if isinstance(name, _Unset) else _clean_name(errors, name, 60)
    _raise_if(errors)
    street.code, street.name = new_code, new_name
    return save_with_history(street, user)


@transaction.atomic
def street_archive(*, user: Any, street: Street) -> Street:
    """Archive a street that has no active communities."""
    if not permissions.may_write_street(user, street.district):
        raise _deny(_("You may not archive the street %(street)s.") % {"street": street})
    if street.archived_at is None:
        communities = street.communities.filter(archived_at__isnull=True)
        _refuse_archive(_("communities"), list(communities[:6]), communities.count())
        mark_archived(street, user)
    return street


@transaction.atomic
def street_restore(*, user: Any, street: Street) -> Street:
    """Bring an archived street back (its district must be active)."""
    if not permissions.may_write_street(user, street.district):
        raise _deny(_("You may not restore the street %(street)s.") % {"street": street})
    if street.district.archived_at is not None:
        raise ValidationError(_("Restore the district %(d)s first.") % {"d": street.district})
    return mark_restored(street, user)


# --- communities ----------------------------------------------------------------------

CONTACT_FIELDS: Final = frozenset({"contact_name", "contact_phone"})


@transaction.atomic
def community_create(
    *,
    user: Any,
    street: Street,
    code: str,
    name: str,
    outline: dict[str, Any] | None = None,
    centre_lat: float | None = None,
    centre_lng: float | None = None,
    contact_name: str = "",
    contact_phone: str = "",
) -> Community:
    """Create a community under ``street``; its 12-digit code begins with the street's.

    With an outline and no centre, the centre is the outline's centroid.
    """
    if not permissions.may_write_community(user, street):
        raise _deny(_("You may not add communities to %(street)s.") % {"street": street})
    errors: Errors = {}
    if street.archived_at is not None:
        _add(errors, "street", _("This street is archived."))
    code = _clean_child_code(
        errors, code, COMMUNITY_CODE_LENGTH, street.code, street.district.is_local_code
    )
    name = _clean_name(errors, name, 60)
    _check_unique(errors, Community, code, None, _("community"))
    outline, centre_lat, centre_lng = _clean_outline_and_centre(
        errors, outline, centre_lat, centre_lng
    )
    contact_name = _clean_text(errors, "contact_name", contact_name, 40)
    contact_phone = _clean_text(errors, "contact_phone", contact_phone, 20)
    _raise_if(errors)
    community = Community(
        street=street,
        code=code,
        name=name,
        outline=outline,
        centre_lat=centre_lat,
        centre_lng=centre_lng,
        contact_name=contact_name,
        contact_phone=contact_phone,
    )
    return save_with_history(community, user)


@transaction.atomic
def community_update(
    *,
    user: Any,
    community: Community,
    street: Street | _Unset = UNSET,
    code: str | _Unset = UNSET,
    name: str | _Unset = UNSET,
    outline: dict[str, Any] | None | _Unset = UNSET,
    centre_lat: float | None | _Unset = UNSET,
    centre_lng: float | None | _Unset = UNSET,
    contact_name: str | _Unset = UNSET,
    contact_phone: str | _Unset = UNSET,
) -> Community:
    """Change a community. Its own staff may change only the contact fields.

    A new outline without a centre moves the centre to the outline's centroid.
    """
    given = {
        key
        for key, value in {
            "street": street,
            "code": code,
            "name": name,
            "outline": outline,
            "centre_lat": centre_lat,
            "centre_lng": centre_lng,
            "contact_name": contact_name,
            "contact_phone": contact_phone,
        }.items()
        if not isinstance(value, _Unset)
    }
    if not permissions.may_edit_community_contact(user, community):
        raise _deny(_("You may not change the community %(c)s.") % {"c": community})
    full = permissions.may_write_community(user, community.street)
    if not full and given - CONTACT_FIELDS:
        raise _deny(_("Community staff may change only the contact name and phone."))
    errors: Errors = {}
    new_street = community.street if isinstance(street, _Unset) else street
    if new_street.pk != community.street_id:
        if not permissions.may_write_community(user, new_street):
            raise _deny(_("You may not move communities to %(street)s.") % {"street": new_street})
        if new_street.archived_at is not None:
            _add(errors, "street", _("This street is archived."))
    new_code = community.code if isinstance(code, _Unset) else code
    if "code" in given or "street" in given:
        new_code = _clean_child_code(
            errors,
            new_code,
            COMMUNITY_CODE_LENGTH,
            new_street.code,
            new_street.district.is_local_code,
        )
        if new_code != community.code:
            _check_unique(errors, Community, new_code, community.pk, _("community"))
    new_name = community.name if isinstance(name, _Unset) else _clean_name(errors, name, 60)
    new_outline = community.outline if isinstance(outline, _Unset) else outline
    lat = community.centre_lat if isinstance(centre_lat, _Unset) else centre_lat
    lng = community.centre_lng if isinstance(centre_lng, _Unset) else centre_lng
    if "outline" in given and not {"centre_lat", "centre_lng"} & given:
        lat = lng = None  # recomputed from the new outline
    if {"outline", "centre_lat", "centre_lng"} & given:
        new_outline, lat, lng = _clean_outline_and_centre(errors, new_outline, lat, lng)
    new_contact_name = (
        community.contact_name
        if isinstance(contact_name, _Unset)
        else _clean_text(errors, "contact_name", contact_name, 40)
    )
    new_contact_phone = (
        community.contact_phone
        if isinstance(contact_phone, _Unset)
        else _clean_text(errors, "contact_phone", contact_phone, 20)
    )
    _raise_if(errors)
    community.street = new_street
    community.code = new_code
    community.name = new_name
    community.outline = new_outline
    community.centre_lat, community.centre_lng = lat, lng
    community.contact_name, community.contact_phone = new_contact_name, new_contact_phone
    return save_with_history(community, user)


def _current_pairings(community: Community) -> Any:
    from gongzhi.units.models import Pairing

    today = timezone.localdate()
    return (
        Pairing.objects.filter(community=community, archived_at__isnull=True)
        .exclude(end__lt=today)
        .select_related("unit")
    )


@transaction.atomic
def community_archive(*, user: Any, community: Community) -> Community:
    """Archive a community with no active compounds and no current pairings."""
    if not permissions.may_write_community(user, community.street):
        raise _deny(_("You may not archive the community %(c)s.") % {"c": community})
    if community.archived_at is None:
        compounds = community.compounds.filter(archived_at__isnull=True)
        _refuse_archive(_("compounds"), list(compounds[:6]), compounds.count())
        pairings = _current_pairings(community)
        count = pairings.count()
        if count:
            raise ValidationError(
                _("End or archive its %(count)d current pairings first: %(names)s.")
                % {"count": count, "names": _names(p.unit for p in pairings[:6])}
            )
        mark_archived(community, user)
    return community


@transaction.atomic
def community_restore(*, user: Any, community: Community) -> Community:
    """Bring an archived community back (its street must be active)."""
    if not permissions.may_write_community(user, community.street):
        raise _deny(_("You may not restore the community %(c)s.") % {"c": community})
    if community.street.archived_at is not None:
        raise ValidationError(_("Restore the street %(s)s first.") % {"s": community.street})
    return mark_restored(community, user)


# --- compounds ------------------------------------------------------------------------


def _clean_households(errors: Errors, households: Any) -> int | None:
    if households is None:
        return None
    if isinstance(households, bool) or not isinstance(households, int) or households < 0:
        _add(errors, "households", _("The number of households is a whole number, 0 or more."))
        return None
    if households > MAX_COUNT:
        _add(errors, "households", _("The number of households is too large."))
        return None
    return households


def _check_compound_name(
    errors: Errors, community: Community, name: str, exclude_pk: int | None
) -> None:
    if "name" in errors:
        return
    clash = Compound.objects.filter(community=community, name=name)
    if exclude_pk is not None:
        clash = clash.exclude(pk=exclude_pk)
    if clash.exists():
        _add(
            errors,
            "name",
            _("%(community)s already has a compound named %(name)s.")
            % {"community": community, "name": name},
        )


@transaction.atomic
def compound_create(
    *,
    user: Any,
    community: Community,
    name: str,
    address: str = "",
    is_old: bool = False,
    households: int | None = None,
) -> Compound:
    """Create a residential compound in ``community``."""
    if not permissions.may_write_compound(user, community):
        raise _deny(_("You may not add compounds to %(c)s.") % {"c": community})
    errors: Errors = {}
    if community.archived_at is not None:
        _add(errors, "community", _("This community is archived."))
    name = _clean_name(errors, name, 80)
    address = _clean_text(errors, "address", address, 200)
    households = _clean_households(errors, households)
    _check_compound_name(errors, community, name, None)
    _raise_if(errors)
    compound = Compound(
        community=community, name=name, address=address, is_old=is_old, households=households
    )
    return save_with_history(compound, user)


@transaction.atomic
def compound_update(
    *,
    user: Any,
    compound: Compound,
    name: str | _Unset = UNSET,
    address: str | _Unset = UNSET,
    is_old: bool | _Unset = UNSET,
    households: int | None | _Unset = UNSET,
) -> Compound:
    """Change a compound's name, address, old-compound flag or households."""
    if not permissions.may_write_compound(user, compound.community):
        raise _deny(_("You may not change the compound %(c)s.") % {"c": compound})
    errors: Errors = {}
    if not isinstance(name, _Unset):
        compound.name = _clean_name(errors, name, 80)
        _check_compound_name(errors, compound.community, compound.name, compound.pk)
    if not isinstance(address, _Unset):
        compound.address = _clean_text(errors, "address", address, 200)
    if not isinstance(is_old, _Unset):
        compound.is_old = bool(is_old)
    if not isinstance(households, _Unset):
        compound.households = _clean_households(errors, households)
    _raise_if(errors)
    return save_with_history(compound, user)


@transaction.atomic
def compound_archive(*, user: Any, compound: Compound) -> Compound:
    """Archive a compound."""
    if not permissions.may_write_compound(user, compound.community):
        raise _deny(_("You may not archive the compound %(c)s.") % {"c": compound})
    return mark_archived(compound, user)


@transaction.atomic
def compound_restore(*, user: Any, compound: Compound) -> Compound:
    """Bring an archived compound back (its community must be active)."""
    if not permissions.may_write_compound(user, compound.community):
        raise _deny(_("You may not restore the compound %(c)s.") % {"c": compound})
    if compound.community.archived_at is not None:
        raise ValidationError(_("Restore the community %(c)s first.") % {"c": compound.community})
    return mark_restored(compound, user)
