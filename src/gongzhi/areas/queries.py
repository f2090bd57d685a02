"""Every scoped read of the area registry (DESIGN.md section 3).

One function per model. A user sees the areas their grants reach and, so that
lists and breadcrumbs make sense, the street and district that contain any
community they see (a community's code already spells out both). Archived
rows are left out unless ``include_archived`` is asked for; detail pages ask
for it so that an archived object can still be read and restored.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Case, Q, QuerySet, Value, When
from django.utils import timezone

from gongzhi.areas.models import Community, Compound, District, Street
from gongzhi.core.scoping import Scope, area_q, scope_of


def _active(qs: QuerySet[Any], include_archived: bool) -> QuerySet[Any]:
    return qs if include_archived else qs.filter(archived_at__isnull=True)


def _community_q(scope: Scope) -> Q:
    """Communities the scope reaches: its areas, and those its units are paired with."""
    q = area_q(scope, "")
    if scope.unit_ids:
        # Imported here: units depends on areas, not the other way round.
        from gongzhi.units.models import Pairing

        paired = Pairing.objects.filter(
            unit_id__in=scope.unit_ids, archived_at__isnull=True
        ).values("community_id")
        q |= Q(pk__in=paired)
    return q


def communities_visible_to(user: Any, *, include_archived: bool = False) -> QuerySet[Community]:
    """Communities ``user`` may read, with their street and district joined."""
    scope = scope_of(user)
    qs = Community.objects.select_related("street__district")
    if not scope.sees_everything:
        qs = qs.filter(_community_q(scope))
    return _active(qs, include_archived)


def compounds_visible_to(user: Any, *, include_archived: bool = False) -> QuerySet[Compound]:
    """Compounds of the communities ``user`` may read."""
    scope = scope_of(user)
    qs = Compound.objects.select_related("community__street__district")
    if not scope.sees_everything:
        communities = Community.objects.filter(_community_q(scope)).values("pk")
        qs = qs.filter(community_id__in=communities)
    return _active(qs, include_archived)


def streets_visible_to(user: Any, *, include_archived: bool = False) -> QuerySet[Street]:
    """Streets in ``user``'s district or street, and streets holding a community they see."""
    scope = scope_of(user)
    qs = Street.objects.select_related("district")
    if not scope.sees_everything:
        q = Q(pk__in=[])
        if scope.district_ids:
            q |= Q(district_id__in=scope.district_ids)
        if scope.street_ids:
            q |= Q(pk__in=scope.street_ids)
        if scope.community_ids or scope.unit_ids:
            q |= Q(pk__in=Community.objects.filter(_community_q(scope)).values("street_id"))
        qs = qs.filter(q)
    return _active(qs, include_archived)


def districts_visible_to(user: Any, *, include_archived: bool = False) -> QuerySet[District]:
    """``user``'s districts, and the districts holding a street they see."""
    scope = scope_of(user)
    qs = District.objects.all()
    if not scope.sees_everything:
        q = Q(pk__in=[])
        if scope.district_ids:
            q |= Q(pk__in=scope.district_ids)
        if scope.street_ids:
            q |= Q(pk__in=Street.objects.filter(pk__in=scope.street_ids).values("district_id"))
        if scope.community_ids or scope.unit_ids:
            streets = Community.objects.filter(_community_q(scope)).values("street__district_id")
            q |= Q(pk__in=streets)
        qs = qs.filter(q)
    return _active(qs, include_archived)


def streets_open_for_communities(user: Any) -> QuerySet[Street]:
    """Active streets in which ``user`` may create or move communities."""
    scope = scope_of(user)
    qs = streets_visible_to(user)
    if not scope.is_office:
        qs = qs.filter(Q(district_id__in=scope.district_ids) | Q(pk__in=scope.street_ids))
    return qs


def pairings_of_community(user: Any, community: Community) -> QuerySet[Any]:
    """The community's pairings ``user`` may see, current ones first, then the newest.

    Those whose areas hold the community see all of them; a unit liaison sees
    their own unit's.
    """
    from gongzhi.units.models import Pairing

    scope = scope_of(user)
    today = timezone.localdate()
    current = Q(start__lte=today) & (Q(end__isnull=True) | Q(end__gte=today))
    qs = (
        Pairing.objects.filter(community=community, archived_at__isnull=True)
        .select_related("unit", "unit__jurisdiction")
        .annotate(is_current=Case(When(current, then=Value(True)), default=Value(False)))
        .order_by("-is_current", "-start", "unit__name")
    )
    holds_community = (
        scope.sees_everything
        or community.pk in scope.community_ids
        or community.street_id in scope.street_ids
        or community.street.district_id in scope.district_ids
    )
    if not holds_community:
        qs = qs.filter(unit_id__in=scope.unit_ids)
    return qs
