"""The bulletin form: period, filters, session of the participation table, number, title,
issuer and the office's texts. It only parses: the period and the filters through
:func:`gongzhi.stats.filters.parse_filter` (errors under the same names as the API's
parameters), everything else through the services."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from gongzhi.areas.models import District
from gongzhi.core.forms import BootstrapForm, DateInput
from gongzhi.problems.models import Category
from gongzhi.stats import queries_bulletins as queries
from gongzhi.stats.figures import MUNICIPAL, StatsFilter
from gongzhi.stats.filters import CODE_PARAMS, parse_filter

#: Codes typed into a text box: separated by commas, spaces or new lines.
SEPARATORS = re.compile(r"[\s,，、;；]+")


class SessionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.date:%Y-%m-%d} · {obj.campaign.name}"


def _codes(value: str) -> list[str]:
    return [code for code in SEPARATORS.split(value or "") if code]


class BulletinForm(BootstrapForm):
    """A draft's fields; ``cleaned_data`` gives ``filter`` (a StatsFilter) and ``session``."""

    start = forms.DateField(label=_("From"), widget=DateInput())
    end = forms.DateField(label=_("Until"), widget=DateInput())
    jurisdiction = forms.MultipleChoiceField(
        label=_("Only the units of"),
        required=False,
        help_text=_("The unit's jurisdiction; none chosen: all units."),
    )
    exclude_jurisdiction = forms.MultipleChoiceField(
        label=_("Leaving out the units of"),
        required=False,
        help_text=_("The bulletin states what it leaves out."),
    )
    district = forms.MultipleChoiceField(
        label=_("Only communities in"), required=False, help_text=_("The community's district.")
    )
    exclude_district = forms.MultipleChoiceField(
        label=_("Leaving out communities in"), required=False
    )
    unit = forms.CharField(
        label=_("Only these units"),
        required=False,
        help_text=_("Credit codes, separated by spaces or commas."),
    )
    community = forms.CharField(
        label=_("Only these communities"),
        required=False,
        help_text=_("12-digit community codes, separated by spaces or commas."),
    )
    category = forms.MultipleChoiceField(label=_("Only these problem categories"), required=False)
    session = SessionChoiceField(
        label=_("Session of the participation table"),
        queryset=queries.held_sessions(),
        required=False,
        empty_label=_("Automatic: the first held session of the period's last month"),
    )
    number = forms.CharField(
        label=_("Document number"),
        max_length=60,
        required=False,
        help_text=_("E.g. 随创城办〔2021〕12号; needed to issue."),
    )
    title = forms.CharField(label=_("Title"), max_length=120)
    issuer = forms.CharField(
        label=_("Issuing office"),
        max_length=60,
        help_text=_("The red header, e.g. 随州市创城工作指挥部办公室."),
    )
    problems_text = forms.CharField(
        label=_("Problems found (三、存在问题)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Left empty, the bulletin prints a standard text."),
    )
    requirements_text = forms.CharField(
        label=_("Next steps (四、下步要求)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Left empty, the bulletin prints a standard text."),
    )

    def __init__(self, *args: Any, narrow_sessions: bool = True, **kwargs: Any) -> None:
        """``narrow_sessions``: offer only the sessions of the period shown (off for a new
        form whose period is only a default, so every held session is offered)."""
        super().__init__(*args, **kwargs)
        districts = list(District.objects.order_by("code").values_list("code", "name"))
        jurisdictions = [(MUNICIPAL, _("Municipal units (市直)")), *districts]
        for name, choices in (
            ("jurisdiction", jurisdictions),
            ("exclude_jurisdiction", jurisdictions),
            ("district", districts),
            ("exclude_district", districts),
            ("category", list(Category.objects.order_by("code").values_list("code", "name"))),
        ):
            field = self.fields[name]
            field.choices = choices  # type: ignore[attr-defined]
            field.widget.attrs["size"] = min(max(len(choices), 2), 6)
        period = self._period() if narrow_sessions or self.is_bound else None
        if period is not None:
            self.fields["session"].queryset = queries.held_sessions(*period)  # type: ignore[attr-defined]

    def _period(self) -> tuple[dt.date, dt.date] | None:
        """The period the form shows, to list only its sessions (None: not known yet)."""
        source = self.data if self.is_bound else self.initial
        try:
            start = dt.date.fromisoformat(str(source.get("start") or ""))
            end = dt.date.fromisoformat(str(source.get("end") or ""))
        except ValueError:
            return None
        return (start, end) if start <= end else None

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if "start" not in data or "end" not in data:
            return data
        raw: dict[str, Any] = {"start": data["start"], "end": data["end"]}
        for name in CODE_PARAMS:
            value = data.get(name) or []
            raw[name] = _codes(value) if isinstance(value, str) else list(value)
        try:
            data["filter"] = parse_filter(raw)
        except ValidationError as exc:
            for name, messages in exc.message_dict.items():
                self.add_error(name if name in self.fields else None, messages)
        return data

    @staticmethod
    def initial_for(f: StatsFilter) -> dict[str, Any]:
        """Initial values showing ``f`` (period and filters)."""
        initial: dict[str, Any] = {"start": f.start, "end": f.end}
        for name, field in CODE_PARAMS.items():
            codes = list(getattr(f, field))
            initial[name] = " ".join(codes) if name in ("unit", "community") else codes
        return initial
