"""The extra questions in Chromium: choosing a category shows its questions, and only
the chosen category's answers are sent."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.core.cache import cache
from django.urls import reverse
from playwright.sync_api import Browser, Page, expect

from gongzhi.problems import services
from gongzhi.problems.models import Problem
from tests.browser.conftest import browser_db, log_in_ok
from tests.factories import PASSWORD, World, build_world

pytestmark = [pytest.mark.browser, browser_db]


@pytest.fixture
def city() -> World:
    cache.clear()
    world = build_world()
    services.categories_seed()
    return world


@pytest.fixture
def phone(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True, locale="en-GB"
    )
    page = context.new_page()
    yield page
    context.close()


def test_choosing_a_kind_on_the_public_page_shows_its_questions(
    phone: Page, live_server: Any, city: World
) -> None:
    page = phone
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{live_server.url}/report/")
    corner = page.locator("fieldset[data-category=garbage_dead_corner]")
    weeds = page.locator("fieldset[data-category=dead_branches_weeds]")
    expect(corner).to_be_hidden()

    page.select_option("#id_category_code", "dead_branches_weeds")
    expect(weeds).to_be_visible()
    expect(corner).to_be_hidden()
    page.fill("#id_extra_location_detail_dead_branches_weeds", "不该送出的位置")

    page.select_option("#id_category_code", "garbage_dead_corner")
    expect(corner).to_be_visible()
    expect(corner.get_by_label("大致数量")).to_be_visible()
    expect(weeds).to_be_hidden()

    page.select_option("#id_category_code", "illegal_parking")  # asks nothing more
    expect(page.locator("fieldset[data-category]:visible")).to_have_count(0)

    page.select_option("#id_category_code", "garbage_dead_corner")
    corner.get_by_label("大致数量").select_option("large")
    page.fill("#id_description", "墙角堆满垃圾")
    page.select_option("#id_community_code", city.community_a1.code)
    page.get_by_test_id("submit-report").tap()
    expect(page.get_by_test_id("report-done")).to_be_visible()
    # The hidden kind's answer stayed behind.
    assert Problem.objects.get().extra_answers == {"volume": "large"}
    assert errors == []


def test_choosing_a_category_on_the_staff_form_shows_its_questions(
    page: Page, live_server: Any, city: World
) -> None:
    site = str(live_server.url)
    log_in_ok(page, site, "community", PASSWORD)
    page.goto(site + reverse("problems:create"))
    corner = page.locator("fieldset[data-category=garbage_dead_corner]")
    expect(corner).to_be_hidden()
    page.select_option("#id_category", "garbage_dead_corner")
    expect(corner).to_be_visible()
    corner.get_by_label("大致数量").select_option("medium")
    corner.get_by_label("具体位置（楼栋、单元）").fill("3号楼东侧")
    page.select_option("#id_community", city.community_a1.code)
    page.fill("#id_description", "墙角堆满垃圾")
    page.get_by_role("button", name="Record the problem").click()
    expect(page.locator(".alert-success")).to_contain_text("is recorded")
    expect(page.get_by_test_id("answer-volume")).to_have_text("较多")
    expect(page.get_by_test_id("answer-location_detail")).to_have_text("3号楼东侧")
