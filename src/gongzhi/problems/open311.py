"""Open311 GeoReport v2 at /open311/v2/: discovery, services, requests and tokens.

Plain Django views, since the spec posts form-encoded bodies and answers in
XML as well as JSON. Every resource takes a ``.json`` or ``.xml`` suffix; the
XML is the spec's element names built with ElementTree, the JSON the same
data in the spec's "Spark" mapping (a list for a repeated element). Errors
are ``[{code, description}]`` (``<errors><error>…``): 400 bad input, 403 a
missing or unknown ``api_key``, 404 an unknown resource, 405 a wrong method.

Reading needs no key and shows public problems only, never the reporter's
name, phone or email. Posting needs an active :class:`Open311Client` key and
goes through ``services.problem_report`` like every other report.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import math
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_email
from django.db.models import Prefetch, QuerySet
from django.http import HttpRequest, HttpResponse, QueryDict
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from gongzhi.problems import extra_questions, geo, services
from gongzhi.problems.extra_questions import LIST_TYPES
from gongzhi.problems.models import (
    Category,
    CategoryGroup,
    Dispatch,
    Open311Client,
    Problem,
    ProblemEvent,
    ProblemPhoto,
    ProblemState,
)

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
#: When the shape of this endpoint last changed (discovery's sortable changeset).
CHANGESET = "2026-05-01 00:00"
CONTENT_TYPES = {"xml": "text/xml; charset=utf-8", "json": "application/json; charset=utf-8"}
MIME_TYPES = ["text/xml", "application/json"]
XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n'

#: Open311 reports "closed" for these states; every other state is "open".
CLOSED_STATES = frozenset({ProblemState.CLOSED, ProblemState.REJECTED, ProblemState.DUPLICATE})
WINDOW = dt.timedelta(days=90)
DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 200
MAX_DESCRIPTION = 4000

#: The element of each item of a list, by the list's element (XML only).
ITEM_TAGS = {
    "services": "service",
    "service_requests": "request",
    "errors": "error",
    "attributes": "attribute",
    "values": "value",
    "endpoints": "endpoint",
    "formats": "format",
}

ATTRIBUTE_RE = re.compile(r"^attribute\[([^\[\]]+)\](\[\])?$")
# Characters XML 1.0 cannot carry at all, not even escaped.
XML_INVALID_RE = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


class Open311Error(Exception):
    """An error answer: the HTTP status and one description per problem found."""

    def __init__(self, status: int, descriptions: list[str]) -> None:
        super().__init__(descriptions)
        self.status = status
        self.descriptions = descriptions


# --- rendering ----------------------------------------------------------------------


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return XML_INVALID_RE.sub("", str(value))


def _element(tag: str, value: Any) -> ET.Element:
    element = ET.Element(tag)
    if isinstance(value, dict):
        for key, item in value.items():
            element.append(_element(key, item))
    elif isinstance(value, list):
        for item in value:
            element.append(_element(ITEM_TAGS[tag], item))
    else:
        element.text = _text(value)
    return element


def render(data: Any, fmt: str, root: str, status: int = 200) -> HttpResponse:
    """``data`` as JSON, or as XML under the element ``root`` (ElementTree escapes)."""
    if fmt == "xml":
        body = XML_DECLARATION + ET.tostring(_element(root, data), encoding="unicode")
    else:
        body = json.dumps(data, ensure_ascii=False)
    # "replace": a lone surrogate stored through another door must not break the answer.
    content = body.encode("utf-8", "replace")
    return HttpResponse(content, status=status, content_type=CONTENT_TYPES[fmt])


def _errors(fmt: str, status: int, descriptions: list[str]) -> HttpResponse:
    body = [{"code": status, "description": d} for d in descriptions]
    return render(body, fmt, "errors", status)


def endpoint(*methods: str, root: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Check the format suffix and the method, run the view, render its data or its error."""
    allowed = set(methods) | ({"HEAD"} if "GET" in methods else set())

    def wrap(view: Callable[..., Any]) -> Callable[..., HttpResponse]:
        @csrf_exempt  # the api_key is the authentication, not a session cookie
        @functools.wraps(view)
        def run(request: HttpRequest, fmt: str, **kwargs: Any) -> HttpResponse:
            if fmt not in CONTENT_TYPES:
                message = _("Unknown format “%(format)s”: end the address in .json or .xml.")
                return _errors("xml", 404, [message % {"format": fmt}])
            if request.method not in allowed:
                message = _("Method %(method)s is not allowed here; use %(allowed)s.")
                names = ", ".join(sorted(methods))
                response = _errors(
                    fmt, 405, [message % {"method": request.method, "allowed": names}]
                )
                response["Allow"] = ", ".join(sorted(allowed))
                return response
            try:
                _refuse_nul([(k, [v]) for k, v in kwargs.items()] + list(request.GET.lists()))
                data = view(request, **kwargs)
            except Open311Error as error:
                return _errors(fmt, error.status, error.descriptions)
            return render(data, fmt, root)

        return run

    return wrap


