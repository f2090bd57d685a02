"""What every registry admin shares: scoped lists, no delete, archive as an action.

A registry admin names its scoping function (``visible``), its archive service
(``archive``) and the keyword that service takes the row under (``model_arg``),
so the admin lists and archives exactly as the pages and the API do.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy
from simple_history.admin import SimpleHistoryAdmin


class RegistryAdminMixin(admin.ModelAdmin):
    """Lists through the scoping function; no delete; an "archive selected" action."""

    visible: Callable[..., QuerySet[Any]]
    archive: Callable[..., Any]
    model_arg: str
    # Shown after a bulk action, with ``n`` the number of rows it changed.
    done_message: ClassVar[str | Promise] = gettext_lazy("%(n)d updated.")

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return type(self).visible(request.user, include_archived=True)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    def apply_service(
        self, request: HttpRequest, queryset: QuerySet[Any], verb: Callable[..., Any]
    ) -> None:
        """Call ``verb`` (a service) on each row; a refusal is a message, not an error."""
        done = 0
        for obj in queryset:
            try:
                verb(user=request.user, **{self.model_arg: obj})
                done += 1
            except (ValidationError, PermissionDenied) as exc:
                text = " ".join(getattr(exc, "messages", [str(exc)]))
                self.message_user(request, f"{obj}: {text}", messages.ERROR)
        if done:
            self.message_user(request, str(self.done_message) % {"n": done}, messages.SUCCESS)

    @admin.action(description=gettext_lazy("Archive selected"))
    def archive_selected(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        self.apply_service(request, queryset, type(self).archive)


class ReadOnlyHistoryAdmin(SimpleHistoryAdmin):
    """SimpleHistoryAdmin whose past versions are for reading only.

    simple-history saves a POST to a past version's page (a revert) for anyone
    allowed to view it, bypassing the services' checks and the reason they keep;
    here such a POST is refused, and corrections go through the services.
    """

    def history_form_view(
        self, request: HttpRequest, object_id: str, version_id: str, extra_context: Any = None
    ) -> Any:
        if request.method != "GET":
            raise PermissionDenied
        return super().history_form_view(request, object_id, version_id, extra_context)
