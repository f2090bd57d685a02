"""Reads of bulletins: who sees which, a bulletin's figures (frozen or live), differences.

Who sees what:

- the city office and leaders: every bulletin, drafts and archived drafts included,
  and for an issued bulletin what would now differ;
- district and street officers, community staff, unit liaisons and inspectors:
  issued bulletins only (an issued bulletin is a published document, sent to all of
  them); they never see drafts, nor today's figures beside the issued ones;
- members and anyone else: none.

A bulletin's figures are the whole city's under its own filters (not the reader's
scope): they are what the document prints.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from typing import Any, Final

from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import QuerySet
from django.utils import timezone

from gongzhi.campaigns.models import Session, SessionStatus
from gongzhi.core.models import Role
from gongzhi.core.scoping import scope_of
from gongzhi.stats import bulletin as document
from gongzhi.stats.bulletin import BulletinSpec, FigureChange
from gongzhi.stats.models import Bulletin, BulletinStatus

#: Roles that read issued bulletins (the office and leaders read everything).
READERS_OF_ISSUED: Final = frozenset(
    {Role.DISTRICT, Role.STREET, Role.COMMUNITY, Role.UNIT, Role.INSPECTOR}
)


def bulletins_visible_to(user: Any) -> QuerySet[Bulletin]:
    """Bulletins ``user`` may read (see the module's docstring)."""
    scope = scope_of(user)
    rows = Bulletin.objects.select_related("session", "issued_by", "created_by")
    if scope.sees_everything:
        return rows
    if scope.roles & READERS_OF_ISSUED:
        return rows.filter(status=BulletinStatus.ISSUED, archived_at__isnull=True)
    return rows.none()


def may_see_drafts(user: Any) -> bool:
    """Drafts, and today's figures beside an issued bulletin: the office and leaders."""
    return scope_of(user).sees_everything


def listed(
    qs: QuerySet[Bulletin], *, status: str = "", archived: bool = False
) -> QuerySet[Bulletin]:
    """The list's rows: by status ("" for all), archived drafts only when asked."""
    if status in BulletinStatus.values:
        qs = qs.filter(status=status)
    if not archived:
        qs = qs.filter(archived_at__isnull=True)
    return qs


def newest_first_page(
    qs: QuerySet[Bulletin], *, before: int | None, limit: int
) -> tuple[list[Bulletin], int | None]:
    """Keyset page of the list page, newest bulletin (highest id) first; the second value
    is the id to continue before, or None on the last page."""
    if before is not None:
        qs = qs.filter(pk__lt=before)
    rows = list(qs.order_by("-pk")[: limit + 1])
    following = rows[limit - 1].pk if len(rows) > limit else None
    return rows[:limit], following


def held_sessions(start: dt.date | None = None, end: dt.date | None = None) -> QuerySet[Session]:
    """Held sessions (neither cancelled nor skipped), newest first; in a period if given."""
    qs = Session.objects.filter(status=SessionStatus.SCHEDULED).select_related("campaign")
    if start is not None:
        qs = qs.filter(date__gte=start)
    if end is not None:
        qs = qs.filter(date__lte=end)
    return qs.order_by("-date", "campaign_id")


def held_session_on(day: dt.date) -> Session | None:
    """The held session of ``day`` (the oldest campaign's when several campaigns meet)."""
    return (
        Session.objects.filter(status=SessionStatus.SCHEDULED, date=day)
        .order_by("campaign_id")
        .first()
    )


def spec_of(row: Bulletin) -> BulletinSpec:
    """The bulletin's spec; an issued bulletin prints the date it was issued."""
    spec = document.spec_for(row)
    if row.is_issued and row.issued_at is not None:
        return dataclasses.replace(spec, issued_on=timezone.localdate(row.issued_at))
    return spec


def as_json(figures: dict[str, Any]) -> dict[str, Any]:
    """Figures exactly as the database gives them back (dates as text, tuples as lists),
    so that frozen and recomputed figures compare like with like."""
    loaded: dict[str, Any] = json.loads(json.dumps(figures, cls=DjangoJSONEncoder))
    return loaded


def live_figures(row: Bulletin) -> dict[str, Any]:
    """The figures as the data gives them now (JSON values, like frozen ones)."""
    return as_json(document.bulletin_figures(spec_of(row)))


def shown_figures(row: Bulletin) -> dict[str, Any]:
    """What the bulletin prints: frozen figures once issued, live ones while a draft."""
    if row.is_issued and row.figures is not None:
        return dict(row.figures)
    return live_figures(row)


def differences(row: Bulletin) -> list[FigureChange]:
    """For an issued bulletin, each printed figure the data would now give differently
    (figure, as issued, now); empty for a draft or when nothing changed."""
    if not row.is_issued or row.figures is None:
        return []
    return document.figures_diff(dict(row.figures), live_figures(row))


def figures_and_differences(row: Bulletin) -> tuple[dict[str, Any], list[FigureChange]]:
    """:func:`shown_figures` and :func:`differences` computing the live figures once."""
    if row.is_issued and row.figures is not None:
        frozen = dict(row.figures)
        return frozen, document.figures_diff(frozen, live_figures(row))
    return live_figures(row), []
