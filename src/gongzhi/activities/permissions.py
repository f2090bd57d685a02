"""Who may change plans, attendance and absences, and until when (DESIGN.md section 3).

Reading is decided by :mod:`gongzhi.activities.queries`; these predicates decide
writing, for the services (which refuse with ``PermissionDenied``) and for the
pages (which show a button only to those who may press it).

- plans: community staff of the community, its street and district officers,
  the city office;
- attendance: the unit's liaison, area staff of the community, the office;
  changed for ``ATTENDANCE_EDIT_DAYS`` after the session, then only corrected
  by the office with a reason;
- confirming attendance: community staff of that community only.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Final

from django.conf import settings
from django.utils import timezone

from gongzhi.areas.models import Community
from gongzhi.core.models import Role
from gongzhi.core.scoping import Scope, scope_of

DEFAULT_EDIT_DAYS: Final = 7

#: Roles that write anything of the Friday sessions (leaders, inspectors, members read).
WRITING_ROLES: Final = (Role.OFFICE, Role.DISTRICT, Role.STREET, Role.COMMUNITY, Role.UNIT)


def edit_days() -> int:
    """Days after the session during which the unit and area staff may change attendance
    (setting ``ATTENDANCE_EDIT_DAYS``, default 7)."""
    return int(getattr(settings, "ATTENDANCE_EDIT_DAYS", DEFAULT_EDIT_DAYS))


def editable_until(session_date: dt.date) -> dt.date:
    """The last day attendance of a session held on ``session_date`` may be changed."""
    return session_date + dt.timedelta(days=edit_days())


def is_locked(attendance: Any, today: dt.date | None = None) -> bool:
    """Past the edit window: only the office may change it, with a reason."""
    return (today or timezone.localdate()) > editable_until(attendance.session.date)


def is_area_staff(scope: Scope, community: Community) -> bool:
    """Community staff of ``community``, or officers of its street or district."""
    return (
        community.pk in scope.community_ids
        or community.street_id in scope.street_ids
        or community.street.district_id in scope.district_ids
    )


def writes(user: Any) -> bool:
    return scope_of(user).has(*WRITING_ROLES)


def may_plan(user: Any, community: Community) -> bool:
    scope = scope_of(user)
    return scope.is_office or is_area_staff(scope, community)


def may_record_for(user: Any, unit_id: int, community: Community) -> bool:
    """Whether ``user`` may record attendance or an absence of the unit in ``community``."""
    scope = scope_of(user)
    return scope.is_office or is_area_staff(scope, community) or unit_id in scope.unit_ids


def may_add_units(user: Any, community: Community) -> bool:
    """Adding a unit not paired that day (with a reason): area staff and the office."""
    scope = scope_of(user)
    return scope.is_office or is_area_staff(scope, community)


def may_edit(user: Any, attendance: Any, today: dt.date | None = None) -> bool:
    """Change without a reason: within the window, by the unit, area staff or the office."""
    return not is_locked(attendance, today) and may_record_for(
        user, attendance.unit_id, attendance.community
    )


def may_correct(user: Any) -> bool:
    """Corrections with a reason, at any time: the city office."""
    return scope_of(user).is_office


def may_confirm(user: Any, attendance: Any) -> bool:
    """Confirming: community staff of the attendance's community."""
    return attendance.community_id in scope_of(user).community_ids


def may_see_originals(user: Any, community: Community) -> bool:
    """Photo originals (with their EXIF time and place): the office and area staff."""
    scope = scope_of(user)
    return scope.is_office or is_area_staff(scope, community)
