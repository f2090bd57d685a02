"""REST resources of the problem ledger: categories, problems, photos and transitions.

Thin: parse, call :mod:`queries` or :mod:`services`, answer. Problems are
addressed by their public number, communities by 12-digit code, units by
credit code. Out of scope is 404, visible but not allowed 403, a value of the
right JSON type that is not acceptable (an unknown code, a date not written
``YYYY-MM-DD``, a latitude past 90) 400 naming the field, a body of the wrong
shape 422, and a transition based on a stale ``version`` 409.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Prefetch, Q, QuerySet
from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, File, Query, Router, Schema, Status, UploadedFile
from pydantic import StrictBool, StrictFloat, StrictInt

from gongzhi.core.api_helpers import renamed_errors
from gongzhi.core.api_schemas import ERRORS
from gongzhi.core.codes import normalise_code
from gongzhi.core.scoping import get_visible_or_404
from gongzhi.problems import extra_questions, queries, services, workflow
from gongzhi.problems.models import (
    NOT_OVERDUE_STATES,
    Category,
    CategoryGroup,
    Dispatch,
    EscalationKind,
    Problem,
    ProblemEvent,
    ProblemPhoto,
    ProblemSource,
    ProblemState,
)

router = Router(tags=["problems"])

DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
#: Dates outside this range are refused: no report or deadline lies there, and the
#: day arithmetic of the filters would run off the calendar.
FIRST_DAY = dt.date(1900, 1, 1)
LAST_DAY = dt.date(2999, 12, 31)

#: States in which a problem may still be marked a duplicate: only then are
#: suggestions of what it may duplicate worth showing.
SUGGEST_STATES = frozenset({ProblemState.REPORTED, ProblemState.ACCEPTED})


# --- schemas --------------------------------------------------------------------------


class CategoryOut(Schema):
    code: str
    name: str
    description: str
    group: str
    group_label: str
    deadline_working_days: int
    responsible_unit_kinds: list[str]
    extra_questions: list[dict[str, Any]]
    resident_reportable: bool


class ProblemOut(Schema):
    number: str
    title: str
    description: str
    category_code: str
    category_name: str
    source: str
    state: str
    priority: str
    community_code: str
    community_name: str
    address: str
    lat: float | None
    lng: float | None
    deadline: dt.date | None
    overdue: bool = Field(description="The deadline has passed and it is not yet handled.")
    unit_codes: list[str] = Field(description="Credit codes of the units it is dispatched to.")
    dispatched_to_community: bool
    duplicate_of: str | None = Field(description="Number of the problem this one duplicates.")
    pending_request: str = Field(description="extension, park or empty.")
    requested_deadline: dt.date | None
    satisfaction: str
    rework_count: int
    escalation: str = Field(description="reminder, chase, criticism or empty.")
    is_public: bool
    version: int = Field(description="Send it back with a transition (409 if it changed).")
    created_at: dt.datetime
    updated_at: dt.datetime
    handled_at: dt.datetime | None
    closed_at: dt.datetime | None
    reporter_name: str
    reporter_phone: str = Field(description="Masked unless you are area staff or the office.")


class ProblemPage(Schema):
    items: list[ProblemOut]
    next: str | None


class EventOut(Schema):
    action: str
    from_state: str
    to_state: str
    actor: str | None = Field(description="Username; null for the reporter or the system.")
    actor_role: str
    at: dt.datetime
    note: str
    data: dict[str, Any]


class PhotoOut(Schema):
    id: int
    event_id: int | None = Field(description="Null while it waits to be named in photo_ids.")
    thumb_url: str | None
    public_url: str | None
    original_url: str | None = Field(description="The original with its metadata: staff only.")
    width: int
    height: int
    created_at: dt.datetime


class ProblemDetailOut(ProblemOut):
    extra_answers: dict[str, Any]
    events: list[EventOut]
    photos: list[PhotoOut]
    allowed_actions: list[str]
    duplicate_suggestions: list[str] = Field(
        description="Numbers of open problems nearby of the same category, while it may "
        "still be marked a duplicate."
    )


class ProblemFilters(Schema):
    state: list[str] = Field(default_factory=list, description="Repeat for several states.")
    category: str = ""
    source: str = ""
    district: str = Field("", description="6-digit district code")
    street: str = Field("", description="9-digit street code")
    community: str = Field("", description="12-digit community code")
    unit: str = Field("", description="Credit code of a dispatched unit")
    overdue: bool = False
    escalation: str = ""
    start: str | None = Field(None, description="Reported on or after, YYYY-MM-DD")
    end: str | None = Field(None, description="Reported on or before, YYYY-MM-DD")
    q: str = Field("", description="The number, or words of the title, description, address")
    cursor: str | None = None
    limit: int | None = None


class ProblemIn(Schema):
    """``category_code``, ``source``, ``community_code``, ``description``; the rest optional."""

    category_code: str
    source: str = Field(
        description="grassroots_visit, community_patrol, resident_report, inspection, "
        "hotline_12345 or other"
    )
    community_code: str | None = Field(
        None, description="12-digit code; may be left out when lat and lng are given"
    )
    description: str
    title: str | None = None
    lat: StrictFloat | None = None
    lng: StrictFloat | None = None
    reporter_name: str | None = None
    reporter_phone: str | None = None
    address: str | None = None
    compound_id: StrictInt | None = None
    priority: str = Field("normal", description="low, normal, high or urgent")
    anonymous: StrictBool = False
    is_public: StrictBool = True
    extra_answers: dict[str, Any] | None = Field(
        None, description="Answers to the category's extra_questions, by question code"
    )


class TransitionIn(Schema):
    """``action``; ``version`` and the evidence the action needs (see docs/workflow.md)."""

    action: str
    version: StrictInt | None = Field(
        None,
        description="The version of the problem you acted on (409 if it changed since). "
        "Without it the transition applies to the current version.",
    )
    note: str | None = None
    unit_codes: list[str] = Field(default_factory=list)
    to_community: StrictBool = False
    deadline: str | None = Field(None, description="YYYY-MM-DD")
    duplicate_of: str | None = Field(None, description="Number of the original problem")
    rating: str | None = Field(None, description="satisfied, basically_satisfied, dissatisfied")
    photo_ids: list[StrictInt] = Field(
        default_factory=list, description="Ids of photos uploaded to this problem beforehand"
    )


# --- helpers --------------------------------------------------------------------------


def _date(field: str, value: str | None) -> dt.date | None:
    """A ``YYYY-MM-DD`` string as a date; anything else is a 400 naming ``field``."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    try:
        day = dt.date.fromisoformat(text) if DATE_RE.match(text) else None
    except ValueError:
        day = None
    if day is None:
        raise ValidationError({field: [_("Give the date as YYYY-MM-DD.")]})
    if not FIRST_DAY <= day <= LAST_DAY:
        raise ValidationError(
            {
                field: [
                    _("Give a date between %(first)s and %(last)s.")
                    % {"first": FIRST_DAY, "last": LAST_DAY}
                ]
            }
        )
    return day


