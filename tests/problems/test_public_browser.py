"""The public report page on a phone, in Chromium: locate, pin, send, follow."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.cache import cache
from playwright.sync_api import Browser, Page, expect

from gongzhi.problems import services
from gongzhi.problems.models import Problem, ProblemPhoto
from tests.core.photo_samples import camera_jpeg
from tests.factories import CommunityFactory, build_world
from tests.problems.test_report import hexagon

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

PHONE = {"width": 390, "height": 844}
SPOT = {"latitude": 31.8021, "longitude": 113.5012}


@pytest.fixture
def phone(browser: Browser) -> Iterator[Page]:
    """A phone-sized page that may read its (fixed) location."""
    context = browser.new_context(
        viewport=PHONE,
        is_mobile=True,
        has_touch=True,
        locale="en-GB",
        geolocation=SPOT,
        permissions=["geolocation"],
    )
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def city(db: None) -> Any:
    cache.clear()
    world = build_world()
    services.categories_seed()
    return CommunityFactory(
        street=world.street_a,
        code="421303001009",
        name="东关社区",
        centre_lat=31.80,
        centre_lng=113.50,
        outline=hexagon(31.80, 113.50),
    )


def _fits_the_screen(page: Page) -> bool:
    return bool(
        page.evaluate(
            "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
        )
    )


def test_a_resident_reports_from_a_phone_and_follows_the_report(
    phone: Page, live_server: Any, city: Any, tmp_path: Any
) -> None:
    page = phone
    page.goto(f"{live_server.url}/report/")
    expect(page.locator("#report-map[data-ready=true]")).to_be_attached()
    assert _fits_the_screen(page)

    page.select_option("#id_category_code", "piled_debris")
    page.fill("#id_description", "楼道里堆满了旧家具")
    photo = tmp_path / "楼道.jpg"
    photo.write_bytes(camera_jpeg())
    page.set_input_files("#id_photos", str(photo))
    expect(page.locator("#photo-previews img")).to_have_count(1)

    page.get_by_test_id("locate").tap()
    expect(page.locator("#id_lat")).to_have_value("31.802100")
    expect(page.locator("#pin-status")).to_contain_text("东关社区")
    assert _fits_the_screen(page)
    if os.environ.get("SCREENSHOTS"):
        page.screenshot(path=os.environ["SCREENSHOTS"] + "/report.png", full_page=True)

    page.get_by_test_id("submit-report").tap()
    expect(page.get_by_test_id("report-done")).to_be_visible()
    problem = Problem.objects.get()
    assert problem.community == city
    assert ProblemPhoto.objects.filter(problem=problem).count() == 1
    expect(page.get_by_test_id("report-number")).to_have_text(problem.number)
    assert _fits_the_screen(page)

    page.get_by_role("link", name="Follow the report").tap()
    expect(page.get_by_test_id("state-words")).to_have_text("Received; waiting to be reviewed")
    expect(page.get_by_test_id("community")).to_have_text("东关社区")
    assert _fits_the_screen(page)
    if os.environ.get("SCREENSHOTS"):
        page.screenshot(path=os.environ["SCREENSHOTS"] + "/follow.png", full_page=True)


def test_a_pin_tapped_on_the_map_fills_the_place(phone: Page, live_server: Any, city: Any) -> None:
    page = phone
    page.goto(f"{live_server.url}/report/")
    expect(page.locator("#report-map[data-ready=true]")).to_be_attached()
    page.locator("#report-map").tap()
    expect(page.locator("#id_lat")).not_to_have_value("")
    expect(page.locator("#clear-pin")).to_be_visible()
    page.locator("#clear-pin").tap()
    expect(page.locator("#id_lat")).to_have_value("")
