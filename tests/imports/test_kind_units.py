"""Importing units: keyed by credit code, written through the unit services."""

from __future__ import annotations

from typing import Any

import pytest

from gongzhi.imports import exporting, registry
from gongzhi.units.models import Unit
from tests.factories import World, make_credit_code
from tests.imports.files import (
    csv_bytes,
    error_cells,
    read_xlsx,
    run_import,
    xlsx_bytes,
    xlsx_cell_kinds,
)

pytestmark = pytest.mark.django_db

HEADER = [
    "统一社会信用代码",
    "单位名称",
    "简称",
    "单位类型",
    "所属层级",
    "在职人数",
    "联系人",
    "联系电话",
]


def rows(n: int = 3, start: int = 7000) -> list[list[Any]]:
    body = [
        [
            make_credit_code(start + i),
            f"随州市第{i}局",
            f"第{i}局",
            "机关",
            "市直",
            30 + i,
            "王明",
            "13800000000",
        ]
        for i in range(n)
    ]
    return [HEADER, *body]


def test_a_valid_file_registers_every_unit(world: World) -> None:
    job = run_import(world.users["office"], "units", xlsx_bytes(rows()))
    assert job.status == "done", job.errors
    assert (job.created, job.updated, job.unchanged) == (3, 0, 0)
    unit = Unit.objects.get(code=make_credit_code(7001))
    assert (unit.name, unit.short_name, unit.kind, unit.headcount) == (
        "随州市第1局",
        "第1局",
        "agency",
        31,
    )
    assert unit.jurisdiction is None
    latest = unit.history.first()
    assert latest.history_user == world.users["office"]
    assert latest.history_change_reason == "imported from import.xlsx"


def test_one_bad_row_in_the_middle_writes_nothing_and_names_its_row_and_column(
    world: World,
) -> None:
    data = rows(5)
    data[3][0] = data[3][0][:17] + ("0" if data[3][0][17] != "0" else "1")
    job = run_import(world.users["office"], "units", xlsx_bytes(data))
    assert job.status == "refused"
    assert error_cells(job) == [(4, "统一社会信用代码")]
    assert "check digit" in job.errors[0]["message"]
    assert not Unit.objects.filter(code=data[1][0]).exists()


def test_every_wrong_cell_is_reported_at_once(world: World) -> None:
    data = rows(3)
    data[1][3] = "学校"
    data[2][5] = "12.5"
    data[3][1] = ""
    job = run_import(world.users["office"], "units", xlsx_bytes(data))
    assert error_cells(job) == [(2, "单位类型"), (3, "在职人数"), (4, "单位名称")]


def test_a_second_import_of_the_same_file_changes_nothing(world: World) -> None:
    data = xlsx_bytes(rows())
    run_import(world.users["office"], "units", data)
    history = Unit.history.count()
    job = run_import(world.users["office"], "units", data)
    assert (job.created, job.updated, job.unchanged) == (0, 0, 3)
    assert Unit.history.count() == history


def test_a_changed_row_updates_the_unit_found_by_its_code(world: World) -> None:
    data = rows(2)
    run_import(world.users["office"], "units", xlsx_bytes(data))
    data[2][1] = "随州市改名局"
    data[2][4] = "广水市"
    job = run_import(world.users["office"], "units", xlsx_bytes(data))
    assert (job.created, job.updated, job.unchanged) == (0, 1, 1)
    unit = Unit.objects.get(code=data[2][0])
    assert unit.name == "随州市改名局"
    assert unit.jurisdiction == world.district_b


def test_a_gb18030_csv_with_english_headers_in_another_order_imports(world: World) -> None:
    data = rows(2)
    english = [["name", "code", "kind", "jurisdiction"]] + [
        [r[1], r[0], r[3], "421381"] for r in data[1:]
    ]
    job = run_import(world.users["office"], "units", csv_bytes(english, "gb18030"), "units.csv")
    assert job.status == "done", job.errors
    assert Unit.objects.get(code=data[1][0]).jurisdiction == world.district_b


def test_a_formula_cell_is_kept_as_text_and_exported_as_text(world: World) -> None:
    data = rows(1)
    data[1][1] = '=HYPERLINK("http://evil.example","点击")'
    job = run_import(world.users["office"], "units", xlsx_bytes(data))
    assert job.status == "done", job.errors
    unit = Unit.objects.get(code=data[1][0])
    assert unit.name.startswith("=HYPERLINK")
    content, _count = exporting.export_xlsx(registry.get("units"), world.users["office"])
    position = next(i for i, r in enumerate(read_xlsx(content)) if r[0] == unit.code)
    assert xlsx_cell_kinds(content)[(position, 1)] == "s"
    csv_content, _count = exporting.export_csv(registry.get("units"), world.users["office"])
    assert "'=HYPERLINK" in csv_content.decode("utf-8-sig")


def test_the_same_code_twice_in_a_file_is_refused(world: World) -> None:
    data = rows(2)
    data.append(list(data[1]))
    job = run_import(world.users["office"], "units", xlsx_bytes(data))
    assert error_cells(job) == [(4, "统一社会信用代码")]
    assert "row 2" in job.errors[0]["message"]


def test_an_unknown_district_is_refused_naming_the_column(world: World) -> None:
    data = rows(1)
    data[1][4] = "火星区"
    job = run_import(world.users["office"], "units", xlsx_bytes(data))
    assert error_cells(job) == [(2, "所属层级")]


def test_a_district_officer_imports_only_units_of_their_district(world: World) -> None:
    officer = world.users["district"]  # district A
    data = rows(2)
    data[1][4] = world.district_a.name
    job = run_import(officer, "units", xlsx_bytes(data))
    assert job.status == "refused"
    assert error_cells(job) == [(3, "所属层级")]
    assert not Unit.objects.filter(code=data[1][0]).exists()


def test_an_exported_file_imports_back_unchanged(world: World) -> None:
    office = world.users["office"]
    content, count = exporting.export_xlsx(registry.get("units"), office)
    assert count == Unit.objects.count()
    job = run_import(office, "units", content)
    assert (job.created, job.updated, job.unchanged) == (0, 0, count), job.errors


def test_a_unit_liaison_may_not_import_units(world: World) -> None:
    assert not registry.get("units").may_import(world.users["unit"])
