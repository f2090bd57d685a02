"""Pages of one inspection and of the checklists: the phone-sized inspection form that
keeps a draft as the inspector types, its findings with photos, the inspection page with
its history, the office's correction, and the checklist versions and their editor.

Thin: read through :mod:`queries`, write through :mod:`services`; the form page costs
the same number of queries whatever the size of the checklist or the number of findings.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from gongzhi.areas.models import Community
from gongzhi.campaigns.models import Session, SessionStatus
from gongzhi.core.history import HISTORY_LIMIT, HistoryEntry, history_of
from gongzhi.core.models import Role
from gongzhi.core.photo_store import photo_response
from gongzhi.core.scoping import get_visible_or_404, scope_of
from gongzhi.inspections import forms, queries, services, services_checklists
from gongzhi.inspections.models import (
    ChecklistItem,
    Criterion,
    FindingPhoto,
    Inspection,
    InspectionStatus,
    ItemKind,
    ItemScore,
)
from gongzhi.inspections.queries import Target
from gongzhi.problems.queries import categories_active, problems_visible_to
from gongzhi.units.models import Pairing

PHOTO_KINDS = frozenset({"thumb", "public", "original"})


def _args(target: Target) -> tuple[int, str]:
    return (target.round.number, target.unit.code)


def _form_url(target: Target) -> str:
    return reverse("inspections:inspection_form", args=_args(target))


def _detail_url(target: Target) -> str:
    return reverse("inspections:inspection_detail", args=_args(target))


def _error_dict(exc: ValidationError) -> dict[str, list[str]]:
    return exc.message_dict if hasattr(exc, "error_dict") else {"__all__": list(exc.messages)}


def _head_errors(exc: ValidationError) -> ValidationError:
    """A service's errors without those about items: these show on their items."""
    errors = _error_dict(exc)
    item_codes = forms.item_errors(errors)
    return ValidationError(
        {
            key: messages
            for key, messages in errors.items()
            if key.partition(".")[2] not in item_codes
        }
    )


# --- what the pages show ------------------------------------------------------------------


@dataclass
class ItemView:
    """One checklist item on a page: its answer (as typed or saved) and its errors."""

    item: ChecklistItem
    value: str = ""
    comment: str = ""
    errors: list[str] = field(default_factory=list)
    missing: bool = False
    short: bool = False

    @property
    def is_check(self) -> bool:
        return self.item.kind == ItemKind.CHECK


@dataclass
class CriterionView:
    criterion: Criterion
    items: list[ItemView]
    subtotal: Decimal = Decimal(0)
    maximum: Decimal = Decimal(0)


def _answer_text(item: ChecklistItem, row: ItemScore | None) -> str:
    if row is None:
        return ""
    if item.kind == ItemKind.CHECK:
        return "" if row.passed is None else ("yes" if row.passed else "no")
    return "" if row.score is None else f"{row.score.normalize():f}"


def _criteria_views(
    criteria: list[Criterion],
    scores: dict[int, ItemScore],
    *,
    posted: Any = None,
    errors: dict[str, list[str]] | None = None,
    missing: list[queries.Missing] | None = None,
) -> list[CriterionView]:
    errors = errors or {}
    missing_codes = {m.item_code for m in missing or [] if m.item_code}
    views = []
    for criterion in criteria:
        rows: list[ItemView] = []
        view = CriterionView(criterion=criterion, items=rows)
        for item in criterion.items.all():
            row = scores.get(item.pk)
            value = _answer_text(item, row)
            comment = row.comment if row else ""
            if posted is not None:
                value = str(posted.get(f"answer-{item.code}", value))
                comment = str(posted.get(f"comment-{item.code}", comment))
            rows.append(
                ItemView(
                    item=item,
                    value=value,
                    comment=comment,
                    errors=errors.get(item.code, []),
                    missing=item.code in missing_codes,
                    short=queries.falls_short(item, row),
                )
            )
            if item.kind == ItemKind.SCORED and item.max_score is not None:
                view.maximum += item.max_score
                if row is not None and row.score is not None:
                    view.subtotal += row.score
        views.append(view)
    return views


