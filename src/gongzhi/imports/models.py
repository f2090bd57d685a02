"""Import jobs: one uploaded file of one kind, checked whole and written all at once.

A job is created when a file arrives (page, API or command), checked row by row
(every error kept), and written in one transaction only if no row is wrong.
Large files run in the background; ``rows_done`` / ``rows_total`` drive the
progress bar.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ImportStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    #: Every row is valid; a dry run stops here with the would-be counts.
    CHECKED = "checked", _("Checked")
    DONE = "done", _("Imported")
    #: At least one row is wrong: nothing was written.
    REFUSED = "refused", _("Refused")
    #: The file itself could not be read (format, size, encoding).
    FAILED = "failed", _("Failed")


class ImportJob(models.Model):
    kind = models.CharField(_("kind"), max_length=24)
    dry_run = models.BooleanField(_("dry run"), default=False)
    status = models.CharField(
        _("status"), max_length=8, choices=ImportStatus.choices, default=ImportStatus.QUEUED
    )
    file = models.FileField(_("file"), upload_to="imports/%Y/%m/")
    original_name = models.CharField(_("file name"), max_length=200)
    size = models.PositiveBigIntegerField(_("size in bytes"), default=0)
    rows_total = models.PositiveIntegerField(_("rows"), default=0)
    rows_done = models.PositiveIntegerField(_("rows checked"), default=0)
    created = models.PositiveIntegerField(_("created"), default=0)
    updated = models.PositiveIntegerField(_("updated"), default=0)
    unchanged = models.PositiveIntegerField(_("unchanged"), default=0)
    #: Every error found: ``[{row, field, message}]`` (row is the sheet's row number).
    errors = models.JSONField(_("errors"), default=list, blank=True)
    #: The original file with an error column, when rows were refused.
    error_file = models.FileField(_("file with errors"), upload_to="imports/%Y/%m/", blank=True)
    message = models.CharField(_("message"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        indexes = [models.Index(fields=["created_by", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.kind}: {self.original_name}"

    @property
    def progress_percent(self) -> int:
        if not self.rows_total:
            return 100 if self.status not in (ImportStatus.QUEUED, ImportStatus.RUNNING) else 0
        return min(100, self.rows_done * 100 // self.rows_total)
