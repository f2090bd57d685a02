"""Columns several kinds share: the unit, the community, a contact person.

Each kind's sheet names units by credit code and communities by their 12-digit
code in the same way; the template's header, help text, example and dropdown are
defined here once. A kind may still change what it must (its key, its dropdown).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from django.utils.translation import gettext_lazy

from gongzhi.imports import lookups, parsing
from gongzhi.imports.base import Column

_UNIT = Column(
    "unit_code",
    "单位统一社会信用代码",
    parsing.unit_ref,
    required=True,
    aliases=("单位代码", "统一社会信用代码", "单位", "unit", "unit_code"),
    label=gettext_lazy("Unit credit code"),
    help=gettext_lazy(
        "The unit's 18-character unified social credit code (the dropdown adds its name)."
    ),
    example="11421300MB1234567P",
    choices=lookups.unit_choices,
    width=40,
)

_COMMUNITY = Column(
    "community_code",
    "社区代码",
    parsing.community_ref,
    required=True,
    aliases=("社区统计用区划代码", "社区区划代码", "社区", "community", "community_code"),
    label=gettext_lazy("Community code"),
    help=gettext_lazy(
        "The community's 12-digit statistical division code (the dropdown adds its name)."
    ),
    example="421303001001",
    choices=lookups.community_choices,
    width=30,
)


def _keyed(column: Column, key: str, **changes: Any) -> Column:
    aliases = tuple(a for a in column.aliases if a != key)
    return replace(column, key=key, aliases=aliases, **changes)


def unit_column(key: str = "unit_code", **changes: Any) -> Column:
    """The unit, by unified social credit code, with a dropdown of units."""
    return _keyed(_UNIT, key, **changes)


def community_column(key: str = "community_code", **changes: Any) -> Column:
    """The community, by 12-digit code, with a dropdown of communities."""
    return _keyed(_COMMUNITY, key, **changes)


def contact_columns(*, example_name: str, example_phone: str) -> tuple[Column, Column]:
    """A contact person and their phone, both optional."""
    return (
        Column(
            "contact_name",
            "联系人",
            parsing.text(40),
            label=gettext_lazy("Contact"),
            example=example_name,
            default="",
        ),
        Column(
            "contact_phone",
            "联系电话",
            parsing.phone,
            label=gettext_lazy("Contact phone"),
            example=example_phone,
            default="",
        ),
    )
