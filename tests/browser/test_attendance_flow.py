"""Attendance in Chromium: a unit liaison enters its turn-out with a photo on a phone, the
community's staff confirm it, and the session page shows it."""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from gongzhi.activities.models import Attendance, AttendanceStatus
from gongzhi.campaigns.models import Campaign, Session
from gongzhi.problems import services as problem_services
from tests.browser.conftest import browser_db, log_in_ok, log_out
from tests.core.photo_samples import camera_jpeg
from tests.factories import PASSWORD, World, build_world

pytestmark = [pytest.mark.browser, browser_db]

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def city() -> tuple[World, Session]:
    """The small city, its categories and a session held yesterday over its communities."""
    world = build_world()
    problem_services.categories_seed()
    campaign = Campaign.objects.create(
        slug="friday", name="周五环境治理活动", start=dt.date(2021, 7, 1), nth=[2, 4]
    )
    campaign.communities.set([world.community_a1, world.community_a2])
    day = timezone.localdate() - dt.timedelta(days=1)
    session = Session.objects.create(
        campaign=campaign,
        slot_date=day,
        date=day,
        start_time=dt.time(14, 30),
        end_time=dt.time(17, 30),
    )
    return world, session


@pytest.fixture
def phone(browser: Browser, city: tuple[World, Session]) -> Iterator[Page]:
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True, locale="en-GB")
    page = context.new_page()
    yield page
    context.close()


def _fits(page: Page) -> bool:
    return bool(
        page.evaluate(
            "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
        )
    )


def test_a_liaison_enters_attendance_on_a_phone_and_the_community_confirms_it(
    phone: Page, live_server: Any, city: tuple[World, Session], tmp_path: Any
) -> None:
    world, session = city
    site = str(live_server.url)
    photo = tmp_path / "after.jpg"
    photo.write_bytes(camera_jpeg())
    shots = os.environ.get("SCREENSHOTS")
    page = phone

    # 1. The unit's liaison finds the session and opens the entry form for its community.
    log_in_ok(page, site, "unit", PASSWORD)
    page.goto(site + reverse("activities:session_list"))
    if shots:
        page.screenshot(path=f"{shots}/session-list.png", full_page=True)
    page.locator(f"[data-testid=past-sessions] tr[data-session='{session.pk}'] a").first.tap()
    card = page.locator(f"section[data-community='{world.community_a1.code}']")
    card.get_by_test_id("enter-attendance").tap()
    expect(page.locator("#attendance-form")).to_be_visible()
    assert _fits(page)

    # 2. Headcount, leader, two tasks in their own measures, and a photo of the result.
    page.fill("#id_headcount", "45")
    page.fill("#id_leader_name", "王五")
    page.fill("#id_leader_rank", "局长")
    page.check("#id_principal_leader_led")
    rows = page.locator("[data-task-row]")
    rows.nth(0).locator("[data-task-category]").select_option("illegal_flyers")
    measures = rows.nth(0).locator("[data-task-measure] option")
    expect(measures).to_have_count(2)  # places or sheets, nothing else
    rows.nth(0).locator("input[name=task_quantity]").fill("120")
    rows.nth(0).locator("[data-task-measure]").select_option("sheets")
    page.locator("[data-add-task]").tap()
    expect(rows).to_have_count(2)
    rows.nth(1).locator("[data-task-category]").select_option("dead_branches_weeds")
    rows.nth(1).locator("input[name=task_quantity]").fill("30")
    expect(rows.nth(1).locator("[data-task-measure]")).to_have_value("square_metres")
    page.set_input_files("#id_photos_after", str(photo))
    if shots:
        page.screenshot(path=f"{shots}/attendance-form.png", full_page=True)
    page.get_by_test_id("save-attendance").tap()

    expect(page.get_by_test_id("headcount")).to_have_text("45")
    attendance = Attendance.objects.get()
    assert (attendance.unit, attendance.community) == (world.unit_a, world.community_a1)
    assert [(t.category.code, t.measure) for t in attendance.tasks.all()] == [
        ("illegal_flyers", "sheets"),
        ("dead_branches_weeds", "square_metres"),
    ]
    assert attendance.photos.filter(kind="after").count() == 1
    expect(page.get_by_test_id("status")).to_contain_text("not confirmed")
    assert _fits(page)
    if shots:
        page.screenshot(path=f"{shots}/attendance-detail.png", full_page=True)
    page.locator(".navbar-toggler").tap()  # the phone's menu holds the account
    expect(page.locator("#main-nav")).to_have_class(re.compile(r"\bcollapse show\b"))
    log_out(page, site)

    # 3. The community's staff see it on the session page and confirm it.
    log_in_ok(page, site, "community", PASSWORD)
    page.goto(site + reverse("activities:session_detail", args=[session.pk]))
    row = page.locator(f"[data-unit='{world.unit_a.code}']")
    expect(row).to_have_attribute("data-status", "present")
    row.get_by_test_id("confirm").tap()
    expect(
        page.locator(f"[data-unit='{world.unit_a.code}'] [data-testid=confirmed]")
    ).to_be_visible()
    attendance.refresh_from_db()
    assert attendance.status == AttendanceStatus.CONFIRMED
    assert attendance.confirmed_by == world.users["community"]

    # 4. The session page shows the headcount, the leader and the photo.
    row = page.locator(f"[data-unit='{world.unit_a.code}']")
    expect(row.get_by_test_id("headcount")).to_have_text("45")
    expect(row).to_contain_text("王五")
    thumb = row.locator(".photo-strip img").first
    expect(thumb).to_be_visible()
    assert page.evaluate("(img) => img.complete && img.naturalWidth > 0", thumb.element_handle())
    expect(page.get_by_test_id("figures")).to_contain_text(
        "1 present of 1 expected · 45 person-times"
    )
    assert _fits(page)
    if shots:
        page.screenshot(path=f"{shots}/session-page.png", full_page=True)
