"""The big screen (数据大屏): who sees it, its refresh setting, and the JSON it refreshes from."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from django.urls import reverse

from tests.stats.fixtures_dashboard import PERIOD, client_for, grow
from tests.stats.fixtures_figures import GAOXIN, ZENGDU, FigureCity

pytestmark = pytest.mark.django_db

SCREEN = reverse("stats:screen")
SCREEN_DATA = reverse("stats:screen_data")


@pytest.mark.parametrize("role", ["office", "leader"])
def test_the_office_and_leaders_see_the_big_screen(city: FigureCity, role: str) -> None:
    page = client_for(city.users[role]).get(SCREEN, PERIOD)
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-kpi="person_times">68<' in html
    assert len(re.findall(r'class="stats-chart" data-chart="', html)) == 6
    assert 'data-testid="refreshed-at"' in html


@pytest.mark.parametrize("role", ["district", "street", "community", "unit", "inspector"])
def test_other_roles_are_refused_the_big_screen(city: FigureCity, role: str) -> None:
    client = client_for(city.users[role])
    assert client.get(SCREEN, PERIOD).status_code == 403
    assert client.get(SCREEN_DATA, PERIOD).status_code == 403


def test_the_screen_refreshes_every_minute_unless_the_url_or_settings_say_otherwise(
    city: FigureCity, settings: Any
) -> None:
    client = client_for(city.users["office"])

    def refresh(**params: str) -> str:
        html = client.get(SCREEN, {**PERIOD, **params}).content.decode()
        found = re.search(r'data-refresh="(\d+)"', html)
        assert found is not None
        return found.group(1)

    assert refresh() == "60"
    assert refresh(refresh="15") == "15"
    assert refresh(refresh="1") == "5"  # not faster than every five seconds
    assert refresh(refresh="soon") == "60"
    settings.STATS_SCREEN_REFRESH_SECONDS = 120
    assert refresh() == "120"


def test_the_screen_fetches_its_figures_with_the_same_filters(city: FigureCity) -> None:
    client = client_for(city.users["office"])
    query = {**PERIOD, "exclude_jurisdiction": [ZENGDU, GAOXIN]}
    html = client.get(SCREEN, query).content.decode()
    found = re.search(r'data-url="([^"]+)"', html)
    assert found is not None
    data = client.get(found.group(1).replace("&amp;", "&")).json()
    cards = {k["key"]: k["value"] for k in data["kpis"]}
    assert cards["person_times"] == "44"
    assert re.fullmatch(r"\d\d:\d\d:\d\d", data["refreshed_at"])
    assert data["labels"]["units"] == "Units with the most person-times"
    # Largest last: the horizontal bar chart draws the first name at the bottom.
    assert data["units"]["person_times"] == sorted(data["units"]["person_times"])


def test_the_screen_data_answers_400_naming_a_wrong_filter(city: FigureCity) -> None:
    bad = client_for(city.users["leader"]).get(SCREEN_DATA, {**PERIOD, "district": "999999"})
    assert bad.status_code == 400
    assert "district" in bad.json()["errors"]


def test_the_screen_data_costs_the_same_queries_for_4_or_24_units(
    city: FigureCity, django_assert_max_num_queries: Any
) -> None:
    client = client_for(city.users["office"])
    client.get(SCREEN_DATA, PERIOD)
    with django_assert_max_num_queries(30) as few:
        client.get(SCREEN_DATA, PERIOD)
    grow(city, 20)
    with django_assert_max_num_queries(len(few.captured_queries)):
        data = client.get(SCREEN_DATA, PERIOD).json()
    assert {k["key"]: k["value"] for k in data["kpis"]}["person_times"] == "108"
    assert len(data["units"]["names"]) == 10


# --- the demo city ---------------------------------------------------------------------------


def test_the_demo_citys_screen_shows_the_published_figures() -> None:
    """For municipal units, July to October 2021: 6,352 person-times and 304.68万元
    (3,046,800 yuan), as the city's newspaper reported ("6300余人次", "300余万元").

    The demo is loaded inside this test's transaction, so it never meets the small
    city of the other tests."""
    from gongzhi.core.models import User
    from gongzhi.demo.loader import load_demo

    load_demo(io.StringIO())
    client = client_for(User.objects.get(username="leader"))
    query = {"start": "2021-07-01", "end": "2021-10-31", "jurisdiction": "municipal"}
    data = client.get(SCREEN_DATA, query).json()
    cards = {k["key"]: k["value"] for k in data["kpis"]}
    assert cards["person_times"] == "6,352"
    assert cards["funds"] == "304.68"
    september_10 = data["sessions"]["dates"].index("2021-09-10")
    assert data["sessions"]["person_times"][september_10] > 0
