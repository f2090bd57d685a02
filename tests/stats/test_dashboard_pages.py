"""The dashboards: overview, units, a unit, communities, a community and the problem map,
on the hand-built city whose figures ``tests/stats/fixtures_figures.py`` works out."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from django.urls import reverse

from gongzhi.core.navigation import navigation_for
from tests.stats.fixtures_dashboard import PERIOD, client_for, grow, pin
from tests.stats.fixtures_figures import GAOXIN, ZENGDU, FigureCity

pytestmark = pytest.mark.django_db

OVERVIEW = reverse("stats:overview")


def kpi(html: str, key: str) -> str:
    found = re.search(rf'data-kpi="{key}">([^<]*)<', html)
    assert found, f"no KPI card {key}"
    return found.group(1)


def chart_data(html: str) -> dict[str, Any]:
    found = re.search(r'<script id="stats-data" type="application/json">(.*?)</script>', html, re.S)
    assert found, "no chart data on the page"
    return json.loads(found.group(1))


# --- overview -----------------------------------------------------------------------------


def test_the_overview_shows_the_periods_figures_in_its_cards(city: FigureCity) -> None:
    page = client_for(city.users["office"]).get(OVERVIEW, PERIOD)
    assert page.status_code == 200
    html = page.content.decode()
    assert kpi(html, "person_times") == "68"
    assert kpi(html, "sessions_held") == "3"
    assert kpi(html, "participation") == "80.0%"
    assert kpi(html, "funds") == "9.50"
    assert kpi(html, "problems_reported") == "8"
    assert kpi(html, "problems_closed") == "3"
    assert kpi(html, "closure_rate") == "60.0%"
    assert kpi(html, "on_time_rate") == "66.7%"
    assert kpi(html, "median_days") == "8.0"
    assert kpi(html, "satisfaction") == "66.7%"


def test_the_charts_get_their_series_and_labels_from_the_page(city: FigureCity) -> None:
    html = client_for(city.users["office"]).get(OVERVIEW, PERIOD).content.decode()
    data = chart_data(html)
    assert data["sessions"]["dates"] == ["2021-07-09", "2021-07-23", "2021-08-27"]
    assert data["sessions"]["person_times"] == [22, 29, 17]
    assert data["sessions"]["rate"] == [100.0, 75.0, 66.7]
    assert data["funds"] == {"months": ["2021-07", "2021-08"], "yuan": [80000.0, 15000.5]}
    assert data["labels"]["person_times"] == "Person-times"
    states = {s["name"]: s["value"] for s in data["states"]}
    assert states["Closed"] == 3
    assert states["Rejected"] == 1
    for chart in ("sessions", "funds", "categories", "states", "sources", "rates", "units"):
        assert f'data-chart="{chart}"' in html


def test_leaving_out_the_districts_units_keeps_the_municipal_figures_only(
    city: FigureCity,
) -> None:
    client = client_for(city.users["office"])
    query = {**PERIOD, "exclude_jurisdiction": [ZENGDU, GAOXIN]}
    html = client.get(OVERVIEW, query).content.decode()
    assert kpi(html, "person_times") == "44"
    assert kpi(html, "funds") == "8.50"
    assert "Units excluded" in html
    assert "Units of 曾都区, Units of 随州高新区" in html
    # The bar keeps what was chosen, so the view can be shared as it is.
    assert re.search(rf'<option value="{ZENGDU}" selected>Units of 曾都区</option>', html)
    municipal = client.get(OVERVIEW, {**PERIOD, "jurisdiction": "municipal"}).content.decode()
    assert kpi(municipal, "person_times") == "44"


def test_the_communities_district_filter_narrows_what_happened_there(city: FigureCity) -> None:
    client = client_for(city.users["office"])
    inside = client.get(OVERVIEW, {**PERIOD, "district": ZENGDU}).content.decode()
    assert kpi(inside, "person_times") == "47"
    outside = client.get(OVERVIEW, {**PERIOD, "exclude_district": ZENGDU}).content.decode()
    assert kpi(outside, "person_times") == "21"


def test_a_wrong_filter_is_named_and_nothing_is_computed(city: FigureCity) -> None:
    client = client_for(city.users["office"])
    page = client.get(OVERVIEW, {"start": "2021-08-31", "end": "2021-07-01"})
    assert page.status_code == 400
    html = page.content.decode()
    assert 'data-field-error="end"' in html
    assert "The end date lies before the start date." in html
    assert "data-kpi=" not in html
    unknown = client.get(OVERVIEW, {**PERIOD, "unit": "NOT-A-CODE"})
    assert unknown.status_code == 400
    assert 'data-field-error="unit"' in unknown.content.decode()
    garbage = client.get(OVERVIEW, {"start": "yesterday"})
    assert garbage.status_code == 400
    assert 'data-field-error="start"' in garbage.content.decode()


def test_the_unit_ranking_links_each_unit_to_its_page_with_the_same_filters(
    city: FigureCity,
) -> None:
    html = client_for(city.users["office"]).get(OVERVIEW, PERIOD).content.decode()
    link = reverse("stats:unit", kwargs={"code": city.m1.code})
    assert f'href="{link}?start=2021-07-01&amp;end=2021-08-31"' in html
    row = re.search(rf'data-unit="{city.m1.code}">(.*?)</tr>', html, re.S)
    assert row is not None
    assert 'data-col="person_times">36<' in row.group(1)
    assert 'data-col="sessions">3<' in row.group(1)
    assert 'data-col="funds">80,000.00<' in row.group(1)


def test_the_overview_costs_the_same_queries_for_4_or_34_units(
    city: FigureCity, django_assert_max_num_queries: Any
) -> None:
    client = client_for(city.users["office"])
    client.get(OVERVIEW, PERIOD)  # warm the session and the caches
    with django_assert_max_num_queries(40) as few:
        client.get(OVERVIEW, PERIOD)
    grow(city, 30)
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get(OVERVIEW, PERIOD)
    assert kpi(page.content.decode(), "person_times") == "128"


# --- scope --------------------------------------------------------------------------------


def test_a_unit_liaison_lands_on_their_units_page(city: FigureCity) -> None:
    client = client_for(city.users["unit"])
    page = client.get(OVERVIEW, PERIOD)
    unit_url = reverse("stats:unit", kwargs={"code": city.m1.code})
    assert page.status_code == 302
    assert page["Location"] == f"{unit_url}?start=2021-07-01&end=2021-08-31"
    html = client.get(page["Location"]).content.decode()
    assert kpi(html, "person_times") == "36"
    assert kpi(html, "funds") == "8.00"


def test_a_unit_liaison_gets_404_for_another_units_page(city: FigureCity) -> None:
    client = client_for(city.users["unit"])
    other = client.get(reverse("stats:unit", kwargs={"code": city.z1.code}), PERIOD)
    assert other.status_code == 404


def test_a_district_officer_sees_their_districts_figures_only(city: FigureCity) -> None:
    client = client_for(city.users["district"])
    html = client.get(OVERVIEW, PERIOD).content.decode()
    # 曾都区's communities (47) plus its own units elsewhere (none elsewhere).
    assert kpi(html, "person_times") == "47"
    assert client.get(reverse("stats:unit", kwargs={"code": city.g1.code})).status_code == 404
    community = reverse("stats:community", kwargs={"code": city.c3.code})
    assert client.get(community).status_code == 404


def test_community_staff_see_their_community_and_404_for_others(city: FigureCity) -> None:
    client = client_for(city.users["community"])
    own = client.get(reverse("stats:community", kwargs={"code": city.c3.code}), PERIOD)
    assert own.status_code == 200
    assert kpi(own.content.decode(), "person_times") == "21"
    other = client.get(reverse("stats:community", kwargs={"code": city.c1.code}), PERIOD)
    assert other.status_code == 404


@pytest.mark.parametrize("role", ["inspector", "member", "nobody"])
def test_who_reads_no_figures_is_refused_the_dashboards(city: FigureCity, role: str) -> None:
    client = client_for(city.users[role])
    for url in (
        OVERVIEW,
        reverse("stats:units"),
        reverse("stats:communities"),
        reverse("stats:map"),
        reverse("stats:data"),
        reverse("stats:export", kwargs={"table": "units"}),
    ):
        assert client.get(url, PERIOD).status_code == 403, url


def test_anonymous_readers_are_sent_to_the_login(city: FigureCity) -> None:
    from django.test import Client

    page = Client().get(OVERVIEW)
    assert page.status_code == 302
    assert reverse("login") in page["Location"]


def test_the_menu_offers_the_dashboard_to_staff_and_units_and_the_screen_to_leaders(
    city: FigureCity,
) -> None:
    def names(role: str) -> set[str]:
        return {item["name"] for item in navigation_for(city.users[role])}

    assert "stats:overview" in names("office")
    assert "stats:overview" in names("unit")
    assert "stats:overview" not in names("inspector")
    assert "stats:screen" in names("leader")
    assert "stats:screen" not in names("district")


# --- units and a unit -----------------------------------------------------------------------


def test_the_units_page_ranks_every_unit_and_sorts_by_funds(city: FigureCity) -> None:
    client = client_for(city.users["office"])
    html = client.get(reverse("stats:units"), PERIOD).content.decode()
    order = re.findall(r'<tr data-unit="([^"]+)"', html)
    # Person-times: M1 36, G1 13, Z1 11, M2 8.
    assert order == [city.m1.code, city.g1.code, city.z1.code, city.m2.code]
    assert 'data-total="person_times">68<' in html
    by_funds = client.get(reverse("stats:units"), {**PERIOD, "sort": "funds"}).content.decode()
    order = re.findall(r'<tr data-unit="([^"]+)"', by_funds)
    assert order[:3] == [city.m1.code, city.z1.code, city.m2.code]


def test_a_units_page_lists_the_sessions_it_attended(city: FigureCity) -> None:
    client = client_for(city.users["office"])
    html = client.get(reverse("stats:unit", kwargs={"code": city.m2.code}), PERIOD)
    text = html.content.decode()
    assert html.status_code == 200
    sessions = re.findall(r'<tr data-session="\d+"><td>([\d-]+)</td>', text)
    assert sessions == ["2021-07-23"]
    assert kpi(text, "person_times") == "8"
    # Problems dispatched to it: P4 only.
    assert kpi(text, "problems_reported") == "1"


def test_a_units_page_costs_the_same_queries_however_many_units_there_are(
    city: FigureCity, django_assert_max_num_queries: Any
) -> None:
    client = client_for(city.users["office"])
    url = reverse("stats:unit", kwargs={"code": city.m1.code})
    client.get(url, PERIOD)
    with django_assert_max_num_queries(40) as few:
        client.get(url, PERIOD)
    grow(city, 25)
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get(url, PERIOD)
    assert kpi(page.content.decode(), "person_times") == "36"


def test_an_unknown_unit_is_404(city: FigureCity) -> None:
    client = client_for(city.users["office"])
    assert client.get(reverse("stats:unit", kwargs={"code": "X" * 18})).status_code == 404


# --- communities ---------------------------------------------------------------------------


def test_the_communities_page_adds_up_to_the_citys_person_times(city: FigureCity) -> None:
    html = client_for(city.users["office"]).get(reverse("stats:communities"), PERIOD)
    text = html.content.decode()
    rows = dict(
        re.findall(r'<tr data-community="(\d+)">.*?data-col="person_times">(\d+)<', text, re.S)
    )
    assert rows == {city.c1.code: "33", city.c2.code: "14", city.c3.code: "21"}
    assert 'data-total="person_times">68<' in text


def test_a_communitys_page_names_the_units_that_came(city: FigureCity) -> None:
    client = client_for(city.users["office"])
    html = client.get(reverse("stats:community", kwargs={"code": city.c2.code}), PERIOD)
    text = html.content.decode()
    assert kpi(text, "person_times") == "14"
    came = re.findall(r'<tr data-unit="([^"]+)"', text)
    assert set(came) == {city.z1.code, city.m1.code}


# --- the map -------------------------------------------------------------------------------


def test_the_map_shows_the_pinned_problems_of_the_filter_coloured_by_state(
    city: FigureCity,
) -> None:
    pin(city, "P1", "P4", "P8")
    client = client_for(city.users["office"])
    page = client.get(reverse("stats:map"), PERIOD)
    assert page.status_code == 200
    html = page.content.decode()
    data_url = re.search(r'data-problems-geojson="([^"]+)"', html)
    assert data_url is not None
    collection = client.get(data_url.group(1).replace("&amp;", "&")).json()
    numbers = {f["properties"]["number"]: f["properties"] for f in collection["features"]}
    # P8 was reported before the period.
    assert set(numbers) == {city.problems["P1"].number, city.problems["P4"].number}
    assert numbers[city.problems["P1"].number]["colour"] == "#198754"
    assert numbers[city.problems["P4"].number]["state_label"] == "Dispatched"
    narrowed = client.get(reverse("stats:map_data"), {**PERIOD, "category": city.cat_b.code}).json()
    assert [f["properties"]["number"] for f in narrowed["features"]] == [city.problems["P4"].number]


def test_the_map_keeps_to_the_readers_scope(city: FigureCity) -> None:
    pin(city, "P1", "P4")
    collection = client_for(city.users["community"]).get(reverse("stats:map_data"), PERIOD)
    numbers = [f["properties"]["number"] for f in collection.json()["features"]]
    assert numbers == [city.problems["P4"].number]


def test_the_map_data_names_a_wrong_filter(city: FigureCity) -> None:
    bad = client_for(city.users["office"]).get(reverse("stats:map_data"), {"start": "2021-13-01"})
    assert bad.status_code == 400
    assert "start" in bad.json()["errors"]


def test_the_chinese_interface_gives_the_charts_chinese_labels(
    city: FigureCity, chinese: None
) -> None:
    html = client_for(city.users["office"]).get(OVERVIEW, PERIOD).content.decode()
    assert chart_data(html)["labels"]["person_times"] == "人次"
    assert '<div class="small text-muted">人次</div>' in html


def test_the_office_drafts_a_bulletin_of_the_view_it_is_looking_at(city: FigureCity) -> None:
    query = {**PERIOD, "exclude_jurisdiction": [ZENGDU, GAOXIN]}
    html = client_for(city.users["office"]).get(OVERVIEW, query).content.decode()
    found = re.search(r'href="([^"]+)" data-testid="bulletin-link"', html)
    assert found, "no bulletin link for the office"
    link = found.group(1).replace("&amp;", "&")
    assert link.startswith(reverse("stats:bulletin_new") + "?")
    form = client_for(city.users["office"]).get(link).content.decode()
    assert f'value="{PERIOD["start"]}"' in form
    assert re.search(rf'<option value="{ZENGDU}" selected', form)
    leader = client_for(city.users["leader"]).get(OVERVIEW, query).content.decode()
    assert 'data-testid="bulletin-link"' not in leader


def test_a_refused_date_stays_in_the_bar_as_typed(city: FigureCity) -> None:
    response = client_for(city.users["office"]).get(
        OVERVIEW, {"start": "1999-12-31", "end": "2021-08-31"}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert 'name="start" value="1999-12-31"' in html
    assert 'name="end" value="2021-08-31"' in html