def _with_relations(qs: QuerySet[Problem]) -> QuerySet[Problem]:
    """What a problem's body reads, fetched in a fixed number of queries for a whole page."""
    return qs.select_related("category", "community", "community__street", "duplicate_of")


def _list_relations(qs: QuerySet[Problem]) -> QuerySet[Problem]:
    return _with_relations(qs).prefetch_related(
        Prefetch("dispatches", queryset=Dispatch.objects.select_related("unit").order_by("pk"))
    )


def _problem_out(user: Any, problem: Problem, today: dt.date) -> dict[str, Any]:
    return {
        "number": problem.number,
        "title": problem.title,
        "description": problem.description,
        "category_code": problem.category.code,
        "category_name": problem.category.name,
        "source": problem.source,
        "state": problem.state,
        "priority": problem.priority,
        "community_code": problem.community.code,
        "community_name": problem.community.name,
        "address": problem.address,
        "lat": problem.lat,
        "lng": problem.lng,
        "deadline": problem.deadline,
        "overdue": problem.deadline is not None
        and problem.deadline < today
        and problem.state not in NOT_OVERDUE_STATES,
        "unit_codes": [d.unit.code for d in problem.dispatches.all()],
        "dispatched_to_community": problem.dispatched_to_community,
        "duplicate_of": problem.duplicate_of.number if problem.duplicate_of else None,
        "pending_request": problem.pending_request,
        "requested_deadline": problem.requested_deadline,
        "satisfaction": problem.satisfaction,
        "rework_count": problem.rework_count,
        "escalation": problem.escalation_kind,
        "is_public": problem.is_public,
        "version": problem.version,
        "created_at": problem.created_at,
        "updated_at": problem.updated_at,
        "handled_at": problem.handled_at,
        "closed_at": problem.closed_at,
        "reporter_name": "" if problem.reporter_anonymous else problem.reporter_name,
        "reporter_phone": queries.reporter_phone_for(user, problem),
    }


def _photo_url(photo: ProblemPhoto, kind: str) -> str | None:
    # The photo view checks who may see which copy; without it there is no URL.
    try:
        return reverse("problems:photo", args=(photo.pk, kind))
    except NoReverseMatch:
        return None


