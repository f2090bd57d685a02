"""In Chromium on a phone-sized screen: a unit liaison records 8.5万 with a receipt photo,
sees the amount read back while typing, and finds it on the funds ledger."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse
from playwright.sync_api import Browser, Page, expect

from gongzhi.activities.models import Contribution
from tests.browser.conftest import browser_db, log_in_ok
from tests.core.photo_samples import camera_jpeg
from tests.factories import PASSWORD, World, build_world

pytestmark = [pytest.mark.browser, browser_db]

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def phone(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True, locale="en-GB")
    page = context.new_page()
    yield page
    context.close()


def test_a_liaison_records_a_contribution_on_a_phone(
    phone: Page, live_server: Any, tmp_path: Path
) -> None:
    world: World = build_world()
    site = str(live_server.url)
    receipt = tmp_path / "receipt.jpg"
    receipt.write_bytes(camera_jpeg())
    log_in_ok(phone, site, "unit", PASSWORD)
    phone.goto(site + reverse("activities:funds_new"))
    phone.locator("#id_community").select_option(world.community_a1.code)
    phone.locator("#id_date").fill("2021-09-10")
    phone.locator("#id_amount").fill("八万")
    expect(phone.locator("[data-testid=amount-error]")).to_contain_text("digits")
    phone.locator("#id_amount").fill("8.5万")
    expect(phone.locator("[data-testid=amount-parsed]")).to_have_text("= 85,000.00 yuan (8.5万元)")
    phone.locator("#id_purpose").fill("购置垃圾桶")
    phone.locator("#id_receipts").set_input_files(str(receipt))
    save = phone.locator("[data-testid=funds-save]")
    box = save.bounding_box()
    assert box is not None and box["width"] <= PHONE["width"]
    save.click()
    expect(phone.locator("[data-testid=funds-amount]")).to_have_text("85,000.00")
    contribution = Contribution.objects.get()
    assert contribution.amount_fen == 8_500_000
    assert contribution.photos.count() == 1
    phone.goto(site + reverse("activities:funds"))
    expect(phone.locator("[data-testid=funds-total]")).to_contain_text("85,000.00 yuan")
