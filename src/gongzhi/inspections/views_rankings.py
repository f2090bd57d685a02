"""The ranking page (per round, cumulative, CSV, charts) and the ranking rules page.

Thin: the figures come from :mod:`rankings`, the rules change through
:mod:`services_rules`. Whoever may read rounds reads rankings and rules; only the
city office changes the rules.
"""

from __future__ import annotations

import csv
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from gongzhi.core.exports import csv_cell
from gongzhi.core.history import history_of
from gongzhi.core.xlsx import Column, Table, xlsx_response
from gongzhi.inspections import rankings, services_rules
from gongzhi.inspections.forms_rankings import RankingFilterForm, RulesForm
from gongzhi.inspections.models import Grade, RoundStatus
from gongzhi.inspections.queries import rounds_visible_to
from gongzhi.inspections.rankings import Ranking, Span, Standing, percent_text, score_text
from gongzhi.inspections.seed import ranking_rules

#: Fields of the rules' history that say nothing a reader needs.
QUIET_FIELDS = frozenset({"updated_at", "updated_by"})


def _require_reader(request: HttpRequest) -> None:
    if not rankings.rankings_readable_by(request.user):
        raise PermissionDenied(_("You may not see the inspection rankings."))


def _grade_label(grade: str) -> str:
    return str(Grade(grade).label) if grade in Grade.values else grade


def _change(standing: Standing, has_previous: bool) -> dict[str, Any]:
    """How the change from the previous ranking shows: an arrow, a number, a label."""
    change = standing.change
    if not has_previous or standing.rank is None:
        return {"kind": "", "text": "", "label": "", "css": ""}
    if change is None:
        return {
            "kind": "new",
            "text": _("new"),
            "label": _("Not ranked before"),
            "css": "badge text-bg-info",
        }
    if change > 0:
        return {
            "kind": "up",
            "css": "text-success fw-semibold",
            "text": f"▲{change}",
            "label": _("Up %(places)d from %(rank)d")
            % {"places": change, "rank": standing.previous_rank},
        }
    if change < 0:
        return {
            "kind": "down",
            "css": "text-danger fw-semibold",
            "text": f"▼{-change}",
            "label": _("Down %(places)d from %(rank)d")
            % {"places": -change, "rank": standing.previous_rank},
        }
    return {"kind": "same", "text": "=", "label": _("Same rank as before"), "css": "text-muted"}


def _black_reasons(standing: Standing) -> str:
    texts = {
        rankings.BOTTOM: _("bottom places"),
        rankings.LOW_RECTIFICATION: _("rectification rate too low"),
    }
    return ", ".join(str(texts[r]) for r in standing.black_reasons)


def _row(standing: Standing, has_previous: bool) -> dict[str, Any]:
    rect = standing.rectification
    return {
        "s": standing,
        "scores": [score_text(v) for v in standing.criterion_scores],
        "total": score_text(standing.total),
        "grade": _grade_label(standing.grade),
        "achievement": percent_text(standing.achievement_rate),
        "rectification": percent_text(rect.rate),
        "rectification_detail": (
            _("%(closed)d of %(counted)d rectified")
            % {"closed": rect.closed, "counted": rect.counted}
            if rect.counted
            else _("no rectification demanded")
        ),
        "change": _change(standing, has_previous),
        "black_reasons": _black_reasons(standing),
    }


def _number(value: Any) -> float | None:
    return None if value is None else float(value)


def _chart_data(ranking: Ranking) -> dict[str, Any]:
    """What the charts draw: totals of the ranked units in rank order, and their scores
    per criterion."""
    names = [s.unit.display_name for s in ranking.ranked]
    return {
        "units": names,
        "totals": [float(s.total) for s in ranking.ranked],
        "lists": [s.list_name for s in ranking.ranked],
        "criteria": [
            {
                "name": column.name,
                "values": [_number(s.criterion_scores[i]) for s in ranking.ranked],
            }
            for i, column in enumerate(ranking.criteria)
        ],
        "labels": {"total": _("Total"), "red": _("Red list"), "black": _("Black list")},
    }


def _rules_summary(rules: Any) -> dict[str, str]:
    def percent(value: Any) -> str:
        return f"{score_text(value * 100)}%"

    return {
        "red": _(
            "Red list: the top %(top)d ranked units whose rectification rate is at least "
            "%(rate)s (or who were asked to rectify nothing)."
        )
        % {"top": rules.red_top, "rate": percent(rules.red_min_rectification)},
        "black": _(
            "Black list: the bottom %(bottom)d ranked units, and any ranked unit whose "
            "rectification rate is below %(rate)s. A unit on both lists is on the black one."
        )
        % {"bottom": rules.black_bottom, "rate": percent(rules.black_max_rectification)},
    }


