"""Forms of the ledger pages. They parse input and offer the choices in the user's
scope; the services validate what matters and write."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from django import forms
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from gongzhi.areas.models import Community, Compound, District, Street
from gongzhi.core.codes import normalise_code
from gongzhi.core.forms import BootstrapForm, DateInput
from gongzhi.core.models import Role
from gongzhi.core.scoping import area_q, scope_of
from gongzhi.problems import queries, workflow
from gongzhi.problems.extra_questions import ExtraQuestionsForm
from gongzhi.problems.models import (
    EscalationKind,
    Priority,
    Problem,
    ProblemSource,
    ProblemState,
    Satisfaction,
)
from gongzhi.problems.workflow import Evidence, Transition
from gongzhi.units.models import Unit
from gongzhi.units.queries import units_visible_to

#: A select lists at most this many areas or units; narrow by district or street for more.
MAX_OPTIONS = 500

DATE_WIDGET = DateInput()

Choices = list[tuple[str, str]]


class MultiplePhotoInput(forms.FileInput):
    allow_multiple_selected = True


class PhotosField(forms.Field):
    """Several image files; the services check each one (format, size, pixels)."""

    widget = MultiplePhotoInput

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault(
            "widget",
            MultiplePhotoInput(
                attrs={"multiple": True, "accept": "image/jpeg,image/png,image/webp"}
            ),
        )
        super().__init__(**kwargs)

    def clean(self, value: Any) -> list[Any]:
        if not value:
            return []
        return list(value) if isinstance(value, list | tuple) else [value]


def set_choices(form: forms.Form, name: str, choices: list[Any]) -> None:
    field = form.fields[name]
    assert isinstance(field, forms.ChoiceField)  # noqa: S101 - narrows the type
    field.choices = choices


def _with_chosen(options: Choices, chosen: str, lookup: QuerySet[Any]) -> Choices:
    """``options`` plus the chosen code when it is valid but was not listed (a long list)."""
    if chosen and chosen not in {code for code, _label in options}:
        found = lookup.filter(code=chosen).values_list("code", "name").first()
        if found is not None:
            options = [*options, (str(found[0]), str(found[1]))]
    return options


# --- the ledger's filters ---------------------------------------------------------------


def _ledger_communities(user: Any) -> QuerySet[Community]:
    """Communities a user's ledger can hold problems of (their area, or where their
    visible problems lie: a unit liaison's problems may be anywhere)."""
    scope = scope_of(user)
    qs = Community.objects.select_related("street")
    if scope.sees_everything:
        return qs
    q = area_q(scope, "")
    if scope.unit_ids or Role.INSPECTOR in scope.roles:
        q |= Q(pk__in=queries.problems_visible_to(user).values("community_id"))
    return qs.filter(q)


