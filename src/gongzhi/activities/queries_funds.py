"""Reads of contributions (投入资金): totals by unit, community and period."""

from __future__ import annotations

import datetime as dt

from django.db.models import Sum

from gongzhi.activities.models import Contribution


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
