"""Writes of campaigns, sessions and the holiday table. Only the city office writes."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history

from gongzhi.areas.models import Community
from gongzhi.campaigns.holidays import HolidayCalendar, load_calendar
from gongzhi.campaigns.models import (
    Campaign,
    HolidayDate,
    HolidayYear,
    Session,
    SessionStatus,
)
from gongzhi.campaigns.queries import rule_of
from gongzhi.campaigns.schedule import MODES, POLICIES, PlannedSession, plan_between
from gongzhi.core.scoping import scope_of

RULE_FIELDS = (
    "weekday",
    "nth",
    "mode",
    "start_time",
    "end_time",
    "holiday_policy",
    "allow_makeup_workdays",
)
#: Short names that would collide with the campaign pages' own addresses.
RESERVED_SLUGS = frozenset({"new", "calendar", "holidays"})
CAMPAIGN_FIELDS = ("slug", "name", "start", "end", "community_codes", *RULE_FIELDS)


def _require_office(user: Any) -> None:
    if user is None or not scope_of(user).is_office:
        raise PermissionDenied(_("Only the city office may change campaigns and schedules."))


def _parse_time(value: Any) -> dt.time | None:
    if isinstance(value, dt.time):
        return value
    if isinstance(value, str):
        try:
            return dt.time.fromisoformat(value)
        except ValueError:
            return None
    return None


def _parse_date(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return None
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            return None
    return None


def validate_rule(values: Mapping[str, Any]) -> dict[str, Any]:
    """Check a rule's fields; return them cleaned or raise naming each bad field."""
    errors: dict[str, str] = {}
    clean: dict[str, Any] = {}
    weekday = values.get("weekday", 5)
    if isinstance(weekday, bool) or not isinstance(weekday, int) or not 1 <= weekday <= 7:
        errors["weekday"] = _("Give the ISO weekday as a number from 1 (Monday) to 7 (Sunday).")
    else:
        clean["weekday"] = weekday
    nth = values.get("nth", [2, 4])
    if (
        not isinstance(nth, list | tuple)
        or not nth
        or any(isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= 5 for n in nth)
    ):
        errors["nth"] = _("Give one or more occurrences from 1 to 5, for example [2, 4].")
    else:
        clean["nth"] = sorted(set(nth))
    mode = values.get("mode", MODES[0])
    if mode not in MODES:
        errors["mode"] = _("Counting must be nth_weekday or calendar_week.")
    else:
        clean["mode"] = mode
    policy = values.get("holiday_policy", POLICIES[0])
    if policy not in POLICIES:
        errors["holiday_policy"] = _(
            "The holiday policy must be skip, previous_workday, next_workday or next_friday."
        )
    else:
        clean["holiday_policy"] = policy
    start_time = _parse_time(values.get("start_time", "14:30"))
    end_time = _parse_time(values.get("end_time", "17:30"))
    if start_time is None:
        errors["start_time"] = _("Give the start time as HH:MM.")
    if end_time is None:
        errors["end_time"] = _("Give the end time as HH:MM.")
    if start_time and end_time and end_time <= start_time:
        errors["end_time"] = _("The end time must be after the start time.")
    clean["start_time"], clean["end_time"] = start_time, end_time
    allow = values.get("allow_makeup_workdays", False)
    if not isinstance(allow, bool):
        errors["allow_makeup_workdays"] = _("Give true or false.")
    clean["allow_makeup_workdays"] = bool(allow)
    if errors:
        raise ValidationError(errors)
    return clean


def _communities_by_codes(codes: Any) -> list[Community]:
    if not isinstance(codes, list | tuple) or any(not isinstance(c, str) for c in codes):
        raise ValidationError({"community_codes": _("Give a list of 12-digit community codes.")})
    found = {c.code: c for c in Community.objects.filter(code__in=codes)}
    missing = [c for c in codes if c not in found]
    if missing:
        raise ValidationError(
            {
                "community_codes": _("Unknown community codes: %(codes)s")
                % {"codes": ", ".join(missing)}
            }
        )
    return list(found.values())


