"""Reads of contributions (投入资金): the scoped ledger, its pages, totals by unit,
community and month, and a contribution's history.

The figure is :func:`funds_fen`: the sum of active contributions by contribution
date. Totals of the ledger pages add up the same rows, limited to what the
reader may see.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet, Sum
from django.db.models.functions import TruncMonth

from gongzhi.activities.models import Contribution
from gongzhi.core.archive import ARCHIVED, RESTORED
from gongzhi.core.codes import normalise_code
from gongzhi.core.pagination import Page, clamp_limit, decode_cursor, encode_cursor
from gongzhi.core.scoping import area_q, scope_of
from gongzhi.problems.models import Problem

HISTORY_LIMIT = 20


def funds_fen(
    start: dt.date,
    end: dt.date,
    *,
    municipal_only: bool = False,
    unit_code: str | None = None,
) -> int:
    """Funds in fen: the sum of active contributions dated from ``start`` to ``end``
    (both inclusive). ``municipal_only`` keeps municipal units only."""
    qs = Contribution.objects.active().filter(date__gte=start, date__lte=end)
    if municipal_only:
        qs = qs.filter(unit__jurisdiction__isnull=True)
    if unit_code:
        qs = qs.filter(unit__code=unit_code)
    return int(qs.aggregate(total=Sum("amount_fen"))["total"] or 0)


# --- the scoped ledger ----------------------------------------------------------------


def contributions_visible_to(
    user: Any, *, include_archived: bool = False
) -> QuerySet[Contribution]:
    """Contributions ``user`` may read, with unit and community joined.

    The office and leaders read all; district, street and community staff the
    contributions made in their communities, and a district officer also those
    of the units of their district; a unit liaison their unit's. Inspectors,
    members and anyone else read none.
    """
    scope = scope_of(user)
    qs = Contribution.objects.select_related("unit", "community", "community__street")
    if not scope.sees_everything:
        q = area_q(scope, "community")
        if scope.district_ids:
            q |= Q(unit__jurisdiction_id__in=scope.district_ids)
        if scope.unit_ids:
            q |= Q(unit_id__in=scope.unit_ids)
        qs = qs.filter(q)
    return qs if include_archived else qs.filter(archived_at__isnull=True)


@dataclass(frozen=True)
class FundsFilter:
    """What the ledger, its totals and the API filter by; empty values filter nothing."""

    unit: str = ""
    community: str = ""
    start: dt.date | None = None
    end: dt.date | None = None
    include_archived: bool = False


def contributions_filtered(user: Any, f: FundsFilter) -> QuerySet[Contribution]:
    """The reader's contributions matching ``f`` (unit by credit code, community by its
    12-digit code, dates inclusive)."""
    qs = contributions_visible_to(user, include_archived=f.include_archived)
    if f.unit:
        qs = qs.filter(unit__code=normalise_code(f.unit))
    if f.community:
        qs = qs.filter(community__code=normalise_code(f.community))
    if f.start:
        qs = qs.filter(date__gte=f.start)
    if f.end:
        qs = qs.filter(date__lte=f.end)
    return qs


def with_links(qs: QuerySet[Contribution]) -> QuerySet[Contribution]:
    """``qs`` with the linked problems' numbers and the receipt count fetched up front."""
    return qs.annotate(receipt_count=Count("photos", distinct=True)).prefetch_related(
        Prefetch("problems", queryset=Problem.objects.only("id", "number").order_by("number"))
    )


def _cursor_key(cursor: str | None) -> tuple[dt.date, int] | None:
    value = decode_cursor(cursor)
    if not value or "|" not in value:
        return None
    day, _sep, pk = value.partition("|")
    try:
        return dt.date.fromisoformat(day), int(pk) if pk.isascii() and pk.isdigit() else -1
    except ValueError:
        return None


def contributions_page(
    qs: QuerySet[Contribution], *, cursor: str | None = None, limit: int | None = None
) -> Page[Contribution]:
    """One page of the ledger, newest contribution date first (then newest entry), by
    keyset on (date, id): a page costs the same deep in the ledger as on top."""
    size = clamp_limit(limit)
    qs = qs.order_by("-date", "-id")
    key = _cursor_key(cursor)
    if key is not None and key[1] >= 0:
        day, pk = key
        qs = qs.filter(Q(date__lt=day) | Q(date=day, id__lt=pk))
    rows = list(qs[: size + 1])
    has_more = len(rows) > size
    rows = rows[:size]
    last = rows[-1] if has_more and rows else None
    return Page(
        items=rows,
        next_cursor=encode_cursor(f"{last.date.isoformat()}|{last.pk}") if last else None,
    )


# --- totals ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Total:
    """Active contributions of one group: how many, and how much in fen."""

    key: str
    name: str
    count: int
    fen: int


@dataclass
class Totals:
    """The totals of a set of contributions, overall and by unit, community and month.

    Archived contributions count nowhere, whatever the filter shows.
    """

    count: int = 0
    fen: int = 0
    by_unit: list[Total] = field(default_factory=list)
    by_community: list[Total] = field(default_factory=list)
    by_month: list[Total] = field(default_factory=list)


