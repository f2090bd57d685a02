"""The dashboards' tables as xlsx (:mod:`gongzhi.core.xlsx`), and the filters in words.

Every table a statistics page shows has a builder here that turns the
figures of :mod:`gongzhi.stats.figures` into a :class:`~gongzhi.core.xlsx.Table`
with translated headings; :func:`describe_filter` says which filters produced
it, on the page and in the file alike.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from fractions import Fraction
from typing import Any

from django.utils.translation import gettext as _

from gongzhi.core.xlsx import Column, Table
from gongzhi.problems.models import ProblemSource, ProblemState
from gongzhi.stats import figures
from gongzhi.stats.figures import MUNICIPAL, StatsFilter
from gongzhi.stats.filters import filter_names


def jurisdiction_label(code: str, name: str) -> str:
    """How a jurisdiction reads in the interface: municipal units, or the district's units."""
    if code == MUNICIPAL:
        return _("Municipal units")
    return _("Units of %(district)s") % {"district": name}


def describe_filter(f: StatsFilter) -> list[tuple[str, str]]:
    """The filters of ``f`` as (label, value) pairs, names instead of codes, period first."""
    names = filter_names(f)
    lines: list[tuple[str, str]] = [
        (_("Period"), f"{f.start.isoformat()} – {f.end.isoformat()}"),
    ]

    def jurisdictions(codes: Sequence[str], shown: Sequence[str]) -> str:
        return ", ".join(jurisdiction_label(c, n) for c, n in zip(codes, shown, strict=True))

    if f.jurisdictions:
        lines.append((_("Units"), jurisdictions(f.jurisdictions, names.jurisdictions)))
    if f.exclude_jurisdictions:
        lines.append(
            (
                _("Units excluded"),
                jurisdictions(f.exclude_jurisdictions, names.exclude_jurisdictions),
            )
        )
    if f.districts:
        lines.append((_("Communities in"), ", ".join(names.districts)))
    if f.exclude_districts:
        lines.append((_("Communities excluded"), ", ".join(names.exclude_districts)))
    if f.units:
        lines.append((_("Unit"), ", ".join(names.units)))
    if f.communities:
        lines.append((_("Community"), ", ".join(names.communities)))
    if f.categories:
        lines.append((_("Category"), ", ".join(names.categories)))
    return lines


def file_name(kind: str, f: StatsFilter) -> str:
    """An ASCII file name: ``units-20210701-20211031.xlsx``."""
    return f"{kind}-{f.start:%Y%m%d}-{f.end:%Y%m%d}.xlsx"


def rate_of(part: int, whole: int) -> Fraction | None:
    return Fraction(part, whole) if whole else None


# --- the tables ---------------------------------------------------------------------------


def units_table(rows: Sequence[figures.UnitFigures]) -> Table:
    """The unit ranking: person-times, sessions attended and funds per unit."""
    return Table(
        title=_("Units"),
        columns=[
            Column(_("Rank"), "int"),
            Column(_("Credit code")),
            Column(_("Unit")),
            Column(_("Person-times"), "int", total=True),
            Column(_("Sessions attended"), "int"),
            Column(_("Funds (yuan)"), "yuan", total=True),
        ],
        rows=[
            [i, r.unit_code, r.unit_name, r.person_times, r.sessions_attended, r.funds_fen]
            for i, r in enumerate(rows, start=1)
        ],
    )


def communities_table(rows: Sequence[figures.CommunityFigures]) -> Table:
    """Per community: person-times, units that came, funds, problems reported and closed."""
    return Table(
        title=_("Communities"),
        columns=[
            Column(_("Community code")),
            Column(_("Community")),
            Column(_("Person-times"), "int", total=True),
            Column(_("Units attended"), "int"),
            Column(_("Funds (yuan)"), "yuan", total=True),
            Column(_("Problems reported"), "int", total=True),
            Column(_("Problems closed"), "int", total=True),
            Column(_("Closure rate"), "percent"),
        ],
        rows=[
            [
                r.community_code,
                r.community_name,
                r.person_times,
                r.units_attended,
                r.funds_fen,
                r.problems_reported,
                r.problems_closed,
                rate_of(r.problems_closed, r.problems_reported),
            ]
            for r in rows
        ],
        totals={
            7: rate_of(sum(r.problems_closed for r in rows), sum(r.problems_reported for r in rows))
        },
    )


