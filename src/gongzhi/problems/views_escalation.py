"""Pages of supervision (督办) and call-backs (回访).

- ``escalation``: overdue problems by unit and age, for the office, leaders
  (read-only) and district officers (their district);
- ``unit_table``: the per-unit table for a period, sortable, with a CSV download;
- ``callbacks``: closed problems whose reporter waits for a call-back, with a
  small form per row that records the rating through the workflow service.

Thin: figures come from ``queries``, the one write from ``services``.
"""

from __future__ import annotations

import csv
import datetime as dt
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from gongzhi.areas.models import District
from gongzhi.core.exports import csv_cell
from gongzhi.core.forms import BootstrapForm, DateInput
from gongzhi.core.models import Role
from gongzhi.core.pagination import keyset_page
from gongzhi.core.scoping import Scope, scope_of
from gongzhi.core.xlsx import Column, Table, form_filters, xlsx_response
from gongzhi.problems import queries, services, workflow
from gongzhi.problems.models import EscalationKind, ProblemState, Satisfaction
from gongzhi.problems.workflow import Actor


def _today() -> dt.date:
    return timezone.localdate()


def _supervisor_scope(request: HttpRequest) -> Scope:
    """The office, leaders and district officers see the escalation pages; others 403."""
    scope = scope_of(request.user)
    if not (scope.sees_everything or scope.has(Role.DISTRICT)):
        raise PermissionDenied(
            _("Only the city office, leaders and district officers see the escalation pages.")
        )
    return scope


def _district_choices(scope: Scope) -> list[tuple[str, str]]:
    districts = District.objects.filter(archived_at__isnull=True).order_by("code")
    if not scope.sees_everything:
        districts = districts.filter(pk__in=scope.district_ids)
    return [("", _("All districts"))] + [(d.code, d.name) for d in districts]


def _query(request: HttpRequest, **changes: Any) -> str:
    params = {k: v for k, v in request.GET.items() if v}
    params.update({k: v for k, v in changes.items() if v is not None})
    return urlencode({k: v for k, v in params.items() if v})


def _has_detail() -> bool:
    """Whether the problem pages are installed (rows link to them when they are)."""
    try:
        reverse("problems:detail", args=["2026-000001"])
    except NoReverseMatch:
        return False
    return True


# --- overdue problems by unit -------------------------------------------------------


