"""The dashboards under /stats/: overview, units, a unit, communities, a community, the
problem map, the big screen (数据大屏), their JSON and their xlsx downloads.

Thin: the figures come from :mod:`gongzhi.stats.figures` through
:mod:`gongzhi.stats.dashboard`, the filter from the URL through
:mod:`gongzhi.stats.filters`, who reads what from :mod:`gongzhi.stats.queries`.
Filters live in the URL (a GET form), so a view can be shared as a link.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from gongzhi.areas.queries import communities_visible_to
from gongzhi.core.models import Role
from gongzhi.core.scoping import Scope, get_visible_or_404
from gongzhi.core.xlsx import Table, xlsx_response
from gongzhi.problems.models import ProblemState
from gongzhi.stats import dashboard, exports, figures
from gongzhi.stats.figures import MUNICIPAL, StatsFilter
from gongzhi.stats.filters import PARAMS, to_query
from gongzhi.stats.queries import stats_scope
from gongzhi.units.queries import units_visible_to

#: Roles that see the big screen.
SCREEN_ROLES = (Role.OFFICE, Role.LEADER)

#: The big screen fetches its figures this often (seconds) unless ``?refresh=`` says otherwise.
DEFAULT_REFRESH_SECONDS = 60
MIN_REFRESH_SECONDS = 5
MAX_REFRESH_SECONDS = 3600

#: Parameters the filter bar has a field for (errors on others show above it).
BAR_FIELDS = frozenset(PARAMS)

#: KPI cards of the big screen, in order.
SCREEN_KPIS = (
    "person_times",
    "sessions_held",
    "participation",
    "funds",
    "problems_reported",
    "closure_rate",
)

#: The map shows at most this many problems (the newest), with a note when there are more.
MAP_LIMIT = 5000

#: Sort keys of the units table.
UNIT_SORTS = {
    "person_times": lambda u: (-u.person_times, u.unit_code),
    "sessions": lambda u: (-u.sessions_attended, u.unit_code),
    "funds": lambda u: (-u.funds_fen, u.unit_code),
    "name": lambda u: (u.unit_name, u.unit_code),
}
COMMUNITY_SORTS = {
    "person_times": lambda c: (-c.person_times, c.community_code),
    "funds": lambda c: (-c.funds_fen, c.community_code),
    "problems": lambda c: (-c.problems_reported, c.community_code),
    "name": lambda c: (c.community_code,),
}


def _filtered(
    request: HttpRequest, **fixed: str
) -> tuple[StatsFilter | None, dict[str, list[str]]]:
    try:
        return dashboard.read_filter(request.GET, **fixed), {}
    except ValidationError as exc:
        return None, dashboard.filter_errors(exc)


def _bar_filter(request: HttpRequest, f: StatsFilter | None) -> StatsFilter:
    """The filter the bar shows: the one read, or the default one when the URL was wrong."""
    if f is not None:
        return f
    start, end = dashboard.default_period({})
    return StatsFilter(start=start, end=end)


def _base_context(
    request: HttpRequest, f: StatsFilter | None, errors: dict[str, list[str]], *, action: str
) -> dict[str, Any]:
    shown = _bar_filter(request, f)
    bar = dashboard.filter_bar(request.user, shown)
    if f is None:  # a wrong URL: the dates stay as typed, next to what is wrong with them
        bar.update({k: request.GET[k] for k in ("start", "end") if request.GET.get(k)})
    return {
        "bar": bar,
        "errors": errors,
        "error_list": [(name, " ".join(texts)) for name, texts in errors.items()],
        "action": action,
        "query": to_query(f) if f is not None else "",
        "described": exports.describe_filter(f) if f is not None else [],
        "municipal": MUNICIPAL,
        "show_unit_filter": True,
        "show_community_filter": True,
        "bar_fields": BAR_FIELDS,
    }


def _error_page(request: HttpRequest, template: str, context: dict[str, Any]) -> HttpResponse:
    return render(request, template, context, status=400)


def _export_url(table: str, f: StatsFilter) -> str:
    return f"{reverse('stats:export', kwargs={'table': table})}?{to_query(f)}"


def _unit_only(scope: Scope) -> bool:
    """A unit liaison with no other role: their dashboard is their unit's page."""
    return scope.roles == frozenset({Role.UNIT}) and len(scope.unit_ids) == 1


# --- overview ------------------------------------------------------------------------------


