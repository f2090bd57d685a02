"""Forms of the inspection pages and the checklist editor. They parse input and offer
choices; the services check every value and write.

Item answers are plain inputs named ``answer-<item code>`` (points, or ``yes``/``no``)
and ``comment-<item code>``; the checklist editor's inputs are ``criterion-<i>-<field>``
and ``item-<i>-<j>-<field>``, read back into the data ``template_edit`` takes.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from gongzhi.core.forms import BootstrapForm, DateInput
from gongzhi.inspections.models import ChecklistItem, ItemKind
from gongzhi.problems.forms import PhotosField

Choices = list[tuple[Any, Any]]


class InspectionForm(BootstrapForm):
    """The head of an inspection: date, community visited, session observed, notes.

    Values go to the service as typed (it names the field of any refusal), so the
    selects take any value.
    """

    date = forms.CharField(
        label=_("Date of the inspection"),
        required=False,
        widget=DateInput(),
    )
    community_code = forms.CharField(
        label=_("Community visited"), required=False, widget=forms.Select
    )
    session_id = forms.CharField(
        label=_("Friday session observed"),
        required=False,
        widget=forms.Select,
        help_text=_("If the inspection watched a session, choose it."),
    )
    notes = forms.CharField(
        label=_("Notes"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": 2000}),
    )

    def __init__(self, *args: Any, communities: Choices, sessions: Choices, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["community_code"].widget.choices = [
            ("", "—"),
            *communities,
        ]
        self.fields["session_id"].widget.choices = [
            ("", _("None")),
            *sessions,
        ]

    def values(self) -> dict[str, Any]:
        """The head values for ``inspection_draft_save`` / ``inspection_correct``."""
        data = self.cleaned_data
        return {
            "date": data.get("date", ""),
            "community_code": data.get("community_code", ""),
            "session_id": data.get("session_id", ""),
            "notes": data.get("notes", ""),
        }


class CorrectionForm(InspectionForm):
    """The office's correction of a submitted inspection: the same head, and a reason."""

    reason = forms.CharField(
        label=_("Reason for the correction"),
        max_length=100,
        help_text=_("Kept in the inspection's history."),
    )

    field_order = ["reason", "date", "community_code", "session_id", "notes"]


class FindingForm(BootstrapForm):
    """A finding: what was found, on which item, with photos, and whether the unit must
    rectify it (then a problem category is needed)."""

    text = forms.CharField(
        label=_("What was found"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "maxlength": 2000}),
    )
    item_code = forms.CharField(label=_("Checklist item"), required=False, widget=forms.Select)
    demands_rectification = forms.BooleanField(
        label=_("The unit must rectify it"),
        required=False,
        help_text=_("On submission it goes to the problem ledger, dispatched to the unit."),
    )
    category_code = forms.CharField(
        label=_("Problem category"), required=False, widget=forms.Select
    )
    photos = PhotosField(label=_("Photos"), help_text=_("At most 9."))

    def __init__(
        self, *args: Any, items: Sequence[ChecklistItem], categories: Choices, **kwargs: Any
    ) -> None:
        kwargs.setdefault("prefix", "finding")
        super().__init__(*args, **kwargs)
        self.fields["item_code"].widget.choices = [
            ("", _("No particular item")),
            *[(item.code, item.text) for item in items],
        ]
        self.fields["category_code"].widget.choices = [
            ("", "—"),
            *categories,
        ]
        self.fields["photos"].widget.attrs["capture"] = "environment"


def answers_from(
    data: Mapping[str, Any], items: Iterable[ChecklistItem]
) -> tuple[dict[str, str], dict[str, str]]:
    """The answers and comments a POST holds, by item code (items not in it: not given)."""
    scores: dict[str, str] = {}
    comments: dict[str, str] = {}
    for item in items:
        if f"answer-{item.code}" in data:
            scores[item.code] = str(data[f"answer-{item.code}"])
        if f"comment-{item.code}" in data:
            comments[item.code] = str(data[f"comment-{item.code}"])
    return scores, comments


def item_errors(errors: Mapping[str, Sequence[str]]) -> dict[str, list[str]]:
    """Service errors about items (``scores.<code>``, ``comments.<code>``,
    ``evidence.<code>``) by item code."""
    found: dict[str, list[str]] = {}
    for key, messages in errors.items():
        head, _dot, code = key.partition(".")
        if head in ("scores", "comments", "evidence") and code:
            found.setdefault(code, []).extend(str(m) for m in messages)
    return found


# --- the checklist editor --------------------------------------------------------------------

CRITERION_RE = re.compile(r"^criterion-(\d+)-(code|name)$")
ITEM_RE = re.compile(r"^item-(\d+)-(\d+)-(code|text|kind|max_score|guidance|evidence_required)$")
ITEM_FIELDS = ("code", "text", "kind", "max_score", "guidance", "evidence_required")


