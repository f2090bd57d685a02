"""The import engine: all or nothing, every error at once, dry runs, background jobs."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from gongzhi.imports import services, tasks
from gongzhi.imports.models import ImportJob
from gongzhi.units import services as unit_services
from gongzhi.units.models import Unit
from tests.factories import World, make_credit_code
from tests.imports.files import (
    error_cells,
    read_xlsx,
    run_import,
    upload,
    xlsx_bytes,
    xlsx_cell_kinds,
)

pytestmark = pytest.mark.django_db

HEADER = ["统一社会信用代码", "单位名称", "单位类型"]


def rows(n: int, start: int = 8000) -> list[list[Any]]:
    return [HEADER, *[[make_credit_code(start + i), f"第{i}单位", "企业"] for i in range(n)]]


def test_a_missing_required_column_refuses_the_file_naming_the_column(world: World) -> None:
    data = [["统一社会信用代码", "单位名称"], [make_credit_code(8100), "甲"]]
    job = run_import(world.users["office"], "units", xlsx_bytes(data))
    assert job.status == "refused"
    assert error_cells(job) == [(1, "单位类型")]
    assert "missing" in job.errors[0]["message"]


def test_a_column_given_twice_is_refused(world: World) -> None:
    data = [[*HEADER, "name"], [make_credit_code(8101), "甲", "企业", "乙"]]
    job = run_import(world.users["office"], "units", xlsx_bytes(data))
    assert error_cells(job) == [(1, "单位名称")]


def test_headers_with_required_marks_and_unknown_columns_are_accepted(world: World) -> None:
    data = [
        ["统一社会信用代码*", " 单位名称（必填）", "备注", "单位类型"],
        [make_credit_code(8102), "甲", "随便写", "企业"],
    ]
    job = run_import(world.users["office"], "units", xlsx_bytes(data))
    assert job.status == "done", job.errors


def test_a_file_with_only_a_header_is_refused(world: World) -> None:
    job = run_import(world.users["office"], "units", xlsx_bytes([HEADER]))
    assert job.status == "refused"
    assert "no data rows" in job.errors[0]["message"]


def test_a_file_that_is_not_a_sheet_fails_with_a_message_and_writes_nothing(world: World) -> None:
    before = Unit.objects.count()
    job = run_import(world.users["office"], "units", b"%PDF-1.4 binary", "units.pdf")
    assert job.status == "failed"
    assert "not a spreadsheet" in job.message
    assert not job.error_file
    assert Unit.objects.count() == before


def test_an_oversize_file_fails_before_it_is_read(world: World, settings: Any) -> None:
    settings.IMPORT_MAX_BYTES = 100
    job = run_import(world.users["office"], "units", xlsx_bytes(rows(3)))
    assert job.status == "failed"
    assert "too large" in job.message


def test_a_dry_run_counts_what_would_change_and_writes_nothing(world: World) -> None:
    job = run_import(world.users["office"], "units", xlsx_bytes(rows(3)), dry_run=True)
    assert job.status == "checked"
    assert (job.created, job.updated, job.unchanged) == (3, 0, 0)
    assert "would create 3" in job.message
    assert not Unit.objects.filter(code=make_credit_code(8000)).exists()


def test_a_checked_dry_run_is_imported_for_real_by_its_uploader_only(world: World) -> None:
    job = run_import(world.users["office"], "units", xlsx_bytes(rows(2)), dry_run=True)
    other = world.users["district"]
    with pytest.raises(PermissionDenied):
        services.import_confirm(user=other, job=job)
    real = services.import_confirm(user=world.users["office"], job=job)
    assert (real.status, real.dry_run, real.created) == ("done", False, 2)
    assert Unit.objects.filter(code=make_credit_code(8001)).exists()
    with pytest.raises(ValidationError):
        services.import_confirm(user=world.users["office"], job=real)


def test_a_refused_file_comes_back_with_an_error_column_and_formulas_as_text(world: World) -> None:
    data = rows(3)
    data[2][2] = "学校"
    data[3][1] = "=cmd|' /C calc'!A0"
    job = run_import(world.users["office"], "units", xlsx_bytes(data), "单位.xlsx")
    assert job.status == "refused"
    content = job.error_file.read()
    sheet = read_xlsx(content)
    assert sheet[0] == [*HEADER, "错误说明"]
    assert sheet[1][3] == ""
    assert "单位类型" in sheet[2][3]
    assert sheet[3][1] == "=cmd|' /C calc'!A0"
    assert xlsx_cell_kinds(content)[(3, 1)] == "s"
    assert job.error_file.name.endswith(".xlsx")


def test_an_error_while_writing_rolls_back_every_row(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = unit_services.unit_create
    calls = []

    def failing(**kwargs: Any) -> Any:
        calls.append(kwargs["code"])
        if len(calls) == 2:
            raise ValidationError({"name": ["Refused by the service."]})
        return real(**kwargs)

    monkeypatch.setattr(unit_services, "unit_create", failing)
    job = run_import(world.users["office"], "units", xlsx_bytes(rows(3)))
    assert job.status == "refused"
    assert error_cells(job) == [(3, "单位名称")]
    assert (job.created, job.updated, job.unchanged) == (0, 0, 0)
    assert not Unit.objects.filter(code=make_credit_code(8000)).exists()


def test_an_unknown_kind_is_a_field_error(world: World) -> None:
    with pytest.raises(ValidationError) as exc:
        services.import_start(user=world.users["office"], kind="weather", file=b"x")
    assert "kind" in exc.value.message_dict


def test_a_kind_the_user_may_not_import_is_refused(world: World) -> None:
    with pytest.raises(PermissionDenied):
        services.import_start(user=world.users["member"], kind="units", file=xlsx_bytes(rows(1)))
    assert not ImportJob.objects.exists()


def test_a_large_file_is_queued_and_the_worker_finishes_it(
    world: World,
    settings: Any,
    queued: list[tuple[int, str]],
    django_capture_on_commit_callbacks: Any,
) -> None:
    settings.IMPORT_BACKGROUND_ROWS = 2
    with django_capture_on_commit_callbacks(execute=True):
        job = services.import_start(
            user=world.users["office"], kind="units", file=upload(xlsx_bytes(rows(5)))
        )
    assert job.status == "queued"
    assert job.progress_percent == 0
    assert queued == [(job.pk, "en")]
    assert tasks.import_job_task.call_local(job.pk, "en") == "done"
    job.refresh_from_db()
    assert (job.status, job.created, job.rows_done, job.rows_total, job.progress_percent) == (
        "done",
        5,
        5,
        5,
        100,
    )


def test_a_worker_failure_leaves_a_failed_job_not_a_stuck_bar(
    world: World, settings: Any, queued: list[tuple[int, str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.IMPORT_BACKGROUND_ROWS = 2
    job = services.import_start(
        user=world.users["office"], kind="units", file=upload(xlsx_bytes(rows(5)))
    )

    def boom(job: ImportJob, **kwargs: Any) -> ImportJob:
        raise RuntimeError("disk full")

    monkeypatch.setattr(services, "import_run", boom)
    assert tasks.import_job_task.call_local(job.pk, "en") == "failed"
    job.refresh_from_db()
    assert job.status == "failed"
    assert job.progress_percent == 100


def _saved_progress(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Every ``rows_done`` the import saves, in order."""
    saved: list[int] = []
    real = services._progress_savers

    def spy(job: ImportJob, slow_write: bool) -> Any:
        checked, written = real(job, slow_write)

        def on_check(done: int) -> None:
            checked(done)
            saved.append(job.rows_done)

        def on_write(done: int, total: int) -> None:
            written(done, total)
            saved.append(job.rows_done)

        return on_check, on_write

    monkeypatch.setattr(services, "_progress_savers", spy)
    return saved


def test_progress_is_saved_while_rows_are_checked(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(services, "PROGRESS_EVERY", 2)
    saved = _saved_progress(monkeypatch)
    job = run_import(world.users["office"], "units", xlsx_bytes(rows(5)), dry_run=True)
    assert saved == [2, 4, 5]
    assert job.rows_done == 5


def test_slow_writers_fill_the_bar_s_second_half_while_writing(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(services, "PROGRESS_EVERY", 50)
    saved = _saved_progress(monkeypatch)
    job = run_import(world.users["office"], "units", xlsx_bytes(rows(200)))
    assert job.created == 200
    assert saved == [25, 50, 75, 100, 100, 125, 150, 175, 200]
    assert saved == sorted(saved)
    assert job.progress_percent == 100


def test_checking_runs_a_fixed_number_of_queries_whatever_the_rows(
    world: World, django_assert_max_num_queries: Any
) -> None:
    with django_assert_max_num_queries(12):
        job = run_import(world.users["office"], "units", xlsx_bytes(rows(300)), dry_run=True)
    assert job.created == 300
