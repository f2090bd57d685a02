"""Admin of the problem ledger: categories, a read-only view of problems, the
escalation ladder and Open311 clients with their keys.

Problems change only through the workflow (pages and API), so their admin
reads, through the same scoping function as every page. An Open311 key is
shown once, when it is made; only its hash is stored.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gongzhi.core.scoping import scope_of
from gongzhi.problems import queries
from gongzhi.problems.models import (
    Category,
    EscalationStep,
    Open311Client,
    Problem,
)

DATATYPES = ("string", "number", "datetime", "text", "singlevaluelist", "multivaluelist")


class OfficeWritesMixin(admin.ModelAdmin):
    """Staff may look; only the city office adds and changes; nothing is deleted."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return scope_of(request.user).is_office and super().has_add_permission(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return scope_of(request.user).is_office and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


def _question_errors(position: int, question: Any, seen: set[str]) -> list[str]:
    """What is wrong with one extra question (an Open311 attribute)."""
    where = _("Question %(n)d") % {"n": position}
    if not isinstance(question, dict):
        return [_("%(where)s is not an object.") % {"where": where}]
    errors = []
    code = question.get("code")
    if not isinstance(code, str) or not code.strip() or any(c in code for c in "[]/ "):
        errors.append(
            _("%(where)s needs a code without spaces, brackets or slashes.") % {"where": where}
        )
    elif code in seen:
        errors.append(_("%(where)s repeats the code “%(code)s”.") % {"where": where, "code": code})
    else:
        seen.add(code)
    datatype = question.get("datatype", "string")
    if datatype not in DATATYPES:
        errors.append(
            _("%(where)s: the datatype must be one of %(types)s.")
            % {"where": where, "types": ", ".join(DATATYPES)}
        )
    if not isinstance(question.get("required", False), bool):
        errors.append(_("%(where)s: required must be true or false.") % {"where": where})
    values = question.get("values") or []
    if datatype in ("singlevaluelist", "multivaluelist"):
        good = isinstance(values, list) and all(
            isinstance(v, dict) and str(v.get("key", "")).strip() and v.get("name") for v in values
        )
        if not values or not good:
            errors.append(
                _("%(where)s: a list needs values, each with a key and a name.") % {"where": where}
            )
    return errors


class CategoryForm(forms.ModelForm):
    class Meta:
        model = Category
        fields = [
            "code",
            "name",
            "group",
            "description",
            "deadline_working_days",
            "responsible_unit_kinds",
            "extra_questions",
            "resident_reportable",
            "ordering",
        ]

    def clean_extra_questions(self) -> Any:
        questions = self.cleaned_data.get("extra_questions") or []
        if not isinstance(questions, list):
            raise forms.ValidationError(_("Give a list of questions."))
        seen: set[str] = set()
        errors = [e for n, q in enumerate(questions, start=1) for e in _question_errors(n, q, seen)]
        if errors:
            raise forms.ValidationError(errors)
        return questions


@admin.register(Category)
class CategoryAdmin(OfficeWritesMixin):
    form = CategoryForm
    list_display = (
        "code",
        "name",
        "group",
        "deadline_working_days",
        "resident_reportable",
        "ordering",
        "archived_at",
    )
    list_editable = ("name",)
    list_filter = ("group", "resident_reportable")
    search_fields = ("code", "name")

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        # The code is the Open311 service_code and the API's key: fixed once made.
        return ("code", "archived_at") if obj else ("archived_at",)


@admin.register(Problem)
class ProblemAdmin(admin.ModelAdmin):
    """Read-only: problems change through the workflow, never by editing a row."""

    list_display = (
        "number",
        "category",
        "community",
        "state",
        "source",
        "deadline",
        "is_public",
        "created_at",
    )
    list_select_related = ("category", "community")
    list_filter = ("state", "source", "category__group", "category", "is_public", "priority")
    search_fields = ("number",)
    date_hierarchy = "created_at"
    # The reporter's phone and the follow token stay out: the ledger masks the one
    # by role, and the other is the reporter's secret.
    fields = (
        "number",
        "title",
        "description",
        "category",
        "source",
        "state",
        "priority",
        "community",
        "compound",
        "address",
        "lat",
        "lng",
        "deadline",
        "dispatched_to_community",
        "duplicate_of",
        "pending_request",
        "satisfaction",
        "rework_count",
        "escalation_kind",
        "is_public",
        "extra_answers",
        "version",
        "created_at",
        "updated_at",
        "handled_at",
        "closed_at",
    )
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[Problem]:
        return queries.problems_visible_to(request.user)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(EscalationStep)
class EscalationStepAdmin(OfficeWritesMixin):
    list_display = ("name", "kind", "offset_working_days", "is_active")
    list_editable = ("offset_working_days", "is_active")
    list_filter = ("kind", "is_active")


@admin.register(Open311Client)
class Open311ClientAdmin(OfficeWritesMixin):
    list_display = ("name", "prefix", "source", "is_active", "created_at", "last_used_at")
    list_filter = ("source", "is_active")
    search_fields = ("name", "prefix")
    fields = ("name", "source", "is_active", "prefix", "created_at", "last_used_at")
    readonly_fields = ("prefix", "created_at", "last_used_at")
    actions = ["regenerate_key"]

    def save_model(self, request: HttpRequest, obj: Open311Client, form: Any, change: bool) -> None:
        key = None if change else _new_key(obj)
        super().save_model(request, obj, form, change)
        if key:
            self._show_key(request, obj, key)

    @admin.action(description=gettext_lazy("Regenerate the api_key of the selected clients"))
    def regenerate_key(self, request: HttpRequest, queryset: QuerySet[Open311Client]) -> None:
        if not scope_of(request.user).is_office:
            self.message_user(request, _("Only the city office can issue keys."), messages.ERROR)
            return
        for client in queryset:
            key = _new_key(client)
            client.save(update_fields=["key_hash", "prefix"])
            self._show_key(request, client, key)

    def _show_key(self, request: HttpRequest, client: Open311Client, key: str) -> None:
        self.message_user(
            request,
            _(
                "The api_key of %(name)s is %(key)s — copy it now: it is stored only as a "
                "hash and will not be shown again."
            )
            % {"name": client.name, "key": key},
            messages.WARNING,
        )


def _new_key(client: Open311Client) -> str:
    """Give ``client`` a fresh key (its hash and prefix, unsaved) and return the key itself."""
    key = Open311Client.new_key()
    client.key_hash = Open311Client.hash_key(key)
    client.prefix = key[:8]
    return key