def _refuse_nul(given: list[tuple[str, list[str]]]) -> None:
    """A NUL character fits no field (PostgreSQL cannot even store it): 400, naming the field."""
    bad = sorted({n for n, values in given if "\x00" in n + "".join(values)})
    if bad:
        message = _("%(field)s: the value contains a NUL character.")
        raise Open311Error(400, [message % {"field": n.replace("\x00", "")} for n in bad])


# --- discovery and services -----------------------------------------------------------


@endpoint("GET", root="discovery")
def discovery(request: HttpRequest) -> dict[str, Any]:
    """Where the endpoint lives, which formats it speaks and whom to ask for a key."""
    base = reverse("open311:discovery", kwargs={"fmt": "json"})[: -len("discovery.json")]
    contact = getattr(settings, "OPEN311_CONTACT", "") or _(
        "Contact the city office that runs this platform."
    )
    return {
        "changeset": CHANGESET,
        "contact": contact,
        "key_service": _(
            "Ask the city office for an api_key; it creates one in the admin under Open311 clients."
        ),
        "endpoints": [
            {
                "specification": SPECIFICATION,
                "url": request.build_absolute_uri(base),
                "changeset": CHANGESET,
                "type": "production",
                "formats": MIME_TYPES,
            }
        ],
    }


def _services() -> QuerySet[Category]:
    """The categories residents may report: the services of this endpoint."""
    return Category.objects.active().filter(resident_reportable=True).order_by("ordering", "code")


def _service_or_404(code: str) -> Category:
    category = _services().filter(code=code.strip()).first()
    if category is None:
        message = _("service_code: no service has the code “%(code)s”.")
        raise Open311Error(404, [message % {"code": code}])
    return category


@endpoint("GET", root="services")
def service_list(request: HttpRequest) -> list[dict[str, Any]]:
    return [
        {
            "service_code": c.code,
            "service_name": c.name,
            "description": c.description,
            "metadata": bool(extra_questions.questions_of(c)),
            "type": "realtime",
            "keywords": ", ".join([c.name, _group_label(c)]),
            "group": _group_label(c),
        }
        for c in _services()
    ]


def _group_label(category: Category) -> str:
    try:
        return str(CategoryGroup(category.group).label)
    except ValueError:
        return category.group


def _datatype_description(question: dict[str, Any]) -> str:
    datatype = question.get("datatype", "string")
    if datatype in LIST_TYPES:
        keys = ", ".join(str(v["key"]) for v in extra_questions.values_of(question))
        if datatype == "multivaluelist":
            return _("One or more of these keys: %(keys)s.") % {"keys": keys}
        return _("One of these keys: %(keys)s.") % {"keys": keys}
    return {
        "number": _("A number, e.g. 3 or 2.5."),
        "datetime": _("A date and time, e.g. 2026-05-01T09:30:00+08:00."),
        "text": _("Text; line breaks are allowed."),
    }.get(datatype, _("A line of text."))


