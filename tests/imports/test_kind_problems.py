"""Importing problems from our own sheet: all or nothing, idempotent, scoped."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from gongzhi.imports import exporting, parsing, services, templates_xlsx
from gongzhi.imports.kinds_problems import ProblemsImporter, derived_ref
from gongzhi.imports.models import ImportJob, ImportStatus
from gongzhi.problems import services as problem_services
from gongzhi.problems.models import Problem, ProblemEvent, ProblemSource
from tests.factories import World
from tests.imports.files import Formula, csv_bytes, read_xlsx, xlsx_bytes, xlsx_cell_kinds

HEADER = [
    "问题来源",
    "问题分类",
    "社区代码",
    "标题",
    "问题描述",
    "地址",
    "反映人",
    "联系电话",
    "反映日期",
]


@pytest.fixture(autouse=True)
def _categories(db: None) -> None:
    problem_services.categories_seed()


def rows(world: World) -> list[list[Any]]:
    a1, a2 = world.community_a1.code, world.community_a2.code
    return [
        HEADER,
        ["社区巡查", "垃圾死角", a1, "楼后垃圾", "3栋楼后垃圾堆积", "3栋", "李四", "13912345678", "2021-09-10"],
        ["下基层走访", "piled_debris", a2, "", "楼道堆放杂物", "", "", "", "2021年9月11日"],
        ["居民反映", "杂乱管线", a1, "飞线", "5栋外墙飞线充电", "5栋", "王五", "13800000000", "2021/9/12"],
    ]  # fmt: skip


def run(user: Any, data: bytes, name: str = "problems.xlsx", dry_run: bool = False) -> ImportJob:
    return services.import_start(user=user, kind="problems", file=data, name=name, dry_run=dry_run)


def test_a_valid_sheet_creates_one_problem_per_row_reported_by_the_importer(world: World) -> None:
    office = world.users["office"]
    job = run(office, xlsx_bytes(rows(world)))
    assert job.status == ImportStatus.DONE, job.errors
    assert (job.created, job.updated, job.unchanged) == (3, 0, 0)
    debris = Problem.objects.get(description="楼道堆放杂物")
    assert debris.category.code == "piled_debris"
    assert debris.source == ProblemSource.GRASSROOTS_VISIT
    assert debris.community == world.community_a2
    assert debris.created_by == office
    assert timezone.localtime(debris.created_at).date() == dt.date(2021, 9, 11)
    flyers = Problem.objects.get(description="5栋外墙飞线充电")
    assert flyers.category.code == "messy_cables"
    assert (flyers.reporter_name, flyers.reporter_phone) == ("王五", "13800000000")
    event = ProblemEvent.objects.get(problem=flyers)
    assert (event.action, event.actor) == ("report", office)
    assert timezone.localtime(event.at).date() == dt.date(2021, 9, 12)


def test_one_bad_row_in_the_middle_writes_nothing_and_names_its_row_and_column(
    world: World,
) -> None:
    sheet = rows(world)
    sheet[2][1] = "不存在的分类"
    job = run(world.users["office"], xlsx_bytes(sheet))
    assert job.status == ImportStatus.REFUSED
    assert Problem.objects.count() == 0
    assert job.errors == [
        {
            "row": 3,
            "field": "问题分类",
            "message": "No category has the name or code “不存在的分类”.",
        }
    ]
    assert job.error_file
    marked = read_xlsx(job.error_file.read())
    assert "不存在的分类" in marked[2]


def test_importing_the_same_sheet_twice_changes_nothing_the_second_time(world: World) -> None:
    data = xlsx_bytes(rows(world))
    run(world.users["office"], data)
    before = list(Problem.objects.order_by("pk").values_list("pk", "number", "external_ref"))
    second = run(world.users["office"], data)
    assert second.status == ImportStatus.DONE, second.errors
    assert (second.created, second.updated, second.unchanged) == (0, 0, 3)
    assert (
        list(Problem.objects.order_by("pk").values_list("pk", "number", "external_ref")) == before
    )


def test_rows_without_a_reference_get_one_derived_from_their_content(world: World) -> None:
    run(world.users["office"], xlsx_bytes(rows(world)))
    problem = Problem.objects.get(description="楼道堆放杂物")
    assert problem.external_ref.startswith("IMP-")
    values = {
        "source": "grassroots_visit",
        "category": "piled_debris",
        "community": world.community_a2.code,
        "description": "楼道堆放杂物",
        "reported_at": parsing.datetime("2021-09-11"),
    }
    assert problem.external_ref == derived_ref(values)
    assert derived_ref({**values, "description": "楼道堆放 杂物"}) != problem.external_ref


def test_a_gb18030_csv_imports_like_the_xlsx(world: World) -> None:
    job = run(world.users["office"], csv_bytes(rows(world), "gb18030"), name="问题.csv")
    assert job.status == ImportStatus.DONE, job.errors
    assert job.created == 3
    assert Problem.objects.filter(description="3栋楼后垃圾堆积", reporter_name="李四").exists()


def test_a_dry_run_counts_without_writing(world: World) -> None:
    job = run(world.users["office"], xlsx_bytes(rows(world)), dry_run=True)
    assert job.status == ImportStatus.CHECKED
    assert job.created == 3
    assert Problem.objects.count() == 0


def test_a_formula_is_stored_as_the_text_typed_and_exported_as_text(world: World) -> None:
    sheet = rows(world)
    sheet[1][4] = '=HYPERLINK("http://evil.example","点我")'
    sheet[2][3] = "+1+2"
    job = run(world.users["office"], csv_bytes(sheet), name="problems.csv")
    assert job.status == ImportStatus.DONE, job.errors
    assert Problem.objects.filter(description='=HYPERLINK("http://evil.example","点我")').exists()
    assert Problem.objects.filter(title="+1+2").exists()
    data, count = exporting.export_xlsx(ProblemsImporter, world.users["office"])
    cells = read_xlsx(data)
    kinds = xlsx_cell_kinds(data)
    where = next(
        (r, c)
        for r, row in enumerate(cells)
        for c, value in enumerate(row)
        if value == '=HYPERLINK("http://evil.example","点我")'
    )
    assert (count, kinds[where]) == (3, "s")
    assert "f" not in kinds.values()
    text = exporting.export_csv(ProblemsImporter, world.users["office"])[0].decode("utf-8-sig")
    assert "'=HYPERLINK" in text and "'+1+2" in text


def test_an_exported_sheet_imports_back_unchanged(world: World) -> None:
    office = world.users["office"]
    run(office, xlsx_bytes(rows(world)))
    columns = [c.key for c in ProblemsImporter.columns]
    exported = [[row[k] for k in columns] for row in ProblemsImporter().export_rows(office)]
    headers = [c.header for c in ProblemsImporter.columns]
    job = run(office, xlsx_bytes([headers, *exported]))
    assert job.status == ImportStatus.DONE, job.errors
    assert (job.created, job.unchanged) == (0, 3)


def test_a_row_that_differs_from_its_problem_is_refused_naming_the_column(world: World) -> None:
    office = world.users["office"]
    sheet = [["来源编号", *HEADER], ["WG-1", *rows(world)[1]]]
    run(office, xlsx_bytes(sheet))
    sheet[1][5] = "3栋楼后垃圾已清理"
    job = run(office, xlsx_bytes(sheet))
    assert job.status == ImportStatus.REFUSED
    assert [(e["row"], e["field"]) for e in job.errors] == [(2, "问题描述")]
    assert "does not change problems" in job.errors[0]["message"]
    assert Problem.objects.get(external_ref="WG-1").description == "3栋楼后垃圾堆积"


def test_a_row_finds_an_existing_problem_by_its_public_number(world: World) -> None:
    office = world.users["office"]
    problem = problem_services.problem_report(
        user=office,
        category_code="piled_debris",
        source="community_patrol",
        description="楼道堆物",
        community_code=world.community_a1.code,
    )
    sheet = [
        ["问题编号", "问题来源", "问题分类", "社区代码", "问题描述"],
        [problem.number, "社区巡查", "乱堆乱放杂物", world.community_a1.code, "楼道堆物"],
        ["2099-000001", "社区巡查", "乱堆乱放杂物", world.community_a1.code, "楼道堆物"],
    ]
    job = run(office, xlsx_bytes(sheet))
    assert [(e["row"], e["field"]) for e in job.errors] == [(3, "问题编号")]
    del sheet[2]
    job = run(office, xlsx_bytes(sheet))
    assert (job.status, job.unchanged, job.created) == (ImportStatus.DONE, 1, 0)


def test_the_same_problem_twice_in_one_file_is_refused(world: World) -> None:
    sheet = rows(world)
    sheet.append(list(sheet[1]))
    job = run(world.users["office"], xlsx_bytes(sheet))
    assert job.status == ImportStatus.REFUSED
    assert job.errors[0]["row"] == 5
    assert "row 2" in job.errors[0]["message"]


def test_community_staff_import_only_problems_of_their_own_community(world: World) -> None:
    job = run(world.users["community"], xlsx_bytes(rows(world)))
    assert job.status == ImportStatus.REFUSED
    assert [(e["row"], e["field"]) for e in job.errors] == [(3, "社区代码")]
    assert "outside your area" in job.errors[0]["message"]
    assert Problem.objects.count() == 0
    sheet = rows(world)
    del sheet[2]
    job = run(world.users["community"], xlsx_bytes(sheet))
    assert (job.status, job.created) == (ImportStatus.DONE, 2)


@pytest.mark.parametrize("role", ["leader", "unit", "member", "nobody"])
def test_other_roles_may_not_import_problems(world: World, role: str) -> None:
    assert not ProblemsImporter.may_import(world.users[role])


def test_wrong_cells_are_all_reported_at_once(world: World) -> None:
    sheet = rows(world)
    sheet[1][0] = "朋友圈"
    sheet[2][7] = "12ab"
    sheet[3][8] = (timezone.localdate() + dt.timedelta(days=2)).isoformat()
    job = run(world.users["office"], xlsx_bytes(sheet))
    assert [(e["row"], e["field"]) for e in job.errors] == [
        (2, "问题来源"),
        (3, "联系电话"),
        (4, "反映日期"),
    ]


def test_the_template_has_the_headers_and_an_instructions_sheet(world: World) -> None:
    data = templates_xlsx.build(ProblemsImporter, world.users["office"])
    assert read_xlsx(data)[0] == [c.header for c in ProblemsImporter.columns]


def test_a_real_formula_in_an_xlsx_is_not_evaluated_its_cached_text_is_kept(
    world: World,
) -> None:
    sheet = rows(world)
    sheet[1][4] = Formula('=CONCATENATE("楼后","垃圾")', "楼后垃圾堆积")
    job = run(world.users["office"], xlsx_bytes(sheet))
    assert job.status == ImportStatus.DONE, job.errors
    assert Problem.objects.filter(description="楼后垃圾堆积").exists()
    assert not Problem.objects.filter(description__startswith="=").exists()


def test_a_number_row_with_a_reference_the_problem_lacks_is_refused(world: World) -> None:
    office = world.users["office"]
    problem = problem_services.problem_report(
        user=office,
        category_code="piled_debris",
        source="community_patrol",
        description="楼道堆物",
        community_code=world.community_a1.code,
    )
    sheet = [
        ["问题编号", "来源编号", "问题来源", "问题分类", "社区代码", "问题描述"],
        [problem.number, "WG-9", "社区巡查", "垃圾死角", world.community_a1.code, "楼道堆物"],
    ]
    job = run(office, xlsx_bytes(sheet))
    assert [(e["row"], e["field"]) for e in job.errors] == [(2, "来源编号")]
    sheet[1][1] = ""
    job = run(office, xlsx_bytes(sheet))
    assert [(e["row"], e["field"]) for e in job.errors] == [(2, "问题分类")]
    assert "“乱堆乱放杂物”" in job.errors[0]["message"]
