"""Outlines are GeoJSON Polygons of [lng, lat] positions; the centre follows the outline."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from gongzhi.areas import services

RING = [[113.36, 31.69], [113.38, 31.69], [113.38, 31.71], [113.36, 31.71], [113.36, 31.69]]

BAD_OUTLINES = {
    "not a polygon": {"type": "Point", "coordinates": [113.37, 31.7]},
    "not closed": {"type": "Polygon", "coordinates": [RING[:-1] + [[113.37, 31.7]]]},
    "too few positions": {"type": "Polygon", "coordinates": [[RING[0], RING[1], RING[0]]]},
    "latitude first": {
        "type": "Polygon",
        "coordinates": [[[31.69, 113.36], [31.69, 113.38], [31.71, 113.38], [31.69, 113.36]]],
    },
    "text positions": {"type": "Polygon", "coordinates": [[["113.36", "31.69"]] * 4]},
    "no rings": {"type": "Polygon", "coordinates": []},
}


def test_the_centre_is_computed_from_the_outline_when_none_is_given(world):
    community = services.community_create(
        user=world.users["office"],
        street=world.street_a,
        code="421303001005",
        name="新社区",
        outline={"type": "Polygon", "coordinates": [RING]},
    )
    assert community.centre_lat == pytest.approx(31.70)
    assert community.centre_lng == pytest.approx(113.37)


def test_a_given_centre_is_kept(world):
    community = services.community_create(
        user=world.users["office"],
        street=world.street_a,
        code="421303001005",
        name="新社区",
        outline={"type": "Polygon", "coordinates": [RING]},
        centre_lat=31.695,
        centre_lng=113.365,
    )
    assert (community.centre_lat, community.centre_lng) == (31.695, 113.365)


def test_a_new_outline_moves_the_centre(world):
    moved = [[lng + 0.1, lat] for lng, lat in RING]
    community = services.community_update(
        user=world.users["office"],
        community=world.community_a1,
        outline={"type": "Polygon", "coordinates": [moved]},
    )
    assert community.centre_lng == pytest.approx(113.47)


@pytest.mark.parametrize("outline", BAD_OUTLINES.values(), ids=BAD_OUTLINES.keys())
def test_a_bad_outline_is_refused_on_the_outline_field(world, outline):
    with pytest.raises(ValidationError) as excinfo:
        services.community_create(
            user=world.users["office"],
            street=world.street_a,
            code="421303001005",
            name="新社区",
            outline=outline,
        )
    assert "outline" in excinfo.value.message_dict


def test_the_api_takes_a_centre_as_lat_and_lng(world, api_client):
    response = api_client(world.users["office"]).post(
        "/api/v1/communities",
        {
            "code": "421303001005",
            "name": "新社区",
            "street_code": "421303001",
            "outline": {"type": "Polygon", "coordinates": [RING]},
            "centre": {"lat": 31.7, "lng": 113.37},
        },
        content_type="application/json",
    )
    assert response.status_code == 201
    assert response.json()["centre"] == {"lat": 31.7, "lng": 113.37}


def test_the_api_refuses_an_open_ring_naming_the_outline(world, api_client):
    response = api_client(world.users["office"]).post(
        "/api/v1/communities",
        {
            "code": "421303001005",
            "name": "新社区",
            "street_code": "421303001",
            "outline": BAD_OUTLINES["not closed"],
        },
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "closed" in response.json()["errors"]["outline"][0]
