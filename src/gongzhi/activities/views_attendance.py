"""Pages of attendance: the unit's phone-sized entry form, one attendance with its
history, confirming, the office's correction, and absences. Thin: read through
queries, write through services."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from gongzhi.activities import permissions, queries, services, services_plans
from gongzhi.activities.forms import (
    OTHER_UNIT,
    AbsenceForm,
    AttendanceForm,
    CorrectionForm,
    TaskRow,
    attach_task_errors,
    measures_by_category,
    task_rows,
)
from gongzhi.activities.models import Attendance, AttendanceTask, Measure
from gongzhi.activities.views import (
    community_or_404,
    open_problem_choices,
    require_reader,
    session_or_404,
)
from gongzhi.areas.models import Community
from gongzhi.campaigns.models import Session, SessionStatus
from gongzhi.core.history import HISTORY_LIMIT, HistoryEntry, history_of
from gongzhi.core.scoping import get_visible_or_404, scope_of
from gongzhi.problems.queries import categories_active
from gongzhi.units.models import Unit

#: Service argument → form field, where they differ.
FIELD_OF_ERROR = {
    "unit_code": "unit",
    "session_id": "__all__",
    "community_code": "__all__",
}


def _detail_url(attendance: Attendance) -> str:
    return reverse("activities:attendance_detail", args=[attendance.pk])


def _session_url(session: Session, community: Community) -> str:
    url = reverse("activities:session_detail", args=[session.pk])
    return f"{url}?{urlencode({'community': community.code})}"


def _closed_reason(session: Session, office: bool) -> str:
    """Why attendance of the session cannot be entered now (empty if it can)."""
    today = timezone.localdate()
    if session.status == SessionStatus.CANCELLED:
        return _("The session was cancelled: attendance on it is refused.")
    if session.status != SessionStatus.SCHEDULED:
        return _("The session was skipped for a holiday: nothing can be recorded.")
    if session.date > today:
        return _("The session has not taken place yet: come back on the day.")
    if not office and today > permissions.editable_until(session.date):
        return _(
            "Attendance could be entered until %(until)s; ask the city office for a correction."
        ) % {"until": permissions.editable_until(session.date).isoformat()}
    return ""


def _put_errors(
    form: Any, exc: ValidationError, rows: list[TaskRow], other_unit: bool = False
) -> None:
    errors = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
    tasks = {k: v for k, v in errors.items() if k == "tasks" or k.startswith("tasks.")}
    for message in attach_task_errors(rows, tasks):
        form.add_error(None, message)
    names = dict(FIELD_OF_ERROR)
    if other_unit:
        names["unit_code"] = "other_unit_code"
    rest = {k: v for k, v in errors.items() if k not in tasks}
    if rest:
        form.add_service_error(ValidationError(rest), names)


# --- entering attendance --------------------------------------------------------------


@login_required
def attendance_form(request: HttpRequest, session_id: int, community_code: str) -> HttpResponse:
    """The unit's entry form for one session in one community: who came, how many, who
    led, what they did (task rows), problems handled and before/after photos. Area
    staff and the office may also add a unit not paired that day, with a reason."""
    session = session_or_404(request, session_id)
    community = community_or_404(request, session, community_code)
    user = request.user
    scope = scope_of(user)
    if not permissions.writes(user):
        raise PermissionDenied(_("Your role cannot record Friday session activity."))
    may_add = permissions.may_add_units(user, community)
    expected = queries.expected_pairings(session.date, [community.pk]).select_related("unit")
    recorded = queries.attendance_visible_to(user).filter(session=session, community=community)
    units: dict[str, Unit] = {p.unit.code: p.unit for p in expected}
    units.update({a.unit.code: a.unit for a in recorded})
    if not may_add:
        units = {code: u for code, u in units.items() if u.pk in scope.unit_ids}
        if not units:
            raise PermissionDenied(_("Your unit is not expected in this community that day."))
    choices = [(u.code, u.short_name or u.name) for u in sorted(units.values(), key=_unit_key)]

    chosen = (
        request.POST.get("unit") or request.GET.get("unit") or (choices[0][0] if choices else "")
    )
    existing = (
        recorded.filter(unit__code=chosen)
        .prefetch_related(
            Prefetch("tasks", queryset=AttendanceTask.objects.select_related("category")),
            "problems",
        )
        .first()
    )
    problems = open_problem_choices(user, community)
    if existing is not None:
        offered = {n for n, _label in problems}
        problems += [
            (p.number, p.number) for p in existing.problems.all() if p.number not in offered
        ]
    initial, rows = _initial(existing, chosen, session)
    form = AttendanceForm(
        request.POST or None,
        request.FILES or None,
        initial=initial,
        units=choices,
        may_add=may_add,
        problems=problems,
    )
    if request.method == "POST":
        rows = task_rows(request.POST)
        if form.is_valid():
            other = form.cleaned_data.get("unit") == OTHER_UNIT
            try:
                attendance = services.attendance_record(
                    user=user,
                    session_id=session.pk,
                    unit_code=form.unit_code(),
                    community_code=community.code,
                    headcount=form.cleaned_data["headcount"],
                    leader_name=form.cleaned_data["leader_name"],
                    leader_rank=form.cleaned_data["leader_rank"],
                    principal_leader_led=form.cleaned_data["principal_leader_led"],
                    start_time=form.cleaned_data["start_time"],
                    end_time=form.cleaned_data["end_time"],
                    tasks=[row.as_dict() for row in rows],
                    problem_numbers=form.cleaned_data["problem_numbers"],
                    notes=form.cleaned_data["notes"],
                    photos_before=request.FILES.getlist("photos_before"),
                    photos_after=request.FILES.getlist("photos_after"),
                    added_reason=form.cleaned_data.get("added_reason") or "",
                )
            except ValidationError as exc:
                _put_errors(form, exc, rows, other_unit=other)
            else:
                messages.success(
                    request,
                    _("Attendance of %(unit)s is recorded: %(n)d people.")
                    % {
                        "unit": attendance.unit.short_name or attendance.unit.name,
                        "n": attendance.headcount,
                    },
                )
                return redirect(_detail_url(attendance))
    categories = list(categories_active())
    context = {
        "form": form,
        "session": session,
        "community": community,
        "rows": rows or [TaskRow()],
        "categories": categories,
        "measures": measures_by_category(categories),
        "all_measures": Measure.choices,
        "existing": existing,
        "closed": _closed_reason(session, scope.is_office),
        "other_unit": OTHER_UNIT,
        "back_url": _session_url(session, community),
    }
    status = 400 if request.method == "POST" else 200
    return render(request, "activities/attendance_form.html", context, status=status)


def _unit_key(unit: Unit) -> tuple[str, str]:
    return (unit.short_name or unit.name, unit.code)


def _initial(
    existing: Attendance | None, chosen: str, session: Session
) -> tuple[dict[str, Any], list[TaskRow]]:
    if existing is None:
        return {
            "unit": chosen,
            "start_time": session.start_time,
            "end_time": session.end_time,
        }, []
    initial = {
        "unit": chosen,
        "headcount": existing.headcount,
        "leader_name": existing.leader_name,
        "leader_rank": existing.leader_rank,
        "principal_leader_led": existing.principal_leader_led,
        "start_time": existing.start_time,
        "end_time": existing.end_time,
        "problem_numbers": [p.number for p in existing.problems.all()],
        "notes": existing.notes,
        "added_reason": existing.added_reason,
    }
    rows = [
        TaskRow(t.category.code, f"{t.quantity.normalize():f}", t.measure)
        for t in existing.tasks.all()
    ]
    return initial, rows


# --- one attendance ---------------------------------------------------------------------


def _attendance_or_404(request: HttpRequest, pk: int) -> Attendance:
    require_reader(request)
    qs = (
        queries.attendance_visible_to(request.user)
        .select_related("entered_by", "confirmed_by")
        .prefetch_related(
            Prefetch("tasks", queryset=AttendanceTask.objects.select_related("category")),
            "problems",
            "photos",
        )
    )
    return get_visible_or_404(qs, pk=pk)


def attendance_history(attendance: Attendance) -> list[HistoryEntry]:
    """The attendance's changes, newest first, each correction with its reason.

    A change of the linked problems alone shows on the page, not as an empty row.
    """
    entries = history_of(attendance)
    reasons = list(
        attendance.history.values_list("history_change_reason", flat=True)[:HISTORY_LIMIT]
    )
    shown = []
    for entry, reason in zip(entries, reasons, strict=False):
        if reason:
            entry.what = _("%(what)s, reason: %(reason)s") % {"what": entry.what, "reason": reason}
        elif not entry.changes and str(entry.what) == str(_("changed")):
            continue
        shown.append(entry)
    return shown


@login_required
def attendance_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One attendance: figures, tasks, problems, photos, status and history, with the
    actions the user may take (edit, confirm, correct)."""
    attendance = _attendance_or_404(request, pk)
    user = request.user
    scope = scope_of(user)
    context = {
        "attendance": attendance,
        "session": attendance.session,
        "community": attendance.community,
        "history": attendance_history(attendance),
        "may_edit": permissions.may_edit(user, attendance) and permissions.writes(user),
        "may_confirm": attendance.status == "submitted"
        and permissions.may_confirm(user, attendance),
        "may_correct": permissions.may_correct(user),
        "locked": permissions.is_locked(attendance),
        "editable_until": permissions.editable_until(attendance.session.date),
        "originals": permissions.may_see_originals(user, attendance.community),
        "is_office": scope.is_office,
    }
    return render(request, "activities/attendance_detail.html", context)


