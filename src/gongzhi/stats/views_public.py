"""The public figures page (/stats/public/): what the programme has done, for residents.

No login. City-wide headline figures of a period (this year so far by default), the
units that brought the most people and the problems by category, all defined in
:mod:`gongzhi.stats.figures`. Only the period may be chosen; the page is cached for a
few minutes, so a crowd of visitors costs the database one computation.
"""

from __future__ import annotations

from typing import Any

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import get_language
from django.views.decorators.http import require_GET

from gongzhi.stats import dashboard, figures
from gongzhi.stats.filters import parse_filter

#: Seconds a period's public figures are served from the cache.
CACHE_SECONDS = 300
TOP_UNITS = 10


def _compute(f: figures.StatsFilter) -> dict[str, Any]:
    summary = figures.summary(f)
    top = sorted(summary.by_unit, key=lambda u: (-u.person_times, u.unit_code))[:TOP_UNITS]
    return {
        "kpis": dashboard.kpis(summary),
        "units": [u for u in top if u.person_times or u.funds_fen],
        "categories": figures.problems_by_category(f),
    }


@require_GET
def public_figures(request: HttpRequest) -> HttpResponse:
    start, end = dashboard.default_period(request.GET)
    period = {k: request.GET[k] for k in ("start", "end") if k in request.GET}
    context: dict[str, Any] = {"start": period.get("start", start), "end": period.get("end", end)}
    try:
        f = parse_filter(period, default_start=start, default_end=end, check_codes=False)
    except ValidationError as refused:
        context["errors"] = dashboard.filter_errors(refused)
        return render(request, "stats/public.html", context, status=400)
    key = f"stats:public:{f.start}:{f.end}:{get_language()}"
    figures_of_period = cache.get(key)
    if figures_of_period is None:
        figures_of_period = _compute(f)
        cache.set(key, figures_of_period, CACHE_SECONDS)
    context.update(figures_of_period, start=f.start, end=f.end)
    return render(request, "stats/public.html", context)
