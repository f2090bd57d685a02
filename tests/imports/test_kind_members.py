"""Importing members: unit + ID card number, or unit + phone; liaisons import their own unit."""

from __future__ import annotations

from typing import Any

import pytest

from gongzhi.imports import exporting, registry
from gongzhi.units.models import Member
from tests.factories import World
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
    "单位统一社会信用代码",
    "姓名",
    "身份证号",
    "手机号",
    "是否党员",
    "居住社区代码",
    "志愿者编号",
]
ID_1 = "11010519491231002X"
ID_2 = "420101199001011234"


def _id(first17: str) -> str:
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    total = sum(int(c) * w for c, w in zip(first17, weights, strict=True))
    return first17 + "10X98765432"[total % 11]


def rows(world: World) -> list[list[Any]]:
    code = world.unit_a.code
    return [
        HEADER,
        [code, "李四", ID_1, "13800000001", "是", world.community_a1.code, "V001"],
        [code, "王五", _id("42010119900101123"), "", "否", "", ""],
        [code, "赵六", "", 13800000003.0, "Y", "", ""],
    ]


def test_a_valid_file_adds_every_member(world: World) -> None:
    job = run_import(world.users["office"], "members", xlsx_bytes(rows(world)))
    assert job.status == "done", job.errors
    assert job.created == 3
    member = Member.objects.get(name="李四")
    assert (member.unit, member.phone, member.is_party_member) == (
        world.unit_a,
        "13800000001",
        True,
    )
    assert (member.id_number, member.volunteer_code) == (ID_1, "V001")
    assert member.residence_community == world.community_a1
    assert Member.objects.get(name="赵六").phone == "13800000003"


def test_one_bad_row_in_the_middle_writes_nothing_and_names_its_row_and_column(
    world: World,
) -> None:
    data = rows(world)
    data[2][2] = "420101199001011235"
    job = run_import(world.users["office"], "members", xlsx_bytes(data))
    assert job.status == "refused"
    assert error_cells(job) == [(3, "身份证号")]
    assert not Member.objects.filter(name="李四").exists()


def test_a_second_import_of_the_same_file_changes_nothing(world: World) -> None:
    data = xlsx_bytes(rows(world))
    run_import(world.users["office"], "members", data)
    history = Member.history.count()
    job = run_import(world.users["office"], "members", data)
    assert (job.created, job.updated, job.unchanged) == (0, 0, 3)
    assert Member.history.count() == history


def test_a_member_is_found_by_id_number_and_updated(world: World) -> None:
    run_import(world.users["office"], "members", xlsx_bytes(rows(world)))
    data = rows(world)
    data[1][1] = "李四四"
    data[1][4] = "否"
    job = run_import(world.users["office"], "members", xlsx_bytes(data))
    assert (job.created, job.updated, job.unchanged) == (0, 1, 2)
    member = Member.objects.get(id_number=ID_1)
    assert (member.name, member.is_party_member) == ("李四四", False)


def test_a_member_without_id_number_is_found_by_phone(world: World) -> None:
    data = [HEADER, [world.unit_a.code, "张三", "", "13800000000", "否", "", ""]]
    job = run_import(world.users["office"], "members", xlsx_bytes(data))
    assert (job.created, job.unchanged) == (0, 1), job.errors


def test_a_row_with_neither_id_number_nor_phone_is_refused(world: World) -> None:
    data = [HEADER, [world.unit_a.code, "无名", "", "", "", "", ""]]
    assert error_cells(run_import(world.users["office"], "members", xlsx_bytes(data))) == [
        (2, "身份证号")
    ]


def test_a_gb18030_csv_imports(world: World) -> None:
    job = run_import(world.users["office"], "members", csv_bytes(rows(world), "gb18030"), "m.csv")
    assert job.status == "done", job.errors
    assert Member.objects.filter(unit=world.unit_a).count() == 4


def test_a_unit_liaison_imports_members_of_their_own_unit_only(world: World) -> None:
    liaison = world.users["unit"]
    assert registry.get("members").may_import(liaison)
    data = rows(world)
    data.append([world.unit_b.code, "外单位", "", "13800000009", "", "", ""])
    job = run_import(liaison, "members", xlsx_bytes(data))
    assert error_cells(job) == [(5, "单位统一社会信用代码")]
    job = run_import(liaison, "members", xlsx_bytes(data[:4]))
    assert job.status == "done", job.errors


def test_a_formula_cell_is_kept_as_text_and_exported_as_text(world: World) -> None:
    data = [HEADER, [world.unit_a.code, "+SUM(1,2)", "", "13800000005", "", "", "-1+1"]]
    job = run_import(world.users["office"], "members", xlsx_bytes(data))
    assert job.status == "done", job.errors
    content, _n = exporting.export_xlsx(registry.get("members"), world.users["office"])
    position = next(i for i, r in enumerate(read_xlsx(content)) if r[1] == "+SUM(1,2)")
    kinds = xlsx_cell_kinds(content)
    assert kinds[(position, 1)] == "s"
    assert kinds[(position, 6)] == "s"
    text = exporting.export_csv(registry.get("members"), world.users["office"])[0].decode(
        "utf-8-sig"
    )
    assert "'+SUM(1,2)" in text
    assert "'-1+1" in text


def test_an_exported_file_imports_back_unchanged(world: World) -> None:
    run_import(world.users["office"], "members", xlsx_bytes(rows(world)))
    content, count = exporting.export_xlsx(registry.get("members"), world.users["office"])
    job = run_import(world.users["office"], "members", content)
    assert (job.created, job.updated, job.unchanged) == (0, 0, count), job.errors


def test_a_csv_export_imports_back_unchanged_formulas_included(world: World) -> None:
    data = [HEADER, [world.unit_a.code, "=1+1", "", "13800000006", "", "", "@x"]]
    assert run_import(world.users["office"], "members", xlsx_bytes(data)).status == "done"
    content, count = exporting.export_csv(registry.get("members"), world.users["office"])
    job = run_import(world.users["office"], "members", content, "members.csv")
    assert (job.created, job.updated, job.unchanged) == (0, 0, count), job.errors
