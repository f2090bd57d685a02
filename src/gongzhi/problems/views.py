"""Staff pages of the problem ledger: the ledger and its map, and reporting a problem
(a problem's own page is in :mod:`views_problem`). Thin: read through queries, write
through services."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch, prefetch_related_objects
from django.http import HttpRequest, HttpResponse, JsonResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from gongzhi.areas.models import Community
from gongzhi.core.models import Role
from gongzhi.core.scoping import scope_of
from gongzhi.problems import queries, services
from gongzhi.problems.forms import (
    REPORT_FIELDS,
    LedgerFilterForm,
    ProblemReportForm,
    compound_choices,
    may_report,
    reportable_communities,
)
from gongzhi.problems.models import (
    NOT_OVERDUE_STATES,
    Dispatch,
    Problem,
    ProblemState,
)

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