def _validate_campaign(values: Mapping[str, Any], instance: Campaign | None) -> dict[str, Any]:
    unknown = set(values) - set(CAMPAIGN_FIELDS)
    if unknown:
        raise ValidationError({k: _("Unknown field.") for k in sorted(unknown)})
    errors: dict[str, str] = {}
    clean: dict[str, Any] = {}
    if instance is None or "slug" in values:
        slug = values.get("slug")
        if not isinstance(slug, str) or not slug.strip():
            errors["slug"] = _("Give a short name (letters, digits, hyphens).")
        else:
            slug = slug.strip()
            from django.core.validators import validate_slug

            try:
                validate_slug(slug)
            except ValidationError:
                errors["slug"] = _("Use only letters, digits, hyphens and underscores.")
            else:
                taken = Campaign.objects.filter(slug=slug)
                if instance is not None:
                    taken = taken.exclude(pk=instance.pk)
                if slug.lower() in RESERVED_SLUGS:
                    errors["slug"] = _("This short name is reserved for a page; choose another.")
                elif taken.exists():
                    errors["slug"] = _("A campaign with this short name already exists.")
                clean["slug"] = slug
    if instance is None or "name" in values:
        name = values.get("name")
        if not isinstance(name, str) or not name.strip():
            errors["name"] = _("Give the campaign a name.")
        else:
            clean["name"] = name.strip()[:100]
    if instance is None or "start" in values:
        start = _parse_date(values.get("start"))
        if start is None:
            errors["start"] = _("Give the start date as YYYY-MM-DD.")
        clean["start"] = start
    if "end" in values:
        raw_end = values.get("end")
        end = _parse_date(raw_end) if raw_end not in (None, "") else None
        if raw_end not in (None, "") and end is None:
            errors["end"] = _("Give the end date as YYYY-MM-DD.")
        clean["end"] = end
    start_value = clean.get("start") or (instance.start if instance else None)
    end_value = clean.get("end", instance.end if instance else None)
    if start_value and end_value and end_value < start_value and "end" not in errors:
        errors["end"] = _("The end date must not be before the start date.")
    rule_values: dict[str, Any] = {}
    if instance is not None:
        rule_values = {f: getattr(instance, f) for f in RULE_FIELDS}
    rule_values.update({f: values[f] for f in RULE_FIELDS if f in values})
    try:
        clean.update(validate_rule(rule_values))
    except ValidationError as exc:
        errors.update({k: v[0].messages[0] for k, v in exc.error_dict.items()})
    if "community_codes" in values:
        try:
            clean["communities"] = _communities_by_codes(values["community_codes"])
        except ValidationError as exc:
            errors.update({k: v[0].messages[0] for k, v in exc.error_dict.items()})
    if errors:
        raise ValidationError(errors)
    return clean


@transaction.atomic
def campaign_create(*, user: Any, values: Mapping[str, Any]) -> Campaign:
    """Create a campaign from ``values`` (the API's write shape, rule fields flattened)."""
    _require_office(user)
    clean = _validate_campaign(values, None)
    communities = clean.pop("communities", [])
    campaign = Campaign(**clean)
    campaign._history_user = user  # type: ignore[attr-defined]
    campaign.save()
    if communities:
        campaign.communities.set(communities)
    return campaign


@transaction.atomic
def campaign_update(*, user: Any, campaign: Campaign, values: Mapping[str, Any]) -> Campaign:
    """Change a campaign's fields; sessions follow only through :func:`campaign_sessions_sync`."""
    _require_office(user)
    clean = _validate_campaign(values, campaign)
    communities = clean.pop("communities", None)
    for key, value in clean.items():
        setattr(campaign, key, value)
    campaign._history_user = user  # type: ignore[attr-defined]
    campaign.save()
    if communities is not None:
        campaign.communities.set(communities)
    return campaign


def _time_window(start: dt.time, end: dt.time) -> str:
    return f"{start:%H:%M}-{end:%H:%M}"


@dataclass(frozen=True)
class SessionChange:
    """An existing session that the rule now places differently (its state before, kept)."""

    session: Session
    planned: PlannedSession
    before_date: dt.date
    before_status: str
    before_provisional: bool
    before_time: str

    @classmethod
    def of(cls, session: Session, planned: PlannedSession) -> SessionChange:
        return cls(
            session,
            planned,
            session.date,
            session.status,
            session.provisional,
            _time_window(session.start_time, session.end_time),
        )

    def describe(self) -> str:
        after = self.planned
        parts = []
        if after.date is None and self.before_status != SessionStatus.SKIPPED:
            parts.append(_("%(date)s is now skipped") % {"date": self.before_date.isoformat()})
        elif after.date is not None and self.before_date != after.date:
            parts.append(
                _("%(old)s moves to %(new)s")
                % {"old": self.before_date.isoformat(), "new": after.date.isoformat()}
            )
        elif after.date is not None and self.before_status == SessionStatus.SKIPPED:
            parts.append(_("%(date)s is held again") % {"date": after.date.isoformat()})
        if self.before_provisional != after.provisional:
            parts.append(_("provisional") if after.provisional else _("no longer provisional"))
        campaign = self.session.campaign
        new_time = _time_window(campaign.start_time, campaign.end_time)
        if new_time != self.before_time:
            parts.append(
                _("%(date)s now %(time)s")
                % {"date": (after.date or after.slot_date).isoformat(), "time": new_time}
            )
        if not parts:
            parts.append(after.slot_date.isoformat())
        text = ", ".join(parts)
        return f"{text} ({after.reason})" if after.reason else text


