"""The inspection rankings, per round and cumulative, with the red and black lists (红黑榜).

Every figure of a ranking is defined here, once:

- **Criterion score** of one inspection: the sum of the scores of its *scored* items
  in that criterion. **Total**: the sum of all its scored items (out of 100), the
  same number as ``Inspection.total_score``. Only *submitted* inspections count.
- **Per round** (span = one round): a unit's criterion scores and total are those of
  its submitted inspection of the round. **Cumulative** (span = all rounds up to
  round N, or the inspections dated within a period, an undated one counting on its
  round's last day): a unit's total is the *average* total over its submitted
  inspections in the span, and each criterion the average over the inspections
  whose checklist has that criterion; averages are rounded half up to 0.01, and
  ties are judged on the rounded value (the one shown).
- **Grade**: the total against the *current* :class:`RankingRules` thresholds, by
  ``queries.grade_for`` (the one the inspection is graded with on submission; an
  inspection keeps the grade it was submitted with, the ranking re-grades when the
  office changes the thresholds).
- **Achievement rate** (达标率): yes/no checks passed ÷ checks answered, pooled over
  the unit's inspections in the span; ``None`` without checks.
- **Rank**: only units with at least ``rules.min_inspections`` (per round) or
  ``rules.cumulative_min_inspections`` (cumulative) submitted inspections in the
  span are ranked; the others are listed as "not enough inspections". Ranks are
  competition ranks ("1224"): a unit's rank is one plus the number of ranked units
  with a strictly higher total, so tied units share a rank and the next rank is
  skipped. Tied units are listed by unit code.
- **Change**: the rank in the previous span minus the rank now (positive = moved
  up). The previous span of round N is the round before it (the highest-numbered
  round below N that is not planned); of "cumulative up to round N" it is
  "cumulative up to that round". ``None`` when the unit was not ranked there, when
  there is no earlier round, and for a period.
- **Not inspected**: units assigned in a round of the span (for a period: a round
  overlapping it) with no submitted inspection in the span.
- **Rectification rate**: of the ledger problems raised by the findings of the
  unit's inspections in the span (``Finding.problem``), closed ÷ counted, in their
  state now. Rejected problems (the finding was not upheld), duplicates (tracked by
  the problem they duplicate) and parked problems (suspended with the office's
  approval) are not counted; every other state counts as not yet rectified.
  ``None`` when nothing is counted: the rate is then neutral, it neither keeps a
  unit off the red list nor puts it on the black list.
- **Red list**: the ranked units with rank ≤ ``rules.red_top`` (so every unit tied at
  the cut-off is in) whose rectification rate is ≥ ``rules.red_min_rectification``
  or ``None``; a unit dropped for its rate is not replaced.
- **Black list**: the ranked units among the bottom ``rules.black_bottom`` (the
  bottom rank, one plus the number of ranked units with a strictly *lower* total,
  is ≤ ``black_bottom``: ties at the cut-off are all in), plus every ranked unit
  whose rectification rate is below ``rules.black_max_rectification``. Listed worst
  first.
- A unit is never on both lists: **black wins**. Criticism is not withheld from a
  unit that meets a black rule (this also settles the case of fewer ranked units
  than ``red_top + black_bottom``, where the top and the bottom overlap).

The module is pure functions over plain rows (:func:`standings_from`,
:func:`competition_ranks`, :func:`mark_lists` …) plus the few queries that feed
them (:func:`ranking_for`), a fixed number whatever the number of units.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Any, Literal, TypeVar

from django.db.models import Count, Q, Sum
from django.utils.translation import gettext as _

from gongzhi.core.models import Role
from gongzhi.core.scoping import scope_of
from gongzhi.inspections.models import (
    Assignment,
    Criterion,
    Finding,
    Inspection,
    InspectionRound,
    InspectionStatus,
    ItemKind,
    ItemScore,
    RoundStatus,
)
from gongzhi.inspections.queries import grade_for, rounds_visible_to
from gongzhi.inspections.seed import ranking_rules
from gongzhi.problems.models import ProblemState

K = TypeVar("K", bound=Hashable)

CENT = Decimal("0.01")
RED = "red"
BLACK = "black"
#: Why a unit is on the black list.
BOTTOM = "bottom"
LOW_RECTIFICATION = "rectification"
#: Rectification problems in these states are not counted at all.
NOT_COUNTED_STATES = frozenset({ProblemState.REJECTED, ProblemState.DUPLICATE, ProblemState.PARKED})

SpanKind = Literal["round", "cumulative", "period"]


# --- plain rows ------------------------------------------------------------------------


@dataclass(frozen=True)
class UnitRef:
    id: int
    code: str
    name: str
    short_name: str = ""

    @property
    def display_name(self) -> str:
        return self.short_name or self.name


@dataclass(frozen=True)
class InspectionScores:
    """One submitted inspection, reduced to what a ranking needs."""

    unit: UnitRef
    round_number: int
    criteria: Mapping[str, Decimal]
    checks: int = 0
    checks_passed: int = 0

    @property
    def total(self) -> Decimal:
        return sum(self.criteria.values(), Decimal(0))


@dataclass(frozen=True)
class Rectification:
    """A unit's rectification problems in a span: ``closed`` of ``counted``."""

    closed: int = 0
    counted: int = 0

    @property
    def rate(self) -> Fraction | None:
        return Fraction(self.closed, self.counted) if self.counted else None


