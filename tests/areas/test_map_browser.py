"""In Chromium, the community page draws the outline even with no map tiles."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_community_page_draws_its_outline_without_tiles(live_server, page, world):
    page.goto(live_server.url + reverse("login"))
    page.fill("input[name=username]", "community")
    page.fill("input[name=password]", PASSWORD)
    page.locator("form [type=submit]").first.click()
    page.wait_for_url(live_server.url + "/")
    page.goto(live_server.url + reverse("areas:community_detail", args=["421303001001"]))
    polygon = page.locator("#community-map path.leaflet-interactive")
    polygon.wait_for(state="attached")
    assert polygon.count() == 1
    assert page.locator("#community-map img.leaflet-tile").count() == 0
    box = polygon.bounding_box()
    assert box is not None and box["width"] > 50 and box["height"] > 50