@dataclass
class SyncResult:
    """What a sync would do (or did, when ``applied``) to a campaign's sessions."""

    campaign: Campaign
    start: dt.date
    until: dt.date
    create: list[PlannedSession] = field(default_factory=list)
    change: list[SessionChange] = field(default_factory=list)
    leave: list[Session] = field(default_factory=list)
    #: Sessions that have records (for now: cancelled by a person), left alone.
    held: list[SessionChange] = field(default_factory=list)
    #: Sessions whose slot the rule no longer gives.
    remove: list[Session] = field(default_factory=list)
    held_removals: list[Session] = field(default_factory=list)
    applied: bool = False

    @property
    def has_changes(self) -> bool:
        return bool(self.create or self.change or self.remove)


def _has_records(session: Session) -> bool:
    """Whether a person has acted on the session (later: attendance, check-ins)."""
    return session.status == SessionStatus.CANCELLED


def _planned_status(planned: PlannedSession) -> str:
    return SessionStatus.SKIPPED if planned.date is None else SessionStatus.SCHEDULED


def _differs(session: Session, planned: PlannedSession) -> bool:
    date = planned.date or planned.slot_date
    if session.date != date or session.provisional != planned.provisional:
        return True
    campaign = session.campaign
    if (session.start_time, session.end_time) != (campaign.start_time, campaign.end_time):
        return session.status != SessionStatus.CANCELLED
    if session.status == SessionStatus.CANCELLED:
        return planned.date is None
    return session.status != _planned_status(planned)


def _compute(
    campaign: Campaign,
    start: dt.date,
    until: dt.date,
    cal: HolidayCalendar | None,
    remove_outside: bool,
) -> SyncResult:
    result = SyncResult(campaign=campaign, start=start, until=until)
    if until < start:
        return result
    cal = cal or load_calendar(start.year, until.year)
    planned = plan_between(rule_of(campaign), start, until, cal)
    existing_qs = campaign.sessions.filter(slot_date__lte=until)
    if not remove_outside:
        existing_qs = existing_qs.filter(slot_date__gte=start)
    existing: dict[dt.date, Session] = {s.slot_date: s for s in existing_qs}
    for row in existing.values():
        row.campaign = campaign  # the instance just saved, without a query per row
    for p in planned:
        session: Session | None = existing.pop(p.slot_date, None)
        if session is None:
            result.create.append(p)
        elif not _differs(session, p):
            result.leave.append(session)
        elif _has_records(session):
            result.held.append(SessionChange.of(session, p))
        else:
            result.change.append(SessionChange.of(session, p))
    for session in sorted(existing.values(), key=lambda s: s.slot_date):
        (result.held_removals if _has_records(session) else result.remove).append(session)
    return result


def _apply(result: SyncResult, *, user: Any, force: bool) -> None:
    campaign = result.campaign
    changes = list(result.change) + (list(result.held) if force else [])
    removals = list(result.remove) + (list(result.held_removals) if force else [])
    for session in removals:
        session._history_user = user  # type: ignore[attr-defined]
        session.delete()
    # Step aside first, so two sessions trading dates never meet the one-per-day constraint.
    moving = [c.session.pk for c in changes if c.session.status == SessionStatus.SCHEDULED]
    if moving:
        Session.objects.filter(pk__in=moving).update(status=SessionStatus.SKIPPED)
    for item in changes:
        session, planned = item.session, item.planned
        session.date = planned.date or planned.slot_date
        session.provisional = planned.provisional
        session.reason_code, session.reason_params = planned.code, planned.reason_params
        session.start_time, session.end_time = campaign.start_time, campaign.end_time
        if planned.date is None:
            session.status = SessionStatus.SKIPPED
        elif session.status != SessionStatus.CANCELLED or session.pk in moving:
            session.status = SessionStatus.SCHEDULED
        session._history_user = user  # type: ignore[attr-defined]
        session.save()
    for planned in result.create:
        session = Session(
            campaign=campaign,
            slot_date=planned.slot_date,
            date=planned.date or planned.slot_date,
            start_time=campaign.start_time,
            end_time=campaign.end_time,
            status=_planned_status(planned),
            reason_code=planned.code,
            reason_params=planned.reason_params,
            provisional=planned.provisional,
        )
        session._history_user = user  # type: ignore[attr-defined]
        session.save()
    if force:
        result.change, result.held = changes, []
        result.remove, result.held_removals = removals, []
    result.applied = True