@login_required
def ranking(request: HttpRequest) -> HttpResponse:
    """A round's ranking (``?round=N``), the cumulative one (``?until_round=N``, or
    ``?start=&end=``), or the latest round's; ``&format=csv`` downloads it."""
    _require_reader(request)
    rounds = list(rounds_visible_to(request.user).order_by("number"))
    numbers = [r.number for r in rounds]
    held = [r.number for r in rounds if r.status != RoundStatus.PLANNED]
    default = max(held) if held else (max(numbers) if numbers else None)
    form = RankingFilterForm(request.GET or None, round_numbers=numbers)
    context: dict[str, Any] = {
        "form": form,
        "rounds": rounds,
        "rules_url": reverse("inspections:rules"),
    }
    if form.is_bound and not form.is_valid():
        return render(request, "inspections/ranking.html", context, status=400)
    span = form.span(default) if form.is_bound else (Span.round(default) if default else None)
    if span is None:
        return render(request, "inspections/ranking.html", context)
    result = rankings.ranking_for(span, rules=ranking_rules())
    if request.GET.get("format") == "csv":
        return _ranking_csv(result)
    if request.GET.get("format") == "xlsx":
        return _ranking_xlsx(result)
    has_previous = result.previous is not None
    query = {k: v for k, v in request.GET.items() if k != "format" and v}
    if not query and span.round_number is not None:
        query = {"round": str(span.round_number)}
    current = span.round_number if span.kind != "period" else None
    context.update(
        ranking=result,
        span=span,
        current_round=current,
        rows=[_row(s, has_previous) for s in result.ranked],
        not_enough=[_row(s, False) for s in result.not_enough],
        red=[_row(s, has_previous) for s in result.red],
        black=[_row(s, has_previous) for s in result.black],
        chart=_chart_data(result),
        csv_url="?" + urlencode({**query, "format": "csv"}),
        xlsx_url="?" + urlencode({**query, "format": "xlsx"}),
        rules_summary=_rules_summary(result.rules),
        previous_label=result.previous.label if result.previous else "",
    )
    return render(request, "inspections/ranking.html", context)


def _csv_name(span: Span) -> str:
    if span.kind == "round":
        return f"ranking-round-{span.round_number}.csv"
    if span.kind == "cumulative":
        return f"ranking-until-round-{span.round_number}.csv"
    return f"ranking-{span.start:%Y%m%d}-{span.end:%Y%m%d}.csv"