@login_required
@require_POST
def attendance_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    """Community staff confirm attendance; back to where they pressed the button."""
    attendance = _attendance_or_404(request, pk)
    services.attendance_confirm(user=request.user, attendance_id=attendance.pk)
    messages.success(
        request,
        _("Attendance of %(unit)s is confirmed.")
        % {"unit": attendance.unit.short_name or attendance.unit.name},
    )
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = _detail_url(attendance)
    return redirect(target)


@login_required
def attendance_correct(request: HttpRequest, pk: int) -> HttpResponse:
    """The city office corrects attendance, at any time, giving a reason kept in history."""
    attendance = _attendance_or_404(request, pk)
    if not permissions.may_correct(request.user):
        raise PermissionDenied(_("Only the city office corrects attendance."))
    initial = {
        "headcount": attendance.headcount,
        "leader_name": attendance.leader_name,
        "leader_rank": attendance.leader_rank,
        "principal_leader_led": attendance.principal_leader_led,
        "start_time": attendance.start_time,
        "end_time": attendance.end_time,
        "notes": attendance.notes,
    }
    form = CorrectionForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        values = {
            k: v for k, v in form.cleaned_data.items() if k != "reason" and initial.get(k) != v
        }
        try:
            services.attendance_correct(
                user=request.user,
                attendance_id=attendance.pk,
                reason=form.cleaned_data["reason"],
                **values,
            )
        except ValidationError as exc:
            form.add_service_error(exc)
        else:
            messages.success(request, _("The correction is saved with its reason."))
            return redirect(_detail_url(attendance))
    context = {"form": form, "attendance": attendance, "session": attendance.session}
    status = 400 if request.method == "POST" else 200
    return render(request, "activities/attendance_correct.html", context, status=status)


