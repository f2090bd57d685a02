"""Pages of the Friday sessions: the list, a session's page per community, the plan
and the photos. Attendance entry, confirmation, correction and absences are in
:mod:`gongzhi.activities.views_attendance`. Thin: read through queries, write
through services."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from gongzhi.activities import permissions, queries, services_plans
from gongzhi.activities.forms import PlanForm
from gongzhi.activities.models import ActivityPhoto, CleanupTask, SessionPlan
from gongzhi.areas.models import Community
from gongzhi.campaigns.models import Session, SessionStatus
from gongzhi.core.models import Role
from gongzhi.core.pagination import decode_cursor, encode_cursor
from gongzhi.core.photo_store import photo_response
from gongzhi.core.scoping import Scope, get_visible_or_404, scope_of
from gongzhi.core.xlsx import Column, Table, xlsx_response
from gongzhi.problems import queries as problem_queries

#: Sessions per page of the list, and communities per page of a session.
SESSIONS_PER_PAGE = 20
COMMUNITIES_PER_PAGE = 20
#: Upcoming sessions and plans shown above the list.
UPCOMING = 4
#: Open problems offered on the plan and attendance forms (newest first).
PROBLEM_CHOICES = 100

#: Roles that read the session pages (members have their own check-in pages).
READERS = (
    Role.OFFICE,
    Role.LEADER,
    Role.DISTRICT,
    Role.STREET,
    Role.COMMUNITY,
    Role.UNIT,
    Role.INSPECTOR,
)


def _today() -> dt.date:
    return timezone.localdate()


def require_reader(request: HttpRequest) -> Scope:
    scope = scope_of(request.user)
    if not scope.has(*READERS):
        raise PermissionDenied(_("Your role does not see the Friday sessions."))
    return scope


def session_or_404(request: HttpRequest, session_id: int) -> Session:
    require_reader(request)
    return get_visible_or_404(queries.sessions_in_scope(request.user), pk=session_id)


def community_or_404(request: HttpRequest, session: Session, code: str) -> Community:
    """A community of the session the user sees (404 otherwise)."""
    return get_visible_or_404(queries.session_communities(request.user, session), code=code)


def unit_only(scope: Scope) -> bool:
    """A unit liaison with no area: sees only their own units' rows."""
    return not (scope.sees_everything or scope.has_areas)


def open_problem_choices(user: Any, community: Community) -> list[tuple[str, str]]:
    """Open problems of ``community`` that ``user`` can see, as form choices."""
    qs = (
        problem_queries.problems_visible_to(user)
        .filter(community=community, state__in=problem_queries.OPEN_STATES)
        .order_by("-created_at", "-pk")[:PROBLEM_CHOICES]
    )
    return [(p.number, f"{p.number} · {p.title or p.category.name}") for p in qs]


def label_tasks(plans: list[SessionPlan]) -> list[SessionPlan]:
    """Give each plan its clean-up tasks' labels (``task_labels``) for the templates."""
    labels = dict(CleanupTask.choices)
    for plan in plans:
        plan.task_labels = [labels.get(code, code) for code in plan.tasks]  # type: ignore[attr-defined]
    return plans


# --- the list -------------------------------------------------------------------------


def _before(cursor: str | None) -> tuple[dt.date, int] | None:
    """The (date, id) after which the next page of past sessions starts."""
    value = decode_cursor(cursor)
    if not value or ":" not in value:
        return None
    day, _sep, pk = value.partition(":")
    try:
        return dt.date.fromisoformat(day), int(pk)
    except ValueError:
        return None