def _ranking_csv(result: Ranking) -> HttpResponse:
    """The whole ranking as one table: ranked units, then those with too few inspections,
    then those not inspected (the first column says which)."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{_csv_name(result.span)}"'
    response.write("\ufeff")  # a BOM, so that spreadsheet programs read the Chinese as UTF-8
    writer = csv.writer(response)
    writer.writerow(
        [
            _("Status"),
            _("Rank"),
            _("Change"),
            _("Credit code"),
            _("Unit"),
            *[c.name for c in result.criteria],
            _("Total"),
            _("Grade"),
            _("Number of inspections"),
            _("Achievement rate"),
            _("Rectification rate"),
            _("Rectified"),
            _("Rectification problems"),
            _("List"),
        ]
    )
    list_names = {rankings.RED: _("Red list"), rankings.BLACK: _("Black list")}

    def standing_row(status: str, s: Standing) -> list[Any]:
        return [
            status,
            s.rank if s.rank is not None else "",
            s.change if s.change is not None else "",
            s.unit.code,
            s.unit.name,
            *[score_text(v) if v is not None else "" for v in s.criterion_scores],
            score_text(s.total),
            _grade_label(s.grade),
            s.inspections,
            percent_text(s.achievement_rate) if s.achievement_rate is not None else "",
            percent_text(s.rectification.rate) if s.rectification.counted else "",
            s.rectification.closed,
            s.rectification.counted,
            list_names.get(s.list_name, ""),
        ]

    blanks = [""] * len(result.criteria)
    rows: list[list[Any]] = [standing_row(_("ranked"), s) for s in result.ranked]
    rows += [standing_row(_("not enough inspections"), s) for s in result.not_enough]
    rows += [
        [
            _("not inspected"),
            "",
            "",
            n.unit.code,
            n.unit.name,
            *blanks,
            "",
            "",
            0,
            "",
            "",
            "",
            "",
            "",
        ]
        for n in result.not_inspected
    ]
    for row in rows:
        writer.writerow([csv_cell(value) for value in row])
    return response


def _ranking_xlsx(result: Ranking) -> HttpResponse:
    """The ranking as a workbook: the ranked units with their scores, the red and black
    lists, and the units left out of the ranking."""
    list_names = {rankings.RED: _("Red list"), rankings.BLACK: _("Black list")}
    columns = [
        Column(_("Rank"), "int"),
        Column(_("Change"), "int"),
        Column(_("Credit code")),
        Column(_("Unit")),
        *[Column(c.name, "decimal") for c in result.criteria],
        Column(_("Total"), "decimal"),
        Column(_("Grade")),
        Column(_("Number of inspections"), "int"),
        Column(_("Achievement rate"), "percent"),
        Column(_("Rectification rate"), "percent"),
        Column(_("Rectified"), "int"),
        Column(_("Rectification problems"), "int"),
        Column(_("List")),
    ]

    def row(s: Standing) -> list[Any]:
        return [
            s.rank,
            s.change,
            s.unit.code,
            s.unit.name,
            *s.criterion_scores,
            s.total,
            _grade_label(s.grade),
            s.inspections,
            s.achievement_rate,
            s.rectification.rate,
            s.rectification.closed,
            s.rectification.counted,
            list_names.get(s.list_name, ""),
        ]

    title = f"{_('Ranking')} · {result.span.label}"
    tables = [
        Table(
            title=title,
            sheet_name=_("Ranking"),
            columns=columns,
            rows=[row(s) for s in result.ranked],
        ),
        Table(title=_("Red list"), columns=columns, rows=[row(s) for s in result.red]),
        Table(title=_("Black list"), columns=columns, rows=[row(s) for s in result.black]),
        Table(
            title=_("Not ranked"),
            columns=[
                Column(_("Credit code")),
                Column(_("Unit")),
                Column(_("Status")),
                Column(_("Number of inspections"), "int"),
            ],
            rows=[
                *[
                    [s.unit.code, s.unit.name, _("not enough inspections"), s.inspections]
                    for s in result.not_enough
                ],
                *[[n.unit.code, n.unit.name, _("not inspected"), 0] for n in result.not_inspected],
            ],
        ),
    ]
    response = xlsx_response(
        _csv_name(result.span).removesuffix(".csv") + ".xlsx",
        tables,
        filters=[(_("Ranking"), str(result.span.label))],
    )
    return response


@login_required
def rules(request: HttpRequest) -> HttpResponse:
    """The ranking rules: read by whoever reads rankings, changed by the office, with
    their history."""
    _require_reader(request)
    current = ranking_rules()
    may_edit = rankings.may_edit_rules(request.user)
    form: RulesForm | None = None
    if request.method == "POST":
        if not may_edit:
            raise PermissionDenied(_("Only the city office may change the ranking rules."))
        form = RulesForm(request.POST)
        if form.is_valid():
            try:
                services_rules.ranking_rules_update(request.user, **form.service_values())
            except ValidationError as exc:
                form.add_service_error(exc)
            else:
                messages.success(request, _("The ranking rules are saved."))
                return redirect("inspections:rules")
    elif may_edit:
        form = RulesForm(initial=RulesForm.initial_from(current))
    history = history_of(current)
    for entry in history:
        entry.changes = [c for c in entry.changes if c.name not in QUIET_FIELDS]
    context = {
        "rules": current,
        "form": form,
        "may_edit": may_edit,
        "summary": _rules_summary(current),
        "values": [
            (form_field.label, value)
            for form_field, value in zip(
                RulesForm.base_fields.values(),
                _shown_values(current),
                strict=True,
            )
        ],
        "history": history,
        "ranking_url": reverse("inspections:ranking"),
    }
    status = 400 if request.method == "POST" else 200
    return render(request, "inspections/rules.html", context, status=status)


def _shown_values(rules: Any) -> list[str]:
    """The rules as the read-only page shows them, in the form's field order."""
    shown = []
    for name, value in RulesForm.initial_from(rules).items():
        if name in RulesForm.RATE_FIELDS:
            shown.append(f"{score_text(value)}%")
        elif name in ("excellent_min", "good_min", "fair_min"):
            shown.append(score_text(value))
        else:
            shown.append(str(value))
    return shown
