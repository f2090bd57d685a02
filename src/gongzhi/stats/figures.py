"""Every figure the city publishes, defined once (DESIGN.md section 4).

Pages, the API (``/api/v1/stats/…``), the xlsx exports, the bulletin and the
work brief all call these functions; none of them adds up rows on its own.
Each figure is computed in the database (aggregates), never by a Python loop
over rows, and each function's docstring is the figure's definition: what
counts and what does not.

Filters (:class:`StatsFilter`, DESIGN.md section 6): the period (both dates
inclusive), the unit's jurisdiction included or excluded (``municipal`` or a
district code), the community's district included or excluded, units (credit
codes), communities (12-digit codes) and problem categories. A filter applies
to the figures it makes sense for: jurisdiction and unit to everything a unit
does; district and community to everything that happens in a community;
category to problems only.

Scope: :func:`summary` and the table functions take the reader's
:class:`~gongzhi.core.scoping.Scope`; a reader sees the figures of the units
and communities their grants reach, nothing else.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from fractions import Fraction

MUNICIPAL = "municipal"


@dataclass(frozen=True)
class StatsFilter:
    """What a figure is computed over. Codes are natural keys; an empty tuple means 'all'."""

    start: dt.date
    end: dt.date
    jurisdictions: tuple[str, ...] = ()
    exclude_jurisdictions: tuple[str, ...] = ()
    districts: tuple[str, ...] = ()
    exclude_districts: tuple[str, ...] = ()
    units: tuple[str, ...] = ()
    communities: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()


@dataclass(frozen=True)
class Participation:
    """Units that attended ÷ units expected, for one session or a period."""

    units_expected: int
    units_attended: int

    @property
    def rate(self) -> Fraction | None:
        if not self.units_expected:
            return None
        return Fraction(self.units_attended, self.units_expected)


@dataclass(frozen=True)
class ProblemFigures:
    reported: int
    accepted: int
    closed: int
    by_state: dict[str, int]
    by_category: dict[str, int]
    by_source: dict[str, int]
    closure_rate: Fraction | None
    on_time_rate: Fraction | None
    median_days_to_close: float | None
    satisfaction_rate: Fraction | None


@dataclass(frozen=True)
class UnitFigures:
    unit_code: str
    unit_name: str
    person_times: int
    sessions_attended: int
    funds_fen: int


@dataclass(frozen=True)
class CommunityFigures:
    community_code: str
    community_name: str
    person_times: int
    units_attended: int
    funds_fen: int
    problems_reported: int
    problems_closed: int


@dataclass(frozen=True)
class Summary:
    filter: StatsFilter
    person_times: int
    sessions_held: int
    participation: Participation
    funds_fen: int
    problems: ProblemFigures
    by_unit: list[UnitFigures] = field(default_factory=list)


@dataclass(frozen=True)
class SessionPoint:
    """One held session's figures, for the time series."""

    session_id: int
    date: dt.date
    person_times: int
    participation: Participation


@dataclass(frozen=True)
class SessionTableRow:
    """A unit's turnout at one session (the bulletin's participation table)."""

    unit_code: str
    unit_name: str
    headcount: int
    communities: int
    leader_name: str
    principal_leader_led: bool


@dataclass(frozen=True)
class CategoryRow:
    category_code: str
    category_name: str
    reported: int
    closed: int
    closure_rate: Fraction | None
    on_time_rate: Fraction | None


# --- the figures ------------------------------------------------------------------------
# Implemented below by the statistics module; signatures are the contract the pages,
# API, exports and bulletins code against. ``scope`` is the reader's Scope (None = the
# whole city, for commands and issued bulletins).


def person_times(f: StatsFilter, scope: object = None) -> int:
    raise NotImplementedError


def sessions_held(f: StatsFilter, scope: object = None) -> int:
    raise NotImplementedError


def participation(f: StatsFilter, scope: object = None) -> Participation:
    raise NotImplementedError


def session_series(f: StatsFilter, scope: object = None) -> list[SessionPoint]:
    raise NotImplementedError


def funds_fen(f: StatsFilter, scope: object = None) -> int:
    raise NotImplementedError


def funds_by_month(f: StatsFilter, scope: object = None) -> list[tuple[dt.date, int]]:
    raise NotImplementedError


def problem_figures(f: StatsFilter, scope: object = None) -> ProblemFigures:
    raise NotImplementedError


def problems_by_category(f: StatsFilter, scope: object = None) -> list[CategoryRow]:
    raise NotImplementedError


def by_unit(f: StatsFilter, scope: object = None) -> list[UnitFigures]:
    raise NotImplementedError


def by_community(f: StatsFilter, scope: object = None) -> list[CommunityFigures]:
    raise NotImplementedError


def session_table(session_id: int, f: StatsFilter, scope: object = None) -> list[SessionTableRow]:
    raise NotImplementedError


def summary(f: StatsFilter, scope: object = None) -> Summary:
    raise NotImplementedError
