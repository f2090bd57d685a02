"""Bulletins (通报): the official document of a period's figures, drafted then issued.

A draft is recomputed from the data whenever it is shown. Issuing freezes it:
``figures`` keeps the figures as they were (JSON, from
:func:`gongzhi.stats.bulletin.bulletin_figures`) and the generated DOCX and PDF
are stored; later corrections of the data show up on the bulletin's page as a
difference, never as a silent rewrite.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from gongzhi.core.models import Archivable


class BulletinStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    ISSUED = "issued", _("Issued")


class Bulletin(Archivable):
    """One bulletin for a period, with the filters its figures were computed under."""

    number = models.CharField(
        _("document number"),
        max_length=60,
        blank=True,
        help_text=_("As printed under the red header, e.g. 随创城办〔2021〕12号."),
    )
    title = models.CharField(_("title"), max_length=120)
    issuer = models.CharField(
        _("issuing office"),
        max_length=60,
        help_text=_("The red header, e.g. 随州市创城工作指挥部办公室."),
    )
    start = models.DateField(_("from"))
    end = models.DateField(_("until"))
    #: The :class:`gongzhi.stats.figures.StatsFilter` (without the period) as JSON.
    filters = models.JSONField(_("filters"), default=dict, blank=True)
    session = models.ForeignKey(
        "campaigns.Session",
        verbose_name=_("session of the participation table"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    problems_text = models.TextField(_("problems found (三、存在问题)"), blank=True)
    requirements_text = models.TextField(_("next steps (四、下步要求)"), blank=True)
    status = models.CharField(
        _("status"), max_length=8, choices=BulletinStatus.choices, default=BulletinStatus.DRAFT
    )
    #: The figures as issued; empty while a draft.
    figures = models.JSONField(_("figures as issued"), null=True, blank=True, editable=False)
    docx = models.FileField(_("DOCX as issued"), upload_to="bulletins/%Y/", blank=True)
    pdf = models.FileField(_("PDF as issued"), upload_to="bulletins/%Y/", blank=True)
    issued_at = models.DateTimeField(_("issued at"), null=True, blank=True, editable=False)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("issued by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-end", "-id"]
        verbose_name = _("bulletin")
        verbose_name_plural = _("bulletins")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(start__lte=models.F("end")), name="bulletin_period_ordered"
            ),
            models.UniqueConstraint(
                fields=["number"],
                condition=models.Q(status="issued"),
                name="bulletin_issued_number_unique",
            ),
        ]

    def __str__(self) -> str:
        return self.number or self.title

    @property
    def is_issued(self) -> bool:
        return self.status == BulletinStatus.ISSUED
