"""A problem's staff page: its timeline, the actions the reader may take, and its photos.
Thin: read through queries, write through services."""

from __future__ import annotations

import secrets
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from gongzhi.core.photo_store import photo_response
from gongzhi.core.scoping import get_visible_or_404
from gongzhi.problems import extra_questions, queries, services, services_escalation, workflow
from gongzhi.problems.forms import (
    TRANSITION_FORMS,
    TransitionForm,
    may_report,
)
from gongzhi.problems.models import (
    Dispatch,
    EscalationKind,
    PendingRequest,
    Problem,
    ProblemEvent,
    ProblemPhoto,
    Satisfaction,
)
from gongzhi.problems.services import ConflictError
from gongzhi.problems.views import STATE_COLOURS, _overdue_days, _state_label, _today
from gongzhi.problems.workflow import Actor
from gongzhi.units.models import Unit
from gongzhi.units.queries import pairings_valid_on

#: What each kind of event says in the timeline (past tense).
EVENT_LABELS = {
    "report": gettext_lazy("Reported"),
    "accept": gettext_lazy("Accepted"),
    "reject": gettext_lazy("Rejected"),
    "mark_duplicate": gettext_lazy("Marked as a duplicate"),
    "dispatch": gettext_lazy("Dispatched"),
    "start": gettext_lazy("Handling started"),
    "handle": gettext_lazy("Reported as handled"),
    "verify_pass": gettext_lazy("Verification passed"),
    "verify_fail": gettext_lazy("Verification failed"),
    "request_extension": gettext_lazy("Extension asked for"),
    "approve_extension": gettext_lazy("Extension approved"),
    "reject_extension": gettext_lazy("Extension refused"),
    "request_park": gettext_lazy("Parking asked for"),
    "approve_park": gettext_lazy("Parking approved"),
    "reject_park": gettext_lazy("Parking refused"),
    "rate": gettext_lazy("Rated by the reporter"),
    "callback": gettext_lazy("Call-back recorded"),
    "escalate": gettext_lazy("Escalated"),
}


def _problem_or_404(request: HttpRequest, number: str) -> Problem:
    return get_visible_or_404(queries.problems_visible_to(request.user), number=number)


# --- a problem's page -------------------------------------------------------------------


#: The order of the action forms on a problem's page: the way forward first.
ACTION_ORDER = (
    "accept",
    "dispatch",
    "start",
    "handle",
    "verify_pass",
    "verify_fail",
    "callback",
    "approve_extension",
    "reject_extension",
    "approve_park",
    "reject_park",
    "request_extension",
    "request_park",
    "mark_duplicate",
    "reject",
)


def available_actions(problem: Problem, actors: set[str]) -> list[str]:
    """The actions ``actors`` may take on ``problem`` now, as buttons.

    The workflow table by state and actor, less decisions with no matching
    request waiting, requests while one is waiting and a second rating.
    """
    actions = []
    for action in workflow.actions_from(problem.state, actors):
        t = workflow.TRANSITIONS[action]
        if t.needs_pending and problem.pending_request != t.needs_pending:
            continue
        if t.sets_pending and problem.pending_request:
            continue
        if t.evidence and workflow.Evidence.RATING in t.evidence and problem.satisfaction:
            continue
        actions.append(action)
    position = {action: n for n, action in enumerate(ACTION_ORDER)}
    return sorted(actions, key=lambda a: position.get(a, len(position)))


def _unit_choices(problem: Problem) -> list[Any]:
    """Active units for the dispatch form, those paired with the community first."""
    paired_ids = set(
        pairings_valid_on(_today())
        .filter(community_id=problem.community_id)
        .values_list("unit_id", flat=True)
    )
    paired: list[tuple[str, str]] = []
    others: list[tuple[str, str]] = []
    for pk, code, name in Unit.objects.active().order_by("name").values_list("pk", "code", "name"):
        (paired if pk in paired_ids else others).append((code, name))
    return [
        (_("Paired with this community"), paired),
        (_("Other units"), others),
    ]


def transition_form(
    action: str,
    problem: Problem,
    user: Any,
    data: Any = None,
    files: Any = None,
) -> TransitionForm:
    """The form of one action on ``problem`` with its choices and defaults."""
    form_class = TRANSITION_FORMS[action]
    extra: dict[str, Any] = {}
    if "unit_codes" in form_class.base_fields:
        extra["unit_choices"] = _unit_choices(problem)
    if action == "dispatch":
        extra["default_deadline"] = services.deadline_for(problem.category, _today())
    if "duplicate_of" in form_class.base_fields:
        extra["suggestions"] = [
            s.problem.number for s in queries.duplicate_suggestions_for(problem, user)
        ]
    return form_class(data, files, problem=problem, **extra)


