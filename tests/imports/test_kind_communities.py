"""Importing communities: keyed by their 12-digit code, under their street."""

from __future__ import annotations

from typing import Any

import pytest

from gongzhi.areas.models import Community
from gongzhi.imports import exporting, registry
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

HEADER = ["社区代码", "社区名称", "街道代码", "联系人", "联系电话"]


def rows() -> list[list[Any]]:
    return [
        HEADER,
        ["421303001101", "东关社区", "", "李华", "0722-3200001"],
        [421303001102.0, "西关社区", "421303001", "", ""],
        ["421381001103", "北门社区", None, "赵六", "13900000000"],
    ]


def test_a_valid_file_creates_every_community_under_its_street(world: World) -> None:
    job = run_import(world.users["office"], "communities", xlsx_bytes(rows()))
    assert job.status == "done", job.errors
    assert job.created == 3
    assert Community.objects.get(code="421303001102").street == world.street_a
    assert Community.objects.get(code="421381001103").street == world.street_b


def test_one_bad_row_in_the_middle_writes_nothing_and_names_its_row_and_column(
    world: World,
) -> None:
    data = rows()
    data[2][0] = "42130300110"
    job = run_import(world.users["office"], "communities", xlsx_bytes(data))
    assert job.status == "refused"
    assert error_cells(job) == [(3, "社区代码")]
    assert not Community.objects.filter(code="421303001101").exists()


def test_a_second_import_of_the_same_file_changes_nothing(world: World) -> None:
    data = xlsx_bytes(rows())
    run_import(world.users["office"], "communities", data)
    job = run_import(world.users["office"], "communities", data)
    assert (job.created, job.updated, job.unchanged) == (0, 0, 3)


def test_a_known_code_updates_the_community(world: World) -> None:
    data = [HEADER, [world.community_a1.code, "白云新社区", "", "", ""]]
    job = run_import(world.users["office"], "communities", xlsx_bytes(data))
    assert (job.created, job.updated) == (0, 1)
    world.community_a1.refresh_from_db()
    assert world.community_a1.name == "白云新社区"


def test_a_gb18030_csv_imports(world: World) -> None:
    job = run_import(world.users["office"], "communities", csv_bytes(rows(), "gb18030"), "c.csv")
    assert job.status == "done", job.errors
    assert Community.objects.get(code="421303001101").name == "东关社区"


def test_a_code_outside_its_street_is_refused(world: World) -> None:
    data = [HEADER, ["421381001104", "错街社区", "421303001", "", ""]]
    job = run_import(world.users["office"], "communities", xlsx_bytes(data))
    assert error_cells(job) == [(2, "社区代码")]


def test_an_unknown_street_is_refused(world: World) -> None:
    data = [HEADER, ["421303009001", "无街社区", "", "", ""]]
    job = run_import(world.users["office"], "communities", xlsx_bytes(data))
    assert error_cells(job) == [(2, "街道代码")]


def test_a_street_officer_imports_communities_of_their_street_only(world: World) -> None:
    data = rows()
    job = run_import(world.users["street"], "communities", xlsx_bytes(data))
    assert error_cells(job) == [(4, "街道代码")]
    assert Community.objects.filter(code__startswith="4213030011").count() == 0


def test_a_formula_cell_is_kept_as_text_and_exported_as_text(world: World) -> None:
    data = [HEADER, ["421303001105", "=1+1", "", "@SUM(A1)", ""]]
    job = run_import(world.users["office"], "communities", xlsx_bytes(data))
    assert job.status == "done", job.errors
    assert Community.objects.get(code="421303001105").name == "=1+1"
    content, _n = exporting.export_xlsx(registry.get("communities"), world.users["office"])
    position = next(i for i, r in enumerate(read_xlsx(content)) if r[0] == "421303001105")
    kinds = xlsx_cell_kinds(content)
    assert kinds[(position, 1)] == "s"
    assert kinds[(position, 3)] == "s"


def test_an_exported_file_imports_back_unchanged(world: World) -> None:
    content, count = exporting.export_xlsx(registry.get("communities"), world.users["office"])
    job = run_import(world.users["office"], "communities", content)
    assert (job.created, job.updated, job.unchanged) == (0, 0, count), job.errors