class EscalationFilterForm(BootstrapForm):
    district = forms.ChoiceField(label=gettext_lazy("District"), required=False)
    kind = forms.ChoiceField(label=gettext_lazy("Escalation"), required=False)

    def __init__(self, *args: Any, scope: Scope, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        district = self.fields["district"]
        assert isinstance(district, forms.ChoiceField)  # noqa: S101 - narrows the type
        district.choices = _district_choices(scope)
        kind = self.fields["kind"]
        assert isinstance(kind, forms.ChoiceField)  # noqa: S101 - narrows the type
        kind.choices = [
            ("", _("Any")),
            ("none", _("Not escalated yet")),
            *EscalationKind.choices,
        ]


@login_required
def escalation(request: HttpRequest) -> HttpResponse:
    """Overdue problems by unit and age, counts per escalation kind and age bucket."""
    scope = _supervisor_scope(request)
    form = EscalationFilterForm(request.GET or None, scope=scope)
    on = _today()
    context: dict[str, Any] = {"form": form, "on": on, "report": None, "buckets": []}
    if form.is_bound and not form.is_valid():
        return render(request, "problems/escalation.html", context, status=400)
    values = form.cleaned_data if form.is_bound else {"district": "", "kind": ""}
    report = queries.overdue_by_unit(
        request.user, on=on, district=values["district"], kind=values["kind"]
    )
    if request.GET.get("format") == "xlsx":
        return _overdue_xlsx(report, form_filters(form))
    context.update(
        report=report,
        buckets=[
            {"key": b.key, "label": b.label, "count": report.by_bucket[b.key]}
            for b in queries.AGE_BUCKETS
        ],
        kinds=[
            {
                "key": key,
                "label": label,
                "count": report.by_kind.get("" if key == "none" else key, 0),
                "url": "?" + _query(request, kind=key),
                "active": values["kind"] == key,
            }
            for key, label in [("none", _("Not escalated yet")), *EscalationKind.choices]
        ],
        all_kinds_url="?" + _query(request, kind=""),
        has_detail=_has_detail(),
        ledger_url=_ledger_url(),
        xlsx_url="?" + _query(request, format="xlsx"),
    )
    return render(request, "problems/escalation.html", context)


def _overdue_xlsx(report: queries.OverdueReport, filters: list[tuple[str, str]]) -> HttpResponse:
    """Overdue problems as a workbook: the count per unit and age, then the problems listed.

    A problem dispatched to two units is in both units' rows, so the totals row holds
    the distinct problems, not the sum of the rows.
    """
    buckets = list(queries.AGE_BUCKETS)
    groups = Table(
        title=_("Overdue problems on %(day)s") % {"day": report.on.isoformat()},
        sheet_name=_("Overdue by unit"),
        columns=[
            Column(_("Unit or community")),
            Column(_("Code")),
            Column(_("Overdue"), "int"),
            *[Column(b.label, "int") for b in buckets],
        ],
        rows=[
            [
                _("%(name)s (dispatched to the community)") % {"name": g.name}
                if g.is_community
                else g.name,
                g.code,
                g.total,
                *[g.by_bucket.get(b.key, 0) for b in buckets],
            ]
            for g in report.groups
        ],
        totals={2: report.total, **{3 + i: report.by_bucket[b.key] for i, b in enumerate(buckets)}},
        totals_label=_("Total (distinct problems)"),
    )
    listed: dict[str, list[Any]] = {}
    for group in report.groups:
        for item in group.problems:
            p = item.problem
            row = listed.setdefault(
                p.number,
                [
                    p.number,
                    p.title or p.category.name,
                    p.category.name,
                    p.community.name,
                    [],
                    p.deadline,
                    item.age_working_days,
                    p.get_escalation_kind_display() if p.escalation_kind else "",
                ],
            )
            if not group.is_community:
                row[4].append(group.name)
    problems = Table(
        title=_("Overdue problems listed"),
        columns=[
            Column(_("Number")),
            Column(_("Problem")),
            Column(_("Category")),
            Column(_("Community")),
            Column(_("Dispatched to")),
            Column(_("Deadline"), "date"),
            Column(_("Working days overdue"), "int"),
            Column(_("Escalation")),
        ],
        rows=[[*r[:4], ", ".join(r[4]), *r[5:]] for r in listed.values()],
    )
    name = f"overdue-{report.on:%Y%m%d}.xlsx"
    return xlsx_response(name, [groups, problems], filters=filters)


def _ledger_url() -> str:
    try:
        return reverse("problems:ledger")
    except NoReverseMatch:
        return ""


# --- the per-unit table --------------------------------------------------------------

DATE_WIDGET = DateInput()


class UnitTableForm(BootstrapForm):
    start = forms.DateField(label=gettext_lazy("From"), required=False, widget=DATE_WIDGET)
    end = forms.DateField(label=gettext_lazy("Until"), required=False, widget=DATE_WIDGET)
    district = forms.ChoiceField(label=gettext_lazy("District"), required=False)

    def __init__(self, *args: Any, scope: Scope, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        district = self.fields["district"]
        assert isinstance(district, forms.ChoiceField)  # noqa: S101 - narrows the type
        district.choices = _district_choices(scope)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        today = _today()
        if "start" not in self.errors:
            data["start"] = data.get("start") or dt.date(today.year, 1, 1)
        if "end" not in self.errors:
            data["end"] = data.get("end") or today
        if "start" in data and "end" in data and data["end"] < data["start"]:
            self.add_error("end", _("The end date must not lie before the start date."))
        return data


#: Columns of the per-unit table: (key, heading). The key sorts the table.
UNIT_COLUMNS: tuple[tuple[str, Any], ...] = (
    ("unit", gettext_lazy("Unit")),
    ("dispatched", gettext_lazy("Dispatched")),
    ("closed_on_time", gettext_lazy("Closed on time")),
    ("closed_late", gettext_lazy("Closed late")),
    ("open", gettext_lazy("Open")),
    ("parked", gettext_lazy("Parked")),
    ("closure_rate", gettext_lazy("Closure rate")),
    ("on_time_rate", gettext_lazy("On-time rate")),
    ("rework", gettext_lazy("Rework")),
    ("dissatisfied", gettext_lazy("Dissatisfied")),
)
SORT_KEYS = {key for key, _heading in UNIT_COLUMNS}


def percent(rate: Fraction | None) -> str:
    """A rate as a percentage with one decimal (rounded half up), or "" when undefined."""
    if rate is None:
        return ""
    value = Decimal(rate.numerator * 100) / Decimal(rate.denominator)
    return str(value.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def _sorted(rows: list[queries.UnitPerformance], sort: str) -> list[queries.UnitPerformance]:
    key = sort.lstrip("-")
    descending = sort.startswith("-")
    if key == "unit":
        return sorted(rows, key=lambda r: r.unit_code, reverse=descending)
    # Undefined rates go last whichever the direction.
    defined = [r for r in rows if getattr(r, key) is not None]
    undefined = [r for r in rows if getattr(r, key) is None]
    defined.sort(key=lambda r: (getattr(r, key), r.unit_code), reverse=descending)
    return defined + undefined


@login_required
def unit_table(request: HttpRequest) -> HttpResponse:
    """The per-unit table for a period (default: this year); ``?format=csv`` downloads it."""
    scope = _supervisor_scope(request)
    today = _today()
    data = request.GET.copy()
    data.setdefault("start", dt.date(today.year, 1, 1).isoformat())
    data.setdefault("end", today.isoformat())
    form = UnitTableForm(data, scope=scope)
    sort = request.GET.get("sort", "unit")
    if sort.lstrip("-") not in SORT_KEYS:
        sort = "unit"
    context: dict[str, Any] = {"form": form, "rows": [], "columns": []}
    if not form.is_valid():
        return render(request, "problems/escalation_units.html", context, status=400)
    start, end = form.cleaned_data["start"], form.cleaned_data["end"]
    rows = _sorted(
        queries.unit_performance(
            request.user, start=start, end=end, district=form.cleaned_data["district"]
        ),
        sort,
    )
    if request.GET.get("format") == "csv":
        return _unit_table_csv(rows, start, end)
    if request.GET.get("format") == "xlsx":
        return _unit_table_xlsx(rows, start, end, form_filters(form))
    columns = []
    for key, heading in UNIT_COLUMNS:
        active = sort.lstrip("-") == key
        descending = active and sort.startswith("-")
        # A click on the active column turns its direction; numbers start largest first.
        next_sort = key if (active and descending) or (not active and key == "unit") else f"-{key}"
        columns.append(
            {
                "key": key,
                "heading": heading,
                "url": "?" + _query(request, sort=next_sort),
                "active": active,
                "descending": descending,
            }
        )
    context.update(
        rows=[
            {"row": r, "closure": percent(r.closure_rate), "on_time": percent(r.on_time_rate)}
            for r in rows
        ],
        columns=columns,
        start=start,
        end=end,
        csv_url="?" + _query(request, format="csv"),
        xlsx_url="?" + _query(request, format="xlsx"),
        totals=_totals(rows),
    )
    return render(request, "problems/escalation_units.html", context)


def _totals(rows: list[queries.UnitPerformance]) -> dict[str, int]:
    keys = (
        "dispatched",
        "closed_on_time",
        "closed_late",
        "open",
        "parked",
        "rework",
        "dissatisfied",
    )
    return {k: sum(getattr(r, k) for r in rows) for k in keys}


def _unit_table_xlsx(
    rows: list[queries.UnitPerformance],
    start: dt.date,
    end: dt.date,
    filters: list[tuple[str, str]],
) -> HttpResponse:
    """The per-unit table as a workbook, with its totals and the overall rates."""
    totals = _totals(rows)
    closed = totals["closed_on_time"] + totals["closed_late"]
    table = Table(
        title=_("Per-unit table %(start)s – %(end)s")
        % {"start": start.isoformat(), "end": end.isoformat()},
        sheet_name=_("Per-unit table"),
        columns=[
            Column(_("Credit code")),
            Column(_("Unit")),
            Column(_("Dispatched"), "int", total=True),
            Column(_("Closed on time"), "int", total=True),
            Column(_("Closed late"), "int", total=True),
            Column(_("Open"), "int", total=True),
            Column(_("Parked"), "int", total=True),
            Column(_("Closure rate"), "percent"),
            Column(_("On-time rate"), "percent"),
            Column(_("Rework"), "int", total=True),
            Column(_("Dissatisfied"), "int", total=True),
        ],
        rows=[
            [
                r.unit_code,
                r.unit_name,
                r.dispatched,
                r.closed_on_time,
                r.closed_late,
                r.open,
                r.parked,
                r.closure_rate,
                r.on_time_rate,
                r.rework,
                r.dissatisfied,
            ]
            for r in rows
        ],
        totals={
            7: Fraction(closed, totals["dispatched"]) if totals["dispatched"] else None,
            8: Fraction(totals["closed_on_time"], closed) if closed else None,
        },
    )
    name = f"unit-performance-{start:%Y%m%d}-{end:%Y%m%d}.xlsx"
    return xlsx_response(name, [table], filters=filters)


def _unit_table_csv(
    rows: list[queries.UnitPerformance], start: dt.date, end: dt.date
) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    name = f"unit-performance-{start:%Y%m%d}-{end:%Y%m%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response.write("\ufeff")  # a BOM, so that spreadsheet programs read the Chinese as UTF-8
    writer = csv.writer(response)
    writer.writerow(
        [
            _("Credit code"),
            _("Unit"),
            _("Dispatched"),
            _("Closed on time"),
            _("Closed late"),
            _("Open"),
            _("Parked"),
            _("Closure rate (%)"),
            _("On-time rate (%)"),
            _("Rework"),
            _("Dissatisfied"),
        ]
    )
    for r in rows:
        writer.writerow(
            [
                csv_cell(v)
                for v in (
                    r.unit_code,
                    r.unit_name,
                    r.dispatched,
                    r.closed_on_time,
                    r.closed_late,
                    r.open,
                    r.parked,
                    percent(r.closure_rate),
                    percent(r.on_time_rate),
                    r.rework,
                    r.dissatisfied,
                )
            ]
        )
    return response


# --- call-backs (回访) -----------------------------------------------------------------

CALLBACK_ROLES = (Role.OFFICE, Role.DISTRICT, Role.STREET, Role.COMMUNITY)


def _callback_scope(request: HttpRequest) -> Scope:
    scope = scope_of(request.user)
    if not scope.has(*CALLBACK_ROLES):
        raise PermissionDenied(
            _("Only the city office and district, street and community staff make call-backs.")
        )
    return scope


def _area_actors(scope: Scope, community: Any) -> set[str]:
    """The workflow actors ``scope`` is for a problem of ``community`` (no query needed)."""
    actors: set[str] = set()
    if scope.is_office:
        actors.add(Actor.OFFICE)
    if community.street.district_id in scope.district_ids:
        actors.add(Actor.DISTRICT)
    if community.street_id in scope.street_ids:
        actors.add(Actor.STREET)
    if community.pk in scope.community_ids:
        actors.add(Actor.COMMUNITY)
    return actors


class CallbackForm(BootstrapForm):
    rating = forms.ChoiceField(
        label=gettext_lazy("Rating"), choices=Satisfaction.choices, widget=forms.RadioSelect
    )
    note = forms.CharField(label=gettext_lazy("Note"), required=False, max_length=1000)
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


@login_required
def callbacks(request: HttpRequest) -> HttpResponse:
    """Closed problems in the user's area waiting for a call-back, oldest first."""
    scope = _callback_scope(request)
    page = keyset_page(queries.callbacks_due(request.user), cursor=request.GET.get("cursor"))
    callback = workflow.transition_for("callback")
    assert callback is not None  # noqa: S101 - the table has it
    rows = [
        {
            "problem": p,
            "phone": queries.reporter_phone_for(request.user, p),
            "may_record": bool(_area_actors(scope, p.community) & set(callback.actors)),
        }
        for p in page.items
    ]
    context = {
        "rows": rows,
        "ratings": Satisfaction.choices,
        "has_detail": _has_detail(),
        "first_url": "?" if request.GET.get("cursor") else None,
        "next_url": "?" + urlencode({"cursor": page.next_cursor}) if page.next_cursor else None,
    }
    return render(request, "problems/callbacks.html", context)


#: Labels of the service's error keys, for messages that name the field.
CALLBACK_FIELDS = {"rating": gettext_lazy("Rating"), "note": gettext_lazy("Note")}


@login_required
@require_POST
def callback_record(request: HttpRequest, number: str) -> HttpResponse:
    """Record the reporter's rating after a call-back; the row then leaves the list."""
    _callback_scope(request)
    back = redirect("problems:callbacks")
    form = CallbackForm(request.POST)
    if not form.is_valid():
        errors = {field: [str(e) for e in texts] for field, texts in form.errors.items()}
        if "version" in errors:
            errors["version"] = [_("The page was out of date; try again on this one.")]
        _error_messages(request, number, errors)
        return back
    try:
        problem = services.problem_transition(
            user=request.user,
            problem_number=number,
            action="callback",
            expected_version=form.cleaned_data["version"],
            note=form.cleaned_data["note"],
            rating=form.cleaned_data["rating"],
        )
    except services.ConflictError as exc:
        messages.warning(request, str(exc))
        return back
    except ValidationError as exc:
        _error_messages(
            request, number, exc.message_dict if hasattr(exc, "error_dict") else {"": exc.messages}
        )
        return back
    if problem.state == ProblemState.DISPATCHED:
        messages.success(
            request,
            _(
                "The call-back for %(number)s is recorded. The reporter is dissatisfied, "
                "so the problem is dispatched again."
            )
            % {"number": problem.number},
        )
    else:
        messages.success(
            request, _("The call-back for %(number)s is recorded.") % {"number": problem.number}
        )
    return back


def _error_messages(request: HttpRequest, number: str, errors: dict[str, list[str]]) -> None:
    """One message per field, naming the problem and the field."""
    for field, texts in errors.items():
        text = " ".join(texts)
        label = CALLBACK_FIELDS.get(field)
        if label:
            text = _("%(field)s: %(errors)s") % {"field": label, "errors": text}
        messages.error(request, f"{number}: {text}")