def _event_details(
    event: ProblemEvent, unit_names: dict[str, str], visible_numbers: set[str]
) -> list[dict[str, Any]]:
    """What an event's data says, as label/value pairs (with a link where there is one)."""
    data = event.data or {}
    details: list[dict[str, Any]] = []
    if event.action == "escalate":
        # The step's name is the event's note; the kind says how severe it is.
        kind = str(data.get("kind") or "")
        kind_label = EscalationKind(kind).label if kind in EscalationKind.values else kind
        details.append({"label": _("Escalation"), "value": kind_label})
        if data.get("working_days_overdue"):
            details.append(
                {"label": _("Working days overdue"), "value": data["working_days_overdue"]}
            )
    codes = data.get("unit_codes") or []
    if codes:
        names = ", ".join(unit_names.get(code, code) for code in codes)
        details.append({"label": _("Units"), "value": names})
    if data.get("to_community"):
        details.append({"label": _("Community"), "value": _("dispatched to the community")})
    if data.get("requested_deadline"):
        details.append({"label": _("Deadline asked for"), "value": data["requested_deadline"]})
    if data.get("old_deadline"):
        details.append({"label": _("Previous deadline"), "value": data["old_deadline"]})
    if data.get("deadline"):
        details.append({"label": _("Deadline"), "value": data["deadline"]})
    rating = data.get("rating")
    if rating:
        label = Satisfaction(rating).label if rating in Satisfaction.values else rating
        details.append({"label": _("Rating"), "value": label})
    if data.get("reopened"):
        details.append({"label": _("Reopened"), "value": _("yes, by the rating")})
    if data.get("rework"):
        details.append({"label": _("Rework"), "value": data["rework"]})
    original = data.get("duplicate_of")
    if original:
        url = (
            reverse("problems:detail", kwargs={"number": original})
            if original in visible_numbers
            else None
        )
        details.append({"label": _("Duplicate of"), "value": original, "url": url})
    return details


def _actor_text(event: ProblemEvent) -> str:
    if event.actor is not None:
        return str(event.actor)
    if event.actor_role == services_escalation.SYSTEM_ROLE or event.action == "escalate":
        return _("The system (escalation ladder)")
    if event.actor_role == Actor.REPORTER:
        return _("The reporter")
    return "—"


def _role_text(event: ProblemEvent) -> str:
    """The capacity the actor acted in (empty where the actor text says it all)."""
    role = event.actor_role
    if event.actor is None or not role:
        return ""
    return str(Actor(role).label) if role in Actor.values else role


def _timeline(user: Any, problem: Problem) -> list[dict[str, Any]]:
    events = list(
        problem.events.select_related("actor").prefetch_related("photos").order_by("at", "id")
    )
    codes = {c for e in events for c in (e.data or {}).get("unit_codes") or []}
    unit_names = dict(Unit.objects.filter(code__in=codes).values_list("code", "name"))
    numbers = {str(e.data["duplicate_of"]) for e in events if (e.data or {}).get("duplicate_of")}
    visible_numbers = set(
        queries.problems_visible_to(user)
        .filter(number__in=numbers)
        .values_list("number", flat=True)
    )
    rows = []
    for event in events:
        rows.append(
            {
                "event": event,
                "label": EVENT_LABELS.get(event.action, workflow.action_verb(event.action)),
                "from_label": _state_label(event.from_state) if event.from_state else "",
                "to_label": _state_label(event.to_state),
                "changed": event.from_state != event.to_state,
                "actor": _actor_text(event),
                "role": _role_text(event),
                "details": _event_details(event, unit_names, visible_numbers),
                "photos": list(event.photos.all()),
            }
        )
    return rows


def _detail_context(
    request: HttpRequest,
    problem: Problem,
    *,
    bound: TransitionForm | None = None,
    conflict: dict[str, Any] | None = None,
) -> dict[str, Any]:
    user = request.user
    problem = (
        queries.problems_visible_to(user)
        .select_related("compound", "duplicate_of", "community__street__district")
        .prefetch_related(Prefetch("dispatches", queryset=Dispatch.objects.select_related("unit")))
        .get(pk=problem.pk)
    )
    actors = services.actors_for(user, problem)
    actions = available_actions(problem, actors)
    forms = []
    for action in actions:
        form = bound if bound is not None and bound.transition.action == action else None
        forms.append(form or transition_form(action, problem, user))
    stray_errors: list[str] = []
    if bound is not None and bound.transition.action not in actions:
        stray_errors = [str(m) for errors in bound.errors.values() for m in errors]
    visible = queries.problems_visible_to(user)
    original = problem.duplicate_of
    original_visible = original is not None and visible.filter(pk=original.pk).exists()
    duplicates = list(visible.filter(duplicate_of=problem).order_by("-id")[:50])
    today = _today()
    context = {
        "problem": problem,
        "state_colour": STATE_COLOURS.get(problem.state, "#6c757d"),
        "overdue_days": _overdue_days(problem, today),
        "units": sorted((d.unit for d in problem.dispatches.all()), key=lambda u: u.name),
        "answers": extra_questions.answer_rows(problem.category, problem.extra_answers),
        "reporter_phone": queries.reporter_phone_for(user, problem),
        "may_see_originals": queries.may_see_reporter_phone(user, problem),
        "original": original,
        "original_visible": original_visible,
        "duplicates": duplicates,
        "timeline": _timeline(user, problem),
        "forms": forms,
        "stray_errors": stray_errors,
        "conflict": conflict,
        "pending_label": (
            PendingRequest(problem.pending_request).label if problem.pending_request else ""
        ),
        "may_report": may_report(user),
    }
    return context


