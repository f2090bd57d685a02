"""Forms of the public pages (no login): report a problem, look one up, rate the result.

The forms only parse what the browser sent; ``services.problem_report`` and
``services.problem_transition`` decide what is valid and name the field when
it is not. Answers to a category's extra questions are checked by
:func:`~gongzhi.problems.extra_questions.clean_extra_answers`, as on every door.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, cast

from django import forms
from django.db.models import QuerySet
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _

from gongzhi.areas.models import Community
from gongzhi.core.forms import BootstrapForm
from gongzhi.problems import queries
from gongzhi.problems.extra_questions import ExtraQuestionsForm
from gongzhi.problems.models import Category, CategoryGroup, Satisfaction

#: The honeypot: hidden from people by CSS, filled in by form-filling robots.
HONEYPOT_FIELD = "website"


def _large(form: BootstrapForm) -> None:
    """Big controls: the public pages are used on phones, with thumbs."""
    for bound in form.fields.values():
        css = bound.widget.attrs.get("class", "")
        if css == "form-control":
            bound.widget.attrs["class"] = "form-control form-control-lg"
        elif css == "form-select":
            bound.widget.attrs["class"] = "form-select form-select-lg"


def reportable_categories() -> list[Category]:
    """Active categories residents may report, in display order."""
    return list(queries.categories_active().filter(resident_reportable=True))


def reportable_category_choices(
    categories: Iterable[Category],
) -> list[tuple[str, list[tuple[str, str]]]]:
    """``categories`` as select options, grouped by their group in group order."""
    grouped: dict[str, list[tuple[str, str]]] = {}
    for category in categories:
        grouped.setdefault(category.group, []).append((category.code, category.name))
    return [
        (str(label), grouped[value]) for value, label in CategoryGroup.choices if value in grouped
    ]


def community_groups(
    communities: QuerySet[Community] | None = None,
) -> list[tuple[str, list[tuple[str, str]]]]:
    """Active communities grouped by ``district · street``, for a light ``<select>``.

    One query of plain tuples: with a thousand communities the page must not
    build a thousand widget objects.
    """
    qs = communities if communities is not None else Community.objects.active()
    groups: list[tuple[str, list[tuple[str, str]]]] = []
    last = None
    for code, name, street, district in qs.order_by("street__code", "code").values_list(
        "code", "name", "street__name", "street__district__name"
    ):
        label = f"{district} · {street}"
        if label != last:
            groups.append((label, []))
            last = label
        groups[-1][1].append((code, name))
    return groups


def community_options(
    groups: list[tuple[str, list[tuple[str, str]]]], selected: str = ""
) -> SafeString:
    """The ``<optgroup>``/``<option>`` markup of :func:`community_groups`.

    Built as one string: a template loop over a thousand options costs tens
    of milliseconds on every page view, this costs one or two.
    """
    parts: list[str] = []
    for label, options in groups:
        parts.append(f'<optgroup label="{escape(label)}">')
        for code, name in options:
            mark = " selected" if code == selected else ""
            parts.append(f'<option value="{escape(code)}"{mark}>{escape(name)}</option>')
        parts.append("</optgroup>")
    return mark_safe("".join(parts))  # noqa: S308 - every value is escaped above


class PublicReportForm(ExtraQuestionsForm):
    """What a resident fills in on the report page (photos come from ``request.FILES``),
    with the chosen category's extra questions."""

    category_field = "category_code"

    category_code = forms.ChoiceField(
        label=_("What kind of problem is it?"),
        error_messages={
            "required": _("Choose what kind of problem it is."),
            "invalid_choice": _("Choose one of the listed kinds of problem."),
        },
    )
    lat = forms.FloatField(required=False, widget=forms.HiddenInput)
    lng = forms.FloatField(required=False, widget=forms.HiddenInput)
    # Rendered by hand (grouped by street, see ``community_groups``); the service checks it.
    community_code = forms.CharField(required=False, max_length=12, label=_("Community"))
    address = forms.CharField(
        label=_("Address or landmark"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "street-address"}),
    )
    description = forms.CharField(
        label=_("What is the problem?"),
        max_length=2000,
        error_messages={"required": _("Describe the problem.")},
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    reporter_name = forms.CharField(
        label=_("Your name (optional)"),
        required=False,
        max_length=40,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    reporter_phone = forms.CharField(
        label=_("Your phone (optional)"),
        required=False,
        max_length=20,
        help_text=_("Only the staff who handle the problem see it, to call you back."),
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel", "inputmode": "tel"}),
    )
    anonymous = forms.BooleanField(
        label=_("Report anonymously (your name and phone are not kept)"), required=False
    )
    website = forms.CharField(
        label=_("Leave this field empty"),
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        categories = reportable_categories()
        category = cast(forms.ChoiceField, self.fields["category_code"])
        category.choices = [
            ("", _("Choose…")),
            *reportable_category_choices(categories),
        ]
        self.setup_questions(categories)
        _large(self)

    @property
    def honeypot_filled(self) -> bool:
        return bool((self.data.get(HONEYPOT_FIELD) or "").strip())


class FollowLookupForm(BootstrapForm):
    """The public number a resident types to find their report."""

    number = forms.CharField(
        label=_("Report number"),
        max_length=40,
        error_messages={"required": _("Type the number of the report, e.g. 2026-000123.")},
        widget=forms.TextInput(
            attrs={"placeholder": "2026-000123", "inputmode": "numeric", "autocomplete": "off"}
        ),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _large(self)

    def clean_number(self) -> str:
        # Tolerate what phones type: full-width digits and dashes, spaces.
        value: str = self.cleaned_data["number"]
        table = {ord("０") + i: ord("0") + i for i in range(10)}
        table.update({ord("－"): ord("-"), ord("—"): ord("-"), ord("–"): ord("-")})
        return "".join(value.translate(table).split())


class RatingForm(BootstrapForm):
    """The reporter's rating of a closed problem, with an optional comment."""

    rating = forms.ChoiceField(
        label=_("How satisfied are you with the result?"),
        choices=Satisfaction.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Choose satisfied, basically satisfied or dissatisfied."),
            "invalid_choice": _("Choose satisfied, basically satisfied or dissatisfied."),
        },
    )
    comment = forms.CharField(
        label=_("Comment (optional)"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    version = forms.IntegerField(widget=forms.HiddenInput)
    token = forms.CharField(widget=forms.HiddenInput, max_length=64)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Radio buttons take Bootstrap's check class per input, not form-select.
        self.fields["rating"].widget.attrs["class"] = "form-check-input"
        _large(self)
