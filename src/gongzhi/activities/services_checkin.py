"""Check-in by QR code, check-out, certification of volunteer hours, certificates.

- A QR code per session and community carries a signed token
  (:func:`checkin_token`), valid only in the session's window;
- a member checks in with their location (:func:`checkin_record`), accepted
  within the community's outline plus a margin, once per session, and checks
  out (:func:`checkin_checkout`), which gives hours;
- the community certifies the check-outs (:func:`checkin_certify`): "whoever
  organises records, whoever records certifies"; only certified hours count;
- the office or the member's unit liaison issues a certificate of volunteer
  service hours (:func:`certificate_issue`), its content frozen at issue.

Settings (read with defaults): ``CHECKIN_OPEN_MINUTES_BEFORE`` (60),
``CHECKIN_CLOSE_MINUTES_AFTER`` (120), ``CHECKIN_MARGIN_M`` (200),
``VOLUNTEER_CERT_ISSUER``, ``VOLUNTEER_CERT_PREFIX`` ("ZYSC"). docs/volunteer-hours.md.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core import signing
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from gongzhi.activities import queries_checkin as queries
from gongzhi.activities.models import CertificateCounter, CheckIn, VolunteerCertificate
from gongzhi.areas.models import Community
from gongzhi.areas.queries import communities_visible_to
from gongzhi.campaigns.models import Session, SessionStatus
from gongzhi.campaigns.queries import sessions_visible_to
from gongzhi.core.scoping import get_visible_or_404, scope_of
from gongzhi.core.validation import Errors, add_error, raise_if_errors
from gongzhi.problems.geo import EARTH_RADIUS_M, point_in_geometry
from gongzhi.units.models import Member
from gongzhi.units.queries import members_visible_to

TOKEN_SALT = "gongzhi.checkin"  # noqa: S105 - a signing salt, not a secret
DEFAULT_ISSUER = "社区环境共治平台"
QUARTER = dt.timedelta(minutes=15)


def _now() -> dt.datetime:
    """The current time (a seam for tests)."""
    return timezone.now()


def _setting_int(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


def margin_m() -> int:
    """``CHECKIN_MARGIN_M``: how far outside the outline a check-in is still accepted."""
    return _setting_int("CHECKIN_MARGIN_M", 200)


def certificate_issuer() -> str:
    """``VOLUNTEER_CERT_ISSUER``: the issuing organisation printed on certificates."""
    return str(getattr(settings, "VOLUNTEER_CERT_ISSUER", "") or DEFAULT_ISSUER)


# --- the window and the token -------------------------------------------------------------


@dataclass(frozen=True)
class Window:
    opens: dt.datetime
    closes: dt.datetime

    @property
    def length(self) -> dt.timedelta:
        return self.closes - self.opens


def checkin_window(session: Session) -> Window:
    """When check-in is open: on the session's date, from ``CHECKIN_OPEN_MINUTES_BEFORE``
    before its start to ``CHECKIN_CLOSE_MINUTES_AFTER`` after its end (local time)."""
    tz = timezone.get_default_timezone()
    start = timezone.make_aware(dt.datetime.combine(session.date, session.start_time), tz)
    end = timezone.make_aware(dt.datetime.combine(session.date, session.end_time), tz)
    before = dt.timedelta(minutes=_setting_int("CHECKIN_OPEN_MINUTES_BEFORE", 60))
    after = dt.timedelta(minutes=_setting_int("CHECKIN_CLOSE_MINUTES_AFTER", 120))
    return Window(opens=start - before, closes=end + after)


def checkin_token(session: Session, community: Community) -> str:
    """The signed token of the QR code of ``session`` in ``community``.

    It carries the session's id and the community's code; :func:`checkin_token_read`
    accepts it only within the session's window."""
    # No timestamp: the code of a session and community is the same however often it is
    # shown or printed; the session's window decides when it is accepted.
    return _signer().sign_object({"s": session.pk, "c": community.code}, compress=True)


