"""Importing contributions: the funds services' rules, all or nothing, idempotent."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from gongzhi.activities.models import Contribution
from gongzhi.activities.services_funds import contribution_record
from gongzhi.imports import exporting, registry, services
from gongzhi.imports.models import ImportJob, ImportStatus
from tests.factories import World
from tests.imports.files import csv_bytes, read_xlsx, xlsx_bytes, xlsx_cell_kinds

pytestmark = pytest.mark.django_db

HEADER = ["单位统一社会信用代码", "社区代码", "日期", "金额（元）", "用途"]


def sheet(world: World, day: Any = "2021-09-10") -> list[list[Any]]:
    a, b = world.unit_a.code, world.unit_b.code
    a1, b1 = world.community_a1.code, world.community_b1.code
    return [
        HEADER,
        [a, a1, day, "8万", "垃圾清运"],
        [b, b1, day, "80,000.00", "绿化补种"],
        [a, a1, "2021/9/24", 50000, ""],
    ]


def run(user: Any, data: bytes, name: str = "funds.xlsx", dry_run: bool = False) -> ImportJob:
    return services.import_start(
        user=user, kind="contributions", file=data, name=name, dry_run=dry_run
    )


def test_contributions_is_a_kind_for_the_office_and_unit_liaisons(world: World) -> None:
    importer = registry.get("contributions")
    assert importer is not None
    assert importer.may_import(world.users["office"])
    assert importer.may_import(world.users["unit"])
    assert not importer.may_import(world.users["community"])


def test_a_valid_sheet_records_every_payment_in_fen(world: World) -> None:
    job = run(world.users["office"], xlsx_bytes(sheet(world)))

    assert job.status == ImportStatus.DONE, job.errors
    assert (job.created, job.updated, job.unchanged) == (3, 0, 0)
    rows = set(
        Contribution.objects.values_list("unit", "community", "date", "amount_fen", "purpose")
    )
    assert rows == {
        (world.unit_a.pk, world.community_a1.pk, dt.date(2021, 9, 10), 8_000_000, "垃圾清运"),
        (world.unit_b.pk, world.community_b1.pk, dt.date(2021, 9, 10), 8_000_000, "绿化补种"),
        (world.unit_a.pk, world.community_a1.pk, dt.date(2021, 9, 24), 5_000_000, ""),
    }
    assert {c.entered_by for c in Contribution.objects.all()} == {world.users["office"]}


def test_imported_contributions_have_history_naming_the_importer_and_the_file(
    world: World,
) -> None:
    run(world.users["office"], xlsx_bytes(sheet(world)), name="2021年9月资金.xlsx")

    records = Contribution.history.all()
    assert records.count() == 3
    assert {(r.history_type, r.history_user, r.history_change_reason) for r in records} == {
        ("+", world.users["office"], "imported from 2021年9月资金.xlsx")
    }


def test_one_bad_row_in_the_middle_writes_nothing_and_names_its_row_and_column(
    world: World,
) -> None:
    rows = sheet(world)
    rows[2][3] = "八万"

    job = run(world.users["office"], xlsx_bytes(rows))

    assert job.status == ImportStatus.REFUSED
    assert Contribution.objects.count() == 0
    assert [(e["row"], e["field"]) for e in job.errors] == [(3, "金额（元）")]
    assert "digits" in job.errors[0]["message"]


def test_a_date_in_the_future_is_refused(world: World) -> None:
    tomorrow = timezone.localdate() + dt.timedelta(days=1)

    job = run(world.users["office"], xlsx_bytes(sheet(world, day=tomorrow.isoformat())))

    assert job.status == ImportStatus.REFUSED
    assert [(e["row"], e["field"]) for e in job.errors] == [(2, "日期"), (3, "日期")]
    assert "future" in job.errors[0]["message"]


def test_importing_the_same_file_twice_changes_nothing_the_second_time(world: World) -> None:
    data = xlsx_bytes(sheet(world))
    run(world.users["office"], data)

    job = run(world.users["office"], data)

    assert job.status == ImportStatus.DONE
    assert (job.created, job.updated, job.unchanged) == (0, 0, 3)
    assert Contribution.objects.count() == 3
    assert Contribution.history.count() == 3


def test_a_payment_recorded_on_the_form_is_not_imported_again(world: World) -> None:
    contribution_record(
        user=world.users["office"],
        unit_code=world.unit_a.code,
        community_code=world.community_a1.code,
        date="2021-09-10",
        amount="8万",
        purpose="垃圾清运",
    )

    job = run(world.users["office"], xlsx_bytes(sheet(world)))

    assert (job.created, job.unchanged) == (2, 1)
    assert Contribution.objects.count() == 3


def test_the_same_amount_again_with_another_purpose_must_be_confirmed_as_a_second_payment(
    world: World,
) -> None:
    run(world.users["office"], xlsx_bytes(sheet(world)))
    rows = [[*HEADER, "确认另一笔"], [*sheet(world)[1][:4], "补充清运", ""]]

    refused = run(world.users["office"], xlsx_bytes(rows))
    rows[1][5] = "是"
    job = run(world.users["office"], xlsx_bytes(rows))

    assert refused.status == ImportStatus.REFUSED
    assert [(e["row"], e["field"]) for e in refused.errors] == [(2, "确认另一笔")]
    assert "80,000.00 yuan" in refused.errors[0]["message"]
    assert job.status == ImportStatus.DONE
    assert Contribution.objects.filter(amount_fen=8_000_000, unit=world.unit_a).count() == 2


def test_a_gb18030_csv_imports(world: World) -> None:
    data = csv_bytes(sheet(world, day="2021年9月10日"), encoding="gb18030")

    job = run(world.users["office"], data, name="funds.csv")

    assert job.status == ImportStatus.DONE, job.errors
    assert Contribution.objects.filter(purpose="绿化补种").get().amount_fen == 8_000_000


def test_a_formula_is_stored_as_text_and_never_exported_live(world: World) -> None:
    formula = "=cmd|' /C calc'!A0"
    rows = sheet(world)
    rows[1][4] = formula
    rows[2][3] = "-5"

    refused = run(world.users["office"], xlsx_bytes(rows))
    rows[2][3] = "5"
    job = run(world.users["office"], xlsx_bytes(rows))

    assert job.status == ImportStatus.DONE
    assert Contribution.objects.filter(purpose=formula).exists()
    content = refused.error_file.read()
    assert read_xlsx(content)[1][4] == formula
    assert xlsx_cell_kinds(content)[(1, 4)] == "s"
    importer = registry.get("contributions")
    assert importer is not None
    xlsx, count = exporting.export_xlsx(importer, world.users["office"])
    at = next(r for r, row in enumerate(read_xlsx(xlsx)) if formula in row)
    assert count == 3
    assert xlsx_cell_kinds(xlsx)[(at, 4)] == "s"
    csv, _count = exporting.export_csv(importer, world.users["office"])
    assert "'" + formula in csv.decode("utf-8-sig")


def test_an_export_imports_back_unchanged(world: World) -> None:
    run(world.users["office"], xlsx_bytes(sheet(world)))
    importer = registry.get("contributions")
    assert importer is not None
    xlsx, _count = exporting.export_xlsx(importer, world.users["office"])

    job = run(world.users["office"], xlsx, name="export.xlsx")

    assert (job.status, job.created, job.updated, job.unchanged) == (ImportStatus.DONE, 0, 0, 3)


def test_a_unit_liaison_imports_only_their_unit_in_communities_it_was_paired_with(
    world: World,
) -> None:
    rows = sheet(world)
    rows.append([world.unit_a.code, world.community_a2.code, "2021-09-10", 100, ""])

    refused = run(world.users["unit"], xlsx_bytes(rows))
    job = run(world.users["unit"], xlsx_bytes([rows[0], rows[1], rows[3]]))

    assert [(e["row"], e["field"]) for e in refused.errors] == [
        (3, "单位统一社会信用代码"),
        (5, "社区代码"),
    ]
    assert job.status == ImportStatus.DONE
    assert Contribution.objects.get(date=dt.date(2021, 9, 10)).entered_by == world.users["unit"]


def test_queries_do_not_grow_with_the_number_of_rows(
    world: World, django_assert_max_num_queries: Any
) -> None:
    rows = [HEADER] + [
        [world.unit_a.code, world.community_a1.code, "2021-09-10", 100 + k, ""] for k in range(60)
    ]

    with django_assert_max_num_queries(25):
        job = run(world.users["office"], xlsx_bytes(rows))

    assert job.created == 60
