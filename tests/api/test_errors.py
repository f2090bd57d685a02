"""Errors every API operation shares, whatever the resource."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.db import connection

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
def test_a_number_too_large_for_the_database_is_answered_not_a_crash(
    world: World, api_client: Any, url: str, body: dict[str, Any] | None
) -> None:
    client = api_client(world.users["office"])
    if body is None:
        response = client.get(url)
    else:
        response = client.post(url, json.dumps(body), content_type="application/json")
    # SQLite cannot hold the number (400); PostgreSQL compares it as a numeric and finds
    # nothing (an empty list, or no such session): never a server error.
    if connection.vendor == "sqlite":
        assert response.status_code == 400
        assert response.json()["detail"] == "A number in the request is out of range."
    else:
        assert response.status_code == (200 if body is None else 404)
        assert body is not None or response.json()["items"] == []


def test_no_two_schemas_share_a_name() -> None:
    """OpenAPI names schemas by class name: two classes of one name would document one
    shape for both (a photo of a problem described as a photo of an attendance)."""
    from ninja import Schema

    import gongzhi.api  # noqa: F401 - loads every router and its schemas

    def subclasses(cls: type) -> list[type]:
        found = []
        for sub in cls.__subclasses__():
            found += [sub, *subclasses(sub)]
        return found

    modules: dict[str, set[str]] = {}
    for cls in subclasses(Schema):
        if cls.__module__.startswith("gongzhi."):
            modules.setdefault(cls.__name__, set()).add(cls.__module__)
    assert {name: where for name, where in modules.items() if len(where) > 1} == {}
