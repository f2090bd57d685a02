"""Each demo login, in Chromium: its navigation, a community outline, logging out."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from gongzhi.demo.accounts import DEMO_COMMUNITY, DEMO_PASSWORD, DEMO_USERS
from gongzhi.demo.loader import load_demo
from tests.browser.conftest import (
    browser_db,
    expected_navigation,
    log_in_ok,
    log_out,
    nav_names,
)

pytestmark = [pytest.mark.browser, browser_db]


def test_every_demo_login_sees_its_own_navigation_and_can_log_out(page: Page, site: str) -> None:
    # Loaded once here: the demo is too slow to load for every role.
    load_demo(io.StringIO())
    for username, (role, _name) in DEMO_USERS.items():
        log_in_ok(page, site, username, DEMO_PASSWORD)
        present, absent = expected_navigation(str(role))
        names = nav_names(page)
        assert present <= names, f"{username} misses {present - names}"
        assert not names & absent, f"{username} must not see {names & absent}"
        for name in present:
            expect(page.locator(f"[data-testid=main-nav] [data-nav='{name}']")).to_be_visible()
        log_out(page, site)

    # The community login opens its own community and sees the outline on the map.
    log_in_ok(page, site, "community", DEMO_PASSWORD)
    page.goto(site + reverse("areas:community_detail", kwargs={"code": DEMO_COMMUNITY}))
    expect(page.locator("#community-map path.leaflet-interactive").first).to_be_visible()
