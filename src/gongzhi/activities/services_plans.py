"""Writes of session plans and absences (see :mod:`gongzhi.activities.services` for
attendance and :mod:`gongzhi.activities.permissions` for who may do what).

A plan says, for one session in one community, where and when to meet, whom to
ask and what to do (clean-up tasks and ledger problems); the units expected are
those paired with the community that day. An absence is an expected unit's
reason for not coming, stated by the unit or by the community, ahead of the
session or within the edit window after it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.activities import queries
from gongzhi.activities import validation as check
from gongzhi.activities.models import Absence, Attendance, CleanupTask, SessionPlan
from gongzhi.activities.permissions import editable_until, may_plan, may_record_for
from gongzhi.activities.services import refuse_readers
from gongzhi.core.archive import save_with_history
from gongzhi.core.scoping import scope_of
from gongzhi.core.validation import Errors, add_error, raise_if_errors
from gongzhi.problems.services import PHONE_RE

# --- plans ----------------------------------------------------------------------------


@transaction.atomic
def session_plan_save(
    *,
    user: Any,
    session_id: int,
    community_code: str,
    meeting_point: str = "",
    meeting_time: dt.time | str | None = None,
    contact_name: str = "",
    contact_phone: str = "",
    tasks: Sequence[str] = (),
    problem_numbers: Sequence[str] = (),
    notes: str = "",
) -> SessionPlan:
    """Create or replace the plan of one session in one community.

    The units expected are not part of the plan: they are the units paired with
    the community on the session's date (``queries.expected_pairings``).
    """
    session = check.session_for(user, session_id)
    refuse_readers(user)
    errors: Errors = {}
    community = check.community_by_code(community_code, errors)
    raise_if_errors(errors)
    assert community is not None  # noqa: S101 - narrowed by the errors above
    if not may_plan(user, community):
        raise PermissionDenied(_("Only the community's staff and the city office plan sessions."))
    check.check_session(session, community, timezone.localdate(), future=True)

    meeting_point = check.text(meeting_point, "meeting_point", 120, errors)
    contact_name = check.text(contact_name, "contact_name", 40, errors)
    contact_phone = (contact_phone or "").strip()
    if contact_phone and not PHONE_RE.match(contact_phone):
        add_error(errors, "contact_phone", _("Enter a phone number of digits, e.g. 13800000000."))
    when = check.time_of(meeting_time, "meeting_time", errors)
    codes = [str(t).strip() for t in tasks or () if str(t).strip()]
    unknown = sorted(set(codes) - set(CleanupTask.values))
    if unknown:
        add_error(
            errors,
            "tasks",
            _("Unknown clean-up tasks: %(codes)s.") % {"codes": ", ".join(unknown)},
        )
    problems = check.problems_of(user, community, problem_numbers, errors, open_only=True)
    notes = check.text(notes, "notes", 2000, errors)
    raise_if_errors(errors)

    plan = SessionPlan.objects.filter(session=session, community=community).first()
    plan = plan or SessionPlan(session=session, community=community)
    plan.meeting_point = meeting_point
    plan.meeting_time = when
    plan.contact_name = contact_name
    plan.contact_phone = contact_phone
    plan.tasks = [code for code in CleanupTask.values if code in codes]
    plan.notes = notes
    plan.updated_by = user
    try:
        with transaction.atomic():
            save_with_history(plan, user)
    except IntegrityError:
        raise _written_meanwhile() from None
    plan.problems.set(problems)
    return plan


# --- absences -------------------------------------------------------------------------


@transaction.atomic
def absence_record(
    *, user: Any, session_id: int, unit_code: str, community_code: str, reason: str
) -> Absence:
    """A unit expected in a community says why it does not come (or the community says
    it); recording it again replaces the reason. Ahead of the session too."""
    session = check.session_for(user, session_id)
    refuse_readers(user)
    errors: Errors = {}
    unit = check.unit_by_code(unit_code, errors)
    community = check.community_by_code(community_code, errors)
    raise_if_errors(errors)
    assert unit is not None and community is not None  # noqa: S101 - narrowed above
    if not may_record_for(user, unit.pk, community):
        raise PermissionDenied(_("You can record absences only for your own unit."))
    today = timezone.localdate()
    check.check_session(session, community, today, future=True)
    if not scope_of(user).is_office and today > editable_until(session.date):
        raise check.locked_error(session)
    reason = check.text(reason, "reason", 200, errors)
    if not reason:
        add_error(errors, "reason", _("Say why the unit does not come."))
    if not queries.expected_pairings(session.date, [community.pk]).filter(unit=unit).exists():
        add_error(
            errors,
            "unit_code",
            _("%(unit)s is not expected in %(community)s on %(date)s.")
            % {"unit": unit.name, "community": community.name, "date": session.date.isoformat()},
        )
    if Attendance.objects.filter(session=session, unit=unit, community=community).exists():
        add_error(
            errors,
            "unit_code",
            _("%(unit)s's attendance is recorded for this session.") % {"unit": unit.name},
        )
    raise_if_errors(errors)
    absence = Absence.objects.filter(session=session, unit=unit, community=community).first()
    absence = absence or Absence(session=session, unit=unit, community=community)
    absence.reason = reason
    absence.recorded_by = user
    try:
        with transaction.atomic():
            return save_with_history(absence, user)
    except IntegrityError:
        raise _written_meanwhile() from None


def _written_meanwhile() -> ValidationError:
    """Two people saving the same new row at once: the second one reloads."""
    return ValidationError(
        {NON_FIELD_ERRORS: [_("Someone else saved this just now; open it again.")]}
    )
