"""Units sent to communities, their members, and unit ↔ community pairings."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from gongzhi.core.models import Archivable


class UnitKind(models.TextChoices):
    AGENCY = "agency", _("Agency")
    ENTERPRISE = "enterprise", _("Enterprise")
    INSTITUTION = "institution", _("Institution")


class Unit(Archivable):
    """An agency, enterprise or institution (下沉单位), keyed by its credit code.

    ``jurisdiction`` is the district the unit belongs to; empty means municipal (市直).
    """

    code = models.CharField(_("unified social credit code"), max_length=18, unique=True)
    name = models.CharField(_("name"), max_length=100)
    short_name = models.CharField(_("short name"), max_length=40, blank=True)
    kind = models.CharField(_("kind"), max_length=12, choices=UnitKind.choices)
    jurisdiction = models.ForeignKey(
        "areas.District",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="units",
        verbose_name=_("jurisdiction"),
        help_text=_("Empty for municipal units."),
    )
    headcount = models.PositiveIntegerField(_("staff headcount"), null=True, blank=True)
    contact_name = models.CharField(_("contact"), max_length=40, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=20, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        verbose_name = _("unit")
        verbose_name_plural = _("units")
        indexes = [models.Index(fields=["jurisdiction", "name"])]

    def __str__(self) -> str:
        return self.short_name or self.name

    @property
    def is_municipal(self) -> bool:
        return self.jurisdiction_id is None


class Member(Archivable):
    """A person of a unit who takes part (在职党员 / 志愿者)."""

    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="members", verbose_name=_("unit")
    )
    name = models.CharField(_("name"), max_length=40)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    is_party_member = models.BooleanField(_("party member"), default=False)
    # For the certificate of volunteer service hours and the national volunteer system;
    # shown masked outside the office and the member's own unit.
    id_number = models.CharField(_("ID card number"), max_length=18, blank=True)
    volunteer_code = models.CharField(_("national volunteer number"), max_length=40, blank=True)
    residence_community = models.ForeignKey(
        "areas.Community",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="resident_members",
        verbose_name=_("community of residence"),
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="member",
        verbose_name=_("login"),
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["unit", "name"]
        verbose_name = _("member")
        verbose_name_plural = _("members")

    def __str__(self) -> str:
        return self.name


class Pairing(Archivable):
    """A unit paired with a community (双报到 结对) from ``start`` to ``end`` inclusive.

    Overlapping pairings of the same unit and community are refused by
    ``units.services.pairing_create``.
    """

    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="pairings", verbose_name=_("unit")
    )
    community = models.ForeignKey(
        "areas.Community",
        on_delete=models.PROTECT,
        related_name="pairings",
        verbose_name=_("community"),
    )
    start = models.DateField(_("from"))
    end = models.DateField(_("until"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["unit", "community", "start"]
        verbose_name = _("pairing")
        verbose_name_plural = _("pairings")
        constraints = [
            models.CheckConstraint(
                name="pairing_end_after_start",
                condition=Q(end__isnull=True) | Q(end__gte=F("start")),
            )
        ]
        indexes = [
            models.Index(fields=["community", "start"]),
            models.Index(fields=["unit", "start"]),
        ]

    def __str__(self) -> str:
        return f"{self.unit} ↔ {self.community}"
