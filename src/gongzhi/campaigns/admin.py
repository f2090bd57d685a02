"""Admin of campaigns, sessions (read-mostly) and the holiday table."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gongzhi.campaigns import services
from gongzhi.campaigns.models import Campaign, HolidayDate, HolidayYear, Session
from gongzhi.core.admin_mixins import ReadOnlyHistoryAdmin
from gongzhi.core.scoping import scope_of


@admin.register(Campaign)
class CampaignAdmin(ReadOnlyHistoryAdmin):
    list_display = ("slug", "name", "start", "end", "mode", "holiday_policy")
    search_fields = ("slug", "name")
    filter_horizontal = ("communities",)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return scope_of(request.user).is_office and super().has_change_permission(request, obj)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return scope_of(request.user).is_office and super().has_add_permission(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Session)
class SessionAdmin(ReadOnlyHistoryAdmin):
    """Sessions come from the rule (sync) and are cancelled on the campaign page."""

    list_display = ("date", "slot_date", "campaign", "status", "provisional", "reason")
    list_filter = ("status", "provisional", "campaign")
    date_hierarchy = "date"
    readonly_fields = [f.name for f in Session._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(HolidayYear)
class HolidayYearAdmin(admin.ModelAdmin):
    list_display = ("year", "notice", "entered_at", "entered_by")
    readonly_fields = ("entered_at", "entered_by")
    actions = ["recompute_sessions"]

    @admin.action(description=gettext_lazy("Recompute the sessions of the selected years"))
    def recompute_sessions(self, request: HttpRequest, queryset: QuerySet[HolidayYear]) -> None:
        for entry in queryset:
            first, last = dt.date(entry.year, 1, 1), dt.date(entry.year, 12, 31)
            dates = [
                (d.date, d.is_day_off, d.name)
                for d in HolidayDate.objects.filter(date__gte=first, date__lte=last)
            ]
            results = services.holiday_year_enter(
                user=request.user, year=entry.year, dates=dates, notice=entry.notice
            )
            changed = sum(len(r.change) for r in results)
            held = sum(len(r.held) for r in results)
            self.message_user(
                request,
                _(
                    "%(year)s: %(changed)s sessions changed, %(held)s left alone (they have records)."
                )
                % {"year": entry.year, "changed": changed, "held": held},
                messages.INFO,
            )


@admin.register(HolidayDate)
class HolidayDateAdmin(ReadOnlyHistoryAdmin):
    list_display = ("date", "name", "is_day_off")
    list_filter = ("is_day_off",)
    date_hierarchy = "date"
    search_fields = ("name",)
