"""Forms of the funds pages: the ledger's filters, a contribution, its archiving.

They parse input and offer the choices in the user's scope; the services in
:mod:`gongzhi.activities.services_funds` validate what matters and write.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gongzhi.activities import services_funds
from gongzhi.areas.models import Community
from gongzhi.core.codes import normalise_code
from gongzhi.core.forms import BootstrapForm, DateInput
from gongzhi.core.money import parse_money
from gongzhi.core.scoping import area_q, scope_of
from gongzhi.problems.forms import PhotosField
from gongzhi.units.models import Pairing, Unit
from gongzhi.units.queries import units_visible_to

#: A select lists at most this many units or communities; beyond, the code is typed.
MAX_OPTIONS = 500

DATE_WIDGET = DateInput()

Choices = list[tuple[str, str]]


def _options(qs: QuerySet[Any], chosen: str = "") -> Choices | None:
    """(code, name) choices from ``qs`` by code, with ``chosen`` kept in; ``None`` when
    there are more than :data:`MAX_OPTIONS` (the field then takes a typed code)."""
    rows = list(qs.order_by("code").values_list("code", "name")[: MAX_OPTIONS + 1])
    if len(rows) > MAX_OPTIONS:
        return None
    options = [(str(code), f"{name}") for code, name in rows]
    if chosen and chosen not in {code for code, _name in options}:
        found = qs.filter(code=chosen).values_list("code", "name").first()
        if found is not None:
            options.append((str(found[0]), str(found[1])))
    return options


def _code_field(form: forms.Form, name: str, options: Choices | None, blank: str | None) -> None:
    """Make ``name`` a select of ``options``, or a typed code when there are too many."""
    field = form.fields[name]
    if options is None:
        form.fields[name] = forms.CharField(
            label=field.label,
            required=field.required,
            max_length=20,
            help_text=_("Type the code."),
        )
        form.fields[name].widget.attrs["class"] = "form-control"
        return
    choice = forms.ChoiceField(label=field.label, required=field.required)
    choice.choices = ([("", blank)] if blank is not None else []) + options
    choice.widget.attrs["class"] = "form-select"
    form.fields[name] = choice


def recordable_units(user: Any) -> QuerySet[Unit]:
    """Active units ``user`` may record contributions for."""
    scope = scope_of(user)
    qs = Unit.objects.filter(archived_at__isnull=True)
    return qs if scope.is_office else qs.filter(pk__in=scope.unit_ids)


def recordable_communities(user: Any) -> QuerySet[Community]:
    """Active communities ``user`` may name: all for the office, the communities their
    units are or were paired with for a liaison (the service checks the date)."""
    scope = scope_of(user)
    qs = Community.objects.filter(archived_at__isnull=True)
    if scope.is_office:
        return qs
    paired = Pairing.objects.filter(unit_id__in=scope.unit_ids, archived_at__isnull=True)
    return qs.filter(pk__in=paired.values("community_id"))


def ledger_units(user: Any) -> QuerySet[Unit]:
    return units_visible_to(user)


def ledger_communities(user: Any) -> QuerySet[Community]:
    """Communities the reader's ledger can hold contributions for."""
    scope = scope_of(user)
    qs = Community.objects.all()
    if scope.sees_everything:
        return qs
    q = area_q(scope, "")
    if scope.unit_ids or scope.district_ids:
        q |= Q(pk__in=recordable_communities(user).values("pk"))
    return qs.filter(q)


class FundsFilterForm(BootstrapForm):
    """The ledger's and the totals page's filters, read from the URL (a GET form)."""

    unit = forms.CharField(label=_("Unit"), required=False)
    community = forms.CharField(label=_("Community"), required=False)
    start = forms.DateField(label=_("From"), required=False, widget=DATE_WIDGET)
    end = forms.DateField(label=_("Until"), required=False, widget=DATE_WIDGET)

    def __init__(self, data: Mapping[str, Any] | None, *, user: Any) -> None:
        super().__init__(data)
        get = (data or {}).get
        unit = normalise_code(str(get("unit") or ""))
        community = normalise_code(str(get("community") or ""))
        _code_field(self, "unit", _options(ledger_units(user), unit), str(_("All units")))
        _code_field(
            self,
            "community",
            _options(ledger_communities(user), community),
            str(_("All communities")),
        )

    def clean_unit(self) -> str:
        return normalise_code(self.cleaned_data.get("unit") or "")

    def clean_community(self) -> str:
        return normalise_code(self.cleaned_data.get("community") or "")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("start"), data.get("end")
        if start and end and start > end:
            self.add_error("end", _("The end comes before the start."))
        return data


