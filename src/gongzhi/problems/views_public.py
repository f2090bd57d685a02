"""Public pages for residents, no login: report a problem, follow it, rate the result.

Thin like every page: the form parses, ``services`` write, and what the
public may see of a problem is chosen here, once, by :func:`public_timeline`
(no staff names, no phone numbers, photos only as their metadata-free copies).

A reporter proves they own a report with its ``follow_token`` (in the link
they get after reporting); with it they see their report even when it is not
public, and may rate the result once it is closed.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import math
import secrets
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from axes.helpers import get_client_ip_address
from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from gongzhi.areas.models import Community
from gongzhi.core.photo_store import MAX_PHOTOS
from gongzhi.problems import extra_questions, services
from gongzhi.problems.forms_public import (
    HONEYPOT_FIELD,
    FollowLookupForm,
    PublicReportForm,
    RatingForm,
    community_groups,
    community_options,
)
from gongzhi.problems.models import (
    Problem,
    ProblemEvent,
    ProblemPhoto,
    ProblemSource,
    ProblemState,
    Satisfaction,
)
from gongzhi.problems.queries import OPEN_STATES
from gongzhi.units.models import Unit

S = ProblemState

# --- what the public reads -------------------------------------------------------------

#: The state of a problem in plain words, for residents.
STATE_WORDS: dict[str, Any] = {
    S.REPORTED: gettext_lazy("Received; waiting to be reviewed"),
    S.ACCEPTED: gettext_lazy("Accepted; being assigned to those who will fix it"),
    S.REJECTED: gettext_lazy("Not accepted"),
    S.DUPLICATE: gettext_lazy("Already reported by someone else"),
    S.DISPATCHED: gettext_lazy("Assigned; waiting to be fixed"),
    S.IN_PROGRESS: gettext_lazy("Being fixed"),
    S.HANDLED: gettext_lazy("Fixed; waiting for the community to check the result"),
    S.CLOSED: gettext_lazy("Fixed and checked; closed"),
    S.PARKED: gettext_lazy("On hold: it cannot be solved for now"),
}

#: The steps a resident recognises, and how far each state has come along them.
PROGRESS_STEPS = (
    gettext_lazy("Received"),
    gettext_lazy("Accepted"),
    gettext_lazy("Assigned"),
    gettext_lazy("Fixed"),
    gettext_lazy("Checked"),
)
_PROGRESS_OF_STATE: dict[str, int] = {
    S.REPORTED: 1,
    S.ACCEPTED: 2,
    S.DISPATCHED: 3,
    S.IN_PROGRESS: 3,
    S.HANDLED: 4,
    S.CLOSED: 5,
}

#: Workflow actions the public timeline shows; requests, refusals of requests and
#: escalation notices are the administration's internal business.
PUBLIC_ACTIONS = (
    "report",
    "accept",
    "reject",
    "mark_duplicate",
    "dispatch",
    "start",
    "handle",
    "verify_pass",
    "verify_fail",
    "approve_extension",
    "approve_park",
    "rate",
    "callback",
)


@dataclass
class PublicPhoto:
    thumb_url: str
    public_url: str


@dataclass
class PublicStep:
    """One entry of the public timeline: when, what happened, details and photos."""

    at: dt.datetime
    title: str
    lines: list[str] = field(default_factory=list)
    photos: list[PublicPhoto] = field(default_factory=list)
    tone: str = "secondary"


def _photo(pk: int, token: str = "") -> PublicPhoto | None:
    # The photo view is part of the staff pages; without it there is nothing to link.
    # A problem that is not public shows its photos to the holder of its follow token.
    query = f"?{urlencode({'token': token})}" if token else ""
    try:
        return PublicPhoto(
            thumb_url=reverse("problems:photo", args=(pk, "thumb")) + query,
            public_url=reverse("problems:photo", args=(pk, "public")) + query,
        )
    except NoReverseMatch:
        return None


def _date_text(value: str) -> str:
    try:
        return dt.date.fromisoformat(value).isoformat()
    except (TypeError, ValueError):
        return ""


def _step(event: ProblemEvent, unit_names: dict[str, str]) -> PublicStep:
    """The public wording of one event: no actor, no phone, only what residents need."""
    data = event.data or {}
    action = event.action
    step = PublicStep(at=event.at, title="")
    if action == "report":
        step.title, step.tone = _("Reported"), "primary"
    elif action == "accept":
        step.title, step.tone = _("Accepted for handling"), "primary"
    elif action == "reject":
        step.title, step.tone = _("Not accepted"), "danger"
        if event.note:
            step.lines.append(_("Reason: %(reason)s") % {"reason": event.note})
    elif action == "mark_duplicate":
        step.title = _("Found to be the same problem as %(number)s") % {
            "number": data.get("duplicate_of", "")
        }
    elif action == "dispatch":
        step.title, step.tone = _("Assigned to be fixed"), "primary"
        names = [unit_names.get(code, code) for code in data.get("unit_codes") or ()]
        if data.get("to_community"):
            names.append(_("the community"))
        if names:
            step.lines.append(_("By: %(names)s") % {"names": "、".join(names)})
        deadline = _date_text(data.get("deadline", ""))
        if deadline:
            step.lines.append(_("To be fixed by %(date)s") % {"date": deadline})
    elif action == "start":
        step.title = _("Work started")
    elif action == "handle":
        step.title, step.tone = _("Reported as fixed"), "success"
        if event.note:
            step.lines.append(event.note)
    elif action == "verify_pass":
        step.title, step.tone = _("The fix was checked and confirmed; closed"), "success"
    elif action == "verify_fail":
        step.title, step.tone = (
            _("The fix was checked and found not good enough; sent back to be fixed again"),
            "warning",
        )
    elif action == "approve_extension":
        step.title = _("More time granted")
        deadline = _date_text(data.get("deadline", ""))
        if deadline:
            step.lines.append(_("To be fixed by %(date)s") % {"date": deadline})
    elif action == "approve_park":
        step.title, step.tone = _("Put on hold: it cannot be solved for now"), "warning"
    elif action in ("rate", "callback"):
        rating = data.get("rating") or ""
        label = Satisfaction(rating).label if rating in Satisfaction.values else rating
        step.title = _("Rated by the reporter: %(rating)s") % {"rating": label}
        if data.get("reopened"):
            step.tone = "warning"
            step.lines.append(_("The reporter was not satisfied, so it is being fixed again."))
            deadline = _date_text(data.get("deadline", ""))
            if deadline:
                step.lines.append(_("To be fixed by %(date)s") % {"date": deadline})
    return step


def public_timeline(problem: Problem, *, token: str = "") -> list[PublicStep]:
    """The events of ``problem`` the public may read, oldest first, in three queries.

    ``token`` is the problem's own follow token, given when it is not public so
    that its photos can be shown to the reporter; without it such photos are left out.
    """
    events = list(
        ProblemEvent.objects.filter(problem=problem, action__in=PUBLIC_ACTIONS)
        .only("id", "action", "at", "note", "data", "problem_id")
        .prefetch_related(Prefetch("photos", queryset=ProblemPhoto.objects.only("id", "event_id")))
        .order_by("at", "id")
    )
    codes = {
        code
        for e in events
        if e.action == "dispatch"
        for code in (e.data or {}).get("unit_codes") or ()
    }
    unit_names = (
        dict(Unit.objects.filter(code__in=codes).values_list("code", "name")) if codes else {}
    )
    steps = []
    for event in events:
        step = _step(event, unit_names)
        # Only the resident's photos and the evidence of the fix are shown.
        if event.action in ("report", "handle") and (problem.is_public or token):
            step.photos = [
                p for p in (_photo(photo.pk, token) for photo in event.photos.all()) if p
            ]
        steps.append(step)
    return steps


# --- tokens ----------------------------------------------------------------------------


def _token_ok(problem: Problem, token: str | None) -> bool:
    expected = problem.follow_token or ""
    given = token or ""
    return bool(expected and given) and secrets.compare_digest(expected.encode(), given.encode())


def follow_url(problem: Problem, *, token: str | None = None) -> str:
    url = reverse("public:follow", args=(problem.number,))
    return f"{url}?{urlencode({'token': token})}" if token else url


def _problem_by_number(number: str) -> Problem:
    problem = (
        Problem.objects.select_related(
            "category", "community", "duplicate_of__category", "duplicate_of__community"
        )
        .filter(number=number)
        .first()
    )
    if problem is None:
        raise Http404
    return problem


# --- throttle --------------------------------------------------------------------------


def report_limit() -> int:
    """Reports accepted from one client address per clock hour (``PUBLIC_REPORT_PER_HOUR``)."""
    return int(getattr(settings, "PUBLIC_REPORT_PER_HOUR", 10))


def _throttle_key(request: HttpRequest) -> tuple[str, int]:
    address = get_client_ip_address(request) or "unknown"
    hour = int(time.time() // 3600)
    # The address is hashed: the cache (perhaps a shared Redis) keeps no raw addresses.
    digest = hashlib.sha256(f"{settings.SECRET_KEY}:{address}".encode()).hexdigest()[:32]
    return f"public-report:{hour}:{digest}", 3600 - int(time.time()) % 3600


def _reserve_slot(request: HttpRequest) -> tuple[bool, str, int]:
    """Count one report against the client's hourly allowance (atomically in the cache).

    Returns whether it is within the allowance, the key (to give the slot
    back when the report is refused) and the seconds until the window ends.
    """
    key, remaining = _throttle_key(request)
    cache.add(key, 0, timeout=remaining + 60)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=remaining + 60)
        count = 1
    return count <= report_limit(), key, remaining


def _release_slot(key: str) -> None:
    with contextlib.suppress(ValueError):  # the window ended meanwhile
        cache.decr(key)


# --- report ----------------------------------------------------------------------------


def _map_extent() -> tuple[float, float, float, float] | None:
    """``(min_lat, min_lng, max_lat, max_lng)`` for the first view: the middle half of the
    community centres in each direction, so the map opens on the town where most
    communities lie rather than on the whole prefecture. Cached for ten minutes."""
    cached = cache.get(EXTENT_CACHE_KEY)
    if cached is not None:
        return tuple(cached) if cached else None
    rows = list(
        Community.objects.active()
        .filter(centre_lat__isnull=False, centre_lng__isnull=False)
        .values_list("centre_lat", "centre_lng")
    )
    extent: tuple[float, float, float, float] | None = None
    if rows:
        lats = sorted(float(r[0]) for r in rows)
        lngs = sorted(float(r[1]) for r in rows)
        low, high = len(rows) // 4, max(len(rows) // 4, (3 * len(rows)) // 4 - 1)
        if len(rows) < 4:
            low, high = 0, len(rows) - 1
        extent = (lats[low], lngs[low], lats[high], lngs[high])
    cache.set(EXTENT_CACHE_KEY, list(extent) if extent else [], 600)
    return extent


EXTENT_CACHE_KEY = "gongzhi:report-map-extent"


def _report_page(
    request: HttpRequest,
    form: PublicReportForm,
    *,
    photo_errors: list[str] | None = None,
    retry_after: int | None = None,
    status: int = 200,
) -> HttpResponse:
    extent = _map_extent()
    context = {
        "form": form,
        "community_options": community_options(
            community_groups(),
            (form.data.get("community_code") or "").strip() if form.is_bound else "",
        ),
        "photo_errors": photo_errors or [],
        "photos_lost": form.is_bound and bool(request.FILES),
        "max_photos": MAX_PHOTOS,
        "extent": ",".join(f"{v:.6f}" for v in extent) if extent else "",
        "map_tile_url": settings.MAP_TILE_URL,
        "map_tile_attribution": settings.MAP_TILE_ATTRIBUTION,
        "honeypot": HONEYPOT_FIELD,
        "throttled": (
            {"limit": report_limit(), "minutes": max(1, (retry_after + 59) // 60)}
            if retry_after is not None
            else None
        ),
    }
    response = render(request, "problems/public/report.html", context, status=status)
    if retry_after is not None:
        response["Retry-After"] = str(retry_after)
    return response


@require_http_methods(["GET", "POST"])
def report(request: HttpRequest) -> HttpResponse:
    """Report a problem: kind, photos, place (pin or community), description, contact."""
    if request.method != "POST":
        return _report_page(request, PublicReportForm())
    form = PublicReportForm(request.POST)
    if form.honeypot_filled:
        form.is_valid()
        form.add_error(
            None,
            _(
                "Your report could not be sent: a hidden field meant to stop robots was "
                "filled in, perhaps by your browser's autofill. Please send it again."
            ),
        )
        return _report_page(request, form, status=400)
    allowed, key, retry_after = _reserve_slot(request)
    if not allowed:
        # What the resident typed stays on the page; only the sending is refused.
        form.is_valid()
        return _report_page(request, form, retry_after=retry_after, status=429)
    if not form.is_valid():
        _release_slot(key)
        return _report_page(request, form, status=400)
    data = form.cleaned_data
    try:
        problem = services.problem_report(
            user=None,
            source=ProblemSource.RESIDENT_REPORT,
            category_code=data["category_code"],
            description=data["description"],
            community_code=data["community_code"] or None,
            address=data["address"],
            lat=data["lat"],
            lng=data["lng"],
            reporter_name=data["reporter_name"],
            reporter_phone=data["reporter_phone"],
            anonymous=data["anonymous"],
            extra_answers=data["extra_answers"],
            photos=request.FILES.getlist("photos"),
        )
    except ValidationError as exc:
        _release_slot(key)
        errors = dict(exc.message_dict) if hasattr(exc, "error_dict") else {}
        photo_errors = errors.pop("photos", [])
        if errors or not hasattr(exc, "error_dict"):
            form.add_service_error(ValidationError(errors) if errors else exc)
        return _report_page(request, form, photo_errors=photo_errors, status=400)
    done = reverse("public:report_done", args=(problem.number,))
    return redirect(f"{done}?{urlencode({'token': problem.follow_token})}")


@require_GET
def report_done(request: HttpRequest, number: str) -> HttpResponse:
    """The reporter's receipt: the public number and the follow link to keep."""
    problem = _problem_by_number(number)
    token = request.GET.get("token", "")
    if not _token_ok(problem, token):
        raise Http404
    link = request.build_absolute_uri(follow_url(problem, token=token))
    return render(
        request,
        "problems/public/report_done.html",
        {"problem": problem, "follow_link": link, "follow_path": follow_url(problem, token=token)},
    )


