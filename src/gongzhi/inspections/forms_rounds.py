"""Forms of the round and group pages; the services validate, these only parse."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from gongzhi.core.forms import BootstrapForm, DateInput
from gongzhi.core.models import User
from gongzhi.inspections.models import ChecklistTemplate, InspectionGroup
from gongzhi.inspections.services_rounds import inspectors


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj} ({obj.username})" if str(obj) != obj.username else obj.username


class PeopleChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj} ({obj.username})" if str(obj) != obj.username else obj.username


class RoundForm(BootstrapForm):
    """A new round: number, name, period and the checklist (its current version)."""

    number = forms.IntegerField(label=_("Number"), min_value=1, max_value=32767)
    name = forms.CharField(label=_("Name"), max_length=80, required=False)
    start = forms.DateField(label=_("Start"), widget=DateInput())
    end = forms.DateField(label=_("End"), widget=DateInput())
    template = forms.ModelChoiceField(
        label=_("Checklist"),
        queryset=ChecklistTemplate.objects.filter(is_current=True).order_by("name"),
        required=False,
        empty_label=_("The default checklist"),
        help_text=_("The round keeps the version current now, whatever later edits make."),
    )


class GroupForm(BootstrapForm):
    """A group's name, leader, members (users with the inspector role) and whether active."""

    name = forms.CharField(label=_("Name"), max_length=60)
    leader = PersonChoiceField(
        label=_("Leader"),
        queryset=User.objects.none(),
        required=False,
        help_text=_("The leader is always a member too."),
    )
    members = PeopleChoiceField(
        label=_("Members"),
        queryset=User.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 10}),
        help_text=_(
            "Only users with the inspector role are listed. Hold Ctrl (⌘ on a Mac) to "
            "choose several."
        ),
    )
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        people = inspectors()
        self.fields["leader"].queryset = people  # type: ignore[attr-defined]
        self.fields["members"].queryset = people  # type: ignore[attr-defined]


class AssignForm(BootstrapForm):
    """The automatic assignment: municipal units, or district units too."""

    include_district_units = forms.BooleanField(
        label=_("Include the units of districts"), required=False
    )


class MoveForm(BootstrapForm):
    """Move one unit to another group."""

    unit_code = forms.CharField(label=_("Unit credit code"), max_length=18)
    group = forms.ModelChoiceField(
        label=_("Group"),
        queryset=InspectionGroup.objects.filter(is_active=True).order_by("name"),
        empty_label=None,
    )
