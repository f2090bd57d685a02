"""A bulletin in Chromium: the office drafts it on the form, reads its figures, issues it
after confirming, and downloads the DOCX it was issued with."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.urls import reverse
from docx import Document
from playwright.sync_api import ConsoleMessage, Page, expect

from gongzhi.campaigns.models import Session
from gongzhi.stats.models import Bulletin, BulletinStatus
from tests.browser.conftest import browser_db, log_in_ok
from tests.factories import PASSWORD, World, build_world
from tests.stats.fixtures_bulletins import SEPTEMBER_10, make_activity, make_campaign

pytestmark = [pytest.mark.browser, browser_db]


@pytest.fixture
def city() -> World:
    """The small city with the 2021 campaign; 市市场监管局 brought 45 people on 10 September."""
    world = build_world()
    campaign = make_campaign(world)
    make_activity(world, Session.objects.get(campaign=campaign, date=SEPTEMBER_10))
    return world


def test_the_office_drafts_issues_and_downloads_a_bulletin(
    page: Page, site: str, city: World, tmp_path: Any
) -> None:
    errors: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        # The browser asks for /favicon.ico by itself; the site has none.
        if message.type == "error" and not message.location.get("url", "").endswith("/favicon.ico"):
            errors.append(message.text)

    page.on("console", on_console)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    log_in_ok(page, site, "office", PASSWORD)
    page.goto(f"{site}{reverse('stats:bulletin_list')}")
    page.locator("[data-testid=new-bulletin]").click()

    form = page.locator("[data-testid=bulletin-form]")
    form.locator("#id_start").fill("2021-09-01")
    # The session list follows the period: only September's sessions, then July–October's.
    with page.expect_response(lambda r: "end=2021-09-30" in r.url):
        form.locator("#id_end").fill("2021-09-30")
    expect(form.locator("#id_session option")).to_have_count(3)  # automatic + two Fridays
    with page.expect_response(lambda r: "start=2021-07-01" in r.url):
        form.locator("#id_start").fill("2021-07-01")
    with page.expect_response(lambda r: "end=2021-10-31" in r.url):
        form.locator("#id_end").fill("2021-10-31")
    expect(form.locator("#id_session option")).to_have_count(9)
    form.locator("#id_jurisdiction").select_option("municipal")
    form.locator("#id_session").select_option(label="2021-09-10 · 周五环境治理活动")
    form.locator("#id_number").fill("随创城办〔2021〕12号")
    form.locator("#id_title").fill("关于全市周五环境治理活动开展情况的通报")
    form.locator("#id_issuer").fill("随州市创城工作指挥部办公室")
    form.locator("[data-testid=save-bulletin]").click()

    expect(page.locator("[data-testid=draft-note]")).to_be_visible()
    expect(page.locator("[data-figure=person_times]")).to_have_text("45")
    expect(page.locator("[data-testid=session-table]")).to_contain_text("45")
    page.locator("[data-testid=issue-bulletin]").click()
    page.locator("[data-testid=confirm-issue]").click()
    expect(page.locator("[data-testid=issued-note]")).to_be_visible()
    expect(page.locator("[data-testid=no-differences]")).to_be_visible()

    row = Bulletin.objects.get()
    assert row.status == BulletinStatus.ISSUED
    with page.expect_download() as download_info:
        page.locator("[data-testid=download-docx]").click()
    path = tmp_path / "bulletin.docx"
    download_info.value.save_as(path)
    assert path.read_bytes() == row.docx.open("rb").read()
    text = "\n".join(p.text for p in Document(io.BytesIO(path.read_bytes())).paragraphs)
    assert "随创城办〔2021〕12号" in text

    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.locator("[data-testid=brief]").click()
    expect(page.locator("[data-testid=brief-text]")).to_contain_text("据统计")
    page.locator("[data-testid=copy-brief]").click()
    expect(page.locator("[data-testid=copy-brief]")).to_have_text("Copied")
    assert "据统计" in page.evaluate("navigator.clipboard.readText()")
    assert errors == []
