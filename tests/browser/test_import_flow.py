"""Imports in Chromium: a file with errors is refused and listed, the error file is downloaded
and corrected, and the corrected file runs in the background until its bar is full."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse
from openpyxl import load_workbook
from playwright.sync_api import Page, expect

from gongzhi.imports import tasks
from gongzhi.imports.models import ImportJob
from gongzhi.units.models import Unit
from tests.browser.conftest import browser_db, log_in_ok
from tests.factories import PASSWORD, World, build_world, make_credit_code
from tests.imports.files import xlsx_bytes

pytestmark = [pytest.mark.browser, browser_db]

#: The real huey task, kept before the test replaces it with a recorder.
QUEUED_TASK = tasks.import_job_task
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def city(settings: Any) -> World:
    settings.IMPORT_BACKGROUND_ROWS = 3
    return build_world()


@pytest.fixture
def queued(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[tuple[int, str]]]:
    """Background jobs are recorded, and run by the test when it chooses."""
    calls: list[tuple[int, str]] = []
    monkeypatch.setattr(
        tasks, "import_job_task", lambda job_id, language: calls.append((job_id, language))
    )
    yield calls


def upload(page: Page, data: bytes, name: str) -> None:
    page.select_option("#id_kind", "units")
    page.set_input_files("#id_file", files=[{"name": name, "mimeType": XLSX, "buffer": data}])
    page.locator("[data-testid=import-submit]").click()


def test_errors_are_listed_the_error_file_corrected_and_the_import_finishes(
    page: Page, site: str, city: World, queued: list[tuple[int, str]], tmp_path: Path
) -> None:
    codes = [make_credit_code(9900 + i) for i in range(4)]
    rows = [
        ["统一社会信用代码", "单位名称", "单位类型"],
        [codes[0], "随州市第一局", "机关"],
        [codes[1], "随州市第二局", "学校"],
        [codes[2], "随州市第三局", "企业"],
    ]
    log_in_ok(page, site, "office", PASSWORD)
    page.goto(f"{site}{reverse('imports:import_list')}")
    upload(page, xlsx_bytes(rows), "单位.xlsx")

    errors = page.locator("[data-testid=import-errors]")
    expect(errors).to_be_visible()
    expect(errors.locator("tr[data-row='3']")).to_contain_text("单位类型")
    expect(page.locator("[data-testid=import-message]")).to_contain_text("Nothing was imported")
    assert not Unit.objects.filter(code__in=codes).exists()

    with page.expect_download() as download:
        page.locator("[data-testid=error-file]").click()
    saved = tmp_path / "errors.xlsx"
    download.value.save_as(saved)
    book = load_workbook(saved)
    sheet = book.worksheets[0]
    assert sheet["D1"].value == "错误说明"
    assert "单位类型" in sheet["D3"].value
    sheet["C3"] = "事业单位"  # the correction
    sheet.append(
        [codes[3], "随州市第四局", "企业"]
    )  # and one more row: the file now runs in the background
    corrected = io.BytesIO()
    book.save(corrected)

    page.goto(f"{site}{reverse('imports:import_list')}")
    upload(page, corrected.getvalue(), "单位-corrected.xlsx")
    bar = page.locator("[data-testid=progress-bar]")
    expect(bar).to_have_text("0%")
    assert len(queued) == 1

    assert ImportJob.objects.get(pk=queued[0][0]).status == "queued"
    QUEUED_TASK.call_local(*queued[0])  # the worker's turn

    expect(page.locator("[data-testid=progress-bar]")).to_have_text("100%", timeout=10_000)
    expect(page.locator("[data-testid=count-created]")).to_have_text("4")
    assert Unit.objects.filter(code__in=codes).count() == 4
