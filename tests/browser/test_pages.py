"""Pages in Chromium: a community's outline, login errors and lock-out, a phone screen."""

from __future__ import annotations

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from tests.browser.conftest import browser_db, expected_navigation, log_in, log_in_ok, log_out
from tests.factories import PASSWORD, World, build_world, make_user

pytestmark = [pytest.mark.browser, browser_db]


@pytest.fixture
def city() -> World:
    return build_world()


def test_a_community_page_draws_the_outline_on_the_map(page: Page, site: str, city: World) -> None:
    log_in_ok(page, site, "office", PASSWORD)
    url = reverse("areas:community_detail", kwargs={"code": city.community_a1.code})
    page.goto(site + url)
    expect(page.locator("#community-map")).to_be_visible()
    outline = page.locator("#community-map path.leaflet-interactive").first
    expect(outline).to_be_visible()
    box = outline.bounding_box()
    assert box is not None and box["width"] > 10 and box["height"] > 10


def test_a_wrong_password_says_so_and_five_lock_the_account(page: Page, site: str) -> None:
    make_user("lockme")
    log_in(page, site, "lockme", "wrong-password")
    error = page.locator(".alert-danger")
    expect(error).to_be_visible()
    expect(page.locator("#id_username")).to_have_value("lockme")
    for _ in range(4):
        log_in(page, site, "lockme", "wrong-password")
    expect(page.locator("[data-testid=locked-out]")).to_be_visible()
    # Even the right password is refused while the account is locked.
    log_in(page, site, "lockme", PASSWORD)
    expect(page.locator("[data-testid=locked-out]")).to_be_visible()


def test_a_user_with_the_right_password_gets_in_after_a_mistake(
    page: Page, site: str, city: World
) -> None:
    log_in(page, site, "street", "wrong-password")
    expect(page.locator(".alert-danger")).to_be_visible()
    log_in_ok(page, site, "street", PASSWORD)
    log_out(page, site)


def test_on_a_phone_the_navigation_folds_into_the_menu_button_and_still_works(
    page: Page, site: str, city: World
) -> None:
    page.set_viewport_size({"width": 390, "height": 844})
    log_in_ok(page, site, "office", PASSWORD)
    nav = page.locator("[data-testid=main-nav]")
    toggler = page.locator("button.navbar-toggler")
    expect(toggler).to_be_visible()
    expect(nav).to_be_hidden()
    toggler.click()
    expect(nav).to_be_visible()
    present, _absent = expected_navigation("office")
    assert present, "the office has navigation"
    target = sorted(present)[0]
    link = nav.locator(f"[data-nav='{target}']")
    expect(link).to_be_visible()
    href = link.get_attribute("href")
    link.click()
    page.wait_for_url(f"**{href}")
    # The page it opens fits the phone: nothing wider than the screen.
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390 + 1
