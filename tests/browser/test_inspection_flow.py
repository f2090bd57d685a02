"""An inspection in Chromium on a phone: the inspector fills part of the form, leaves the
page mid-way, comes back to the saved draft, records a finding with a photo, and submits;
the finding becomes a rectification problem and the round counts the inspection."""

from __future__ import annotations

import datetime as dt
import os
import time
from collections.abc import Iterator
from typing import Any

import pytest
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from gongzhi.inspections.models import (
    Assignment,
    Inspection,
    InspectionGroup,
    InspectionRound,
    InspectionStatus,
    ItemScore,
    RoundStatus,
)
from gongzhi.inspections.seed import ranking_rules, seed_default_template
from gongzhi.problems import services as problem_services
from gongzhi.problems.models import Problem, ProblemSource, ProblemState
from tests.browser.conftest import browser_db, log_in_ok
from tests.core.photo_samples import camera_jpeg
from tests.factories import PASSWORD, World, build_world

pytestmark = [pytest.mark.browser, browser_db]

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def city() -> tuple[World, InspectionRound]:
    """The small city, its categories, and round 1 open around today with unit_a assigned
    to the group of the world's inspector."""
    world = build_world()
    problem_services.categories_seed()
    template = seed_default_template()  # the flush of a browser test removed the seeded one
    ranking_rules()
    group = InspectionGroup.objects.create(name="第一督导组", leader=world.users["inspector"])
    group.members.add(world.users["inspector"])
    today = timezone.localdate()
    round_ = InspectionRound.objects.create(
        number=1,
        start=today - dt.timedelta(days=10),
        end=today + dt.timedelta(days=17),
        template=template,
        status=RoundStatus.OPEN,
    )
    Assignment.objects.create(round=round_, unit=world.unit_a, group=group)
    return world, round_


@pytest.fixture
def phone(browser: Browser, city: tuple[World, InspectionRound]) -> Iterator[Page]:
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


def _saved(page: Page) -> None:
    expect(page.locator("#save-status [data-testid=save-state]")).to_have_attribute(
        "data-state", "saved"
    )


def _comment_saved(text: str, seconds: float = 10) -> bool:
    """Whether the beacon sent when leaving the page has saved ``text`` (it travels on
    its own, so the next page may load before it is written)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if ItemScore.objects.filter(comment=text).exists():
            return True
        time.sleep(0.2)
    return False


def test_an_inspector_fills_an_inspection_on_a_phone_leaves_comes_back_and_submits(
    phone: Page, live_server: Any, city: tuple[World, InspectionRound], tmp_path: Any
) -> None:
    world, round_ = city
    site = str(live_server.url)
    form_url = site + reverse("inspections:inspection_form", args=[1, world.unit_a.code])
    photo = tmp_path / "flyers.jpg"
    photo.write_bytes(camera_jpeg())
    shots = os.environ.get("SCREENSHOTS")
    page = phone

    # 1. The inspector opens the unit's form and starts: the date, the community, a criterion.
    log_in_ok(page, site, "inspector", PASSWORD)
    page.goto(form_url)
    expect(page.locator("#inspection-form")).to_be_visible()
    assert _fits(page)
    page.fill("#id_date", timezone.localdate().isoformat())
    page.select_option("#id_community_code", world.community_a1.code)
    page.fill("#answer-liaison", "4.5")
    page.locator("[data-full][data-for=answer-leader_led]").tap()
    _saved(page)
    draft = Inspection.objects.get()
    assert draft.status == InspectionStatus.DRAFT and draft.community == world.community_a1
    expect(page.get_by_test_id("total")).to_have_text("14.5")
    if shots:
        page.screenshot(path=f"{shots}/inspection-form.png", full_page=True)

    # 2. A comment typed just before leaving the page is not lost.
    page.fill("input[name=comment-liaison]", "联络员未固定")
    page.goto(site + reverse("home"))
    assert _comment_saved("联络员未固定")

    # 3. Back on the form: the draft is there as left.
    page.goto(form_url)
    expect(page.locator("#answer-liaison")).to_have_value("4.5")
    expect(page.locator("#answer-leader_led")).to_have_value("10")
    expect(page.locator("input[name=comment-liaison]")).to_have_value("联络员未固定")
    expect(page.locator("#id_community_code")).to_have_value(world.community_a1.code)

    # 4. The rest: full marks, every check met but the flyers.
    for button in page.locator("[data-full]").all():
        if button.get_attribute("data-for") not in ("answer-liaison", "answer-leader_led"):
            button.tap()
    for check in page.locator(".btn-group[role=group]").all():
        name = check.locator("input").first.get_attribute("name")
        verdict = "no" if name == "answer-no_flyers" else "yes"
        check.locator(f"label[for$='-{verdict}']").tap()
    _saved(page)
    missing = page.get_by_test_id("missing")
    expect(missing).to_have_attribute("data-count", "1")
    expect(missing).to_contain_text("needs evidence")

    # 5. Submitting now shows what is missing: evidence for the flyers.
    page.get_by_test_id("submit").tap()
    expect(page.get_by_test_id("form-errors")).to_be_visible()
    expect(page.locator("#item-no_flyers")).to_contain_text("needs evidence")
    assert Inspection.objects.get().status == InspectionStatus.DRAFT

    # 6. A finding with a photo, to be rectified by the unit.
    finding = page.locator("#finding-form")
    finding.locator("textarea[name=finding-text]").fill("楼道内小广告未清理")
    finding.locator("select[name=finding-item_code]").select_option("no_flyers")
    finding.locator("input[name=finding-photos]").set_input_files(str(photo))
    expect(finding.locator("[data-rectification-fields]")).to_be_hidden()
    finding.locator("input[name=finding-demands_rectification]").check()
    finding.locator("select[name=finding-category_code]").select_option("illegal_flyers")
    finding.get_by_test_id("add-finding").tap()
    expect(page.locator("#findings [data-finding]")).to_have_count(1)
    expect(page.locator("#findings img")).to_be_visible()
    expect(page.get_by_test_id("complete")).to_be_visible()
    assert _fits(page)
    if shots:
        page.screenshot(path=f"{shots}/inspection-findings.png", full_page=True)

    # 7. Submit: the inspection page, scored and graded; the finding is a ledger problem.
    page.get_by_test_id("submit").tap()
    expect(page.get_by_test_id("status")).to_have_attribute("data-status", "submitted")
    expect(page.get_by_test_id("total")).to_contain_text("99.5 / 100")
    expect(page.get_by_test_id("grade")).to_have_attribute("data-grade", "excellent")
    assert _fits(page)
    if shots:
        page.screenshot(path=f"{shots}/inspection-detail.png", full_page=True)
    problem = Problem.objects.get()
    assert (problem.source, problem.state) == (ProblemSource.INSPECTION, ProblemState.DISPATCHED)
    assert list(problem.dispatched_units.all()) == [world.unit_a]
    expect(page.get_by_test_id("problem")).to_have_text(problem.number)

    # 8. The round counts it.
    assert round_.inspections.filter(status=InspectionStatus.SUBMITTED).count() == 1
    try:
        overview = reverse("inspections:round_detail", args=[1])
    except NoReverseMatch:
        return
    page.goto(site + overview)
    expect(page.get_by_test_id("total-submitted")).to_have_text("1")
    expect(page.get_by_test_id("group-counts")).to_have_text("1 / 1")
    expect(page.get_by_test_id("all-inspected")).to_be_visible()
