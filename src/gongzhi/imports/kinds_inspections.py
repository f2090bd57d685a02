"""Import kind ``inspection-scores``: item scores of inspections, one row per round ×
unit × checklist item (the natural key).

Rows are checked with the inspection services' own rules
(:func:`gongzhi.inspections.services.score_of` and ``passed_of``, and
:func:`gongzhi.inspections.queries.inspect_refusal` for who may fill in what) and
written through them: the rows of one inspection become one
:func:`~gongzhi.inspections.services.inspection_draft_save` (a draft is created when
there is none), or, for a submitted and therefore locked inspection, one
:func:`~gongzhi.inspections.services.inspection_correct` by the city office with the
reason given in the row (kept in the inspection's history). An empty note leaves the
item's remark as it is.
"""

from __future__ import annotations

import re
from collections.abc import Hashable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gongzhi.core.models import Role
from gongzhi.core.scoping import scope_of
from gongzhi.core.validation import Errors
from gongzhi.imports import parsing
from gongzhi.imports.base import (
    CellError,
    Column,
    Context,
    Importer,
    Plan,
    Row,
    RowError,
    RowInvalid,
)
from gongzhi.imports.registry import register
from gongzhi.inspections import queries
from gongzhi.inspections import services as inspection_services
from gongzhi.inspections.models import (
    Assignment,
    ChecklistItem,
    Inspection,
    InspectionRound,
    InspectionStatus,
    ItemKind,
    ItemScore,
    RoundStatus,
)

_ROUND_RE = re.compile(r"^第?\s*(\d+)\s*轮?(?:次|检查)?$")


def _text(raw: Any) -> str:
    return parsing.as_text(raw).strip()


# --- lookups ------------------------------------------------------------------------------


@dataclass
class _Checklist:
    """The items of one checklist version, by code and by text, and its criteria."""

    by_code: dict[str, list[ChecklistItem]] = field(default_factory=dict)
    by_text: dict[str, list[ChecklistItem]] = field(default_factory=dict)
    criteria: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class _Key:
    round_number: int
    unit_code: str


def _load(ctx: Context) -> None:
    rounds = list(InspectionRound.objects.select_related("template").order_by("number"))
    ctx.cache["rounds"] = {r.number: r for r in rounds}
    ctx.cache["round_names"] = {r.name: r for r in rounds if r.name}
    checklists: dict[int, _Checklist] = {r.template_id: _Checklist() for r in rounds}
    items = ChecklistItem.objects.filter(criterion__template_id__in=list(checklists))
    for item in items.select_related("criterion"):
        checklist = checklists[item.criterion.template_id]
        checklist.by_code.setdefault(item.code, []).append(item)
        checklist.by_text.setdefault(item.text, []).append(item)
        checklist.criteria[item.criterion.code] = item.criterion_id
        checklist.criteria[item.criterion.name] = item.criterion_id
    ctx.cache["checklists"] = checklists
    opened = [r.pk for r in rounds if r.status != RoundStatus.PLANNED]
    assignments = Assignment.objects.filter(round_id__in=opened).select_related(
        "round", "unit", "group"
    )
    ctx.cache["assignments"] = {(a.round_id, a.unit.code): a for a in assignments}
    ctx.cache["inspections"] = {
        (round_id, unit_id): (pk, status)
        for pk, round_id, unit_id, status in Inspection.objects.filter(
            round_id__in=opened
        ).values_list("pk", "round_id", "unit_id", "status")
    }
    ctx.cache["refusals"] = {}


def _round_numbers(user: Any) -> list[str]:
    rounds = InspectionRound.objects.exclude(status=RoundStatus.PLANNED).order_by("number")
    return [str(n) for n in rounds.values_list("number", flat=True)]


def _unit_codes(user: Any) -> list[str]:
    """ "credit-code name" of the units assigned in open rounds (an inspector: to their
    groups), as :func:`gongzhi.imports.parsing.unit_ref` reads them back."""
    if scope_of(user).is_office:
        qs = Assignment.objects.filter(round__status=RoundStatus.OPEN)
    else:
        qs = queries.inspector_assignments(user)
    pairs = set(qs.values_list("unit__code", "unit__name"))
    return [f"{code} {name}" for code, name in sorted(pairs)]