def _community_choices(target: Target) -> list[tuple[Any, Any]]:
    """The communities the unit is paired with during the round first, then the others."""
    round_ = target.round
    paired = set(
        Pairing.objects.filter(
            Q(end__isnull=True) | Q(end__gte=round_.start),
            unit_id=target.assignment.unit_id,
            start__lte=round_.end,
            archived_at__isnull=True,
        ).values_list("community_id", flat=True)
    )
    current = target.inspection.community_id if target.inspection else None
    communities = Community.objects.filter(Q(archived_at__isnull=True) | Q(pk=current)).order_by(
        "code"
    )
    first = [(c.code, c.name) for c in communities if c.pk in paired]
    rest = [(c.code, c.name) for c in communities if c.pk not in paired]
    choices: list[tuple[Any, Any]] = []
    if first:
        choices.append((_("Paired with the unit"), first))
    if rest:
        choices.append((_("Other communities") if first else _("Communities"), rest))
    return choices


def _session_choices(target: Target) -> list[tuple[Any, Any]]:
    """Sessions held during the round up to today, newest first."""
    round_ = target.round
    last = min(round_.end, timezone.localdate())
    sessions = (
        Session.objects.filter(
            status=SessionStatus.SCHEDULED, date__gte=round_.start, date__lte=last
        )
        .select_related("campaign")
        .order_by("-date", "pk")
    )
    return [(str(s.pk), f"{s.date:%Y-%m-%d} · {s.campaign.name}") for s in sessions]


def _head_initial(inspection: Inspection | None) -> dict[str, Any]:
    if inspection is None:
        return {}
    return {
        "date": inspection.date.isoformat() if inspection.date else "",
        "community_code": inspection.community.code if inspection.community else "",
        "session_id": str(inspection.session_id or ""),
        "notes": inspection.notes,
    }


def _visible_problem_ids(request: HttpRequest, findings: list[Any]) -> set[int]:
    ids = {f.problem_id for f in findings if f.problem_id}
    if not ids:
        return set()
    return set(problems_visible_to(request.user).filter(pk__in=ids).values_list("pk", flat=True))


def _target(request: HttpRequest, number: int, code: str) -> Target:
    return queries.inspection_target(request.user, number, code)


# --- the inspection form ---------------------------------------------------------------------


def _finding_form(target: Target, data: Any = None, files: Any = None) -> forms.FindingForm:
    items = queries.template_items(queries.template_criteria(target.round.template))
    categories = [(c.code, c.name) for c in categories_active()]
    return forms.FindingForm(data, files, items=items, categories=categories)


def _form_page(
    request: HttpRequest,
    target: Target,
    form: forms.InspectionForm,
    *,
    errors: dict[str, list[str]] | None = None,
    finding_form: forms.FindingForm | None = None,
    status: int = 200,
) -> HttpResponse:
    inspection = target.inspection
    criteria = queries.template_criteria(target.round.template)
    items = queries.template_items(criteria)
    scores = queries.scores_by_item(inspection)
    findings = queries.findings_of(inspection)
    missing = queries.missing_for_submit(inspection, items, scores, findings)
    posted = request.POST if request.method == "POST" and errors is not None else None
    earlier = queries.earlier_findings(target.unit, target.round)
    context = {
        "target": target,
        "round": target.round,
        "unit": target.unit,
        "inspection": inspection,
        "form": form,
        "criteria": _criteria_views(
            criteria,
            scores,
            posted=posted,
            errors=forms.item_errors(errors or {}),
            # Marked on the items only once a submission was refused; listed always.
            missing=missing if errors is not None else None,
        ),
        "total": queries.total_of(items, scores),
        "missing": missing,
        "findings": findings,
        "finding_form": finding_form or _finding_form(target),
        "earlier": earlier,
        "visible_problems": _visible_problem_ids(request, [e.finding for e in earlier] + findings),
        "errors": errors or {},
        "originals": queries.may_see_originals(request.user),
    }
    return render(request, "inspections/inspection_form.html", context, status=status)


def _writable_target(request: HttpRequest, number: int, code: str) -> Target | HttpResponse:
    """The target if the user may fill it in now; else where to go (the read-only page)
    or 403 with the reason."""
    target = _target(request, number, code)
    if target.inspection is not None and target.inspection.status == InspectionStatus.SUBMITTED:
        return redirect(_detail_url(target))
    refusal = queries.inspect_refusal(request.user, target)
    if refusal:
        if target.inspection is not None:
            return redirect(_detail_url(target))
        raise PermissionDenied(refusal)
    return target


