"""Fixtures for the unit registry tests."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from tests.factories import World


@pytest.fixture
def login(client: Client) -> Any:
    """``login(user)``: the test client, logged in as ``user``."""

    def make(user: Any) -> Client:
        client.force_login(user)
        return client

    return make


@pytest.fixture
def users(world: World) -> dict[str, Any]:
    return world.users