class LedgerFilterForm(BootstrapForm):
    """The ledger's filters, read from the URL (a GET form)."""

    q = forms.CharField(label=_("Search"), required=False, max_length=120)
    state = forms.MultipleChoiceField(
        label=_("State"),
        required=False,
        choices=ProblemState.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    category = forms.ChoiceField(label=_("Category"), required=False)
    source = forms.ChoiceField(
        label=_("Source"),
        required=False,
        choices=[("", _("All sources")), *ProblemSource.choices],
    )
    district = forms.ChoiceField(label=_("District"), required=False)
    street = forms.ChoiceField(label=_("Street"), required=False)
    community = forms.ChoiceField(label=_("Community"), required=False)
    unit = forms.ChoiceField(label=_("Dispatched unit"), required=False)
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)
    escalation = forms.ChoiceField(
        label=_("Escalation"),
        required=False,
        choices=[("", _("Any escalation")), *EscalationKind.choices],
    )
    start = forms.DateField(label=_("Reported from"), required=False, widget=DATE_WIDGET)
    end = forms.DateField(label=_("Reported until"), required=False, widget=DATE_WIDGET)

    def __init__(self, data: Mapping[str, Any] | None, *, user: Any) -> None:
        super().__init__(data)
        self.fields["state"].widget.attrs["class"] = "btn-check"
        self.fields["q"].widget.attrs["placeholder"] = _("Number, title, description or address")
        get = (data or {}).get
        district = str(get("district") or "")
        street = str(get("street") or "")
        communities = _ledger_communities(user)
        self._choices(
            "category",
            _("All categories"),
            [(c.code, c.name) for c in queries.categories_active()],
        )
        districts = District.objects.filter(archived_at__isnull=True)
        if not scope_of(user).sees_everything:
            districts = districts.filter(pk__in=communities.values("street__district_id"))
        self._choices(
            "district",
            _("All districts"),
            list(districts.order_by("code").values_list("code", "name")[:MAX_OPTIONS]),
        )
        streets = Street.objects.filter(pk__in=communities.values("street_id"))
        narrowed = streets.filter(district__code=district) if district else streets
        self._choices(
            "street",
            _("All streets"),
            _with_chosen(
                list(narrowed.order_by("code").values_list("code", "name")[:MAX_OPTIONS]),
                street,
                streets,
            ),
        )
        if street:
            listed = communities.filter(street__code=street)
        elif district:
            listed = communities.filter(street__district__code=district)
        else:
            listed = communities
        options = list(listed.order_by("code").values_list("code", "name")[: MAX_OPTIONS + 1])
        if len(options) > MAX_OPTIONS:
            # Too many to list: the reader picks a district or street first.
            options = []
            self.fields["community"].help_text = _("Choose a district or street to list them.")
        self._choices(
            "community",
            _("All communities"),
            _with_chosen(options, str(get("community") or ""), communities),
        )
        units = (
            Unit.objects.filter(archived_at__isnull=True)
            if scope_of(user).is_office
            else units_visible_to(user)
        )
        unit_options = [
            (code, short or name)
            for code, name, short in units.order_by("name").values_list(
                "code", "name", "short_name"
            )[:MAX_OPTIONS]
        ]
        chosen_unit = normalise_code(str(get("unit") or ""))
        self._choices(
            "unit",
            _("All units"),
            _with_chosen(unit_options, chosen_unit, Unit.objects.all()),
        )

    def _choices(self, name: str, everything: Any, options: Choices) -> None:
        set_choices(self, name, [("", everything), *options])

    def clean_unit(self) -> str:
        return normalise_code(self.cleaned_data.get("unit") or "")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("start"), data.get("end")
        if start and end and end < start:
            self.add_error("end", _("The end of the period lies before its start."))
        return data

    def to_filter(self) -> queries.LedgerFilter:
        data = self.cleaned_data
        return queries.LedgerFilter(
            states=tuple(data.get("state") or ()),
            category=data.get("category") or "",
            source=data.get("source") or "",
            district=data.get("district") or "",
            street=data.get("street") or "",
            community=data.get("community") or "",
            unit=data.get("unit") or "",
            overdue=bool(data.get("overdue")),
            escalation=data.get("escalation") or "",
            start=data.get("start"),
            end=data.get("end"),
            q=(data.get("q") or "").strip(),
        )


# --- reporting --------------------------------------------------------------------------


def may_report(user: Any) -> bool:
    """Whether ``user`` may report problems (``services.problem_report``: any role
    but the leader's)."""
    roles = scope_of(user).roles
    return bool(roles) and not roles <= {Role.LEADER}


def reportable_communities(user: Any) -> QuerySet[Community]:
    """Communities ``user`` may report problems in (``services.problem_report``):
    anywhere for the office, unit liaisons, members and inspectors; their own
    area for district, street and community staff."""
    scope = scope_of(user)
    qs = Community.objects.active().select_related("street")
    if scope.is_office or scope.has(Role.UNIT, Role.MEMBER, Role.INSPECTOR):
        return qs
    return qs.filter(area_q(scope, ""))


#: The source a role usually reports from (the form's first choice).
DEFAULT_SOURCE = {
    Role.COMMUNITY: ProblemSource.COMMUNITY_PATROL,
    Role.STREET: ProblemSource.COMMUNITY_PATROL,
    Role.DISTRICT: ProblemSource.COMMUNITY_PATROL,
    Role.INSPECTOR: ProblemSource.INSPECTION,
    Role.UNIT: ProblemSource.GRASSROOTS_VISIT,
    Role.MEMBER: ProblemSource.GRASSROOTS_VISIT,
}

#: Service argument → form field, for the service's errors.
REPORT_FIELDS = {
    "category_code": "category",
    "community_code": "community",
    "compound_id": "compound",
    "anonymous": "reporter_anonymous",
}


def _grouped_by_street(communities: Iterable[Community]) -> list[tuple[str, Choices]]:
    groups: dict[str, Choices] = {}
    for community in communities:
        groups.setdefault(community.street.name, []).append((community.code, community.name))
    return list(groups.items())


