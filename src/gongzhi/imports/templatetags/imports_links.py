"""``{% export_link "units" %}``: a list page's "xlsx" button, for those who may import the kind.

The file is the kind's import format (the template's Chinese headers), holding what
the reader sees, so a sheet can be corrected in Excel and imported back.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from gongzhi.imports import registry

register = template.Library()


@register.simple_tag(takes_context=True)
def export_link(context: dict[str, Any], kind: str) -> SafeString | str:
    request = context.get("request")
    importer = registry.get(kind)
    if request is None or importer is None or not importer.exportable():
        return ""
    if not importer.may_import(request.user):
        return ""
    return format_html(
        '<a class="btn btn-sm btn-outline-success" href="{}" data-testid="export-{}">{}</a>',
        reverse("imports:export", args=[kind]),
        kind,
        _("Export (xlsx)"),
    )
