"""Background imports (huey): large files are checked and written by a worker."""

from __future__ import annotations

import logging

from django.utils import translation
from django.utils.translation import gettext as _
from huey.contrib.djhuey import db_task

from gongzhi.imports import services
from gongzhi.imports.models import ImportJob, ImportStatus

log = logging.getLogger(__name__)


@db_task()
def import_job_task(job_id: int, language: str) -> str:
    """Run a queued import in the uploader's language; returns the job's final status."""
    job = ImportJob.objects.select_related("created_by").filter(pk=job_id).first()
    if job is None or job.status not in (ImportStatus.QUEUED, ImportStatus.RUNNING):
        return "skipped"
    with translation.override(language):
        try:
            job = services.import_run(job)
        except Exception:  # the page must show a finished job, never a bar stuck forever
            log.exception("import %s failed", job_id)
            services.import_mark_failed(job_id, _("The import stopped on an unexpected error."))
            return ImportStatus.FAILED
    return job.status