#: At most this many outlines per answer, and none for a view wider than this (degrees).
MAX_OUTLINES = 400
MAX_OUTLINE_SPAN = 0.5


@require_GET
def outlines(request: HttpRequest) -> JsonResponse:
    """Community outlines around the map's view, as GeoJSON (public data).

    ``bbox=min_lng,min_lat,max_lng,max_lat``; communities whose centre lies in
    it (with a margin) are sent, at most :data:`MAX_OUTLINES`, and nothing when
    the view is wider than :data:`MAX_OUTLINE_SPAN` degrees (zoom in first).
    """
    try:
        min_lng, min_lat, max_lng, max_lat = (float(v) for v in request.GET["bbox"].split(","))
        if not all(math.isfinite(v) for v in (min_lng, min_lat, max_lng, max_lat)):
            raise ValueError("not finite")
    except (KeyError, ValueError):
        return JsonResponse({"detail": _("Give bbox=min_lng,min_lat,max_lng,max_lat.")}, status=400)
    features: list[dict[str, Any]] = []
    too_wide = max_lng - min_lng > MAX_OUTLINE_SPAN or max_lat - min_lat > MAX_OUTLINE_SPAN
    if not too_wide:
        margin = 0.02
        rows = (
            Community.objects.active()
            .filter(
                outline__isnull=False,
                centre_lat__gte=min_lat - margin,
                centre_lat__lte=max_lat + margin,
                centre_lng__gte=min_lng - margin,
                centre_lng__lte=max_lng + margin,
            )
            .order_by("code")
            .values_list("code", "name", "outline")[:MAX_OUTLINES]
        )
        features = [
            {"type": "Feature", "properties": {"code": code, "name": name}, "geometry": outline}
            for code, name, outline in rows
        ]
    response = JsonResponse(
        {"type": "FeatureCollection", "features": features, "too_wide": too_wide}
    )
    response["Cache-Control"] = "public, max-age=300"
    return response


