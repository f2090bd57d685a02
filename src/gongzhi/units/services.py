"""Every write to the unit registry: units, members and pairings.

Each function takes the acting ``user`` first, checks that they may write
(``PermissionDenied`` otherwise), validates with messages naming the field
(``ValidationError`` with a field dict) and records who changed what in the
object's history. Rows are never deleted: they are archived.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Final

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from gongzhi.areas.models import Community, District
from gongzhi.core.archive import mark_archived, mark_restored, save_with_history
from gongzhi.core.codes import normalise_code, validate_credit_code, validate_id_number
from gongzhi.core.validation import MAX_COUNT, UNSET, Errors
from gongzhi.core.validation import Unset as _Unset
from gongzhi.core.validation import add_error as _add
from gongzhi.core.validation import raise_if_errors as _raise_if
from gongzhi.units import permissions, queries
from gongzhi.units.models import Member, Pairing, Unit, UnitKind

MUNICIPAL: Final = "municipal"


MAX_HEADCOUNT: Final = MAX_COUNT
UNIT_CONTACT_FIELDS: Final = frozenset({"contact_name", "contact_phone", "headcount"})


# --- helpers --------------------------------------------------------------------------


def _text(errors: Errors, field: str, value: Any, max_length: int, *, required: bool) -> str:
    text = "" if value is None else str(value).strip()
    if required and not text:
        _add(errors, field, _("This field is required."))
    elif len(text) > max_length:
        _add(
            errors,
            field,
            _("At most %(max)d characters (it has %(n)d).") % {"max": max_length, "n": len(text)},
        )
    return text


def _day(value: dt.date | None) -> str:
    return date_format(value, "Y-m-d") if value else _("open end")


def clean_credit_code(errors: Errors, code: Any, *, exclude_pk: int | None = None) -> str:
    """Normalise (strip, upper-case) and validate a credit code, and check it is unused."""
    value = normalise_code(str(code or ""))
    if not value:
        _add(errors, "code", _("This field is required."))
        return value
    try:
        validate_credit_code(value)
    except ValidationError as exc:
        _add(errors, "code", str(exc.messages[0]))
        return value
    taken = Unit.objects.filter(code=value)
    if exclude_pk is not None:
        taken = taken.exclude(pk=exclude_pk)
    existing = taken.first()
    if existing is not None:
        _add(
            errors,
            "code",
            _("The credit code %(code)s already belongs to %(unit)s.")
            % {"code": value, "unit": existing.name},
        )
    return value


def _clean_kind(errors: Errors, kind: Any) -> str:
    value = str(kind or "").strip().lower()
    if value not in UnitKind.values:
        _add(
            errors,
            "kind",
            _("Choose one of: %(choices)s.") % {"choices": ", ".join(UnitKind.values)},
        )
    return value


def _clean_jurisdiction(errors: Errors, jurisdiction: Any) -> District | None:
    """``None``, ``""`` or ``"municipal"`` is municipal; otherwise an existing district."""
    if isinstance(jurisdiction, District):
        return jurisdiction
    value = str(jurisdiction or "").strip()
    if not value or value.lower() == MUNICIPAL:
        return None
    district = District.objects.filter(code=normalise_code(value)).first()
    if district is None:
        _add(
            errors,
            "jurisdiction",
            _("No district with the code %(code)s; use “municipal” for municipal units.")
            % {"code": value},
        )
    return district


def _clean_headcount(errors: Errors, headcount: Any) -> int | None:
    if headcount is None or headcount == "":
        return None
    if isinstance(headcount, bool) or not isinstance(headcount, int):
        try:
            headcount = int(str(headcount).strip())
        except ValueError:
            _add(errors, "headcount", _("Enter a whole number."))
            return None
    if headcount < 0:
        _add(errors, "headcount", _("The headcount cannot be negative."))
        return None
    if headcount > MAX_HEADCOUNT:
        _add(errors, "headcount", _("The headcount is too large."))
        return None
    return int(headcount)


def _deny(message: str) -> PermissionDenied:
    return PermissionDenied(message)


# --- units ----------------------------------------------------------------------------


@transaction.atomic
def unit_create(
    *,
    user: Any,
    code: str,
    name: str,
    kind: str,
    jurisdiction: str | District | None,
    short_name: str = "",
    headcount: int | None = None,
    contact_name: str = "",
    contact_phone: str = "",
) -> Unit:
    """Register a unit. The office registers any; a district officer, units of their district."""
    if not permissions.may_create_units(user):
        raise _deny(_("You may not register units."))
    errors: Errors = {}
    clean_code = clean_credit_code(errors, code)
    clean_name = _text(errors, "name", name, 100, required=True)
    clean_short = _text(errors, "short_name", short_name, 40, required=False)
    clean_kind = _clean_kind(errors, kind)
    district = _clean_jurisdiction(errors, jurisdiction)
    clean_headcount = _clean_headcount(errors, headcount)
    clean_contact = _text(errors, "contact_name", contact_name, 40, required=False)
    clean_phone = _text(errors, "contact_phone", contact_phone, 20, required=False)
    _raise_if(errors)
    if not permissions.may_write_unit_in(user, district.pk if district else None):
        raise _deny(_("You may only register units of your own district."))
    unit = Unit(
        code=clean_code,
        name=clean_name,
        short_name=clean_short,
        kind=clean_kind,
        jurisdiction=district,
        headcount=clean_headcount,
        contact_name=clean_contact,
        contact_phone=clean_phone,
    )
    return save_with_history(unit, user)


@transaction.atomic
def unit_update(
    *,
    user: Any,
    unit: Unit,
    code: str | _Unset = UNSET,
    name: str | _Unset = UNSET,
    short_name: str | _Unset = UNSET,
    kind: str | _Unset = UNSET,
    jurisdiction: str | District | None | _Unset = UNSET,
    headcount: int | None | _Unset = UNSET,
    contact_name: str | _Unset = UNSET,
    contact_phone: str | _Unset = UNSET,
) -> Unit:
    """Change a unit. Its liaison may change only the contact fields and headcount."""
    given = {
        key
        for key, value in {
            "code": code,
            "name": name,
            "short_name": short_name,
            "kind": kind,
            "jurisdiction": jurisdiction,
            "headcount": headcount,
            "contact_name": contact_name,
            "contact_phone": contact_phone,
        }.items()
        if not isinstance(value, _Unset)
    }
    full = permissions.may_write_unit(user, unit)
    if not full:
        if not permissions.may_edit_unit_contact(user, unit):
            raise _deny(_("You may not change this unit."))
        if given - UNIT_CONTACT_FIELDS:
            raise _deny(_("You may change only the contact fields and headcount of your unit."))
    unit = Unit.objects.select_for_update().get(pk=unit.pk)
    errors: Errors = {}
    if not isinstance(code, _Unset):
        unit.code = clean_credit_code(errors, code, exclude_pk=unit.pk)
    if not isinstance(name, _Unset):
        unit.name = _text(errors, "name", name, 100, required=True)
    if not isinstance(short_name, _Unset):
        unit.short_name = _text(errors, "short_name", short_name, 40, required=False)
    if not isinstance(kind, _Unset):
        unit.kind = _clean_kind(errors, kind)
    if not isinstance(jurisdiction, _Unset):
        district = _clean_jurisdiction(errors, jurisdiction)
        if "jurisdiction" not in errors:
            if not permissions.may_write_unit_in(user, district.pk if district else None):
                raise _deny(_("You may only move a unit to your own district."))
            unit.jurisdiction = district
    if not isinstance(headcount, _Unset):
        unit.headcount = _clean_headcount(errors, headcount)
    if not isinstance(contact_name, _Unset):
        unit.contact_name = _text(errors, "contact_name", contact_name, 40, required=False)
    if not isinstance(contact_phone, _Unset):
        unit.contact_phone = _text(errors, "contact_phone", contact_phone, 20, required=False)
    _raise_if(errors)
    return save_with_history(unit, user)


@transaction.atomic
def unit_archive(*, user: Any, unit: Unit) -> Unit:
    """Archive a unit; it keeps its history and its pairings keep their dates."""
    if not permissions.may_write_unit(user, unit):
        raise _deny(_("You may not archive this unit."))
    unit = Unit.objects.select_for_update().get(pk=unit.pk)
    return mark_archived(unit, user)


@transaction.atomic
def unit_restore(*, user: Any, unit: Unit) -> Unit:
    if not permissions.may_write_unit(user, unit):
        raise _deny(_("You may not restore this unit."))
    unit = Unit.objects.select_for_update().get(pk=unit.pk)
    return mark_restored(unit, user)


# --- members --------------------------------------------------------------------------


def _clean_residence(errors: Errors, community: Any) -> Community | None:
    if community is None or community == "":
        return None
    if isinstance(community, Community):
        return community
    found = Community.objects.filter(code=normalise_code(str(community))).first()
    if found is None:
        _add(
            errors,
            "residence_community",
            _("No community with the code %(code)s.") % {"code": community},
        )
    return found


def _clean_phone(errors: Errors, phone: Any) -> str:
    value = _text(errors, "phone", phone, 20, required=False).replace(" ", "")
    if value and not all(c.isdigit() or c in "+-" for c in value):
        _add(errors, "phone", _("A phone number has only digits, “+” and “-”."))
    return value


def _clean_id_number(errors: Errors, value: Any) -> str:
    text = normalise_code(_text(errors, "id_number", value, 18, required=False))
    if text:
        try:
            validate_id_number(text)
        except ValidationError as refused:
            _add(errors, "id_number", refused.messages[0])
    return text


@transaction.atomic
def member_create(
    *,
    user: Any,
    unit: Unit,
    name: str,
    phone: str = "",
    is_party_member: bool = False,
    residence_community: Community | str | None = None,
    id_number: str = "",
    volunteer_code: str = "",
    reason: str | None = None,
) -> Member:
    """Add a member to ``unit`` (the office or the unit's liaison). The ID card number
    (check character verified) and the national volunteer number go on the volunteer
    hours certificate and the export for the national volunteer system."""
    if not permissions.may_write_members(user, unit):
        raise _deny(_("You may not add members to this unit."))
    if unit.archived_at is not None:
        raise ValidationError({"unit": [_("This unit is archived.")]})
    errors: Errors = {}
    member = Member(
        unit=unit,
        name=_text(errors, "name", name, 40, required=True),
        phone=_clean_phone(errors, phone),
        is_party_member=bool(is_party_member),
        residence_community=_clean_residence(errors, residence_community),
        id_number=_clean_id_number(errors, id_number),
        volunteer_code=_text(errors, "volunteer_code", volunteer_code, 40, required=False),
    )
    _raise_if(errors)
    return save_with_history(member, user, reason)


@transaction.atomic
def member_update(
    *,
    user: Any,
    member: Member,
    name: str | _Unset = UNSET,
    phone: str | _Unset = UNSET,
    is_party_member: bool | _Unset = UNSET,
    residence_community: Community | str | None | _Unset = UNSET,
    id_number: str | _Unset = UNSET,
    volunteer_code: str | _Unset = UNSET,
    reason: str | None = None,
) -> Member:
    if not permissions.may_write_members(user, member.unit):
        raise _deny(_("You may not change members of this unit."))
    member = Member.objects.select_for_update().get(pk=member.pk)
    errors: Errors = {}
    if not isinstance(name, _Unset):
        member.name = _text(errors, "name", name, 40, required=True)
    if not isinstance(phone, _Unset):
        member.phone = _clean_phone(errors, phone)
    if not isinstance(is_party_member, _Unset):
        member.is_party_member = bool(is_party_member)
    if not isinstance(residence_community, _Unset):
        member.residence_community = _clean_residence(errors, residence_community)
    if not isinstance(id_number, _Unset):
        member.id_number = _clean_id_number(errors, id_number)
    if not isinstance(volunteer_code, _Unset):
        member.volunteer_code = _text(errors, "volunteer_code", volunteer_code, 40, required=False)
    _raise_if(errors)
    return save_with_history(member, user, reason)


@transaction.atomic
def member_archive(*, user: Any, member: Member) -> Member:
    if not permissions.may_write_members(user, member.unit):
        raise _deny(_("You may not archive members of this unit."))
    member = Member.objects.select_for_update().get(pk=member.pk)
    return mark_archived(member, user)


# --- pairings -------------------------------------------------------------------------


def _refuse_overlap(
    *, unit: Unit, community: Community, start: dt.date, end: dt.date | None, exclude: int | None
) -> None:
    clash = queries.overlapping_pairings(unit=unit, community_id=community.pk, start=start, end=end)
    if exclude is not None:
        clash = clash.exclude(pk=exclude)
    existing = clash.first()
    if existing is not None:
        raise ValidationError(
            {
                "start": [
                    _(
                        "%(unit)s is already paired with %(community)s from %(start)s "
                        "to %(end)s; the dates may not overlap."
                    )
                    % {
                        "unit": unit,
                        "community": community.name,
                        "start": _day(existing.start),
                        "end": _day(existing.end),
                    }
                ]
            }
        )


@transaction.atomic
def pairing_create(
    *,
    user: Any,
    unit: Unit,
    community: Community,
    start: dt.date,
    end: dt.date | None = None,
) -> Pairing:
    """Pair ``unit`` with ``community`` from ``start`` to ``end`` (inclusive; None: open).

    Overlapping pairings of the same unit and community are refused. The unit
    row is locked first so that two concurrent requests cannot both pass the check.
    """
    if not permissions.may_write_pairing_in(user, community):
        raise _deny(_("You may not pair units with this community."))
    errors: Errors = {}
    if not isinstance(start, dt.date):
        _add(errors, "start", _("Enter a date as YYYY-MM-DD."))
    if end is not None and not isinstance(end, dt.date):
        _add(errors, "end", _("Enter a date as YYYY-MM-DD."))
    if unit.archived_at is not None:
        _add(errors, "unit", _("This unit is archived."))
    if community.archived_at is not None:
        _add(errors, "community", _("This community is archived."))
    _raise_if(errors)
    if end is not None and end < start:
        raise ValidationError({"end": [_("The end date cannot be before the start date.")]})
    locked = Unit.objects.select_for_update().get(pk=unit.pk)
    _refuse_overlap(unit=locked, community=community, start=start, end=end, exclude=None)
    pairing = Pairing(unit=locked, community=community, start=start, end=end)
    return save_with_history(pairing, user)


@transaction.atomic
def pairing_end(*, user: Any, pairing: Pairing, end: dt.date) -> Pairing:
    """Set (or move) the last day of a pairing."""
    if not permissions.may_write_pairing_in(user, pairing.community):
        raise _deny(_("You may not change this pairing."))
    if not isinstance(end, dt.date):
        raise ValidationError({"end": [_("Enter a date as YYYY-MM-DD.")]})
    locked = Unit.objects.select_for_update().get(pk=pairing.unit_id)
    pairing = Pairing.objects.select_for_update().get(pk=pairing.pk)
    if end < pairing.start:
        raise ValidationError(
            {
                "end": [
                    _("The end date cannot be before the start date (%(start)s).")
                    % {"start": _day(pairing.start)}
                ]
            }
        )
    _refuse_overlap(
        unit=locked,
        community=pairing.community,
        start=pairing.start,
        end=end,
        exclude=pairing.pk,
    )
    pairing.end = end
    return save_with_history(pairing, user)


@transaction.atomic
def pairing_archive(*, user: Any, pairing: Pairing) -> Pairing:
    """Archive a pairing entered by mistake (a pairing that ended gets an end date)."""
    if not permissions.may_write_pairing_in(user, pairing.community):
        raise _deny(_("You may not archive this pairing."))
    pairing = Pairing.objects.select_for_update().get(pk=pairing.pk)
    return mark_archived(pairing, user)
