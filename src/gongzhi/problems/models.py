"""The problem ledger (问题台账): categories, problems, dispatches and workflow events.

Models are thin: fields, constraints and choices. Every write goes through
``services.py``; the lifecycle itself is the table in ``workflow.py``.
"""

from __future__ import annotations

import hashlib
import secrets
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from gongzhi.core.models import Archivable, StoredPhoto

if TYPE_CHECKING:
    from gongzhi.units.models import Unit


class CategoryGroup(models.TextChoices):
    FOUR_CLEANUPS = "four_cleanups", _("Four clean-ups")
    SPECIAL_RECTIFICATION = "special_rectification", _("Special rectification")
    VOLUNTEER_SERVICE = "volunteer_service", _("Volunteer service")
    OTHER = "other", _("Other")


class Category(Archivable):
    """A kind of problem, with its handling deadline and extra questions.

    ``extra_questions`` is a list of Open311 GeoReport v2 attributes:
    ``{code, description, datatype, required, values}`` where ``datatype`` is
    one of string, number, datetime, text, singlevaluelist, multivaluelist and
    ``values`` (for the list types) is ``[{key, name}]``.
    """

    code = models.CharField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=60)
    group = models.CharField(_("group"), max_length=24, choices=CategoryGroup.choices)
    description = models.CharField(_("description"), max_length=200, blank=True)
    deadline_working_days = models.PositiveSmallIntegerField(
        _("deadline in working days"), default=5
    )
    responsible_unit_kinds = models.JSONField(_("responsible unit kinds"), default=list, blank=True)
    extra_questions = models.JSONField(_("extra questions"), default=list, blank=True)
    resident_reportable = models.BooleanField(_("residents may report"), default=True)
    ordering = models.PositiveSmallIntegerField(_("ordering"), default=0)

    class Meta:
        ordering = ["ordering", "code"]
        verbose_name = _("category")
        verbose_name_plural = _("categories")

    def __str__(self) -> str:
        return self.name


class ProblemSource(models.TextChoices):
    GRASSROOTS_VISIT = "grassroots_visit", _("Grassroots visit")
    COMMUNITY_PATROL = "community_patrol", _("Community patrol")
    RESIDENT_REPORT = "resident_report", _("Resident report")
    INSPECTION = "inspection", _("Inspection finding")
    HOTLINE_12345 = "hotline_12345", _("12345 hotline")
    OTHER = "other", _("Other")


class ProblemState(models.TextChoices):
    """The states of DESIGN.md section 4; a reopened problem goes back to dispatched."""

    REPORTED = "reported", _("Reported")
    ACCEPTED = "accepted", _("Accepted")
    REJECTED = "rejected", _("Rejected")
    DUPLICATE = "duplicate", _("Duplicate")
    DISPATCHED = "dispatched", _("Dispatched")
    IN_PROGRESS = "in_progress", _("In progress")
    HANDLED = "handled", _("Handled")
    CLOSED = "closed", _("Closed")
    PARKED = "parked", _("Parked")


#: States in which a passed deadline no longer makes a problem overdue.
NOT_OVERDUE_STATES: frozenset[str] = frozenset(
    {
        ProblemState.HANDLED,
        ProblemState.CLOSED,
        ProblemState.REJECTED,
        ProblemState.DUPLICATE,
        ProblemState.PARKED,
    }
)


class Priority(models.TextChoices):
    LOW = "low", _("Low")
    NORMAL = "normal", _("Normal")
    HIGH = "high", _("High")
    URGENT = "urgent", _("Urgent")


class Satisfaction(models.TextChoices):
    SATISFIED = "satisfied", _("Satisfied")
    BASICALLY_SATISFIED = "basically_satisfied", _("Basically satisfied")
    DISSATISFIED = "dissatisfied", _("Dissatisfied")


class PendingRequest(models.TextChoices):
    """A unit's request awaiting the office's decision."""

    NONE = "", _("None")
    EXTENSION = "extension", _("Extension")
    PARK = "park", _("Park")


class EscalationKind(models.TextChoices):
    REMINDER = "reminder", _("Reminder")
    CHASE = "chase", _("Chase notice (催办)")
    CRITICISM = "criticism", _("Listed for written criticism")


class ProblemCounter(models.Model):
    """The last public number handed out in a year (one row per year, updated under lock)."""

    year = models.PositiveSmallIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("problem number counter")
        verbose_name_plural = _("problem number counters")

    def __str__(self) -> str:
        return f"{self.year}: {self.last}"


