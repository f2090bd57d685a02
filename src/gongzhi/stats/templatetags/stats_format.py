"""Filters the statistics pages format their figures with: ``{{ fen|yuan }}``,
``{{ count|thousands }}``."""

from __future__ import annotations

from typing import Any

from django import template

from gongzhi.core.money import format_yuan

register = template.Library()


@register.filter
def yuan(fen: Any) -> str:
    """Integer fen as yuan with thousands separators and two decimals: 80,000.00."""
    if fen is None or fen == "":
        return ""
    return format_yuan(int(fen))


@register.filter
def thousands(value: Any) -> str:
    """A count with thousands separators: 6,352."""
    if value is None or value == "":
        return ""
    return f"{int(value):,}"