class AmountField(forms.CharField):
    """Money as people type it ("8万", "80,000.00", "¥80,000"); cleans to integer fen."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("label", _("Amount (yuan)"))
        kwargs.setdefault("max_length", 40)
        kwargs.setdefault("help_text", _("For example 8万, 8.5万, 80000 or 80,000.00."))
        super().__init__(**kwargs)

    def widget_attrs(self, widget: forms.Widget) -> dict[str, Any]:
        attrs = super().widget_attrs(widget)
        attrs.update({"autocomplete": "off", "placeholder": "8万"})
        return attrs

    def clean(self, value: Any) -> Any:
        text = super().clean(value)
        if not text and not self.required:
            return None
        return parse_money(text)


class _ContributionFields(BootstrapForm):
    date = forms.DateField(label=_("Date"), widget=DATE_WIDGET)
    amount = AmountField()
    purpose = forms.CharField(
        label=_("Purpose"),
        required=False,
        max_length=services_funds.PURPOSE_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    problem_numbers = forms.CharField(
        label=_("Problems solved with it"),
        required=False,
        help_text=_("Problem numbers from the ledger, separated by commas."),
    )
    receipts = PhotosField(label=_("Receipt photos"))

    def _finish(self) -> None:
        self.fields["receipts"].widget.attrs["accept"] = "image/*"
        self.fields["amount"].widget.attrs.update(
            {
                "hx-get": reverse("activities:funds_amount"),
                "hx-trigger": "input changed delay:300ms",
                "hx-target": "#amount-preview",
                "hx-swap": "innerHTML",
            }
        )


class ContributionForm(_ContributionFields):
    """A new contribution, on a phone: unit, community, date, amount, purpose, receipts."""

    unit = forms.CharField(label=_("Unit"))
    community = forms.CharField(label=_("Community"))
    allow_duplicate = forms.BooleanField(
        label=_("Record it anyway: it is a second payment"), required=False
    )

    field_order = ["unit", "community", "date", "amount", "purpose", "problem_numbers"]

    def __init__(self, data: Any = None, files: Any = None, *, user: Any, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {})
        kwargs["initial"].setdefault("date", timezone.localdate())
        super().__init__(data, files, **kwargs)
        get = (data or {}).get
        unit = normalise_code(str(get("unit") or self.initial.get("unit") or ""))
        community = normalise_code(str(get("community") or self.initial.get("community") or ""))
        units = _options(recordable_units(user), unit)
        if units is not None and len(units) == 1:
            self.initial.setdefault("unit", units[0][0])
        _code_field(self, "unit", units, None if units and len(units) == 1 else "—")
        _code_field(self, "community", _options(recordable_communities(user), community), "—")
        self.order_fields(self.field_order)
        self.show_duplicate = bool(data and data.get("allow_duplicate"))
        self._finish()

    def clean_unit(self) -> str:
        return normalise_code(self.cleaned_data.get("unit") or "")

    def clean_community(self) -> str:
        return normalise_code(self.cleaned_data.get("community") or "")

    def add_service_error(self, exc: ValidationError, names: dict[str, str] | None = None) -> None:
        if hasattr(exc, "error_dict") and "allow_duplicate" in exc.error_dict:
            self.show_duplicate = True
        super().add_service_error(exc, names)


class ContributionEditForm(_ContributionFields):
    """A change to a contribution: its unit stays; receipts given are added; after the
    edit window the office gives a reason."""

    community = forms.CharField(label=_("Community"))
    reason = forms.CharField(
        label=_("Reason for the change"),
        required=False,
        max_length=services_funds.REASON_MAX,
    )

    field_order = ["community", "date", "amount", "purpose", "problem_numbers", "receipts"]

    def __init__(
        self,
        data: Any = None,
        files: Any = None,
        *,
        user: Any,
        reason_required: bool,
        current: Community | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(data, files, **kwargs)
        get = (data or {}).get
        community = normalise_code(str(get("community") or self.initial.get("community") or ""))
        options = _options(recordable_communities(user), community)
        # The contribution's own community stays choosable, paired or not any more.
        if (
            options is not None
            and current is not None
            and current.code not in {code for code, _name in options}
        ):
            options.append((current.code, current.name))
        _code_field(self, "community", options, "—")
        self.fields["receipts"].label = _("Add receipt photos")
        if reason_required:
            self.fields["reason"].required = True
        else:
            del self.fields["reason"]
        self.order_fields(self.field_order)
        self._finish()

    def clean_community(self) -> str:
        return normalise_code(self.cleaned_data.get("community") or "")


class ArchiveForm(BootstrapForm):
    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        max_length=services_funds.REASON_MAX,
    )

    def __init__(self, data: Any = None, *, reason_required: bool) -> None:
        super().__init__(data)
        self.fields["reason"].required = reason_required
