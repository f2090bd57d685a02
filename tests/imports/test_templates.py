"""Templates: Chinese headers, instructions with an example row, dropdowns, per kind."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from gongzhi.imports import registry, templates_xlsx
from gongzhi.imports.base import Importer
from tests.factories import CommunityFactory, World
from tests.imports.files import run_import, xlsx_bytes

pytestmark = pytest.mark.django_db


def workbook(importer: type[Importer], user: Any) -> Any:
    return load_workbook(io.BytesIO(templates_xlsx.build(importer, user)))


@pytest.mark.parametrize("kind", ["units", "communities", "pairings", "members"])
def test_a_template_has_the_headers_and_an_instructions_sheet_with_an_example(
    world: World, kind: str
) -> None:
    importer = registry.get(kind)
    book = workbook(importer, world.users["office"])
    data, guide = book.worksheets[0], book["填写说明"]
    assert [c.value for c in data[1]] == [column.header for column in importer.columns]
    assert data.max_row == 1  # nothing to import by mistake
    texts = [c.value for row in guide.iter_rows() for c in row if c.value]
    for column in importer.columns:
        assert column.header in texts
    assert "Example row" in texts


def test_every_registered_kind_has_a_template_that_opens(world: World) -> None:
    office = world.users["office"]
    for importer in registry.kinds():
        book = workbook(importer, office)
        assert [c.value for c in book.worksheets[0][1]] == [col.header for col in importer.columns]


def _validations(sheet: Any) -> dict[str, str]:
    return {str(v.sqref).split(":")[0]: v.formula1 for v in sheet.data_validations.dataValidation}


def test_short_choices_are_inline_dropdowns(world: World) -> None:
    sheet = workbook(registry.get("units"), world.users["office"]).worksheets[0]
    validations = _validations(sheet)
    assert validations["D2"] == '"机关,企业,事业单位"'
    assert "市直" in validations["E2"]


def test_long_lists_come_from_a_hidden_lists_sheet(world: World) -> None:
    for n in range(30):
        CommunityFactory(
            street=world.street_a, code=f"421303001{200 + n}", name=f"很长名字的测试社区{n}"
        )
    book = workbook(registry.get("pairings"), world.users["office"])
    lists = book["lists"]
    assert lists.sheet_state == "hidden"
    assert _validations(book.worksheets[0])["B2"] == "lists!$B$1:$B$34"
    assert lists["B1"].value == f"{world.community_a1.code} 白云社区"


def test_dropdowns_list_only_what_the_user_sees(world: World) -> None:
    book = workbook(registry.get("members"), world.users["unit"])
    formula = _validations(book.worksheets[0])["A2"]
    assert world.unit_a.code in formula
    assert world.unit_b.code not in formula


def test_a_filled_in_template_imports(world: World) -> None:
    importer = registry.get("communities")
    book = workbook(importer, world.users["office"])
    header = [c.value for c in book.worksheets[0][1]]
    data = xlsx_bytes([header, ["421303001301", "模板社区", "", "", ""]])
    assert run_import(world.users["office"], "communities", data).status == "done"


def test_the_template_page_downloads_an_xlsx(client: Any, world: World) -> None:
    client.force_login(world.users["office"])
    response = client.get(reverse("imports:template", args=["units"]))
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert book.worksheets[0]["A1"].value == "统一社会信用代码"


def test_a_template_of_a_kind_the_user_may_not_import_is_not_found(
    client: Any, world: World
) -> None:
    client.force_login(world.users["unit"])
    assert client.get(reverse("imports:template", args=["units"])).status_code == 404
    assert client.get(reverse("imports:template", args=["weather"])).status_code == 404
