"""Forms of the area pages. They only parse input; services validate and write."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from gongzhi.areas.models import Street
from gongzhi.core.forms import BootstrapForm


class OutlineField(forms.JSONField):
    """A JSON field whose empty value shows as an empty box, not the word null."""

    def prepare_value(self, value: Any) -> Any:
        return "" if value is None else super().prepare_value(value)


class DistrictForm(BootstrapForm):
    code = forms.CharField(label=_("division code"), max_length=12)
    name = forms.CharField(label=_("name"), max_length=60)
    is_local_code = forms.BooleanField(
        label=_("local code"),
        required=False,
        help_text=_("For a functional area with no national code."),
    )


class StreetForm(BootstrapForm):
    code = forms.CharField(
        label=_("division code"),
        max_length=12,
        help_text=_("9 digits, beginning with the district's code."),
    )
    name = forms.CharField(label=_("name"), max_length=60)


class CommunityForm(BootstrapForm):
    street = forms.ModelChoiceField(label=_("street"), queryset=Street.objects.none())
    code = forms.CharField(
        label=_("division code"),
        max_length=16,
        help_text=_("12 digits, beginning with the street's code."),
    )
    name = forms.CharField(label=_("name"), max_length=60)
    outline = OutlineField(
        label=_("outline"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            'GeoJSON Polygon in WGS-84: {"type": "Polygon", "coordinates": [[[lng, lat], …]]}.'
        ),
    )
    centre_lat = forms.FloatField(
        label=_("centre latitude"),
        required=False,
        help_text=_("Leave both empty to use the outline's centre."),
    )
    centre_lng = forms.FloatField(label=_("centre longitude"), required=False)
    contact_name = forms.CharField(label=_("contact"), max_length=40, required=False)
    contact_phone = forms.CharField(label=_("contact phone"), max_length=20, required=False)

    def __init__(self, *args: Any, streets: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        street_field = self.fields["street"]
        assert isinstance(street_field, forms.ModelChoiceField)  # noqa: S101 - narrows the type
        street_field.queryset = streets


class CommunityContactForm(BootstrapForm):
    contact_name = forms.CharField(label=_("contact"), max_length=40, required=False)
    contact_phone = forms.CharField(label=_("contact phone"), max_length=20, required=False)


class CompoundForm(BootstrapForm):
    name = forms.CharField(label=_("name"), max_length=80)
    address = forms.CharField(label=_("address"), max_length=200, required=False)
    is_old = forms.BooleanField(label=_("old compound"), required=False)
    households = forms.IntegerField(label=_("households"), min_value=0, required=False)
