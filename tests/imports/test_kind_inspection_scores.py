"""Importing inspection scores: the inspection services' rules, row by row, all or nothing."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest

from gongzhi.core.models import User
from gongzhi.imports import exporting, services, templates_xlsx
from gongzhi.imports.kinds_inspections import InspectionScoresImporter
from gongzhi.imports.models import ImportJob, ImportStatus
from gongzhi.inspections import services as inspection_services
from gongzhi.inspections.models import (
    Inspection,
    InspectionRound,
    InspectionStatus,
    ItemScore,
    RoundStatus,
)
from tests.factories import World
from tests.imports.files import csv_bytes, read_xlsx, xlsx_bytes, xlsx_cell_kinds
from tests.inspections.conftest import groups, make_round, template  # noqa: F401 - fixtures
from tests.inspections.fixtures_inspect import (  # noqa: F401 - fixtures
    complete_fixture,
    round1_fixture,
)

HEADER = ["轮次", "单位统一社会信用代码", "单位名称", "检查项", "得分", "备注", "督导组"]


def sheet(world: World) -> list[list[Any]]:
    a, b = world.unit_a.code, world.unit_b.code
    return [
        HEADER,
        [1, a, "市市场监管局", "plan", 8.5, "方案已制定，部署会记录不全", "第1督导组"],
        ["第1轮", a, "市市场监管局", "主要领导或分管领导带队参加活动", 10, "", ""],
        [1, a, "市市场监管局", "no_weeds", "是", "", ""],
        [1, b, "广水市住建局", "plan", "7", "", "第2督导组"],
    ]


def run(user: Any, data: bytes, name: str = "scores.xlsx") -> ImportJob:
    return services.import_start(user=user, kind="inspection-scores", file=data, name=name)


def scores_of(world: World, unit: Any) -> dict[str, Any]:
    rows = ItemScore.objects.filter(inspection__unit=unit).select_related("item")
    return {r.item.code: (r.score if r.score is not None else r.passed, r.comment) for r in rows}


def test_the_office_imports_scores_into_draft_inspections(
    world: World, round1: InspectionRound
) -> None:
    job = run(world.users["office"], xlsx_bytes(sheet(world)))
    assert job.status == ImportStatus.DONE, job.errors
    assert (job.created, job.updated, job.unchanged) == (4, 0, 0)
    assert scores_of(world, world.unit_a) == {
        "plan": (Decimal("8.5"), "方案已制定，部署会记录不全"),
        "leader_led": (Decimal("10.0"), ""),
        "no_weeds": (True, ""),
    }
    inspection = Inspection.objects.get(unit=world.unit_b)
    assert inspection.status == InspectionStatus.DRAFT
    assert inspection.group.name == "第2督导组"


def test_one_score_out_of_range_in_the_middle_writes_nothing_and_names_row_and_column(
    world: World, round1: InspectionRound
) -> None:
    rows = sheet(world)
    rows[2][4] = 12
    job = run(world.users["office"], xlsx_bytes(rows))
    assert job.status == ImportStatus.REFUSED
    assert job.errors == [
        {
            "row": 3,
            "field": "得分",
            "message": "“主要领导或分管领导带队参加活动” takes 0 to 10 points.",
        }
    ]
    assert not Inspection.objects.exists()
    assert not ItemScore.objects.exists()


def test_scores_go_in_whole_or_half_points(world: World, round1: InspectionRound) -> None:
    rows = sheet(world)
    rows[1][4] = 7.3
    rows[3][4] = "也许"
    job = run(world.users["office"], xlsx_bytes(rows))
    assert [(e["row"], e["field"]) for e in job.errors] == [(2, "得分"), (4, "得分")]
    assert "half points" in job.errors[0]["message"]


def test_importing_the_same_scores_twice_changes_nothing_the_second_time(
    world: World, round1: InspectionRound
) -> None:
    data = xlsx_bytes(sheet(world))
    run(world.users["office"], data)
    before = list(Inspection.history.values_list("pk", flat=True))
    second = run(world.users["office"], data)
    assert second.status == ImportStatus.DONE, second.errors
    assert (second.created, second.updated, second.unchanged) == (0, 0, 4)
    assert list(Inspection.history.values_list("pk", flat=True)) == before


def test_a_changed_score_is_an_update(world: World, round1: InspectionRound) -> None:
    rows = sheet(world)
    run(world.users["office"], xlsx_bytes(rows))
    rows[1][4] = 9
    job = run(world.users["office"], xlsx_bytes(rows))
    assert (job.created, job.updated, job.unchanged) == (0, 1, 3)
    assert scores_of(world, world.unit_a)["plan"][0] == Decimal("9.0")


def test_a_gb18030_csv_imports(world: World, round1: InspectionRound) -> None:
    job = run(world.users["office"], csv_bytes(sheet(world), "gb18030"), name="评分.csv")
    assert job.status == ImportStatus.DONE, job.errors
    assert scores_of(world, world.unit_a)["plan"] == (Decimal("8.5"), "方案已制定，部署会记录不全")


def test_a_formula_in_a_note_is_stored_and_exported_as_text(
    world: World, round1: InspectionRound
) -> None:
    rows = sheet(world)
    rows[1][5] = '=HYPERLINK("http://evil.example")'
    job = run(world.users["office"], csv_bytes(rows), name="scores.csv")
    assert job.status == ImportStatus.DONE, job.errors
    assert scores_of(world, world.unit_a)["plan"][1] == '=HYPERLINK("http://evil.example")'
    data, count = exporting.export_xlsx(InspectionScoresImporter, world.users["office"])
    cells = read_xlsx(data)
    kinds = xlsx_cell_kinds(data)
    note = [c.key for c in InspectionScoresImporter.columns].index("note")
    row = next(r for r, values in enumerate(cells) if values[note].startswith("=HYPERLINK"))
    assert (count, cells[row][note], kinds[(row, note)]) == (
        4,
        '=HYPERLINK("http://evil.example")',
        "s",
    )
    text = exporting.export_csv(InspectionScoresImporter, world.users["office"])[0]
    assert "'=HYPERLINK" in text.decode("utf-8-sig")


def test_an_exported_sheet_imports_back_unchanged(world: World, round1: InspectionRound) -> None:
    office = world.users["office"]
    run(office, xlsx_bytes(sheet(world)))
    keys = [c.key for c in InspectionScoresImporter.columns]
    exported = [[r[k] for k in keys] for r in InspectionScoresImporter().export_rows(office)]
    headers = [c.header for c in InspectionScoresImporter.columns]
    job = run(office, xlsx_bytes([headers, *exported]))
    assert (job.status, job.created, job.unchanged) == (ImportStatus.DONE, 0, 4), job.errors


def test_an_inspector_imports_only_the_units_of_their_group(
    world: World, round1: InspectionRound
) -> None:
    job = run(world.users["inspector"], xlsx_bytes(sheet(world)))
    assert job.status == ImportStatus.REFUSED
    assert [(e["row"], e["field"]) for e in job.errors] == [(5, "单位统一社会信用代码")]
    assert "Only the inspectors of the group" in job.errors[0]["message"]
    rows = sheet(world)[:4]
    job = run(world.users["inspector"], xlsx_bytes(rows))
    assert (job.status, job.created) == (ImportStatus.DONE, 3)
    assert Inspection.objects.get().inspector == world.users["inspector"]


def test_an_inspector_cannot_import_into_a_closed_round(
    world: World, round1: InspectionRound
) -> None:
    round1.status = RoundStatus.CLOSED
    round1.save()
    job = run(world.users["inspector"], xlsx_bytes(sheet(world)[:2]))
    assert "closed" in job.errors[0]["message"]
    job = run(world.users["office"], xlsx_bytes(sheet(world)[:2]))
    assert job.status == ImportStatus.DONE, job.errors


def test_a_submitted_inspection_is_changed_only_by_the_office_with_a_reason(
    world: World, round1: InspectionRound, complete: Callable[..., Inspection]
) -> None:
    complete()
    inspection_services.inspection_submit(
        user=world.users["inspector"], round_number=1, unit_code=world.unit_a.code
    )
    rows = [HEADER, [1, world.unit_a.code, "", "leader_led", 9, "", ""]]
    job = run(world.users["inspector"], xlsx_bytes(rows))
    assert [(e["row"], e["field"]) for e in job.errors] == [(2, "得分")]
    assert "locked" in job.errors[0]["message"]
    job = run(world.users["office"], xlsx_bytes(rows))
    assert [(e["row"], e["field"]) for e in job.errors] == [(2, "修改原因")]
    rows = [[*HEADER, "修改原因"], [*rows[1], "复核签到记录后更正"]]
    job = run(world.users["office"], xlsx_bytes(rows))
    assert (job.status, job.updated) == (ImportStatus.DONE, 1), job.errors
    inspection = Inspection.objects.get(unit=world.unit_a)
    assert inspection.total_score == Decimal("99.0")
    assert inspection.history.first().history_change_reason == "复核签到记录后更正"


def test_unchanged_rows_of_a_submitted_inspection_need_no_reason(
    world: World, round1: InspectionRound, complete: Callable[..., Inspection]
) -> None:
    complete()
    inspection_services.inspection_submit(
        user=world.users["inspector"], round_number=1, unit_code=world.unit_a.code
    )
    rows = [HEADER, [1, world.unit_a.code, "", "leader_led", 10, "", ""]]
    job = run(world.users["inspector"], xlsx_bytes(rows))
    assert (job.status, job.unchanged) == (ImportStatus.DONE, 1), job.errors


def test_another_groups_inspector_learns_nothing_of_a_submitted_inspection(
    world: World, round1: InspectionRound, complete: Callable[..., Inspection]
) -> None:
    complete()
    inspection_services.inspection_submit(
        user=world.users["inspector"], round_number=1, unit_code=world.unit_a.code
    )
    other = User.objects.get(username="inspector2")
    answers = set()
    for guess in (8, 9, 10):  # 10 is the stored score
        rows = [HEADER, [1, world.unit_a.code, "", "leader_led", guess, "", "第2督导组"]]
        job = run(other, xlsx_bytes(rows))
        assert job.status == ImportStatus.REFUSED
        assert [(e["row"], e["field"]) for e in job.errors] == [(2, "单位统一社会信用代码")]
        answers.add((job.unchanged, job.errors[0]["message"]))
    # The same answer whatever the guess, and no word of the group the unit belongs to.
    assert len(answers) == 1
    assert "第1督导组" not in next(iter(answers))[1]


def test_units_rounds_items_and_groups_must_match_the_round(
    world: World, round1: InspectionRound
) -> None:
    InspectionRound.objects.create(
        number=2,
        start=round1.end,
        end=round1.end,
        template=round1.template,
        status=RoundStatus.PLANNED,
    )
    a = world.unit_a.code
    rows = [
        HEADER,
        [2, a, "", "plan", 8, "", ""],
        [7, a, "", "plan", 8, "", ""],
        [1, world.unit_free.code, "", "no_such_item", 8, "", ""],
        [1, a, "", "plan", 8, "", "第3督导组"],
    ]
    job = run(world.users["office"], xlsx_bytes(rows))
    assert [(e["row"], e["field"]) for e in job.errors] == [
        (2, "轮次"),
        (3, "轮次"),
        (4, "检查项"),
        (5, "督导组"),
    ]
    assert "has not opened yet" in job.errors[0]["message"]


def test_a_unit_not_assigned_in_the_round_is_refused(world: World, round1: InspectionRound) -> None:
    from gongzhi.inspections.models import Assignment

    Assignment.objects.filter(unit=world.unit_free).delete()
    rows = [HEADER, [1, world.unit_free.code, "", "plan", 8, "", ""]]
    job = run(world.users["office"], xlsx_bytes(rows))
    assert [(e["row"], e["field"]) for e in job.errors] == [(2, "单位统一社会信用代码")]


def test_the_same_item_twice_in_one_file_is_refused(world: World, round1: InspectionRound) -> None:
    rows = sheet(world)
    rows.append([1, world.unit_a.code, "", "plan", 9, "", ""])
    job = run(world.users["office"], xlsx_bytes(rows))
    assert [e["row"] for e in job.errors] == [6]
    assert not ItemScore.objects.exists()


@pytest.mark.parametrize("role", ["leader", "unit", "community", "district", "nobody"])
def test_other_roles_may_not_import_scores(world: World, role: str) -> None:
    assert not InspectionScoresImporter.may_import(world.users[role])


def test_the_template_offers_the_units_of_open_rounds(
    world: World, round1: InspectionRound
) -> None:
    data = templates_xlsx.build(InspectionScoresImporter, world.users["inspector"])
    assert read_xlsx(data)[0] == [c.header for c in InspectionScoresImporter.columns]
    assert InspectionScoresImporter.column("unit").choices_for(world.users["inspector"]) == [
        f"{world.unit_a.code} {world.unit_a.name}"
    ]


def test_a_unit_may_be_given_as_code_and_name_as_the_dropdown_writes_it(
    world: World, round1: InspectionRound
) -> None:
    rows = [HEADER, [1, f"{world.unit_a.code} {world.unit_a.name}", "", "plan", 10, "", ""]]
    job = run(world.users["office"], xlsx_bytes(rows))
    assert (job.status, job.created) == (ImportStatus.DONE, 1), job.errors
