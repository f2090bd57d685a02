"""Forms of the session pages: the plan, the unit's attendance entry (phone-sized), the
office's correction and an absence. They parse; the services decide."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from gongzhi.activities.models import CleanupTask
from gongzhi.activities.validation import MAX_TASKS, allowed_measures, measure_label
from gongzhi.core.forms import BootstrapForm
from gongzhi.problems.forms import PhotosField
from gongzhi.problems.models import Category

#: The unit choice that opens the fields of a unit not paired that day.
OTHER_UNIT = "__other__"

TIME_INPUT = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")


def measures_by_category(categories: list[Category]) -> dict[str, list[list[str]]]:
    """For the task rows' script: each category's measures as ``[value, label]`` pairs."""
    return {c.code: [[m, measure_label(m)] for m in allowed_measures(c)] for c in categories}


@dataclass
class TaskRow:
    """One task row as typed, with the errors the service found on it."""

    category_code: str = ""
    quantity: str = ""
    measure: str = ""
    errors: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, str]:
        return {
            "category_code": self.category_code,
            "quantity": self.quantity,
            "measure": self.measure,
        }


def task_rows(data: QueryDict | None) -> list[TaskRow]:
    """The repeated task fields of a POST (``task_category``, ``task_quantity``,
    ``task_measure``) as rows; rows left wholly empty are dropped."""
    if data is None:
        return []
    columns = [data.getlist(name) for name in ("task_category", "task_quantity", "task_measure")]
    size = min(max((len(c) for c in columns), default=0), MAX_TASKS + 1)
    rows = []
    for index in range(size):
        values = [c[index].strip() if index < len(c) else "" for c in columns]
        if values[0] or values[1]:
            rows.append(TaskRow(category_code=values[0], quantity=values[1], measure=values[2]))
    return rows


def attach_task_errors(rows: list[TaskRow], errors: dict[str, list[str]]) -> list[str]:
    """Put the service's ``tasks.<row>.<field>`` errors on their rows; returns the others."""
    rest = []
    for key, messages in errors.items():
        parts = key.split(".")
        if len(parts) >= 2 and parts[1].isdigit() and int(parts[1]) < len(rows):
            rows[int(parts[1])].errors.extend(messages)
        else:
            rest.extend(messages)
    return rest


class PlanForm(BootstrapForm):
    meeting_point = forms.CharField(label=_("Meeting point"), max_length=120, required=False)
    meeting_time = forms.TimeField(label=_("Meeting time"), required=False, widget=TIME_INPUT)
    contact_name = forms.CharField(label=_("Community contact"), max_length=40, required=False)
    contact_phone = forms.CharField(label=_("Contact phone"), max_length=20, required=False)
    tasks = forms.MultipleChoiceField(
        label=_("Clean-up tasks"),
        choices=CleanupTask.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    problem_numbers = forms.MultipleChoiceField(
        label=_("Problems from the ledger"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Open problems of the community."),
    )
    notes = forms.CharField(
        label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args: Any, problems: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["problem_numbers"].choices = problems  # type: ignore[attr-defined]
        for name in ("tasks", "problem_numbers"):
            self.fields[name].widget.attrs["class"] = "form-check-input"


class AttendanceForm(BootstrapForm):
    """The unit's entry form; area staff and the office may also add a unit not paired."""

    unit = forms.ChoiceField(label=_("Unit"))
    other_unit_code = forms.CharField(
        label=_("Credit code of the unit"),
        max_length=18,
        required=False,
        help_text=_("A unit not paired with the community that day."),
    )
    added_reason = forms.CharField(label=_("Why it is added"), max_length=200, required=False)
    headcount = forms.IntegerField(
        label=_("People who came (person-times)"),
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "min": 1}),
    )
    leader_name = forms.CharField(label=_("Team leader"), max_length=40, required=False)
    leader_rank = forms.CharField(label=_("Leader's post"), max_length=60, required=False)
    principal_leader_led = forms.BooleanField(
        label=_("The unit's principal leader led the team"), required=False
    )
    start_time = forms.TimeField(label=_("Start"), required=False, widget=TIME_INPUT)
    end_time = forms.TimeField(label=_("End"), required=False, widget=TIME_INPUT)
    problem_numbers = forms.MultipleChoiceField(
        label=_("Problems handled"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    notes = forms.CharField(
        label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    photos_before = PhotosField(label=_("Photos before"), help_text=_("At most 9."))
    photos_after = PhotosField(label=_("Photos after"), help_text=_("At most 9."))

    def __init__(
        self,
        *args: Any,
        units: list[tuple[str, str]],
        may_add: bool,
        problems: list[tuple[str, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        choices = list(units)
        if may_add:
            choices.append((OTHER_UNIT, str(_("Another unit (not paired that day)…"))))
        else:
            del self.fields["other_unit_code"]
            del self.fields["added_reason"]
        self.fields["unit"].choices = choices  # type: ignore[attr-defined]
        self.fields["problem_numbers"].choices = problems  # type: ignore[attr-defined]
        self.fields["problem_numbers"].widget.attrs["class"] = "form-check-input"
        for name in ("photos_before", "photos_after"):
            self.fields[name].widget.attrs["capture"] = "environment"

    def unit_code(self) -> str:
        chosen = self.cleaned_data.get("unit", "")
        if chosen == OTHER_UNIT:
            return str(self.cleaned_data.get("other_unit_code") or "").strip()
        return str(chosen)


class CorrectionForm(BootstrapForm):
    """The office's correction: the values to change and the reason (kept in history)."""

    reason = forms.CharField(
        label=_("Reason for the correction"),
        max_length=100,
        help_text=_("Kept in the history with the change."),
    )
    headcount = forms.IntegerField(label=_("People who came (person-times)"))
    leader_name = forms.CharField(label=_("Team leader"), max_length=40, required=False)
    leader_rank = forms.CharField(label=_("Leader's post"), max_length=60, required=False)
    principal_leader_led = forms.BooleanField(
        label=_("The unit's principal leader led the team"), required=False
    )
    start_time = forms.TimeField(label=_("Start"), required=False, widget=TIME_INPUT)
    end_time = forms.TimeField(label=_("End"), required=False, widget=TIME_INPUT)
    notes = forms.CharField(
        label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class AbsenceForm(BootstrapForm):
    unit = forms.ChoiceField(label=_("Unit"))
    reason = forms.CharField(label=_("Why it does not come"), max_length=200)

    def __init__(self, *args: Any, units: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].choices = units  # type: ignore[attr-defined]