@dataclass
class Standing:
    """One unit in a ranking (see the module docstring for every figure)."""

    unit: UnitRef
    inspections: int
    total: Decimal
    criteria: dict[str, Decimal | None]
    grade: str
    checks: int = 0
    checks_passed: int = 0
    rank: int | None = None
    bottom_rank: int | None = None
    previous_rank: int | None = None
    rectification: Rectification = field(default_factory=Rectification)
    list_name: str = ""
    black_reasons: tuple[str, ...] = ()
    #: The criterion scores in the ranking's column order (filled by :func:`ranking_for`).
    criterion_scores: list[Decimal | None] = field(default_factory=list)

    @property
    def achievement_rate(self) -> Fraction | None:
        return Fraction(self.checks_passed, self.checks) if self.checks else None

    @property
    def change(self) -> int | None:
        if self.rank is None or self.previous_rank is None:
            return None
        return self.previous_rank - self.rank


@dataclass(frozen=True)
class NotInspected:
    """A unit assigned in the span with no submitted inspection there."""

    unit: UnitRef
    group_name: str
    has_draft: bool


@dataclass(frozen=True)
class CriterionColumn:
    code: str
    name: str
    max_score: Decimal | None


@dataclass(frozen=True)
class Span:
    """What a ranking covers: one round, all rounds up to a round, or a period."""

    kind: SpanKind
    round_number: int | None = None
    start: dt.date | None = None
    end: dt.date | None = None

    @classmethod
    def round(cls, number: int) -> Span:
        return cls("round", round_number=number)

    @classmethod
    def until_round(cls, number: int) -> Span:
        return cls("cumulative", round_number=number)

    @classmethod
    def period(cls, start: dt.date, end: dt.date) -> Span:
        return cls("period", start=start, end=end)

    @property
    def is_cumulative(self) -> bool:
        return self.kind != "round"

    @property
    def label(self) -> str:
        if self.kind == "round":
            return _("Round %(number)d") % {"number": self.round_number}
        if self.kind == "cumulative":
            return _("Cumulative up to round %(number)d") % {"number": self.round_number}
        return _("Cumulative %(start)s – %(end)s") % {"start": self.start, "end": self.end}

    def inspections_q(self, prefix: str = "") -> Q:
        """Inspections in the span (``prefix`` is the path to the inspection)."""
        if self.kind == "round":
            return Q(**{f"{prefix}round__number": self.round_number})
        if self.kind == "cumulative":
            return Q(**{f"{prefix}round__number__lte": self.round_number})
        return Q(**{f"{prefix}date__gte": self.start, f"{prefix}date__lte": self.end}) | Q(
            **{
                f"{prefix}date__isnull": True,
                f"{prefix}round__end__gte": self.start,
                f"{prefix}round__end__lte": self.end,
            }
        )

    def holds_round(self, round_: RoundRow) -> bool:
        """Whether the round belongs to the span (for a period: overlaps it)."""
        if self.kind == "round":
            return round_.number == self.round_number
        if self.kind == "cumulative":
            return self.round_number is not None and round_.number <= self.round_number
        if self.start is None or self.end is None:
            return False
        return round_.start <= self.end and round_.end >= self.start


@dataclass(frozen=True)
class RoundRow:
    id: int
    number: int
    status: str
    start: dt.date
    end: dt.date
    template_id: int