@login_required
def inspection_form(request: HttpRequest, number: int, code: str) -> HttpResponse:
    """The phone-sized inspection form of one unit in one round. Every change is saved as
    a draft while typing (see :func:`inspection_save`); the buttons save the draft, or
    save and submit it, listing what is missing when it is not complete."""
    found = _writable_target(request, number, code)
    if isinstance(found, HttpResponse):
        return found
    target = found
    communities = _community_choices(target)
    sessions = _session_choices(target)
    if request.method != "POST":
        form = forms.InspectionForm(
            initial=_head_initial(target.inspection), communities=communities, sessions=sessions
        )
        return _form_page(request, target, form)
    form = forms.InspectionForm(request.POST, communities=communities, sessions=sessions)
    form.is_valid()
    items = queries.template_items(queries.template_criteria(target.round.template))
    scores, comments = forms.answers_from(request.POST, items)
    user = request.user
    try:
        target.inspection = services.inspection_draft_save(
            user=user,
            round_number=target.round.number,
            unit_code=target.unit.code,
            scores=scores,
            comments=comments,
            **form.values(),
        )
    except ValidationError as exc:
        form.add_service_error(_head_errors(exc))
        return _form_page(request, target, form, errors=_error_dict(exc), status=400)
    if request.POST.get("action") != "submit":
        messages.success(request, _("The draft is saved."))
        return redirect(_form_url(target))
    try:
        services.inspection_submit(
            user=user, round_number=target.round.number, unit_code=target.unit.code
        )
    except ValidationError as exc:
        form.add_service_error(_head_errors(exc))
        return _form_page(request, target, form, errors=_error_dict(exc), status=400)
    messages.success(
        request,
        _("The inspection of %(unit)s is submitted.")
        % {"unit": target.unit.short_name or target.unit.name},
    )
    return redirect(_detail_url(target))


@login_required
@require_POST
def inspection_save(request: HttpRequest, number: int, code: str) -> HttpResponse:
    """Save the draft as the inspector types (htmx, or a beacon when they leave the page):
    answers a small badge, "saved HH:MM:SS" or why nothing was saved, and brings the list
    of what is missing up to date."""
    target = _target(request, number, code)
    items = queries.template_items(queries.template_criteria(target.round.template))
    scores, comments = forms.answers_from(request.POST, items)
    head = {
        name: request.POST[name]
        for name in ("date", "community_code", "session_id", "notes")
        if name in request.POST
    }
    context: dict[str, Any] = {"target": target}
    status = 200
    try:
        inspection = services.inspection_draft_save(
            user=request.user,
            round_number=target.round.number,
            unit_code=target.unit.code,
            scores=scores,
            comments=comments,
            **head,
        )
    except ValidationError as exc:
        context["refused"] = [m for ms in _error_dict(exc).values() for m in ms]
        status = 400
    except PermissionDenied as exc:
        context["refused"] = [str(exc) or _("You may not change this inspection.")]
        status = 403
    else:
        scored = queries.scores_by_item(inspection)
        context.update(
            saved_at=timezone.localtime(),
            missing=queries.missing_for_submit(
                inspection, items, scored, queries.findings_of(inspection)
            ),
            total=queries.total_of(items, scored),
            oob=True,
        )
    return render(request, "inspections/inspection_saved.html", context, status=status)


def _findings_section(
    request: HttpRequest,
    target: Target,
    finding_form: forms.FindingForm | None = None,
    status: int = 200,
) -> HttpResponse:
    inspection = target.inspection
    items = queries.template_items(queries.template_criteria(target.round.template))
    findings = queries.findings_of(inspection)
    context = {
        "target": target,
        "inspection": inspection,
        "findings": findings,
        "finding_form": finding_form or _finding_form(target),
        "missing": queries.missing_for_submit(
            inspection, items, queries.scores_by_item(inspection), findings
        ),
        "editable": True,
        "oob": True,
        "originals": queries.may_see_originals(request.user),
        "visible_problems": _visible_problem_ids(request, findings),
    }
    return render(request, "inspections/finding_section.html", context, status=status)


@login_required
@require_POST
def finding_add(request: HttpRequest, number: int, code: str) -> HttpResponse:
    """Add a finding with its photos to the draft (htmx answers the findings section;
    without script, back to the form)."""
    found = _writable_target(request, number, code)
    if isinstance(found, HttpResponse):
        return found
    target = found
    finding_form = _finding_form(target, request.POST, request.FILES)
    finding_form.is_valid()
    data = finding_form.cleaned_data
    try:
        services.finding_add(
            user=request.user,
            round_number=target.round.number,
            unit_code=target.unit.code,
            text=data.get("text", ""),
            item_code=data.get("item_code") or None,
            demands_rectification=bool(data.get("demands_rectification")),
            category_code=data.get("category_code") or None,
            photos=data.get("photos") or [],
        )
    except ValidationError as exc:
        finding_form.add_service_error(exc)
        if request.htmx:  # type: ignore[attr-defined]
            return _findings_section(request, target, finding_form, status=400)
        form = forms.InspectionForm(
            initial=_head_initial(target.inspection),
            communities=_community_choices(target),
            sessions=_session_choices(target),
        )
        return _form_page(request, target, form, finding_form=finding_form, status=400)
    target = _target(request, number, code)
    if request.htmx:  # type: ignore[attr-defined]
        return _findings_section(request, target)
    messages.success(request, _("The finding is added."))
    return redirect(_form_url(target) + "#findings")