def _photo_out(photo: ProblemPhoto, *, original: bool) -> dict[str, Any]:
    return {
        "id": photo.pk,
        "event_id": photo.event_id,
        "thumb_url": _photo_url(photo, "thumb"),
        "public_url": _photo_url(photo, "public"),
        "original_url": _photo_url(photo, "original") if original else None,
        "width": photo.width,
        "height": photo.height,
        "created_at": photo.created_at,
    }


def _event_out(event: ProblemEvent) -> dict[str, Any]:
    return {
        "action": event.action,
        "from_state": event.from_state,
        "to_state": event.to_state,
        "actor": event.actor.get_username() if event.actor else None,
        "actor_role": event.actor_role,
        "at": event.at,
        "note": event.note,
        "data": event.data,
    }


def _suggestions(user: Any, problem: Problem) -> list[str]:
    if problem.state not in SUGGEST_STATES:
        return []
    found = queries.duplicate_suggestions_for(problem, user)
    return [s.problem.number for s in found]


def _detail_out(user: Any, problem: Problem) -> dict[str, Any]:
    """The problem with its history, photos, the caller's actions and possible originals."""
    out = _problem_out(user, problem, timezone.localdate())
    staff = queries.may_see_reporter_phone(user, problem)
    # Photos waiting to be named in a transition are shown only to whoever uploaded them.
    photos = problem.photos.filter(Q(event__isnull=False) | Q(uploaded_by_id=user.pk))
    out.update(
        extra_answers=problem.extra_answers,
        events=[_event_out(e) for e in problem.events.select_related("actor")],
        photos=[_photo_out(p, original=staff) for p in photos.order_by("created_at", "pk")],
        allowed_actions=workflow.actions_from(problem.state, services.actors_for(user, problem)),
        duplicate_suggestions=_suggestions(user, problem),
    )
    return out


def _reload(problem: Problem) -> Problem:
    """The problem as just written, with what its body reads (not through the scope:
    whoever reported or acted gets the result even if they cannot look it up later)."""
    return _list_relations(Problem.objects.filter(pk=problem.pk)).get()


def _visible(user: Any, number: str) -> Problem:
    return get_visible_or_404(
        _list_relations(queries.problems_visible_to(user)), number=number.strip()
    )


def _choice(field: str, value: str, choices: list[str]) -> str:
    value = value.strip()
    if value and value not in choices:
        raise ValidationError(
            {
                field: [
                    _("“%(value)s” is not one of: %(choices)s.")
                    % {"value": value, "choices": ", ".join(choices)}
                ]
            }
        )
    return value


def ledger_filter(filters: ProblemFilters) -> queries.LedgerFilter:
    """The list's query parameters as the ledger's filter; unknown choices are a 400."""
    states = tuple(
        _choice("state", s, list(ProblemState.values)) for s in filters.state if s.strip()
    )
    start = _date("start", filters.start)
    end = _date("end", filters.end)
    return queries.LedgerFilter(
        states=states,
        category=filters.category.strip(),
        source=_choice("source", filters.source, list(ProblemSource.values)),
        district=normalise_code(filters.district),
        street=normalise_code(filters.street),
        community=normalise_code(filters.community),
        unit=normalise_code(filters.unit),
        overdue=filters.overdue,
        escalation=_choice("escalation", filters.escalation, list(EscalationKind.values)),
        start=start,
        end=end,
        q=filters.q,
    )


# --- categories -----------------------------------------------------------------------


@router.get("categories", response={200: list[CategoryOut], **ERRORS})
def category_list(request: HttpRequest) -> list[dict[str, Any]]:
    """The whole taxonomy in display order (archived categories left out)."""
    return [_category_out(c) for c in queries.categories_active()]


def _category_out(category: Category) -> dict[str, Any]:
    return {
        "code": category.code,
        "name": category.name,
        "description": category.description,
        "group": category.group,
        "group_label": str(CategoryGroup(category.group).label)
        if category.group in CategoryGroup.values
        else category.group,
        "deadline_working_days": category.deadline_working_days,
        "responsible_unit_kinds": list(category.responsible_unit_kinds or []),
        "extra_questions": list(category.extra_questions or []),
        "resident_reportable": category.resident_reportable,
    }


# --- problems -------------------------------------------------------------------------


@router.get("problems", response={200: ProblemPage, **ERRORS})
def problem_list(request: HttpRequest, filters: Query[ProblemFilters]) -> dict[str, Any]:
    """The ledger in the caller's scope, newest first."""
    qs = queries.problems_filtered(request.user, ledger_filter(filters))
    page = queries.problems_page(_list_relations(qs), cursor=filters.cursor, limit=filters.limit)
    today = timezone.localdate()
    return {
        "items": [_problem_out(request.user, p, today) for p in page.items],
        "next": page.next_cursor,
    }


