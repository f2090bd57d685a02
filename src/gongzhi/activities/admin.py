"""Admin of the Friday sessions: the city office reads every row and its history.

Plans, attendance, absences, check-ins, contributions, photos, evidence flags
and certificates change through their services (pages and API), which check
permissions, windows and evidence and keep history; so the admin only reads.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from gongzhi.activities.models import (
    Absence,
    ActivityPhoto,
    Attendance,
    AttendanceTask,
    CertificateCounter,
    CheckIn,
    Contribution,
    EvidenceFlag,
    SessionPlan,
    VolunteerCertificate,
)
from gongzhi.core.admin_mixins import ReadOnlyHistoryAdmin
from gongzhi.core.scoping import scope_of


class OfficeReadsMixin(admin.ModelAdmin):
    """The city office looks; nobody adds, changes or deletes here."""

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return scope_of(request.user).is_office

    def has_module_permission(self, request: HttpRequest) -> bool:
        return scope_of(request.user).is_office

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class OfficeHistoryAdmin(OfficeReadsMixin, ReadOnlyHistoryAdmin):
    """Read-only, with the row's history (who changed what, and why)."""


class AttendanceTaskInline(admin.TabularInline):
    model = AttendanceTask
    extra = 0
    fields = ("category", "quantity", "measure")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(SessionPlan)
class SessionPlanAdmin(OfficeHistoryAdmin):
    list_display = ("session", "community", "meeting_point", "meeting_time", "contact_name")
    list_select_related = ("session__campaign", "community")
    search_fields = ("community__code", "community__name")
    date_hierarchy = "session__date"


@admin.register(Attendance)
class AttendanceAdmin(OfficeHistoryAdmin):
    list_display = (
        "session",
        "unit",
        "community",
        "headcount",
        "principal_leader_led",
        "expected",
        "status",
    )
    list_select_related = ("session__campaign", "unit", "community")
    list_filter = ("status", "expected", "principal_leader_led")
    search_fields = ("unit__code", "unit__name", "community__code", "community__name")
    date_hierarchy = "session__date"
    raw_id_fields = ("session", "unit", "community", "problems")
    inlines = [AttendanceTaskInline]


@admin.register(Absence)
class AbsenceAdmin(OfficeHistoryAdmin):
    list_display = ("session", "unit", "community", "reason", "recorded_at")
    list_select_related = ("session__campaign", "unit", "community")
    search_fields = ("unit__code", "unit__name", "community__code")
    date_hierarchy = "session__date"


@admin.register(CheckIn)
class CheckInAdmin(OfficeHistoryAdmin):
    list_display = ("session", "member", "unit", "community", "checked_in_at", "hours")
    list_select_related = ("session__campaign", "member", "unit", "community")
    search_fields = ("member__name", "unit__code", "community__code")
    date_hierarchy = "checked_in_at"
    raw_id_fields = ("session", "member", "unit", "community")


@admin.register(Contribution)
class ContributionAdmin(OfficeHistoryAdmin):
    list_display = ("date", "unit", "community", "amount_fen", "purpose", "archived_at")
    list_select_related = ("unit", "community")
    search_fields = ("unit__code", "unit__name", "community__code", "purpose")
    date_hierarchy = "date"
    raw_id_fields = ("unit", "community", "problems")


@admin.register(ActivityPhoto)
class ActivityPhotoAdmin(OfficeReadsMixin):
    list_display = ("pk", "kind", "session", "unit", "community", "taken_at", "created_at")
    list_select_related = ("session__campaign", "unit", "community")
    list_filter = ("kind",)
    search_fields = ("sha256", "phash", "unit__code")
    exclude = ("original", "public", "thumb")


@admin.register(EvidenceFlag)
class EvidenceFlagAdmin(OfficeReadsMixin):
    list_display = ("photo", "other", "kind", "distance", "created_at", "reviewed_at")
    list_filter = ("kind",)
    raw_id_fields = ("photo", "other")


@admin.register(VolunteerCertificate)
class VolunteerCertificateAdmin(OfficeReadsMixin):
    list_display = ("number", "member", "start", "end", "hours", "issued_on")
    list_select_related = ("member",)
    search_fields = ("number", "member__name")


@admin.register(CertificateCounter)
class CertificateCounterAdmin(OfficeReadsMixin):
    list_display = ("year", "last")