@dataclass
class ItemRow:
    index: int
    code: str = ""
    text: str = ""
    kind: str = ItemKind.SCORED
    max_score: str = ""
    guidance: str = ""
    evidence_required: bool = False
    errors: dict[str, list[str]] = field(default_factory=dict)

    def is_blank(self) -> bool:
        return not (self.code or self.text or self.max_score or self.guidance)


@dataclass
class CriterionRow:
    index: int
    code: str = ""
    name: str = ""
    items: list[ItemRow] = field(default_factory=list)
    errors: dict[str, list[str]] = field(default_factory=dict)

    def is_blank(self) -> bool:
        return not (self.code or self.name) and all(i.is_blank() for i in self.items)


def rows_from_data(criteria: Sequence[Mapping[str, Any]]) -> list[CriterionRow]:
    """Editor rows for a checklist given as data (``queries.template_as_data``)."""
    rows = []
    for i, criterion in enumerate(criteria):
        row = CriterionRow(index=i, code=criterion["code"], name=criterion["name"])
        for j, item in enumerate(criterion["items"]):
            max_score = item.get("max_score")
            row.items.append(
                ItemRow(
                    index=j,
                    code=item["code"],
                    text=item["text"],
                    kind=item["kind"],
                    max_score="" if max_score is None else f"{max_score.normalize():f}",
                    guidance=item.get("guidance", ""),
                    evidence_required=bool(item.get("evidence_required")),
                )
            )
        rows.append(row)
    return rows


def rows_from_post(data: Mapping[str, Any]) -> list[CriterionRow]:
    """Editor rows as posted, in the order of their indexes (blank rows kept)."""
    criteria: dict[int, CriterionRow] = {}
    items: dict[tuple[int, int], ItemRow] = {}
    for key in data:
        if match := CRITERION_RE.match(key):
            i = int(match.group(1))
            row = criteria.setdefault(i, CriterionRow(index=i))
            setattr(row, match.group(2), str(data[key]).strip())
        elif match := ITEM_RE.match(key):
            i, j, name = int(match.group(1)), int(match.group(2)), match.group(3)
            criteria.setdefault(i, CriterionRow(index=i))
            item = items.setdefault((i, j), ItemRow(index=j))
            value = str(data[key]).strip()
            if name == "evidence_required":
                item.evidence_required = value in ("on", "1", "true", "yes")
            else:
                setattr(item, name, value)
    for (i, _j), item in sorted(items.items()):
        criteria[i].items.append(item)
    return [criteria[i] for i in sorted(criteria)]


def data_from_rows(
    rows: Sequence[CriterionRow],
) -> tuple[list[dict[str, Any]], dict[str, tuple[CriterionRow, ItemRow | None]]]:
    """The checklist data of the non-blank rows, and where each error path of
    ``template_edit`` (``criteria.<k>`` and ``criteria.<k>.items.<m>``) points."""
    data: list[dict[str, Any]] = []
    places: dict[str, tuple[CriterionRow, ItemRow | None]] = {}
    for row in rows:
        if row.is_blank():
            continue
        k = len(data)
        places[f"criteria.{k}"] = (row, None)
        entry: dict[str, Any] = {"code": row.code, "name": row.name, "items": []}
        for item in row.items:
            if item.is_blank():
                continue
            places[f"criteria.{k}.items.{len(entry['items'])}"] = (row, item)
            entry["items"].append(
                {
                    "code": item.code,
                    "text": item.text,
                    "kind": item.kind,
                    "max_score": item.max_score or None,
                    "guidance": item.guidance,
                    "evidence_required": item.evidence_required,
                }
            )
        data.append(entry)
    return data, places


def attach_errors(
    errors: Mapping[str, Sequence[str]],
    places: Mapping[str, tuple[CriterionRow, ItemRow | None]],
) -> list[str]:
    """Put ``template_edit``'s errors on the rows they name; returns the others."""
    general: list[str] = []
    for key, messages in errors.items():
        texts = [str(m) for m in messages]
        head, _dot, name = key.rpartition(".")
        for path, fieldname in ((key, "__all__"), (head, name)):
            if path in places:
                row, item = places[path]
                target = item.errors if item is not None else row.errors
                target.setdefault(fieldname, []).extend(texts)
                break
        else:
            general.extend(texts)
    return general


def with_blank_rows(rows: list[CriterionRow]) -> list[CriterionRow]:
    """The rows with one blank item per criterion and one blank criterion added, so the
    editor works without script (blank rows are ignored when saved)."""
    for row in rows:
        if not row.items or not row.items[-1].is_blank():
            row.items.append(ItemRow(index=max((i.index for i in row.items), default=-1) + 1))
    if not rows or not rows[-1].is_blank():
        index = max((r.index for r in rows), default=-1) + 1
        rows.append(CriterionRow(index=index, items=[ItemRow(index=0)]))
    return rows