@login_required
@require_GET
def overview(request: HttpRequest) -> HttpResponse:
    """The overview: KPI cards, the charts and the unit ranking for the filter."""
    scope = stats_scope(request.user)
    if _unit_only(scope):
        unit = units_visible_to(request.user).filter(pk__in=scope.unit_ids).values("code").first()
        if unit is not None:
            url = reverse("stats:unit", kwargs={"code": unit["code"]})
            query = request.GET.urlencode()
            return redirect(f"{url}?{query}" if query else url)
    f, errors = _filtered(request)
    context = _base_context(request, f, errors, action=reverse("stats:overview"))
    if f is None:
        return _error_page(request, "stats/overview.html", context)
    figs = dashboard.compute(f, scope)
    data = dashboard.chart_data(figs)
    summary_units = figs.summary.by_unit
    context.update(
        data=data,
        kpis=data["kpis"],
        units=summary_units[:20],
        units_more=max(len(summary_units) - 20, 0),
        units_url=f"{reverse('stats:units')}?{to_query(f)}",
        xlsx={
            "overview": _export_url("overview", f),
            "units": _export_url("units", f),
            "sessions": _export_url("sessions", f),
            "funds": _export_url("funds", f),
            "categories": _export_url("categories", f),
            "problems": _export_url("problems", f),
        },
        data_url=f"{reverse('stats:data')}?{to_query(f)}",
        map_url=f"{reverse('stats:map')}?{to_query(f)}",
        screen_url=(f"{reverse('stats:screen')}?{to_query(f)}" if scope.has(*SCREEN_ROLES) else ""),
        # The office drafts a bulletin of exactly what it is looking at.
        bulletin_url=(f"{reverse('stats:bulletin_new')}?{to_query(f)}" if scope.is_office else ""),
    )
    return render(request, "stats/overview.html", context)


@login_required
@require_GET
def data(request: HttpRequest) -> JsonResponse:
    """The overview's KPIs and chart data as JSON (the big screen refreshes from it)."""
    scope = stats_scope(request.user)
    f, errors = _filtered(request)
    if f is None:
        return JsonResponse({"errors": errors}, status=400)
    return JsonResponse(
        dashboard.chart_data(dashboard.compute(f, scope)), json_dumps_params={"ensure_ascii": False}
    )


# --- the big screen ------------------------------------------------------------------------


def _screen_scope(request: HttpRequest) -> Scope:
    scope = stats_scope(request.user)
    if not scope.has(*SCREEN_ROLES):
        raise PermissionDenied(_("Only the city office and leaders see the big screen."))
    return scope


def _refresh_seconds(request: HttpRequest) -> int:
    default = int(getattr(settings, "STATS_SCREEN_REFRESH_SECONDS", DEFAULT_REFRESH_SECONDS))
    try:
        value = int(request.GET.get("refresh", default))
    except ValueError:
        value = default
    return min(max(value, MIN_REFRESH_SECONDS), MAX_REFRESH_SECONDS)


@login_required
@require_GET
def screen(request: HttpRequest) -> HttpResponse:
    """The big screen (数据大屏): a dark 1920×1080 page that fetches its figures every
    ``refresh`` seconds and redraws without reloading."""
    scope = _screen_scope(request)
    f, errors = _filtered(request)
    if f is None:
        context = _base_context(request, f, errors, action=reverse("stats:overview"))
        return _error_page(request, "stats/overview.html", context)
    data = dashboard.chart_data(dashboard.compute(f, scope))
    kpis = {k["key"]: k for k in data["kpis"]}
    context = {
        "data": data,
        "screen_kpis": [kpis[key] for key in SCREEN_KPIS],
        "data_url": f"{reverse('stats:screen_data')}?{to_query(f)}",
        "refresh": _refresh_seconds(request),
        "described": exports.describe_filter(f),
        "overview_url": f"{reverse('stats:overview')}?{to_query(f)}",
    }
    return render(request, "stats/screen.html", context)


@login_required
@require_GET
def screen_data(request: HttpRequest) -> JsonResponse:
    """The big screen's figures as JSON, for its periodic refresh."""
    scope = _screen_scope(request)
    f, errors = _filtered(request)
    if f is None:
        return JsonResponse({"errors": errors}, status=400)
    return JsonResponse(
        dashboard.chart_data(dashboard.compute(f, scope)), json_dumps_params={"ensure_ascii": False}
    )


# --- units ---------------------------------------------------------------------------------


def _sort(request: HttpRequest, sorts: dict[str, Any], default: str) -> str:
    key = request.GET.get("sort", default)
    return key if key in sorts else default