def _item_codes(user: Any) -> list[str]:
    current = queries.current_round()
    if current is None:
        return []
    return [i.code for i in queries.template_items(queries.template_criteria(current.template))]


# --- the kind -------------------------------------------------------------------------------


@register
class InspectionScoresImporter(Importer):
    """Scores of checklist items, for the office and the inspectors of each unit's group."""

    kind = "inspection-scores"
    title = gettext_lazy("Inspection scores")
    sheet_name = "检查评分"
    order = 70
    natural_key = ("round", "unit", "item")
    columns = (
        Column(
            "round", "轮次", _text, required=True, example="1", choices=_round_numbers,
            aliases=("检查轮次", "round_number"), label=gettext_lazy("Round"), width=8,
            help=gettext_lazy("The round's number (1, 第1轮) or its name."),
        ),
        Column(
            "unit", "单位统一社会信用代码", parsing.unit_ref, required=True,
            aliases=("信用代码", "单位代码", "unit_code"), choices=_unit_codes, width=22,
            example="11421300MB1234567P", label=gettext_lazy("Unit credit code"),
        ),
        Column(
            "unit_name", "单位名称", _text, label=gettext_lazy("Unit name"), width=20,
            help=gettext_lazy("For reading only: the unit is the one of the credit code."),
        ),
        Column(
            "criterion", "考核指标", _text, aliases=("指标", "criterion_code"), width=14,
            label=gettext_lazy("Criterion"), example="思想认识到位",
            help=gettext_lazy("Optional: the criterion's code or name."),
        ),
        Column(
            "item", "检查项", _text, required=True, aliases=("检查项目", "评分项", "item_code"),
            choices=_item_codes, example="plan", width=24, label=gettext_lazy("Item"),
            help=gettext_lazy("The item's code or its text."),
        ),
        Column(
            "score", "得分", _text, required=True, aliases=("分数", "评分"), example="8.5",
            label=gettext_lazy("Score"), width=8,
            help=gettext_lazy(
                "Points from 0 to the item's maximum in whole or half points; 是 or 否 "
                "for a yes/no check."
            ),
        ),
        Column(
            "note", "备注", parsing.text(inspection_services.COMMENT_LENGTH),
            aliases=("说明", "comment"), label=gettext_lazy("Note"), width=24,
        ),
        Column(
            "group", "督导组", _text, aliases=("检查督导组", "group_name"), width=14,
            label=gettext_lazy("Inspection group"),
            help=gettext_lazy("Optional: when given it must be the unit's group in the round."),
        ),
        Column(
            "reason", "修改原因", parsing.text(inspection_services.MAX_REASON),
            aliases=("reason",), label=gettext_lazy("Reason for the correction"), width=20,
            help=gettext_lazy("Needed to change a submitted inspection (city office only)."),
        ),
    )  # fmt: skip
    rules = (
        gettext_lazy(
            "One row per round, unit and item; the same file imported twice changes nothing."
        ),
        gettext_lazy(
            "Only the units assigned in the round, and only by the inspectors of the unit's "
            "group while the round is open, or by the city office."
        ),
        gettext_lazy(
            "A submitted inspection is locked: only the city office changes it, with a reason."
        ),
    )

    @classmethod
    def may_import(cls, user: Any) -> bool:
        """The office, and inspectors (each for the units of their own groups)."""
        scope = scope_of(user)
        return scope.is_office or Role.INSPECTOR in scope.roles

    def prepare(self, ctx: Context) -> None:
        _load(ctx)

    # --- rows ---

    def _round(self, given: str, ctx: Context) -> InspectionRound:
        match = _ROUND_RE.match(given)
        found = ctx.cache["rounds"].get(int(match.group(1))) if match else None
        found = found or ctx.cache["round_names"].get(given)
        if found is None:
            raise CellError(
                _("No inspection round is called “%(value)s”.") % {"value": given}, "round"
            )
        if found.status == RoundStatus.PLANNED:
            raise CellError(
                _("Round %(number)d has not opened yet.") % {"number": found.number}, "round"
            )
        return found

    def _item(self, values: dict[str, Any], round_: InspectionRound, ctx: Context) -> ChecklistItem:
        checklist: _Checklist = ctx.cache["checklists"][round_.template_id]
        given = values["item"]
        items = checklist.by_code.get(given) or checklist.by_text.get(given) or []
        if values.get("criterion"):
            criterion = checklist.criteria.get(values["criterion"])
            if criterion is None:
                raise CellError(
                    _("The checklist of round %(number)d has no criterion “%(value)s”.")
                    % {"number": round_.number, "value": values["criterion"]},
                    "criterion",
                )
            items = [i for i in items if i.criterion_id == criterion]
        if not items:
            raise CellError(
                _("The checklist of round %(number)d has no item “%(value)s”.")
                % {"number": round_.number, "value": given},
                "item",
            )
        if len(items) > 1:
            raise CellError(
                _("Several criteria have the item “%(value)s”: give the criterion.")
                % {"value": given},
                "criterion",
            )
        return items[0]

    def _refusal(self, assignment: Assignment, ctx: Context) -> str:
        """Why the user may not fill in this unit's inspection (the services' own rule),
        asked once per inspection."""
        refusals: dict[int, str] = ctx.cache["refusals"]
        if assignment.pk not in refusals:
            target = queries.Target(round=assignment.round, assignment=assignment, inspection=None)
            refusals[assignment.pk] = queries.inspect_refusal(ctx.user, target)
        return refusals[assignment.pk]

    def clean_row(self, values: dict[str, Any], ctx: Context) -> dict[str, Any]:
        round_ = self._round(values["round"], ctx)
        assignment: Assignment | None = ctx.cache["assignments"].get((round_.pk, values["unit"]))
        if assignment is None:
            raise CellError(
                _("This unit is not assigned to a group in round %(number)d.")
                % {"number": round_.number},
                "unit",
            )
        inspection = ctx.cache["inspections"].get((round_.pk, assignment.unit_id))
        submitted = inspection is not None and inspection[1] == InspectionStatus.SUBMITTED
        # Whether the importer may fill in this unit comes first, submitted or not (only the
        # office corrects submitted ones): what follows, the group and the stored scores,
        # is not for the inspectors of other groups.
        refusal = "" if submitted and ctx.scope.is_office else self._refusal(assignment, ctx)
        if refusal:
            raise CellError(refusal, "unit")
        group = values.get("group")
        if group and group != assignment.group.name:
            raise CellError(
                _("In round %(number)d this unit is assigned to %(group)s.")
                % {"number": round_.number, "group": assignment.group.name},
                "group",
            )
        item = self._item(values, round_, ctx)
        errors: Errors = {}
        if item.kind == ItemKind.SCORED:
            answer: Any = inspection_services.score_of(item, values["score"], "score", errors)
        else:
            try:
                given: Any = parsing.yes_no(values["score"])
            except CellError:
                given = values["score"]
            answer = inspection_services.passed_of(item, given, "score", errors)
        if errors:
            raise CellError(errors["score"][0], "score")
        return {
            "round": round_.number,
            "unit": values["unit"],
            "item": item,
            "answer": answer,
            "note": values.get("note") or "",
            "reason": values.get("reason") or "",
            "assignment": assignment,
            "inspection": inspection[0] if inspection else None,
            "submitted": submitted,
        }

    def key_of(self, values: dict[str, Any]) -> Hashable | None:
        return (values["round"], values["unit"], values["item"].pk)

    # --- plan ---

    def plan(self, rows: list[Row], ctx: Context) -> Plan:
        plan = Plan()
        inspection_ids = {r.values["inspection"] for r in rows if r.values["inspection"]}
        existing: dict[tuple[int, int], ItemScore] = {}
        ids = sorted(inspection_ids)
        for start in range(0, len(ids), 500):
            for score in ItemScore.objects.filter(inspection_id__in=ids[start : start + 500]):
                existing[(score.inspection_id, score.item_id)] = score
        for row in rows:
            v = row.values
            item: ChecklistItem = v["item"]
            stored = existing.get((v["inspection"], item.pk)) if v["inspection"] else None
            if stored is None:
                plan.creates.append(row)
                continue
            current = stored.score if item.kind == ItemKind.SCORED else stored.passed
            if isinstance(current, Decimal):
                current = current.quantize(Decimal("0.1"))
            same_note = not v["note"] or v["note"] == stored.comment
            if current == v["answer"] and same_note:
                plan.unchanged += 1
            elif v["submitted"] and not ctx.scope.is_office:
                plan.errors.append(
                    self.error(row.number, "score", inspection_services.locked_message())
                )
            elif v["submitted"] and not v["reason"]:
                plan.errors.append(
                    self.error(row.number, "reason", _("Say why the inspection is corrected."))
                )
            else:
                plan.updates.append(row)
        return plan

    # --- write ---

    def write(self, plan: Plan, ctx: Context) -> None:
        by_inspection: dict[_Key, list[Row]] = {}
        for row in (*plan.creates, *plan.updates):
            key = _Key(row.values["round"], row.values["unit"])
            by_inspection.setdefault(key, []).append(row)
        errors: list[RowError] = []
        for key, rows in by_inspection.items():
            errors.extend(self._write_one(key, rows, ctx))
        if errors:
            raise RowInvalid(errors)

    def _write_one(self, key: _Key, rows: list[Row], ctx: Context) -> list[RowError]:
        scores: dict[str, Any] = {}
        comments: dict[str, str] = {}
        row_of: dict[str, int] = {}
        for row in rows:
            item: ChecklistItem = row.values["item"]
            answer = row.values["answer"]
            scores[item.code] = f"{answer:f}" if isinstance(answer, Decimal) else answer
            if row.values["note"]:
                comments[item.code] = row.values["note"]
            row_of[item.code] = row.number
        first = rows[0]
        try:
            if first.values["submitted"]:
                reason = next(r.values["reason"] for r in rows if r.values["reason"])
                inspection_services.inspection_correct(
                    user=ctx.user,
                    round_number=key.round_number,
                    unit_code=key.unit_code,
                    reason=reason,
                    scores=scores,
                    comments=comments,
                )
            else:
                inspection_services.inspection_draft_save(
                    user=ctx.user,
                    round_number=key.round_number,
                    unit_code=key.unit_code,
                    scores=scores,
                    comments=comments,
                )
        except ValidationError as refused:
            return [
                self._service_error(name, message, row_of, first.number)
                for name, messages in refused.message_dict.items()
                for message in messages
            ]
        except (PermissionDenied, Http404) as refused:
            message = str(refused) or _("You may not fill in this inspection.")
            return [self.error(first.number, "unit", message)]
        return []

    def _service_error(
        self, name: str, message: str, row_of: dict[str, int], first: int
    ) -> RowError:
        """A service's error on ``scores.<code>`` (or ``evidence.<code>``) goes to the row of
        that item; any other to the inspection's first row."""
        _prefix, _dot, code = name.partition(".")
        if code in row_of:
            return self.error(row_of[code], "note" if _prefix == "comments" else "score", message)
        return self.error(first, "" if name == NON_FIELD_ERRORS else "score", message)

    # --- export ---

    def export_rows(self, user: Any) -> Iterable[dict[str, Any]]:
        inspections = queries.inspections_visible_to(user)
        scores = (
            ItemScore.objects.filter(inspection__in=inspections)
            .select_related(
                "inspection__round", "inspection__unit", "inspection__group", "item__criterion"
            )
            .order_by("inspection__round__number", "inspection__unit__code", "item__ordering")
        )
        for row in scores.iterator(chunk_size=2000):
            answer: Any
            if row.item.kind == ItemKind.SCORED:
                answer = "" if row.score is None else f"{row.score.normalize():f}"
            else:
                answer = "" if row.passed is None else ("是" if row.passed else "否")
            yield {
                "round": str(row.inspection.round.number),
                "unit": row.inspection.unit.code,
                "unit_name": row.inspection.unit.name,
                "criterion": row.item.criterion.code,
                "item": row.item.code,
                "score": answer,
                "note": row.comment,
                "group": row.inspection.group.name,
                "reason": "",
            }
