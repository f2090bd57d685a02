"""Campaigns, their Friday sessions, and the holiday table that overrides the package."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class IsoWeekday(models.IntegerChoices):
    MONDAY = 1, _("Monday")
    TUESDAY = 2, _("Tuesday")
    WEDNESDAY = 3, _("Wednesday")
    THURSDAY = 4, _("Thursday")
    FRIDAY = 5, _("Friday")
    SATURDAY = 6, _("Saturday")
    SUNDAY = 7, _("Sunday")


class ScheduleMode(models.TextChoices):
    NTH_WEEKDAY = "nth_weekday", _("Nth weekday of the month")
    CALENDAR_WEEK = "calendar_week", _("Weekday of the nth calendar week")


class HolidayPolicy(models.TextChoices):
    SKIP = "skip", _("Skip the session")
    PREVIOUS_WORKDAY = "previous_workday", _("Move to the previous working day")
    NEXT_WORKDAY = "next_workday", _("Move to the next working day")
    NEXT_FRIDAY = "next_friday", _("Move to the next Friday")


class Campaign(models.Model):
    """The programme: its schedule rule, holiday policy and scope (communities)."""

    slug = models.SlugField(_("short name"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    start = models.DateField(_("start"))
    end = models.DateField(_("end"), null=True, blank=True)
    weekday = models.PositiveSmallIntegerField(
        _("weekday"),
        default=IsoWeekday.FRIDAY,
        choices=IsoWeekday.choices,
        help_text=_("ISO weekday: 1 = Monday … 5 = Friday."),
    )
    nth = models.JSONField(_("occurrences"), default=list, help_text=_("For example [2, 4]."))
    mode = models.CharField(
        _("counting"), max_length=16, choices=ScheduleMode.choices, default=ScheduleMode.NTH_WEEKDAY
    )
    start_time = models.TimeField(_("start time"), default="14:30")
    end_time = models.TimeField(_("end time"), default="17:30")
    holiday_policy = models.CharField(
        _("on a holiday"), max_length=20, choices=HolidayPolicy.choices, default=HolidayPolicy.SKIP
    )
    allow_makeup_workdays = models.BooleanField(
        _("allow weekend make-up working days"),
        default=False,
        help_text=_("Weekend days made working days (调休) are never chosen unless allowed."),
    )
    communities = models.ManyToManyField(
        "areas.Community", blank=True, related_name="campaigns", verbose_name=_("communities")
    )
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords(m2m_fields=[communities])

    class Meta:
        ordering = ["-start"]
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")
        constraints = [
            models.CheckConstraint(
                name="campaign_weekday_iso", condition=Q(weekday__gte=1, weekday__lte=7)
            )
        ]

    def __str__(self) -> str:
        return self.name


class SessionStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    SKIPPED = "skipped", _("Skipped (holiday)")
    CANCELLED = "cancelled", _("Cancelled")


class Session(models.Model):
    """One dated occurrence of a campaign, generated from its rule for one slot.

    ``slot_date`` is the date the rule names (e.g. the 2nd Friday); ``date`` is
    when it happens after the holiday policy. Skipped and cancelled sessions
    count nowhere. ``provisional`` marks a year without holiday data.
    """

    campaign = models.ForeignKey(
        Campaign, on_delete=models.PROTECT, related_name="sessions", verbose_name=_("campaign")
    )
    slot_date = models.DateField(_("rule date"))
    date = models.DateField(_("date"))
    start_time = models.TimeField(_("start time"))
    end_time = models.TimeField(_("end time"))
    status = models.CharField(
        _("status"), max_length=12, choices=SessionStatus.choices, default=SessionStatus.SCHEDULED
    )
    reason_code = models.CharField(
        _("reason"),
        max_length=20,
        blank=True,
        help_text=_("Why the session is skipped, moved or provisional (rendered at display)."),
    )
    reason_params = models.JSONField(_("reason details"), default=dict, blank=True)
    provisional = models.BooleanField(_("provisional"), default=False)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    cancel_reason = models.CharField(_("reason for cancelling"), max_length=200, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["campaign", "date"]
        verbose_name = _("session")
        verbose_name_plural = _("sessions")
        constraints = [
            models.UniqueConstraint(fields=["campaign", "slot_date"], name="session_one_per_slot"),
            models.UniqueConstraint(
                fields=["campaign", "date"],
                condition=Q(status="scheduled"),
                name="session_one_per_day",
            ),
        ]
        indexes = [models.Index(fields=["date", "status"])]

    def __str__(self) -> str:
        return f"{self.campaign} {self.date:%Y-%m-%d}"

    @property
    def reason(self) -> str:
        """Why the session is skipped, moved or provisional, in the reader's language."""
        from gongzhi.campaigns.schedule import render_reason

        return render_reason(self.reason_code, self.reason_params)

    @property
    def is_moved(self) -> bool:
        return self.date != self.slot_date

    @property
    def is_held(self) -> bool:
        """Scheduled (not skipped, not cancelled): the only sessions that count."""
        return self.status == SessionStatus.SCHEDULED


class HolidayYear(models.Model):
    """A year whose holidays the office has entered (State Council notice).

    When a row exists, the year's ``HolidayDate`` rows are complete and the
    package's data for that year is ignored.
    """

    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    notice = models.CharField(_("notice"), max_length=200, blank=True)
    entered_at = models.DateTimeField(auto_now_add=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["year"]
        verbose_name = _("holiday year")
        verbose_name_plural = _("holiday years")

    def __str__(self) -> str:
        return str(self.year)


class HolidayDate(models.Model):
    """A statutory holiday, or a weekend day made a working day (调休)."""

    date = models.DateField(_("date"), unique=True)
    is_day_off = models.BooleanField(
        _("day off"), default=True, help_text=_("Unticked: a weekend day that is a working day.")
    )
    name = models.CharField(_("name"), max_length=40, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["date"]
        verbose_name = _("holiday date")
        verbose_name_plural = _("holiday dates")

    def __str__(self) -> str:
        return f"{self.date} {self.name}"