@login_required
@require_GET
def units(request: HttpRequest) -> HttpResponse:
    """The unit ranking: person-times, sessions attended and funds of every unit in scope."""
    scope = stats_scope(request.user)
    f, errors = _filtered(request)
    context = _base_context(request, f, errors, action=reverse("stats:units"))
    if f is None:
        return _error_page(request, "stats/units.html", context)
    sort = _sort(request, UNIT_SORTS, "person_times")
    rows = sorted(figures.by_unit(f, scope), key=UNIT_SORTS[sort])
    context.update(
        rows=rows,
        sort=sort,
        sort_urls={key: "?" + to_query(f, sort=key) for key in UNIT_SORTS},
        totals={
            "person_times": sum(r.person_times for r in rows),
            "funds_fen": sum(r.funds_fen for r in rows),
        },
        xlsx_url=_export_url("units", f),
    )
    return render(request, "stats/units.html", context)


@login_required
@require_GET
def unit(request: HttpRequest, code: str) -> HttpResponse:
    """A unit's own figures over time: its sessions, funds and the problems dispatched
    to it. 404 for a unit outside the reader's scope."""
    scope = stats_scope(request.user)
    the_unit = get_visible_or_404(units_visible_to(request.user), code=code.upper())
    f, errors = _filtered(request, unit=the_unit.code)
    context = _base_context(request, f, errors, action=request.path)
    context.update(unit=the_unit, show_unit_filter=False)
    if f is None:
        return _error_page(request, "stats/unit.html", context)
    figs = dashboard.compute(f, scope)
    data = dashboard.chart_data(figs)
    context.update(
        data=data,
        kpis=data["kpis"],
        sessions=[s for s in figs.series if s.person_times],
        xlsx={
            "sessions": _export_url("sessions", f),
            "funds": _export_url("funds", f),
            "categories": _export_url("categories", f),
            "problems": _export_url("problems", f),
            "overview": _export_url("overview", f),
        },
        ledger_url=_ledger_url(unit=the_unit.code),
    )
    return render(request, "stats/unit.html", context)


def _ledger_url(**params: str) -> str:
    try:
        return f"{reverse('problems:ledger')}?{urlencode(params)}"
    except NoReverseMatch:  # the ledger's pages are not installed
        return ""


# --- communities ---------------------------------------------------------------------------


@login_required
@require_GET
def communities(request: HttpRequest) -> HttpResponse:
    """Every community in scope: person-times, units, funds, problems reported and closed."""
    scope = stats_scope(request.user)
    f, errors = _filtered(request)
    context = _base_context(request, f, errors, action=reverse("stats:communities"))
    if f is None:
        return _error_page(request, "stats/communities.html", context)
    sort = _sort(request, COMMUNITY_SORTS, "person_times")
    rows = sorted(figures.by_community(f, scope), key=COMMUNITY_SORTS[sort])
    context.update(
        rows=[
            {
                "c": r,
                "closure": dashboard.percent_text(
                    exports.rate_of(r.problems_closed, r.problems_reported)
                ),
            }
            for r in rows
        ],
        sort=sort,
        sort_urls={key: "?" + to_query(f, sort=key) for key in COMMUNITY_SORTS},
        totals={
            "person_times": sum(r.person_times for r in rows),
            "funds_fen": sum(r.funds_fen for r in rows),
            "problems_reported": sum(r.problems_reported for r in rows),
            "problems_closed": sum(r.problems_closed for r in rows),
        },
        xlsx_url=_export_url("communities", f),
    )
    return render(request, "stats/communities.html", context)


@login_required
@require_GET
def community(request: HttpRequest, code: str) -> HttpResponse:
    """A community's figures: who came, how many, funds, problems. 404 outside scope."""
    scope = stats_scope(request.user)
    the_community = get_visible_or_404(communities_visible_to(request.user), code=code)
    f, errors = _filtered(request, community=the_community.code)
    context = _base_context(request, f, errors, action=request.path)
    context.update(community=the_community, show_community_filter=False)
    if f is None:
        return _error_page(request, "stats/community.html", context)
    figs = dashboard.compute(f, scope)
    data = dashboard.chart_data(figs)
    context.update(
        data=data,
        kpis=data["kpis"],
        units=[u for u in figs.summary.by_unit if u.person_times or u.funds_fen],
        xlsx={
            "units": _export_url("units", f),
            "sessions": _export_url("sessions", f),
            "funds": _export_url("funds", f),
            "categories": _export_url("categories", f),
            "problems": _export_url("problems", f),
        },
        map_url=f"{reverse('stats:map')}?{to_query(f)}",
    )
    return render(request, "stats/community.html", context)