class ProblemReportForm(ExtraQuestionsForm):
    """The staff report form, with the chosen category's extra questions."""

    category = forms.ChoiceField(label=_("Category"))
    source = forms.ChoiceField(label=_("Source"), choices=ProblemSource.choices)
    community = forms.ChoiceField(
        label=_("Community"),
        required=False,
        help_text=_("Or put a pin on the map: the community is then found from it."),
    )
    compound = forms.ChoiceField(label=_("Compound"), required=False)
    address = forms.CharField(label=_("Address"), max_length=200, required=False)
    lat = forms.FloatField(required=False, widget=forms.HiddenInput)
    lng = forms.FloatField(required=False, widget=forms.HiddenInput)
    title = forms.CharField(
        label=_("Title"),
        max_length=120,
        required=False,
        help_text=_("Optional; the category names the problem when empty."),
    )
    description = forms.CharField(
        label=_("Description"), widget=forms.Textarea(attrs={"rows": 4}), max_length=4000
    )
    reporter_name = forms.CharField(label=_("Reporter's name"), max_length=40, required=False)
    reporter_phone = forms.CharField(label=_("Reporter's phone"), max_length=20, required=False)
    reporter_anonymous = forms.BooleanField(label=_("Anonymous report"), required=False)
    priority = forms.ChoiceField(
        label=_("Priority"), choices=Priority.choices, initial=Priority.NORMAL
    )
    is_public = forms.BooleanField(
        label=_("Show on the public pages"),
        required=False,
        initial=True,
        help_text=_("Residents can then follow it; photos are shown without their metadata."),
    )
    photos = PhotosField(label=_("Photos"), help_text=_("JPEG, PNG or WebP; at most 9."))

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        categories = list(queries.categories_active())
        set_choices(self, "category", [("", "—"), *[(c.code, c.name) for c in categories]])
        self.setup_questions(categories)
        communities = reportable_communities(user).order_by("street__code", "code")
        set_choices(self, "community", [("", "—"), *_grouped_by_street(communities)])
        roles = scope_of(user).roles
        for role, source in DEFAULT_SOURCE.items():
            if role in roles:
                self.fields["source"].initial = source
                break
        chosen = str((self.data or {}).get("community") or "")
        set_choices(self, "compound", compound_choices(chosen))

    def service_arguments(self) -> dict[str, Any]:
        data = self.cleaned_data
        compound = data.get("compound")
        return {
            "category_code": data["category"],
            "source": data["source"],
            "community_code": data.get("community") or None,
            "compound_id": int(compound) if compound else None,
            "address": data.get("address") or "",
            "lat": data.get("lat"),
            "lng": data.get("lng"),
            "title": data.get("title") or "",
            "description": data["description"],
            "reporter_name": data.get("reporter_name") or "",
            "reporter_phone": data.get("reporter_phone") or "",
            "anonymous": bool(data.get("reporter_anonymous")),
            "priority": data["priority"],
            "is_public": bool(data.get("is_public")),
            "extra_answers": data.get("extra_answers") or {},
        }


def compound_choices(community_code: str) -> list[tuple[str, Any]]:
    """The compounds of a community as select options (an empty first choice)."""
    options: list[tuple[str, Any]] = [("", "—")]
    if community_code:
        compounds = Compound.objects.active().filter(community__code=community_code)
        options += [
            (str(pk), name) for pk, name in compounds.order_by("name").values_list("pk", "name")
        ]
    return options


# --- workflow actions -------------------------------------------------------------------

#: What each action's button says (imperative).
ACTION_LABELS = {
    "accept": _("Accept"),
    "reject": _("Reject"),
    "mark_duplicate": _("Mark as a duplicate"),
    "dispatch": _("Dispatch"),
    "start": _("Start handling"),
    "handle": _("Report as handled"),
    "verify_pass": _("Verification passed"),
    "verify_fail": _("Verification failed"),
    "request_extension": _("Ask for an extension"),
    "approve_extension": _("Approve the extension"),
    "reject_extension": _("Refuse the extension"),
    "request_park": _("Ask to park"),
    "approve_park": _("Approve parking"),
    "reject_park": _("Refuse parking"),
    "rate": _("Rate"),
    "callback": _("Record the call-back"),
}

#: Actions that take photos though the table does not demand them (on-site checks).
OPTIONAL_PHOTOS = frozenset({"verify_pass", "verify_fail"})


