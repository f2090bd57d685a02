"""Areas: districts, streets, communities and residential compounds."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from gongzhi.core.models import Archivable


class District(Archivable):
    """A county-level division (区 / 县 / 县级市), or a functional area with a local code."""

    code = models.CharField(_("division code"), max_length=6, unique=True)
    name = models.CharField(_("name"), max_length=60)
    is_local_code = models.BooleanField(
        _("local code"),
        default=False,
        help_text=_("Functional areas have no national code; theirs is assigned locally."),
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["code"]
        verbose_name = _("district")
        verbose_name_plural = _("districts")

    def __str__(self) -> str:
        return self.name


class Street(Archivable):
    """A township-level division (街道 / 乡镇), 9-digit code under its district's."""

    code = models.CharField(_("division code"), max_length=9, unique=True)
    name = models.CharField(_("name"), max_length=60)
    district = models.ForeignKey(
        District, on_delete=models.PROTECT, related_name="streets", verbose_name=_("district")
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["code"]
        verbose_name = _("street")
        verbose_name_plural = _("streets")

    def __str__(self) -> str:
        return self.name


class Community(Archivable):
    """A residents' committee area (社区 / 村), 12-digit code under its street's."""

    code = models.CharField(_("division code"), max_length=12, unique=True)
    name = models.CharField(_("name"), max_length=60)
    street = models.ForeignKey(
        Street, on_delete=models.PROTECT, related_name="communities", verbose_name=_("street")
    )
    outline = models.JSONField(
        _("outline"), null=True, blank=True, help_text=_("GeoJSON Polygon, WGS-84.")
    )
    centre_lat = models.FloatField(_("centre latitude"), null=True, blank=True)
    centre_lng = models.FloatField(_("centre longitude"), null=True, blank=True)
    contact_name = models.CharField(_("contact"), max_length=40, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=20, blank=True)
    history = HistoricalRecords(excluded_fields=["outline"])

    class Meta:
        ordering = ["code"]
        verbose_name = _("community")
        verbose_name_plural = _("communities")
        indexes = [models.Index(fields=["street", "code"])]

    def __str__(self) -> str:
        return self.name


class Compound(Archivable):
    """A residential compound (小区) inside a community."""

    community = models.ForeignKey(
        Community, on_delete=models.PROTECT, related_name="compounds", verbose_name=_("community")
    )
    name = models.CharField(_("name"), max_length=80)
    address = models.CharField(_("address"), max_length=200, blank=True)
    is_old = models.BooleanField(_("old compound"), default=False)
    households = models.PositiveIntegerField(_("households"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["community", "name"]
        verbose_name = _("compound")
        verbose_name_plural = _("compounds")
        constraints = [
            models.UniqueConstraint(fields=["community", "name"], name="compound_name_unique")
        ]

    def __str__(self) -> str:
        return self.name
