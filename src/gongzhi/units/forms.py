"""Forms of the unit pages. They only parse input; services validate and write."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from gongzhi.areas.models import District
from gongzhi.core.forms import BootstrapForm, DateInput
from gongzhi.units.models import UnitKind


def jurisdiction_choices() -> list[tuple[str, str]]:
    districts = District.objects.filter(archived_at__isnull=True).order_by("code")
    return [("municipal", str(_("Municipal")))] + [(d.code, d.name) for d in districts]


class UnitForm(BootstrapForm):
    code = forms.CharField(
        label=_("unified social credit code"),
        max_length=30,
        help_text=_("18 characters; spaces and lower case are corrected."),
    )
    name = forms.CharField(label=_("name"), max_length=100)
    short_name = forms.CharField(label=_("short name"), max_length=40, required=False)
    kind = forms.ChoiceField(label=_("kind"), choices=UnitKind.choices)
    jurisdiction = forms.ChoiceField(label=_("jurisdiction"), choices=())
    headcount = forms.IntegerField(label=_("staff headcount"), required=False)
    contact_name = forms.CharField(label=_("contact"), max_length=40, required=False)
    contact_phone = forms.CharField(label=_("contact phone"), max_length=20, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["jurisdiction"]
        assert isinstance(field, forms.ChoiceField)  # noqa: S101 - narrows the type
        field.choices = jurisdiction_choices()


class UnitContactForm(BootstrapForm):
    """What a unit liaison may change of their unit."""

    headcount = forms.IntegerField(label=_("staff headcount"), required=False)
    contact_name = forms.CharField(label=_("contact"), max_length=40, required=False)
    contact_phone = forms.CharField(label=_("contact phone"), max_length=20, required=False)


class MemberForm(BootstrapForm):
    name = forms.CharField(label=_("name"), max_length=40)
    phone = forms.CharField(label=_("phone"), max_length=20, required=False)
    is_party_member = forms.BooleanField(label=_("party member"), required=False)
    residence_community = forms.CharField(
        label=_("community of residence"),
        max_length=16,
        required=False,
        help_text=_("The community's 12-digit code, if the member reports there."),
    )
    id_number = forms.CharField(
        label=_("ID card number"),
        max_length=18,
        required=False,
        help_text=_("For the volunteer hours certificate and the national volunteer system."),
    )
    volunteer_code = forms.CharField(
        label=_("national volunteer number"), max_length=40, required=False
    )


class PairingForm(BootstrapForm):
    unit = forms.CharField(label=_("unit credit code"), max_length=30)
    community = forms.CharField(label=_("community code"), max_length=16)
    start = forms.DateField(label=_("from"), widget=DateInput())
    end = forms.DateField(
        label=_("until"),
        required=False,
        widget=DateInput(),
        help_text=_("Leave empty for an open-ended pairing."),
    )


class PairingEndForm(BootstrapForm):
    end = forms.DateField(label=_("until"), widget=DateInput())
