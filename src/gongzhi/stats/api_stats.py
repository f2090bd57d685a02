"""REST resources of the figures: ``stats/summary``, ``stats/units``, ``stats/communities``.

Thin: parse the filter (:func:`gongzhi.stats.filters.parse_filter`), compute the
figures (:mod:`gongzhi.stats.figures`) under the caller's scope
(:func:`gongzhi.stats.queries.stats_scope`), answer. Every route takes the same
parameters (DESIGN.md section 6): ``start`` and ``end`` (inclusive), repeated
``jurisdiction`` / ``exclude_jurisdiction`` (``municipal`` or a district code),
``district`` / ``exclude_district`` (the community's district), ``unit`` (credit
code), ``community`` (12-digit code) and ``category``. A bad parameter is a 400
naming it; members and inspectors get 403.
"""

from __future__ import annotations

import datetime as dt
from fractions import Fraction
from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema
from pydantic import Field

from gongzhi.core.api_schemas import ERRORS
from gongzhi.core.money import format_yuan
from gongzhi.stats import figures
from gongzhi.stats.filters import CODE_PARAMS, StatsFilter, filter_to_json, parse_filter
from gongzhi.stats.queries import is_restricted, stats_scope

router = Router(tags=["stats"])

_CODES = "repeat the parameter for several"


class StatsQuery(Schema):
    start: dt.date = Field(description="First day of the period (inclusive), YYYY-MM-DD")
    end: dt.date = Field(description="Last day of the period (inclusive), YYYY-MM-DD")
    jurisdiction: list[str] = Field(
        default=[], description=f"Units of: `municipal` or a district code; {_CODES}"
    )
    exclude_jurisdiction: list[str] = Field(
        default=[], description=f"Leave out units of: `municipal` or a district code; {_CODES}"
    )
    district: list[str] = Field(
        default=[], description=f"Communities in the district (code); {_CODES}"
    )
    exclude_district: list[str] = Field(
        default=[], description=f"Leave out communities in the district (code); {_CODES}"
    )
    unit: list[str] = Field(default=[], description=f"Unit credit code; {_CODES}")
    community: list[str] = Field(default=[], description=f"Community 12-digit code; {_CODES}")
    category: list[str] = Field(default=[], description=f"Problem category code; {_CODES}")


class StatsFiltersOut(Schema):
    jurisdiction: list[str] = []
    exclude_jurisdiction: list[str] = []
    district: list[str] = []
    exclude_district: list[str] = []
    unit: list[str] = []
    community: list[str] = []
    category: list[str] = []


class UnitFiguresOut(Schema):
    unit_code: str
    unit_name: str
    person_times: int
    sessions_attended: int = Field(description="Distinct sessions with attendance")
    funds_fen: int
    funds_yuan: str


class ProblemFiguresOut(Schema):
    reported: int
    accepted: int
    closed: int
    by_state: dict[str, int]
    by_category: dict[str, int]
    by_source: dict[str, int]
    closure_rate: float | None = Field(description="Closed ÷ accepted")
    on_time_rate: float | None = Field(description="Closed on time ÷ closed")
    median_days_to_close: float | None
    satisfaction_rate: float | None = Field(description="(Satisfied + basically) ÷ rated")


class StatsSummaryOut(Schema):
    start: dt.date
    end: dt.date
    filters: StatsFiltersOut
    scoped: bool = Field(description="True when narrowed to the caller's areas or unit")
    person_times: int
    sessions_held: int
    units_expected: int
    units_attended: int
    participation_rate: float | None = Field(description="Units attended ÷ units expected")
    funds_fen: int
    funds_yuan: str
    problems: ProblemFiguresOut
    by_unit: list[UnitFiguresOut]


class StatsUnitsOut(Schema):
    start: dt.date
    end: dt.date
    filters: StatsFiltersOut
    scoped: bool
    items: list[UnitFiguresOut]


class CommunityFiguresOut(Schema):
    community_code: str
    community_name: str
    person_times: int
    units_attended: int
    funds_fen: int
    funds_yuan: str
    problems_reported: int
    problems_closed: int


class StatsCommunitiesOut(Schema):
    start: dt.date
    end: dt.date
    filters: StatsFiltersOut
    scoped: bool
    items: list[CommunityFiguresOut]


