"""List pages offer their rows as xlsx in the import format, to those who may import them."""

from __future__ import annotations

import io

import openpyxl
import pytest
from django.test import Client
from django.urls import reverse

from gongzhi.units.models import Unit
from tests.factories import UnitFactory, World

pytestmark = pytest.mark.django_db


def _client(user: object) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _sheet(response: object) -> list[list[object]]:
    content = b"".join(response.streaming_content)  # type: ignore[attr-defined]
    book = openpyxl.load_workbook(io.BytesIO(content))
    return [list(row) for row in book.active.iter_rows(values_only=True)]


def test_the_office_downloads_the_units_it_sees_with_the_templates_headers(world: World) -> None:
    client = _client(world.users["office"])
    page = client.get(reverse("units:unit_list")).content.decode()
    assert 'data-testid="export-units"' in page
    response = client.get(reverse("imports:export", args=["units"]))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    rows = _sheet(response)
    assert rows[0][0] == "统一社会信用代码"
    codes = {row[0] for row in rows[1:]}
    assert codes == set(Unit.objects.values_list("code", flat=True))


def test_a_formula_in_a_name_comes_out_as_text(world: World) -> None:
    UnitFactory(name='=HYPERLINK("http://example.com","点我")')
    response = _client(world.users["office"]).get(reverse("imports:export", args=["units"]))
    content = b"".join(response.streaming_content)
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    cells = [c for row in sheet.iter_rows() for c in row if str(c.value).startswith("=HYPER")]
    assert cells, "the name is in the file"
    assert all(c.data_type == "s" for c in cells)


def test_a_liaison_exports_their_own_members_and_not_the_units(world: World) -> None:
    client = _client(world.users["unit"])
    assert (
        'data-testid="export-units"' not in client.get(reverse("units:unit_list")).content.decode()
    )
    assert client.get(reverse("imports:export", args=["units"])).status_code == 404
    assert (
        'data-testid="export-members"' in client.get(reverse("units:member_list")).content.decode()
    )
    rows = _sheet(client.get(reverse("imports:export", args=["members"])))
    assert len(rows) > 1
    assert {row[0] for row in rows[1:]} == {world.unit_a.code}


def test_an_unknown_kind_is_404(world: World) -> None:
    client = _client(world.users["office"])
    assert client.get(reverse("imports:export", args=["nothing"])).status_code == 404


def test_the_import_page_offers_an_export_beside_each_template(world: World) -> None:
    page = _client(world.users["office"]).get(reverse("imports:import_list")).content.decode()
    for kind in ("units", "communities", "pairings", "members", "problems", "attendance"):
        assert f'data-testid="export-{kind}"' in page
