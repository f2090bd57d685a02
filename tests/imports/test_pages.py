"""The import pages: upload, the job with its counts or errors, the error file, progress."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.urls import reverse

from gongzhi.imports import services, tasks
from gongzhi.imports.models import ImportJob
from gongzhi.units.models import Unit
from tests.factories import World, make_credit_code
from tests.imports.files import read_xlsx, upload, xlsx_bytes

pytestmark = pytest.mark.django_db

HEADER = ["统一社会信用代码", "单位名称", "单位类型"]


def rows(n: int = 3, start: int = 9000) -> list[list[Any]]:
    return [HEADER, *[[make_credit_code(start + i), f"第{i}单位", "企业"] for i in range(n)]]


def post(
    client: Any, data: bytes, kind: str = "units", name: str = "units.xlsx", **extra: Any
) -> Any:
    return client.post(
        reverse("imports:import_list"), {"kind": kind, "file": upload(data, name), **extra}
    )


def test_the_upload_page_offers_the_kinds_and_templates_the_user_may_import(
    client: Any, world: World, django_assert_max_num_queries: Any
) -> None:
    client.force_login(world.users["unit"])
    with django_assert_max_num_queries(10):
        response = client.get(reverse("imports:import_list"))
    html = response.content.decode()
    assert 'value="members"' in html
    assert 'value="units"' not in html
    assert reverse("imports:template", args=["members"]) in html


def test_a_user_who_may_import_nothing_is_forbidden(client: Any, world: World) -> None:
    client.force_login(world.users["member"])
    assert client.get(reverse("imports:import_list")).status_code == 403


def test_a_valid_upload_shows_the_counts(client: Any, world: World) -> None:
    client.force_login(world.users["office"])
    response = post(client, xlsx_bytes(rows()))
    job = ImportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("imports:job", args=[job.pk])
    page = client.get(response["Location"]).content.decode()
    assert 'data-testid="count-created">3<' in page
    assert "100%" in page
    assert Unit.objects.filter(code=make_credit_code(9000)).exists()


def test_an_upload_with_errors_lists_each_and_offers_the_error_file(
    client: Any, world: World, django_assert_max_num_queries: Any
) -> None:
    client.force_login(world.users["office"])
    data = rows()
    data[2][2] = "学校"
    response = post(client, xlsx_bytes(data))
    job = ImportJob.objects.get()
    with django_assert_max_num_queries(8):
        page = client.get(response["Location"]).content.decode()
    assert 'data-row="3"' in page
    assert "单位类型" in page
    assert reverse("imports:error_file", args=[job.pk]) in page
    download = client.get(reverse("imports:error_file", args=[job.pk]))
    assert download.status_code == 200
    assert "units-errors.xlsx" in download["Content-Disposition"]
    sheet = read_xlsx(b"".join(download.streaming_content))
    assert "单位类型" in sheet[2][3]
    assert Unit.objects.filter(code=make_credit_code(9000)).count() == 0


def test_a_file_that_is_not_a_sheet_shows_why(client: Any, world: World) -> None:
    client.force_login(world.users["office"])
    response = post(client, b"%PDF-1.4", name="scan.pdf")
    page = client.get(response["Location"]).content.decode()
    assert "not a spreadsheet" in page


def test_the_form_names_the_missing_file(client: Any, world: World) -> None:
    client.force_login(world.users["office"])
    response = client.post(reverse("imports:import_list"), {"kind": "units"})
    assert response.status_code == 400
    assert 'data-field-error="file"' in response.content.decode()


def test_a_dry_run_offers_to_import_for_real(client: Any, world: World) -> None:
    client.force_login(world.users["office"])
    response = post(client, xlsx_bytes(rows(2)), dry_run="on")
    job = ImportJob.objects.get()
    page = client.get(response["Location"]).content.decode()
    assert "Import for real" in page
    assert not Unit.objects.filter(code=make_credit_code(9000)).exists()
    confirmed = client.post(reverse("imports:job_confirm", args=[job.pk]))
    new = ImportJob.objects.exclude(pk=job.pk).get()
    assert confirmed["Location"] == reverse("imports:job", args=[new.pk])
    assert new.created == 2
    assert Unit.objects.filter(code=make_credit_code(9000)).exists()


def test_another_user_s_job_is_not_found(client: Any, world: World) -> None:
    job = services.import_start(
        user=world.users["office"], kind="members", file=upload(b"x,y\n1,2\n", "m.csv")
    )
    client.force_login(world.users["unit"])
    assert client.get(reverse("imports:job", args=[job.pk])).status_code == 404
    assert client.get(reverse("imports:error_file", args=[job.pk])).status_code == 404


def test_a_running_job_is_polled_until_it_finishes(
    client: Any,
    world: World,
    settings: Any,
    queued: list[tuple[int, str]],
    django_capture_on_commit_callbacks: Any,
) -> None:
    settings.IMPORT_BACKGROUND_ROWS = 2
    client.force_login(world.users["office"])
    with django_capture_on_commit_callbacks(execute=True):
        response = post(client, xlsx_bytes(rows(5)))
    job = ImportJob.objects.get()
    page = client.get(response["Location"]).content.decode()
    assert 'hx-trigger="every 1s"' in page
    poll = client.get(f"{response['Location']}?progress=1", headers={"HX-Request": "true"})
    assert "0%" in poll.content.decode()
    assert "HX-Refresh" not in poll
    tasks.import_job_task.call_local(*queued[0])
    poll = client.get(f"{response['Location']}?progress=1", headers={"HX-Request": "true"})
    assert poll["HX-Refresh"] == "true"
    assert "100%" in poll.content.decode()
    job.refresh_from_db()
    assert job.created == 5


def test_recent_imports_are_listed_on_the_upload_page(client: Any, world: World) -> None:
    client.force_login(world.users["office"])
    post(client, xlsx_bytes(rows(1)), name="第一批.xlsx")
    page = client.get(reverse("imports:import_list")).content.decode()
    assert "第一批.xlsx" in page
    assert "<td>Units</td>" in page


def _zip_bomb() -> bytes:
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"0" * (8 * 1024 * 1024))
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("zip bomb", "unpack"),
        ("oversize", "too large"),
        ("too many rows", "at most 4"),
        ("wrong encoding", "UTF-8 or GB18030"),
        ("not a spreadsheet", "not a spreadsheet"),
    ],
)
def test_unreadable_files_are_refused_with_a_clear_message_and_nothing_written(
    client: Any, world: World, settings: Any, case: str, message: str
) -> None:
    settings.IMPORT_MAX_ROWS = 4
    data = {
        "zip bomb": _zip_bomb(),
        "oversize": b"x" * (settings.IMPORT_MAX_BYTES + 1),
        "too many rows": xlsx_bytes(rows(5)),
        "wrong encoding": "统一社会信用代码,单位名称,单位类型\n".encode()
        + b"\xff\xfe\xfd,\x81\x20,x\n",
        "not a spreadsheet": b"\x89PNG\r\n\x1a\n" + b"\x00" * 64,
    }[case]
    before = Unit.objects.count()
    client.force_login(world.users["office"])
    response = post(client, data, name="units.csv" if case == "wrong encoding" else "units.xlsx")
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert message in page.content.decode()
    assert ImportJob.objects.get().status == "failed"
    assert Unit.objects.count() == before


def test_a_very_long_error_list_says_the_error_file_holds_them_all(
    client: Any, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(services, "MAX_STORED_ERRORS", 2)
    client.force_login(world.users["office"])
    data = rows(3)
    for row in data[1:]:
        row[2] = "学校"
    response = post(client, xlsx_bytes(data))
    page = client.get(response["Location"]).content.decode()
    assert page.count("<tr data-row=") == 2
    assert "The first 2 errors are listed" in page
    job = ImportJob.objects.get()
    sheet = read_xlsx(job.error_file.read())
    assert all("单位类型" in row[3] for row in sheet[1:])
