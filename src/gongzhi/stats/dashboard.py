"""What the dashboards show, built from :mod:`gongzhi.stats.figures`: the filter read
from the URL, the filter bar's options, the KPI cards and the charts' data.

The pages embed :func:`chart_data` as JSON and the big screen fetches the same
JSON again and again; the charts take every label from it (translated here),
so the JavaScript holds no text of its own.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.areas.models import District
from gongzhi.areas.queries import communities_visible_to
from gongzhi.problems.models import ProblemSource, ProblemState
from gongzhi.problems.queries import categories_active
from gongzhi.stats import figures
from gongzhi.stats.exports import jurisdiction_label
from gongzhi.stats.figures import MUNICIPAL, StatsFilter
from gongzhi.stats.filters import parse_filter
from gongzhi.units.queries import units_visible_to

#: Above this many units or communities the filter bar takes a typed code instead of a list.
MAX_OPTIONS = 300

#: Units named in the charts of the top units.
TOP_UNITS = 10

#: Colours of the problem states (the same as the problem ledger's map and badges).
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


def today() -> dt.date:
    return timezone.localdate()


def default_period(params: Any) -> tuple[dt.date, dt.date]:
    """The period when the URL names none: this year up to today; with only an end,
    the year of that end up to it."""
    end = today()
    given = params.get("end") if hasattr(params, "get") else None
    if given:
        # A wrong date keeps today: parse_filter names the error.
        with contextlib.suppress(ValueError):
            end = dt.date.fromisoformat(str(given))
    return dt.date(end.year, 1, 1), end


def read_filter(params: Any, **fixed: str) -> StatsFilter:
    """The filter of a page's URL (``params``: request.GET), with ``fixed`` parameters
    (the unit of a unit's page) replacing what the URL says. ValidationError keyed by
    parameter when a value is wrong."""
    data = params.copy() if hasattr(params, "copy") else dict(params)
    for name, value in fixed.items():
        if hasattr(data, "setlist"):
            data.setlist(name, [value])
        else:
            data[name] = value
    start, end = default_period(params)
    return parse_filter(data, default_start=start, default_end=end)


def filter_errors(exc: ValidationError) -> dict[str, list[str]]:
    if hasattr(exc, "error_dict"):
        return {k: [str(m) for m in v] for k, v in exc.message_dict.items()}
    return {"": [str(m) for m in exc.messages]}


# --- numbers as the cards show them ------------------------------------------------------


def percent_number(rate: Fraction | None) -> float | None:
    """A rate as a percentage with one decimal (half up), for charts; None when undefined."""
    if rate is None:
        return None
    value = Decimal(rate.numerator * 100) / Decimal(rate.denominator)
    return float(value.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def percent_text(rate: Fraction | None) -> str:
    number = percent_number(rate)
    if number is None:
        return "—"
    return f"{number:.1f}%"


def wan_text(fen: int) -> str:
    """Fen in 万元 with two decimals (half up): 304.68."""
    value = Decimal(int(fen)) / Decimal(1_000_000)
    return f"{value.quantize(Decimal('0.01'), rounding=ROUND_HALF_UP):,}"


def yuan_number(fen: int) -> float:
    return float(Decimal(int(fen)) / 100)


def kpis(summary: figures.Summary) -> list[dict[str, str]]:
    """The KPI cards: key (for tests and the screen), label, value, unit."""
    p = summary.problems
    median = "—" if p.median_days_to_close is None else f"{p.median_days_to_close:.1f}"
    return [
        {
            "key": "person_times",
            "label": _("Person-times"),
            "value": f"{summary.person_times:,}",
            "unit": _("person-times"),
        },
        {
            "key": "sessions_held",
            "label": _("Sessions held"),
            "value": f"{summary.sessions_held:,}",
            "unit": "",
        },
        {
            "key": "participation",
            "label": _("Participation rate"),
            "value": percent_text(summary.participation.rate),
            "unit": _("%(attended)d of %(expected)d units")
            % {
                "attended": summary.participation.units_attended,
                "expected": summary.participation.units_expected,
            },
        },
        {
            "key": "funds",
            "label": _("Funds"),
            "value": wan_text(summary.funds_fen),
            "unit": _("10,000 yuan"),
        },
        {
            "key": "problems_reported",
            "label": _("Problems reported"),
            "value": f"{p.reported:,}",
            "unit": "",
        },
        {
            "key": "problems_closed",
            "label": _("Problems closed"),
            "value": f"{p.closed:,}",
            "unit": "",
        },
        {
            "key": "closure_rate",
            "label": _("Closure rate"),
            "value": percent_text(p.closure_rate),
            "unit": "",
        },
        {
            "key": "on_time_rate",
            "label": _("On-time rate"),
            "value": percent_text(p.on_time_rate),
            "unit": "",
        },
        {
            "key": "median_days",
            "label": _("Median days to close"),
            "value": median,
            "unit": _("days"),
        },
        {
            "key": "satisfaction",
            "label": _("Satisfaction rate"),
            "value": percent_text(p.satisfaction_rate),
            "unit": "",
        },
    ]


def chart_labels() -> dict[str, str]:
    """Every word the charts print, translated."""
    return {
        "person_times": _("Person-times"),
        "participation": _("Participation rate (%)"),
        "sessions": _("Person-times and participation per session"),
        "funds": _("Funds by month (yuan)"),
        "yuan": _("Yuan"),
        "categories": _("Problems by category"),
        "reported": _("Reported"),
        "closed": _("Closed"),
        "states": _("Problems by state"),
        "sources": _("Problems by source"),
        "rates": _("Closure, on-time and satisfaction rates (%)"),
        "units": _("Units with the most person-times"),
        "no_data": _("No figures for these filters."),
    }


def _ordered(
    counts: dict[str, int], choices: Sequence[tuple[str, Any]]
) -> list[tuple[str, str, int]]:
    known = [(str(k), str(label), counts[str(k)]) for k, label in choices if counts.get(str(k))]
    codes = {str(k) for k, _label in choices}
    return known + [(k, k, v) for k, v in sorted(counts.items()) if k not in codes and v]


@dataclass(frozen=True)
class DashboardFigures:
    """The figures one dashboard shows, computed once per request."""

    summary: figures.Summary
    series: list[figures.SessionPoint]
    months: list[tuple[dt.date, int]]
    categories: list[figures.CategoryRow]


def compute(f: StatsFilter, scope: Any) -> DashboardFigures:
    """Every figure of a dashboard for ``f`` under the reader's ``scope``. The number of
    queries does not depend on the number of units, sessions or problems."""
    return DashboardFigures(
        summary=figures.summary(f, scope),
        series=figures.session_series(f, scope),
        months=figures.funds_by_month(f, scope),
        categories=figures.problems_by_category(f, scope),
    )


def chart_data(figs: DashboardFigures) -> dict[str, Any]:
    """KPIs and the data of every chart (JSON-ready), labels translated."""
    summary, series, months, categories = figs.summary, figs.series, figs.months, figs.categories
    f = summary.filter
    p = summary.problems
    top = sorted(summary.by_unit, key=lambda u: (-u.person_times, u.unit_code))[:TOP_UNITS]
    return {
        "labels": chart_labels(),
        "kpis": kpis(summary),
        "sessions": {
            "dates": [point.date.isoformat() for point in series],
            "person_times": [point.person_times for point in series],
            "rate": [percent_number(point.participation.rate) for point in series],
        },
        "funds": {
            "months": [month.strftime("%Y-%m") for month, _fen in months],
            "yuan": [yuan_number(fen) for _month, fen in months],
        },
        "categories": {
            "names": [row.category_name for row in categories],
            "reported": [row.reported for row in categories],
            "closed": [row.closed for row in categories],
        },
        "states": [
            {"name": label, "value": n, "itemStyle": {"color": STATE_COLOURS.get(code, "#6c757d")}}
            for code, label, n in _ordered(p.by_state, ProblemState.choices)
        ],
        "sources": [
            {"name": label, "value": n}
            for _code, label, n in _ordered(p.by_source, ProblemSource.choices)
        ],
        "rates": {
            "names": [_("Closure rate"), _("On-time rate"), _("Satisfaction rate")],
            "values": [
                percent_number(p.closure_rate),
                percent_number(p.on_time_rate),
                percent_number(p.satisfaction_rate),
            ],
        },
        "units": {
            # Largest at the top of a horizontal bar chart: ECharts draws the first at the bottom.
            "names": [u.unit_name for u in reversed(top)],
            "person_times": [u.person_times for u in reversed(top)],
        },
        "refreshed_at": timezone.localtime().strftime("%H:%M:%S"),
        "period": {"start": f.start.isoformat(), "end": f.end.isoformat()},
    }


# --- the filter bar ------------------------------------------------------------------------


def _options(rows: list[tuple[str, str]], chosen: tuple[str, ...]) -> dict[str, Any]:
    """Choices for a select, or ``typed`` when there are too many to list."""
    if len(rows) > MAX_OPTIONS:
        return {"typed": True, "value": ",".join(chosen), "choices": []}
    return {
        "typed": False,
        "value": ",".join(chosen),
        "choices": [{"code": c, "name": n, "selected": c in chosen} for c, n in rows],
    }


def filter_bar(user: Any, f: StatsFilter) -> dict[str, Any]:
    """The options of the filter bar for ``user``, with ``f``'s values selected.

    Four queries (districts, units, communities, categories), whatever their number.
    """
    districts = list(
        District.objects.filter(archived_at__isnull=True)
        .order_by("code")
        .values_list("code", "name")
    )
    jurisdictions = [(MUNICIPAL, jurisdiction_label(MUNICIPAL, ""))] + [
        (code, jurisdiction_label(code, name)) for code, name in districts
    ]
    units = list(
        units_visible_to(user)
        .order_by("code")
        .values_list("code", "name", "short_name")[: MAX_OPTIONS + 1]
    )
    communities = list(
        communities_visible_to(user).order_by("code").values_list("code", "name")[: MAX_OPTIONS + 1]
    )
    categories = list(categories_active().values_list("code", "name"))
    return {
        "start": f.start.isoformat(),
        "end": f.end.isoformat(),
        "jurisdiction": _options(jurisdictions, f.jurisdictions),
        "exclude_jurisdiction": _options(jurisdictions, f.exclude_jurisdictions),
        "district": _options(districts, f.districts),
        "exclude_district": _options(districts, f.exclude_districts),
        "unit": _options([(c, s or n) for c, n, s in units], f.units),
        "community": _options(communities, f.communities),
        "category": _options(categories, f.categories),
    }