class Problem(models.Model):
    """One environment problem, from report to closed loop."""

    number = models.CharField(_("number"), max_length=16, unique=True, editable=False)
    title = models.CharField(_("title"), max_length=120, blank=True)
    description = models.TextField(_("description"))
    category = models.ForeignKey(
        Category, on_delete=models.PROTECT, related_name="problems", verbose_name=_("category")
    )
    source = models.CharField(_("source"), max_length=20, choices=ProblemSource.choices)
    reporter_name = models.CharField(_("reporter name"), max_length=40, blank=True)
    reporter_phone = models.CharField(_("reporter phone"), max_length=20, blank=True)
    reporter_anonymous = models.BooleanField(_("anonymous"), default=False)
    community = models.ForeignKey(
        "areas.Community",
        on_delete=models.PROTECT,
        related_name="problems",
        verbose_name=_("community"),
    )
    compound = models.ForeignKey(
        "areas.Compound",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="problems",
        verbose_name=_("compound"),
    )
    address = models.CharField(_("address"), max_length=200, blank=True)
    lat = models.FloatField(_("latitude"), null=True, blank=True)
    lng = models.FloatField(_("longitude"), null=True, blank=True)
    priority = models.CharField(
        _("priority"), max_length=8, choices=Priority.choices, default=Priority.NORMAL
    )
    state = models.CharField(
        _("state"), max_length=12, choices=ProblemState.choices, default=ProblemState.REPORTED
    )
    deadline = models.DateField(_("deadline"), null=True, blank=True)
    dispatched_units: models.ManyToManyField[Unit, Dispatch] = models.ManyToManyField(
        "units.Unit",
        through="Dispatch",
        related_name="dispatched_problems",
        verbose_name=_("dispatched units"),
        blank=True,
    )
    dispatched_to_community = models.BooleanField(_("dispatched to the community"), default=False)
    duplicate_of = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="duplicates",
        verbose_name=_("duplicate of"),
    )
    pending_request = models.CharField(
        _("pending request"),
        max_length=10,
        choices=PendingRequest.choices,
        default=PendingRequest.NONE,
        blank=True,
    )
    requested_deadline = models.DateField(_("requested deadline"), null=True, blank=True)
    satisfaction = models.CharField(
        _("satisfaction"), max_length=20, choices=Satisfaction.choices, blank=True
    )
    reopened_by_rating = models.BooleanField(_("reopened by rating"), default=False)
    rework_count = models.PositiveSmallIntegerField(_("rework count"), default=0)
    is_public = models.BooleanField(_("public"), default=True)
    follow_token = models.CharField(
        _("follow token"), max_length=43, unique=True, null=True, blank=True, editable=False
    )
    escalation_kind = models.CharField(
        _("escalation"), max_length=12, choices=EscalationKind.choices, blank=True
    )
    extra_answers = models.JSONField(_("answers to extra questions"), default=dict, blank=True)
    #: The number another system gave the case (e.g. the 12345 hotline's work-order number),
    #: so that importing the same export twice finds the problem instead of adding it again.
    external_ref = models.CharField(_("external reference"), max_length=60, blank=True)
    version = models.PositiveIntegerField(_("version"), default=1)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    handled_at = models.DateTimeField(_("handled at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("problem")
        verbose_name_plural = _("problems")
        indexes = [
            # The ledger's filters, each ending in its keyset order (newest id first).
            models.Index(fields=["state", "-id"], name="problem_state_id_idx"),
            models.Index(fields=["community", "state", "-id"], name="problem_community_id_idx"),
            models.Index(fields=["category", "state", "-id"], name="problem_category_id_idx"),
            models.Index(fields=["source", "-id"], name="problem_source_id_idx"),
            models.Index(fields=["escalation_kind", "-id"], name="problem_escalation_idx"),
            models.Index(fields=["deadline", "state"], name="problem_deadline_idx"),
            # The figures of a period count problems by the day they were reported.
            models.Index(fields=["created_at"], name="problem_created_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                name="problem_not_duplicate_of_itself",
                condition=~Q(duplicate_of=models.F("id")),
            ),
            models.UniqueConstraint(
                fields=["source", "external_ref"],
                condition=~Q(external_ref=""),
                name="problem_external_ref_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title or self.category}"


class Dispatch(models.Model):
    """A unit a problem is dispatched to."""

    problem = models.ForeignKey(Problem, on_delete=models.CASCADE, related_name="dispatches")
    unit = models.ForeignKey("units.Unit", on_delete=models.PROTECT, related_name="dispatches")
    dispatched_at = models.DateTimeField(_("dispatched at"), auto_now_add=True)

    class Meta:
        verbose_name = _("dispatch")
        verbose_name_plural = _("dispatches")
        constraints = [models.UniqueConstraint(fields=["problem", "unit"], name="dispatch_unique")]
        indexes = [models.Index(fields=["unit", "problem"], name="dispatch_unit_idx")]

    def __str__(self) -> str:
        return f"{self.problem_id} → {self.unit_id}"


class ProblemEvent(models.Model):
    """One transition of a problem: the workflow's history, written by the services.

    ``actor`` is empty for the public reporter and for the system (escalation);
    ``actor_role`` says which of the workflow table's actors acted. ``data``
    carries what the action needed: unit codes, deadline, rating, photo ids.
    """

    problem = models.ForeignKey(Problem, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(_("action"), max_length=24)
    from_state = models.CharField(_("from state"), max_length=12, blank=True)
    to_state = models.CharField(_("to state"), max_length=12)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("actor"),
    )
    actor_role = models.CharField(_("acting as"), max_length=12, blank=True)
    at = models.DateTimeField(_("at"), auto_now_add=True)
    note = models.TextField(_("note"), blank=True)
    data = models.JSONField(_("data"), default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("problem event")
        verbose_name_plural = _("problem events")
        indexes = [models.Index(fields=["problem", "at"], name="problem_event_idx")]

    def __str__(self) -> str:
        return f"{self.problem_id} {self.action} {self.from_state}→{self.to_state}"


class ProblemPhoto(StoredPhoto):
    """A photo of a problem (see :class:`StoredPhoto` for the original and its copies).

    ``event`` is the transition the photo documents; it is empty while a photo
    uploaded ahead of a transition waits to be attached.
    """

    problem = models.ForeignKey(Problem, on_delete=models.CASCADE, related_name="photos")
    event = models.ForeignKey(
        ProblemEvent,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="photos",
        verbose_name=_("event"),
    )
    original = models.FileField(_("original"), upload_to="problems/originals/%Y/%m/")
    public = models.FileField(_("public copy"), upload_to="problems/public/%Y/%m/")
    thumb = models.FileField(_("thumbnail"), upload_to="problems/thumbs/%Y/%m/")

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("problem photo")
        verbose_name_plural = _("problem photos")
        indexes = [models.Index(fields=["problem", "event"], name="problem_photo_idx")]

    def __str__(self) -> str:
        return f"{self.problem_id} #{self.pk}"


class Open311Client(models.Model):
    """An application allowed to post requests through Open311 (its ``api_key``).

    Only a hash of the key is stored. ``source`` is the source its requests
    are recorded with: a residents' app posts resident reports, the 12345
    hotline's system posts hotline cases.
    """

    name = models.CharField(_("name"), max_length=80)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    prefix = models.CharField(_("key prefix"), max_length=8, editable=False)
    source = models.CharField(
        _("source of its requests"),
        max_length=20,
        choices=ProblemSource.choices,
        default=ProblemSource.RESIDENT_REPORT,
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("Open311 client")
        verbose_name_plural = _("Open311 clients")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @staticmethod
    def hash_key(key: str) -> str:
        return hashlib.sha256(key.encode()).hexdigest()

    @staticmethod
    def new_key() -> str:
        return "o311_" + secrets.token_urlsafe(24)


class EscalationStep(models.Model):
    """One rung of the escalation ladder (督办), configurable by the office.

    A step applies to a problem that is still overdue-able (not handled,
    closed, rejected, duplicate or parked) once ``offset_working_days`` working
    days have passed since its deadline (negative: before the deadline).
    """

    kind = models.CharField(_("kind"), max_length=12, choices=EscalationKind.choices)
    name = models.CharField(_("name"), max_length=60)
    offset_working_days = models.SmallIntegerField(
        _("working days after the deadline"),
        help_text=_("Negative numbers are days before the deadline."),
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["offset_working_days", "id"]
        verbose_name = _("escalation step")
        verbose_name_plural = _("escalation steps")

    def __str__(self) -> str:
        return self.name


class Escalation(models.Model):
    """A step of the ladder applied to a problem for one deadline (never twice).

    A new deadline (an approved extension, a reopening) starts the ladder again.
    """

    problem = models.ForeignKey(Problem, on_delete=models.CASCADE, related_name="escalations")
    step = models.ForeignKey(EscalationStep, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind"), max_length=12, choices=EscalationKind.choices)
    deadline = models.DateField(_("deadline"))
    on = models.DateField(_("applied on"))
    event = models.OneToOneField(
        ProblemEvent, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["on", "id"]
        verbose_name = _("escalation")
        verbose_name_plural = _("escalations")
        constraints = [
            models.UniqueConstraint(
                fields=["problem", "step", "deadline"], name="escalation_once_per_deadline"
            )
        ]
        indexes = [models.Index(fields=["kind", "on"], name="escalation_kind_idx")]

    def __str__(self) -> str:
        return f"{self.problem_id} {self.kind} {self.on}"
