"""Forms of the unit pages. They only parse input; services validate and write."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from gongzhi.areas.models import District
from gongzhi.units.models import UnitKind


class BootstrapForm(forms.Form):
    """Bootstrap classes on every widget, ``is-invalid`` on fields with errors."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput):
                widget.attrs["class"] = "form-check-input"
            elif isinstance(widget, forms.Select):
                widget.attrs["class"] = "form-select"
            else:
                widget.attrs["class"] = "form-control"

    def full_clean(self) -> None:
        super().full_clean()
        self.mark_invalid()

    def mark_invalid(self) -> None:
        for name in self.errors:
            if name in self.fields:
                widget = self.fields[name].widget
                if "is-invalid" not in widget.attrs.get("class", ""):
                    widget.attrs["class"] = widget.attrs.get("class", "") + " is-invalid"

    def add_service_error(self, exc: ValidationError, names: dict[str, str] | None = None) -> None:
        """Put a service's errors next to the fields they name (others at the top)."""
        names = names or {}
        if hasattr(exc, "error_dict"):
            for field, errors in exc.error_dict.items():
                target = names.get(field, field)
                self.add_error(target if target in self.fields else None, errors)
        else:
            self.add_error(None, exc)
        self.mark_invalid()


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


class PairingForm(BootstrapForm):
    unit = forms.CharField(label=_("unit credit code"), max_length=30)
    community = forms.CharField(label=_("community code"), max_length=16)
    start = forms.DateField(label=_("from"), widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(
        label=_("until"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Leave empty for an open-ended pairing."),
    )


class PairingEndForm(BootstrapForm):
    end = forms.DateField(label=_("until"), widget=forms.DateInput(attrs={"type": "date"}))
