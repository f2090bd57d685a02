"""Pages of rounds, groups and the assignment: the round list, the round overview
(progress per group), a group's page, and the office's planning pages.

Thin: parse, call a service or a query, render. Reading follows
``queries.rounds_visible_to`` and ``queries_rounds.groups_visible_to``; every
write is the city office's (403 for anyone else who can read the page).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from gongzhi.core.models import Role, User
from gongzhi.core.scoping import get_visible_or_404, scope_of
from gongzhi.core.views_helpers import error_text
from gongzhi.inspections import queries_rounds, services_rounds
from gongzhi.inspections.forms_rounds import AssignForm, GroupForm, MoveForm, RoundForm
from gongzhi.inspections.models import InspectionGroup, InspectionRound, RoundStatus
from gongzhi.inspections.queries import current_round, groups_of, rounds_visible_to

#: Rows of units shown at most on the overview and the assignment page.
ROWS_SHOWN = 300


def _round_or_404(request: HttpRequest, number: int) -> InspectionRound:
    return get_visible_or_404(rounds_visible_to(request.user), number=number)


def _require_office(request: HttpRequest) -> None:
    services_rounds.require_office(request.user)


def _may_read_rounds(user: Any) -> bool:
    scope = scope_of(user)
    return scope.sees_everything or bool(scope.roles - {Role.MEMBER})


def round_url(row: InspectionRound) -> str:
    return reverse("inspections:round_detail", args=[row.number])


def _try_reverse(name: str, *args: Any) -> str:
    """A URL of a page another module provides, or "" while it is not wired."""
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return ""


# --- rounds ---------------------------------------------------------------------------


@login_required
def round_list(request: HttpRequest) -> HttpResponse:
    """Rounds, newest first, each with its progress (inspected of assigned)."""
    if not _may_read_rounds(request.user):
        raise PermissionDenied(_("You may not see the inspection rounds."))
    rounds = queries_rounds.rounds_with_progress(rounds_visible_to(request.user)).order_by(
        "-number"
    )[:ROWS_SHOWN]
    scope = scope_of(request.user)
    context = {
        "rounds": rounds,
        "is_office": scope.is_office,
        "sees_groups": scope.sees_everything or Role.INSPECTOR in scope.roles,
        "ranking_url": _try_reverse("inspections:ranking"),
    }
    return render(request, "inspections/round_list.html", context)


@login_required
def round_create(request: HttpRequest) -> HttpResponse:
    """The office plans a new round; the next number is proposed."""
    _require_office(request)
    latest = InspectionRound.objects.order_by("-number").first()
    form = RoundForm(request.POST or None, initial={"number": (latest.number + 1) if latest else 1})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            row = services_rounds.round_create(
                user=request.user,
                number=data["number"],
                name=data["name"],
                start=data["start"],
                end=data["end"],
                template=data["template"],
            )
        except ValidationError as exc:
            form.add_service_error(exc)
        else:
            messages.success(
                request,
                _("%(round)s is planned. Assign its units to the groups, then open it.")
                % {"round": row},
            )
            return redirect(round_url(row))
    status = 400 if request.method == "POST" else 200
    return render(request, "inspections/round_form.html", {"form": form}, status=status)


@login_required
def round_detail(request: HttpRequest, number: int) -> HttpResponse:
    """The round overview: progress per group, and the units not yet inspected."""
    row = _round_or_404(request, number)
    progress = queries_rounds.round_progress(row)
    pending_qs = queries_rounds.units_not_inspected(row)
    pending = list(pending_qs[:ROWS_SHOWN])
    visible_groups = set(
        queries_rounds.groups_visible_to(request.user).values_list("pk", flat=True)
    )
    scope = scope_of(request.user)
    context = {
        "round": row,
        "progress": progress,
        "pending": pending,
        "pending_count": progress.assigned - progress.submitted,
        "rows_shown": ROWS_SHOWN,
        "visible_groups": visible_groups,
        "is_office": scope.is_office,
        "assign_form": AssignForm(),
        "ranking_url": _try_reverse("inspections:ranking"),
    }
    return render(request, "inspections/round_detail.html", context)


def _post_service(
    request: HttpRequest, number: int, action: Any, done: str, **arguments: Any
) -> HttpResponse:
    """Run ``action`` (a service) on the round; its refusal comes back as a message."""
    row = _round_or_404(request, number)
    _require_office(request)
    try:
        result = action(user=request.user, round_=row, **arguments)
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, done % {"round": row, **_result_params(result)})
    return redirect(round_url(row))


def _result_params(result: Any) -> dict[str, Any]:
    if isinstance(result, services_rounds.AssignResult):
        return {"assigned": result.assigned, "repeats": result.repeats}
    return {}


@login_required
@require_POST
def round_assign(request: HttpRequest, number: int) -> HttpResponse:
    form = AssignForm(request.POST)
    include = form.is_valid() and form.cleaned_data["include_district_units"]
    return _post_service(
        request,
        number,
        services_rounds.round_assign,
        _(
            "%(assigned)d units are assigned to the groups; %(repeats)d of them have the "
            "same group as in the round before."
        ),
        include_district_units=bool(include),
    )


@login_required
@require_POST
def round_open(request: HttpRequest, number: int) -> HttpResponse:
    return _post_service(
        request,
        number,
        services_rounds.round_open,
        _("%(round)s is open: the inspectors can now inspect their units."),
    )


@login_required
@require_POST
def round_close(request: HttpRequest, number: int) -> HttpResponse:
    return _post_service(request, number, services_rounds.round_close, _("%(round)s is closed."))


# --- assignment -----------------------------------------------------------------------


def _group_filter(source: Any) -> int | None:
    raw = str(source.get("group", ""))
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 10 else None


@login_required
def assignment_edit(request: HttpRequest, number: int) -> HttpResponse:
    """The office moves single units between groups (filter by group or unit)."""
    row = _round_or_404(request, number)
    _require_office(request)
    group_id = _group_filter(request.GET)
    search = request.GET.get("q", "").strip()[:50]
    rows = list(
        queries_rounds.round_assignments(row, group_id=group_id, search=search)[: ROWS_SHOWN + 1]
    )
    progress = queries_rounds.round_progress(row)
    context = {
        "round": row,
        "rows": rows[:ROWS_SHOWN],
        "more": len(rows) > ROWS_SHOWN,
        "rows_shown": ROWS_SHOWN,
        "progress": progress,
        "groups": InspectionGroup.objects.filter(is_active=True).order_by("name"),
        "group_id": group_id,
        "search": search,
        "closed": row.status == RoundStatus.CLOSED,
    }
    return render(request, "inspections/assignment_edit.html", context)


@login_required
@require_POST
def assignment_move(request: HttpRequest, number: int) -> HttpResponse:
    row = _round_or_404(request, number)
    _require_office(request)
    form = MoveForm(request.POST)
    back = reverse("inspections:assignment_edit", args=[row.number])
    kept = {k: request.POST.get(f"back_{k}", "") for k in ("group", "q")}
    query = urlencode({k: v for k, v in kept.items() if v})
    back = f"{back}?{query}" if query else back
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for errs in form.errors.values() for e in errs))
        return redirect(back)
    try:
        result = services_rounds.assignment_move(
            user=request.user,
            round_=row,
            unit_code=form.cleaned_data["unit_code"],
            group=form.cleaned_data["group"],
        )
    except ValidationError as exc:
        messages.error(request, error_text(exc))
        return redirect(back)
    moved = result.assignment
    messages.success(
        request,
        _("%(unit)s now goes to %(group)s.") % {"unit": moved.unit, "group": moved.group},
    )
    if not result.balanced:
        messages.warning(
            request,
            _(
                "The group loads now differ by more than one unit (from %(low)d to %(high)d). "
                "That is allowed, but check it is what you want."
            )
            % {"low": min(result.loads.values()), "high": max(result.loads.values())},
        )
    return redirect(back)


# --- groups ---------------------------------------------------------------------------


def _may_read_groups(user: Any) -> bool:
    scope = scope_of(user)
    return scope.sees_everything or Role.INSPECTOR in scope.roles


@login_required
def group_list(request: HttpRequest) -> HttpResponse:
    """Groups (the office and leaders all, an inspector theirs), with the current round's
    progress of each."""
    if not _may_read_groups(request.user):
        raise PermissionDenied(_("You may not see the inspection groups."))
    members = Prefetch("members", queryset=User.objects.order_by("username"))
    groups = list(
        queries_rounds.groups_visible_to(request.user)
        .prefetch_related(members)
        .order_by("-is_active", "name")[:ROWS_SHOWN]
    )
    current = current_round()
    progress = (
        {g.group_id: g for g in queries_rounds.round_progress(current).groups} if current else {}
    )
    rows = [{"group": g, "progress": progress.get(g.pk)} for g in groups]
    context = {
        "rows": rows,
        "current": current,
        "is_office": scope_of(request.user).is_office,
    }
    return render(request, "inspections/group_list.html", context)


def _group_form_page(request: HttpRequest, group: InspectionGroup | None) -> HttpResponse:
    _require_office(request)
    initial: dict[str, Any] = {"is_active": True}
    if group is not None:
        initial = {
            "name": group.name,
            "leader": group.leader_id,
            "members": list(group.members.values_list("pk", flat=True)),
            "is_active": group.is_active,
        }
    form = GroupForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            saved = services_rounds.group_save(
                user=request.user,
                group=group,
                name=data["name"],
                leader=data["leader"],
                members=list(data["members"]),
                is_active=data["is_active"],
            )
        except ValidationError as exc:
            form.add_service_error(exc)
        else:
            messages.success(request, _("The group is saved."))
            return redirect(reverse("inspections:group_detail", args=[saved.pk]))
    status = 400 if request.method == "POST" else 200
    context = {"form": form, "group": group}
    return render(request, "inspections/group_form.html", context, status=status)


@login_required
def group_create(request: HttpRequest) -> HttpResponse:
    return _group_form_page(request, None)


@login_required
def group_edit(request: HttpRequest, pk: int) -> HttpResponse:
    group = get_visible_or_404(queries_rounds.groups_visible_to(request.user), pk=pk)
    return _group_form_page(request, group)


@login_required
def group_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A group: its people, and the units it inspects in a round with their status."""
    group = get_visible_or_404(queries_rounds.groups_visible_to(request.user), pk=pk)
    visible_rounds = rounds_visible_to(request.user)
    raw = request.GET.get("round", "")
    requested = int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 6 else None
    row = queries_rounds.round_for_group_page(requested, visible_rounds)
    scope = scope_of(request.user)
    in_group = groups_of(request.user).filter(pk=group.pk).exists()
    units: list[dict[str, Any]] = []
    done = 0
    if row is not None:
        may_fill = row.status == RoundStatus.OPEN and (scope.is_office or in_group)
        for assignment in queries_rounds.group_assignments(group, row):
            code = assignment.unit.code
            submitted = getattr(assignment, "inspection_status", "") == "submitted"
            done += submitted
            units.append(
                {
                    "assignment": assignment,
                    "form_url": _try_reverse("inspections:inspection_form", row.number, code)
                    if may_fill
                    else "",
                    "view_url": _try_reverse("inspections:inspection_detail", row.number, code)
                    if submitted
                    else "",
                }
            )
    context = {
        "group": group,
        "members": group.members.order_by("username"),
        "round": row,
        "rounds": visible_rounds.order_by("-number")[:50],
        "units": units,
        "done": done,
        "is_office": scope.is_office,
    }
    return render(request, "inspections/group_detail.html", context)
