"""The check-in page in Chromium on a phone: scan, log in, share the location, check in
and out; a phone too far away is told how far."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.urls import reverse
from playwright.sync_api import Browser, Page, expect

from gongzhi.activities.models import CheckIn
from gongzhi.campaigns.models import Session
from tests.activities.fixtures_checkin import (  # noqa: F401 - fixtures
    FAR_OUTSIDE,
    INSIDE,
    Clock,
    clock_fixture,
    member_fixture,
    session_fixture,
    token_fixture,
)
from tests.browser.conftest import browser_db
from tests.factories import PASSWORD, World

pytestmark = [pytest.mark.browser, browser_db]

PHONE = {"width": 390, "height": 844}


def phone_at(browser: Browser, point: tuple[float, float]) -> Any:
    return browser.new_context(
        viewport=PHONE,
        is_mobile=True,
        has_touch=True,
        locale="en-GB",
        geolocation={"latitude": point[0], "longitude": point[1]},
        permissions=["geolocation"],
    )


@pytest.fixture
def phone(browser: Browser) -> Iterator[Callable[[tuple[float, float]], Page]]:
    contexts: list[Any] = []

    def make(point: tuple[float, float]) -> Page:
        context = phone_at(browser, point)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


def scan_and_log_in(page: Page, live_server: Any, token: str) -> None:
    page.goto(live_server.url + reverse("activities:checkin", args=[token]))
    page.locator("#id_username").fill("member")
    page.locator("#id_password").fill(PASSWORD)
    page.locator("form button[type=submit]").click()
    expect(page.locator("[data-testid=checkin-community]")).to_have_text("白云社区")


def test_a_member_scans_checks_in_and_out_on_a_phone(
    world: World,
    session: Session,
    token: str,
    member: Any,
    clock: Clock,
    live_server: Any,
    phone: Callable[[tuple[float, float]], Page],
) -> None:
    page = phone(INSIDE)
    scan_and_log_in(page, live_server, token)
    page.locator("[data-testid=checkin-form] button[type=submit]").click()
    expect(page.locator("[data-testid=already]")).to_contain_text("since 15:00")
    checkin = CheckIn.objects.get()
    assert (round(checkin.lat or 0, 4), round(checkin.lng or 0, 4)) == INSIDE
    clock.set("17:20")
    page.locator("[data-testid=checkout-form] button[type=submit]").click()
    expect(page.locator(".alert-success")).to_contain_text("You are checked out: 2.25 hours")
    checkin.refresh_from_db()
    assert str(checkin.hours) == "2.25"


def test_a_phone_too_far_away_is_told_the_distance(
    world: World,
    session: Session,
    token: str,
    member: Any,
    clock: Clock,
    live_server: Any,
    phone: Callable[[tuple[float, float]], Page],
) -> None:
    page = phone(FAR_OUTSIDE)
    scan_and_log_in(page, live_server, token)
    page.locator("[data-testid=checkin-form] button[type=submit]").click()
    expect(page.locator("[data-testid=checkin-error]")).to_contain_text("334 m outside 白云社区")
    assert not CheckIn.objects.exists()
