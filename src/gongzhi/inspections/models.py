"""Inspection and supervision (DESIGN.md sections 2–4): rounds, groups, versioned
checklists, inspections with their scores and findings, and the ranking rules.

Models are thin: every write goes through ``services*.py``.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from gongzhi.core.models import StoredPhoto

USER = settings.AUTH_USER_MODEL


class ChecklistTemplate(models.Model):
    """One version of a checklist. Versions are never edited once a round uses them:
    editing makes a new version (``based_on`` the old one), and a round keeps its own."""

    name = models.CharField(_("name"), max_length=80)
    version = models.PositiveIntegerField(_("version"))
    based_on = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    is_current = models.BooleanField(_("current version"), default=True)
    created_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["name", "-version"]
        verbose_name = _("checklist template")
        verbose_name_plural = _("checklist templates")
        constraints = [
            models.UniqueConstraint(fields=["name", "version"], name="template_version_unique"),
            models.UniqueConstraint(
                fields=["name"], condition=Q(is_current=True), name="template_one_current"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} v{self.version}"


class Criterion(models.Model):
    """A criterion of a checklist (e.g. 思想认识到位), holding its items."""

    template = models.ForeignKey(
        ChecklistTemplate, on_delete=models.CASCADE, related_name="criteria"
    )
    code = models.CharField(_("code"), max_length=40)
    name = models.CharField(_("name"), max_length=80)
    ordering = models.PositiveSmallIntegerField(_("ordering"), default=0)

    class Meta:
        ordering = ["template", "ordering", "id"]
        verbose_name = _("criterion")
        verbose_name_plural = _("criteria")
        constraints = [
            models.UniqueConstraint(fields=["template", "code"], name="criterion_code_unique")
        ]

    def __str__(self) -> str:
        return self.name


class ItemKind(models.TextChoices):
    SCORED = "scored", _("Scored")
    CHECK = "check", _("Yes/no check")


class ChecklistItem(models.Model):
    """A sub-item of a criterion: scored from 0 to ``max_score``, or a yes/no check
    (the civilised-city style: 无乱张贴, 无垃圾死角 …) counted in the achievement rate."""

    criterion = models.ForeignKey(Criterion, on_delete=models.CASCADE, related_name="items")
    code = models.CharField(_("code"), max_length=40)
    text = models.CharField(_("text"), max_length=200)
    kind = models.CharField(_("kind"), max_length=8, choices=ItemKind.choices)
    max_score = models.DecimalField(
        _("maximum score"), max_digits=5, decimal_places=1, null=True, blank=True
    )
    guidance = models.TextField(_("guidance"), blank=True)
    evidence_required = models.BooleanField(_("evidence required"), default=False)
    ordering = models.PositiveSmallIntegerField(_("ordering"), default=0)

    class Meta:
        ordering = ["criterion", "ordering", "id"]
        verbose_name = _("checklist item")
        verbose_name_plural = _("checklist items")
        constraints = [
            models.UniqueConstraint(fields=["criterion", "code"], name="item_code_unique"),
            models.CheckConstraint(
                name="item_scored_has_maximum",
                condition=Q(kind="check", max_score__isnull=True)
                | Q(kind="scored", max_score__gt=0),
            ),
        ]

    def __str__(self) -> str:
        return self.text


class InspectionGroup(models.Model):
    """A service-coordination and inspection group (服务协调和检查督导组); its members are
    users with the inspector role. Groups last across rounds."""

    name = models.CharField(_("name"), max_length=60, unique=True)
    leader = models.ForeignKey(
        USER,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("leader"),
    )
    members = models.ManyToManyField(
        USER, blank=True, related_name="inspection_groups", verbose_name=_("members")
    )
    is_active = models.BooleanField(_("active"), default=True)
    history = HistoricalRecords(m2m_fields=[members])

    class Meta:
        ordering = ["name"]
        verbose_name = _("inspection group")
        verbose_name_plural = _("inspection groups")

    def __str__(self) -> str:
        return self.name


class RoundStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    OPEN = "open", _("Under way")
    CLOSED = "closed", _("Finished")


class InspectionRound(models.Model):
    """One inspection round (轮次) over the units, with the checklist version it uses."""

    number = models.PositiveSmallIntegerField(_("number"), unique=True)
    name = models.CharField(_("name"), max_length=80, blank=True)
    start = models.DateField(_("start"))
    end = models.DateField(_("end"))
    template = models.ForeignKey(
        ChecklistTemplate,
        on_delete=models.PROTECT,
        related_name="rounds",
        verbose_name=_("checklist"),
    )
    status = models.CharField(
        _("status"), max_length=8, choices=RoundStatus.choices, default=RoundStatus.PLANNED
    )
    created_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["number"]
        verbose_name = _("inspection round")
        verbose_name_plural = _("inspection rounds")
        constraints = [
            models.CheckConstraint(
                name="round_period_ordered", condition=Q(end__gte=models.F("start"))
            )
        ]

    def __str__(self) -> str:
        return self.name or str(_("Round %(number)d") % {"number": self.number})


class Assignment(models.Model):
    """A unit assigned to a group for a round: every unit exactly once per round."""

    round = models.ForeignKey(InspectionRound, on_delete=models.CASCADE, related_name="assignments")
    unit = models.ForeignKey("units.Unit", on_delete=models.PROTECT, related_name="+")
    group = models.ForeignKey(InspectionGroup, on_delete=models.PROTECT, related_name="assignments")
    history = HistoricalRecords()

    class Meta:
        ordering = ["round", "group", "unit"]
        verbose_name = _("assignment")
        verbose_name_plural = _("assignments")
        constraints = [
            models.UniqueConstraint(fields=["round", "unit"], name="assignment_once_per_round")
        ]
        indexes = [models.Index(fields=["round", "group"], name="assignment_group_idx")]

    def __str__(self) -> str:
        return f"{self.round_id}: {self.unit_id} → {self.group_id}"


class InspectionStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")


class Grade(models.TextChoices):
    EXCELLENT = "excellent", _("Excellent (优秀)")
    GOOD = "good", _("Good (良好)")
    FAIR = "fair", _("Fair (一般)")
    POOR = "poor", _("Poor (较差)")


class Inspection(models.Model):
    """One group's check of one unit in a round (检查), scored item by item.

    A draft is saved as the inspector types; a submitted one is locked except for
    the office, and every change is kept in ``history``. ``total_score`` and
    ``grade`` are computed on submission from the item scores and the ranking rules.
    """

    round = models.ForeignKey(InspectionRound, on_delete=models.PROTECT, related_name="inspections")
    unit = models.ForeignKey("units.Unit", on_delete=models.PROTECT, related_name="inspections")
    group = models.ForeignKey(InspectionGroup, on_delete=models.PROTECT, related_name="inspections")
    inspector = models.ForeignKey(
        USER,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("inspector"),
    )
    date = models.DateField(_("date"), null=True, blank=True)
    community = models.ForeignKey(
        "areas.Community",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("community visited"),
    )
    session = models.ForeignKey(
        "campaigns.Session",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("session observed"),
    )
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=InspectionStatus.choices,
        default=InspectionStatus.DRAFT,
    )
    total_score = models.DecimalField(
        _("total score"), max_digits=6, decimal_places=1, null=True, blank=True
    )
    grade = models.CharField(_("grade"), max_length=10, choices=Grade.choices, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["round", "unit"]
        verbose_name = _("inspection")
        verbose_name_plural = _("inspections")
        constraints = [
            models.UniqueConstraint(fields=["round", "unit"], name="inspection_once_per_round")
        ]
        indexes = [models.Index(fields=["round", "group", "status"], name="inspection_group_idx")]

    def __str__(self) -> str:
        return f"{self.round_id} · {self.unit_id}"


class ItemScore(models.Model):
    """The score of one checklist item in one inspection (``score`` for scored items,
    ``passed`` for checks)."""

    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="scores")
    item = models.ForeignKey(ChecklistItem, on_delete=models.PROTECT, related_name="+")
    score = models.DecimalField(_("score"), max_digits=5, decimal_places=1, null=True, blank=True)
    passed = models.BooleanField(_("passed"), null=True, blank=True)
    comment = models.CharField(_("comment"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("item score")
        verbose_name_plural = _("item scores")
        constraints = [
            models.UniqueConstraint(fields=["inspection", "item"], name="score_once_per_item"),
            models.CheckConstraint(name="score_not_negative", condition=Q(score__gte=0)),
        ]

    def __str__(self) -> str:
        return f"{self.inspection_id} · {self.item_id}"


class Finding(models.Model):
    """Something an inspection found. When it demands rectification (整改) it becomes a
    ledger problem with source *inspection*, dispatched to the unit (``problem``)."""

    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="findings")
    item = models.ForeignKey(
        ChecklistItem, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    text = models.TextField(_("finding"))
    demands_rectification = models.BooleanField(_("demands rectification"), default=False)
    category = models.ForeignKey(
        "problems.Category",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("problem category"),
    )
    problem = models.OneToOneField(
        "problems.Problem",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="finding",
        verbose_name=_("rectification problem"),
    )
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        ordering = ["inspection", "id"]
        verbose_name = _("finding")
        verbose_name_plural = _("findings")

    def __str__(self) -> str:
        return self.text[:40]


class FindingPhoto(StoredPhoto):
    """A photo of a finding (see :class:`StoredPhoto`)."""

    finding = models.ForeignKey(Finding, on_delete=models.CASCADE, related_name="photos")
    original = models.FileField(_("original"), upload_to="inspections/originals/%Y/%m/")
    public = models.FileField(_("public copy"), upload_to="inspections/public/%Y/%m/")
    thumb = models.FileField(_("thumbnail"), upload_to="inspections/thumbs/%Y/%m/")

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("finding photo")
        verbose_name_plural = _("finding photos")

    def __str__(self) -> str:
        return f"{self.finding_id} #{self.pk}"


class RankingRules(models.Model):
    """The office's rules for grades and the red and black lists (红黑榜); one row.

    Grades by total score (out of 100): at least ``excellent_min`` 优秀, ``good_min``
    良好, ``fair_min`` 一般, else 较差. A unit is ranked only with at least
    ``min_inspections`` submitted inspections in the span ranked. Red list: the top
    ``red_top`` ranked units whose rectification rate is at least
    ``red_min_rectification``; black list: the bottom ``black_bottom`` ranked units,
    and any ranked unit whose rectification rate is below ``black_max_rectification``.
    """

    excellent_min = models.DecimalField(
        _("excellent from"), max_digits=5, decimal_places=1, default=90
    )
    good_min = models.DecimalField(_("good from"), max_digits=5, decimal_places=1, default=80)
    fair_min = models.DecimalField(_("fair from"), max_digits=5, decimal_places=1, default=60)
    min_inspections = models.PositiveSmallIntegerField(
        _("inspections needed to be ranked"), default=1
    )
    cumulative_min_inspections = models.PositiveSmallIntegerField(
        _("inspections needed for the cumulative ranking"), default=2
    )
    red_top = models.PositiveSmallIntegerField(_("red list: top units"), default=10)
    red_min_rectification = models.DecimalField(
        _("red list: rectification rate at least"), max_digits=4, decimal_places=3, default=0.9
    )
    black_bottom = models.PositiveSmallIntegerField(_("black list: bottom units"), default=10)
    black_max_rectification = models.DecimalField(
        _("black list: rectification rate below"), max_digits=4, decimal_places=3, default=0.85
    )
    updated_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("ranking rules")
        verbose_name_plural = _("ranking rules")

    def __str__(self) -> str:
        return str(_("Ranking rules"))
