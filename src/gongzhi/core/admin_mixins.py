"""What every registry admin shares: scoped lists, no delete, archive as an action.

A registry admin names its scoping function (``visible``), its archive service
(``archive``) and the keyword that service takes the row under (``model_arg``),
so the admin lists and archives exactly as the pages and the API do.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
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


class _Rollback(Exception):
    """Undoes a service call made only to validate a form."""


class ServiceSaveMixin(admin.ModelAdmin):
    """An admin whose add and change forms save through a service.

    While the form is validated, the service runs inside a transaction that is rolled
    back, so its refusals show on the form next to the field they name; ``save_model``
    then calls it for real. Subclasses implement :meth:`save_with_service`, which takes
    the form and the row being changed (``None`` when adding) and returns the saved row.
    """

    def get_form(
        self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any
    ) -> Any:
        form_class = super().get_form(request, obj, change=change, **kwargs)
        admin_self = self

        class ServiceForm(form_class):  # type: ignore[misc, valid-type]
            def _post_clean(self) -> None:
                super()._post_clean()
                if self.errors:
                    return
                try:
                    admin_self.check_with_service(request, self, obj)
                except ValidationError as exc:
                    if not hasattr(exc, "error_dict"):
                        self.add_error(None, exc)
                        return
                    for name, errors in exc.error_dict.items():
                        self.add_error(name if name in self.fields else None, errors)
                except PermissionDenied as exc:
                    self.add_error(None, str(exc))

        return ServiceForm

    def check_with_service(self, request: HttpRequest, form: forms.ModelForm, obj: Any) -> None:
        """Validate by calling the service and rolling back."""
        try:
            with transaction.atomic():
                self.save_with_service(request, form, obj)
                raise _Rollback
        except _Rollback:
            pass

    def save_with_service(self, request: HttpRequest, form: forms.ModelForm, obj: Any) -> Any:
        raise NotImplementedError

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        saved = self.save_with_service(request, form, obj if change else None)
        obj.pk = saved.pk