class TransitionForm(BootstrapForm):
    """One workflow action on one problem; subclasses add the fields its evidence needs."""

    action = forms.CharField(widget=forms.HiddenInput)
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    #: Fields whose evidence the action demands (marked as required on the page).
    needed: frozenset[str] = frozenset()
    transition: Transition

    def __init__(
        self,
        data: Mapping[str, Any] | None = None,
        files: Mapping[str, Any] | None = None,
        *,
        problem: Problem,
        unit_choices: list[Any] | None = None,
        default_deadline: dt.date | None = None,
        suggestions: Iterable[str] = (),
    ) -> None:
        action = self.transition.action
        super().__init__(
            data,
            files,
            auto_id=f"id_{action}_%s",
            initial={"action": action, "version": problem.version},
        )
        if "unit_codes" in self.fields:
            set_choices(self, "unit_codes", unit_choices or [])
            self.fields["unit_codes"].initial = [d.unit.code for d in problem.dispatches.all()]
        if "deadline" in self.fields:
            if action == "approve_extension":
                self.fields["deadline"].initial = problem.requested_deadline
            elif action == "dispatch" and default_deadline is not None:
                # Left empty, the service sets the category's deadline and records it as such.
                self.fields["deadline"].help_text = _(
                    "Empty: %(day)s, the category's %(days)d working days from today."
                ) % {
                    "day": default_deadline.isoformat(),
                    "days": problem.category.deadline_working_days,
                }
        if "duplicate_of" in self.fields:
            numbers = list(suggestions)
            self.suggested_numbers = numbers
            if numbers:
                self.fields["duplicate_of"].initial = numbers[0]
                self.fields["duplicate_of"].widget.attrs["list"] = f"{action}-suggestions"

    @property
    def label(self) -> str:
        return str(ACTION_LABELS.get(self.transition.action, self.transition.action))

    def clean_action(self) -> str:
        value = self.cleaned_data.get("action")
        if value != self.transition.action:
            raise forms.ValidationError(_("The form does not match the action."))
        return str(value)

    def service_arguments(self) -> dict[str, Any]:
        data = self.cleaned_data
        arguments: dict[str, Any] = {"note": data.get("note") or ""}
        if "unit_codes" in self.fields:
            arguments["unit_codes"] = list(data.get("unit_codes") or [])
            arguments["to_community"] = bool(data.get("to_community"))
        for name in ("deadline", "duplicate_of", "rating"):
            if name in self.fields and data.get(name):
                arguments[name] = data[name]
        return arguments


def _transition_fields(t: Transition) -> tuple[dict[str, forms.Field], frozenset[str]]:
    evidence = set(t.evidence)
    fields: dict[str, forms.Field] = {}
    needed: set[str] = set()
    if Evidence.TARGET in evidence:
        fields["unit_codes"] = forms.MultipleChoiceField(
            label=_("Units"),
            required=False,
            widget=forms.SelectMultiple(attrs={"size": 8}),
            help_text=_("Units paired with the community come first. Ctrl-click for several."),
        )
        fields["to_community"] = forms.BooleanField(
            label=_("Dispatch to the community too"), required=False
        )
        needed.add("unit_codes")
    if Evidence.DUPLICATE_OF in evidence:
        fields["duplicate_of"] = forms.CharField(
            label=_("Number of the original problem"), max_length=16, required=False
        )
        needed.add("duplicate_of")
    if Evidence.DEADLINE in evidence or t.action in ("dispatch", "approve_extension"):
        label = {
            "request_extension": _("Deadline asked for"),
            "approve_extension": _("New deadline (empty: the one asked for)"),
        }.get(t.action, _("Deadline"))
        fields["deadline"] = forms.DateField(label=label, required=False, widget=DATE_WIDGET)
        if Evidence.DEADLINE in evidence:
            needed.add("deadline")
    if Evidence.RATING in evidence:
        fields["rating"] = forms.ChoiceField(
            label=_("The reporter's rating"),
            required=False,
            choices=[("", "—"), *Satisfaction.choices],
        )
        needed.add("rating")
    if Evidence.REASON in evidence:
        note_label = _("Reason")
    elif Evidence.NOTE in evidence:
        note_label = _("What was done")
    else:
        note_label = _("Note (optional)")
    fields["note"] = forms.CharField(
        label=note_label,
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    if evidence & {Evidence.REASON, Evidence.NOTE}:
        needed.add("note")
    if Evidence.PHOTO in evidence or t.action in OPTIONAL_PHOTOS:
        fields["photos"] = PhotosField(
            label=_("Photos"), help_text=_("JPEG, PNG or WebP; at most 9.")
        )
        if Evidence.PHOTO in evidence:
            needed.add("photos")
    return fields, frozenset(needed)


def _form_class(t: Transition) -> type[TransitionForm]:
    fields, needed = _transition_fields(t)
    attributes: dict[str, Any] = {**fields, "transition": t, "needed": needed}
    name = "".join(part.title() for part in t.action.split("_")) + "Form"
    return type(name, (TransitionForm,), attributes)


#: One form class per action of the workflow table.
TRANSITION_FORMS: dict[str, type[TransitionForm]] = {
    t.action: _form_class(t) for t in workflow.TABLE
}
