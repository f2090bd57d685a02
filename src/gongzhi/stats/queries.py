"""Who may read which figures: the scope of the statistics (DESIGN.md section 3).

Built on :func:`gongzhi.core.scoping.scope_of`. The figures module takes the
reader's :class:`~gongzhi.core.scoping.Scope` and narrows every row it adds up
with the filters below, so a page or an API route cannot forget scope.

Who reads what:

- **city office and leaders**: every figure of the whole city;
- **district officers**: what happens in their district's communities
  (attendance, funds, problems), plus the attendance and funds of the units of
  their district (``Unit.jurisdiction``) wherever those units went;
- **street officers and community staff**: what happens in their street's or
  community's communities, whichever unit did it;
- **unit liaisons**: their unit's attendance and funds wherever it went, and
  the problems dispatched to their unit;
- **inspectors**: no figures. Their work is the checklist of the units their
  group is assigned; the rankings pages show them results. Reading a unit's
  figures through an assignment would make the figures depend on the current
  round, which a shared dashboard link must not;
- **members and anyone else**: no figures (the API answers 403, anonymous
  callers 401; pages answer 403).
"""

from __future__ import annotations

from typing import Any, TypeGuard

from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext as _

from gongzhi.core.models import Role
from gongzhi.core.scoping import Scope, area_q, scope_of

#: The roles whose grants give figures to read.
STATS_ROLES: frozenset[str] = frozenset(
    {Role.OFFICE, Role.LEADER, Role.DISTRICT, Role.STREET, Role.COMMUNITY, Role.UNIT}
)


def may_read_stats(user: Any) -> bool:
    """Whether ``user`` reads any figures at all (see the module docstring)."""
    return bool(scope_of(user).roles & STATS_ROLES)


def stats_scope(user: Any) -> Scope:
    """The scope the figures are computed under for ``user``; PermissionDenied for
    members, inspectors and users without a grant."""
    if not may_read_stats(user):
        raise PermissionDenied(_("You may not read these figures."))
    return scope_of(user)


def _restricted(scope: Scope | None) -> TypeGuard[Scope]:
    return scope is not None and not scope.sees_everything


def _stats_unit_ids(scope: Scope) -> frozenset[int]:
    return scope.unit_ids if Role.UNIT in scope.roles else frozenset()


def _stats_district_ids(scope: Scope) -> frozenset[int]:
    return scope.district_ids if Role.DISTRICT in scope.roles else frozenset()


def activity_scope_q(
    scope: Scope | None, *, unit_path: str = "unit", community_path: str = "community"
) -> Q:
    """Rows of a unit in a community (attendance, contributions, pairings) the reader may
    count: in their areas' communities, of their unit, or of their district's units."""
    if not _restricted(scope):
        return Q()
    q = area_q(scope, community_path)
    if units := _stats_unit_ids(scope):
        q |= Q(**{f"{unit_path}_id__in": units})
    if districts := _stats_district_ids(scope):
        q |= Q(**{f"{unit_path}__jurisdiction_id__in": districts})
    return q


def problem_scope_q(scope: Scope | None) -> Q:
    """Problems the reader may count: those of communities in their areas and those
    dispatched to their unit (the same rule as the problem ledger)."""
    if not _restricted(scope):
        return Q()
    from gongzhi.problems.models import Dispatch

    q = area_q(scope, "community")
    if units := _stats_unit_ids(scope):
        q |= Q(Exists(Dispatch.objects.filter(problem_id=OuterRef("pk"), unit_id__in=units)))
    return q


def community_scope_q(scope: Scope | None) -> Q:
    """Communities whose own figures the reader may see listed: those of their areas
    (a unit liaison sees their unit's communities through its rows)."""
    if not _restricted(scope):
        return Q()
    return area_q(scope, "")


def is_restricted(scope: Scope | None) -> bool:
    """Whether figures under ``scope`` are narrowed at all (not the office or leaders)."""
    return _restricted(scope)