@endpoint("GET", root="service_definition")
def service_definition(request: HttpRequest, code: str) -> dict[str, Any]:
    category = _service_or_404(code)
    return {
        "service_code": category.code,
        "attributes": [
            {
                "variable": True,
                "code": q.get("code", ""),
                "datatype": q.get("datatype", "string"),
                "required": bool(q.get("required")),
                "datatype_description": _datatype_description(q),
                "order": position,
                "description": q.get("description", ""),
                "values": extra_questions.values_of(q),
            }
            for position, q in enumerate(extra_questions.questions_of(category), start=1)
        ],
    }


# --- reading requests -----------------------------------------------------------------


def public_requests() -> QuerySet[Problem]:
    """Public problems with everything a request shows, in a fixed number of queries."""
    return (
        Problem.objects.filter(is_public=True)
        .select_related("category", "community", "duplicate_of")
        .prefetch_related(
            Prefetch(
                "dispatches",
                queryset=Dispatch.objects.select_related("unit").order_by("id"),
            ),
            Prefetch(
                "photos",
                queryset=ProblemPhoto.objects.filter(event__isnull=False).order_by(
                    "created_at", "id"
                ),
                to_attr="public_photos",
            ),
            Prefetch(
                "events",
                queryset=ProblemEvent.objects.filter(action="reject").order_by("at", "id"),
                to_attr="rejections",
            ),
        )
    )


def _w3c(moment: dt.datetime | None) -> str | None:
    if moment is None:
        return None
    return timezone.localtime(moment).isoformat(timespec="seconds")


def _status_notes(problem: Problem) -> str:
    label = str(ProblemState(problem.state).label)
    original = problem.duplicate_of
    if problem.state == ProblemState.DUPLICATE and original is not None and original.is_public:
        # Translators: the notes of a duplicate, e.g. "Duplicate of 2026-000100".
        return _("%(state)s of %(number)s") % {"state": label, "number": original.number}
    rejections = getattr(problem, "rejections", [])
    if problem.state == ProblemState.REJECTED and rejections and rejections[-1].note:
        # Translators: the notes of a rejected problem, e.g. "Rejected: not in the city".
        return _("%(state)s: %(reason)s") % {"state": label, "reason": rejections[-1].note}
    return label


def _agency(problem: Problem) -> str:
    names = [d.unit.name for d in problem.dispatches.all()]
    if problem.dispatched_to_community or not names:
        names.append(problem.community.name)
    return "、".join(names)


def _service_notice(category: Category) -> str:
    return _(
        "The community checks each report first; once it is dispatched, it is to be "
        "handled within %(days)d working days."
    ) % {"days": category.deadline_working_days}


def _media_url(request: HttpRequest, problem: Problem) -> str | None:
    photos = getattr(problem, "public_photos", [])
    if not photos:
        return None
    try:
        path = reverse("problems:photo", args=(photos[0].pk, "public"))
    except NoReverseMatch:
        return None
    return request.build_absolute_uri(path)


def request_out(request: HttpRequest, problem: Problem) -> dict[str, Any]:
    """One problem as an Open311 service request (no reporter details, ever)."""
    closed = problem.state in CLOSED_STATES
    updated = problem.closed_at if problem.state == ProblemState.CLOSED else None
    expected = None
    if problem.deadline is not None:
        end_of_day = dt.datetime.combine(problem.deadline, dt.time(23, 59, 59))
        expected = timezone.make_aware(end_of_day, timezone.get_default_timezone())
    return {
        "service_request_id": problem.number,
        "status": "closed" if closed else "open",
        "status_notes": _status_notes(problem),
        "service_name": problem.category.name,
        "service_code": problem.category.code,
        "description": problem.description,
        "agency_responsible": _agency(problem),
        "service_notice": None if closed else _service_notice(problem.category),
        "requested_datetime": _w3c(problem.created_at),
        "updated_datetime": _w3c(updated or problem.updated_at),
        "expected_datetime": _w3c(expected),
        "address": problem.address or problem.community.name,
        "address_id": None,
        "zipcode": None,
        "lat": problem.lat,
        "long": problem.lng,
        "media_url": _media_url(request, problem),
    }


