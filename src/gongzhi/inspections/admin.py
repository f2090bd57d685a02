"""Admin of inspection and supervision: the city office reads every row and its history.

The office edits groups, rounds and the ranking rules here, through the same
services as the pages and the API (so the same checks hold and history records who
changed what). Checklists, assignments, inspections, scores and findings change
only through their own pages and services, which keep versions, locks and the
own-unit rule; here they are read-only. Nothing is deleted from the admin.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy

from gongzhi.core.admin_mixins import ReadOnlyHistoryAdmin, ServiceSaveMixin
from gongzhi.core.scoping import scope_of
from gongzhi.inspections import services_rounds, services_rules
from gongzhi.inspections.models import (
    Assignment,
    ChecklistItem,
    ChecklistTemplate,
    Criterion,
    Finding,
    FindingPhoto,
    Inspection,
    InspectionGroup,
    InspectionRound,
    ItemScore,
    RankingRules,
)


class OfficeAdmin(admin.ModelAdmin):
    """Seen by the city office only; read-only unless a subclass saves through a service."""

    editable = False

    def has_module_permission(self, request: HttpRequest) -> bool:
        return scope_of(request.user).is_office

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return scope_of(request.user).is_office

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.editable and scope_of(request.user).is_office

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.editable and scope_of(request.user).is_office

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class OfficeHistoryAdmin(OfficeAdmin, ReadOnlyHistoryAdmin):
    """The same, with the row's history (past versions for reading only)."""


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ServiceAdmin(ServiceSaveMixin, OfficeHistoryAdmin):
    """Edited by the office, saved through a service (see ServiceSaveMixin)."""

    editable = True

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        """The service saved the many-to-many fields already."""


# --- checklists (versions change on the checklist pages) --------------------------------


class CriterionInline(ReadOnlyInline):
    model = Criterion
    fields = ("ordering", "code", "name")
    readonly_fields = fields


@admin.register(ChecklistTemplate)
class ChecklistTemplateAdmin(OfficeAdmin):
    list_display = ("name", "version", "is_current", "based_on", "created_by", "created_at")
    list_filter = ("is_current",)
    search_fields = ("name",)
    inlines = [CriterionInline]


@admin.register(Criterion)
class CriterionAdmin(OfficeAdmin):
    list_display = ("name", "code", "template", "ordering")
    list_select_related = ("template",)
    list_filter = ("template",)


@admin.register(ChecklistItem)
class ChecklistItemAdmin(OfficeAdmin):
    list_display = ("text", "code", "criterion", "kind", "max_score", "evidence_required")
    list_select_related = ("criterion__template",)
    list_filter = ("kind", "evidence_required", "criterion__template")
    search_fields = ("text", "code")


# --- groups and rounds (saved through their services) -----------------------------------


@admin.register(InspectionGroup)
class InspectionGroupAdmin(ServiceAdmin):
    list_display = ("name", "leader", "is_active")
    list_select_related = ("leader",)
    list_filter = ("is_active",)
    search_fields = ("name", "members__username", "members__display_name")
    fields = ("name", "leader", "members", "is_active")
    filter_horizontal = ("members",)
    raw_id_fields = ("leader",)

    def save_with_service(
        self, request: HttpRequest, form: forms.ModelForm, obj: Any
    ) -> InspectionGroup:
        data = form.cleaned_data
        return services_rounds.group_save(
            user=request.user,
            group=obj,
            name=data["name"],
            leader=data.get("leader"),
            members=list(data.get("members") or []),
            is_active=data.get("is_active", True),
        )


