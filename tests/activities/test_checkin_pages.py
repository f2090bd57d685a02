"""The QR code page and the phone check-in page."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from urllib.parse import unquote

import pytest
from django.test import Client
from django.urls import reverse

from gongzhi.activities import services_checkin as services
from gongzhi.activities.models import CheckIn
from gongzhi.campaigns.models import Session, SessionStatus
from gongzhi.units.models import Member
from tests.activities.fixtures_checkin import (  # noqa: F401 - fixtures
    FAR_OUTSIDE,
    INSIDE,
    SESSION_DAY,
    Clock,
    clock_fixture,
    member_fixture,
    session_fixture,
    token_fixture,
)
from tests.factories import PairingFactory, World, make_user


def qr_url(session: Session, code: str) -> str:
    return reverse("activities:checkin_qr", args=[session.pk, code])


# --- the QR code page ----------------------------------------------------------------------


@pytest.mark.parametrize("role", ["community", "street", "district", "office", "unit"])
def test_staff_office_and_expected_unit_see_a_printable_qr_code(
    world: World, session: Session, client: Client, role: str
) -> None:
    client.force_login(world.users[role])
    response = client.get(qr_url(session, world.community_a1.code))
    assert response.status_code == 200
    body = response.content.decode()
    assert "<svg" in body and "白云社区" in body
    assert "13:30" in body and "19:30" in body  # the window
    token = response.context["url"].rstrip("/").rsplit("/", 1)[-1]
    target = services.checkin_token_peek(token)
    assert target is not None
    assert (target.session, target.community) == (session, world.community_a1)
    assert "checkin-page.js" in body  # the print button's script


@pytest.mark.parametrize("role", ["leader", "inspector", "member"])
def test_others_who_see_the_community_may_not_show_its_qr_code(
    world: World, session: Session, client: Client, role: str
) -> None:
    client.force_login(world.users[role])
    assert client.get(qr_url(session, world.community_a1.code)).status_code in (403, 404)


def test_a_unit_not_expected_in_the_community_that_day_gets_403(
    world: World, session: Session, client: Client
) -> None:
    # Paired with a2 only from the day after the session: a2 is visible, but not that day.
    PairingFactory(
        unit=world.unit_a, community=world.community_a2, start=SESSION_DAY + dt.timedelta(days=1)
    )
    client.force_login(world.users["unit"])
    assert client.get(qr_url(session, world.community_a2.code)).status_code == 403


def test_a_community_outside_scope_or_the_campaign_is_404(
    world: World, session: Session, client: Client
) -> None:
    client.force_login(world.users["community"])
    assert client.get(qr_url(session, world.community_b1.code)).status_code == 404
    client.force_login(world.users["office"])
    assert client.get(qr_url(session, "421303001999")).status_code == 404
    assert client.get(qr_url(session, "x" * 12)).status_code == 404


def test_a_cancelled_session_shows_no_qr_code(
    world: World, session: Session, client: Client
) -> None:
    Session.objects.filter(pk=session.pk).update(
        status=SessionStatus.CANCELLED, cancel_reason="暴雨"
    )
    client.force_login(world.users["community"])
    response = client.get(qr_url(session, world.community_a1.code))
    assert response.status_code == 200
    assert "<svg" not in response.content.decode()
    assert "cancelled (暴雨)" in response.content.decode()


def test_the_qr_page_warns_when_the_community_has_no_outline(
    world: World, session: Session, client: Client
) -> None:
    world.community_a1.outline = None
    world.community_a1.save()
    client.force_login(world.users["community"])
    response = client.get(qr_url(session, world.community_a1.code))
    assert 'data-testid="no-outline"' in response.content.decode()


# --- the check-in page ----------------------------------------------------------------------


def checkin_url(token: str) -> str:
    return reverse("activities:checkin", args=[token])


def test_the_check_in_page_sends_a_visitor_to_log_in_and_back(token: str, client: Client) -> None:
    response = client.get(checkin_url(token))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login") + "?next=")
    assert unquote(response["Location"]).endswith(checkin_url(token))


def test_a_login_without_a_member_record_is_told_to_ask_their_unit(
    world: World, token: str, client: Client, clock: Clock
) -> None:
    client.force_login(make_user("walkin"))
    response = client.get(checkin_url(token))
    assert response.status_code == 403
    assert "Ask your unit's liaison to add you" in response.content.decode()


def test_a_member_sees_the_session_and_checks_in_with_their_location(
    world: World, token: str, member: Member, client: Client, clock: Clock
) -> None:
    client.force_login(world.users["member"])
    page = client.get(checkin_url(token))
    assert page.status_code == 200
    body = page.content.decode()
    assert "白云社区" in body and "2026-03-13" in body and "data-geolocate" in body
    response = client.post(checkin_url(token), {"lat": INSIDE[0], "lng": INSIDE[1], "accuracy": 8})
    assert response.status_code == 302
    checkin = CheckIn.objects.get()
    assert (checkin.member, checkin.accuracy_m) == (member, 8)
    again = client.get(checkin_url(token))
    body = again.content.decode()
    assert "You are checked in at this session since 15:00." in body
    assert 'data-testid="checkout-form"' in body


def test_a_check_in_too_far_away_shows_the_distance_and_records_nothing(
    world: World, token: str, member: Member, client: Client, clock: Clock
) -> None:
    client.force_login(world.users["member"])
    response = client.post(checkin_url(token), {"lat": FAR_OUTSIDE[0], "lng": FAR_OUTSIDE[1]})
    assert response.status_code == 400
    assert "You are 334 m outside 白云社区" in response.content.decode()
    assert not CheckIn.objects.exists()


def test_a_check_in_without_a_location_asks_for_it(
    world: World, token: str, member: Member, client: Client, clock: Clock
) -> None:
    client.force_login(world.users["member"])
    response = client.post(checkin_url(token), {})
    assert response.status_code == 400
    assert "Your location is needed" in response.content.decode()


def test_a_code_outside_its_window_is_refused_on_the_page(
    world: World, token: str, member: Member, client: Client, clock: Clock
) -> None:
    clock.set("20:00")
    client.force_login(world.users["member"])
    response = client.get(checkin_url(token))
    assert response.status_code == 400
    assert "Check-in for this session closed at 19:30." in response.content.decode()
    assert "data-geolocate" not in response.content.decode()


def test_a_damaged_code_is_refused_on_the_page(
    world: World, token: str, member: Member, client: Client, clock: Clock
) -> None:
    client.force_login(world.users["member"])
    response = client.get(checkin_url(token[:-2]))
    assert response.status_code == 400
    assert "damaged or was altered" in response.content.decode()


def test_a_member_checks_out_from_the_check_in_page_even_after_it_closed(
    world: World, token: str, member: Member, client: Client, clock: Clock
) -> None:
    client.force_login(world.users["member"])
    client.post(checkin_url(token), {"lat": INSIDE[0], "lng": INSIDE[1]})
    checkin = CheckIn.objects.get()
    clock.set("21:00")
    page = client.get(checkin_url(token))
    assert 'data-testid="checkout-form"' in page.content.decode()
    response = client.post(
        reverse("activities:checkin_checkout", args=[checkin.pk]),
        {"next": checkin_url(token)},
    )
    assert response.status_code == 302 and response["Location"] == checkin_url(token)
    checkin.refresh_from_db()
    assert str(checkin.hours) == "4.50"  # 15:00 to the close at 19:30


def test_a_check_out_refused_comes_back_with_the_reason(
    world: World, token: str, member: Member, client: Client, clock: Clock
) -> None:
    client.force_login(world.users["member"])
    client.post(checkin_url(token), {"lat": INSIDE[0], "lng": INSIDE[1]})
    checkin = CheckIn.objects.get()
    response = client.post(
        reverse("activities:checkin_checkout", args=[checkin.pk]),
        {"lat": FAR_OUTSIDE[0], "lng": FAR_OUTSIDE[1], "next": "https://evil.example/"},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == reverse("activities:my_checkins")
    assert "334 m outside" in response.content.decode()
    checkin.refresh_from_db()
    assert checkin.checked_out_at is None


def test_the_check_in_page_is_in_chinese_for_a_chinese_reader(
    world: World,
    token: str,
    member: Member,
    client: Client,
    clock: Clock,
    chinese: None,
    make_session: Callable[..., Session],
) -> None:
    client.force_login(world.users["member"])
    response = client.get(checkin_url(token))
    assert response.status_code == 200
    assert 'lang="zh-CN"' in response.content.decode()
