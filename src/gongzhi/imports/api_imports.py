"""REST resource ``imports``: upload a file, follow its job, fetch its error file and templates.

``POST imports`` (multipart: ``kind``, ``file``, ``dry_run``) answers the job:
201 when it finished (imported, or checked in a dry run), 202 when it was
queued for a worker (poll ``GET imports/{id}``), 422 when the file was refused
(every error in ``errors``, nothing written) or could not be read. Jobs of
others are 404 (the office sees every job).
"""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import File, Form, Router, Schema, Status, UploadedFile

from gongzhi.core.api_schemas import ERRORS, ErrorOut
from gongzhi.core.scoping import get_visible_or_404
from gongzhi.imports import errors_file, queries, registry, services, templates_xlsx
from gongzhi.imports.models import ImportJob, ImportStatus

router = Router(tags=["imports"])

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class RowErrorOut(Schema):
    row: int
    field: str
    message: str


class JobOut(Schema):
    id: int
    kind: str
    dry_run: bool
    status: str
    detail: str
    file_name: str
    rows_total: int
    rows_done: int
    progress_percent: int
    created: int
    updated: int
    unchanged: int
    errors: list[RowErrorOut]
    error_file_url: str | None
    created_at: dt.datetime
    finished_at: dt.datetime | None


def _out(job: ImportJob) -> dict[str, Any]:
    return {
        "id": job.pk,
        "kind": job.kind,
        "dry_run": job.dry_run,
        "status": job.status,
        "detail": job.message,
        "file_name": job.original_name,
        "rows_total": job.rows_total,
        "rows_done": job.rows_done,
        "progress_percent": job.progress_percent,
        "created": job.created,
        "updated": job.updated,
        "unchanged": job.unchanged,
        "errors": job.errors,
        "error_file_url": reverse("api:import_errors", kwargs={"job_id": job.pk})
        if job.error_file
        else None,
        "created_at": job.created_at,
        "finished_at": job.finished_at,
    }


UPLOAD_BODY = {
    "required": True,
    "content": {
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "properties": {
                    "kind": {"type": "string", "description": "units, communities, pairings, …"},
                    "file": {"type": "string", "format": "binary", "description": "xlsx or csv"},
                    "dry_run": {"type": "boolean", "default": False},
                },
                "required": ["kind", "file"],
            }
        }
    },
}


@router.post(
    "imports",
    response={
        201: JobOut,
        202: JobOut,
        422: JobOut | ErrorOut,
        **{k: v for k, v in ERRORS.items() if k != 422},
    },
    openapi_extra={"requestBody": UPLOAD_BODY},
)
def import_create(
    request: HttpRequest,
    kind: Form[str] = "",
    file: File[UploadedFile | None] = None,
    dry_run: Form[bool] = False,
) -> Status[dict[str, Any]]:
    """Upload a file of ``kind``: checked whole, and written only if every row is right."""
    if not kind:
        raise ValidationError({"kind": [_("This field is required.")]})
    if file is None:
        raise ValidationError({"file": [_("Choose a file to upload.")]})
    job = services.import_start(user=request.user, kind=kind, file=file, dry_run=dry_run)
    if job.status == ImportStatus.QUEUED:
        return Status(202, _out(job))
    if job.status in (ImportStatus.REFUSED, ImportStatus.FAILED):
        return Status(422, _out(job))
    return Status(201, _out(job))


@router.get("imports/{job_id}", response={200: JobOut, **ERRORS})
def import_get(request: HttpRequest, job_id: int) -> dict[str, Any]:
    """A job: its status, progress, counts and errors."""
    return _out(get_visible_or_404(queries.imports_visible_to(request.user), pk=job_id))


@router.get(
    "imports/{job_id}/errors",
    url_name="import_errors",
    response={200: None, **ERRORS},
    openapi_extra={
        "responses": {
            200: {"description": "The file with an error column (xlsx)", "content": {XLSX: {}}}
        }
    },
)
def import_errors(request: HttpRequest, job_id: int) -> FileResponse:
    """The uploaded rows with an error column (xlsx), for a refused job."""
    job = get_visible_or_404(queries.imports_visible_to(request.user), pk=job_id)
    if not job.error_file:
        raise Http404
    return FileResponse(
        job.error_file.open("rb"),
        as_attachment=True,
        filename=errors_file.file_name(job.original_name),
        content_type=XLSX,
    )


@router.get(
    "imports/templates/{kind}",
    response={200: None, **ERRORS},
    openapi_extra={
        "responses": {200: {"description": "The template (xlsx)", "content": {XLSX: {}}}}
    },
)
def import_template(request: HttpRequest, kind: str) -> FileResponse:
    """The xlsx template of ``kind`` with its dropdowns for the caller."""
    importer = registry.get(kind)
    if importer is None or not importer.may_import(request.user):
        raise Http404
    return FileResponse(
        io.BytesIO(templates_xlsx.build(importer, request.user)),
        as_attachment=True,
        filename=templates_xlsx.file_name(importer),
        content_type=XLSX,
    )
