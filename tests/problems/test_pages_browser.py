"""The ledger pages in Chromium: the clustered map, the report form's pin and duplicate
suggestions, and an action taken from a problem's page."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from gongzhi.problems import services
from gongzhi.problems.models import Problem
from tests.browser.conftest import browser_db, log_in_ok
from tests.core.photo_samples import camera_jpeg
from tests.factories import PASSWORD, World, build_world

pytestmark = [pytest.mark.browser, browser_db]


@pytest.fixture
def site(live_server: Any) -> str:
    return str(live_server.url)


@pytest.fixture
def city() -> World:
    world = build_world()
    services.categories_seed()
    return world


def report(world: World, **fields: Any) -> Problem:
    values: dict[str, Any] = {
        "category_code": "piled_debris",
        "source": "community_patrol",
        "description": "楼下堆满杂物，影响通行",
        "community_code": world.community_a1.code,
        "lat": 31.6901,
        "lng": 113.3801,
    }
    values.update(fields)
    return services.problem_report(user=world.users["community"], **values)


def test_the_ledger_map_shows_the_filtered_problems_clustered(
    page: Page, site: str, city: World
) -> None:
    for _ in range(3):
        report(city)
    report(city, lat=None, lng=None)  # no place: only in the list
    log_in_ok(page, site, "office", PASSWORD)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(site + reverse("problems:ledger") + "?view=map&state=reported")
    the_map = page.locator("#ledger-map[data-ready=true]")
    expect(the_map).to_have_attribute("data-count", "3")
    expect(page.locator("#ledger-map .marker-cluster").first).to_be_visible()
    page.locator("[data-testid=tab-list]").click()
    expect(page.locator("[data-testid=problem-table] tbody tr")).to_have_count(4)
    assert errors == []


def test_a_pin_on_the_report_form_brings_up_duplicates_and_the_report_is_recorded(
    page: Page, site: str, city: World, tmp_path: Any
) -> None:
    existing = report(city)
    photo = tmp_path / "corner.jpg"
    photo.write_bytes(camera_jpeg())
    log_in_ok(page, site, "community", PASSWORD)
    page.goto(site + reverse("problems:create"))
    page.select_option("#id_category", "piled_debris")
    page.fill("#id_description", "楼下堆满杂物")
    expect(page.locator("#report-map[data-ready=true]")).to_be_attached()
    page.locator("#report-map").click()  # the outline is centred on the map
    expect(page.locator("#id_lat")).not_to_have_value("")
    expect(page.locator("#similar")).to_contain_text(existing.number)
    page.set_input_files("#id_photos", str(photo))
    page.get_by_role("button", name="Record the problem").click()
    expect(page.locator(".alert-success")).to_contain_text("is recorded")
    created = Problem.objects.exclude(pk=existing.pk).get()
    assert created.community == city.community_a1
    assert created.lat is not None and created.photos.count() == 1
    expect(page.locator("#problem-map[data-ready=true]")).to_be_attached()


def test_an_action_taken_on_the_page_shows_in_the_timeline(
    page: Page, site: str, city: World
) -> None:
    problem = report(city)
    log_in_ok(page, site, "community", PASSWORD)
    page.goto(site + reverse("problems:detail", kwargs={"number": problem.number}))
    accept = page.locator("form[data-action=accept]")
    accept.locator("textarea[name=note]").fill("情况属实")
    accept.get_by_role("button", name="Accept").click()
    timeline = page.locator("[data-testid=timeline]")
    expect(timeline.locator("li[data-event=accept]")).to_contain_text("情况属实")
    expect(page.locator("form[data-action=dispatch]")).to_be_visible()
