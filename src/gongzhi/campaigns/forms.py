"""Forms of the campaign pages: the rule preview, cancelling, the holiday year."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gongzhi.areas.models import Community, District
from gongzhi.campaigns.models import HolidayPolicy, IsoWeekday, ScheduleMode
from gongzhi.core.forms import BootstrapForm, DateInput


class RuleForm(BootstrapForm):
    weekday = forms.TypedChoiceField(
        label=gettext_lazy("Weekday"), choices=IsoWeekday.choices, coerce=int
    )
    nth = forms.CharField(
        label=gettext_lazy("Occurrences"),
        help_text=gettext_lazy("For example 2, 4 (the 2nd and 4th)."),
    )
    mode = forms.ChoiceField(label=gettext_lazy("Counting"), choices=ScheduleMode.choices)
    holiday_policy = forms.ChoiceField(
        label=gettext_lazy("On a holiday"), choices=HolidayPolicy.choices
    )
    allow_makeup_workdays = forms.BooleanField(
        label=gettext_lazy("Allow weekend make-up working days"), required=False
    )
    start_time = forms.TimeField(
        label=gettext_lazy("Start time"),
        widget=forms.TimeInput(format="%H:%M", attrs={"type": "time"}),
    )
    end_time = forms.TimeField(
        label=gettext_lazy("End time"),
        widget=forms.TimeInput(format="%H:%M", attrs={"type": "time"}),
    )
    year = forms.IntegerField(label=gettext_lazy("Preview year"), min_value=2000, max_value=2100)
    force = forms.BooleanField(
        label=gettext_lazy("Also change sessions that have records (cancelled ones)"),
        required=False,
    )

    def clean_nth(self) -> list[int]:
        raw = self.cleaned_data["nth"]
        parts = [p for p in re.split(r"[\s,，、]+", raw) if p]
        if not parts or not all(p.isdigit() and 1 <= int(p) <= 5 for p in parts):
            raise forms.ValidationError(_("Give numbers from 1 to 5, for example 2, 4."))
        return sorted({int(p) for p in parts})

    def rule_values(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            key: data[key]
            for key in (
                "weekday",
                "nth",
                "mode",
                "holiday_policy",
                "allow_makeup_workdays",
                "start_time",
                "end_time",
            )
        }


class CancelForm(BootstrapForm):
    reason = forms.CharField(
        label=gettext_lazy("Reason"),
        max_length=200,
        help_text=gettext_lazy("For example: heavy rain warning."),
    )


WORKDAY_WORDS = {"workday", "work", "上班", "补班", "调休上班"}
LINE_RE = re.compile(r"^(\d{4}-\d{2}-\d{2})(?:\s*(?:\.\.|~|至)\s*(\d{4}-\d{2}-\d{2}))?\s*(.*)$")


def parse_holiday_lines(text: str, year: int) -> list[tuple[dt.date, bool, str]]:
    """Parse ``2027-01-01 元旦`` (a day off), ``2027-02-07 workday`` (make-up day) lines.

    ``2027-10-01..2027-10-07 国庆节`` gives a range. Errors name the line.
    """
    out: list[tuple[dt.date, bool, str]] = []
    errors: list[str] = []
    seen: set[dt.date] = set()
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        match = LINE_RE.match(line)
        if not match:
            errors.append(
                _("Line %(n)s: start with a date as YYYY-MM-DD (%(line)s).")
                % {"n": number, "line": line}
            )
            continue
        try:
            first = dt.date.fromisoformat(match.group(1))
            last = dt.date.fromisoformat(match.group(2)) if match.group(2) else first
        except ValueError:
            errors.append(_("Line %(n)s: no such date (%(line)s).") % {"n": number, "line": line})
            continue
        words = match.group(3).split()
        is_workday = bool(words) and words[0].lower() in WORKDAY_WORDS
        name = " ".join(words[1:] if is_workday else words)
        if first.year != year or last.year != year:
            errors.append(
                _("Line %(n)s: the date is not in %(year)s.") % {"n": number, "year": year}
            )
            continue
        if last < first:
            errors.append(_("Line %(n)s: the range ends before it starts.") % {"n": number})
            continue
        day = first
        while day <= last:
            if is_workday and day.isoweekday() < 6:
                errors.append(
                    _("Line %(n)s: %(date)s is a weekday, it cannot be a make-up working day.")
                    % {"n": number, "date": day.isoformat()}
                )
            elif day in seen:
                errors.append(
                    _("Line %(n)s: %(date)s is already given.")
                    % {"n": number, "date": day.isoformat()}
                )
            else:
                seen.add(day)
                out.append((day, not is_workday, name))
            day += dt.timedelta(days=1)
    if errors:
        raise forms.ValidationError(errors)
    return out


class HolidayYearForm(BootstrapForm):
    year = forms.IntegerField(label=gettext_lazy("Year"), min_value=2000, max_value=2100)
    notice = forms.CharField(
        label=gettext_lazy("Notice"),
        max_length=200,
        required=False,
        help_text=gettext_lazy("The State Council notice, e.g. 国办发明电〔2026〕7号."),
    )
    lines = forms.CharField(
        label=gettext_lazy("Days off and make-up working days"),
        widget=forms.Textarea(attrs={"rows": 14, "class": "font-monospace"}),
        help_text=gettext_lazy(
            "One line each: '2027-01-01 元旦' is a day off, '2027-02-07 workday 春节' a weekend "
            "working day; '2027-10-01..2027-10-07 国庆节' gives a range."
        ),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if "year" in data and "lines" in data:
            try:
                data["dates"] = parse_holiday_lines(data["lines"], data["year"])
            except forms.ValidationError as exc:
                self.add_error("lines", exc)
        return data


class CommunityChoiceField(forms.ModelMultipleChoiceField):
    """Communities by code, labelled with their street and district for the search box."""

    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.name} · {obj.street.name} · {obj.street.district.name}"


def _community_queryset() -> Any:
    return Community.objects.active().select_related("street__district").order_by("code")


class CampaignEditForm(BootstrapForm):
    """Name, end date and communities of an existing campaign (the rule has its own page)."""

    name = forms.CharField(label=gettext_lazy("Campaign name"), max_length=100)
    end = forms.DateField(
        label=gettext_lazy("End"),
        required=False,
        widget=DateInput(),
        help_text=gettext_lazy("Leave empty for an open-ended campaign."),
    )
    districts = forms.ModelMultipleChoiceField(
        label=gettext_lazy("All communities of a district"),
        queryset=District.objects.active().order_by("code"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy(
            "Every community of the ticked districts is added to those chosen below."
        ),
    )
    communities = CommunityChoiceField(
        label=gettext_lazy("Communities"),
        queryset=_community_queryset(),
        to_field_name="code",
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 10, "data-searchable": "1"}),
        help_text=gettext_lazy(
            "Type in the search box to filter; hold Ctrl (or tap, on a phone) to pick several."
        ),
    )

    def community_codes(self) -> list[str]:
        """The chosen communities plus every active community of the chosen districts."""
        data = self.cleaned_data
        codes = {c.code for c in data.get("communities") or []}
        districts = list(data.get("districts") or [])
        if districts:
            codes |= set(
                Community.objects.active()
                .filter(street__district__in=districts)
                .values_list("code", flat=True)
            )
        return sorted(codes)

    def values(self) -> dict[str, Any]:
        """The services' write shape."""
        data = self.cleaned_data
        return {
            "name": data["name"],
            "end": data.get("end"),
            "community_codes": self.community_codes(),
        }