@admin.register(InspectionRound)
class InspectionRoundAdmin(ServiceAdmin):
    list_display = ("number", "name", "start", "end", "status", "template")
    list_select_related = ("template",)
    list_filter = ("status",)
    actions = ["assign_selected", "open_selected", "close_selected"]

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is None:
            return ("number", "name", "start", "end", "template")
        return ("number", "name", "start", "end", "template", "status", "created_by")

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return ("number", "template", "status", "created_by") if obj else ()

    def get_form(
        self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any
    ) -> Any:
        form_class = super().get_form(request, obj, change=change, **kwargs)
        if "template" in form_class.base_fields:
            field = form_class.base_fields["template"]
            field.required = False
            field.queryset = ChecklistTemplate.objects.filter(is_current=True)
            field.help_text = gettext_lazy(
                "Empty for the default checklist. The round keeps the version current now."
            )
        return form_class

    def save_with_service(
        self, request: HttpRequest, form: forms.ModelForm, obj: Any
    ) -> InspectionRound:
        data = form.cleaned_data
        if obj is None:
            return services_rounds.round_create(
                user=request.user,
                number=data["number"],
                name=data.get("name", ""),
                start=data["start"],
                end=data["end"],
                template=data.get("template"),
            )
        obj.refresh_from_db()
        return services_rounds.round_update(
            user=request.user,
            round_=obj,
            name=data.get("name", ""),
            start=data["start"],
            end=data["end"],
        )

    def _each(
        self, request: HttpRequest, queryset: QuerySet[InspectionRound], verb: Callable[..., Any]
    ) -> None:
        done = 0
        for row in queryset.order_by("number"):
            try:
                verb(user=request.user, round_=row)
                done += 1
            except (ValidationError, PermissionDenied) as exc:
                text = " ".join(getattr(exc, "messages", [str(exc)]))
                self.message_user(request, f"{row}: {text}", messages.ERROR)
        if done:
            message = gettext_lazy("%(n)d updated.") % {"n": done}
            self.message_user(request, message, messages.SUCCESS)

    @admin.action(description=gettext_lazy("Assign the units of the selected rounds"))
    def assign_selected(self, request: HttpRequest, queryset: QuerySet[InspectionRound]) -> None:
        self._each(request, queryset, services_rounds.round_assign)

    @admin.action(description=gettext_lazy("Open the selected rounds"))
    def open_selected(self, request: HttpRequest, queryset: QuerySet[InspectionRound]) -> None:
        self._each(request, queryset, services_rounds.round_open)

    @admin.action(description=gettext_lazy("Close the selected rounds"))
    def close_selected(self, request: HttpRequest, queryset: QuerySet[InspectionRound]) -> None:
        self._each(request, queryset, services_rounds.round_close)


@admin.register(Assignment)
class AssignmentAdmin(OfficeHistoryAdmin):
    """Assignments change on the round's assignment page (own-unit rule, locks)."""

    list_display = ("round", "unit", "group")
    list_select_related = ("round", "unit", "group")
    list_filter = ("round", "group")
    search_fields = ("unit__code", "unit__name")


# --- inspections (filled in and corrected on their pages) ------------------------------


class ItemScoreInline(ReadOnlyInline):
    model = ItemScore
    fields = ("item", "score", "passed", "comment")
    readonly_fields = fields


class FindingInline(ReadOnlyInline):
    model = Finding
    fields = ("text", "item", "demands_rectification", "category", "problem")
    readonly_fields = fields


@admin.register(Inspection)
class InspectionAdmin(OfficeHistoryAdmin):
    list_display = ("round", "unit", "group", "status", "total_score", "grade", "submitted_at")
    list_select_related = ("round", "unit", "group")
    list_filter = ("status", "grade", "round", "group")
    search_fields = ("unit__code", "unit__name")
    date_hierarchy = "date"
    raw_id_fields = ("unit", "community", "session", "inspector")
    inlines = [ItemScoreInline, FindingInline]


@admin.register(ItemScore)
class ItemScoreAdmin(OfficeAdmin):
    list_display = ("inspection", "item", "score", "passed")
    list_select_related = ("inspection", "item")
    raw_id_fields = ("inspection", "item")


@admin.register(Finding)
class FindingAdmin(OfficeAdmin):
    list_display = ("__str__", "inspection", "demands_rectification", "problem", "created_at")
    list_select_related = ("inspection", "problem")
    list_filter = ("demands_rectification",)
    search_fields = ("text",)
    raw_id_fields = ("inspection", "item", "category", "problem")


@admin.register(FindingPhoto)
class FindingPhotoAdmin(OfficeAdmin):
    list_display = ("pk", "finding", "taken_at", "created_at")
    list_select_related = ("finding",)
    search_fields = ("sha256", "phash")
    exclude = ("original", "public", "thumb")


# --- ranking rules (one row, saved through its service) ---------------------------------


@admin.register(RankingRules)
class RankingRulesAdmin(ServiceAdmin):
    fields = services_rules.RULE_FIELDS
    list_display = ("__str__", "excellent_min", "good_min", "fair_min", "updated_at")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # one row, created by a migration

    def save_with_service(self, request: HttpRequest, form: forms.ModelForm, obj: Any) -> Any:
        changes = {name: form.cleaned_data[name] for name in form.changed_data}
        return services_rules.ranking_rules_update(request.user, **changes)
