"""Forms of the check-in, hours and certificate pages.

Locations are read by the browser (navigator.geolocation) into hidden fields and
checked by the services, which name the field in their messages.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gongzhi.core.forms import BootstrapForm, DateInput

DATE_WIDGET = DateInput()


class LocationForm(forms.Form):
    """Where the member stands, as the browser reported it (hidden fields)."""

    lat = forms.CharField(required=False, max_length=40, widget=forms.HiddenInput)
    lng = forms.CharField(required=False, max_length=40, widget=forms.HiddenInput)
    accuracy = forms.CharField(required=False, max_length=40, widget=forms.HiddenInput)


class PeriodForm(BootstrapForm):
    """A period of service dates, by default the current year up to today."""

    start = forms.DateField(label=gettext_lazy("From"), required=False, widget=DATE_WIDGET)
    end = forms.DateField(label=gettext_lazy("Until"), required=False, widget=DATE_WIDGET)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        today = timezone.localdate()
        if "start" not in self.errors:
            data["start"] = data.get("start") or dt.date(today.year, 1, 1)
        if "end" not in self.errors:
            data["end"] = data.get("end") or today
        if "start" in data and "end" in data and data["end"] < data["start"]:
            self.add_error("end", _("The end date must not lie before the start date."))
        return data


class HoursFilterForm(PeriodForm):
    """The period, and for the office a unit by its credit code."""

    unit = forms.CharField(label=gettext_lazy("Unit (credit code)"), required=False, max_length=18)

    def __init__(self, *args: Any, with_unit: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not with_unit:
            del self.fields["unit"]


class CertificateIssueForm(BootstrapForm):
    """The period a certificate covers."""

    start = forms.DateField(label=gettext_lazy("Service from"), widget=DATE_WIDGET)
    end = forms.DateField(label=gettext_lazy("Service until"), widget=DATE_WIDGET)
