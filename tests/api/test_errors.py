"""Errors every API operation shares, whatever the resource."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.factories import World

TOO_LARGE = 2**70  # beyond SQLite's and PostgreSQL's 64-bit integers


@pytest.mark.parametrize(
    ("url", "body"),
    [
        (f"/api/v1/attendance?session_id={TOO_LARGE}", None),
        (
            "/api/v1/attendance",
            {"session_id": TOO_LARGE, "unit_code": "X", "community_code": "Y", "headcount": 1},
        ),
    ],
)
def test_a_number_too_large_for_the_database_is_a_400_not_a_crash(
    world: World, api_client: Any, url: str, body: dict[str, Any] | None
) -> None:
    client = api_client(world.users["office"])
    if body is None:
        response = client.get(url)
    else:
        response = client.post(url, json.dumps(body), content_type="application/json")
    assert response.status_code == 400
    assert response.json()["detail"] == "A number in the request is out of range."