@login_required
def session_list(request: HttpRequest) -> HttpResponse:
    """Upcoming sessions, with the plans the user may read, and past sessions newest
    first, each with its figures within the user's scope."""
    scope = require_reader(request)
    user = request.user
    today = _today()
    sessions = queries.sessions_in_scope(user)
    upcoming = list(
        queries.with_counts(user, sessions.filter(date__gte=today)).order_by("date", "pk")[
            :UPCOMING
        ]
    )
    past = queries.with_counts(user, sessions.filter(date__lt=today)).order_by("-date", "-pk")
    after = _before(request.GET.get("cursor"))
    if after is not None:
        day, pk = after
        past = past.filter(date__lte=day).exclude(date=day, pk__gte=pk)
    rows = list(past[: SESSIONS_PER_PAGE + 1])
    next_url = None
    if len(rows) > SESSIONS_PER_PAGE:
        rows = rows[:SESSIONS_PER_PAGE]
        last = rows[-1]
        next_url = "?" + urlencode({"cursor": encode_cursor(f"{last.date}:{last.pk}")})
    plans: list[SessionPlan] = []
    if scope.has_areas or scope.unit_ids:
        plans = label_tasks(
            list(queries.plans_for(user, start=today).prefetch_related("problems")[: UPCOMING * 3])
        )
    context = {
        "upcoming": upcoming,
        "past": rows,
        "plans": plans,
        "next_url": next_url,
        "first_url": "?" if request.GET.get("cursor") else None,
        "today": today,
    }
    return render(request, "activities/session_list.html", context)


# --- one session ----------------------------------------------------------------------


def _community_page(
    request: HttpRequest, session: Session
) -> tuple[list[Community], str | None, str]:
    qs = queries.session_communities(request.user, session)
    wanted = request.GET.get("community", "").strip()
    if wanted:
        qs = qs.filter(code=wanted)
    after = decode_cursor(request.GET.get("cursor"))
    if after:
        qs = qs.filter(code__gt=after)
    chosen = list(qs[: COMMUNITIES_PER_PAGE + 1])
    next_url = None
    if len(chosen) > COMMUNITIES_PER_PAGE:
        chosen = chosen[:COMMUNITIES_PER_PAGE]
        next_url = "?" + urlencode({"cursor": encode_cursor(chosen[-1].code)})
    return chosen, next_url, wanted


def _card(
    request: HttpRequest, session: Session, overview: queries.CommunityOverview, scope: Scope
) -> dict[str, Any]:
    """One community's overview with what the user may do there."""
    user = request.user
    community = overview.community
    held = session.status == SessionStatus.SCHEDULED
    open_to_record = held and session.date <= _today()
    locked = _today() > permissions.editable_until(session.date) and not scope.is_office
    area = scope.is_office or permissions.is_area_staff(scope, community)
    own_rows = [row for row in overview.rows if row.unit.pk in scope.unit_ids]
    writes = permissions.writes(user)
    rows = [
        {
            "row": row,
            "may_confirm": row.attendance is not None
            and row.attendance.status == "submitted"
            and permissions.may_confirm(user, row.attendance),
        }
        for row in overview.rows
    ]
    return {
        "ov": overview,
        "rows": rows,
        "may_plan": held and permissions.may_plan(user, community),
        "may_record": writes and open_to_record and not locked and (area or bool(own_rows)),
        "may_absent": writes
        and held
        and not locked
        and any(
            row.expected and row.attendance is None and (area or row.unit.pk in scope.unit_ids)
            for row in overview.rows
        ),
    }


@login_required
def session_detail(request: HttpRequest, session_id: int) -> HttpResponse:
    """Per community in the user's scope: the plan, the units expected (present, absent
    with their reason, missing), units added, headcounts, leaders and photos."""
    session = session_or_404(request, session_id)
    scope = scope_of(request.user)
    if request.GET.get("format") == "xlsx":
        return _session_xlsx(request, session, scope)
    chosen, next_url, wanted = _community_page(request, session)
    overview = queries.session_overview(
        session, communities=chosen, unit_ids=scope.unit_ids if unit_only(scope) else None
    )
    label_tasks([ov.plan for ov in overview if ov.plan is not None])
    context = {
        "session": session,
        "cards": [_card(request, session, ov, scope) for ov in overview],
        "next_url": next_url,
        "first_url": "?" if request.GET.get("cursor") else None,
        "wanted": wanted,
        "editable_until": permissions.editable_until(session.date),
        "is_office": scope.is_office,
        "today": _today(),
    }
    return render(request, "activities/session_detail.html", context)