# --- follow ----------------------------------------------------------------------------


@require_GET
def follow_lookup(request: HttpRequest) -> HttpResponse:
    """Type a report number, go to its follow page."""
    form = FollowLookupForm(request.GET if "number" in request.GET else None)
    if form.is_bound and form.is_valid():
        number = form.cleaned_data["number"]
        if Problem.objects.filter(number=number, is_public=True).exists():
            return redirect("public:follow", number=number)
        form.add_error(
            "number",
            _(
                "No public report has the number %(number)s. Check the number, or open "
                "the link you got when you reported it."
            )
            % {"number": number},
        )
    status = 400 if form.is_bound else 200
    return render(request, "problems/public/follow_lookup.html", {"form": form}, status=status)


def _follow_page(
    request: HttpRequest,
    problem: Problem,
    *,
    token: str,
    rating_form: RatingForm | None = None,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    has_token = _token_ok(problem, token)
    original = problem.duplicate_of
    # A duplicate's reporter follows the original, whose progress is theirs.
    subject = original if original is not None and (original.is_public or has_token) else problem
    may_rate = has_token and problem.state == S.CLOSED and not problem.satisfaction
    if may_rate and rating_form is None:
        rating_form = RatingForm(initial={"version": problem.version, "token": token})
    context = {
        "problem": problem,
        "subject": subject,
        "original": original,
        "original_link": (
            follow_url(original) if original is not None and original.is_public else ""
        ),
        "state_words": STATE_WORDS.get(subject.state, subject.get_state_display()),
        "progress": _progress(subject),
        "deadline": subject.deadline if subject.state in (S.DISPATCHED, S.IN_PROGRESS) else None,
        # List and number answers only: free text may name people or flats.
        "answers": extra_questions.answer_rows(
            subject.category, subject.extra_answers, public=True
        ),
        "steps": public_timeline(
            subject,
            token=token or "" if has_token and subject == problem and not problem.is_public else "",
        ),
        "has_token": has_token,
        "token": token if has_token else "",
        "rating_form": rating_form if may_rate else None,
        "rating_label": (Satisfaction(problem.satisfaction).label if problem.satisfaction else ""),
        # Said while it is being fixed again; once closed again the timeline tells it.
        "reopened_by_rating": problem.reopened_by_rating
        and problem.satisfaction == Satisfaction.DISSATISFIED
        and problem.state in OPEN_STATES,
        "error": error,
        "lookup_form": FollowLookupForm(),
    }
    response = render(request, "problems/public/follow.html", context, status=status)
    if has_token:
        # The link is the reporter's key: keep the page out of shared caches.
        response["Cache-Control"] = "private, no-store"
    return response


def _progress(problem: Problem) -> list[dict[str, Any]]:
    """The resident's five steps, or none for a problem off that path (rejected, parked…)."""
    if problem.state not in _PROGRESS_OF_STATE:
        return []
    reached = _PROGRESS_OF_STATE.get(problem.state, 0)
    return [
        {"label": label, "done": position <= reached, "current": position == reached}
        for position, label in enumerate(PROGRESS_STEPS, start=1)
    ]


@require_GET
def follow(request: HttpRequest, number: str) -> HttpResponse:
    """A report's progress: public reports for anyone, any report with its follow token."""
    problem = _problem_by_number(number)
    token = request.GET.get("token", "")
    if not (problem.is_public or _token_ok(problem, token)):
        raise Http404
    return _follow_page(request, problem, token=token)


@require_POST
def rate(request: HttpRequest, number: str) -> HttpResponse:
    """The reporter rates the result of a closed problem (once; dissatisfied reopens it once)."""
    problem = _problem_by_number(number)
    token = request.POST.get("token", "")
    if not _token_ok(problem, token):
        raise Http404
    form = RatingForm(request.POST)
    if not form.is_valid():
        stale = "version" in form.errors or "token" in form.errors
        return _follow_page(
            request,
            problem,
            token=token,
            rating_form=RatingForm(initial={"version": problem.version, "token": token})
            if stale
            else form,
            error=_("The page was out of date; please rate again.") if stale else "",
            status=400,
        )
    data = form.cleaned_data
    try:
        rated = services.problem_transition(
            user=None,
            problem_number=problem.number,
            action="rate",
            expected_version=data["version"],
            rating=data["rating"],
            note=data["comment"],
        )
    except services.ConflictError:
        problem = _problem_by_number(number)
        fresh = RatingForm(
            initial={
                "version": problem.version,
                "token": token,
                "rating": data["rating"],
                "comment": data["comment"],
            }
        )
        return _follow_page(
            request,
            problem,
            token=token,
            rating_form=fresh,
            error=_(
                "The report changed while you were rating it; its current state is shown "
                "below. Please check it and rate again if you still can."
            ),
            status=409,
        )
    except ValidationError as exc:
        form.add_service_error(exc)
        problem = _problem_by_number(number)
        message = " ".join(str(m) for m in exc.messages)
        return _follow_page(
            request, problem, token=token, rating_form=form, error=message, status=400
        )
    except PermissionDenied as exc:  # pragma: no cover - the reporter may always rate
        raise Http404 from exc
    if rated.satisfaction == Satisfaction.DISSATISFIED and rated.state == S.DISPATCHED:
        messages.warning(
            request,
            _(
                "Thank you. As you are not satisfied, the problem has been reopened and "
                "will be fixed again."
            ),
        )
    else:
        messages.success(request, _("Thank you for your rating."))
    return redirect(follow_url(rated, token=token))
