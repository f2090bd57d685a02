"""Forms of the ranking pages: which ranking to show, and the office's ranking rules."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gongzhi.core.forms import BootstrapForm, DateInput
from gongzhi.inspections.rankings import Span

HUNDRED = Decimal(100)


class RankingFilterForm(BootstrapForm):
    """``?round=N`` (one round), ``?until_round=N`` (cumulative up to round N) or
    ``?start=…&end=…`` (cumulative over a period); nothing: the latest round."""

    round = forms.IntegerField(label=gettext_lazy("Round"), required=False, min_value=1)
    until_round = forms.IntegerField(
        label=gettext_lazy("Cumulative up to round"), required=False, min_value=1
    )
    start = forms.DateField(label=gettext_lazy("From"), required=False, widget=DateInput())
    end = forms.DateField(label=gettext_lazy("To"), required=False, widget=DateInput())

    def __init__(self, *args: Any, round_numbers: Sequence[int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.round_numbers = list(round_numbers)

    def _known(self, name: str) -> int | None:
        number = self.cleaned_data.get(name)
        if number is not None and number not in self.round_numbers:
            self.add_error(name, _("There is no round %(number)d.") % {"number": number})
            return None
        return number

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        chosen = [
            name
            for name, given in (
                ("round", data.get("round") is not None),
                ("until_round", data.get("until_round") is not None),
                ("start", bool(data.get("start") or data.get("end"))),
            )
            if given
        ]
        if len(chosen) > 1:
            raise forms.ValidationError(
                _("Choose one ranking: a round, cumulative up to a round, or a period.")
            )
        self._known("round")
        self._known("until_round")
        start, end = data.get("start"), data.get("end")
        if "start" in self.errors or "end" in self.errors:
            pass
        elif (start is None) != (end is None):
            missing = "end" if end is None else "start"
            self.add_error(missing, _("Give both the start and the end of the period."))
        elif start and end and end < start:
            self.add_error("end", _("The end comes before the start."))
        return data

    def span(self, default_round: int | None) -> Span | None:
        """The ranking asked for (the form must be valid), or the latest round's."""
        data = self.cleaned_data
        if data.get("round") is not None:
            return Span.round(data["round"])
        if data.get("until_round") is not None:
            return Span.until_round(data["until_round"])
        if data.get("start") and data.get("end"):
            return Span.period(data["start"], data["end"])
        return Span.round(default_round) if default_round is not None else None


def _percent_field(label: Any) -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        min_value=0,
        max_value=100,
        max_digits=4,
        decimal_places=1,
        widget=forms.NumberInput(attrs={"step": "0.1", "inputmode": "decimal"}),
        help_text=gettext_lazy("Percent, 0 to 100."),
    )


def _score_field(label: Any) -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        min_value=0,
        max_value=100,
        max_digits=4,
        decimal_places=1,
        widget=forms.NumberInput(attrs={"step": "0.5", "inputmode": "decimal"}),
    )


class RulesForm(BootstrapForm):
    """The ranking rules as the office edits them: rectification rates in percent."""

    excellent_min = _score_field(gettext_lazy("Excellent (优秀) from"))
    good_min = _score_field(gettext_lazy("Good (良好) from"))
    fair_min = _score_field(gettext_lazy("Fair (一般) from"))
    min_inspections = forms.IntegerField(
        label=gettext_lazy("Inspections needed to be ranked in a round"),
        min_value=1,
        max_value=50,
    )
    cumulative_min_inspections = forms.IntegerField(
        label=gettext_lazy("Inspections needed for the cumulative ranking"),
        min_value=1,
        max_value=50,
    )
    red_top = forms.IntegerField(
        label=gettext_lazy("Red list: top places"),
        min_value=0,
        max_value=1000,
        help_text=gettext_lazy("Units tied at the last place are all in. 0: no red list."),
    )
    red_min_rectification = _percent_field(gettext_lazy("Red list: rectification rate at least"))
    black_bottom = forms.IntegerField(
        label=gettext_lazy("Black list: bottom places"),
        min_value=0,
        max_value=1000,
        help_text=gettext_lazy("Units tied at the cut-off are all in. 0: none by place."),
    )
    black_max_rectification = _percent_field(gettext_lazy("Black list: rectification rate below"))

    RATE_FIELDS = ("red_min_rectification", "black_max_rectification")

    @classmethod
    def initial_from(cls, rules: Any) -> dict[str, Any]:
        """The form's values for ``rules`` (rates shown in percent)."""
        values = {name: getattr(rules, name) for name in cls.base_fields}
        for name in cls.RATE_FIELDS:
            values[name] = (Decimal(str(values[name])) * HUNDRED).quantize(Decimal("0.1"))
        return values

    def service_values(self) -> dict[str, Any]:
        """The cleaned values as the service takes them (rates as fractions of 1)."""
        values = dict(self.cleaned_data)
        for name in self.RATE_FIELDS:
            values[name] = values[name] / HUNDRED
        return values