def _session_xlsx(request: HttpRequest, session: Session, scope: Scope) -> HttpResponse:
    """Every community of the session the reader sees, one row per unit expected or
    added: present (headcount, leader), absent (the reason) or missing."""
    communities = list(queries.session_communities(request.user, session))
    overview = queries.session_overview(
        session, communities=communities, unit_ids=scope.unit_ids if unit_only(scope) else None
    )
    status = {"present": _("Present"), "absent": _("Absent"), "missing": _("Missing")}
    yes, no = _("Yes"), _("No")
    rows = [
        [
            ov.community.code,
            ov.community.name,
            row.unit.code,
            row.unit.short_name or row.unit.name,
            yes if row.expected else no,
            status[row.status],
            row.attendance.headcount if row.attendance else None,
            row.attendance.leader_name if row.attendance else "",
            (yes if row.attendance.principal_leader_led else no) if row.attendance else "",
            row.absence.reason if row.absence else "",
        ]
        for ov in overview
        for row in ov.rows
    ]
    table = Table(
        title=_("Session of %(date)s") % {"date": session.date.isoformat()},
        sheet_name=session.date.isoformat(),
        columns=[
            Column(_("Community code")),
            Column(_("Community")),
            Column(_("Credit code")),
            Column(_("Unit")),
            Column(_("Expected (paired that day)")),
            Column(_("Status")),
            Column(_("Headcount (person-times)"), "int", total=True),
            Column(_("Team leader")),
            Column(_("The unit's principal leader led")),
            Column(_("Reason for absence")),
        ],
        rows=rows,
        totals_label=_("Total"),
    )
    filters = [(_("Session"), f"{session.campaign.name} · {session.date.isoformat()}")]
    return xlsx_response(f"session-{session.date.isoformat()}.xlsx", [table], filters=filters)


# --- the plan -------------------------------------------------------------------------


@login_required
def plan_edit(request: HttpRequest, session_id: int, community_code: str) -> HttpResponse:
    """Community staff (and street, district, office) write the plan of one session."""
    session = session_or_404(request, session_id)
    community = community_or_404(request, session, community_code)
    if not permissions.may_plan(request.user, community):
        raise PermissionDenied(_("Only the community's staff and the city office plan sessions."))
    plan = SessionPlan.objects.filter(session=session, community=community).first()
    initial: dict[str, Any] = {}
    if plan is not None:
        initial = {
            "meeting_point": plan.meeting_point,
            "meeting_time": plan.meeting_time,
            "contact_name": plan.contact_name,
            "contact_phone": plan.contact_phone,
            "tasks": list(plan.tasks),
            "problem_numbers": list(plan.problems.values_list("number", flat=True)),
            "notes": plan.notes,
        }
    choices = open_problem_choices(request.user, community)
    linked = set(initial.get("problem_numbers", [])) - {n for n, _label in choices}
    choices += [(n, n) for n in sorted(linked)]
    form = PlanForm(request.POST or None, initial=initial, problems=choices)
    if request.method == "POST" and form.is_valid():
        try:
            services_plans.session_plan_save(
                user=request.user,
                session_id=session.pk,
                community_code=community.code,
                **form.cleaned_data,
            )
        except ValidationError as exc:
            form.add_service_error(exc, {"session_id": "__all__", "community_code": "__all__"})
        else:
            messages.success(request, _("The plan is saved."))
            url = reverse("activities:session_detail", args=[session.pk])
            return redirect(f"{url}?{urlencode({'community': community.code})}")
    context = {"form": form, "session": session, "community": community}
    status = 400 if request.method == "POST" else 200
    return render(request, "activities/plan_form.html", context, status=status)


# --- photos ---------------------------------------------------------------------------

PHOTO_KINDS = ("thumb", "public", "original")


@require_GET
@login_required
def photo(request: HttpRequest, pk: int, kind: str) -> HttpResponseBase:
    """A photo of attendance or of a contribution: the thumbnail and the public copy (no
    metadata) to whoever may read what it proves; the original, EXIF and all, to the
    office and the staff of its community. Anything else is 404."""
    if kind not in PHOTO_KINDS:
        raise Http404
    item = ActivityPhoto.objects.select_related("community__street").filter(pk=pk).first()
    if item is None or not queries.photo_visible(request.user, item):
        raise Http404
    if kind == "original" and not permissions.may_see_originals(request.user, item.community):
        raise Http404
    return photo_response(item, kind, f"activity-{item.pk}")