@transaction.atomic
def campaign_sessions_sync(
    *,
    user: Any,
    campaign: Campaign,
    until: dt.date,
    confirm: bool = False,
    force: bool = False,
) -> SyncResult:
    """Bring the campaign's sessions in line with its rule, from its start to ``until``.

    Without ``confirm`` nothing is written: the result says what would be
    created, changed and left. Sessions that have records are listed in
    ``held`` and left alone unless ``force``. ``user=None`` is the system.
    """
    if user is not None:
        _require_office(user)
    end = min(until, campaign.end) if campaign.end else until
    result = _compute(campaign, campaign.start, end, None, remove_outside=True)
    if confirm:
        _apply(result, user=user, force=force)
    return result


@transaction.atomic
def session_cancel(*, user: Any, session: Session, reason: str) -> Session:
    """Cancel a held session (weather, emergencies); it then counts nowhere."""
    _require_office(user)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the session is cancelled.")})
    if session.status != SessionStatus.SCHEDULED:
        raise ValidationError({"session": _("Only a scheduled session can be cancelled.")})
    session.status = SessionStatus.CANCELLED
    session.cancel_reason = reason[:200]
    session.cancelled_by = user
    session.cancelled_at = timezone.now()
    session._history_user = user  # type: ignore[attr-defined]
    session.save()
    return session


def _validate_holiday_dates(
    year: int, dates: Iterable[tuple[dt.date, bool, str]]
) -> list[tuple[dt.date, bool, str]]:
    errors: list[str] = []
    seen: set[dt.date] = set()
    clean: list[tuple[dt.date, bool, str]] = []
    for day, is_day_off, name in dates:
        if day.year != year:
            errors.append(_("%(date)s is not in %(year)s.") % {"date": day, "year": year})
        elif day in seen:
            errors.append(_("%(date)s is given twice.") % {"date": day})
        elif not is_day_off and day.isoweekday() < 6:
            errors.append(
                _("%(date)s is a weekday: only a Saturday or Sunday can be a make-up working day.")
                % {"date": day}
            )
        seen.add(day)
        clean.append((day, bool(is_day_off), (name or "").strip()[:40]))
    if errors:
        raise ValidationError({"dates": errors})
    return clean


@transaction.atomic
def holiday_year_enter(
    *,
    user: Any,
    year: int,
    dates: list[tuple[dt.date, bool, str]],
    notice: str = "",
) -> list[SyncResult]:
    """Store a year's holidays (replacing any earlier entry) and recompute that year's sessions.

    Every campaign that has sessions in ``year`` is re-planned for the year;
    sessions with records are left alone and reported in each result's ``held``.
    """
    _require_office(user)
    if isinstance(year, bool) or not isinstance(year, int) or not 1949 <= year <= 2200:
        raise ValidationError({"year": _("Give a year such as 2027.")})
    clean = _validate_holiday_dates(year, dates)
    HolidayYear.objects.update_or_create(
        year=year, defaults={"notice": (notice or "").strip()[:200], "entered_by": user}
    )
    first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
    HolidayDate.objects.filter(date__gte=first, date__lte=last).delete()
    bulk_create_with_history(
        [HolidayDate(date=day, is_day_off=off, name=name) for day, off, name in clean],
        HolidayDate,
        default_user=user,
    )
    cal = load_calendar(year)
    results = []
    for campaign in Campaign.objects.filter(sessions__slot_date__gte=first).distinct():
        latest = (
            campaign.sessions.filter(slot_date__gte=first, slot_date__lte=last)
            .order_by("-slot_date")
            .values_list("slot_date", flat=True)
            .first()
        )
        if latest is None:
            continue
        start = max(first, campaign.start)
        result = _compute(campaign, start, latest, cal, remove_outside=False)
        _apply(result, user=user, force=False)
        results.append(result)
    return results