@login_required
@require_POST
def finding_delete(request: HttpRequest, number: int, code: str, pk: int) -> HttpResponse:
    """Remove a finding from the draft."""
    target = _target(request, number, code)
    if target.inspection is None or not target.inspection.findings.filter(pk=pk).exists():
        raise Http404
    services.finding_delete(user=request.user, finding_id=pk)
    target = _target(request, number, code)
    if request.htmx:  # type: ignore[attr-defined]
        return _findings_section(request, target)
    messages.success(request, _("The finding is removed."))
    return redirect(_form_url(target) + "#findings")


@login_required
def finding_photo(request: HttpRequest, pk: int, kind: str) -> HttpResponseBase:
    """A finding's photo to whoever sees its inspection: the thumbnail and the public copy;
    the original (with its EXIF data) to the office, leaders and inspectors."""
    if kind not in PHOTO_KINDS:
        raise Http404
    photo = FindingPhoto.objects.select_related("finding").filter(pk=pk).first()
    if photo is None or not queries.finding_photo_visible(request.user, photo):
        raise Http404
    if kind == "original" and not queries.may_see_originals(request.user):
        raise Http404
    return photo_response(photo, kind, f"finding-{photo.pk}")


# --- the inspection page and the correction --------------------------------------------------


def inspection_history(inspection: Inspection) -> list[HistoryEntry]:
    """The inspection's changes, newest first, each correction with its reason."""
    entries = history_of(inspection)
    reasons = list(
        inspection.history.values_list("history_change_reason", flat=True)[:HISTORY_LIMIT]
    )
    shown = []
    for entry, reason in zip(entries, reasons, strict=False):
        if reason:
            entry.what = _("%(what)s, reason: %(reason)s") % {"what": entry.what, "reason": reason}
        elif not entry.changes and str(entry.what) == str(_("changed")):
            continue
        entry.changes = [c for c in entry.changes if c.name != "updated_at"]
        shown.append(entry)
    return shown


@login_required
def inspection_detail(request: HttpRequest, number: int, code: str) -> HttpResponse:
    """One inspection: date, community, session, every answer with its comment, totals and
    grade, findings with photos and their rectification, earlier rounds' findings, and
    the history; with the actions the user may take."""
    target = _target(request, number, code)
    inspection = target.inspection
    if inspection is None:
        if not queries.inspect_refusal(request.user, target):
            return redirect(_form_url(target))
        raise Http404
    criteria = queries.template_criteria(target.round.template)
    items = queries.template_items(criteria)
    scores = queries.scores_by_item(inspection)
    findings = queries.findings_of(inspection)
    earlier = queries.earlier_findings(target.unit, target.round)
    submitted = inspection.status == InspectionStatus.SUBMITTED
    passed, checks = queries.checks_passed(items, scores)
    context = {
        "target": target,
        "round": target.round,
        "unit": target.unit,
        "inspection": inspection,
        "criteria": _criteria_views(criteria, scores),
        "total": inspection.total_score if submitted else queries.total_of(items, scores),
        "checks_passed": passed,
        "checks": checks,
        "findings": findings,
        "earlier": earlier,
        "visible_problems": _visible_problem_ids(request, [e.finding for e in earlier] + findings),
        "history": inspection_history(inspection),
        "may_edit": not submitted and not queries.inspect_refusal(request.user, target),
        "may_correct": submitted and scope_of(request.user).is_office,
        "originals": queries.may_see_originals(request.user),
    }
    return render(request, "inspections/inspection_detail.html", context)


