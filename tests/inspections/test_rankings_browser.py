"""In Chromium: the ranking page draws its two charts from the page's data, without
script errors, and the table stays usable on a phone."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator
from typing import Any

import pytest
from django.urls import reverse
from playwright.sync_api import Browser, Page, expect

from gongzhi.inspections.models import InspectionGroup, InspectionRound, RoundStatus
from gongzhi.inspections.seed import ranking_rules, seed_default_template
from tests.browser.conftest import browser_db, log_in_ok
from tests.factories import PASSWORD, World, build_world
from tests.inspections.fixtures_rankings import inspect, make_units

pytestmark = [pytest.mark.browser, browser_db]

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def phone(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True, locale="en-GB")
    page = context.new_page()
    yield page
    context.close()


def _two_rounds(world: World) -> list[Any]:
    template = seed_default_template()
    rules = ranking_rules()
    rules.red_top, rules.black_bottom = 2, 2
    rules.save()
    group = InspectionGroup.objects.create(name="第1督导组", leader=world.users["inspector"])
    rounds = [
        InspectionRound.objects.create(
            number=n,
            start=dt.date(2021, 6 + n, 1),
            end=dt.date(2021, 6 + n, 28),
            template=template,
            status=RoundStatus.CLOSED,
        )
        for n in (1, 2)
    ]
    units = make_units(8)
    for n, unit in enumerate(units):
        inspect(rounds[0], unit, group, 60 + 4 * n)
        inspect(rounds[1], unit, group, 95 - 4 * n, failed_checks=n % 3)
    return units


def test_the_office_sees_both_charts_drawn_on_a_phone(phone: Page, live_server: Any) -> None:
    world = build_world()
    units = _two_rounds(world)
    errors: list[str] = []
    phone.on("pageerror", lambda exc: errors.append(str(exc)))
    site = str(live_server.url)
    log_in_ok(phone, site, "office", PASSWORD)
    phone.goto(site + reverse("inspections:ranking"))
    expect(phone.locator("[data-testid=ranking-span]")).to_have_text("Round 2")
    expect(phone.locator("#chart-totals canvas")).to_have_count(1)
    expect(phone.locator("#chart-criteria canvas")).to_have_count(1)
    box = phone.locator("#chart-totals").bounding_box()
    assert box is not None and 0 < box["width"] <= PHONE["width"] and box["height"] >= 240
    first = phone.locator("[data-testid=ranking-table] tbody tr").first
    expect(first).to_have_attribute("data-unit", units[0].code)
    expect(phone.locator("[data-testid=red-list]")).to_contain_text(units[0].short_name)
    if os.environ.get("RANKINGS_SCREENSHOT"):
        phone.screenshot(path=os.environ["RANKINGS_SCREENSHOT"], full_page=True)
    assert errors == []
