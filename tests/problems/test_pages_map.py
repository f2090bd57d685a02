"""The ledger's map: its GeoJSON feed with the page's filters, the cap, the page itself."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from gongzhi.problems import views
from gongzhi.problems.models import Problem
from tests.factories import World

FEED = reverse("problems:ledger_geojson")


def located(make_problem: Callable[..., Problem], state: str, **fields: Any) -> Problem:
    return make_problem(state, lat=31.6905, lng=113.3821, **fields)


def test_the_feed_is_a_feature_collection_of_located_problems_in_scope(
    world: World, make_problem: Callable[..., Problem], client: Client
) -> None:
    mine = located(make_problem, "dispatched", title="井盖破损")
    located(make_problem, "reported", community=world.community_b1)
    make_problem("dispatched")  # no place: not on the map
    client.force_login(world.users["community"])
    response = client.get(FEED)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/geo+json")
    body = response.json()
    assert body["type"] == "FeatureCollection"
    assert body["capped"] is False
    [feature] = body["features"]
    assert feature["geometry"] == {"type": "Point", "coordinates": [113.3821, 31.6905]}
    properties = feature["properties"]
    assert properties["number"] == mine.number
    assert properties["title"] == "井盖破损"
    assert properties["state"] == "dispatched"
    assert properties["state_label"] == "Dispatched"
    assert properties["url"] == reverse("problems:detail", kwargs={"number": mine.number})


def test_the_feed_takes_the_ledger_filters(
    world: World, make_problem: Callable[..., Problem], client: Client
) -> None:
    closed = located(make_problem, "closed")
    located(make_problem, "dispatched")
    located(make_problem, "reported", community=world.community_b1)
    client.force_login(world.users["office"])
    body = client.get(FEED, {"state": ["closed"], "district": world.district_a.code}).json()
    assert [f["properties"]["number"] for f in body["features"]] == [closed.number]
    untitled = body["features"][0]["properties"]
    assert untitled["title"] == "乱堆乱放杂物"  # the category when there is no title


def test_the_feed_is_capped_to_the_newest_with_a_flag(
    world: World, make_problem: Callable[..., Problem], client: Client, monkeypatch: Any
) -> None:
    monkeypatch.setattr(views, "MAP_LIMIT", 3)
    made = [located(make_problem, "reported").number for _ in range(5)]
    client.force_login(world.users["office"])
    body = client.get(FEED).json()
    assert body["capped"] is True
    assert body["limit"] == 3
    assert [f["properties"]["number"] for f in body["features"]] == made[::-1][:3]


def test_a_bad_filter_answers_400_naming_the_field(world: World, client: Client) -> None:
    client.force_login(world.users["office"])
    response = client.get(FEED, {"state": "lost"})
    assert response.status_code == 400
    assert "state" in response.json()["errors"]


def test_the_feed_costs_the_same_queries_for_many_problems(
    world: World,
    make_problem: Callable[..., Problem],
    client: Client,
    django_assert_max_num_queries: Any,
) -> None:
    client.force_login(world.users["district"])
    located(make_problem, "dispatched")
    with CaptureQueriesContext(connection) as few:
        client.get(FEED)
    for _ in range(25):
        located(make_problem, "dispatched")
    with django_assert_max_num_queries(len(few.captured_queries)):
        body = client.get(FEED).json()
    assert len(body["features"]) == 26


def test_the_map_tab_feeds_the_map_with_the_same_filters(world: World, client: Client) -> None:
    client.force_login(world.users["office"])
    response = client.get(reverse("problems:ledger"), {"view": "map", "state": ["closed"]})
    assert response.status_code == 200
    text = response.content.decode()
    assert f'data-problems-geojson="{FEED}?state=closed"' in text
    assert "vendor/leaflet/leaflet.markercluster.js" in text
    assert "gongzhi/problems-map.js" in text
    assert 'name="view" value="map"' in text  # filtering stays on the map
    assert response.context["rows"] == []  # the list is not even read


def test_the_feed_needs_a_login(client: Client) -> None:
    assert client.get(FEED).status_code == 302