@login_required
@require_GET
def problem_detail(request: HttpRequest, number: str) -> HttpResponse:
    """Everything about a problem, its timeline and the actions the viewer may take."""
    problem = _problem_or_404(request, number)
    return render(request, "problems/detail.html", _detail_context(request, problem))


@login_required
@require_POST
def problem_transition(request: HttpRequest, number: str) -> HttpResponse:
    """Take one action on a problem (``services.problem_transition``).

    Someone else's change in between answers 409 with the page as it is now
    and the user's input kept; refused input answers 400 with the errors next
    to the fields; a role that may not take the action gets 403.
    """
    problem = _problem_or_404(request, number)
    action = request.POST.get("action", "")
    t = workflow.transition_for(action)
    if t is None:
        messages.error(request, _("Unknown action “%(action)s”.") % {"action": action})
        return render(
            request, "problems/detail.html", _detail_context(request, problem), status=400
        )
    if not services.actors_for(request.user, problem) & set(t.actors):
        raise PermissionDenied(
            _("Your role cannot %(action)s this problem.")
            % {"action": workflow.action_verb(action)}
        )
    form = transition_form(action, problem, request.user, request.POST, request.FILES)
    if form.is_valid():
        try:
            services.problem_transition(
                user=request.user,
                problem_number=problem.number,
                action=action,
                expected_version=form.cleaned_data["version"],
                photos=request.FILES.getlist("photos"),
                **form.service_arguments(),
            )
        except ConflictError as exc:
            return _conflict(request, number, form, exc)
        except ValidationError as exc:
            form.add_service_error(exc, {"action": "__all__", "photo_ids": "photos"})
        else:
            messages.success(
                request,
                _("Done: %(action)s.") % {"action": form.label},
            )
            return redirect(reverse("problems:detail", kwargs={"number": number}) + "#timeline")
    context = _detail_context(request, problem, bound=form)
    return render(request, "problems/detail.html", context, status=400)


def _conflict(
    request: HttpRequest, number: str, form: TransitionForm, exc: ConflictError
) -> HttpResponse:
    """The page as it is now, the message, and what the user typed (on the current version)."""
    current = _problem_or_404(request, number)
    data = request.POST.copy()
    data["version"] = str(current.version)
    kept = transition_form(form.transition.action, current, request.user, data)
    conflict = {
        "message": str(exc),
        "action": form.label,
        "note": form.cleaned_data.get("note") or "",
        "photos_dropped": bool(request.FILES.getlist("photos")),
    }
    context = _detail_context(request, current, bound=kept, conflict=conflict)
    context["stray_errors"] = []
    return render(request, "problems/detail.html", context, status=409)


# --- photos -----------------------------------------------------------------------------

PHOTO_KINDS = ("thumb", "public", "original")


@require_GET
def problem_photo(request: HttpRequest, pk: int, kind: str) -> HttpResponseBase:
    """A stored photo: the thumbnail and public copy (no metadata) to anyone when the
    problem is public, else to those who may read it or who give its follow token
    (``?token=``); the original, EXIF and all, only to those who may see the
    reporter's phone. Anything else is 404."""
    if kind not in PHOTO_KINDS:
        raise Http404
    photo = ProblemPhoto.objects.select_related("problem__community__street").filter(pk=pk).first()
    if photo is None:
        raise Http404
    user = request.user
    problem = photo.problem
    if kind == "original":
        allowed = user.is_authenticated and queries.may_see_reporter_phone(user, problem)
    else:
        token = request.GET.get("token", "")
        # The reporter following a problem that is not public holds its follow token.
        follows = bool(token and problem.follow_token) and secrets.compare_digest(
            token.encode(), (problem.follow_token or "").encode()
        )
        allowed = (
            problem.is_public
            or follows
            or (
                user.is_authenticated
                and queries.problems_visible_to(user).filter(pk=problem.pk).exists()
            )
        )
    if not allowed:
        raise Http404
    return photo_response(photo, kind, f"{problem.number}-{photo.pk}")