def sessions_table(points: Sequence[figures.SessionPoint]) -> Table:
    """Per held session: person-times and participation."""
    expected = sum(p.participation.units_expected for p in points)
    attended = sum(p.participation.units_attended for p in points)
    return Table(
        title=_("Sessions"),
        columns=[
            Column(_("Date"), "date"),
            Column(_("Person-times"), "int", total=True),
            Column(_("Units expected"), "int", total=True),
            Column(_("Units attended"), "int", total=True),
            Column(_("Participation rate"), "percent"),
        ],
        rows=[
            [
                p.date,
                p.person_times,
                p.participation.units_expected,
                p.participation.units_attended,
                p.participation.rate,
            ]
            for p in points
        ],
        totals={4: rate_of(attended, expected)},
    )


def funds_table(months: Sequence[tuple[dt.date, int]]) -> Table:
    """Funds by month of the contribution date."""
    return Table(
        title=_("Funds by month"),
        columns=[Column(_("Month")), Column(_("Funds (yuan)"), "yuan", total=True)],
        rows=[[month.strftime("%Y-%m"), fen] for month, fen in months],
    )


def categories_table(rows: Sequence[figures.CategoryRow]) -> Table:
    """Problems by category with their closure and on-time rates."""
    return Table(
        title=_("Problems by category"),
        columns=[
            Column(_("Category code")),
            Column(_("Category")),
            Column(_("Reported"), "int", total=True),
            Column(_("Closed"), "int", total=True),
            Column(_("Closure rate"), "percent"),
            Column(_("On-time rate"), "percent"),
        ],
        rows=[
            [r.category_code, r.category_name, r.reported, r.closed, r.closure_rate, r.on_time_rate]
            for r in rows
        ],
        totals={
            4: rate_of(sum(r.closed for r in rows), sum(r.reported for r in rows)),
        },
    )


def _labelled(counts: dict[str, int], labels: dict[str, str]) -> list[list[Any]]:
    order = list(labels)
    keys = sorted(counts, key=lambda k: (order.index(k) if k in order else len(order), k))
    return [[labels.get(k, k), counts[k]] for k in keys]


def problems_tables(p: figures.ProblemFigures) -> list[Table]:
    """The problem figures: the headline counts and rates, then by state and by source."""
    states = {str(k): str(v) for k, v in ProblemState.choices}
    sources = {str(k): str(v) for k, v in ProblemSource.choices}
    headline = Table(
        title=_("Problems"),
        columns=[Column(_("Figure")), Column(_("Value"), "int")],
        rows=[
            [_("Reported"), p.reported],
            [_("Accepted"), p.accepted],
            [_("Closed"), p.closed],
        ],
    )
    rates = Table(
        title=_("Rates"),
        columns=[Column(_("Figure")), Column(_("Value"), "percent")],
        rows=[
            [_("Closure rate"), p.closure_rate],
            [_("On-time rate"), p.on_time_rate],
            [_("Satisfaction rate"), p.satisfaction_rate],
        ],
    )
    median = Table(
        title=_("Median days to close"),
        columns=[Column(_("Figure")), Column(_("Days"), "decimal")],
        rows=[[_("Median days to close"), p.median_days_to_close]],
    )
    by_state = Table(
        title=_("Problems by state"),
        columns=[Column(_("State")), Column(_("Problems"), "int", total=True)],
        rows=_labelled(p.by_state, states),
    )
    by_source = Table(
        title=_("Problems by source"),
        columns=[Column(_("Source")), Column(_("Problems"), "int", total=True)],
        rows=_labelled(p.by_source, sources),
    )
    return [headline, rates, median, by_state, by_source]