def _csv(params: QueryDict, name: str) -> list[str]:
    return [v.strip() for raw in params.getlist(name) for v in raw.split(",") if v.strip()]


def _parse_w3c(params: QueryDict, name: str, end: bool) -> dt.datetime | None:
    raw = params.get(name, "").strip()
    return _w3c_value(raw, name, end) if raw else None


def _w3c_value(raw: str, field: str, end: bool) -> dt.datetime:
    """A W3C date-time with its offset, or a whole day in the city's time (its end if ``end``)."""
    try:
        return extra_questions.parse_w3c(raw, end=end)
    except ValueError:
        message = _("%(field)s: write a W3C date-time such as 2026-05-01T00:00:00+08:00.")
        raise Open311Error(400, [message % {"field": field}]) from None


def _positive_int(params: QueryDict, name: str, default: int) -> int:
    raw = params.get(name, "").strip()
    if not raw:
        return default
    if not (raw.isascii() and raw.isdigit()) or int(raw) < 1 or len(raw) > 6:
        message = _("%(field)s: give a whole number from 1 to 999999.")
        raise Open311Error(400, [message % {"field": name}])
    return int(raw)


def _requests_list(request: HttpRequest) -> list[dict[str, Any]]:
    params = request.GET
    qs = public_requests()
    numbers = _csv(params, "service_request_id")
    if len(numbers) > MAX_PAGE_SIZE or len(_csv(params, "service_code")) > MAX_PAGE_SIZE:
        message = _("%(field)s: ask for at most %(n)d at once.")
        field = "service_request_id" if len(numbers) > MAX_PAGE_SIZE else "service_code"
        raise Open311Error(400, [message % {"field": field, "n": MAX_PAGE_SIZE}])
    # The spec: service_request_id overrides every other argument.
    qs = qs.filter(number__in=numbers) if numbers else _filtered(params, qs)
    page = _positive_int(params, "page", 1)
    size = min(_positive_int(params, "page_size", DEFAULT_PAGE_SIZE), MAX_PAGE_SIZE)
    start = (page - 1) * size
    rows = qs.order_by("-created_at", "-id")[start : start + size]
    return [request_out(request, p) for p in rows]


def _filtered(params: QueryDict, qs: QuerySet[Problem]) -> QuerySet[Problem]:
    codes = _csv(params, "service_code")
    if codes:
        qs = qs.filter(category__code__in=codes)
    statuses = {s.lower() for s in _csv(params, "status")}
    unknown = sorted(statuses - {"open", "closed"})
    if unknown:
        message = _("status: “%(value)s” is not a status; use open or closed.")
        raise Open311Error(400, [message % {"value": v} for v in unknown])
    if statuses == {"open"}:
        qs = qs.exclude(state__in=CLOSED_STATES)
    elif statuses == {"closed"}:
        qs = qs.filter(state__in=CLOSED_STATES)
    start = _parse_w3c(params, "start_date", end=False)
    end = _parse_w3c(params, "end_date", end=True)
    if start is None:
        end = end or timezone.now()
        start = end - WINDOW
    elif end is None:
        end = start + WINDOW
    if end < start:
        raise Open311Error(400, [_("end_date: the end lies before the start_date.")])
    if end - start > WINDOW:
        raise Open311Error(400, [_("end_date: a search may span at most 90 days.")])
    return qs.filter(created_at__gte=start, created_at__lte=end)


