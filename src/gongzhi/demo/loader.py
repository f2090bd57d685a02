"""Load the demo city (DESIGN.md section 8). Idempotent and fast.

Running it again with the same data writes nothing: no new rows, no new
history rows. Everything is matched by its natural key (division codes,
credit codes, usernames, the campaign slug, problem numbers).
"""

from __future__ import annotations

import os
import time
import unicodedata
from typing import Any, Protocol

from django.db import connection, transaction
from django.utils.translation import gettext as _

from gongzhi.core.models import Role
from gongzhi.demo.accounts import DEMO_PASSWORD, Login, load_accounts
from gongzhi.demo.activities import load_activities
from gongzhi.demo.campaign import load_campaign
from gongzhi.demo.city import (
    load_communities,
    load_compounds,
    load_districts,
    load_streets,
)
from gongzhi.demo.inspections import load_inspections
from gongzhi.demo.problems import load_problems
from gongzhi.demo.registry import load_members, load_pairings, load_units


class Writer(Protocol):
    """Anything with ``write(text)``: a file, ``sys.stdout``, a command's ``self.stdout``."""

    def write(self, text: str, /) -> object: ...


def demo_site_url() -> str:
    """Where ``gongzhi demo`` serves (it reads the port from ``PORT``, default 8000)."""
    return os.environ.get("GONGZHI_DEMO_URL") or (
        f"http://127.0.0.1:{os.environ.get('PORT', '8000')}/"
    )


@transaction.atomic
def _load() -> dict[str, Any]:
    districts = load_districts()
    streets = load_streets(districts)
    communities = load_communities(streets)
    compounds = load_compounds(communities)
    units = load_units(districts)
    members = load_members(units, communities)
    pairings = load_pairings(units, communities)
    logins = load_accounts(
        districts=districts,
        streets=streets,
        communities=communities,
        units=units,
        members=members,
    )
    campaign, sessions_changed = load_campaign(list(communities.values()))
    problems = load_problems(communities, units)
    activities = load_activities(communities, units)
    inspections = load_inspections(communities, units)
    _check_foreign_keys()
    return {
        "districts": len(districts),
        "streets": len(streets),
        "communities": len(communities),
        "compounds": compounds,
        "units": len(units),
        "municipal_units": sum(1 for u in units.values() if u.jurisdiction_id is None),
        "members": len(members),
        "pairings": pairings,
        "campaign": campaign.slug,
        "sessions": campaign.sessions.count(),
        "sessions_changed": sessions_changed,
        "logins": logins,
        "problems": problems.problems,
        "problems_created": problems.created,
        "problems_open": problems.open_now,
        "problems_overdue": problems.overdue,
        "escalations": problems.escalations,
        "open311_key": problems.open311_key,
        "attendance": activities.attendance,
        "absences": activities.absences,
        "check_ins": activities.check_ins,
        "contributions": activities.contributions,
        "activity_photos": activities.photos,
        "evidence_flags": activities.flags,
        "session_plans": activities.plans,
        "certificates": activities.certificates,
        "sessions_cancelled": activities.cancelled,
        "inspection_groups": inspections.groups,
        "inspectors": inspections.inspectors,
        "inspection_rounds": inspections.rounds,
        "assignments": inspections.assignments,
        "inspections_submitted": inspections.submitted,
        "inspection_drafts": inspections.drafts,
        "findings": inspections.findings,
        "rectifications": inspections.rectifications,
        "rectifications_open": inspections.rectifications_open,
    }


def _check_foreign_keys() -> None:
    """Check PostgreSQL's deferred foreign keys of the bulk writes now, once.

    They would be checked at commit anyway; checking them here keeps them from waiting
    in the transaction, where every later constraint check (each test's teardown, for
    one) would go through the hundred thousand pending rows again.
    """
    if connection.vendor == "postgresql":
        connection.check_constraints()


def load_demo(stdout: Writer | None = None, *, site_url: str | None = None) -> dict[str, Any]:
    """Load (or bring back) the demo city; print the logins to ``stdout``.

    Returns what was loaded: counts, ``logins`` (``Login`` rows), ``password``,
    ``url`` and ``seconds``.
    """
    started = time.monotonic()
    summary = _load()
    summary["password"] = DEMO_PASSWORD
    summary["url"] = site_url or demo_site_url()
    summary["seconds"] = round(time.monotonic() - started, 2)
    if stdout is not None:
        stdout.write(format_summary(summary))
    return summary


def format_summary(summary: dict[str, Any]) -> str:
    """The text ``gongzhi demo`` prints at start: what was loaded and how to log in."""
    logins: list[Login] = summary["logins"]
    lines = [
        _(
            "Demo city loaded in %(seconds)s s: %(districts)d districts, %(streets)d streets, "
            "%(communities)d communities, %(units)d units (%(municipal_units)d municipal), "
            "%(pairings)d pairings, %(sessions)d sessions."
        )
        % summary,
        _(
            "Problem ledger: %(problems)d problems, %(problems_open)d open, "
            "%(problems_overdue)d overdue."
        )
        % summary,
        _(
            "Friday sessions: %(attendance)d attendance records, %(absences)d absences, "
            "%(check_ins)d check-ins, %(contributions)d contributions, "
            "%(activity_photos)d photos (%(evidence_flags)d evidence flags)."
        )
        % summary,
        _(
            "Inspections: %(inspection_groups)d groups, %(inspection_rounds)d rounds, "
            "%(assignments)d assignments, %(inspections_submitted)d inspections submitted, "
            "%(inspection_drafts)d drafts, %(findings)d findings, %(rectifications)d "
            "rectification problems (%(rectifications_open)d not yet rectified)."
        )
        % summary,
        "",
        _("Open %(url)s and log in as one of these (password for all: %(password)s):") % summary,
        "",
    ]
    table = [(_("username"), _("role"), _("scope"))] + [
        (login.username, _role_label(login.role), login.scope or _("whole city"))
        for login in logins
    ]
    widths = [max(_width(row[i]) for row in table) for i in range(2)]
    for username, role, scope in table:
        lines.append(f"  {_pad(username, widths[0])}  {_pad(role, widths[1])}  {scope}")
    lines += [
        "",
        _("Open311 api_key: %(key)s (POST %(url)sopen311/v2/requests.json)")
        % {"key": summary["open311_key"], "url": summary["url"]},
        "",
    ]
    return "\n".join(lines) + "\n"


def _role_label(role: str) -> str:
    return str(Role(role).label)


def _width(text: str) -> int:
    """Columns ``text`` takes in a terminal: CJK characters take two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))
