"""Importing attendance sheets: the attendance services' rules, all or nothing, idempotent."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.utils import timezone

from gongzhi.activities.models import Absence, Attendance, AttendanceStatus
from gongzhi.campaigns.models import Campaign, Session, SessionStatus
from gongzhi.imports import exporting, registry, services
from gongzhi.imports.models import ImportJob, ImportStatus
from tests.factories import PairingFactory, UnitFactory, World
from tests.imports import fixtures_activities
from tests.imports.files import csv_bytes, read_xlsx, xlsx_bytes, xlsx_cell_kinds

campaign = fixtures_activities.campaign
make_session = fixtures_activities.make_session

HEADER = ["活动日期", "单位统一社会信用代码", "社区代码", "参加人次", "带队领导", "领导职务",
          "主要领导带队", "开始时间", "结束时间", "备注", "未结对单位参加原因"]  # fmt: skip
SEPT_10 = dt.date(2021, 9, 10)


@pytest.fixture
def september(make_session: Callable[..., Session]) -> Session:
    return make_session(SEPT_10)


def sheet(world: World, day: Any = "2021-09-10") -> list[list[Any]]:
    a, b, free = world.unit_a.code, world.unit_b.code, world.unit_free.code
    a1, a2, b1 = world.community_a1.code, world.community_a2.code, world.community_b1.code
    return [
        HEADER,
        [day, a, a1, 45, "王明", "副局长", "否", "14:30", "17:30", "", ""],
        [day, b, b1, 35, "", "", "是", "", "", "清理楼道", ""],
        [day, free, a2, 20, "李强", "局长", "否", "14:30", "17:00", "", "临时支援"],
    ]  # fmt: skip


def run(user: Any, data: bytes, name: str = "attendance.xlsx", dry_run: bool = False) -> ImportJob:
    return services.import_start(
        user=user, kind="attendance", file=data, name=name, dry_run=dry_run
    )


def test_attendance_is_a_registered_kind_the_office_and_unit_liaisons_may_import(
    world: World,
) -> None:
    importer = registry.get("attendance")
    assert importer is not None
    assert importer.may_import(world.users["office"])
    assert importer.may_import(world.users["unit"])
    assert not importer.may_import(world.users["leader"])


def test_a_valid_sheet_records_every_row_with_its_values(world: World, september: Session) -> None:
    job = run(world.users["office"], xlsx_bytes(sheet(world)))

    assert job.status == ImportStatus.DONE, job.errors
    assert (job.created, job.updated, job.unchanged) == (3, 0, 0)
    market = Attendance.objects.get(unit=world.unit_a)
    assert (market.session, market.community, market.headcount) == (
        september,
        world.community_a1,
        45,
    )
    assert (market.leader_name, market.leader_rank, market.principal_leader_led) == (
        "王明",
        "副局长",
        False,
    )
    assert (market.start_time, market.end_time) == (dt.time(14, 30), dt.time(17, 30))
    assert market.expected and market.added_reason == ""
    assert market.entered_by == world.users["office"]
    housing = Attendance.objects.get(unit=world.unit_b)
    assert housing.principal_leader_led and housing.notes == "清理楼道"
    helper = Attendance.objects.get(unit=world.unit_free)
    assert (helper.expected, helper.added_reason) == (False, "临时支援")


def test_imported_rows_have_history_naming_the_importer_and_the_file(
    world: World, september: Session
) -> None:
    run(world.users["office"], xlsx_bytes(sheet(world)), name="九月第一次.xlsx")

    records = Attendance.history.all()
    assert records.count() == 3
    assert {r.history_type for r in records} == {"+"}
    assert {r.history_user for r in records} == {world.users["office"]}
    assert {r.history_change_reason for r in records} == {"imported from 九月第一次.xlsx"}


def test_one_bad_row_in_the_middle_writes_nothing_and_names_its_row_and_column(
    world: World, september: Session
) -> None:
    rows = sheet(world)
    rows[2][3] = 0  # headcount of the second data row (sheet row 3)

    job = run(world.users["office"], xlsx_bytes(rows))

    assert job.status == ImportStatus.REFUSED
    assert Attendance.objects.count() == 0
    assert Attendance.history.count() == 0
    assert job.errors == [
        {"row": 3, "field": "参加人次", "message": "At least 1 person must have come."}
    ]


def test_every_wrong_row_is_reported_at_once(world: World, september: Session) -> None:
    rows = sheet(world)
    rows[1][2] = "421303009999"  # no such community
    rows[3][10] = ""  # a unit not paired, without a reason

    job = run(world.users["office"], xlsx_bytes(rows))

    assert job.status == ImportStatus.REFUSED
    assert [(e["row"], e["field"]) for e in job.errors] == [
        (2, "社区代码"),
        (4, "未结对单位参加原因"),
    ]
    assert "421303009999" in job.errors[0]["message"]
    assert Attendance.objects.count() == 0


def test_importing_the_same_file_twice_changes_nothing_the_second_time(
    world: World, september: Session
) -> None:
    data = xlsx_bytes(sheet(world))
    run(world.users["office"], data)
    before = list(Attendance.objects.values_list("pk", "updated_at"))

    job = run(world.users["office"], data)

    assert job.status == ImportStatus.DONE
    assert (job.created, job.updated, job.unchanged) == (0, 0, 3)
    assert list(Attendance.objects.values_list("pk", "updated_at")) == before
    assert Attendance.history.count() == 3


def test_a_gb18030_csv_with_chinese_dates_imports(world: World, september: Session) -> None:
    data = csv_bytes(sheet(world, day="2021年9月10日"), encoding="gb18030")

    job = run(world.users["office"], data, name="attendance.csv")

    assert job.status == ImportStatus.DONE, job.errors
    assert Attendance.objects.count() == 3
    assert Attendance.objects.get(unit=world.unit_free).added_reason == "临时支援"


def test_a_formula_is_stored_as_text_and_never_exported_live(
    world: World, september: Session
) -> None:
    rows = sheet(world)
    rows[1][9] = '=HYPERLINK("http://evil.example","click")'
    rows[2][3] = "many"  # refused, so an error file is written

    refused = run(world.users["office"], xlsx_bytes(rows))
    rows[2][3] = 35
    job = run(world.users["office"], xlsx_bytes(rows))

    assert job.status == ImportStatus.DONE
    assert Attendance.objects.get(unit=world.unit_a).notes == rows[1][9]
    content = refused.error_file.read()
    assert read_xlsx(content)[1][9] == rows[1][9]
    assert xlsx_cell_kinds(content)[(1, 9)] == "s"  # a string, not a formula
    importer = registry.get("attendance")
    assert importer is not None
    xlsx, count = exporting.export_xlsx(importer, world.users["office"])
    at = next(r for r, row in enumerate(read_xlsx(xlsx)) if row[0] and rows[1][9] in row)
    assert count == 3
    assert xlsx_cell_kinds(xlsx)[(at, 10)] == "s"
    csv, _count = exporting.export_csv(importer, world.users["office"])
    assert "'" + rows[1][9].replace('"', '""') in csv.decode("utf-8-sig")


def test_an_export_imports_back_unchanged(world: World, september: Session) -> None:
    run(world.users["office"], xlsx_bytes(sheet(world)))
    importer = registry.get("attendance")
    assert importer is not None
    xlsx, _count = exporting.export_xlsx(importer, world.users["office"])

    job = run(world.users["office"], xlsx, name="export.xlsx")

    assert (job.status, job.created, job.updated, job.unchanged) == (ImportStatus.DONE, 0, 0, 3)


def test_a_second_campaign_on_the_same_day_must_be_named(
    world: World, campaign: Campaign, september: Session
) -> None:
    other = Campaign.objects.create(slug="river", name="河湖清洁", start=dt.date(2021, 7, 1))
    Session.objects.create(
        campaign=other,
        slot_date=SEPT_10,
        date=SEPT_10,
        start_time=dt.time(9, 0),
        end_time=dt.time(11, 0),
    )
    rows = sheet(world)[:2]

    job = run(world.users["office"], xlsx_bytes(rows))

    assert job.status == ImportStatus.REFUSED
    assert job.errors[0]["field"] == "活动名称"
    assert "friday" in job.errors[0]["message"]
    named = [["活动名称", *rows[0]], ["friday", *rows[1]]]
    assert run(world.users["office"], xlsx_bytes(named)).status == ImportStatus.DONE
    assert Attendance.objects.get().session == september


@pytest.mark.parametrize(
    ("status", "message"),
    [
        (SessionStatus.CANCELLED, "cancelled"),
        (SessionStatus.SKIPPED, "skipped for a holiday"),
    ],
)
def test_sessions_not_held_are_refused(
    world: World, make_session: Callable[..., Session], status: str, message: str
) -> None:
    make_session(SEPT_10, status=status)

    job = run(world.users["office"], xlsx_bytes(sheet(world)))

    assert job.status == ImportStatus.REFUSED
    assert {e["field"] for e in job.errors} == {"活动日期"}
    assert message in job.errors[0]["message"]
    assert Attendance.objects.count() == 0


def test_a_session_still_to_come_is_refused(
    world: World, make_session: Callable[..., Session]
) -> None:
    later = timezone.localdate() + dt.timedelta(days=3)
    make_session(later)

    job = run(world.users["office"], xlsx_bytes(sheet(world, day=later.isoformat())[:2]))

    assert job.status == ImportStatus.REFUSED
    assert "has not taken place yet" in job.errors[0]["message"]


def test_a_community_outside_the_campaign_is_refused(
    world: World, campaign: Campaign, september: Session
) -> None:
    campaign.communities.remove(world.community_b1)

    job = run(world.users["office"], xlsx_bytes(sheet(world)))

    assert job.status == ImportStatus.REFUSED
    assert [(e["row"], e["field"]) for e in job.errors] == [(3, "社区代码")]


def test_a_unit_liaison_imports_their_own_unit_within_the_edit_window(
    world: World, make_session: Callable[..., Session]
) -> None:
    recent = timezone.localdate() - dt.timedelta(days=2)
    make_session(recent)
    rows = sheet(world, day=recent.isoformat())

    refused = run(world.users["unit"], xlsx_bytes(rows))
    job = run(world.users["unit"], xlsx_bytes(rows[:2]))

    assert refused.status == ImportStatus.REFUSED
    assert [(e["row"], e["field"]) for e in refused.errors] == [
        (3, "单位统一社会信用代码"),
        (4, "单位统一社会信用代码"),
    ]
    assert job.status == ImportStatus.DONE
    assert Attendance.objects.get().entered_by == world.users["unit"]


def test_a_unit_liaison_cannot_import_a_session_past_its_edit_window(
    world: World, september: Session
) -> None:
    job = run(world.users["unit"], xlsx_bytes(sheet(world)[:2]))

    assert job.status == ImportStatus.REFUSED
    assert "ask the city office for a correction" in job.errors[0]["message"]
    assert Attendance.objects.count() == 0


def test_the_office_corrects_a_locked_row_only_with_a_reason_which_history_keeps(
    world: World, september: Session
) -> None:
    office = world.users["office"]
    run(office, xlsx_bytes(sheet(world)))
    rows = sheet(world)
    rows[1][3] = 46

    refused = run(office, xlsx_bytes(rows))
    rows = [
        [*row, reason] for row, reason in zip(rows, ["更正原因", "复核签到表", "", ""], strict=True)
    ]
    job = run(office, xlsx_bytes(rows))

    assert refused.status == ImportStatus.REFUSED
    assert [(e["row"], e["field"]) for e in refused.errors] == [(2, "更正原因")]
    assert job.status == ImportStatus.DONE, job.errors
    assert (job.created, job.updated, job.unchanged) == (0, 1, 2)
    market = Attendance.objects.get(unit=world.unit_a)
    assert market.headcount == 46
    latest = market.history.first()
    assert (latest.history_type, latest.history_change_reason) == ("~", "复核签到表")


def test_a_change_by_the_unit_sets_a_confirmed_row_back_to_submitted(
    world: World, make_session: Callable[..., Session]
) -> None:
    recent = timezone.localdate() - dt.timedelta(days=2)
    make_session(recent)
    rows = sheet(world, day=recent.isoformat())[:2]
    run(world.users["unit"], xlsx_bytes(rows))
    Attendance.objects.update(
        status=AttendanceStatus.CONFIRMED, confirmed_by=world.users["community"]
    )
    rows[1][3] = 50

    job = run(world.users["unit"], xlsx_bytes(rows))

    assert (job.created, job.updated) == (0, 1)
    attendance = Attendance.objects.get()
    assert (attendance.headcount, attendance.status, attendance.confirmed_by) == (
        50,
        AttendanceStatus.SUBMITTED,
        None,
    )


def test_imported_attendance_withdraws_the_unit_s_stated_absence(
    world: World, september: Session
) -> None:
    Absence.objects.create(
        session=september, unit=world.unit_a, community=world.community_a1, reason="会议"
    )
    Absence.objects.create(
        session=september, unit=world.unit_a, community=world.community_a2, reason="会议"
    )

    run(world.users["office"], xlsx_bytes(sheet(world)))

    assert list(Absence.objects.values_list("community", flat=True)) == [world.community_a2.pk]


def test_a_dry_run_counts_and_writes_nothing(world: World, september: Session) -> None:
    job = run(world.users["office"], xlsx_bytes(sheet(world)), dry_run=True)

    assert job.status == ImportStatus.CHECKED
    assert job.created == 3
    assert Attendance.objects.count() == 0


def test_the_same_row_twice_in_one_file_is_refused(world: World, september: Session) -> None:
    rows = sheet(world)
    rows.append(list(rows[1]))

    job = run(world.users["office"], xlsx_bytes(rows))

    assert job.status == ImportStatus.REFUSED
    assert job.errors[0]["row"] == 5
    assert "row 2" in job.errors[0]["message"]


def test_queries_do_not_grow_with_the_number_of_rows(
    world: World, september: Session, django_assert_max_num_queries: Any
) -> None:
    units = [UnitFactory() for _ in range(40)]
    for unit in units:
        PairingFactory(unit=unit, community=world.community_a2)
    rows = [HEADER] + [
        ["2021-09-10", unit.code, world.community_a2.code, 3, "", "", "", "", "", "", ""]
        for unit in units
    ]

    with django_assert_max_num_queries(30):
        job = run(world.users["office"], xlsx_bytes(rows))

    assert job.created == 40
