"""Addresses with a NUL character are refused before any view runs (no 500 on PostgreSQL)."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.factories import World

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "path",
    ["/stats/units/XX%00/", "/stats/communities/1%00/", "/units/A%00/", "/problems/2026%00/"],
)
def test_a_nul_in_a_page_address_is_a_400(world: World, path: str) -> None:
    client = Client()
    client.force_login(world.users["office"])
    response = client.get(path)
    assert response.status_code == 400
    assert b"cannot hold" in response.content


def test_the_api_keeps_its_own_answer_naming_the_parameter(world: World, api_client) -> None:  # type: ignore[no-untyped-def]
    response = api_client(world.users["office"]).get("/api/v1/units/A%00")
    assert response.status_code in (400, 404, 422)
    assert response["Content-Type"].startswith("application/json")
