from django.contrib import admin

from gongzhi.core.admin_mixins import ReadOnlyHistoryAdmin
from gongzhi.stats.models import Bulletin


@admin.register(Bulletin)
class BulletinAdmin(ReadOnlyHistoryAdmin):
    """Read-only: bulletins are drafted and issued on their own pages, through the services."""

    list_display = ("number", "title", "start", "end", "status", "issued_at")
    list_filter = ("status",)
    search_fields = ("number", "title")

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False
