"""What happens on and around each Friday session (DESIGN.md sections 2–4).

Plans (who is expected where), attendance (who came, with how many people,
what they did), absences with their reasons, member check-ins and the volunteer
hours they certify, contributions (money, in integer fen), the photos that
prove it and the evidence flags raised on them. Models are thin: every write
goes through ``services.py``.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from gongzhi.core.models import Archivable, StoredPhoto

USER = settings.AUTH_USER_MODEL


class CleanupTask(models.TextChoices):
    """The four clean-ups (四清), the standing tasks of every session."""

    GARBAGE_DEAD_CORNERS = "garbage_dead_corners", _("Garbage dead corners")
    PILED_DEBRIS = "piled_debris", _("Piled debris")
    DEAD_BRANCHES_WEEDS = "dead_branches_weeds", _("Dead branches and weeds")
    ILLEGAL_FLYERS = "illegal_flyers", _("Illegal flyers")


class SessionPlan(models.Model):
    """The plan of one session in one community: where and when to meet, whom to ask,
    what to do. The units expected are not stored: they are the units paired with the
    community on the session's date (``queries.units_expected``)."""

    session = models.ForeignKey("campaigns.Session", on_delete=models.PROTECT, related_name="plans")
    community = models.ForeignKey(
        "areas.Community", on_delete=models.PROTECT, related_name="session_plans"
    )
    meeting_point = models.CharField(_("meeting point"), max_length=120, blank=True)
    meeting_time = models.TimeField(_("meeting time"), null=True, blank=True)
    contact_name = models.CharField(_("community contact"), max_length=40, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=20, blank=True)
    tasks = models.JSONField(
        _("clean-up tasks"), default=list, blank=True, help_text=_("Codes of CleanupTask.")
    )
    problems = models.ManyToManyField(
        "problems.Problem", blank=True, related_name="session_plans", verbose_name=_("problems")
    )
    notes = models.TextField(_("notes"), blank=True)
    updated_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    history = HistoricalRecords(m2m_fields=[problems])

    class Meta:
        verbose_name = _("session plan")
        verbose_name_plural = _("session plans")
        constraints = [models.UniqueConstraint(fields=["session", "community"], name="plan_unique")]

    def __str__(self) -> str:
        return f"{self.session_id} · {self.community_id}"


class AttendanceStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted by the unit")
    CONFIRMED = "confirmed", _("Confirmed by the community")


