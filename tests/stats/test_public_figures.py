"""The public figures page: residents see the programme's city-wide figures, no login."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from tests.stats.fixtures_dashboard import PERIOD
from tests.stats.fixtures_figures import FigureCity

pytestmark = pytest.mark.django_db

URL = reverse("stats:public")


@pytest.fixture(autouse=True)
def _fresh_cache() -> Iterator[None]:
    cache.clear()
    yield
    cache.clear()


def kpi(html: str, key: str) -> str:
    found = re.search(rf'data-kpi="{key}">([^<]*)<', html)
    assert found, f"no KPI card {key}"
    return found.group(1)


def test_anyone_sees_the_citys_figures_of_the_period(city: FigureCity) -> None:
    response = Client().get(URL, PERIOD)
    assert response.status_code == 200
    html = response.content.decode()
    # The whole city: the district units count too (the office's dashboard shows 68).
    assert kpi(html, "person_times") == "68"
    assert kpi(html, "problems_reported") == "8"
    assert 'data-testid="public-units"' in html
    assert "main-nav" not in html  # no staff menu


def test_the_figures_are_computed_once_then_served_from_the_cache(
    city: FigureCity, django_assert_max_num_queries: Any
) -> None:
    client = Client()
    client.get(URL, PERIOD)
    with django_assert_max_num_queries(0):
        again = client.get(URL, PERIOD)
    assert kpi(again.content.decode(), "person_times") == "68"


def test_a_wrong_date_is_named_and_nothing_is_computed(
    city: FigureCity, django_assert_max_num_queries: Any
) -> None:
    with django_assert_max_num_queries(0):
        response = Client().get(URL, {"start": "2021-13-01", "end": "2021-08-31"})
    assert response.status_code == 400
    assert "YYYY-MM-DD" in response.content.decode()


def test_only_the_period_can_be_chosen(city: FigureCity) -> None:
    narrowed = Client().get(URL, {**PERIOD, "jurisdiction": "municipal"}).content.decode()
    assert kpi(narrowed, "person_times") == "68"


def test_the_public_menu_links_to_the_figures(city: FigureCity) -> None:
    html = Client().get(reverse("public:report")).content.decode()
    assert f'href="{URL}"' in html
