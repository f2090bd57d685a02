"""The navigation each role needs, as data: (url name, label, roles that see it)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.urls import NoReverseMatch, reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from gongzhi.core.models import Role
from gongzhi.core.scoping import scope_of

ALL_STAFF = {Role.OFFICE, Role.LEADER, Role.DISTRICT, Role.STREET, Role.COMMUNITY}


@dataclass(frozen=True)
class NavItem:
    url_name: str
    label: str | Promise
    roles: frozenset[str]


NAVIGATION: tuple[NavItem, ...] = (
    NavItem("areas:district_list", _("Districts"), frozenset(ALL_STAFF - {Role.COMMUNITY})),
    NavItem("areas:community_list", _("Communities"), frozenset(ALL_STAFF | {Role.UNIT})),
    NavItem(
        "units:unit_list",
        _("Units"),
        frozenset(ALL_STAFF | {Role.UNIT}),
    ),
    NavItem("units:pairing_list", _("Pairings"), frozenset(ALL_STAFF | {Role.UNIT})),
    NavItem("units:member_list", _("Members"), frozenset({Role.OFFICE, Role.UNIT, Role.MEMBER})),
    NavItem(
        "campaigns:calendar",
        _("Calendar"),
        frozenset(ALL_STAFF | {Role.UNIT, Role.INSPECTOR, Role.MEMBER}),
    ),
    NavItem(
        "problems:ledger",
        _("Problems"),
        frozenset(ALL_STAFF | {Role.UNIT, Role.INSPECTOR}),
    ),
    NavItem(
        "problems:escalation",
        _("Escalation"),
        frozenset({Role.OFFICE, Role.LEADER, Role.DISTRICT}),
    ),
    NavItem(
        "problems:callbacks",
        _("Call-backs"),
        frozenset({Role.OFFICE, Role.DISTRICT, Role.STREET, Role.COMMUNITY}),
    ),
    NavItem(
        "activities:session_list",
        _("Sessions"),
        frozenset(ALL_STAFF | {Role.UNIT, Role.INSPECTOR}),
    ),
    NavItem("activities:my_checkins", _("My hours"), frozenset({Role.MEMBER})),
    NavItem("activities:unit_hours", _("Volunteer hours"), frozenset({Role.OFFICE, Role.UNIT})),
    NavItem(
        "activities:funds",
        _("Funds"),
        frozenset(ALL_STAFF | {Role.UNIT}),
    ),
    NavItem("activities:flags", _("Evidence"), frozenset({Role.OFFICE})),
    NavItem(
        "inspections:round_list",
        _("Inspections"),
        frozenset(ALL_STAFF | {Role.UNIT, Role.INSPECTOR}),
    ),
    NavItem(
        "inspections:ranking",
        _("Rankings"),
        frozenset(ALL_STAFF | {Role.UNIT, Role.INSPECTOR}),
    ),
    NavItem("campaigns:campaign_list", _("Campaigns"), frozenset({Role.OFFICE, Role.LEADER})),
    NavItem("stats:overview", _("Dashboard"), frozenset(ALL_STAFF | {Role.UNIT})),
    NavItem("stats:screen", _("Big screen"), frozenset({Role.OFFICE, Role.LEADER})),
    NavItem(
        "stats:bulletin_list",
        _("Bulletins"),
        frozenset(ALL_STAFF | {Role.UNIT, Role.INSPECTOR}),
    ),
    NavItem(
        "imports:import_list",
        _("Imports"),
        frozenset(
            {Role.OFFICE, Role.UNIT, Role.DISTRICT, Role.STREET, Role.COMMUNITY, Role.INSPECTOR}
        ),
    ),
)


def navigation_for(user: Any) -> list[dict[str, Any]]:
    """The menu entries ``user``'s roles give, in a fixed order."""
    roles = scope_of(user).roles
    items = []
    for item in NAVIGATION:
        if not roles & item.roles:
            continue
        try:
            url = reverse(item.url_name)
        except NoReverseMatch:  # an app not wired yet
            continue
        items.append({"url": url, "label": item.label, "name": item.url_name})
    return items
