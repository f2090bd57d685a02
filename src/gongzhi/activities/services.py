"""Every write of Friday session attendance: recording, changing, correcting, confirming.

Each function takes the acting ``user`` first, checks permission
(``PermissionDenied``; a session or attendance out of scope is ``Http404``),
validates with messages naming the field (``ValidationError`` with a field
dict, nothing written) and records who changed what in the row's history.

The rules (who, when) are in :mod:`gongzhi.activities.permissions`: the unit's
liaison records for a community the unit is paired with on the session date;
area staff of the community for any unit (one not paired that day only with
``added_reason``); the office for any unit and any past session (backfill).
Nobody records a cancelled, skipped or future session. The unit and area staff
change attendance for ``ATTENDANCE_EDIT_DAYS`` after the session; afterwards
only the office corrects it, with a reason kept as the history's change reason.
Plans and absences are written by :mod:`gongzhi.activities.services_plans`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any, Final

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.activities import queries
from gongzhi.activities import validation as check
from gongzhi.activities.models import Absence, Attendance, AttendanceStatus, AttendanceTask
from gongzhi.activities.permissions import (
    editable_until,
    is_area_staff,
    is_locked,
    may_confirm,
    may_record_for,
    writes,
)
from gongzhi.activities.services_evidence import activity_photos_store
from gongzhi.core.archive import save_with_history
from gongzhi.core.photo_store import PhotoUpload
from gongzhi.core.scoping import get_visible_or_404, scope_of
from gongzhi.core.validation import UNSET, Errors, Unset, add_error, raise_if_errors
from gongzhi.problems.models import Problem, ProblemState
from gongzhi.problems.services import (
    ConflictError,
    actors_for,
    problem_transition,
)
from gongzhi.problems.workflow import Actor

#: The change reason is kept in the history table, whose column holds 100 characters.
MAX_REASON: Final = 100


def refuse_readers(user: Any) -> None:
    """Leaders, inspectors and members read the sessions; they write nothing."""
    if not writes(user):
        raise PermissionDenied(_("Your role cannot record Friday session activity."))


# --- attendance -----------------------------------------------------------------------


def _clean_values(
    user: Any, attendance: Attendance, given: dict[str, Any], errors: Errors
) -> tuple[dict[str, Any], list[AttendanceTask] | None, list[Problem] | None]:
    """The given fields checked, the task rows and the problems (None: not given)."""
    values: dict[str, Any] = {}
    if "headcount" in given:
        values["headcount"] = check.headcount_of(given["headcount"], errors)
    for field, limit in (("leader_name", 40), ("leader_rank", 60), ("added_reason", 200)):
        if field in given:
            values[field] = check.text(given[field], field, limit, errors)
    if "notes" in given:
        values["notes"] = check.text(given["notes"], "notes", 2000, errors)
    if "principal_leader_led" in given:
        values["principal_leader_led"] = check.yes_no(
            given["principal_leader_led"], "principal_leader_led", errors
        )
    for field in ("start_time", "end_time"):
        if field in given:
            values[field] = check.time_of(given[field], field, errors)
    start = values.get("start_time", attendance.start_time)
    end = values.get("end_time", attendance.end_time)
    if start and end and end <= start and "start_time" not in errors:
        add_error(errors, "end_time", _("The end must come after the start."))
    if not attendance.expected and not values.get("added_reason", attendance.added_reason):
        add_error(
            errors,
            "added_reason",
            _("%(unit)s is not paired with %(community)s on %(date)s: say why it is added.")
            % {
                "unit": attendance.unit.name,
                "community": attendance.community.name,
                "date": attendance.session.date.isoformat(),
            },
        )
    tasks = check.tasks_of(given["tasks"], errors) if "tasks" in given else None
    problems = (
        check.problems_of(user, attendance.community, given["problem_numbers"], errors)
        if "problem_numbers" in given
        else None
    )
    return values, tasks, problems


def _write(
    user: Any,
    attendance: Attendance,
    given: dict[str, Any],
    *,
    photos_before: Sequence[PhotoUpload] = (),
    photos_after: Sequence[PhotoUpload] = (),
    reason: str | None = None,
    errors: Errors | None = None,
) -> Attendance:
    """Check and write ``given`` onto ``attendance`` (new or not), with photos and the
    problems' workflow; nothing is written if anything is refused (``errors`` may
    already hold the caller's)."""
    errors = {} if errors is None else errors
    values, tasks, problems = _clean_values(user, attendance, given, errors)
    checked = check.photos_of(photos_before, photos_after, errors)
    raise_if_errors(errors)

    scope = scope_of(user)
    as_unit_only = not (scope.is_office or is_area_staff(scope, attendance.community))
    created = attendance.pk is None
    for field, value in values.items():
        setattr(attendance, field, value)
    if created:
        attendance.entered_by = user
    elif as_unit_only and attendance.status == AttendanceStatus.CONFIRMED:
        # The community confirmed other figures: they confirm again.
        attendance.status = AttendanceStatus.SUBMITTED
        attendance.confirmed_by = None
        attendance.confirmed_at = None
    save_with_history(attendance, user, reason)
    if tasks is not None:
        attendance.tasks.all().delete()
        for task in tasks:
            task.attendance = attendance
        AttendanceTask.objects.bulk_create(tasks)
    if problems is not None:
        before = set(attendance.problems.values_list("pk", flat=True)) if not created else set()
        if {p.pk for p in problems} != before:
            attendance._history_user = user  # type: ignore[attr-defined]
            attendance.problems.set(problems)
        _advance(user, attendance, [p for p in problems if p.pk not in before])
    for kind, photos in checked.items():
        if photos:
            activity_photos_store(user=user, checked=photos, kind=kind, attendance=attendance)
    # The unit came after all: a stated absence no longer holds.
    Absence.objects.filter(
        session_id=attendance.session_id,
        unit_id=attendance.unit_id,
        community_id=attendance.community_id,
    ).delete()
    return attendance


