"""Admin for the area registry: scoped lists, history, archive instead of delete.

Saving goes through the services, so the admin validates and records history
exactly as pages and the API do.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import Model, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy

from gongzhi.areas import queries, services
from gongzhi.areas.models import Community, Compound, District, Street
from gongzhi.core.admin_mixins import (
    ReadOnlyHistoryAdmin,
    RegistryAdminMixin,
    ServiceSaveMixin,
)


class AreaAdmin(ServiceSaveMixin, RegistryAdminMixin, ReadOnlyHistoryAdmin):
    """Shared registry behaviour, a restore action, and saving through the services."""

    restore: Callable[..., Any]
    actions = ["archive_selected", "restore_selected"]
    readonly_fields = ("archived_at",)

    @admin.action(description=gettext_lazy("Restore selected"))
    def restore_selected(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        self.apply_service(request, queryset, type(self).restore)

    def save_with_service(self, request: HttpRequest, form: forms.ModelForm, obj: Any) -> Model:
        raise NotImplementedError

    @staticmethod
    def changes(form: forms.ModelForm, names: tuple[str, ...]) -> dict[str, Any]:
        return {n: form.cleaned_data[n] for n in names if n in form.changed_data}


@admin.register(District)
class DistrictAdmin(AreaAdmin):
    list_display = ("code", "name", "is_local_code", "archived_at")
    search_fields = ("code", "name")
    fields = ("code", "name", "is_local_code", "archived_at")
    visible = staticmethod(queries.districts_visible_to)
    archive = staticmethod(services.district_archive)
    restore = staticmethod(services.district_restore)
    model_arg = "district"

    def save_with_service(self, request: HttpRequest, form: forms.ModelForm, obj: Any) -> Model:
        names = ("code", "name", "is_local_code")
        if obj is None:
            return services.district_create(
                user=request.user, **{n: form.cleaned_data[n] for n in names}
            )
        obj.refresh_from_db()
        return services.district_update(
            user=request.user, district=obj, **self.changes(form, names)
        )


@admin.register(Street)
class StreetAdmin(AreaAdmin):
    list_display = ("code", "name", "district", "archived_at")
    list_select_related = ("district",)
    search_fields = ("code", "name")
    fields = ("district", "code", "name", "archived_at")
    visible = staticmethod(queries.streets_visible_to)
    archive = staticmethod(services.street_archive)
    restore = staticmethod(services.street_restore)
    model_arg = "street"

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return ("district", "archived_at") if obj else ("archived_at",)

    def save_with_service(self, request: HttpRequest, form: forms.ModelForm, obj: Any) -> Model:
        data = form.cleaned_data
        if obj is None:
            return services.street_create(
                user=request.user, district=data["district"], code=data["code"], name=data["name"]
            )
        obj.refresh_from_db()
        return services.street_update(
            user=request.user, street=obj, **self.changes(form, ("code", "name"))
        )


@admin.register(Community)
class CommunityAdmin(AreaAdmin):
    list_display = ("code", "name", "street", "contact_name", "archived_at")
    list_select_related = ("street__district",)
    search_fields = ("code", "name")
    fields = (
        "street",
        "code",
        "name",
        "outline",
        "centre_lat",
        "centre_lng",
        "contact_name",
        "contact_phone",
        "archived_at",
    )
    visible = staticmethod(queries.communities_visible_to)
    archive = staticmethod(services.community_archive)
    restore = staticmethod(services.community_restore)
    model_arg = "community"
    editable = (
        "street",
        "code",
        "name",
        "outline",
        "centre_lat",
        "centre_lng",
        "contact_name",
        "contact_phone",
    )

    def save_with_service(self, request: HttpRequest, form: forms.ModelForm, obj: Any) -> Model:
        data = form.cleaned_data
        if obj is None:
            return services.community_create(
                user=request.user, **{n: data[n] for n in self.editable}
            )
        obj.refresh_from_db()
        return services.community_update(
            user=request.user, community=obj, **self.changes(form, self.editable)
        )


@admin.register(Compound)
class CompoundAdmin(AreaAdmin):
    list_display = ("name", "community", "is_old", "households", "archived_at")
    list_select_related = ("community",)
    list_filter = ("is_old",)
    search_fields = ("name", "address", "community__name", "community__code")
    fields = ("community", "name", "address", "is_old", "households", "archived_at")
    visible = staticmethod(queries.compounds_visible_to)
    archive = staticmethod(services.compound_archive)
    restore = staticmethod(services.compound_restore)
    model_arg = "compound"

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return ("community", "archived_at") if obj else ("archived_at",)

    def save_with_service(self, request: HttpRequest, form: forms.ModelForm, obj: Any) -> Model:
        names = ("name", "address", "is_old", "households")
        data = form.cleaned_data
        if obj is None:
            return services.compound_create(
                user=request.user, community=data["community"], **{n: data[n] for n in names}
            )
        obj.refresh_from_db()
        return services.compound_update(
            user=request.user, compound=obj, **self.changes(form, names)
        )
