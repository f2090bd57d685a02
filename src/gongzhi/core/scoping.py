"""Who may see what: a user's scope, computed once per request from their grants.

Scope is data, not code paths (DESIGN.md section 3). Each model has one
``<model>s_visible_to(user)`` function in its app's ``queries.py``; they all
build on :func:`scope_of` and :func:`area_q` here. A request for an object
outside the caller's scope answers 404 (:func:`get_visible_or_404`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, TypeVar

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Model, Q, QuerySet
from django.http import Http404

from gongzhi.core.models import Role

M = TypeVar("M", bound=Model)

_CACHE_ATTR = "_gongzhi_scope"


@dataclass(frozen=True)
class Scope:
    """The areas and units a user's active grants reach."""

    roles: frozenset[str] = frozenset()
    district_ids: frozenset[int] = frozenset()
    street_ids: frozenset[int] = frozenset()
    community_ids: frozenset[int] = frozenset()
    unit_ids: frozenset[int] = frozenset()
    member_unit_ids: frozenset[int] = frozenset()
    extra: dict[str, Any] = field(default_factory=dict, compare=False)

    @property
    def sees_everything(self) -> bool:
        """The city office and leaders read everything."""
        return bool(self.roles & {Role.OFFICE, Role.LEADER})

    @property
    def is_office(self) -> bool:
        return Role.OFFICE in self.roles

    @property
    def has_areas(self) -> bool:
        return bool(self.district_ids or self.street_ids or self.community_ids)

    def has(self, *roles: str) -> bool:
        return bool(self.roles & set(roles))


EMPTY_SCOPE = Scope()


def scope_of(user: Any) -> Scope:
    """The scope of ``user`` (anonymous users have the empty scope); cached on the object."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return EMPTY_SCOPE
    cached: Scope | None = getattr(user, _CACHE_ATTR, None)
    if cached is not None:
        return cached
    roles: set[str] = set()
    ids: dict[str, set[int]] = {k: set() for k in ("district", "street", "community", "unit")}
    member_units: set[int] = set()
    grants = user.grants.filter(revoked_at__isnull=True).values_list(
        "role", "district_id", "street_id", "community_id", "unit_id"
    )
    for role, district_id, street_id, community_id, unit_id in grants:
        roles.add(role)
        if role == Role.MEMBER:
            member_units.add(unit_id)
            continue
        for key, value in (
            ("district", district_id),
            ("street", street_id),
            ("community", community_id),
            ("unit", unit_id),
        ):
            if value is not None:
                ids[key].add(value)
    if user.is_superuser:
        roles.add(Role.OFFICE)
    scope = Scope(
        roles=frozenset(roles),
        district_ids=frozenset(ids["district"]),
        street_ids=frozenset(ids["street"]),
        community_ids=frozenset(ids["community"]),
        unit_ids=frozenset(ids["unit"]),
        member_unit_ids=frozenset(member_units),
    )
    setattr(user, _CACHE_ATTR, scope)
    return scope


def forget_scope(user: Any) -> None:
    """Drop the cached scope (after grants change)."""
    if hasattr(user, _CACHE_ATTR):
        delattr(user, _CACHE_ATTR)


def area_q(scope: Scope, community_path: str) -> Q:
    """A filter for rows that lie in a community inside the scope's areas.

    ``community_path`` is the lookup path from the row to its community
    (``""`` for Community itself, ``"community"`` for a Compound). An empty
    scope gives a filter that matches nothing.
    """
    prefix = f"{community_path}__" if community_path else ""
    q = Q(pk__in=[])
    if scope.district_ids:
        q |= Q(**{f"{prefix}street__district_id__in": scope.district_ids})
    if scope.street_ids:
        q |= Q(**{f"{prefix}street_id__in": scope.street_ids})
    if scope.community_ids:
        key = f"{community_path}_id__in" if community_path else "pk__in"
        q |= Q(**{key: scope.community_ids})
    return q


def get_visible_or_404(queryset: QuerySet[M], **lookup: Any) -> M:
    """Fetch one object from an already scoped queryset, or answer 404."""
    try:
        return queryset.get(**lookup)
    except (ObjectDoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc
