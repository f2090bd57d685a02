from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from gongzhi.imports.models import ImportJob


@admin.register(ImportJob)
class ImportJobAdmin(admin.ModelAdmin):
    """Read-only: imports run through their page, API or command."""

    list_display = ("kind", "original_name", "status", "rows_total", "created_by", "created_at")
    list_filter = ("kind", "status")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
