"""Helpers for the end-to-end tests: log in and out through the real forms."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import NoReverseMatch, reverse
from playwright.sync_api import Page, expect

from gongzhi.core.navigation import NAVIGATION

# Browser tests leave the database as they found it (content types, permissions).
browser_db = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def expected_navigation(role: str) -> tuple[set[str], set[str]]:
    """The menu entries a role must see and those it must not (core/navigation.py).

    Entries whose page does not exist yet are in neither set.
    """
    wired = set()
    for item in NAVIGATION:
        try:
            reverse(item.url_name)
        except NoReverseMatch:
            continue
        wired.add(item.url_name)
    present = {item.url_name for item in NAVIGATION if role in item.roles} & wired
    return present, wired - present


def log_in(page: Page, base_url: str, username: str, password: str) -> None:
    page.goto(f"{base_url}{reverse('login')}")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(password)
    page.locator("form button[type=submit]").click()


def log_in_ok(page: Page, base_url: str, username: str, password: str) -> None:
    log_in(page, base_url, username, password)
    expect(page.locator("[data-testid=main-nav]")).to_be_attached()


def nav_names(page: Page) -> set[str]:
    links = page.locator("[data-testid=main-nav] [data-nav]")
    return {str(links.nth(i).get_attribute("data-nav")) for i in range(links.count())}


def log_out(page: Page, base_url: str) -> None:
    page.locator("nav .dropdown-toggle").click()
    logout = page.locator(f"form[action='{reverse('logout')}'] button")
    expect(logout).to_be_visible()
    logout.click()
    expect(page.locator("#id_username")).to_be_visible()
    page.goto(f"{base_url}{reverse('home')}")
    expect(page.locator("#id_username")).to_be_visible()  # home sends us back to the login


@pytest.fixture
def site(live_server: Any) -> str:
    return str(live_server.url)