@dataclass
class Ranking:
    """A whole ranking: the ranked units, the lists and the units left out."""

    span: Span
    rounds: list[RoundRow]
    criteria: list[CriterionColumn]
    ranked: list[Standing]
    not_enough: list[Standing]
    not_inspected: list[NotInspected]
    min_inspections: int
    previous: Span | None
    rules: Any

    @property
    def provisional(self) -> bool:
        """A round of the span is still open: inspections may still come in."""
        return any(r.status == RoundStatus.OPEN for r in self.rounds)

    @property
    def lists_overlap(self) -> bool:
        """Fewer ranked units than the red and black places together: the top and the
        bottom overlap, and the units in both are on the black list."""
        return 0 < len(self.ranked) < self.rules.red_top + self.rules.black_bottom

    @property
    def red(self) -> list[Standing]:
        return [s for s in self.ranked if s.list_name == RED]

    @property
    def black(self) -> list[Standing]:
        """The black list, worst first."""
        rows = [s for s in self.ranked if s.list_name == BLACK]
        return sorted(rows, key=lambda s: (-(s.rank or 0), s.unit.code))


# --- pure functions --------------------------------------------------------------------


def competition_ranks(totals: Mapping[K, Decimal], *, lowest_first: bool = False) -> dict[K, int]:
    """Competition ranks ("1224"): one plus the number of strictly better totals
    (higher, or lower with ``lowest_first``)."""
    ordered = sorted(totals.values(), reverse=not lowest_first)
    ranks: dict[Decimal, int] = {}
    for position, value in enumerate(ordered, start=1):
        ranks.setdefault(value, position)
    return {key: ranks[value] for key, value in totals.items()}


def _average(values: Sequence[Decimal]) -> Decimal:
    return (sum(values, Decimal(0)) / len(values)).quantize(CENT, rounding=ROUND_HALF_UP)


def standings_from(
    rows: Iterable[InspectionScores],
    *,
    rules: Any,
    min_inspections: int,
    criteria_of_round: Mapping[int, Iterable[str]] | None = None,
) -> tuple[list[Standing], list[Standing]]:
    """The ranked standings (by rank, then unit code) and those with too few inspections
    (by total, then unit code), from the submitted inspections of a span.

    ``criteria_of_round`` says which criteria each round's checklist has, so that a
    criterion a checklist lacks does not count as zero in an average.
    """
    by_unit: dict[int, list[InspectionScores]] = defaultdict(list)
    for row in rows:
        by_unit[row.unit.id].append(row)
    standings: list[Standing] = []
    for inspections in by_unit.values():
        criteria: dict[str, list[Decimal]] = defaultdict(list)
        for row in inspections:
            codes = (
                criteria_of_round.get(row.round_number, row.criteria)
                if criteria_of_round is not None
                else row.criteria
            )
            for code in codes:
                criteria[code].append(row.criteria.get(code, Decimal(0)))
        total = _average([row.total for row in inspections])
        standings.append(
            Standing(
                unit=inspections[0].unit,
                inspections=len(inspections),
                total=total,
                criteria={code: _average(values) for code, values in criteria.items()},
                grade=grade_for(total, rules),
                checks=sum(row.checks for row in inspections),
                checks_passed=sum(row.checks_passed for row in inspections),
            )
        )
    eligible = [s for s in standings if s.inspections >= max(min_inspections, 1)]
    ranks = competition_ranks({s.unit.id: s.total for s in eligible})
    bottom = competition_ranks({s.unit.id: s.total for s in eligible}, lowest_first=True)
    for standing in eligible:
        standing.rank = ranks[standing.unit.id]
        standing.bottom_rank = bottom[standing.unit.id]
    ranked = sorted(eligible, key=lambda s: (s.rank or 0, s.unit.code))
    not_enough = sorted(
        (s for s in standings if s.rank is None), key=lambda s: (-s.total, s.unit.code)
    )
    return ranked, not_enough


def _at_least(rate: Fraction, threshold: Any) -> bool:
    return rate >= Fraction(Decimal(str(threshold)))


def mark_lists(ranked: Iterable[Standing], rules: Any) -> None:
    """Put ranked units on the red or black list (see the module docstring); black wins."""
    for standing in ranked:
        if standing.rank is None:
            continue
        rate = standing.rectification.rate
        reasons: list[str] = []
        if standing.bottom_rank is not None and standing.bottom_rank <= rules.black_bottom:
            reasons.append(BOTTOM)
        if rate is not None and not _at_least(rate, rules.black_max_rectification):
            reasons.append(LOW_RECTIFICATION)
        standing.black_reasons = tuple(reasons)
        if reasons:
            standing.list_name = BLACK
        elif standing.rank <= rules.red_top and (
            rate is None or _at_least(rate, rules.red_min_rectification)
        ):
            standing.list_name = RED
        else:
            standing.list_name = ""