@endpoint("GET", root="service_requests")
def request_detail(request: HttpRequest, number: str) -> list[dict[str, Any]]:
    problem = public_requests().filter(number=number).first()
    if problem is None:
        message = _("service_request_id: no public request has the id “%(id)s”.")
        raise Open311Error(404, [message % {"id": number}])
    return [request_out(request, problem)]


@endpoint("GET", root="service_requests")
def token_detail(request: HttpRequest, token: str) -> list[dict[str, Any]]:
    number = Problem.objects.filter(follow_token=token).values_list("number", flat=True).first()
    if number is None:
        raise Open311Error(404, [_("token: no request has this token.")])
    return [{"service_request_id": number, "token": token}]


@endpoint("GET", "POST", root="service_requests")
def requests_view(request: HttpRequest) -> list[dict[str, Any]]:
    if request.method == "POST":
        return _request_create(request)
    return _requests_list(request)


# --- posting a request ----------------------------------------------------------------

#: The service's field names, as an Open311 client knows them.
FIELD_NAMES = {
    "category_code": "service_code",
    "community_code": "lat/long",
    "lng": "long",
    "reporter_phone": "phone",
    "reporter_name": "first_name/last_name",
    "address": "address_string",
    "photos": "media",
}


def _client(key: str) -> Open311Client:
    key = key.strip()
    client = (
        Open311Client.objects.filter(key_hash=Open311Client.hash_key(key), is_active=True).first()
        if key
        else None
    )
    if client is None:
        raise Open311Error(403, [_("api_key: the key is missing or not valid.")])
    return client


def _coordinate(form: QueryDict, name: str, limit: float, errors: list[str]) -> float | None:
    raw = form.get(name, "").strip()
    if not raw:
        errors.append(_("%(field)s: give lat and long together.") % {"field": name})
        return None
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or not -limit <= value <= limit:
        message = _("%(field)s: “%(value)s” is not a number from %(low)s to %(high)s.")
        errors.append(message % {"field": name, "value": raw, "low": -limit, "high": limit})
        return None
    return value


def _point(form: QueryDict, errors: list[str]) -> tuple[float, float] | None:
    if not form.get("lat", "").strip() and not form.get("long", "").strip():
        if form.get("address_string", "").strip() or form.get("address_id", "").strip():
            errors.append(
                _(
                    "lat/long: give the place as lat and long (WGS-84); the community is found "
                    "from the point, an address alone is not enough."
                )
            )
        else:
            errors.append(_("lat/long: give the place as lat and long (WGS-84)."))
        return None
    lat = _coordinate(form, "lat", 90, errors)
    lng = _coordinate(form, "long", 180, errors)
    return None if lat is None or lng is None else (lat, lng)


def _attribute_error(error: ValidationError, field: str) -> str:
    """A refused answer in this endpoint's words, naming the ``attribute[code]``."""
    params = {**(error.params or {}), "field": field}
    if error.code == "required":
        return _("%(field)s: this answer is required.") % params
    if error.code == "one_value":
        return _("%(field)s: give one value only.") % params
    if error.code == "invalid_choice":
        return _("%(field)s: “%(value)s” is not one of %(keys)s.") % params
    if error.code == "invalid_number":
        return _("%(field)s: “%(value)s” is not a number.") % params
    if error.code == "invalid_datetime":
        return _("%(field)s: write a W3C date-time such as 2026-05-01T00:00:00+08:00.") % params
    if error.code == "max_length":
        return _("%(field)s: write at most %(n)d characters.") % params
    return f"{field}: {' '.join(error.messages)}"  # pragma: no cover - every code is above


