"""Admin for units, members and pairings: scoped lists, history, archive instead of delete.

Saving goes through the services, so the admin validates and records history
exactly as pages and the API do.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils.translation import gettext_lazy

from gongzhi.core.admin_mixins import ReadOnlyHistoryAdmin, RegistryAdminMixin
from gongzhi.units import queries, services
from gongzhi.units.models import Member, Pairing, Unit


class RegistryAdmin(RegistryAdminMixin, ReadOnlyHistoryAdmin):
    """Shared registry behaviour; a service's refusal on save comes back as a message."""

    actions = ["archive_selected"]
    readonly_fields: tuple[str, ...] = ("archived_at",)
    done_message = gettext_lazy("%(n)d archived.")

    def changeform_view(
        self,
        request: HttpRequest,
        object_id: str | None = None,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        # The form has checked field types; the service has the last word. Its refusal
        # rolls the save back and comes back as a message instead of a server error.
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except ValidationError as exc:
            self.message_user(request, " ".join(exc.messages), messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())


@admin.register(Unit)
class UnitAdmin(RegistryAdmin):
    visible = staticmethod(queries.units_visible_to)
    archive = staticmethod(services.unit_archive)
    model_arg = "unit"
    list_display = ("name", "short_name", "code", "kind", "jurisdiction", "archived_at")
    list_filter = ("kind", "jurisdiction")
    search_fields = ("name", "short_name", "code")
    list_select_related = ("jurisdiction",)

    def save_model(self, request: HttpRequest, obj: Unit, form: Any, change: bool) -> None:
        data = {
            "code": obj.code,
            "name": obj.name,
            "short_name": obj.short_name,
            "kind": obj.kind,
            "jurisdiction": obj.jurisdiction,
            "headcount": obj.headcount,
            "contact_name": obj.contact_name,
            "contact_phone": obj.contact_phone,
        }
        if change:
            changed = {k: v for k, v in data.items() if k in form.changed_data}
            saved = services.unit_update(user=request.user, unit=obj, **changed)
        else:
            saved = services.unit_create(user=request.user, **data)
        obj.pk = saved.pk


@admin.register(Member)
class MemberAdmin(RegistryAdmin):
    visible = staticmethod(queries.members_visible_to)
    archive = staticmethod(services.member_archive)
    model_arg = "member"
    list_display = ("name", "unit", "is_party_member", "archived_at")
    list_filter = ("is_party_member",)
    search_fields = ("name", "unit__name", "unit__code")
    list_select_related = ("unit",)
    raw_id_fields = ("unit", "residence_community", "user")

    def save_model(self, request: HttpRequest, obj: Member, form: Any, change: bool) -> None:
        if change:
            saved = services.member_update(
                user=request.user,
                member=obj,
                name=obj.name,
                phone=obj.phone,
                is_party_member=obj.is_party_member,
                residence_community=obj.residence_community,
            )
        else:
            saved = services.member_create(
                user=request.user,
                unit=obj.unit,
                name=obj.name,
                phone=obj.phone,
                is_party_member=obj.is_party_member,
                residence_community=obj.residence_community,
            )
        obj.pk = saved.pk


@admin.register(Pairing)
class PairingAdmin(RegistryAdmin):
    visible = staticmethod(queries.pairings_visible_to)
    archive = staticmethod(services.pairing_archive)
    model_arg = "pairing"
    list_display = ("unit", "community", "start", "end", "archived_at")
    list_filter = ("start",)
    search_fields = ("unit__name", "unit__code", "community__name", "community__code")
    list_select_related = ("unit", "community")
    raw_id_fields = ("unit", "community")

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        # Once made, a pairing changes only its end date (services.pairing_end).
        if obj is not None:
            return ("unit", "community", "start", "archived_at")
        return self.readonly_fields

    def save_model(self, request: HttpRequest, obj: Pairing, form: Any, change: bool) -> None:
        if change:
            if obj.end is not None:
                services.pairing_end(user=request.user, pairing=obj, end=obj.end)
            return
        saved = services.pairing_create(
            user=request.user, unit=obj.unit, community=obj.community, start=obj.start, end=obj.end
        )
        obj.pk = saved.pk