def rectification_from(rows: Iterable[tuple[int, str, int]]) -> dict[int, Rectification]:
    """Per unit, from ``(unit id, problem state, problem count)`` rows."""
    closed: dict[int, int] = defaultdict(int)
    counted: dict[int, int] = defaultdict(int)
    for unit_id, state, count in rows:
        if state in NOT_COUNTED_STATES:
            continue
        counted[unit_id] += count
        if state == ProblemState.CLOSED:
            closed[unit_id] += count
    return {unit_id: Rectification(closed[unit_id], counted[unit_id]) for unit_id in counted}


# --- the queries that feed them --------------------------------------------------------


def rankings_readable_by(user: Any) -> bool:
    """Rankings are read by whoever may read rounds (``queries.rounds_visible_to``)."""
    return not rounds_visible_to(user).query.is_empty()


def may_edit_rules(user: Any) -> bool:
    return Role.OFFICE in scope_of(user).roles


def _rounds() -> list[RoundRow]:
    return [
        RoundRow(**row)
        for row in InspectionRound.objects.order_by("number").values(
            "id", "number", "status", "start", "end", "template_id"
        )
    ]


def previous_span(span: Span, rounds: Sequence[RoundRow]) -> Span | None:
    """The span a ranking's change is measured against (module docstring)."""
    if span.kind == "period" or span.round_number is None:
        return None
    earlier = [
        r.number for r in rounds if r.number < span.round_number and r.status != RoundStatus.PLANNED
    ]
    if not earlier:
        return None
    number = max(earlier)
    return Span.round(number) if span.kind == "round" else Span.until_round(number)


def _unit(row: Mapping[str, Any]) -> UnitRef:
    return UnitRef(
        id=row["unit_id"],
        code=row["unit__code"],
        name=row["unit__name"],
        short_name=row["unit__short_name"],
    )


def load_scores(span: Span) -> tuple[list[InspectionScores], list[Mapping[str, Any]]]:
    """The submitted inspections of ``span`` as rows (three queries), and every
    inspection of the span (drafts too) as plain values."""
    inspections: list[Mapping[str, Any]] = list(
        Inspection.objects.filter(span.inspections_q())
        .order_by()
        .values(
            "id",
            "status",
            "unit_id",
            "unit__code",
            "unit__name",
            "unit__short_name",
            "round__number",
        )
    )
    submitted = Q(inspection__status=InspectionStatus.SUBMITTED) & span.inspections_q(
        "inspection__"
    )
    points: dict[int, dict[str, Decimal]] = defaultdict(dict)
    for row in (
        ItemScore.objects.filter(submitted, item__kind=ItemKind.SCORED, score__isnull=False)
        .order_by()
        .values("inspection_id", "item__criterion__code")
        .annotate(points=Sum("score"))
    ):
        points[row["inspection_id"]][row["item__criterion__code"]] = Decimal(
            row["points"]
        ).quantize(Decimal("0.1"))
    checks: dict[int, tuple[int, int]] = {}
    for row in (
        ItemScore.objects.filter(submitted, item__kind=ItemKind.CHECK, passed__isnull=False)
        .order_by()
        .values("inspection_id")
        .annotate(answered=Count("id"), passed=Count("id", filter=Q(passed=True)))
    ):
        checks[row["inspection_id"]] = (row["answered"], row["passed"])
    rows = [
        InspectionScores(
            unit=_unit(row),
            round_number=row["round__number"],
            criteria=points.get(row["id"], {}),
            checks=checks.get(row["id"], (0, 0))[0],
            checks_passed=checks.get(row["id"], (0, 0))[1],
        )
        for row in inspections
        if row["status"] == InspectionStatus.SUBMITTED
    ]
    return rows, inspections


def _criteria(rounds: Sequence[RoundRow]) -> tuple[list[CriterionColumn], dict[int, set[str]]]:
    """The scored criteria of the rounds' checklists (the newest round's names and
    order first), and which criteria each round has."""
    template_of = {r.number: r.template_id for r in rounds}
    if not template_of:
        return [], {}
    rows = list(
        Criterion.objects.filter(template_id__in=set(template_of.values()))
        .order_by()
        .values("template_id", "code", "name", "ordering")
        .annotate(max_score=Sum("items__max_score", filter=Q(items__kind=ItemKind.SCORED)))
    )
    scored = [row for row in rows if row["max_score"]]
    codes_of_template: dict[int, set[str]] = defaultdict(set)
    for row in scored:
        codes_of_template[row["template_id"]].add(row["code"])
    seniority = {template: -number for number, template in sorted(template_of.items())}
    columns: dict[str, CriterionColumn] = {}
    for row in sorted(scored, key=lambda r: (seniority[r["template_id"]], r["ordering"])):
        columns.setdefault(
            row["code"], CriterionColumn(row["code"], row["name"], Decimal(row["max_score"]))
        )
    per_round = {number: codes_of_template[template] for number, template in template_of.items()}
    return list(columns.values()), per_round