def _answers(form: QueryDict, category: Category, errors: list[str]) -> dict[str, Any]:
    given: dict[str, list[str]] = {}
    for key in form:
        match = ATTRIBUTE_RE.match(key)
        if match:
            values = [v.strip() for v in form.getlist(key) if v.strip()]
            given.setdefault(match[1], []).extend(values)
    codes = {q["code"] for q in extra_questions.questions_of(category)}
    for code in sorted(set(given) - codes):
        message = _("attribute[%(code)s]: the service “%(service)s” asks no such question.")
        errors.append(message % {"code": code, "service": category.code})
    try:
        # The spec's date-times carry their offset: none is read as the city's time.
        return extra_questions.clean_extra_answers(category, given, local_times=False)
    except ValidationError as refused:
        for name, refusals in refused.error_dict.items():
            field = f"attribute[{name.removeprefix(extra_questions.FIELD_PREFIX)}]"
            errors.extend(_attribute_error(r, field) for r in refusals)
        return {}


def _contact(form: QueryDict, errors: list[str]) -> tuple[str, str, str]:
    """The reporter's name (family name first), phone and email."""
    first, last = form.get("first_name", "").strip(), form.get("last_name", "").strip()
    separator = " " if (last + first).isascii() else ""
    name = separator.join(part for part in (last, first) if part)
    if len(name) > 40:
        errors.append(_("first_name/last_name: the name is at most 40 characters."))
    phone = form.get("phone", "").strip()
    if phone and not services.PHONE_RE.match(phone):
        errors.append(_("phone: enter a phone number of digits, e.g. 13800000000."))
    email = form.get("email", "").strip()
    if email:
        try:
            validate_email(email)
        except ValidationError:
            errors.append(_("email: “%(value)s” is not an email address.") % {"value": email})
    return name, phone, email


def _request_create(request: HttpRequest) -> list[dict[str, Any]]:
    form = request.POST
    client = _client(form.get("api_key", ""))
    _refuse_nul(list(form.lists()))
    code = form.get("service_code", "").strip()
    if not code:
        raise Open311Error(400, [_("service_code: give the code of a service (see services).")])
    category = _service_or_404(code)
    errors: list[str] = []
    point = _point(form, errors)
    description = form.get("description", "").strip()
    if not description:
        errors.append(_("description: describe the problem."))
    elif len(description) > MAX_DESCRIPTION:
        message = _("description: write at most %(n)d characters.")
        errors.append(message % {"n": MAX_DESCRIPTION})
    address = form.get("address_string", "").strip()
    if len(address) > 200:
        errors.append(_("address_string: write at most 200 characters."))
    name, phone, email = _contact(form, errors)
    answers = _answers(form, category, errors)
    media_url = form.get("media_url", "").strip()
    if media_url:
        try:
            URLValidator(schemes=["http", "https"])(media_url)
        except ValidationError:
            errors.append(_("media_url: give an http or https address."))
    community = geo.community_at(*point) if point is not None else None
    if point is not None and community is None:
        errors.append(_("lat/long: the point lies in no community this platform serves."))
    if errors or community is None or point is None:
        raise Open311Error(400, errors)
    extra = dict(answers)
    extra.update({k: v for k, v in (("media_url", media_url), ("email", email)) if v})
    try:
        problem = services.problem_report(
            user=None,
            channel_source=client.source,
            source=client.source,
            category_code=category.code,
            description=description,
            community_code=community.code,
            address=address,
            lat=point[0],
            lng=point[1],
            reporter_name=name,
            reporter_phone=phone,
            extra_answers=extra,
        )
    except ValidationError as refused:
        raise Open311Error(400, _service_errors(refused)) from None
    Open311Client.objects.filter(pk=client.pk).update(last_used_at=timezone.now())
    return [
        {
            "service_request_id": problem.number,
            "service_notice": _service_notice(category),
            "account_id": None,
            "token": problem.follow_token,
        }
    ]


def _service_errors(refused: ValidationError) -> list[str]:
    if not hasattr(refused, "error_dict"):
        return list(refused.messages)
    return [
        f"{FIELD_NAMES.get(field, field)}: {message}"
        for field, messages in refused.message_dict.items()
        for message in messages
    ]
