"""Who may change which unit, member or pairing (DESIGN.md section 3, "Write").

Reading is decided by :mod:`gongzhi.units.queries`; these predicates decide
writing, for services (which refuse with ``PermissionDenied``) and for pages
(which show a button only to those who may press it).
"""

from __future__ import annotations

from typing import Any

from gongzhi.core.scoping import scope_of
from gongzhi.units.models import Member, Unit


def may_create_units(user: Any) -> bool:
    """The office, and district officers (for units of their jurisdiction)."""
    scope = scope_of(user)
    return scope.is_office or bool(scope.district_ids)


def may_write_unit_in(user: Any, jurisdiction_id: int | None) -> bool:
    """Create or change every field of a unit of ``jurisdiction_id`` (None: municipal)."""
    scope = scope_of(user)
    return scope.is_office or (
        jurisdiction_id is not None and jurisdiction_id in scope.district_ids
    )


def may_write_unit(user: Any, unit: Unit) -> bool:
    return may_write_unit_in(user, unit.jurisdiction_id)


def may_edit_unit_contact(user: Any, unit: Unit) -> bool:
    """Contact fields and headcount: the unit's writers and its own liaison."""
    return may_write_unit(user, unit) or unit.pk in scope_of(user).unit_ids


def may_write_members(user: Any, unit: Unit) -> bool:
    """Members of ``unit``: the office and the unit's liaison."""
    scope = scope_of(user)
    return scope.is_office or unit.pk in scope.unit_ids


def may_create_pairings(user: Any) -> bool:
    scope = scope_of(user)
    return scope.is_office or bool(scope.district_ids or scope.street_ids)


def may_write_pairing_in(user: Any, community: Any) -> bool:
    """Pairings whose community lies in the user's district or street (office: all)."""
    scope = scope_of(user)
    return (
        scope.is_office
        or community.street_id in scope.street_ids
        or community.street.district_id in scope.district_ids
    )


def may_see_phone(user: Any, member: Member) -> bool:
    """Phone numbers in full: the office, the member's unit liaison and the member."""
    scope = scope_of(user)
    return (
        scope.is_office
        or member.unit_id in scope.unit_ids
        or (member.user_id is not None and member.user_id == getattr(user, "pk", None))
    )


def may_see_unit_history(user: Any, unit: Unit) -> bool:
    """History is for those who may write the unit, and the office and leaders."""
    return scope_of(user).sees_everything or may_edit_unit_contact(user, unit)


def mask_phone(phone: str) -> str:
    """``13800000000`` → ``138****0000``; short numbers keep only their last two digits."""
    phone = phone or ""
    if len(phone) >= 8:
        return phone[:3] + "****" + phone[-4:]
    if len(phone) > 2:
        return "*" * (len(phone) - 2) + phone[-2:]
    return phone


def phone_for(user: Any, member: Member) -> str:
    """The member's phone as ``user`` may see it."""
    return member.phone if may_see_phone(user, member) else mask_phone(member.phone)