def _advance(user: Any, attendance: Attendance, problems: list[Problem]) -> list[str]:
    """Mark newly linked problems dispatched to the unit as being handled (workflow
    action *start*), with a note naming the session; returns their numbers."""
    started = []
    for problem in problems:
        if problem.state != ProblemState.DISPATCHED:
            continue
        if not problem.dispatches.filter(unit_id=attendance.unit_id).exists():
            continue
        if not actors_for(user, problem) & {Actor.UNIT, Actor.COMMUNITY}:
            continue
        note = _("Worked on at the Friday session of %(date)s by %(unit)s.") % {
            "date": attendance.session.date.isoformat(),
            "unit": attendance.unit.short_name or attendance.unit.name,
        }
        try:
            problem_transition(
                user=user,
                problem_number=problem.number,
                action="start",
                expected_version=problem.version,
                note=note,
            )
        except (ConflictError, PermissionDenied, ValidationError):
            continue  # someone moved it on meanwhile: the link stays, the state is theirs
        started.append(problem.number)
    return started


@transaction.atomic
def attendance_record(
    *,
    user: Any,
    session_id: int,
    unit_code: str,
    community_code: str,
    headcount: Any,
    leader_name: str = "",
    leader_rank: str = "",
    principal_leader_led: Any = False,
    start_time: dt.time | str | None = None,
    end_time: dt.time | str | None = None,
    tasks: Sequence[dict[str, Any]] = (),
    problem_numbers: Sequence[str] = (),
    notes: str = "",
    photos_before: Sequence[PhotoUpload] = (),
    photos_after: Sequence[PhotoUpload] = (),
    added_reason: str = "",
) -> Attendance:
    """Record one unit's turn-out at one session in one community.

    Recording the same session, unit and community again replaces the values
    (while it may still be changed); photos are added to those already there.
    Linking a problem dispatched to the unit starts its handling.
    """
    scope = scope_of(user)
    session = check.session_for(user, session_id)
    refuse_readers(user)
    errors: Errors = {}
    unit = check.unit_by_code(unit_code, errors)
    community = check.community_by_code(community_code, errors)
    raise_if_errors(errors)
    assert unit is not None and community is not None  # noqa: S101 - narrowed above
    if not may_record_for(user, unit.pk, community):
        raise PermissionDenied(_("You can record attendance only for your own unit."))
    today = timezone.localdate()
    check.check_session(session, community, today, future=False)

    given = {
        "headcount": headcount,
        "leader_name": leader_name,
        "leader_rank": leader_rank,
        "principal_leader_led": principal_leader_led,
        "start_time": start_time,
        "end_time": end_time,
        "notes": notes,
        "tasks": tasks,
        "problem_numbers": problem_numbers,
        "added_reason": added_reason,
    }
    attendance = (
        Attendance.objects.select_for_update()
        .select_related("session", "unit", "community__street")
        .filter(session=session, unit=unit, community=community)
        .first()
    )
    if attendance is not None:
        if is_locked(attendance, today):
            raise check.locked_error(session, office=scope.is_office)
        return _write(
            user, attendance, given, photos_before=photos_before, photos_after=photos_after
        )

    expected = queries.expected_pairings(session.date, [community.pk]).filter(unit=unit).exists()
    staff = scope.is_office or is_area_staff(scope, community)
    if not expected and not staff:
        raise ValidationError(
            {
                "unit_code": [
                    _(
                        "%(unit)s is not paired with %(community)s on %(date)s; only the "
                        "community or the city office can add it, with a reason."
                    )
                    % {
                        "unit": unit.name,
                        "community": community.name,
                        "date": session.date.isoformat(),
                    }
                ]
            }
        )
    if not scope.is_office and today > editable_until(session.date):
        raise check.locked_error(session)
    attendance = Attendance(session=session, unit=unit, community=community, expected=expected)
    if expected:
        given["added_reason"] = ""
    try:
        with transaction.atomic():
            return _write(
                user, attendance, given, photos_before=photos_before, photos_after=photos_after
            )
    except IntegrityError:
        # Someone recorded the same session, unit and community a moment ago.
        raise ValidationError(
            {
                NON_FIELD_ERRORS: [
                    _("This attendance was recorded by someone else just now; open it again.")
                ]
            }
        ) from None


