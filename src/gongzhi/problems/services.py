"""Every write to the problem ledger: categories, reports and workflow transitions.

Each function takes the acting ``user`` first (``None`` for the public),
checks permission (``PermissionDenied``; out of scope is ``Http404``),
validates with messages naming the field (``ValidationError`` with a field
dict) and writes one ``ProblemEvent`` per change of a problem. A transition
is an ``UPDATE … WHERE version = expected`` so two people acting on the same
version cannot both win: the loser gets :class:`ConflictError` and nothing
is written.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
from collections.abc import Sequence
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.areas.models import Community, Compound
from gongzhi.campaigns.holidays import HolidayCalendar, load_calendar
from gongzhi.core.models import Role
from gongzhi.core.photo_store import (
    CheckedPhoto,
    PhotoUpload,
    photos_check,
    store_photo,
)
from gongzhi.core.scoping import get_visible_or_404, scope_of
from gongzhi.problems import geo, queries, workflow
from gongzhi.problems.models import (
    Category,
    Dispatch,
    PendingRequest,
    Priority,
    Problem,
    ProblemCounter,
    ProblemEvent,
    ProblemPhoto,
    ProblemSource,
    ProblemState,
    Satisfaction,
)
from gongzhi.problems.taxonomy import CATEGORIES
from gongzhi.problems.workflow import Actor, Evidence, Transition
from gongzhi.units.models import Unit

Errors = dict[str, list[str]]
PHONE_RE = re.compile(r"^\+?[0-9][0-9\- ]{4,18}[0-9]$")

#: At most this many photos go with one report or one action.


class ConflictError(Exception):
    """The problem changed since the version the caller saw (HTTP 409)."""

    def __init__(self, number: str) -> None:
        self.number = number
        super().__init__(
            _("Problem %(number)s was changed by someone else; reload it and try again.")
            % {"number": number}
        )


def _raise_if(errors: Errors) -> None:
    if errors:
        raise ValidationError(errors)


# --- categories -----------------------------------------------------------------


@transaction.atomic
def categories_seed(*, user: Any = None) -> int:
    """Create the taxonomy's categories that do not exist yet; returns how many.

    Idempotent: existing categories (possibly renamed by the office) are left
    as they are. ``user`` may be ``None`` for the demo and migrations;
    otherwise only the office may seed.
    """
    if user is not None and not scope_of(user).is_office:
        raise PermissionDenied(_("Only the city office can seed the categories."))
    existing = set(Category.objects.values_list("code", flat=True))
    created = [
        Category(
            code=code,
            name=name,
            group=group,
            deadline_working_days=days,
            responsible_unit_kinds=kinds,
            extra_questions=questions,
            resident_reportable=reportable,
            ordering=(position + 1) * 10,
        )
        for position, (code, name, group, days, kinds, questions, reportable) in enumerate(
            CATEGORIES
        )
        if code not in existing
    ]
    Category.objects.bulk_create(created)
    return len(created)


# --- deadlines ------------------------------------------------------------------


def add_working_days(start: dt.date, n: int, calendar: HolidayCalendar) -> dt.date:
    """The ``n``-th working day after ``start`` (``start`` itself not counted).

    Working days follow the campaign holiday calendar: weekdays that are not
    statutory holidays, plus weekend make-up working days (调休). ``n = 0``
    gives ``start``.
    """
    if n < 0:
        raise ValueError("n must not be negative")
    day = start
    counted = 0
    while counted < n:
        day += dt.timedelta(days=1)
        if calendar.is_workday(day):
            counted += 1
    return day


def deadline_for(category: Category, start: dt.date) -> dt.date:
    """The handling deadline of a problem of ``category`` dispatched on ``start``."""
    days = category.deadline_working_days
    # Generous: 3 working days per calendar week in the worst holiday stretch.
    calendar = load_calendar(start.year, (start + dt.timedelta(days=days * 3 + 14)).year)
    return add_working_days(start, days, calendar)


def shift_working_days(day: dt.date, n: int, calendar: HolidayCalendar) -> dt.date:
    """``day`` moved by ``n`` working days: after it for ``n > 0``, before it for
    ``n < 0`` (``day`` itself never counted), ``day`` itself for ``n = 0``."""
    if n >= 0:
        return add_working_days(day, n, calendar)
    counted = 0
    while counted < -n:
        day -= dt.timedelta(days=1)
        if calendar.is_workday(day):
            counted += 1
    return day


def _today() -> dt.date:
    return timezone.localdate()


# --- numbers --------------------------------------------------------------------


def _next_number(year: int) -> str:
    """Allocate the next public number of ``year``, e.g. ``2026-000123``.

    The counter row is incremented by an UPDATE, which holds its row lock
    until the surrounding transaction ends, so two reports never read the
    same value (SQLite serialises writers anyway).
    """
    updated = ProblemCounter.objects.filter(year=year).update(last=F("last") + 1)
    if not updated:
        try:
            with transaction.atomic():
                ProblemCounter.objects.create(year=year, last=1)
        except IntegrityError:
            ProblemCounter.objects.filter(year=year).update(last=F("last") + 1)
    last = ProblemCounter.objects.get(year=year).last
    return f"{year}-{last:06d}"


# --- photos ---------------------------------------------------------------------


def _photos_store(
    problem: Problem, checked: Sequence[CheckedPhoto], user: Any, event: ProblemEvent | None
) -> list[ProblemPhoto]:
    """Write checked photos: the original (staff only), a public copy and a thumbnail."""
    return [
        store_photo(ProblemPhoto(problem=problem, event=event), photo.raw, photo.info, user)
        for photo in checked
    ]


@transaction.atomic
def problem_photo_upload(*, user: Any, problem_number: str, photo: PhotoUpload) -> ProblemPhoto:
    """Upload one photo ahead of a transition (the API's two-step way).

    The photo waits, unattached, until the same user names it in
    ``photo_ids`` of a transition. Only someone who may act on the problem
    may upload.
    """
    problem = get_visible_or_404(queries.problems_visible_to(user), number=problem_number)
    if not actors_for(user, problem):
        raise PermissionDenied(_("You cannot add photos to this problem."))
    checked = photos_check([photo], field="photo")
    return _photos_store(problem, checked, user, None)[0]


def _pending_photos(
    user: Any, problem: Problem, photo_ids: Sequence[int | str]
) -> list[ProblemPhoto]:
    """The waiting photos of ``problem`` that ``user`` uploaded, by id; refuses any other id."""
    ids: set[int] = set()
    for value in photo_ids:
        try:
            ids.add(int(value))
        except (TypeError, ValueError):
            raise ValidationError(
                {"photo_ids": [_("“%(id)s” is not a photo id.") % {"id": value}]}
            ) from None
    if not ids:
        return []
    found = list(
        ProblemPhoto.objects.filter(
            pk__in=ids,
            problem=problem,
            event__isnull=True,
            uploaded_by=user if getattr(user, "is_authenticated", False) else None,
        )
    )
    if user is None or len(found) != len(ids):
        missing = sorted(ids - {p.pk for p in found})
        raise ValidationError(
            {
                "photo_ids": [
                    _("No photo waiting to be attached to this problem has the id %(ids)s.")
                    % {"ids": ", ".join(str(i) for i in missing)}
                ]
            }
        )
    return found


# --- reporting ------------------------------------------------------------------


def _may_report_in(user: Any, community: Community) -> bool:
    scope = scope_of(user)
    if scope.is_office or scope.has(Role.UNIT, Role.MEMBER, Role.INSPECTOR):
        return True
    return (
        community.pk in scope.community_ids
        or community.street_id in scope.street_ids
        or community.street.district_id in scope.district_ids
    )


@transaction.atomic
def problem_report(
    *,
    user: Any,
    category_code: str,
    source: str,
    description: str,
    title: str = "",
    community_code: str | None = None,
    compound_id: int | None = None,
    address: str = "",
    lat: float | None = None,
    lng: float | None = None,
    reporter_name: str = "",
    reporter_phone: str = "",
    anonymous: bool = False,
    priority: str = Priority.NORMAL,
    is_public: bool = True,
    extra_answers: dict[str, Any] | None = None,
    photos: Sequence[PhotoUpload] = (),
    channel_source: str | None = None,
    external_ref: str = "",
    reported_at: dt.datetime | None = None,
) -> Problem:
    """Record a new problem in state *reported* and write its first event.

    ``user`` ``None`` is a resident reporting through the public page: the
    source is then always *resident report* and the category must be one
    residents may report; a trusted channel (an Open311 client such as the
    12345 hotline's system) passes its own ``channel_source`` instead. The
    community is the one given, or the one whose outline contains
    ``lat``/``lng``. The new problem gets a ``follow_token`` for its reporter.

    Staff bringing in cases from another system (an import of the 12345 hotline's
    export) give ``external_ref``, the number that system gave the case, unique per
    source, and ``reported_at``, when it was reported there: the problem's number and
    its figures then belong to that day, not to the day of the import.
    """
    errors: Errors = {}
    public = user is None or not getattr(user, "is_authenticated", False)
    scope = scope_of(user)
    if not public and not scope.roles:
        raise PermissionDenied(_("Your account has no role that may report problems."))
    if not public and scope.roles <= {Role.LEADER}:
        raise PermissionDenied(_("Leaders read the ledger but do not report problems."))
    if public:
        source = channel_source or ProblemSource.RESIDENT_REPORT
    if source not in ProblemSource.values:
        errors.setdefault("source", []).append(_("Choose a valid source."))

    category = Category.objects.active().filter(code=(category_code or "").strip()).first()
    if category is None:
        errors.setdefault("category_code", []).append(
            _("No category has the code “%(code)s”.") % {"code": category_code}
        )
    elif public and not category.resident_reportable:
        errors.setdefault("category_code", []).append(
            _("Residents cannot report problems of the category “%(name)s”.")
            % {"name": category.name}
        )

    description = (description or "").strip()
    if not description:
        errors.setdefault("description", []).append(_("Describe the problem."))
    title = (title or "").strip()
    if len(title) > 120:
        errors.setdefault("title", []).append(_("The title is at most 120 characters."))
    if priority not in Priority.values:
        errors.setdefault("priority", []).append(_("Choose a valid priority."))

    if (lat is None) != (lng is None):
        errors.setdefault("lat", []).append(_("Give both latitude and longitude, or neither."))
    if lat is not None and not -90 <= lat <= 90:
        errors.setdefault("lat", []).append(_("Latitude must lie between -90 and 90."))
    if lng is not None and not -180 <= lng <= 180:
        errors.setdefault("lng", []).append(_("Longitude must lie between -180 and 180."))

    reporter_name = (reporter_name or "").strip()[:40]
    reporter_phone = (reporter_phone or "").strip()
    if anonymous:
        reporter_name, reporter_phone = "", ""
    if reporter_phone and not PHONE_RE.match(reporter_phone):
        errors.setdefault("reporter_phone", []).append(
            _("Enter a phone number of digits, e.g. 13800000000.")
        )

    community: Community | None = None
    if community_code:
        community = (
            Community.objects.active()
            .select_related("street")
            .filter(code=community_code.strip())
            .first()
        )
        if community is None:
            errors.setdefault("community_code", []).append(
                _("No community has the code “%(code)s”.") % {"code": community_code}
            )
    elif lat is not None and lng is not None and "lat" not in errors and "lng" not in errors:
        community = geo.community_at(lat, lng)
        if community is None:
            errors.setdefault("community_code", []).append(
                _("The point lies in no community we know; choose the community.")
            )
    elif "lat" not in errors:
        errors.setdefault("community_code", []).append(
            _("Choose the community, or give the place on the map.")
        )

    compound: Compound | None = None
    if compound_id is not None and community is not None:
        compound = Compound.objects.active().filter(pk=compound_id, community=community).first()
        if compound is None:
            errors.setdefault("compound_id", []).append(
                _("That compound does not lie in the community.")
            )
    external_ref = (external_ref or "").strip()
    if external_ref and public:
        external_ref = ""  # only staff bring cases from other systems
    if len(external_ref) > 60:
        errors.setdefault("external_ref", []).append(
            _("The external reference is at most 60 characters.")
        )
    elif external_ref and Problem.objects.filter(source=source, external_ref=external_ref).exists():
        errors.setdefault("external_ref", []).append(
            _("A problem from this source already has the reference “%(ref)s”.")
            % {"ref": external_ref}
        )
    now = timezone.now()
    if reported_at is not None and (public or timezone.is_naive(reported_at)):
        reported_at = None if public else timezone.make_aware(reported_at)
    if reported_at is not None and reported_at > now:
        errors.setdefault("reported_at", []).append(
            _("The time it was reported cannot lie in the future.")
        )
    try:
        checked = photos_check(photos)
    except ValidationError as refused:
        errors.update(refused.message_dict)
        checked = []
    _raise_if(errors)
    if category is None or community is None:  # pragma: no cover - errors raised above
        raise ValidationError({"community_code": [_("Choose the community.")]})
    if not public and not _may_report_in(user, community):
        raise PermissionDenied(_("You can report problems only inside your own area."))

    problem = Problem.objects.create(
        number=_next_number(timezone.localtime(reported_at or now).year),
        title=title,
        description=description,
        category=category,
        source=source,
        reporter_name=reporter_name,
        reporter_phone=reporter_phone,
        reporter_anonymous=anonymous,
        community=community,
        compound=compound,
        address=(address or "").strip()[:200],
        lat=lat,
        lng=lng,
        priority=priority,
        is_public=is_public,
        extra_answers=extra_answers or {},
        follow_token=secrets.token_urlsafe(24),
        created_by=None if public else user,
        external_ref=external_ref,
    )
    event = ProblemEvent.objects.create(
        problem=problem,
        action="report",
        from_state="",
        to_state=ProblemState.REPORTED,
        actor=None if public else user,
        actor_role=Actor.REPORTER if public else "",
    )
    if reported_at is not None:
        # Both stamps are set on creation; a case from elsewhere keeps its own day.
        Problem.objects.filter(pk=problem.pk).update(created_at=reported_at)
        ProblemEvent.objects.filter(pk=event.pk).update(at=reported_at)
        problem.created_at = event.at = reported_at
    stored = _photos_store(problem, checked, user, event)
    if stored:
        event.data = {"photos": [p.pk for p in stored]}
        event.save(update_fields=["data"])
    return problem


# --- transitions ----------------------------------------------------------------


#: The actor recorded on events of a rectification problem raised by an inspection:
#: the inspection group acts for the city office, which owns the supervision loop.
INSPECTION_ROLE = "inspection"


@transaction.atomic
def problem_report_dispatched(
    *,
    user: Any,
    category_code: str,
    community_code: str,
    description: str,
    unit_codes: Sequence[str],
    title: str = "",
    source: str = ProblemSource.INSPECTION,
    photos: Sequence[PhotoUpload] = (),
) -> Problem:
    """Record a rectification problem (整改) an inspection found, already accepted and
    dispatched to ``unit_codes`` with the category's deadline.

    Inspectors take no part in the workflow table, so this is the supervision loop's own
    door: only the office or an inspector may use it, the units must exist, and the
    events (report, accept, dispatch) name ``user`` with the role ``inspection``.
    """
    scope = scope_of(user)
    if not (scope.is_office or Role.INSPECTOR in scope.roles):
        raise PermissionDenied(_("Only the city office and inspectors raise rectifications."))
    codes = sorted({c.strip().upper() for c in unit_codes if c and c.strip()})
    units = list(Unit.objects.active().filter(code__in=codes))
    missing = sorted(set(codes) - {u.code for u in units})
    if not codes or missing:
        raise ValidationError(
            {
                "unit_codes": [
                    _("No active unit has the code %(codes)s.") % {"codes": ", ".join(missing)}
                    if missing
                    else _("Choose the unit that must rectify.")
                ]
            }
        )
    problem = problem_report(
        user=user,
        category_code=category_code,
        source=source,
        description=description,
        title=title,
        community_code=community_code,
        photos=photos,
    )
    today = _today()
    deadline = deadline_for(problem.category, today)
    Problem.objects.filter(pk=problem.pk).update(
        state=ProblemState.DISPATCHED,
        deadline=deadline,
        version=F("version") + 2,
        updated_at=timezone.now(),
    )
    Dispatch.objects.bulk_create([Dispatch(problem=problem, unit=u) for u in units])
    ProblemEvent.objects.filter(problem=problem).update(actor_role=INSPECTION_ROLE)
    ProblemEvent.objects.bulk_create(
        [
            ProblemEvent(
                problem=problem,
                action="accept",
                from_state=ProblemState.REPORTED,
                to_state=ProblemState.ACCEPTED,
                actor=user,
                actor_role=INSPECTION_ROLE,
            ),
            ProblemEvent(
                problem=problem,
                action="dispatch",
                from_state=ProblemState.ACCEPTED,
                to_state=ProblemState.DISPATCHED,
                actor=user,
                actor_role=INSPECTION_ROLE,
                data={
                    "unit_codes": codes,
                    "to_community": False,
                    "deadline": str(deadline),
                    "deadline_given": False,
                },
            ),
        ]
    )
    problem.refresh_from_db()
    return problem


def actors_for(user: Any, problem: Problem) -> set[str]:
    """The workflow actors ``user`` is for ``problem`` (``None`` is the reporter)."""
    if user is None:
        return {Actor.REPORTER}
    scope = scope_of(user)
    actors: set[str] = set()
    if scope.is_office:
        actors.add(Actor.OFFICE)
    community = problem.community
    if community.street.district_id in scope.district_ids:
        actors.add(Actor.DISTRICT)
    if community.street_id in scope.street_ids:
        actors.add(Actor.STREET)
    if community.pk in scope.community_ids:
        actors.add(Actor.COMMUNITY)
    if scope.unit_ids and problem.dispatches.filter(unit_id__in=scope.unit_ids).exists():
        actors.add(Actor.UNIT)
    return actors


def _refuse_state(t: Transition, problem: Problem) -> ValidationError:
    return ValidationError(
        {
            "action": [
                _("You cannot %(action)s a problem that is %(state)s.")
                % {
                    "action": workflow.action_verb(t.action),
                    "state": str(ProblemState(problem.state).label).lower(),
                }
            ]
        }
    )


@transaction.atomic
def problem_transition(
    *,
    user: Any,
    problem_number: str,
    action: str,
    expected_version: int,
    note: str = "",
    unit_codes: Sequence[str] = (),
    to_community: bool = False,
    deadline: dt.date | None = None,
    duplicate_of: str | None = None,
    rating: str | None = None,
    photos: Sequence[PhotoUpload] = (),
    photo_ids: Sequence[int | str] = (),
) -> Problem:
    """Take one action of the workflow table on a problem and record it.

    ``user`` ``None`` acts as the reporter; the caller (the public follow page)
    has proven that with the follow token. Checks, in order: the problem is
    visible (else 404), the action exists, the user is one of its actors here
    (else 403), the state allows it, the evidence is there; then the
    conditional update on ``expected_version`` (else :class:`ConflictError`).

    Photos come as new uploads (``photos``) and/or as ids of photos the same
    user uploaded to this problem beforehand (``photo_ids``); both are
    attached to the event.
    """
    if user is None:
        problem = get_visible_or_404(
            Problem.objects.select_related("category", "community__street"),
            number=problem_number,
        )
    else:
        problem = get_visible_or_404(queries.problems_visible_to(user), number=problem_number)
    t = workflow.transition_for(action)
    if t is None:
        raise ValidationError({"action": [_("Unknown action “%(action)s”.") % {"action": action}]})
    acting = actors_for(user, problem) & set(t.actors)
    if not acting:
        raise PermissionDenied(
            _("Your role cannot %(action)s this problem.")
            % {"action": workflow.action_verb(action)}
        )
    if problem.version != expected_version:
        # Stale before we even start: the caller acted on a view someone changed.
        raise ConflictError(problem.number)
    if problem.state not in t.from_states:
        raise _refuse_state(t, problem)
    if t.needs_pending and problem.pending_request != t.needs_pending:
        raise ValidationError(
            {
                "action": [
                    _("There is no pending request to %(action)s.")
                    % {"action": workflow.action_verb(action)}
                ]
            }
        )
    if t.sets_pending and problem.pending_request:
        raise ValidationError(
            {"action": [_("A request is already waiting for the office's decision.")]}
        )

    note = (note or "").strip()
    errors: Errors = {}
    data: dict[str, Any] = {}
    changes: dict[str, Any] = {}
    units: list[Unit] = []
    for evidence in t.evidence:
        field = workflow.EVIDENCE_FIELD[evidence]
        if evidence == Evidence.REASON and not note:
            errors.setdefault(field, []).append(_("Give a reason in the note."))
        elif evidence == Evidence.NOTE and not note:
            errors.setdefault(field, []).append(_("Write a note on what was done."))
        elif evidence == Evidence.PHOTO and not photo_ids and not photos:
            errors.setdefault(field, []).append(_("Attach at least one photo."))
        elif evidence == Evidence.DEADLINE and deadline is None:
            errors.setdefault(field, []).append(_("Give the deadline you ask for."))
        elif evidence == Evidence.TARGET and not unit_codes and not to_community:
            errors.setdefault(field, []).append(
                _("Choose at least one unit, or dispatch to the community.")
            )
        elif evidence == Evidence.DUPLICATE_OF and not duplicate_of:
            errors.setdefault(field, []).append(_("Give the number of the original problem."))
        elif evidence == Evidence.RATING and rating not in Satisfaction.values:
            errors.setdefault(field, []).append(
                _("Choose satisfied, basically satisfied or dissatisfied.")
            )
    _raise_if(errors)
    pending = _pending_photos(user, problem, photo_ids)
    checked = photos_check(photos)

    new_state = t.to_state or problem.state
    today = _today()
    now = timezone.now()

    if action == "mark_duplicate":
        original = (
            queries.problems_visible_to(user).filter(number=(duplicate_of or "").strip()).first()
            if user is not None
            else None
        )
        if original is None or original.pk == problem.pk:
            errors["duplicate_of"] = [_("No other problem you can see has that number.")]
        elif original.state == ProblemState.DUPLICATE:
            errors["duplicate_of"] = [
                _("Problem %(number)s is itself a duplicate; choose its original.")
                % {"number": original.number}
            ]
        else:
            changes["duplicate_of"] = original
            data["duplicate_of"] = original.number
    elif action == "dispatch":
        codes = sorted({c.strip().upper() for c in unit_codes if c and c.strip()})
        units = list(Unit.objects.active().filter(code__in=codes))
        missing = sorted(set(codes) - {u.code for u in units})
        if missing:
            errors["unit_codes"] = [
                _("No active unit has the code %(codes)s.") % {"codes": ", ".join(missing)}
            ]
        if deadline is not None and deadline < today:
            errors["deadline"] = [_("The deadline cannot lie in the past.")]
        given = deadline
        deadline = deadline or deadline_for(problem.category, today)
        changes.update(deadline=deadline, dispatched_to_community=bool(to_community))
        data.update(unit_codes=codes, to_community=bool(to_community), deadline=str(deadline))
        data["deadline_given"] = given is not None
    elif action == "request_extension":
        if deadline is not None and problem.deadline is not None and deadline <= problem.deadline:
            errors["deadline"] = [_("Ask for a deadline later than the current one.")]
        changes.update(requested_deadline=deadline)
        data.update(requested_deadline=str(deadline), deadline=str(problem.deadline or ""))
    elif action == "approve_extension":
        granted = deadline or problem.requested_deadline
        if granted is None:
            errors["deadline"] = [_("Give the new deadline.")]
        else:
            changes.update(deadline=granted, requested_deadline=None)
            data.update(old_deadline=str(problem.deadline or ""), deadline=str(granted))
    elif action in ("reject_extension", "reject_park"):
        changes.update(requested_deadline=None)
    elif action == "handle":
        changes.update(handled_at=now)
    elif action == "verify_pass":
        # A new closing: the reporter may rate it again (a rating that reopened
        # the problem stays in its event and in ``reopened_by_rating``).
        changes.update(closed_at=now, satisfaction="")
    elif action == "verify_fail":
        changes.update(rework_count=F("rework_count") + 1, handled_at=None)
        data["rework"] = problem.rework_count + 1
    elif action in ("rate", "callback"):
        if problem.satisfaction:
            errors["rating"] = [_("The result has already been rated.")]
        data["rating"] = rating
        changes.update(satisfaction=rating)
        if rating == Satisfaction.DISSATISFIED and not problem.reopened_by_rating:
            new_state = t.reopen_state or ProblemState.DISPATCHED
            changes.update(reopened_by_rating=True, closed_at=None, handled_at=None)
            data["reopened"] = True
    _raise_if(errors)

    if t.sets_pending:
        changes["pending_request"] = t.sets_pending
    elif t.needs_pending or t.to_state is not None and problem.pending_request:
        changes["pending_request"] = PendingRequest.NONE
    if new_state == ProblemState.DISPATCHED and problem.state == ProblemState.CLOSED:
        # Reopened by a rating: it is dispatched again with a fresh deadline.
        changes["deadline"] = deadline_for(problem.category, today)
        data["deadline"] = str(changes["deadline"])
    if "deadline" in changes and changes["deadline"] != problem.deadline:
        # Escalations count per deadline: a new one (dispatch, approved extension,
        # reopening by a rating) starts the ladder again. A failed verification
        # keeps the deadline, so the ladder carries on where it was.
        changes["escalation_kind"] = ""

    updated = Problem.objects.filter(pk=problem.pk, version=expected_version).update(
        state=new_state, version=F("version") + 1, updated_at=now, **changes
    )
    if not updated:
        raise ConflictError(problem.number)
    if action == "dispatch":
        Dispatch.objects.filter(problem=problem).exclude(unit__in=units).delete()
        have = set(Dispatch.objects.filter(problem=problem).values_list("unit_id", flat=True))
        Dispatch.objects.bulk_create(
            [Dispatch(problem=problem, unit=u) for u in units if u.pk not in have]
        )
    event = ProblemEvent.objects.create(
        problem=problem,
        action=action,
        from_state=problem.state,
        to_state=new_state,
        actor=user,
        actor_role=_preferred(acting),
        note=note,
        data=data,
    )
    stored = _photos_store(problem, checked, user, event)
    if pending:
        ProblemPhoto.objects.filter(pk__in=[p.pk for p in pending]).update(event=event)
    if stored or pending:
        event.data["photos"] = sorted([p.pk for p in pending] + [p.pk for p in stored])
        event.save(update_fields=["data"])
    problem.refresh_from_db()
    return problem


def _preferred(acting: set[str]) -> str:
    """The actor recorded on the event when the user acts in several capacities."""
    for actor in Actor.values:
        if actor in acting:
            return actor
    return ""
