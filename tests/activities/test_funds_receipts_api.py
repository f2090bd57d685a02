"""Receipt photos through the API: POST /api/v1/contributions/{id}/receipts."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from gongzhi.core.models import Role
from tests.activities.fixtures_funds import make_old, receipt, record
from tests.factories import World, make_user

pytestmark = pytest.mark.django_db


def _url(contribution_id: int) -> str:
    return f"/api/v1/contributions/{contribution_id}/receipts"


def test_the_liaison_attaches_a_receipt_and_the_count_shows_it(
    world: World, api_client: Callable[[Any], Client]
) -> None:
    contribution = record(world)
    client = api_client(world.users["unit"])
    response = client.post(_url(contribution.pk), {"receipt": receipt()})
    assert response.status_code == 201, response.content
    assert response.json()["receipt_count"] == 1
    assert contribution.photos.count() == 1
    assert client.get(f"/api/v1/contributions/{contribution.pk}").json()["receipt_count"] == 1


def test_a_missing_file_is_a_400_naming_receipt(world: World, api_client: Callable) -> None:
    contribution = record(world)
    response = api_client(world.users["unit"]).post(_url(contribution.pk), {})
    assert response.status_code == 400
    assert response.json()["errors"]["receipt"]
    assert contribution.photos.count() == 0


def test_a_file_that_is_not_a_photo_is_refused_naming_receipts(
    world: World, api_client: Callable
) -> None:
    contribution = record(world)
    bad = receipt(name="receipt.jpg", raw=b"not an image at all")
    response = api_client(world.users["unit"]).post(_url(contribution.pk), {"receipt": bad})
    assert response.status_code == 400
    assert response.json()["errors"]["receipts"]
    assert contribution.photos.count() == 0


def test_after_the_edit_window_the_liaison_is_refused(world: World, api_client: Callable) -> None:
    contribution = make_old(record(world))
    response = api_client(world.users["unit"]).post(_url(contribution.pk), {"receipt": receipt()})
    assert response.status_code in (400, 403)
    assert contribution.photos.count() == 0


def test_the_office_adds_a_late_receipt_with_a_reason(world: World, api_client: Callable) -> None:
    contribution = make_old(record(world))
    client = api_client(world.users["office"])
    refused = client.post(_url(contribution.pk), {"receipt": receipt()})
    assert refused.status_code == 400
    assert refused.json()["errors"]["reason"]
    response = client.post(
        _url(contribution.pk), {"receipt": receipt(), "reason": "收据补交 / receipt came late"}
    )
    assert response.status_code == 201, response.content
    assert contribution.photos.count() == 1


def test_a_contribution_of_another_unit_is_a_404(world: World, api_client: Callable) -> None:
    contribution = record(world)
    other = make_user("liaison_b", Role.UNIT, unit=world.unit_b)
    response = api_client(other).post(_url(contribution.pk), {"receipt": receipt()})
    assert response.status_code == 404