class Attendance(models.Model):
    """One unit's turn-out at one session in one community (DESIGN.md: ``Attendance``).

    ``headcount`` is the person-times (人次) the figures add up. ``expected`` says
    whether the unit was paired with the community that day; a unit that was not
    can only be added explicitly (by the community or the office), which
    ``added_reason`` records. Editable by the unit for ``ATTENDANCE_EDIT_DAYS``
    after the session, then locked; later corrections are the office's, with a
    reason, kept in ``history``.
    """

    # No single-column indexes on these three: the unique constraint and the two composite
    # indexes below lead with each of them, and every extra index slows bulk imports.
    session = models.ForeignKey(
        "campaigns.Session", on_delete=models.PROTECT, related_name="attendances", db_index=False
    )
    unit = models.ForeignKey(
        "units.Unit", on_delete=models.PROTECT, related_name="attendances", db_index=False
    )
    community = models.ForeignKey(
        "areas.Community", on_delete=models.PROTECT, related_name="attendances", db_index=False
    )
    headcount = models.PositiveIntegerField(_("headcount (person-times)"))
    leader_name = models.CharField(_("team leader"), max_length=40, blank=True)
    leader_rank = models.CharField(_("leader's post"), max_length=60, blank=True)
    principal_leader_led = models.BooleanField(_("the unit's principal leader led"), default=False)
    start_time = models.TimeField(_("start"), null=True, blank=True)
    end_time = models.TimeField(_("end"), null=True, blank=True)
    problems = models.ManyToManyField(
        "problems.Problem",
        blank=True,
        related_name="attendances",
        verbose_name=_("problems handled"),
    )
    notes = models.TextField(_("notes"), blank=True)
    expected = models.BooleanField(_("expected (paired that day)"), default=True)
    added_reason = models.CharField(
        _("why a unit not paired was added"), max_length=200, blank=True
    )
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=AttendanceStatus.choices,
        default=AttendanceStatus.SUBMITTED,
    )
    # Users are deactivated, never deleted: nothing looks attendance up by who entered it.
    entered_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    confirmed_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    created_at = models.DateTimeField(_("entered at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    # The history is read one row at a time (by id), never by these columns.
    history = HistoricalRecords(
        m2m_fields=[problems],
        no_db_index=["session", "unit", "community", "entered_by", "confirmed_by"],
    )

    class Meta:
        ordering = ["session", "community", "unit"]
        verbose_name = _("attendance")
        verbose_name_plural = _("attendance")
        constraints = [
            models.UniqueConstraint(
                fields=["session", "unit", "community"], name="attendance_unique"
            ),
            models.CheckConstraint(
                name="attendance_headcount_positive", condition=Q(headcount__gt=0)
            ),
        ]
        indexes = [
            models.Index(fields=["unit", "session"], name="attendance_unit_idx"),
            models.Index(fields=["community", "session"], name="attendance_community_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.session_id} · {self.unit_id} · {self.community_id}: {self.headcount}"


class Measure(models.TextChoices):
    """The units each kind of work is measured in."""

    PLACES = "places", _("places")
    SHEETS = "sheets", _("sheets")
    TONNES = "tonnes", _("tonnes")
    CUBIC_METRES = "cubic_metres", _("cubic metres")
    TRUCKLOADS = "truckloads", _("truckloads")
    SQUARE_METRES = "square_metres", _("square metres")
    ITEMS = "items", _("items")


class AttendanceTask(models.Model):
    """A task done at a session, with its quantity in the category's own measure."""

    attendance = models.ForeignKey(Attendance, on_delete=models.CASCADE, related_name="tasks")
    category = models.ForeignKey(
        "problems.Category", on_delete=models.PROTECT, related_name="+", verbose_name=_("category")
    )
    quantity = models.DecimalField(_("quantity"), max_digits=12, decimal_places=2)
    measure = models.CharField(_("measure"), max_length=14, choices=Measure.choices)

    class Meta:
        ordering = ["id"]
        verbose_name = _("task done")
        verbose_name_plural = _("tasks done")
        constraints = [
            models.CheckConstraint(name="task_quantity_positive", condition=Q(quantity__gt=0))
        ]

    def __str__(self) -> str:
        return f"{self.category_id}: {self.quantity} {self.measure}"


class Absence(models.Model):
    """A unit expected at a session in a community that did not come, and why."""

    session = models.ForeignKey(
        "campaigns.Session", on_delete=models.PROTECT, related_name="absences"
    )
    unit = models.ForeignKey("units.Unit", on_delete=models.PROTECT, related_name="absences")
    community = models.ForeignKey(
        "areas.Community", on_delete=models.PROTECT, related_name="absences"
    )
    reason = models.CharField(_("reason"), max_length=200)
    recorded_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("absence")
        verbose_name_plural = _("absences")
        constraints = [
            models.UniqueConstraint(fields=["session", "unit", "community"], name="absence_unique")
        ]

    def __str__(self) -> str:
        return f"{self.session_id} · {self.unit_id}: {self.reason}"


class CheckIn(models.Model):
    """One member's check-in at a session (QR code, time, place) and check-out.

    ``hours`` is set at check-out (rounded down to a quarter hour) and counts
    towards volunteer hours only once the community has certified it.
    """

    session = models.ForeignKey(
        "campaigns.Session", on_delete=models.PROTECT, related_name="check_ins"
    )
    community = models.ForeignKey(
        "areas.Community", on_delete=models.PROTECT, related_name="check_ins"
    )
    member = models.ForeignKey("units.Member", on_delete=models.PROTECT, related_name="check_ins")
    unit = models.ForeignKey("units.Unit", on_delete=models.PROTECT, related_name="check_ins")
    checked_in_at = models.DateTimeField(_("checked in at"))
    lat = models.FloatField(_("latitude"), null=True, blank=True)
    lng = models.FloatField(_("longitude"), null=True, blank=True)
    accuracy_m = models.FloatField(_("accuracy (m)"), null=True, blank=True)
    checked_out_at = models.DateTimeField(_("checked out at"), null=True, blank=True)
    out_lat = models.FloatField(null=True, blank=True)
    out_lng = models.FloatField(null=True, blank=True)
    hours = models.DecimalField(_("hours"), max_digits=5, decimal_places=2, null=True, blank=True)
    certified_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    certified_at = models.DateTimeField(_("certified at"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["session", "checked_in_at"]
        verbose_name = _("check-in")
        verbose_name_plural = _("check-ins")
        constraints = [
            models.UniqueConstraint(fields=["session", "member"], name="check_in_once_per_session")
        ]
        indexes = [
            models.Index(fields=["member", "checked_in_at"], name="check_in_member_idx"),
            models.Index(fields=["session", "community", "unit"], name="check_in_session_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.session_id} · {self.member_id}"


class Contribution(Archivable):
    """Money a unit spent for a community (投入资金), in integer fen."""

    unit = models.ForeignKey("units.Unit", on_delete=models.PROTECT, related_name="contributions")
    community = models.ForeignKey(
        "areas.Community", on_delete=models.PROTECT, related_name="contributions"
    )
    date = models.DateField(_("date"))
    amount_fen = models.BigIntegerField(_("amount (fen)"))
    purpose = models.CharField(_("purpose"), max_length=200, blank=True)
    problems = models.ManyToManyField(
        "problems.Problem", blank=True, related_name="contributions", verbose_name=_("problems")
    )
    entered_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("entered at"), auto_now_add=True)
    history = HistoricalRecords(m2m_fields=[problems])

    class Meta:
        ordering = ["-date", "-id"]
        verbose_name = _("contribution")
        verbose_name_plural = _("contributions")
        constraints = [
            models.CheckConstraint(
                name="contribution_amount_positive", condition=Q(amount_fen__gt=0)
            )
        ]
        indexes = [
            models.Index(fields=["unit", "date"], name="contribution_unit_idx"),
            models.Index(fields=["community", "date"], name="contribution_community_idx"),
            models.Index(fields=["date"], name="contribution_date_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.unit_id} → {self.community_id} {self.date}: {self.amount_fen}"


class PhotoKind(models.TextChoices):
    BEFORE = "before", _("Before")
    AFTER = "after", _("After")
    RECEIPT = "receipt", _("Receipt")


class ActivityPhoto(StoredPhoto):
    """A photo proving attendance (before / after) or a contribution (receipt).

    ``session``, ``unit`` and ``community`` are copied from what it proves so that
    the evidence checks can compare photos across sessions, units and communities.
    """

    kind = models.CharField(_("kind"), max_length=8, choices=PhotoKind.choices)
    attendance = models.ForeignKey(
        Attendance, null=True, blank=True, on_delete=models.CASCADE, related_name="photos"
    )
    contribution = models.ForeignKey(
        Contribution, null=True, blank=True, on_delete=models.CASCADE, related_name="photos"
    )
    session = models.ForeignKey(
        "campaigns.Session", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    unit = models.ForeignKey("units.Unit", on_delete=models.PROTECT, related_name="+")
    community = models.ForeignKey("areas.Community", on_delete=models.PROTECT, related_name="+")
    original = models.FileField(_("original"), upload_to="activities/originals/%Y/%m/")
    public = models.FileField(_("public copy"), upload_to="activities/public/%Y/%m/")
    thumb = models.FileField(_("thumbnail"), upload_to="activities/thumbs/%Y/%m/")
    # The perceptual hash cut into four 16-bit bands, each indexed: two hashes within 10
    # bits agree to within 2 bits on at least one band, so near copies are found by
    # index look-ups rather than by reading every photo (multi-index hashing).
    phash_b0 = models.PositiveIntegerField(null=True, blank=True, editable=False)
    phash_b1 = models.PositiveIntegerField(null=True, blank=True, editable=False)
    phash_b2 = models.PositiveIntegerField(null=True, blank=True, editable=False)
    phash_b3 = models.PositiveIntegerField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("activity photo")
        verbose_name_plural = _("activity photos")
        indexes = [
            models.Index(fields=["phash_b0"], name="activity_photo_b0_idx"),
            models.Index(fields=["phash_b1"], name="activity_photo_b1_idx"),
            models.Index(fields=["phash_b2"], name="activity_photo_b2_idx"),
            models.Index(fields=["phash_b3"], name="activity_photo_b3_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                name="activity_photo_proves_one_thing",
                condition=Q(attendance__isnull=False, contribution__isnull=True)
                | Q(attendance__isnull=True, contribution__isnull=False),
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.phash_b0, self.phash_b1, self.phash_b2, self.phash_b3 = phash_bands(self.phash)
        super().save(*args, **kwargs)


def phash_bands(phash: str) -> tuple[int | None, int | None, int | None, int | None]:
    """The four 16-bit bands of a 16-hex-digit perceptual hash, most significant first;
    all ``None`` for a missing or malformed hash. Bulk writers must set them too."""
    if len(phash or "") != 16:
        return None, None, None, None
    try:
        value = int(phash, 16)
    except ValueError:
        return None, None, None, None
    return (value >> 48) & 0xFFFF, (value >> 32) & 0xFFFF, (value >> 16) & 0xFFFF, value & 0xFFFF


class FlagKind(models.TextChoices):
    REUSED = "reused", _("Same or near-same photo used elsewhere")
    TIME_FAR = "time_far", _("Taken far from the session date")


class EvidenceFlag(models.Model):
    """An advisory flag on a photo for the city office; shown with both photos.

    ``other`` is the earlier photo it matches (for *reused*); ``distance`` the
    bits their perceptual hashes differ in, or the days between the EXIF time
    and the session (for *time_far*).
    """

    photo = models.ForeignKey(ActivityPhoto, on_delete=models.CASCADE, related_name="flags")
    other = models.ForeignKey(
        ActivityPhoto, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=FlagKind.choices)
    distance = models.IntegerField(_("distance"))
    created_at = models.DateTimeField(_("raised at"), auto_now_add=True)
    reviewed_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    review_note = models.CharField(_("review note"), max_length=200, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("evidence flag")
        verbose_name_plural = _("evidence flags")
        indexes = [models.Index(fields=["reviewed_at", "-created_at"], name="flag_open_idx")]

    def __str__(self) -> str:
        return f"{self.kind} #{self.photo_id}"


class CertificateCounter(models.Model):
    """The last certificate number handed out in a year."""

    year = models.PositiveSmallIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.year}: {self.last}"


class VolunteerCertificate(models.Model):
    """A certificate of volunteer service hours (志愿服务时长证明) as issued.

    ``content`` freezes what was certified (identity, period, hours, service
    content, check-ins counted) so a later correction never changes an issued
    certificate.
    """

    number = models.CharField(_("certificate number"), max_length=20, unique=True)
    member = models.ForeignKey(
        "units.Member", on_delete=models.PROTECT, related_name="certificates"
    )
    start = models.DateField(_("service from"))
    end = models.DateField(_("service until"))
    hours = models.DecimalField(_("hours"), max_digits=7, decimal_places=2)
    issuer = models.CharField(_("issuing organisation"), max_length=120)
    issued_on = models.DateField(_("issued on"))
    issued_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    content = models.JSONField(_("certified content"), default=dict)

    class Meta:
        ordering = ["-issued_on", "-id"]
        verbose_name = _("volunteer hours certificate")
        verbose_name_plural = _("volunteer hours certificates")

    def __str__(self) -> str:
        return self.number
