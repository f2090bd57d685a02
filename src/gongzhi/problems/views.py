"""Staff pages of the problem ledger: the ledger and its map, reporting, a problem's
page with its timeline and actions, and the photos. Thin: read through queries,
write through services."""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch, prefetch_related_objects
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse, QueryDict
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from gongzhi.areas.models import Community
from gongzhi.core.models import Role
from gongzhi.core.photo_store import photo_response
from gongzhi.core.scoping import get_visible_or_404, scope_of
from gongzhi.problems import extra_questions, queries, services, workflow
from gongzhi.problems.forms import (
    REPORT_FIELDS,
    TRANSITION_FORMS,
    LedgerFilterForm,
    ProblemReportForm,
    TransitionForm,
    compound_choices,
    may_report,
    reportable_communities,
)
from gongzhi.problems.models import (
    NOT_OVERDUE_STATES,
    Dispatch,
    EscalationKind,
    PendingRequest,
    Problem,
    ProblemEvent,
    ProblemPhoto,
    ProblemState,
    Satisfaction,
)
from gongzhi.problems.services import ConflictError
from gongzhi.problems.workflow import Actor
from gongzhi.units.models import Unit
from gongzhi.units.queries import pairings_valid_on

#: The map shows at most this many problems (the newest), with a note when there are more.
MAP_LIMIT = 5000

#: Marker colours of the map, one per state (the badges use the same ones, in CSS).
STATE_COLOURS: dict[str, str] = {
    ProblemState.REPORTED: "#0d6efd",
    ProblemState.ACCEPTED: "#6610f2",
    ProblemState.REJECTED: "#6c757d",
    ProblemState.DUPLICATE: "#adb5bd",
    ProblemState.DISPATCHED: "#fd7e14",
    ProblemState.IN_PROGRESS: "#d39e00",
    ProblemState.HANDLED: "#20c997",
    ProblemState.CLOSED: "#198754",
    ProblemState.PARKED: "#343a40",
}

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


def _today() -> dt.date:
    return timezone.localdate()


def _state_label(state: str) -> str:
    return str(ProblemState(state).label) if state in ProblemState.values else state


def _overdue_days(problem: Problem, today: dt.date) -> int:
    """Days past the deadline of a problem not yet handled (0 when not overdue)."""
    if problem.deadline is None or problem.state in NOT_OVERDUE_STATES:
        return 0
    return max((today - problem.deadline).days, 0)


def _query(request: HttpRequest, *, drop: tuple[str, ...] = ("cursor",), **extra: str) -> str:
    """The request's query string without ``drop`` and with ``extra`` (lists kept)."""
    params: QueryDict = request.GET.copy()
    for key in drop:
        params.pop(key, None)
    for key in [k for k, values in params.lists() if not any(values)]:
        params.pop(key)
    for key, value in extra.items():
        params[key] = value
    return params.urlencode()


def _problem_or_404(request: HttpRequest, number: str) -> Problem:
    return get_visible_or_404(queries.problems_visible_to(request.user), number=number)


# --- the ledger -------------------------------------------------------------------------


@login_required
@require_GET
def ledger(request: HttpRequest) -> HttpResponse:
    """The ledger: filters in the URL, a keyset-paged list newest first, or the map."""
    form = LedgerFilterForm(request.GET or None, user=request.user)
    view = "map" if request.GET.get("view") == "map" else "list"
    context: dict[str, Any] = {
        "form": form,
        "view": view,
        "may_report": may_report(request.user),
        "rows": [],
        "filters_query": _query(request, drop=("cursor", "view")),
        "list_query": _query(request, drop=("cursor", "view")),
        "map_query": _query(request, drop=("cursor",), view="map"),
        "map_limit": MAP_LIMIT,
    }
    if form.is_bound and not form.is_valid():
        return render(request, "problems/ledger.html", context, status=400)
    ledger_filter = form.to_filter() if form.is_bound else queries.LedgerFilter()
    context["filtered"] = not ledger_filter.is_empty()
    if view == "list":
        qs = queries.problems_filtered(request.user, ledger_filter)
        page = queries.problems_page(qs, cursor=request.GET.get("cursor"))
        prefetch_related_objects(
            page.items,
            Prefetch("dispatches", queryset=Dispatch.objects.select_related("unit")),
        )
        today = _today()
        context["rows"] = [
            {
                "problem": p,
                "overdue_days": _overdue_days(p, today),
                "units": sorted((d.unit for d in p.dispatches.all()), key=lambda u: u.name),
            }
            for p in page.items
        ]
        base = _query(request)
        context["first_url"] = ("?" + base) if request.GET.get("cursor") else None
        context["next_url"] = (
            "?" + _query(request, cursor=page.next_cursor) if page.next_cursor else None
        )
    return render(request, "problems/ledger.html", context)