def _signer() -> signing.Signer:
    return signing.Signer(salt=TOKEN_SALT)


@dataclass(frozen=True)
class TokenTarget:
    session: Session
    community: Community


def _time(value: dt.datetime) -> str:
    return timezone.localtime(value).strftime("%H:%M")


def _day(value: dt.date) -> str:
    return date_format(value, "Y-m-d")


def _refuse(message: str) -> ValidationError:
    return ValidationError({"token": [message]})


def checkin_token_peek(token: str) -> TokenTarget | None:
    """The session and community a genuine token names, whether or not check-in is open
    (so a page can still offer check-out); ``None`` for a token that is not genuine."""
    try:
        data = _signer().unsign_object(str(token or ""))
        session_pk, code = int(data["s"]), str(data["c"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return None
    session = Session.objects.select_related("campaign").filter(pk=session_pk).first()
    community = Community.objects.filter(code=code).first()
    if session is None or community is None:
        return None
    return TokenTarget(session=session, community=community)


def checkin_token_read(
    token: str, *, now: dt.datetime | None = None, session_id: int | None = None
) -> TokenTarget:
    """The session and community of a QR code's token, if check-in is open for them now.

    Refused (``ValidationError`` on ``token``) when the token was altered or damaged,
    when it is for another session than ``session_id``, for a session cancelled or not
    taking place, or outside the session's window."""
    now = now or _now()
    try:
        data = _signer().unsign_object(str(token or ""))
        session_pk, code = int(data["s"]), str(data["c"])
    except (signing.BadSignature, KeyError, TypeError, ValueError) as exc:
        raise _refuse(
            _(
                "This QR code is not valid: it is damaged or was altered. Scan the code "
                "again, or ask the community staff for a new one."
            )
        ) from exc
    session = Session.objects.select_related("campaign").filter(pk=session_pk).first()
    community = Community.objects.filter(code=code, archived_at__isnull=True).first()
    if session is None or community is None:
        raise _refuse(_("This QR code is for a session or community that no longer exists."))
    if session_id is not None and session.pk != session_id:
        raise _refuse(
            _("This QR code is for another session (%(date)s).") % {"date": _day(session.date)}
        )
    if session.status == SessionStatus.CANCELLED:
        reason = session.cancel_reason or _("no reason given")
        raise _refuse(
            _("The session of %(date)s was cancelled (%(reason)s); there is no check-in.")
            % {"date": _day(session.date), "reason": reason}
        )
    if session.status != SessionStatus.SCHEDULED:
        raise _refuse(
            _("The session of %(date)s does not take place; there is no check-in.")
            % {"date": _day(session.date)}
        )
    window = checkin_window(session)
    today = timezone.localdate(now)
    if session.date != today and not window.opens <= now <= window.closes:
        raise _refuse(
            _(
                "This QR code is for the session of %(date)s, not for today. Ask the "
                "community staff for today's code."
            )
            % {"date": _day(session.date)}
        )
    if now < window.opens:
        raise _refuse(
            _("Check-in for this session opens at %(time)s.") % {"time": _time(window.opens)}
        )
    if now > window.closes:
        raise _refuse(
            _("Check-in for this session closed at %(time)s.") % {"time": _time(window.closes)}
        )
    return TokenTarget(session=session, community=community)


# --- where the member stands ----------------------------------------------------------------


def _rings(geometry: Any) -> list[Sequence[Sequence[float]]]:
    if not isinstance(geometry, dict):
        return []
    kind = geometry.get("type")
    if kind == "Feature":
        return _rings(geometry.get("geometry"))
    coords = geometry.get("coordinates") or []
    polygons = [coords] if kind == "Polygon" else list(coords) if kind == "MultiPolygon" else []
    return [ring for polygon in polygons for ring in polygon if len(ring) >= 2]


def _segment_distance(px: float, py: float, ax: float, ay: float, bx: float, by: float) -> float:
    dx, dy = bx - ax, by - ay
    length2 = dx * dx + dy * dy
    t = 0.0 if length2 == 0 else max(0.0, min(1.0, ((px - ax) * dx + (py - ay) * dy) / length2))
    return math.hypot(px - (ax + t * dx), py - (ay + t * dy))


def distance_outside_m(lat: float, lng: float, outline: Any) -> float | None:
    """How far (metres) the point lies outside a GeoJSON (Multi)Polygon: 0 inside, else the
    distance to the nearest edge. ``None`` when there is no outline to measure against.

    Edges are measured in a local flat projection around the point, exact to well under
    a metre at the scale of a community."""
    rings = _rings(outline)
    if not rings:
        return None
    if point_in_geometry(lat, lng, outline):
        return 0.0
    metres_per_degree = math.pi * EARTH_RADIUS_M / 180
    kx = metres_per_degree * math.cos(math.radians(lat))

    def xy(point: Sequence[float]) -> tuple[float, float]:
        return (float(point[0]) - lng) * kx, (float(point[1]) - lat) * metres_per_degree

    best = math.inf
    for ring in rings:
        points = [xy(p) for p in ring]
        for (ax, ay), (bx, by) in zip(points, points[1:] + points[:1], strict=True):
            best = min(best, _segment_distance(0.0, 0.0, ax, ay, bx, by))
    return best


def _coordinate(errors: Errors, field: str, value: Any, limit: float) -> float | None:
    if value is None or value == "":
        add_error(errors, field, _("Your location is needed; allow the page to read it."))
        return None
    if isinstance(value, bool):
        add_error(errors, field, _("Enter a number."))
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        add_error(errors, field, _("Enter a number."))
        return None
    if not math.isfinite(number) or not -limit <= number <= limit:
        add_error(
            errors, field, _("Enter a number between -%(limit)s and %(limit)s.") % {"limit": limit}
        )
        return None
    return number


def _accuracy(errors: Errors, value: Any) -> float | None:
    if value is None or value == "":
        return None
    try:
        number = float(value) if not isinstance(value, bool) else math.nan
    except (TypeError, ValueError):
        number = math.nan
    if not math.isfinite(number) or number < 0 or number > 1e6:
        add_error(errors, "accuracy", _("Enter the accuracy in metres (0 or more)."))
        return None
    return number


def _location(lat: Any, lng: Any) -> tuple[float, float]:
    errors: Errors = {}
    lat_value = _coordinate(errors, "lat", lat, 90)
    lng_value = _coordinate(errors, "lng", lng, 180)
    raise_if_errors(errors)
    assert lat_value is not None and lng_value is not None  # noqa: S101 - narrowed above
    return lat_value, lng_value


def _check_fence(community: Community, lat: float, lng: float) -> None:
    """Inside the community's outline plus ``CHECKIN_MARGIN_M``, or a refusal with the distance."""
    distance = distance_outside_m(lat, lng, community.outline)
    if distance is None:
        raise ValidationError(
            {
                "location": [
                    _(
                        "%(community)s has no outline yet, so your location cannot be checked. "
                        "Ask the community staff to draw it."
                    )
                    % {"community": community.name}
                ]
            }
        )
    allowed = margin_m()
    if distance > allowed:
        raise ValidationError(
            {
                "location": [
                    _(
                        "You are %(distance)s m outside %(community)s; check-in is accepted "
                        "up to %(margin)s m from its outline."
                    )
                    % {
                        "distance": math.ceil(distance),
                        "community": community.name,
                        "margin": allowed,
                    }
                ]
            }
        )


# --- check-in and check-out ------------------------------------------------------------------


class AlreadyCheckedIn(ValidationError):
    """A member scanned again at a session they are checked in at; offers check-out."""

    def __init__(self, checkin: CheckIn) -> None:
        self.checkin = checkin
        super().__init__(
            {
                "token": [
                    _("You are already checked in at this session (since %(time)s).")
                    % {"time": _time(checkin.checked_in_at)}
                ]
            }
        )


def _member_or_refuse(user: Any) -> Member:
    member = queries.member_of(user)
    if member is None:
        raise PermissionDenied(
            _(
                "Your login is not linked to a member of a unit, so you cannot check in. "
                "Ask your unit's liaison to add you as a member."
            )
        )
    return member


@transaction.atomic
def checkin_record(
    user: Any,
    token: str,
    lat: Any,
    lng: Any,
    accuracy: Any = None,
    *,
    session_id: int | None = None,
    now: dt.datetime | None = None,
) -> CheckIn:
    """Check ``user``'s member record in at the session and community of a QR token.

    Accepted within the session's window, within the community's outline plus
    ``CHECKIN_MARGIN_M`` (refused with the distance otherwise), once per session
    (a second time raises :class:`AlreadyCheckedIn`)."""
    now = now or _now()
    member = _member_or_refuse(user)
    target = checkin_token_read(token, now=now, session_id=session_id)
    existing = CheckIn.objects.filter(session=target.session, member=member).first()
    if existing is not None:
        raise AlreadyCheckedIn(existing)
    errors: Errors = {}
    lat_value = _coordinate(errors, "lat", lat, 90)
    lng_value = _coordinate(errors, "lng", lng, 180)
    accuracy_value = _accuracy(errors, accuracy)
    raise_if_errors(errors)
    assert lat_value is not None and lng_value is not None  # noqa: S101 - narrowed above
    _check_fence(target.community, lat_value, lng_value)
    try:
        with transaction.atomic():
            return CheckIn.objects.create(
                session=target.session,
                community=target.community,
                member=member,
                unit=member.unit,
                checked_in_at=now,
                lat=lat_value,
                lng=lng_value,
                accuracy_m=accuracy_value,
            )
    except IntegrityError as exc:  # a second scan at the same moment
        raise AlreadyCheckedIn(CheckIn.objects.get(session=target.session, member=member)) from exc


def hours_between(checked_in_at: dt.datetime, until: dt.datetime, cap: dt.timedelta) -> Decimal:
    """Hours from check-in to ``until``, rounded down to the quarter hour, at most ``cap``."""
    span = max(dt.timedelta(0), min(until - checked_in_at, cap))
    quarters = span // QUARTER
    return (Decimal(quarters) / 4).quantize(Decimal("0.01"))


@transaction.atomic
def checkin_checkout(
    user: Any,
    checkin_id: int,
    lat: Any = None,
    lng: Any = None,
    *,
    now: dt.datetime | None = None,
) -> CheckIn:
    """Check a member out: sets ``checked_out_at`` and ``hours``.

    While the window is open the member must stand where they checked in (the
    community's outline plus the margin). Hours run from check-in to check-out, or
    to the window's close for a late check-out, rounded down to the quarter hour and
    never more than the session plus its margins."""
    now = now or _now()
    checkin = get_visible_or_404(
        queries.checkins_visible_to(user).select_for_update(of=("self",)), pk=checkin_id
    )
    if checkin.member.user_id is None or checkin.member.user_id != user.pk:
        raise PermissionDenied(_("Only the member who checked in can check out."))
    if checkin.checked_out_at is not None:
        raise ValidationError(
            {
                "checkin": [
                    _("You already checked out at %(time)s.")
                    % {"time": _time(checkin.checked_out_at)}
                ]
            }
        )
    window = checkin_window(checkin.session)
    location: tuple[float, float] | None = None
    if now <= window.closes:
        location = _location(lat, lng)
        _check_fence(checkin.community, *location)
    elif lat is not None and lng is not None:
        location = _location(lat, lng)
    checkin.checked_out_at = now
    checkin.out_lat, checkin.out_lng = location if location else (None, None)
    checkin.hours = hours_between(checkin.checked_in_at, min(now, window.closes), window.length)
    checkin.save(update_fields=["checked_out_at", "out_lat", "out_lng", "hours"])
    return checkin


def late_checkout(checkin: CheckIn) -> bool:
    """Checked out after the window closed (hours counted only to the close)."""
    return (
        checkin.checked_out_at is not None
        and checkin.checked_out_at > checkin_window(checkin.session).closes
    )


# --- certification ------------------------------------------------------------------------------


def _ids(errors: Errors, values: Any) -> list[int]:
    if not isinstance(values, list | tuple) or not values:
        add_error(errors, "checkin_ids", _("Choose the check-ins to certify."))
        return []
    ids: list[int] = []
    for value in values:
        if isinstance(value, bool) or not isinstance(value, int | str):
            add_error(errors, "checkin_ids", _("Check-ins are named by their numbers."))
            return []
        try:
            ids.append(int(value))
        except ValueError:
            add_error(errors, "checkin_ids", _("Check-ins are named by their numbers."))
            return []
    return ids


@transaction.atomic
def checkin_certify(
    user: Any,
    session_id: int,
    community_code: str,
    checkin_ids: Sequence[Any],
    *,
    now: dt.datetime | None = None,
) -> list[CheckIn]:
    """Certify check-outs at a session in a community, by that community's staff only.

    Only certified hours count as volunteer hours. Check-ins already certified stay
    as they were; every named check-in must be of this session and community and
    checked out, or nothing is certified."""
    now = now or _now()
    session = get_visible_or_404(sessions_visible_to(user), pk=session_id)
    community = get_visible_or_404(communities_visible_to(user), code=str(community_code))
    if community.pk not in scope_of(user).community_ids:
        raise PermissionDenied(
            _(
                "Only the staff of %(community)s certify its check-ins: whoever organises "
                "records, whoever records certifies."
            )
            % {"community": community.name}
        )
    if session.status != SessionStatus.SCHEDULED:
        raise ValidationError(
            {"session_id": [_("This session did not take place; nothing to certify.")]}
        )
    errors: Errors = {}
    ids = _ids(errors, checkin_ids)
    raise_if_errors(errors)
    rows = list(
        CheckIn.objects.select_for_update()
        .select_related("member")
        .filter(pk__in=ids, session=session, community=community)
        .order_by("pk")
    )
    found = {row.pk for row in rows}
    missing = sorted(set(ids) - found)
    if missing:
        add_error(
            errors,
            "checkin_ids",
            _("Not check-ins of this session in %(community)s: %(ids)s.")
            % {"community": community.name, "ids": ", ".join(str(i) for i in missing)},
        )
    open_rows = [row for row in rows if row.checked_out_at is None]
    if open_rows:
        add_error(
            errors,
            "checkin_ids",
            _("Not checked out yet, so there are no hours to certify: %(names)s.")
            % {"names": "、".join(row.member.name for row in open_rows)},
        )
    raise_if_errors(errors)
    for row in rows:
        if row.certified_at is None:
            row.certified_by = user
            row.certified_at = now
            row.save(update_fields=["certified_by", "certified_at"])
    return rows


# --- certificates --------------------------------------------------------------------------------


def _period(errors: Errors, start: Any, end: Any, today: dt.date) -> tuple[dt.date, dt.date]:
    values: dict[str, dt.date] = {}
    for field, value in (("start", start), ("end", end)):
        if isinstance(value, dt.datetime) or not isinstance(value, dt.date | str):
            add_error(errors, field, _("Enter a date as YYYY-MM-DD."))
            continue
        if isinstance(value, str):
            try:
                values[field] = dt.date.fromisoformat(value)
            except ValueError:
                add_error(errors, field, _("Enter a date as YYYY-MM-DD."))
                continue
        else:
            values[field] = value
    if "start" in values and "end" in values and values["end"] < values["start"]:
        add_error(errors, "end", _("The end date must not lie before the start date."))
    if "end" in values and values["end"] > today:
        add_error(errors, "end", _("The period must end today at the latest."))
    raise_if_errors(errors)
    return values["start"], values["end"]


def hours_text(hours: Decimal) -> str:
    """``Decimal("12.50")`` → ``"12.5"``, ``Decimal("3.00")`` → ``"3"``."""
    text = f"{hours.quantize(Decimal('0.01')):f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _next_number(year: int) -> str:
    """The next certificate number of ``year`` (``ZYSC2026-000001``), gap-free per year."""
    prefix = str(getattr(settings, "VOLUNTEER_CERT_PREFIX", "ZYSC"))[:8]
    try:
        with transaction.atomic():
            CertificateCounter.objects.get_or_create(year=year)
    except IntegrityError:  # created meanwhile by a concurrent issue
        pass
    CertificateCounter.objects.filter(year=year).update(last=F("last") + 1)
    last = CertificateCounter.objects.get(year=year).last
    return f"{prefix}{year}-{last:06d}"


@transaction.atomic
def certificate_issue(
    user: Any, member_id: int, start: Any, end: Any, *, today: dt.date | None = None
) -> VolunteerCertificate:
    """Issue a certificate of volunteer service hours (志愿服务时长证明) for a member and a
    period: by the city office or the member's unit liaison.

    It states what Order No. 67 (2021) of the Ministry of Civil Affairs asks for: the
    volunteer's identity (name, full ID number), the service period, the total of
    certified hours, the service content (sessions and communities), the issuing
    organisation (``VOLUNTEER_CERT_ISSUER``), a unique number and the date of issue.
    All of it is frozen in ``content``: later corrections never change it."""
    today = today or timezone.localdate()
    member = get_visible_or_404(members_visible_to(user), pk=member_id)
    scope = scope_of(user)
    if not (scope.is_office or member.unit_id in scope.unit_ids):
        raise PermissionDenied(
            _("Only the city office and the member's unit liaison issue certificates.")
        )
    errors: Errors = {}
    period_start, period_end = _period(errors, start, end, today)
    if not member.id_number:
        add_error(
            errors,
            "member_id",
            _(
                "%(name)s has no ID card number on record; the certificate must state it. "
                "Add it to the member first."
            )
            % {"name": member.name},
        )
    records = list(
        queries.certified_checkins(period_start, period_end)
        .filter(member=member)
        .select_related("session__campaign", "community")
        .order_by("session__date", "id")
    )
    if not records:
        add_error(
            errors,
            NON_FIELD_ERRORS,
            _("%(name)s has no certified volunteer hours from %(start)s to %(end)s.")
            % {"name": member.name, "start": _day(period_start), "end": _day(period_end)},
        )
    raise_if_errors(errors)
    total = sum((r.hours or Decimal(0) for r in records), Decimal(0)).quantize(Decimal("0.01"))
    number = _next_number(today.year)
    issuer = certificate_issuer()
    activities = list(dict.fromkeys(r.session.campaign.name for r in records))
    communities = list(dict.fromkeys(r.community.name for r in records))
    content = {
        "number": number,
        "name": member.name,
        "id_number": member.id_number,
        "volunteer_code": member.volunteer_code,
        "unit": member.unit.name,
        "start": period_start.isoformat(),
        "end": period_end.isoformat(),
        "hours": hours_text(total),
        "sessions": len(records),
        "activities": activities,
        "communities": communities,
        "records": [
            {
                "date": r.session.date.isoformat(),
                "activity": r.session.campaign.name,
                "community": r.community.name,
                "hours": hours_text(r.hours or Decimal(0)),
                "certified_on": timezone.localdate(r.certified_at).isoformat()
                if r.certified_at
                else "",
            }
            for r in records
        ],
        "issuer": issuer,
        "issued_on": today.isoformat(),
    }
    return VolunteerCertificate.objects.create(
        number=number,
        member=member,
        start=period_start,
        end=period_end,
        hours=total,
        issuer=issuer[:120],
        issued_on=today,
        issued_by=user,
        content=content,
    )