@router.get("problems/{number}", response={200: ProblemDetailOut, **ERRORS})
def problem_get(request: HttpRequest, number: str) -> dict[str, Any]:
    """One problem with its events, photos, the actions open to the caller and, while it
    may still be marked a duplicate, the problems it may duplicate."""
    return _detail_out(request.user, _visible(request.user, number))


@router.post("problems", response={201: ProblemDetailOut, **ERRORS})
def problem_create(request: HttpRequest, payload: ProblemIn) -> Status[dict[str, Any]]:
    """Report a problem; it starts in state ``reported``.

    ``extra_answers`` are checked against the category's extra questions like
    on the pages and in Open311 (errors name ``extra_answers.<code>``).
    """
    answers = _extra_answers(payload.category_code, payload.extra_answers)
    problem = services.problem_report(
        user=request.user,
        category_code=payload.category_code,
        source=payload.source,
        description=payload.description,
        title=payload.title or "",
        community_code=payload.community_code,
        compound_id=payload.compound_id,
        address=payload.address or "",
        lat=payload.lat,
        lng=payload.lng,
        reporter_name=payload.reporter_name or "",
        reporter_phone=payload.reporter_phone or "",
        anonymous=payload.anonymous,
        priority=payload.priority,
        is_public=payload.is_public,
        extra_answers=answers,
    )
    return Status(201, _detail_out(request.user, _reload(problem)))


def _extra_answers(category_code: str, given: dict[str, Any] | None) -> dict[str, Any]:
    category = Category.objects.active().filter(code=(category_code or "").strip()).first()
    if category is None:
        return {}  # the service names the unknown category
    raw: dict[str, str | list[str]] = {
        str(code): [str(v) for v in value] if isinstance(value, list) else str(value)
        for code, value in (given or {}).items()
        if value is not None
    }
    try:
        return extra_questions.clean_extra_answers(category, raw, local_times=False)
    except ValidationError as refused:
        raise ValidationError(
            {
                f"extra_answers.{field.removeprefix('extra_')}": messages
                for field, messages in refused.message_dict.items()
            }
        ) from refused


#: The upload's body as documented: one required file (a missing one is still a 400).
PHOTO_BODY = {
    "required": True,
    "content": {
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "properties": {
                    "photo": {
                        "type": "string",
                        "format": "binary",
                        "description": "A JPEG, PNG or WebP photo",
                    }
                },
                "required": ["photo"],
            }
        }
    },
}


@router.post(
    "problems/{number}/photos",
    response={201: PhotoOut, **ERRORS},
    openapi_extra={"requestBody": PHOTO_BODY},
)
def problem_photo_create(
    request: HttpRequest, number: str, photo: File[UploadedFile | None] = None
) -> Status[dict[str, Any]]:
    """Upload one photo (multipart field ``photo``) to name later in a transition's
    ``photo_ids``. Only someone who may act on the problem may upload."""
    if photo is None:
        raise ValidationError({"photo": [_("Choose a photo to upload.")]})
    stored = services.problem_photo_upload(
        user=request.user, problem_number=number.strip(), photo=photo
    )
    staff = queries.may_see_reporter_phone(request.user, stored.problem)
    return Status(201, _photo_out(stored, original=staff))


@router.post("problems/{number}/transitions", response={200: ProblemDetailOut, **ERRORS})
def problem_transition(request: HttpRequest, number: str, payload: TransitionIn) -> dict[str, Any]:
    """Take one action of the workflow on the problem (docs/workflow.md).

    ``version`` is the version of the problem the caller saw: if it has changed
    since, the answer is 409 and nothing is written. A caller that sends no
    ``version`` acts on the current one (the DESIGN.md body is ``action; note,
    unit_codes, deadline``); it then gets no protection from concurrent changes.
    """
    deadline = _date("deadline", payload.deadline)
    version = payload.version
    if version is None:
        version = get_visible_or_404(
            queries.problems_visible_to(request.user), number=number.strip()
        ).version
    try:
        problem = services.problem_transition(
            user=request.user,
            problem_number=number.strip(),
            action=payload.action.strip(),
            expected_version=version,
            note=payload.note or "",
            unit_codes=payload.unit_codes,
            to_community=payload.to_community,
            deadline=deadline,
            duplicate_of=payload.duplicate_of,
            rating=payload.rating,
            photo_ids=payload.photo_ids,
        )
    except ValidationError as exc:
        raise renamed_errors(exc, {"photos": "photo_ids"}) from exc
    return _detail_out(request.user, _reload(problem))
