"""REST resources of the rankings: a round's ranking, the cumulative one, and the rules.

Thin: the figures come from :mod:`rankings` (every definition is in its docstring),
the rules change through :mod:`services_rules`. Whoever may read rounds reads
rankings and rules; only the city office changes the rules. Units are named by
credit code; scores are numbers out of 100, rates fractions of 1.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema

from gongzhi.core.api_schemas import ERRORS
from gongzhi.core.scoping import get_visible_or_404
from gongzhi.inspections import rankings, services_rules
from gongzhi.inspections.forms_rankings import RankingFilterForm
from gongzhi.inspections.models import RoundStatus
from gongzhi.inspections.queries import rounds_visible_to
from gongzhi.inspections.rankings import Ranking, Span, Standing, rate_number
from gongzhi.inspections.seed import ranking_rules

router = Router(tags=["inspections"])


# --- schemas --------------------------------------------------------------------------


class RankingCriterionOut(Schema):
    code: str
    name: str
    max_score: float | None


class RankingRectificationOut(Schema):
    closed: int
    counted: int
    rate: float | None


class RankingStandingOut(Schema):
    unit_code: str
    unit_name: str
    unit_short_name: str
    inspections: int
    rank: int | None
    previous_rank: int | None
    change: int | None
    total: float
    grade: str
    criteria: dict[str, float | None]
    checks: int
    checks_passed: int
    achievement_rate: float | None
    rectification: RankingRectificationOut
    list: str | None
    black_reasons: list[str]


class RankingNotInspectedOut(Schema):
    unit_code: str
    unit_name: str
    group: str
    has_draft: bool


class RankingRulesOut(Schema):
    excellent_min: float
    good_min: float
    fair_min: float
    min_inspections: int
    cumulative_min_inspections: int
    red_top: int
    red_min_rectification: float
    black_bottom: int
    black_max_rectification: float
    updated_at: dt.datetime | None
    updated_by: str | None


class RankingRulesIn(Schema):
    excellent_min: Decimal
    good_min: Decimal
    fair_min: Decimal
    min_inspections: int
    cumulative_min_inspections: int
    red_top: int
    red_min_rectification: Decimal
    black_bottom: int
    black_max_rectification: Decimal


class RankingOut(Schema):
    kind: str
    label: str
    round_number: int | None
    start: dt.date | None
    end: dt.date | None
    provisional: bool
    min_inspections: int
    previous_round_number: int | None
    criteria: list[RankingCriterionOut]
    ranked: list[RankingStandingOut]
    not_enough: list[RankingStandingOut]
    not_inspected: list[RankingNotInspectedOut]
    red: list[str]
    black: list[str]
    rules: RankingRulesOut


class RankingFilters(Schema):
    until_round: int | None = None
    start: dt.date | None = None
    end: dt.date | None = None


# --- helpers --------------------------------------------------------------------------


def _require_reader(request: HttpRequest) -> None:
    if not rankings.rankings_readable_by(request.user):
        raise PermissionDenied(_("You may not see the inspection rankings."))


def _standing_out(s: Standing) -> dict[str, Any]:
    return {
        "unit_code": s.unit.code,
        "unit_name": s.unit.name,
        "unit_short_name": s.unit.short_name,
        "inspections": s.inspections,
        "rank": s.rank,
        "previous_rank": s.previous_rank,
        "change": s.change,
        "total": float(s.total),
        "grade": s.grade,
        "criteria": {k: None if v is None else float(v) for k, v in s.criteria.items()},
        "checks": s.checks,
        "checks_passed": s.checks_passed,
        "achievement_rate": rate_number(s.achievement_rate),
        "rectification": {
            "closed": s.rectification.closed,
            "counted": s.rectification.counted,
            "rate": rate_number(s.rectification.rate),
        },
        "list": s.list_name or None,
        "black_reasons": list(s.black_reasons),
    }


def _rules_out(rules: Any) -> dict[str, Any]:
    return {
        "excellent_min": float(rules.excellent_min),
        "good_min": float(rules.good_min),
        "fair_min": float(rules.fair_min),
        "min_inspections": rules.min_inspections,
        "cumulative_min_inspections": rules.cumulative_min_inspections,
        "red_top": rules.red_top,
        "red_min_rectification": float(rules.red_min_rectification),
        "black_bottom": rules.black_bottom,
        "black_max_rectification": float(rules.black_max_rectification),
        "updated_at": rules.updated_at,
        "updated_by": rules.updated_by.get_username() if rules.updated_by_id else None,
    }


def _ranking_out(result: Ranking) -> dict[str, Any]:
    span = result.span
    return {
        "kind": span.kind,
        "label": span.label,
        "round_number": span.round_number,
        "start": span.start,
        "end": span.end,
        "provisional": result.provisional,
        "min_inspections": result.min_inspections,
        "previous_round_number": result.previous.round_number if result.previous else None,
        "criteria": [
            {
                "code": c.code,
                "name": c.name,
                "max_score": None if c.max_score is None else float(c.max_score),
            }
            for c in result.criteria
        ],
        "ranked": [_standing_out(s) for s in result.ranked],
        "not_enough": [_standing_out(s) for s in result.not_enough],
        "not_inspected": [
            {
                "unit_code": n.unit.code,
                "unit_name": n.unit.name,
                "group": n.group_name,
                "has_draft": n.has_draft,
            }
            for n in result.not_inspected
        ],
        "red": [s.unit.code for s in result.red],
        "black": [s.unit.code for s in result.black],
        "rules": _rules_out(result.rules),
    }


def _rules_with_author() -> Any:
    rules = ranking_rules()
    if rules.updated_by_id:
        rules = type(rules).objects.select_related("updated_by").get(pk=rules.pk)
    return rules


# --- routes ---------------------------------------------------------------------------


@router.get("inspection-rounds/{number}/ranking", response={200: RankingOut, **ERRORS})
def round_ranking(request: HttpRequest, number: int) -> dict[str, Any]:
    """The ranking of one round: per unit the criterion scores, total, grade, achievement
    rate, rank (competition ranking: ties share a rank) and change from the round
    before, the rectification rate and the red or black list; units with too few
    inspections and units assigned but not inspected are listed apart."""
    round_ = get_visible_or_404(rounds_visible_to(request.user), number=number)
    return _ranking_out(rankings.ranking_for(Span.round(round_.number), rules=_rules_with_author()))


@router.get("rankings", response={200: RankingOut, **ERRORS})
def cumulative_ranking(request: HttpRequest, filters: Query[RankingFilters]) -> dict[str, Any]:
    """The cumulative ranking: over all rounds up to ``until_round``, or over the
    inspections dated ``start``–``end`` (inclusive); by default up to the latest round
    that is under way or finished. A unit's total is its average over the span, ranked
    with at least the rules' ``cumulative_min_inspections``."""
    _require_reader(request)
    rounds = list(
        rounds_visible_to(request.user).order_by("number").values_list("number", "status")
    )
    numbers = [number for number, _status in rounds]
    form = RankingFilterForm(
        {k: v for k, v in filters.dict().items() if v is not None}, round_numbers=numbers
    )
    if not form.is_valid():
        raise ValidationError({k: [str(m) for m in v] for k, v in form.errors.items()})
    span = form.span(None)
    if span is None:
        held = [number for number, status in rounds if status != RoundStatus.PLANNED]
        if not numbers:
            raise Http404
        span = Span.until_round(max(held or numbers))
    return _ranking_out(rankings.ranking_for(span, rules=_rules_with_author()))


@router.get("ranking-rules", response={200: RankingRulesOut, **ERRORS})
def rules_get(request: HttpRequest) -> dict[str, Any]:
    """The ranking rules: grade thresholds (scores out of 100), the inspections needed to
    be ranked, and the red and black list rules (rectification rates as fractions)."""
    _require_reader(request)
    return _rules_out(_rules_with_author())


@router.put("ranking-rules", response={200: RankingRulesOut, **ERRORS})
def rules_put(request: HttpRequest, payload: RankingRulesIn) -> dict[str, Any]:
    """Replace the ranking rules (city office only). Refused, changing nothing, unless
    excellent > good > fair within 0..100, rates within 0..1 (three decimals at most),
    minimums from 1 to 50 and list sizes from 0 to 1000."""
    if not rankings.may_edit_rules(request.user):
        _require_reader(request)
        raise PermissionDenied(_("Only the city office may change the ranking rules."))
    services_rules.ranking_rules_update(request.user, **payload.dict())
    return _rules_out(_rules_with_author())