# --- helpers --------------------------------------------------------------------------


def _rate(value: Fraction | None) -> float | None:
    """An exact rate as a number with four decimals (0.8125), ``None`` for no data."""
    return None if value is None else round(float(value), 4)


def _yuan(fen: int) -> str:
    return format_yuan(fen).replace(",", "")


def _parse(request: HttpRequest, query: StatsQuery) -> tuple[StatsFilter, Any]:
    """The caller's scope (403 first: nothing is looked up for a caller who may not read
    figures), then the filter (400 naming the parameter)."""
    scope = stats_scope(request.user)
    values = query.dict()
    return parse_filter({name: values[name] for name in ("start", "end", *CODE_PARAMS)}), scope


def _head(f: StatsFilter, scope: Any) -> dict[str, Any]:
    return {
        "start": f.start,
        "end": f.end,
        "filters": filter_to_json(f, with_period=False),
        "scoped": is_restricted(scope),
    }


def unit_out(u: figures.UnitFigures) -> dict[str, Any]:
    return {
        "unit_code": u.unit_code,
        "unit_name": u.unit_name,
        "person_times": u.person_times,
        "sessions_attended": u.sessions_attended,
        "funds_fen": u.funds_fen,
        "funds_yuan": _yuan(u.funds_fen),
    }


def summary_out(s: figures.Summary, scope: Any) -> dict[str, Any]:
    """The API's body of a :class:`~gongzhi.stats.figures.Summary`."""
    p = s.problems
    return {
        **_head(s.filter, scope),
        "person_times": s.person_times,
        "sessions_held": s.sessions_held,
        "units_expected": s.participation.units_expected,
        "units_attended": s.participation.units_attended,
        "participation_rate": _rate(s.participation.rate),
        "funds_fen": s.funds_fen,
        "funds_yuan": _yuan(s.funds_fen),
        "problems": {
            "reported": p.reported,
            "accepted": p.accepted,
            "closed": p.closed,
            "by_state": p.by_state,
            "by_category": p.by_category,
            "by_source": p.by_source,
            "closure_rate": _rate(p.closure_rate),
            "on_time_rate": _rate(p.on_time_rate),
            "median_days_to_close": p.median_days_to_close,
            "satisfaction_rate": _rate(p.satisfaction_rate),
        },
        "by_unit": [unit_out(u) for u in s.by_unit],
    }


# --- routes ---------------------------------------------------------------------------


@router.get("stats/summary", response={200: StatsSummaryOut, **ERRORS})
def stats_summary(request: HttpRequest, query: Query[StatsQuery]) -> dict[str, Any]:
    """The headline figures of a period in the caller's scope: person-times, sessions
    held, units expected and attended, funds, problems (by state, category and source;
    closure, on-time and satisfaction rates; median days to close) and the per-unit
    table. Definitions: docs/figures.md."""
    f, scope = _parse(request, query)
    return summary_out(figures.summary(f, scope), scope)


@router.get("stats/units", response={200: StatsUnitsOut, **ERRORS})
def stats_units(request: HttpRequest, query: Query[StatsQuery]) -> dict[str, Any]:
    """Per unit: person-times, distinct sessions attended and funds, most person-times
    first; paired units that did nothing are listed with zeros."""
    f, scope = _parse(request, query)
    return {**_head(f, scope), "items": [unit_out(u) for u in figures.by_unit(f, scope)]}


@router.get("stats/communities", response={200: StatsCommunitiesOut, **ERRORS})
def stats_communities(request: HttpRequest, query: Query[StatsQuery]) -> dict[str, Any]:
    """Per community: person-times, units attended, funds, problems reported and closed,
    by community code."""
    f, scope = _parse(request, query)
    items = [
        {
            "community_code": c.community_code,
            "community_name": c.community_name,
            "person_times": c.person_times,
            "units_attended": c.units_attended,
            "funds_fen": c.funds_fen,
            "funds_yuan": _yuan(c.funds_fen),
            "problems_reported": c.problems_reported,
            "problems_closed": c.problems_closed,
        }
        for c in figures.by_community(f, scope)
    ]
    return {**_head(f, scope), "items": items}
