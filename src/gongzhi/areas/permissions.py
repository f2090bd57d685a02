"""Who may change which area (DESIGN.md section 3, "Write").

Reading is decided by :mod:`gongzhi.areas.queries`; these predicates decide
writing, for services (which refuse with ``PermissionDenied``) and for pages
(which show a button only to those who may press it).
"""

from __future__ import annotations

from typing import Any

from gongzhi.areas.models import Community, Compound, District, Street
from gongzhi.core.scoping import scope_of


def may_write_district(user: Any, district: District | None = None) -> bool:
    """Districts are the city office's to create and change."""
    return scope_of(user).is_office


def may_write_street(user: Any, district: District) -> bool:
    """Create or change a street of ``district``: the office, or that district's officer."""
    scope = scope_of(user)
    return scope.is_office or district.pk in scope.district_ids


def may_write_community(user: Any, street: Street) -> bool:
    """Create, move or change a community of ``street`` (every field)."""
    scope = scope_of(user)
    return (
        scope.is_office or street.district_id in scope.district_ids or street.pk in scope.street_ids
    )


def may_edit_community_contact(user: Any, community: Community) -> bool:
    """Change a community's contact fields: its writers and its own staff."""
    return (
        may_write_community(user, community.street) or community.pk in scope_of(user).community_ids
    )


def may_write_compound(user: Any, community: Community) -> bool:
    """Create or change compounds of ``community``: its writers and its own staff."""
    return may_edit_community_contact(user, community)


def may_see_history(user: Any, obj: District | Street | Community | Compound) -> bool:
    """History is shown to those who may write the object, and to the office and leaders."""
    if scope_of(user).sees_everything:
        return True
    if isinstance(obj, District):
        return may_write_district(user, obj)
    if isinstance(obj, Street):
        return may_write_street(user, obj.district)
    if isinstance(obj, Community):
        return may_edit_community_contact(user, obj)
    return may_write_compound(user, obj.community)
