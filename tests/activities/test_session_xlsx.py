"""A session's participation, every community the reader sees, as one xlsx."""

from __future__ import annotations

import io
from typing import Any

import openpyxl
import pytest

from gongzhi.activities import services_plans
from gongzhi.campaigns.models import Session
from tests.activities.fixtures_attendance import (  # noqa: F401 - fixtures
    client_of_fixture,
    held_fixture,
    seeded_fixture,
)
from tests.activities.test_session_pages import Clients, detail_url, record
from tests.factories import World

pytestmark = pytest.mark.django_db


def _rows(response: Any) -> list[list[Any]]:
    sheet = openpyxl.load_workbook(io.BytesIO(response.content), data_only=True).worksheets[0]
    return [list(r) for r in sheet.iter_rows(values_only=True)]


def test_the_office_downloads_every_community_with_a_total(
    world: World, held: Session, client_of: Clients
) -> None:
    record(world, held, headcount=12, leader_name="张科长")
    services_plans.absence_record(
        user=world.users["office"],
        session_id=held.pk,
        unit_code=world.unit_b.code,
        community_code=world.community_b1.code,
        reason="防汛值班",
    )
    response = client_of("office").get(detail_url(held), {"format": "xlsx"})
    assert response.status_code == 200
    assert response["Content-Disposition"].endswith(f'session-{held.date.isoformat()}.xlsx"')
    rows = _rows(response)
    header = rows.index(next(r for r in rows if r[0] == "Community code"))
    body = [r for r in rows[header + 1 :] if r[0] and r[0] != "Total"]
    present = [r for r in body if r[2] == world.unit_a.code]
    assert present and present[0][5] == "Present" and present[0][6] == 12
    assert present[0][7] == "张科长"
    absent = next(r for r in body if r[2] == world.unit_b.code)
    assert (absent[5], absent[9]) == ("Absent", "防汛值班")
    total = next(r for r in rows if r[0] == "Total")
    assert total[6] == sum(r[6] or 0 for r in body)


def test_a_unit_liaison_gets_only_their_units_rows(
    world: World, held: Session, client_of: Clients
) -> None:
    record(world, held)
    rows = _rows(client_of("unit").get(detail_url(held), {"format": "xlsx"}))
    codes = {r[2] for r in rows[3:] if r[0] and r[0] != "Total"}
    assert codes == {world.unit_a.code}
