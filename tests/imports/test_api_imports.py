"""REST resource ``imports``: upload, follow, error file, templates."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from openpyxl import load_workbook

from gongzhi.imports import tasks
from gongzhi.units.models import Unit
from tests.factories import World, make_credit_code
from tests.imports.files import read_xlsx, upload, xlsx_bytes

pytestmark = pytest.mark.django_db

URL = "/api/v1/imports"
HEADER = ["统一社会信用代码", "单位名称", "单位类型"]


def rows(n: int = 3, start: int = 9500) -> list[list[Any]]:
    return [HEADER, *[[make_credit_code(start + i), f"第{i}单位", "事业单位"] for i in range(n)]]


def send(client: Client, data: bytes, kind: str = "units", **extra: Any) -> Any:
    return client.post(URL, {"kind": kind, "file": upload(data, "units.xlsx"), **extra})


def test_a_valid_file_is_imported_and_answers_the_counts(
    world: World, api_client: Callable[[Any], Client]
) -> None:
    response = send(api_client(world.users["office"]), xlsx_bytes(rows()))
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["status"], body["created"], body["progress_percent"]) == ("done", 3, 100)
    assert body["errors"] == [] and body["error_file_url"] is None
    assert Unit.objects.filter(code=make_credit_code(9500)).exists()


def test_a_dry_run_answers_what_would_change(
    world: World, api_client: Callable[[Any], Client]
) -> None:
    response = send(api_client(world.users["office"]), xlsx_bytes(rows()), dry_run="true")
    assert response.status_code == 201
    assert (response.json()["status"], response.json()["created"]) == ("checked", 3)
    assert not Unit.objects.filter(code=make_credit_code(9500)).exists()


def test_a_refused_file_answers_422_with_every_error_and_the_error_file(
    world: World, api_client: Callable[[Any], Client]
) -> None:
    client = api_client(world.users["office"])
    data = rows()
    data[2][2] = "学校"
    response = send(client, xlsx_bytes(data))
    assert response.status_code == 422
    body = response.json()
    assert body["status"] == "refused"
    assert [(e["row"], e["field"]) for e in body["errors"]] == [(3, "单位类型")]
    errors = client.get(body["error_file_url"])
    assert errors.status_code == 200
    assert "单位类型" in read_xlsx(b"".join(errors.streaming_content))[2][3]
    assert Unit.objects.filter(code=make_credit_code(9500)).count() == 0


def test_an_unreadable_file_answers_422_with_the_reason(
    world: World, api_client: Callable[[Any], Client]
) -> None:
    response = send(api_client(world.users["office"]), b"\x00\x01\x02binary")
    assert response.status_code == 422
    assert response.json()["status"] == "failed"
    assert "spreadsheet" in response.json()["detail"]


def test_a_missing_file_or_kind_is_a_400_naming_the_field(
    world: World, api_client: Callable[[Any], Client]
) -> None:
    client = api_client(world.users["office"])
    response = client.post(URL, {"kind": "units"})
    assert response.status_code == 400
    assert "file" in response.json()["errors"]
    response = client.post(URL, {"file": upload(b"a\n1\n", "a.csv")})
    assert response.status_code == 400
    assert "kind" in response.json()["errors"]
    response = send(client, b"a\n1\n", kind="weather")
    assert response.status_code == 400
    assert "kind" in response.json()["errors"]


def test_a_kind_the_caller_may_not_import_is_403(
    world: World, api_client: Callable[[Any], Client]
) -> None:
    assert (
        send(api_client(world.users["unit"]), xlsx_bytes(rows()), kind="units").status_code == 403
    )


def test_a_large_file_is_queued_and_followed(
    world: World,
    api_client: Callable[[Any], Client],
    settings: Any,
    queued: list[tuple[int, str]],
    django_capture_on_commit_callbacks: Any,
) -> None:
    settings.IMPORT_BACKGROUND_ROWS = 1
    client = api_client(world.users["office"])
    with django_capture_on_commit_callbacks(execute=True):
        response = send(client, xlsx_bytes(rows()))
    assert response.status_code == 202
    job_id = response.json()["id"]
    assert client.get(f"{URL}/{job_id}").json()["status"] == "queued"
    tasks.import_job_task.call_local(*queued[0])
    body = client.get(f"{URL}/{job_id}").json()
    assert (body["status"], body["created"], body["rows_done"]) == ("done", 3, 3)


def test_jobs_of_others_are_not_found(world: World, api_client: Callable[[Any], Client]) -> None:
    job_id = send(api_client(world.users["office"]), xlsx_bytes(rows())).json()["id"]
    other = api_client(world.users["unit"])
    assert other.get(f"{URL}/{job_id}").status_code == 404
    assert other.get(f"{URL}/{job_id}/errors").status_code == 404


def test_a_job_without_errors_has_no_error_file(
    world: World, api_client: Callable[[Any], Client]
) -> None:
    client = api_client(world.users["office"])
    job_id = send(client, xlsx_bytes(rows())).json()["id"]
    assert client.get(f"{URL}/{job_id}/errors").status_code == 404


def test_templates_are_served_per_kind(world: World, api_client: Callable[[Any], Client]) -> None:
    client = api_client(world.users["office"])
    response = client.get(f"{URL}/templates/pairings")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert book.worksheets[0]["A1"].value == "单位统一社会信用代码"
    assert client.get(f"{URL}/templates/weather").status_code == 404
    assert api_client(world.users["unit"]).get(f"{URL}/templates/units").status_code == 404


def test_the_openapi_schema_documents_the_upload(client: Client) -> None:
    schema = client.get("/api/v1/openapi.json").json()
    body = schema["paths"]["/api/v1/imports"]["post"]["requestBody"]["content"][
        "multipart/form-data"
    ]
    assert set(body["schema"]["required"]) == {"kind", "file"}
