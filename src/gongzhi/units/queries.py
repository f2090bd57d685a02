"""Every scoped read of the unit registry (DESIGN.md section 3).

One function per model. Archived rows are left out unless
``include_archived`` is asked for; detail pages ask for it so that an
archived object can still be read and restored.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import BooleanField, Case, Q, QuerySet, Value, When
from django.utils import timezone

from gongzhi.core.scoping import Scope, area_q, scope_of
from gongzhi.units.models import Member, Pairing, Unit


def _active(qs: QuerySet[Any], include_archived: bool) -> QuerySet[Any]:
    return qs if include_archived else qs.filter(archived_at__isnull=True)


def _pairing_q(scope: Scope) -> Q:
    """Pairings the scope reaches: those in its areas and those of its units."""
    q = area_q(scope, "community")
    if scope.unit_ids:
        q |= Q(unit_id__in=scope.unit_ids)
    return q


def valid_on_q(day: dt.date, prefix: str = "") -> Q:
    """A pairing is valid on ``day``: started by then, not yet ended, not archived."""
    return (
        Q(**{f"{prefix}start__lte": day})
        & (Q(**{f"{prefix}end__isnull": True}) | Q(**{f"{prefix}end__gte": day}))
        & Q(**{f"{prefix}archived_at__isnull": True})
    )


def units_visible_to(user: Any, *, include_archived: bool = False) -> QuerySet[Unit]:
    """Units ``user`` may read, with their jurisdiction joined.

    District officers see units of their jurisdiction and units paired with
    one of their communities; street officers and community staff see units
    paired in their street or community; a unit liaison sees their unit.
    """
    scope = scope_of(user)
    qs = Unit.objects.select_related("jurisdiction")
    if not scope.sees_everything:
        q = Q(pk__in=[])
        if scope.district_ids:
            q |= Q(jurisdiction_id__in=scope.district_ids)
        if scope.has_areas:
            paired = Pairing.objects.filter(
                area_q(scope, "community"), archived_at__isnull=True
            ).values("unit_id")
            q |= Q(pk__in=paired)
        if scope.unit_ids:
            q |= Q(pk__in=scope.unit_ids)
        qs = qs.filter(q)
    return _active(qs, include_archived)


def members_visible_to(user: Any, *, include_archived: bool = False) -> QuerySet[Member]:
    """Members ``user`` may read: all for the office and leaders, their unit's for a
    unit liaison, and a member's own record."""
    scope = scope_of(user)
    qs = Member.objects.select_related("unit", "residence_community")
    if not scope.sees_everything:
        q = Q(pk__in=[])
        if scope.unit_ids:
            q |= Q(unit_id__in=scope.unit_ids)
        if getattr(user, "is_authenticated", False) and scope.roles:
            q |= Q(user_id=user.pk)
        qs = qs.filter(q)
    return _active(qs, include_archived)


def pairings_visible_to(user: Any, *, include_archived: bool = False) -> QuerySet[Pairing]:
    """Pairings ``user`` may read: those whose community lies in their areas, and
    their unit's."""
    scope = scope_of(user)
    qs = Pairing.objects.select_related("unit", "unit__jurisdiction", "community__street")
    if not scope.sees_everything:
        qs = qs.filter(_pairing_q(scope))
    return _active(qs, include_archived)


def pairings_valid_on(day: dt.date, qs: QuerySet[Pairing] | None = None) -> QuerySet[Pairing]:
    """Pairings (of ``qs``, or all) valid on ``day``: start ≤ day ≤ end (open end:
    forever), not archived."""
    base = Pairing.objects.all() if qs is None else qs
    return base.filter(valid_on_q(day))


def pairings_current_first(
    qs: QuerySet[Pairing], today: dt.date | None = None
) -> QuerySet[Pairing]:
    """``qs`` with an ``is_current`` flag, current pairings first, then the newest."""
    day = today or timezone.localdate()
    return qs.annotate(
        is_current=Case(
            When(valid_on_q(day), then=Value(True)),
            default=Value(False),
            output_field=BooleanField(),
        )
    ).order_by("-is_current", "-start", "community__code")


def overlapping_pairings(
    *, unit: Unit, community_id: int, start: dt.date, end: dt.date | None
) -> QuerySet[Pairing]:
    """Active pairings of ``unit`` and the community whose dates overlap start..end.

    Two ranges overlap when each starts on or before the other ends; an open
    end lasts forever.
    """
    q = Q(unit=unit, community_id=community_id, archived_at__isnull=True)
    q &= Q(end__isnull=True) | Q(end__gte=start)
    if end is not None:
        q &= Q(start__lte=end)
    return Pairing.objects.filter(q).order_by("start")