# --- absences -------------------------------------------------------------------------


@login_required
def absence_form(request: HttpRequest, session_id: int, community_code: str) -> HttpResponse:
    """An expected unit, or the community for it, says why it does not come."""
    session = session_or_404(request, session_id)
    community = community_or_404(request, session, community_code)
    user = request.user
    if not permissions.writes(user):
        raise PermissionDenied(_("Your role cannot record Friday session activity."))
    came = set(
        Attendance.objects.filter(session=session, community=community).values_list(
            "unit_id", flat=True
        )
    )
    units = [
        p.unit
        for p in queries.expected_pairings(session.date, [community.pk]).select_related("unit")
        if p.unit_id not in came and permissions.may_record_for(user, p.unit_id, community)
    ]
    if not units and not permissions.may_add_units(user, community):
        raise PermissionDenied(_("Your unit is not expected in this community that day."))
    choices = [(u.code, u.short_name or u.name) for u in sorted(units, key=_unit_key)]
    form = AbsenceForm(
        request.POST or None, initial={"unit": request.GET.get("unit", "")}, units=choices
    )
    if request.method == "POST" and form.is_valid():
        try:
            services_plans.absence_record(
                user=user,
                session_id=session.pk,
                unit_code=form.cleaned_data["unit"],
                community_code=community.code,
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as exc:
            form.add_service_error(exc, FIELD_OF_ERROR)
        else:
            messages.success(request, _("The absence is recorded with its reason."))
            return redirect(_session_url(session, community))
    context = {
        "form": form,
        "session": session,
        "community": community,
        "back_url": _session_url(session, community),
    }
    status = 400 if request.method == "POST" else 200
    return render(request, "activities/absence_form.html", context, status=status)
