"""The whole closed loop in Chromium: a resident reports on a phone, the community accepts and
dispatches, the unit handles it with a photo, the community verifies, and the public follow
page shows it closed."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.cache import cache
from django.urls import reverse
from playwright.sync_api import Browser, Page, expect

from gongzhi.problems import services
from gongzhi.problems.models import Problem, ProblemState
from tests.browser.conftest import browser_db, log_in_ok, log_out
from tests.core.photo_samples import camera_jpeg
from tests.factories import PASSWORD, World, build_world

pytestmark = [pytest.mark.browser, browser_db]

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def city() -> World:
    cache.clear()  # the report throttle counts in the cache
    world = build_world()
    services.categories_seed()
    return world


@pytest.fixture
def phone(browser: Browser, city: World) -> Iterator[Page]:
    """A phone standing inside community a1 (the factories' outline around 31.69, 113.38)."""
    context = browser.new_context(
        viewport=PHONE,
        is_mobile=True,
        has_touch=True,
        locale="en-GB",
        geolocation={"latitude": 31.6901, "longitude": 113.3801},
        permissions=["geolocation"],
    )
    page = context.new_page()
    yield page
    context.close()


def _act(page: Page, action: str, *, note: str = "", photo: str | None = None) -> None:
    form = page.locator(f"form[data-action={action}]")
    if note:
        form.locator("textarea[name=note]").fill(note)
    if photo:
        form.locator("input[name=photos]").set_input_files(photo)
    form.locator("button[type=submit]").click()
    expect(page.locator(f"[data-testid=timeline] li[data-event={action}]")).to_be_attached()


def _fits(page: Page) -> bool:
    return bool(
        page.evaluate(
            "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
        )
    )


def test_a_report_goes_round_the_closed_loop_and_the_public_sees_it_closed(
    phone: Page, live_server: Any, city: World, tmp_path: Any
) -> None:
    site = str(live_server.url)
    before, after = tmp_path / "before.jpg", tmp_path / "after.jpg"
    before.write_bytes(camera_jpeg())
    after.write_bytes(camera_jpeg())
    shots = os.environ.get("SCREENSHOTS")

    # 1. A resident, on a phone, without an account.
    page = phone
    page.goto(site + reverse("public:report"))
    page.select_option("#id_category_code", "garbage_dead_corner")
    page.fill("#id_description", "小区东门垃圾死角无人清理，气味很大")
    page.set_input_files("#id_photos", str(before))
    page.get_by_test_id("locate").tap()
    expect(page.locator("#id_lat")).not_to_have_value("")
    page.get_by_test_id("submit-report").tap()
    expect(page.get_by_test_id("report-done")).to_be_visible()
    problem = Problem.objects.get()
    assert (problem.community, problem.source) == (city.community_a1, "resident_report")
    expect(page.get_by_test_id("report-number")).to_have_text(problem.number)
    follow_link = page.get_by_role("link", name="Follow the report")
    follow_href = str(follow_link.get_attribute("href"))
    assert _fits(page)

    # 2. The community worker accepts and dispatches it to the paired unit.
    staff = phone.context.browser.new_page(viewport={"width": 1280, "height": 900})  # type: ignore[union-attr]
    log_in_ok(staff, site, "community", PASSWORD)
    detail = site + reverse("problems:detail", kwargs={"number": problem.number})
    staff.goto(detail)
    _act(staff, "accept", note="情况属实，予以立案")
    dispatch = staff.locator("form[data-action=dispatch]")
    dispatch.locator("select[name=unit_codes]").select_option(city.unit_a.code)
    _act(staff, "dispatch")
    problem.refresh_from_db()
    assert problem.state == ProblemState.DISPATCHED and problem.deadline is not None
    assert list(problem.dispatched_units.all()) == [city.unit_a]
    log_out(staff, site)

    # 3. The unit's liaison handles it, with a photo of the result.
    log_in_ok(staff, site, "unit", PASSWORD)
    staff.goto(detail)
    _act(staff, "handle", note="已清运垃圾两车并消杀", photo=str(after))
    problem.refresh_from_db()
    assert problem.state == ProblemState.HANDLED
    assert problem.photos.filter(event__action="handle").count() == 1
    log_out(staff, site)

    # 4. The community checks the result on the spot and closes it.
    log_in_ok(staff, site, "community", PASSWORD)
    staff.goto(detail)
    _act(staff, "verify_pass")
    problem.refresh_from_db()
    assert problem.state == ProblemState.CLOSED
    if shots:
        staff.screenshot(path=f"{shots}/problem-detail.png", full_page=True)
    staff.close()

    # 5. The resident's follow link now says it is closed.
    page.goto(follow_href if follow_href.startswith("http") else site + follow_href)
    expect(page.get_by_test_id("state-words")).to_contain_text("closed")
    expect(page.get_by_test_id("timeline")).to_contain_text("已清运垃圾两车并消杀")
    assert _fits(page)
    if shots:
        page.screenshot(path=f"{shots}/follow-closed.png", full_page=True)

    # 6. The resident rates the result.
    rating = page.get_by_test_id("rating-form")
    rating.locator("label", has_text="Satisfied").first.tap()
    rating.get_by_role("button", name="Send the rating").tap()
    expect(page.get_by_test_id("your-rating")).to_contain_text("Satisfied")
    problem.refresh_from_db()
    assert (problem.state, problem.satisfaction) == (ProblemState.CLOSED, "satisfied")
