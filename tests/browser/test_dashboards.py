"""The dashboards in Chromium: the overview's charts are drawn and follow the filters; the
big screen draws its charts and refreshes its figures without reloading."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse
from playwright.sync_api import ConsoleMessage, Page, expect

from gongzhi.activities.models import Attendance
from tests.browser.conftest import browser_db, log_in_ok
from tests.factories import PASSWORD
from tests.stats.fixtures_figures import FigureCity, build_figure_city

pytestmark = [pytest.mark.browser, browser_db]

QUERY = "start=2021-07-01&end=2021-08-31"
OVERVIEW_CHARTS = ("sessions", "funds", "categories", "states", "sources", "rates", "units")
SCREEN_CHARTS = ("sessions", "funds", "units", "categories", "states", "rates")

#: Screenshots of the pages go here when GONGZHI_SCREENSHOTS names a folder.
SCREENSHOTS = Path(__import__("os").environ.get("GONGZHI_SCREENSHOTS", ""))


@pytest.fixture
def city() -> FigureCity:
    return build_figure_city()


@pytest.fixture
def errors(page: Page) -> Iterator[list[str]]:
    """Console errors and uncaught exceptions of the page; the test fails on any."""
    found: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        # The browser asks for /favicon.ico by itself; the site has none.
        if message.type == "error" and not message.location.get("url", "").endswith("/favicon.ico"):
            found.append(f"{message.text} ({message.location.get('url', '')})")

    page.on("console", on_console)
    page.on("pageerror", lambda exc: found.append(str(exc)))
    yield found


def _drawn(page: Page, charts: tuple[str, ...]) -> None:
    for name in charts:
        container = page.locator(f'[data-chart="{name}"]')
        expect(container).to_have_attribute("data-ready", "true")
        canvas = container.locator("canvas")
        expect(canvas.first).to_be_attached()
        box = canvas.first.bounding_box()
        assert box is not None and box["width"] > 100 and box["height"] > 100, name


def _shot(page: Page, name: str) -> None:
    if str(SCREENSHOTS) not in ("", "."):
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / name), full_page=False)


def test_the_overview_draws_its_charts_and_follows_the_filters(
    page: Page, site: str, city: FigureCity, errors: list[str]
) -> None:
    page.set_viewport_size({"width": 1440, "height": 1000})
    log_in_ok(page, site, "office", PASSWORD)
    page.goto(f"{site}{reverse('stats:overview')}?{QUERY}")
    _drawn(page, OVERVIEW_CHARTS)
    person_times = page.locator('[data-kpi="person_times"]')
    expect(person_times).to_have_text("68")
    _shot(page, "dashboard-overview.png")

    page.locator("#f-exclude_jurisdiction").select_option([city.zengdu.code, city.gaoxin.code])
    page.locator("[data-testid=apply-filters]").click()
    expect(person_times).to_have_text("44")
    assert "exclude_jurisdiction=" in page.url
    _drawn(page, OVERVIEW_CHARTS)

    # The view is shared as a link: opening it again shows the same figures.
    page.goto(page.url)
    expect(person_times).to_have_text("44")
    expect(page.locator("#f-exclude_jurisdiction option:checked")).to_have_count(2)

    # A period without any figure still draws every chart, saying there is nothing.
    page.goto(f"{site}{reverse('stats:overview')}?start=2020-01-01&end=2020-01-31")
    expect(person_times).to_have_text("0")
    _drawn(page, OVERVIEW_CHARTS)
    assert errors == []


def test_the_big_screen_draws_its_charts_and_refreshes_in_place(
    page: Page, site: str, city: FigureCity, errors: list[str]
) -> None:
    page.set_viewport_size({"width": 1920, "height": 1080})
    log_in_ok(page, site, "leader", PASSWORD)
    page.goto(f"{site}{reverse('stats:screen')}?{QUERY}&refresh=5")
    _drawn(page, SCREEN_CHARTS)
    person_times = page.locator('[data-kpi="person_times"]')
    expect(person_times).to_have_text("68")
    _shot(page, "dashboard-screen.png")
    page.evaluate("window.__notReloaded = true")

    Attendance.objects.create(
        session=city.sessions["S1"], unit=city.m2, community=city.c3, headcount=10
    )
    expect(person_times).to_have_text("78", timeout=15_000)
    assert page.evaluate("window.__notReloaded") is True
    refreshes: Any = page.locator("[data-testid=screen]").get_attribute("data-refreshes")
    assert int(refreshes) >= 2
    expect(page.locator("[data-testid=refreshed-at]")).to_have_text(
        __import__("re").compile(r"^\d\d:\d\d:\d\d$")
    )
    _drawn(page, SCREEN_CHARTS)
    assert errors == []


def test_the_problem_map_clusters_the_pinned_problems(
    page: Page, site: str, city: FigureCity, errors: list[str]
) -> None:
    from tests.stats.fixtures_dashboard import pin

    pin(city, "P1", "P2", "P4")
    log_in_ok(page, site, "office", PASSWORD)
    page.goto(f"{site}{reverse('stats:map')}?{QUERY}")
    stats_map = page.locator("#stats-map")
    expect(stats_map).to_have_attribute("data-ready", "true")
    expect(stats_map).to_have_attribute("data-count", "3")
    assert errors == []
