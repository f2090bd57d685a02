"""Importing pairings: unit + community + start date, overlaps refused as the services refuse them."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from gongzhi.imports import exporting, registry
from gongzhi.units.models import Pairing
from tests.factories import World
from tests.imports.files import Formula, csv_bytes, error_cells, run_import, xlsx_bytes

pytestmark = pytest.mark.django_db

HEADER = ["单位统一社会信用代码", "社区代码", "开始日期", "结束日期"]


def rows(world: World) -> list[list[Any]]:
    return [
        HEADER,
        [world.unit_free.code, world.community_a1.code, "2021年7月1日", ""],
        [
            f"{world.unit_free.code} 随州市统计局",
            f"{world.community_a2.code} 青云社区",
            dt.date(2021, 7, 1),
            "2021/12/31",
        ],
        [world.unit_a.code, world.community_a2.code, "2022-01-01", None],
    ]


def test_a_valid_file_pairs_every_unit_with_its_community(world: World) -> None:
    job = run_import(world.users["office"], "pairings", xlsx_bytes(rows(world)))
    assert job.status == "done", job.errors
    assert job.created == 3
    pairing = Pairing.objects.get(unit=world.unit_free, community=world.community_a2)
    assert (pairing.start, pairing.end) == (dt.date(2021, 7, 1), dt.date(2021, 12, 31))


def test_one_bad_row_in_the_middle_writes_nothing_and_names_its_row_and_column(
    world: World,
) -> None:
    data = rows(world)
    data[2][3] = "2021-02-30"
    job = run_import(world.users["office"], "pairings", xlsx_bytes(data))
    assert job.status == "refused"
    assert error_cells(job) == [(3, "结束日期")]
    assert not Pairing.objects.filter(unit=world.unit_free).exists()


def test_a_second_import_of_the_same_file_changes_nothing(world: World) -> None:
    data = xlsx_bytes(rows(world))
    run_import(world.users["office"], "pairings", data)
    job = run_import(world.users["office"], "pairings", data)
    assert (job.created, job.updated, job.unchanged) == (0, 0, 3)


def test_a_gb18030_csv_imports(world: World) -> None:
    job = run_import(world.users["office"], "pairings", csv_bytes(rows(world), "gb18030"), "p.csv")
    assert job.status == "done", job.errors
    assert job.created == 3


def test_an_overlap_with_an_existing_pairing_is_refused(world: World) -> None:
    data = [HEADER, [world.unit_a.code, world.community_a1.code, "2022-01-01", ""]]
    job = run_import(world.users["office"], "pairings", xlsx_bytes(data))
    assert error_cells(job) == [(2, "开始日期")]
    assert "overlaps" in job.errors[0]["message"]


def test_overlapping_rows_of_one_file_are_refused(world: World) -> None:
    data = [
        HEADER,
        [world.unit_free.code, world.community_b1.code, "2021-07-01", "2021-12-31"],
        [world.unit_free.code, world.community_b1.code, "2021-12-01", ""],
    ]
    job = run_import(world.users["office"], "pairings", xlsx_bytes(data))
    assert error_cells(job) == [(3, "开始日期")]
    assert "row 2" in job.errors[0]["message"]


def test_an_end_date_ends_a_known_pairing(world: World) -> None:
    data = [HEADER, [world.unit_a.code, world.community_a1.code, "2021-07-01", "2022-06-30"]]
    job = run_import(world.users["office"], "pairings", xlsx_bytes(data))
    assert (job.created, job.updated) == (0, 1)
    world.pairing_a.refresh_from_db()
    assert world.pairing_a.end == dt.date(2022, 6, 30)
    assert world.pairing_a.history.first().history_change_reason == "imported from import.xlsx"


def test_an_end_before_the_start_is_refused(world: World) -> None:
    data = [HEADER, [world.unit_free.code, world.community_a1.code, "2022-01-01", "2021-01-01"]]
    assert error_cells(run_import(world.users["office"], "pairings", xlsx_bytes(data))) == [
        (2, "结束日期")
    ]


def test_a_street_officer_pairs_only_with_communities_of_their_street(world: World) -> None:
    job = run_import(
        world.users["street"],
        "pairings",
        xlsx_bytes(
            rows(world)
            + [
                [world.unit_free.code, world.community_b2.code, "2021-07-01", ""],
            ]
        ),
    )
    assert error_cells(job) == [(5, "社区代码")]


def test_a_formula_cell_is_neither_evaluated_nor_taken_as_a_code(world: World) -> None:
    data = rows(world)
    data[1][1] = Formula(f'="{world.community_a1.code}"', "")
    job = run_import(world.users["office"], "pairings", xlsx_bytes(data))
    assert error_cells(job) == [(2, "社区代码")]


def test_an_exported_file_imports_back_unchanged(world: World) -> None:
    content, count = exporting.export_xlsx(registry.get("pairings"), world.users["office"])
    assert count == 2
    job = run_import(world.users["office"], "pairings", content)
    assert (job.created, job.updated, job.unchanged) == (0, 0, 2), job.errors