@login_required
@require_GET
def ledger_geojson(request: HttpRequest) -> HttpResponse:
    """The filtered problems that have a location, as a GeoJSON FeatureCollection.

    At most :data:`MAP_LIMIT` of them, the newest; ``capped`` says when there are more.
    """
    form = LedgerFilterForm(request.GET or None, user=request.user)
    if form.is_bound and not form.is_valid():
        return JsonResponse({"errors": form.errors.get_json_data()}, status=400)
    ledger_filter = form.to_filter() if form.is_bound else queries.LedgerFilter()
    qs = queries.problems_filtered(request.user, ledger_filter).filter(
        lat__isnull=False, lng__isnull=False
    )
    rows = list(
        qs.values_list("number", "title", "state", "lat", "lng", "category__name", "deadline")[
            : MAP_LIMIT + 1
        ]
    )
    capped = len(rows) > MAP_LIMIT
    detail = reverse("problems:detail", kwargs={"number": "NUMBER"})
    today = _today()
    labels = {state: _state_label(state) for state in ProblemState.values}
    features = [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [lng, lat]},
            "properties": {
                "number": number,
                "title": title or category,
                "state": state,
                "state_label": labels.get(state, state),
                "colour": STATE_COLOURS.get(state, "#6c757d"),
                "overdue": bool(deadline and deadline < today and state not in NOT_OVERDUE_STATES),
                "url": detail.replace("NUMBER", number),
            },
        }
        for number, title, state, lat, lng, category, deadline in rows[:MAP_LIMIT]
    ]
    body = {
        "type": "FeatureCollection",
        "features": features,
        "capped": capped,
        "limit": MAP_LIMIT,
    }
    return JsonResponse(
        body, content_type="application/geo+json", json_dumps_params={"ensure_ascii": False}
    )


# --- reporting --------------------------------------------------------------------------


def _suggestions(
    user: Any,
    *,
    category_code: str,
    community_code: str,
    description: str,
    lat: float | None,
    lng: float | None,
    exclude_pk: int | None = None,
) -> list[queries.DuplicateSuggestion]:
    category = queries.categories_active().filter(code=category_code).first()
    if category is None:
        return []
    community_id = (
        Community.objects.filter(code=community_code).values_list("pk", flat=True).first()
        if community_code
        else None
    )
    if community_id is None and (lat is None or lng is None):
        return []
    return queries.duplicate_suggestions(
        category=category,
        community_id=community_id or 0,
        description=description,
        lat=lat,
        lng=lng,
        exclude_pk=exclude_pk,
        user=user,
    )


def _float(value: str | None) -> float | None:
    try:
        number = float(value) if value else None
    except ValueError:
        return None
    return number if number is not None and number == number else None  # NaN is no place


@login_required
def problem_create(request: HttpRequest) -> HttpResponse:
    """The staff report form; errors come back next to their fields and nothing is written."""
    if not may_report(request.user):
        raise PermissionDenied(_("Your role does not report problems."))
    form = ProblemReportForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            problem = services.problem_report(
                user=request.user,
                photos=request.FILES.getlist("photos"),
                **form.service_arguments(),
            )
        except ValidationError as exc:
            form.add_service_error(exc, REPORT_FIELDS)
        except PermissionDenied as exc:
            form.add_error("community", str(exc))
            form.mark_invalid()
        else:
            messages.success(
                request, _("Problem %(number)s is recorded.") % {"number": problem.number}
            )
            return redirect("problems:detail", number=problem.number)
    suggestions: list[queries.DuplicateSuggestion] = []
    if form.is_bound:
        suggestions = _suggestions(
            request.user,
            category_code=str(form.data.get("category") or ""),
            community_code=str(form.data.get("community") or ""),
            description=str(form.data.get("description") or ""),
            lat=_float(form.data.get("lat")),
            lng=_float(form.data.get("lng")),
        )
    context = {
        "form": form,
        "suggestions": suggestions,
        "outlines": _outlines_for_pin(request.user),
    }
    return render(
        request, "problems/create.html", context, status=400 if request.method == "POST" else 200
    )


#: The pin map draws the outlines of the reporter's communities when they are this few.
MAX_OUTLINES = 60


def _outlines_for_pin(user: Any) -> list[dict[str, Any]]:
    """Outlines that help place the pin: those of an area officer's communities."""
    scope = scope_of(user)
    if scope.is_office or scope.has(Role.UNIT, Role.MEMBER, Role.INSPECTOR):
        return []
    communities = reportable_communities(user).filter(outline__isnull=False)
    return [
        {"name": name, "outline": outline}
        for name, outline in communities.order_by("code").values_list("name", "outline")[
            :MAX_OUTLINES
        ]
    ]


@login_required
@require_GET
def similar(request: HttpRequest) -> HttpResponse:
    """The htmx partial under the report form: open problems that may be the same one."""
    suggestions = _suggestions(
        request.user,
        category_code=request.GET.get("category", ""),
        community_code=request.GET.get("community", ""),
        description=request.GET.get("description", ""),
        lat=_float(request.GET.get("lat")),
        lng=_float(request.GET.get("lng")),
    )
    return render(request, "problems/_similar.html", {"suggestions": suggestions})


@login_required
@require_GET
def compound_options(request: HttpRequest) -> HttpResponse:
    """The htmx partial of the compound select: the compounds of the chosen community."""
    code = request.GET.get("community", "")
    if code and not reportable_communities(request.user).filter(code=code).exists():
        code = ""
    return render(request, "problems/_compound_options.html", {"options": compound_choices(code)})


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
    if event.actor_role == services.SYSTEM_ROLE or event.action == "escalate":
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
