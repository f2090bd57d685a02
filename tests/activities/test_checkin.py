"""Check-in by QR code: the token and its window, the geofence, once per session, check-out."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from gongzhi.activities import services_checkin as services
from gongzhi.activities.models import CheckIn
from gongzhi.campaigns.models import Session, SessionStatus
from gongzhi.units.models import Member
from tests.activities.fixtures_checkin import (  # noqa: F401 - fixtures
    FAR_OUTSIDE,
    INSIDE,
    JUST_OUTSIDE,
    SESSION_DAY,
    Clock,
    clock_fixture,
    make_member_fixture,
    member_fixture,
    session_fixture,
    token_fixture,
)
from tests.factories import World, square


def messages(exc: ValidationError) -> dict[str, list[str]]:
    return {
        field: [str(m) for e in errs for m in e.messages] for field, errs in exc.error_dict.items()
    }


def check_in(world: World, token: str, point: tuple[float, float] = INSIDE) -> CheckIn:
    return services.checkin_record(world.users["member"], token, point[0], point[1], 12)


# --- the token and its window ---------------------------------------------------------------


def test_a_member_checks_in_with_time_place_and_unit(
    world: World, session: Session, token: str, member: Member, clock: Clock
) -> None:
    checkin = check_in(world, token)
    assert checkin.session == session
    assert checkin.community == world.community_a1
    assert checkin.member == member
    assert checkin.unit == world.unit_a
    assert checkin.checked_in_at == clock.now
    assert (checkin.lat, checkin.lng, checkin.accuracy_m) == (INSIDE[0], INSIDE[1], 12)


@pytest.mark.parametrize(
    ("hhmm", "accepted"),
    [("13:29", False), ("13:30", True), ("17:30", True), ("19:30", True), ("19:31", False)],
)
def test_the_token_is_valid_from_an_hour_before_the_start_to_two_hours_after_the_end(
    world: World, token: str, member: Member, clock: Clock, hhmm: str, accepted: bool
) -> None:
    clock.set(hhmm)
    if accepted:
        assert check_in(world, token).pk
    else:
        with pytest.raises(ValidationError) as caught:
            check_in(world, token)
        assert not CheckIn.objects.exists()
        text = messages(caught.value)["token"][0]
        assert ("opens at 13:30" if hhmm < "14" else "closed at 19:30") in text


def test_the_window_follows_the_settings(
    world: World, token: str, member: Member, clock: Clock, settings: object
) -> None:
    settings.CHECKIN_OPEN_MINUTES_BEFORE = 10  # type: ignore[attr-defined]
    clock.set("14:00")
    with pytest.raises(ValidationError, match="opens at 14:20"):
        check_in(world, token)
    clock.set("14:20")
    assert check_in(world, token).pk


def test_a_code_from_another_day_is_refused_naming_its_session(
    world: World, token: str, member: Member, clock: Clock
) -> None:
    clock.set("15:00", SESSION_DAY + dt.timedelta(days=14))
    with pytest.raises(ValidationError) as caught:
        check_in(world, token)
    assert messages(caught.value)["token"] == [
        "This QR code is for the session of 2026-03-13, not for today. "
        "Ask the community staff for today's code."
    ]


def test_a_code_for_another_session_is_refused_when_the_session_is_named(
    world: World,
    token: str,
    member: Member,
    clock: Clock,
    make_session: Callable[..., Session],
) -> None:
    other = make_session(SESSION_DAY + dt.timedelta(days=14))
    with pytest.raises(ValidationError, match=r"for another session \(2026-03-13\)"):
        services.checkin_record(world.users["member"], token, *INSIDE, session_id=other.pk)
    assert not CheckIn.objects.exists()


@pytest.mark.parametrize(
    "tampered",
    [
        lambda t: t[:-1] + ("A" if t[-1] != "A" else "B"),
        lambda t: "x" + t,
        lambda t: "",
        lambda t: "not-a-token",
    ],
)
def test_a_tampered_token_is_refused(
    world: World, token: str, member: Member, clock: Clock, tampered: Callable[[str], str]
) -> None:
    with pytest.raises(ValidationError, match="damaged or was altered"):
        check_in(world, tampered(token))
    assert not CheckIn.objects.exists()


def test_a_token_signed_for_another_purpose_is_refused(
    world: World, session: Session, member: Member, clock: Clock
) -> None:
    from django.core import signing

    forged = signing.Signer(salt="other").sign_object(
        {"s": session.pk, "c": world.community_a1.code}, compress=True
    )
    with pytest.raises(ValidationError, match="damaged or was altered"):
        check_in(world, forged)


def test_a_cancelled_session_has_no_check_in(
    world: World, session: Session, token: str, member: Member, clock: Clock
) -> None:
    Session.objects.filter(pk=session.pk).update(
        status=SessionStatus.CANCELLED, cancel_reason="暴雨"
    )
    with pytest.raises(ValidationError, match=r"was cancelled \(暴雨\)"):
        check_in(world, token)


# --- the geofence ---------------------------------------------------------------------------------


def test_a_check_in_just_outside_the_outline_is_within_the_margin(
    world: World, token: str, member: Member, clock: Clock
) -> None:
    assert check_in(world, token, JUST_OUTSIDE).pk


def test_a_check_in_beyond_the_margin_is_refused_with_the_distance(
    world: World, token: str, member: Member, clock: Clock
) -> None:
    with pytest.raises(ValidationError) as caught:
        check_in(world, token, FAR_OUTSIDE)
    assert messages(caught.value)["location"] == [
        "You are 334 m outside 白云社区; check-in is accepted up to 200 m from its outline."
    ]
    assert not CheckIn.objects.exists()


def test_the_margin_is_a_setting(
    world: World, token: str, member: Member, clock: Clock, settings: object
) -> None:
    settings.CHECKIN_MARGIN_M = 50  # type: ignore[attr-defined]
    with pytest.raises(ValidationError, match="112 m outside"):
        check_in(world, token, JUST_OUTSIDE)


def test_the_distance_is_measured_to_the_nearest_edge_not_the_centre() -> None:
    outline = square(31.69, 113.38)
    assert services.distance_outside_m(31.69, 113.383, outline) == 0.0
    east = services.distance_outside_m(31.69, 113.385, outline)  # 0.001° east of the edge
    assert east is not None and 94 < east < 96
    corner = services.distance_outside_m(31.695, 113.385, outline)  # diagonal from the corner
    assert corner is not None and 145 < corner < 148
    assert services.distance_outside_m(31.69, 113.38, None) is None


def test_a_community_without_an_outline_refuses_check_in_saying_why(
    world: World, token: str, member: Member, clock: Clock
) -> None:
    world.community_a1.outline = None
    world.community_a1.save()
    with pytest.raises(ValidationError, match="has no outline yet"):
        check_in(world, token)


@pytest.mark.parametrize(
    ("lat", "lng", "field"),
    [
        (None, 113.38, "lat"),
        ("north", 113.38, "lat"),
        (True, 113.38, "lat"),
        (91, 113.38, "lat"),
        (31.69, float("nan"), "lng"),
        (31.69, 181, "lng"),
    ],
)
def test_a_location_that_is_not_one_is_refused_naming_the_field(
    world: World, token: str, member: Member, clock: Clock, lat: object, lng: object, field: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        services.checkin_record(world.users["member"], token, lat, lng)
    assert field in messages(caught.value)
    assert not CheckIn.objects.exists()


# --- once per session, members only ------------------------------------------------------------


def test_a_member_checks_in_once_per_session_and_is_told_so(
    world: World, token: str, member: Member, clock: Clock
) -> None:
    first = check_in(world, token)
    clock.set("15:20")
    with pytest.raises(services.AlreadyCheckedIn) as caught:
        check_in(world, token)
    assert caught.value.checkin == first
    assert messages(caught.value)["token"] == [
        "You are already checked in at this session (since 15:00)."
    ]
    assert CheckIn.objects.count() == 1


def test_a_member_checked_in_in_one_community_cannot_check_in_in_another_at_the_same_session(
    world: World, session: Session, token: str, member: Member, clock: Clock
) -> None:
    check_in(world, token)
    other = services.checkin_token(session, world.community_a2)
    with pytest.raises(services.AlreadyCheckedIn):
        check_in(world, other)


def test_a_login_without_a_member_record_is_told_to_ask_their_unit(
    world: World, token: str, clock: Clock
) -> None:
    with pytest.raises(PermissionDenied, match="Ask your unit's liaison"):
        services.checkin_record(world.users["unit"], token, *INSIDE)


# --- check-out and hours ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("check_in_at", "out_at", "hours"),
    [
        ("14:30", "17:30", "3.00"),
        ("14:30", "16:44", "2.00"),  # 2 h 14 min: rounded down to the quarter hour
        ("14:30", "16:45", "2.25"),
        ("15:00", "15:10", "0.00"),
    ],
)
def test_check_out_gives_hours_rounded_down_to_the_quarter_hour(
    world: World,
    token: str,
    member: Member,
    clock: Clock,
    check_in_at: str,
    out_at: str,
    hours: str,
) -> None:
    clock.set(check_in_at)
    checkin = check_in(world, token)
    clock.set(out_at)
    done = services.checkin_checkout(world.users["member"], checkin.pk, *INSIDE)
    assert done.hours == Decimal(hours)
    assert done.checked_out_at == clock.now
    assert (done.out_lat, done.out_lng) == INSIDE


def test_a_late_check_out_counts_only_until_check_in_closed(
    world: World, token: str, member: Member, clock: Clock
) -> None:
    clock.set("13:30")
    checkin = check_in(world, token)
    clock.set("22:00")
    done = services.checkin_checkout(world.users["member"], checkin.pk)
    # 13:30 to 19:30, the window's close: the session (3 h) and both margins (1 h + 2 h).
    assert done.hours == Decimal("6.00")
    assert services.late_checkout(done)


def test_check_out_during_the_session_must_be_where_check_in_is_accepted(
    world: World, token: str, member: Member, clock: Clock
) -> None:
    checkin = check_in(world, token)
    clock.set("16:00")
    with pytest.raises(ValidationError, match="334 m outside"):
        services.checkin_checkout(world.users["member"], checkin.pk, *FAR_OUTSIDE)
    with pytest.raises(ValidationError) as caught:
        services.checkin_checkout(world.users["member"], checkin.pk)
    assert "lat" in messages(caught.value)
    checkin.refresh_from_db()
    assert checkin.checked_out_at is None and checkin.hours is None


def test_a_member_checks_out_once(world: World, token: str, member: Member, clock: Clock) -> None:
    checkin = check_in(world, token)
    clock.set("16:00")
    services.checkin_checkout(world.users["member"], checkin.pk, *INSIDE)
    clock.set("17:00")
    with pytest.raises(ValidationError, match="already checked out at 16:00"):
        services.checkin_checkout(world.users["member"], checkin.pk, *INSIDE)
    checkin.refresh_from_db()
    assert checkin.hours == Decimal("1.00")


def test_only_the_member_checks_themselves_out(
    world: World, token: str, member: Member, clock: Clock, make_member: Callable[..., Member]
) -> None:
    checkin = check_in(world, token)
    other = make_member("李四")
    with pytest.raises(Http404):
        services.checkin_checkout(other.user, checkin.pk, *INSIDE)
    with pytest.raises(PermissionDenied):
        services.checkin_checkout(world.users["unit"], checkin.pk, *INSIDE)
    checkin.refresh_from_db()
    assert checkin.checked_out_at is None