def _grouped(qs: QuerySet[Contribution], *keys: str) -> list[dict[str, Any]]:
    return list(
        qs.order_by()
        .values(*keys)
        .annotate(count=Count("id"), fen=Sum("amount_fen"))
        .order_by(*keys)
    )


def totals_of(qs: QuerySet[Contribution], *, groups: bool = True) -> Totals:
    """Totals of ``qs`` (a scoped, filtered ledger query) in a fixed number of queries.

    Units and communities are listed by total, largest first (then by code);
    months in calendar order, each keyed ``YYYY-MM``.
    """
    active = qs.filter(archived_at__isnull=True)
    overall = active.order_by().aggregate(count=Count("id"), fen=Sum("amount_fen"))
    totals = Totals(count=int(overall["count"] or 0), fen=int(overall["fen"] or 0))
    if not groups:
        return totals
    totals.by_unit = sorted(
        (
            Total(r["unit__code"], r["unit__name"], r["count"], int(r["fen"]))
            for r in _grouped(active, "unit__code", "unit__name")
        ),
        key=lambda t: (-t.fen, t.key),
    )
    totals.by_community = sorted(
        (
            Total(r["community__code"], r["community__name"], r["count"], int(r["fen"]))
            for r in _grouped(active, "community__code", "community__name")
        ),
        key=lambda t: (-t.fen, t.key),
    )
    months = (
        active.order_by()
        .annotate(month=TruncMonth("date"))
        .values("month")
        .annotate(count=Count("id"), fen=Sum("amount_fen"))
        .order_by("month")
    )
    totals.by_month = [
        Total(f"{r['month']:%Y-%m}", f"{r['month']:%Y-%m}", r["count"], int(r["fen"]))
        for r in months
    ]
    return totals


# --- history --------------------------------------------------------------------------


@dataclass
class HistoryChange:
    field: str
    old: Any
    new: Any


@dataclass
class HistoryEntry:
    """One history row of a contribution as its page shows it."""

    when: dt.datetime
    who: Any
    kind: str  # created, changed, archived, restored
    reason: str
    changes: list[HistoryChange] = field(default_factory=list)


_TRACKED = ("community", "date", "amount_fen", "purpose", "problems")


def contribution_history(
    contribution: Contribution, limit: int = HISTORY_LIMIT
) -> list[HistoryEntry]:
    """The newest ``limit`` history rows of ``contribution``, newest first: who, when,
    what (created, changed, archived, restored), the reason given and each change.

    Field values stay raw (amounts in fen, community and problem ids replaced
    by their codes and numbers); the page formats them.
    """
    manager: Any = contribution.history
    records = list(manager.select_related("history_user").order_by("-history_id")[: limit + 1])
    entries: list[HistoryEntry] = []
    community_ids: set[int] = set()
    problem_ids: set[int] = set()
    for index, record in enumerate(records[:limit]):
        previous = records[index + 1] if index + 1 < len(records) else None
        reason = record.history_change_reason or ""
        if record.history_type == "+":
            kind = "created"
        elif previous is not None and previous.archived_at is None and record.archived_at:
            kind = "archived"
        elif previous is not None and previous.archived_at and record.archived_at is None:
            kind = "restored"
        else:
            kind = "changed"
        entry = HistoryEntry(
            when=record.history_date,
            who=record.history_user,
            kind=kind,
            reason="" if reason in (ARCHIVED, RESTORED) else reason,
        )
        if previous is not None and record.history_type == "~":
            delta = record.diff_against(previous, included_fields=list(_TRACKED))
            for change in delta.changes:
                old, new = change.old, change.new
                if change.field == "community":
                    community_ids.update(v for v in (old, new) if v is not None)
                elif change.field == "problems":
                    old = sorted(link["problem"] for link in old or [])
                    new = sorted(link["problem"] for link in new or [])
                    if old == new:
                        continue
                    problem_ids.update(old + new)
                entry.changes.append(HistoryChange(change.field, old, new))
        entries.append(entry)
    _name_related(entries, community_ids, problem_ids)
    return entries


def _name_related(
    entries: list[HistoryEntry], community_ids: set[int], problem_ids: set[int]
) -> None:
    from gongzhi.areas.models import Community

    communities = {
        c.pk: f"{c.name} ({c.code})"
        for c in Community.objects.filter(pk__in=community_ids).only("id", "name", "code")
    }
    numbers = dict(Problem.objects.filter(pk__in=problem_ids).values_list("id", "number"))
    for entry in entries:
        for change in entry.changes:
            if change.field == "community":
                change.old = communities.get(change.old, change.old)
                change.new = communities.get(change.new, change.new)
            elif change.field == "problems":
                change.old = [numbers.get(pk, pk) for pk in change.old]
                change.new = [numbers.get(pk, pk) for pk in change.new]