# --- the problem map -----------------------------------------------------------------------


@login_required
@require_GET
def problem_map(request: HttpRequest) -> HttpResponse:
    """The problems of the filter on a map, clustered and coloured by state."""
    stats_scope(request.user)
    f, errors = _filtered(request)
    context = _base_context(request, f, errors, action=reverse("stats:map"))
    if f is None:
        return _error_page(request, "stats/map.html", context)
    context.update(
        geojson_url=f"{reverse('stats:map_data')}?{to_query(f)}",
        map_limit=MAP_LIMIT,
        map_tile_url=getattr(settings, "MAP_TILE_URL", ""),
        map_tile_attribution=getattr(settings, "MAP_TILE_ATTRIBUTION", ""),
        legend=[
            {"state": code, "label": label, "colour": dashboard.STATE_COLOURS[code]}
            for code, label in ProblemState.choices
        ],
    )
    return render(request, "stats/map.html", context)


@login_required
@require_GET
def map_data(request: HttpRequest) -> JsonResponse:
    """The map's problems that have a place, as GeoJSON (at most :data:`MAP_LIMIT`)."""
    scope = stats_scope(request.user)
    f, errors = _filtered(request)
    if f is None:
        return JsonResponse({"errors": errors}, status=400)
    rows = list(
        figures.counted_problems(f, scope)
        .filter(lat__isnull=False, lng__isnull=False)
        .order_by("-id")
        .values_list("number", "title", "state", "lat", "lng", "category__name")[: MAP_LIMIT + 1]
    )
    labels = {str(code): str(label) for code, label in ProblemState.choices}
    try:
        detail = reverse("problems:detail", kwargs={"number": "NUMBER"})
    except NoReverseMatch:  # the ledger's pages are not installed
        detail = ""
    features = [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [lng, lat]},
            "properties": {
                "number": number,
                "title": title or category,
                "state": state,
                "state_label": labels.get(state, state),
                "colour": dashboard.STATE_COLOURS.get(state, "#6c757d"),
                "overdue": False,
                "url": detail.replace("NUMBER", number) if detail else "",
            },
        }
        for number, title, state, lat, lng, category in rows[:MAP_LIMIT]
    ]
    body = {
        "type": "FeatureCollection",
        "features": features,
        "capped": len(rows) > MAP_LIMIT,
        "limit": MAP_LIMIT,
    }
    return JsonResponse(
        body, content_type="application/geo+json", json_dumps_params={"ensure_ascii": False}
    )


# --- xlsx ----------------------------------------------------------------------------------

EXPORT_TABLES = ("overview", "units", "communities", "sessions", "funds", "categories", "problems")


@login_required
@require_GET
def export(request: HttpRequest, table: str) -> HttpResponse:
    """A dashboard table as xlsx, with the filters of the URL applied and stated."""
    if table not in EXPORT_TABLES:
        raise Http404
    scope = stats_scope(request.user)
    f, errors = _filtered(request)
    if f is None:
        message = "; ".join(f"{k}: {' '.join(v)}" for k, v in errors.items())
        return HttpResponse(message, status=400, content_type="text/plain; charset=utf-8")
    tables: list[Table]
    if table == "units":
        rows = sorted(figures.by_unit(f, scope), key=UNIT_SORTS["person_times"])
        tables = [exports.units_table(rows)]
    elif table == "communities":
        tables = [exports.communities_table(figures.by_community(f, scope))]
    elif table == "sessions":
        tables = [exports.sessions_table(figures.session_series(f, scope))]
    elif table == "funds":
        tables = [exports.funds_table(figures.funds_by_month(f, scope))]
    elif table == "categories":
        tables = [exports.categories_table(figures.problems_by_category(f, scope))]
    elif table == "problems":
        tables = exports.problems_tables(figures.problem_figures(f, scope))
    else:
        summary = figures.summary(f, scope)
        tables = [
            exports.units_table(sorted(summary.by_unit, key=UNIT_SORTS["person_times"])),
            exports.sessions_table(figures.session_series(f, scope)),
            exports.funds_table(figures.funds_by_month(f, scope)),
            exports.categories_table(figures.problems_by_category(f, scope)),
            *exports.problems_tables(summary.problems),
        ]
    return xlsx_response(exports.file_name(table, f), tables, filters=exports.describe_filter(f))
