"""Importing the 12345 hotline's work-order export as problems."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from gongzhi.imports import exporting, services, templates_xlsx
from gongzhi.imports.kinds_hotline import (
    HotlineImporter,
    community_in,
    community_names,
    hotline_category,
)
from gongzhi.imports.kinds_problems import load_places
from gongzhi.imports.models import ImportJob, ImportStatus
from gongzhi.problems import services as problem_services
from gongzhi.problems.models import Category, Problem, ProblemSource
from tests.factories import CommunityFactory, StreetFactory, World
from tests.imports.files import csv_bytes, read_xlsx, xlsx_bytes, xlsx_cell_kinds

#: The hotline export's own columns, in its own order (status and handler are not imported).
HEADER = ["工单编号", "受理时间", "诉求类型", "诉求内容", "所属区域", "事发地址", "联系人", "联系电话", "办理状态", "承办单位"]  # fmt: skip


@pytest.fixture(autouse=True)
def _categories(db: None) -> None:
    problem_services.categories_seed()


def export() -> list[list[Any]]:
    return [
        HEADER,
        ["SZ2021091000123", "2021-09-10 09:31:22", "城市管理-环境卫生-垃圾清运", "白云社区3栋旁垃圾多日无人清运", "曾都区西城街道白云社区", "3栋旁", "王先生", "13800000000", "已派单", "西城街道"],
        ["SZ2021091000124", "2021/9/10 10:05", "市容环境/乱堆乱放", "楼道堆满杂物", "曾都区西城街道", "青云社区8栋", "刘女士", "139****5678", "办理中", ""],
        ["SZ2021091100007", "2021年9月11日 8时02分", "小广告", "单元门贴满小广告", "广水市应山街道印台社区", "", "", "", "已办结", ""],
    ]  # fmt: skip


def run(user: Any, data: bytes, name: str = "12345.csv") -> ImportJob:
    return services.import_start(user=user, kind="hotline", file=data, name=name)


def test_a_gb18030_export_becomes_hotline_problems_keyed_by_work_order(world: World) -> None:
    office = world.users["office"]
    job = run(office, csv_bytes(export(), "gb18030"))
    assert job.status == ImportStatus.DONE, job.errors
    assert job.created == 3
    garbage = Problem.objects.get(external_ref="SZ2021091000123")
    assert garbage.source == ProblemSource.HOTLINE_12345
    assert garbage.category.code == "household_garbage"
    assert garbage.community == world.community_a1
    assert (garbage.reporter_name, garbage.reporter_phone) == ("王先生", "13800000000")
    assert timezone.localtime(garbage.created_at).replace(tzinfo=None) == dt.datetime(
        2021, 9, 10, 9, 31, 22
    )
    debris = Problem.objects.get(external_ref="SZ2021091000124")
    assert debris.category.code == "piled_debris"
    assert debris.community == world.community_a2  # found by name in the address
    assert debris.reporter_phone == ""  # masked by the hotline: nothing to call back
    flyers = Problem.objects.get(external_ref="SZ2021091100007")
    assert (flyers.category.code, flyers.community) == ("illegal_flyers", world.community_b2)


def test_one_unmapped_classification_in_the_middle_writes_nothing_and_names_it(
    world: World,
) -> None:
    rows = export()
    rows[2][2] = "医疗卫生-医保报销"
    job = run(world.users["office"], csv_bytes(rows, "gb18030"))
    assert job.status == ImportStatus.REFUSED
    assert Problem.objects.count() == 0
    assert job.errors == [
        {
            "row": 3,
            "field": "诉求类型",
            "message": "The classification “医疗卫生-医保报销” maps to none of our categories.",
        }
    ]


def test_importing_the_same_export_twice_changes_nothing_the_second_time(world: World) -> None:
    data = csv_bytes(export(), "gb18030")
    run(world.users["office"], data)
    numbers = sorted(Problem.objects.values_list("number", flat=True))
    second = run(world.users["office"], data)
    assert second.status == ImportStatus.DONE, second.errors
    assert (second.created, second.updated, second.unchanged) == (0, 0, 3)
    assert sorted(Problem.objects.values_list("number", flat=True)) == numbers


def test_a_later_export_adds_only_the_new_work_orders(world: World) -> None:
    rows = export()
    run(world.users["office"], csv_bytes(rows[:3], "gb18030"))
    rows[1][8] = "已办结"  # the status moved on: it is not imported, the problem stays as is
    job = run(world.users["office"], csv_bytes(rows, "gb18030"))
    assert (job.created, job.unchanged) == (1, 2)


def test_an_xlsx_export_with_numeric_work_orders_and_date_cells_imports(world: World) -> None:
    rows = export()
    rows[1][0] = 2021091000123
    rows[1][1] = dt.datetime(2021, 9, 10, 9, 31)
    job = run(world.users["office"], xlsx_bytes(rows), name="12345.xlsx")
    assert job.status == ImportStatus.DONE, job.errors
    problem = Problem.objects.get(external_ref="2021091000123")
    assert timezone.localtime(problem.created_at).hour == 9


def test_the_community_code_column_wins_over_the_address(world: World) -> None:
    rows = [[*export()[0], "社区代码"], [*export()[1], world.community_b1.code]]
    job = run(world.users["office"], csv_bytes(rows))
    assert job.status == ImportStatus.DONE, job.errors
    assert Problem.objects.get().community == world.community_b1


def test_a_community_name_shared_by_two_streets_needs_the_street_or_the_code(
    world: World,
) -> None:
    other_street = StreetFactory(district=world.district_a, code="421303002", name="东城街道")
    CommunityFactory(street=other_street, code="421303002001", name="白云社区")
    rows = export()[:2]
    rows[1][4] = "曾都区白云社区"
    job = run(world.users["office"], csv_bytes(rows))
    assert [(e["row"], e["field"]) for e in job.errors] == [(2, "所属区域")]
    assert "add the community code" in job.errors[0]["message"]
    rows[1][4] = "曾都区西城街道白云社区"
    job = run(world.users["office"], csv_bytes(rows))
    assert job.status == ImportStatus.DONE, job.errors
    assert Problem.objects.get().community == world.community_a1


def test_a_row_naming_no_community_is_refused(world: World) -> None:
    rows = export()[:2]
    rows[1][4], rows[1][5] = "随州市", "解放路"
    job = run(world.users["office"], csv_bytes(rows))
    assert [(e["row"], e["field"]) for e in job.errors] == [(2, "所属区域")]


def test_a_formula_in_the_export_is_stored_as_text(world: World) -> None:
    rows = export()[:2]
    rows[1][3] = "=1+1"
    rows[1][6] = "@SUM(A1)"
    job = run(world.users["office"], csv_bytes(rows, "gb18030"))
    assert job.status == ImportStatus.DONE, job.errors
    problem = Problem.objects.get()
    assert (problem.description, problem.reporter_name) == ("=1+1", "@SUM(A1)")
    data, count = exporting.export_xlsx(HotlineImporter, world.users["office"])
    row = read_xlsx(data)[1]
    kinds = xlsx_cell_kinds(data)
    assert (count, row[3], kinds[(1, 3)]) == (1, "=1+1", "s")
    assert (row[8], kinds[(1, 8)]) == ("@SUM(A1)", "s")
    text = exporting.export_csv(HotlineImporter, world.users["office"])[0].decode("utf-8-sig")
    assert "'=1+1" in text and "'@SUM(A1)" in text


def test_a_street_officer_imports_work_orders_of_their_street_only(world: World) -> None:
    job = run(world.users["street"], csv_bytes(export(), "gb18030"))
    assert [(e["row"], e["field"]) for e in job.errors] == [(4, "所属区域")]
    assert Problem.objects.count() == 0


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("城市管理-环境卫生-垃圾清运", "household_garbage"),
        ("市容环境/乱堆乱放", "piled_debris"),
        ("城乡建设>老旧小区改造", "old_compound_renovation"),
        ("环境保护-小区内污水外溢", "sewage_overflow"),
        ("垃圾死角", "garbage_dead_corner"),
        ("毁绿种菜", "greenery_vegetable_plots"),
        ("messy_cables", "messy_cables"),
        ("教育-招生", None),
    ],
)
def test_hotline_classifications_map_onto_our_categories(
    db: None, value: str, code: str | None
) -> None:
    problem_services.categories_seed()
    categories = dict(Category.objects.values_list("name", "code"))
    assert hotline_category(value, categories, set(categories.values())) == code


def test_community_names_are_found_in_free_text(world: World) -> None:
    names = community_names(load_places())
    assert community_in("西城街道青云社区菜市场旁", names) == [
        p for p in load_places().values() if p.code == world.community_a2.code
    ]
    assert community_in("解放路", names) == []


def test_the_template_reproduces_the_hotline_export_columns(world: World) -> None:
    data = templates_xlsx.build(HotlineImporter, world.users["office"])
    headers = read_xlsx(data)[0]
    assert headers == [c.header for c in HotlineImporter.columns]
    assert set(HEADER) <= set(headers)


def test_checking_a_large_export_runs_a_fixed_number_of_queries(
    world: World, django_assert_max_num_queries: Any
) -> None:
    rows = [HEADER[:5]] + [
        [f"SZ{n:08d}", "2021-09-10 09:31", "垃圾清运", f"垃圾{n}", "西城街道白云社区"]
        for n in range(300)
    ]
    data = csv_bytes(rows, "gb18030")
    assert run(world.users["office"], data).created == 300
    with django_assert_max_num_queries(30):
        job = run(world.users["office"], data)
    assert (job.status, job.unchanged) == (ImportStatus.DONE, 300)


def test_an_exported_hotline_sheet_imports_back_unchanged(world: World) -> None:
    office = world.users["office"]
    run(office, csv_bytes(export(), "gb18030"))
    problem_services.problem_report(
        user=office,
        category_code="piled_debris",
        source="community_patrol",
        description="不是热线工单",
        community_code=world.community_a1.code,
    )
    data, count = exporting.export_xlsx(HotlineImporter, office)
    assert count == 3
    job = run(office, data, name="back.xlsx")
    assert (job.status, job.created, job.unchanged) == (ImportStatus.DONE, 0, 3), job.errors


def test_a_work_order_already_filed_outside_the_importers_area_is_refused_without_details(
    world: World,
) -> None:
    run(world.users["office"], csv_bytes(export(), "gb18030"))
    rows = export()[:2]
    rows[1][0] = "SZ2021091100007"  # filed in 印台社区, outside the street officer's area
    job = run(world.users["street"], csv_bytes(rows, "gb18030"))
    assert job.errors == [
        {
            "row": 2,
            "field": "工单编号",
            "message": "A problem outside your area already has this reference.",
        }
    ]