class CampaignCreateForm(CampaignEditForm):
    """Everything a new campaign needs: the edit fields plus its slug, start and rule."""

    slug = forms.SlugField(
        label=gettext_lazy("Short name"),
        max_length=40,
        help_text=gettext_lazy(
            "Letters, digits and hyphens; used in addresses and the schedule command."
        ),
    )
    start = forms.DateField(
        label=gettext_lazy("Start"),
        widget=DateInput(),
    )
    weekday = RuleForm.base_fields["weekday"]
    nth = RuleForm.base_fields["nth"]
    mode = RuleForm.base_fields["mode"]
    start_time = RuleForm.base_fields["start_time"]
    end_time = RuleForm.base_fields["end_time"]
    holiday_policy = RuleForm.base_fields["holiday_policy"]
    allow_makeup_workdays = RuleForm.base_fields["allow_makeup_workdays"]

    field_order = [
        "slug",
        "name",
        "start",
        "end",
        "weekday",
        "nth",
        "mode",
        "start_time",
        "end_time",
        "holiday_policy",
        "allow_makeup_workdays",
        "districts",
        "communities",
    ]

    clean_nth = RuleForm.clean_nth

    def values(self) -> dict[str, Any]:
        data = self.cleaned_data
        values = super().values()
        values.update({key: data[key] for key in ("slug", "start", *RULE_KEYS)})
        return values


RULE_KEYS = (
    "weekday",
    "nth",
    "mode",
    "holiday_policy",
    "allow_makeup_workdays",
    "start_time",
    "end_time",
)
