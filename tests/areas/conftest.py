"""Fixtures of the area tests: logged-in page clients and a valid outline."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from tests.factories import square

ROLES = [
    "office",
    "leader",
    "district",
    "street",
    "community",
    "unit",
    "inspector",
    "member",
    "nobody",
]


@pytest.fixture
def page_client() -> Callable[[Any], Client]:
    """``page_client(user)``: a browser-like client logged in as ``user``."""

    def make(user: Any) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return make


@pytest.fixture
def outline() -> dict[str, Any]:
    return square(31.70, 113.37, half=0.01)