def _not_inspected(
    span: Span, rounds: Sequence[RoundRow], inspections: Sequence[Mapping[str, Any]]
) -> list[NotInspected]:
    submitted = {r["unit_id"] for r in inspections if r["status"] == InspectionStatus.SUBMITTED}
    drafts = {r["unit_id"] for r in inspections if r["status"] == InspectionStatus.DRAFT}
    latest: dict[int, tuple[int, NotInspected]] = {}
    for row in (
        Assignment.objects.filter(round_id__in=[r.id for r in rounds])
        .exclude(unit_id__in=submitted)
        .order_by()
        .values(
            "unit_id",
            "unit__code",
            "unit__name",
            "unit__short_name",
            "group__name",
            "round__number",
        )
    ):
        number = row["round__number"]
        if row["unit_id"] in latest and latest[row["unit_id"]][0] > number:
            continue
        latest[row["unit_id"]] = (
            number,
            NotInspected(_unit(row), row["group__name"], row["unit_id"] in drafts),
        )
    return sorted((item for _n, item in latest.values()), key=lambda n: (n.group_name, n.unit.code))


def _rectification(span: Span) -> dict[int, Rectification]:
    rows = (
        Finding.objects.filter(span.inspections_q("inspection__"), problem__isnull=False)
        .order_by()
        .values_list("inspection__unit_id", "problem__state")
        .annotate(problems=Count("id"))
    )
    return rectification_from(rows)


def ranking_for(span: Span, rules: Any = None) -> Ranking:
    """The ranking of ``span`` under ``rules`` (the office's current ones by default),
    in a fixed number of queries."""
    rules = rules if rules is not None else ranking_rules()
    all_rounds = _rounds()
    rows, inspections = load_scores(span)
    if span.kind == "period":
        numbers = {row.round_number for row in rows}
        rounds = [r for r in all_rounds if r.number in numbers or span.holds_round(r)]
    else:
        rounds = [r for r in all_rounds if span.holds_round(r)]
    criteria, criteria_of_round = _criteria(rounds)
    min_inspections = (
        rules.cumulative_min_inspections if span.is_cumulative else rules.min_inspections
    )
    ranked, not_enough = standings_from(
        rows, rules=rules, min_inspections=min_inspections, criteria_of_round=criteria_of_round
    )
    previous = previous_span(span, all_rounds)
    if previous is not None:
        before, _rest = standings_from(
            load_scores(previous)[0], rules=rules, min_inspections=min_inspections
        )
        previous_ranks = {s.unit.id: s.rank for s in before}
        for standing in ranked:
            standing.previous_rank = previous_ranks.get(standing.unit.id)
    rectification = _rectification(span)
    for standing in [*ranked, *not_enough]:
        standing.rectification = rectification.get(standing.unit.id, Rectification())
        standing.criterion_scores = [standing.criteria.get(c.code) for c in criteria]
    mark_lists(ranked, rules)
    in_span_rounds = [r for r in rounds if span.holds_round(r)]
    return Ranking(
        span=span,
        rounds=rounds,
        criteria=criteria,
        ranked=ranked,
        not_enough=not_enough,
        not_inspected=_not_inspected(span, in_span_rounds, inspections),
        min_inspections=min_inspections,
        previous=previous,
        rules=rules,
    )


# --- display ---------------------------------------------------------------------------


def score_text(value: Decimal | None) -> str:
    """A score as people write it: ``85.5``, ``85.25``, ``90``."""
    if value is None:
        return "—"
    text = f"{value.quantize(CENT, rounding=ROUND_HALF_UP):f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def percent_text(rate: Fraction | None) -> str:
    """A rate as a percentage with at most one decimal (``87.5%``, ``75%``), or a dash."""
    if rate is None:
        return "—"
    percent = (Decimal(rate.numerator) * 100 / Decimal(rate.denominator)).quantize(
        Decimal("0.1"), rounding=ROUND_HALF_UP
    )
    return f"{score_text(percent)}%"


def rate_number(rate: Fraction | None) -> float | None:
    """A rate for JSON and CSV: a fraction of one, four decimals."""
    return None if rate is None else round(float(rate), 4)