def _attendance(user: Any, attendance_id: Any) -> Attendance:
    return get_visible_or_404(
        queries.attendance_visible_to(user).select_for_update(of=("self",)), pk=attendance_id
    )


def _given(**changes: Any) -> dict[str, Any]:
    return {k: v for k, v in changes.items() if not isinstance(v, Unset)}


@transaction.atomic
def attendance_update(
    *,
    user: Any,
    attendance_id: int,
    headcount: Any = UNSET,
    leader_name: Any = UNSET,
    leader_rank: Any = UNSET,
    principal_leader_led: Any = UNSET,
    start_time: Any = UNSET,
    end_time: Any = UNSET,
    tasks: Any = UNSET,
    problem_numbers: Any = UNSET,
    notes: Any = UNSET,
    added_reason: Any = UNSET,
    photos_before: Sequence[PhotoUpload] = (),
    photos_after: Sequence[PhotoUpload] = (),
) -> Attendance:
    """Change attendance within the edit window (the unit, area staff, the office); only
    the fields given change. A change by the unit sets a confirmed record back to
    *submitted*."""
    attendance = _attendance(user, attendance_id)
    refuse_readers(user)
    if not may_record_for(user, attendance.unit_id, attendance.community):
        raise PermissionDenied(_("You cannot change this attendance."))
    if is_locked(attendance):
        raise check.locked_error(attendance.session, office=scope_of(user).is_office)
    given = _given(
        headcount=headcount,
        leader_name=leader_name,
        leader_rank=leader_rank,
        principal_leader_led=principal_leader_led,
        start_time=start_time,
        end_time=end_time,
        tasks=tasks,
        problem_numbers=problem_numbers,
        notes=notes,
        added_reason=added_reason,
    )
    return _write(user, attendance, given, photos_before=photos_before, photos_after=photos_after)


@transaction.atomic
def attendance_correct(
    *,
    user: Any,
    attendance_id: int,
    reason: str,
    headcount: Any = UNSET,
    leader_name: Any = UNSET,
    leader_rank: Any = UNSET,
    principal_leader_led: Any = UNSET,
    start_time: Any = UNSET,
    end_time: Any = UNSET,
    tasks: Any = UNSET,
    problem_numbers: Any = UNSET,
    notes: Any = UNSET,
    added_reason: Any = UNSET,
    photos_before: Sequence[PhotoUpload] = (),
    photos_after: Sequence[PhotoUpload] = (),
) -> Attendance:
    """The city office corrects attendance at any time; ``reason`` is kept in the history."""
    attendance = _attendance(user, attendance_id)
    if not scope_of(user).is_office:
        raise PermissionDenied(_("Only the city office corrects attendance."))
    errors: Errors = {}
    reason = (reason or "").strip()
    if not reason:
        add_error(errors, "reason", _("Say why the attendance is corrected."))
    elif len(reason) > MAX_REASON:
        add_error(
            errors,
            "reason",
            _("Give the reason in at most %(n)d characters.") % {"n": MAX_REASON},
        )
    given = _given(
        headcount=headcount,
        leader_name=leader_name,
        leader_rank=leader_rank,
        principal_leader_led=principal_leader_led,
        start_time=start_time,
        end_time=end_time,
        tasks=tasks,
        problem_numbers=problem_numbers,
        notes=notes,
        added_reason=added_reason,
    )
    if not given and not photos_before and not photos_after:
        add_error(errors, NON_FIELD_ERRORS, _("Change at least one value."))
    return _write(
        user,
        attendance,
        given,
        photos_before=photos_before,
        photos_after=photos_after,
        reason=reason,
        errors=errors,
    )


@transaction.atomic
def attendance_confirm(*, user: Any, attendance_id: int) -> Attendance:
    """Community staff of the attendance's community confirm it (again: nothing changes)."""
    attendance = _attendance(user, attendance_id)
    if not may_confirm(user, attendance):
        raise PermissionDenied(_("Only the community's staff confirm attendance."))
    if attendance.status != AttendanceStatus.CONFIRMED:
        attendance.status = AttendanceStatus.CONFIRMED
        attendance.confirmed_by = user
        attendance.confirmed_at = timezone.now()
        save_with_history(attendance, user)
    return attendance