@login_required
def inspection_correct(request: HttpRequest, number: int, code: str) -> HttpResponse:
    """The city office corrects a submitted inspection, giving a reason kept in history."""
    target = _target(request, number, code)
    inspection = target.inspection
    if not scope_of(request.user).is_office:
        raise PermissionDenied(_("Only the city office corrects a submitted inspection."))
    if inspection is None or inspection.status != InspectionStatus.SUBMITTED:
        return redirect(_form_url(target))
    criteria = queries.template_criteria(target.round.template)
    items = queries.template_items(criteria)
    scores = queries.scores_by_item(inspection)
    initial = _head_initial(inspection)
    choices = {"communities": _community_choices(target), "sessions": _session_choices(target)}
    errors: dict[str, list[str]] | None = None
    if request.method == "POST":
        form = forms.CorrectionForm(request.POST, **choices)
        if form.is_valid():
            head = {k: v for k, v in form.values().items() if str(initial.get(k, "")) != v}
            answers, comments = forms.answers_from(request.POST, items)
            before = {
                i.code: (
                    _answer_text(i, scores.get(i.pk)),
                    scores[i.pk].comment if i.pk in scores else "",
                )
                for i in items
            }
            answers = {k: v for k, v in answers.items() if before.get(k, ("", ""))[0] != v}
            comments = {k: v for k, v in comments.items() if before.get(k, ("", ""))[1] != v}
            changes: dict[str, Any] = dict(head)
            if answers:
                changes["scores"] = answers
            if comments:
                changes["comments"] = comments
            try:
                services.inspection_correct(
                    user=request.user,
                    round_number=target.round.number,
                    unit_code=target.unit.code,
                    reason=form.cleaned_data["reason"],
                    **changes,
                )
            except ValidationError as exc:
                errors = _error_dict(exc)
                form.add_service_error(_head_errors(exc))
            else:
                messages.success(request, _("The correction is saved with its reason."))
                return redirect(_detail_url(target))
        else:
            errors = {}
    else:
        form = forms.CorrectionForm(initial=initial, **choices)
    context = {
        "target": target,
        "round": target.round,
        "unit": target.unit,
        "inspection": inspection,
        "form": form,
        "criteria": _criteria_views(
            criteria,
            scores,
            posted=request.POST if request.method == "POST" else None,
            errors=forms.item_errors(errors or {}),
        ),
    }
    status = 400 if request.method == "POST" else 200
    return render(request, "inspections/inspection_correct.html", context, status=status)


# --- checklists ------------------------------------------------------------------------------


@login_required
def checklist_list(request: HttpRequest) -> HttpResponse:
    """The current checklists, each with its versions."""
    scope = scope_of(request.user)
    if not (scope.sees_everything or scope.roles - {Role.MEMBER}):
        raise PermissionDenied(_("Your role does not read the checklists."))
    qs = queries.checklists_visible_to(request.user)
    current = list(qs.filter(is_current=True).order_by("name"))
    return render(request, "inspections/checklist_list.html", {"templates": current})


@login_required
def checklist_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One version of a checklist: criteria, items with their maximum, guidance and
    whether evidence is needed; the other versions and the rounds using each."""
    template = get_visible_or_404(queries.checklists_visible_to(request.user), pk=pk)
    criteria = queries.template_criteria(template)
    items = queries.template_items(criteria)
    context = {
        "template": template,
        "criteria": criteria,
        "scored_total": sum(
            (i.max_score or Decimal(0) for i in items if i.kind == ItemKind.SCORED), Decimal(0)
        ),
        "checks": sum(1 for i in items if i.kind == ItemKind.CHECK),
        "versions": list(queries.template_versions(template)),
        "rounds": list(template.rounds.order_by("number")),
        "may_edit": template.is_current and scope_of(request.user).is_office,
    }
    return render(request, "inspections/checklist_detail.html", context)


@login_required
def checklist_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """The office edits the current version of a checklist; saving makes a new version."""
    template = get_visible_or_404(queries.checklists_visible_to(request.user), pk=pk)
    if not scope_of(request.user).is_office:
        raise PermissionDenied(_("Only the city office edits checklists."))
    if not template.is_current:
        current = queries.checklists_visible_to(request.user).filter(
            name=template.name, is_current=True
        )
        if current.exists():
            return redirect("inspections:checklist_edit", pk=current.get().pk)
        raise Http404
    general: list[str] = []
    if request.method == "POST":
        rows = forms.rows_from_post(request.POST)
        data, places = forms.data_from_rows(rows)
        try:
            new = services_checklists.template_edit(
                user=request.user, template_id=template.pk, criteria=data
            )
        except ValidationError as exc:
            general = forms.attach_errors(_error_dict(exc), places)
        else:
            messages.success(
                request,
                _("Version %(version)d is saved and is now the current checklist.")
                % {"version": new.version},
            )
            return redirect("inspections:checklist_detail", pk=new.pk)
    else:
        rows = forms.rows_from_data(queries.template_as_data(template))
    context = {
        "template": template,
        "rows": forms.with_blank_rows(rows),
        "general": general,
        "kinds": ItemKind.choices,
    }
    status = 400 if request.method == "POST" else 200
    return render(request, "inspections/checklist_edit.html", context, status=status)
