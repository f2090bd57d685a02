"""Demo contributions (投入资金): what the units spent for their communities, in fen.

The reference months are exact (DESIGN.md sections 1 and 8): from 2021-07-01 to
2021-10-31 the municipal units' contributions add up to
:data:`FUNDS_MUNICIPAL_YUAN` and the district units' to :data:`FUNDS_DISTRICT_YUAN`,
so the funds figure reads "300余万元" with or without the units of 曾都区 and
随州高新区; the four units the newspaper named have exactly their published
totals (``data/contributions-2021.csv``). The other units' shares are drawn,
then scaled to whole hundreds of yuan, the rounding left over going to the
largest one. Later months get a few contributions per unit and year.

Contributions are matched by unit, community, date and purpose.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from typing import TYPE_CHECKING, Any

from django.utils import timezone

from gongzhi.activities.models import Contribution
from gongzhi.demo.activities_attendance import REFERENCE_END, REFERENCE_START
from gongzhi.demo.data import read_csv
from gongzhi.demo.problems import _explicit_timestamps
from gongzhi.demo.rows import sync_rows
from gongzhi.units.models import Unit, UnitKind

if TYPE_CHECKING:
    from gongzhi.demo.activities import DemoSessions

SEED = 20210723
FEN_PER_YUAN = 100
#: Municipal units' funds from 2021-07-01 to 2021-10-31, in yuan: "300余万元".
FUNDS_MUNICIPAL_YUAN = 3_046_800
#: The district units' (曾都区, 随州高新区) in the same months: all units 3,068,400 yuan.
FUNDS_DISTRICT_YUAN = 21_600
#: Share of the other units that contributed in the reference months.
MUNICIPAL_CONTRIBUTING = 0.85
DISTRICT_CONTRIBUTING = 0.6
#: After the reference months: the chance a unit contributes at a given session.
LATER_SHARE = 0.08


def load(ctx: DemoSessions) -> int:
    """Write the missing demo contributions, bring changed ones back; returns how many."""
    purposes = [r["purpose"] for r in read_csv("contributions-purposes.csv")]
    rows = _reference_months(ctx, purposes) + _later(ctx, purposes)
    with _explicit_timestamps(Contribution):
        found = sync_rows(
            Contribution,
            rows,
            key=lambda r: (r["unit_id"], r["community_id"], r["date"], r["purpose"]),
            existing=Contribution.objects.filter(unit__in=list(ctx.units.values())),
        )
    return len(found)


def _reference_months(ctx: DemoSessions, purposes: list[str]) -> list[dict[str, Any]]:
    by_code = {u.code: u for u in ctx.units.values()}
    community_by_code = {c.code: c for c in ctx.communities.values()}
    named: list[dict[str, Any]] = []
    for r in read_csv("contributions-2021.csv"):
        unit, community = by_code.get(r["unit_code"]), community_by_code.get(r["community_code"])
        if unit is None or community is None:
            continue
        day = dt.date.fromisoformat(r["date"])
        named.append(_row(ctx, unit, community.pk, day, int(r["amount_yuan"]), r["purpose"]))
    named_units = {r["unit_id"] for r in named}
    named_yuan = sum(r["amount_fen"] for r in named) // FEN_PER_YUAN
    days = [s.date for s in ctx.held if REFERENCE_START <= s.date <= REFERENCE_END]
    if not days:
        return named
    rng = random.Random(SEED)  # noqa: S311 - demo data
    others = sorted(
        (u for u in ctx.units.values() if u.pk not in named_units), key=lambda u: u.code
    )
    municipal = [u for u in others if u.jurisdiction_id is None]
    district = [u for u in others if u.jurisdiction_id is not None]
    municipal_yuan = FUNDS_MUNICIPAL_YUAN - named_yuan
    return (
        named
        + _shares(ctx, rng, municipal, days, purposes, municipal_yuan, MUNICIPAL_CONTRIBUTING)
        + _shares(ctx, rng, district, days, purposes, FUNDS_DISTRICT_YUAN, DISTRICT_CONTRIBUTING)
    )


def _shares(
    ctx: DemoSessions,
    rng: random.Random,
    units: list[Unit],
    days: list[dt.date],
    purposes: list[str],
    total_yuan: int,
    contributing: float,
) -> list[dict[str, Any]]:
    """Contributions of ``units`` on session days adding up to exactly ``total_yuan``."""
    drawn: dict[tuple[int, int, dt.date, str], float] = {}
    for unit in units:
        if rng.random() >= contributing:
            continue
        times = rng.choice((1, 1, 2, 3))
        size = math.sqrt(unit.headcount or 0) * (2 if unit.kind == UnitKind.ENTERPRISE else 1)
        for _ in range(times):
            day = rng.choice(days)
            paired = [p for p in ctx.paired_on(day) if p.unit_id == unit.pk]
            weight = size * rng.uniform(0.4, 1.6) / times
            purpose = rng.choice(purposes)
            if paired:
                community_id = rng.choice(paired).community_id
                drawn.setdefault((unit.pk, community_id, day, purpose), weight)
    if not drawn or total_yuan <= 0:
        return []
    scale = total_yuan / sum(drawn.values())
    amounts = {key: max(100, int(w * scale) // 100 * 100) for key, w in drawn.items()}
    largest = max(amounts, key=lambda key: (amounts[key], key))
    amounts[largest] += total_yuan - sum(amounts.values())
    rows = []
    for key in sorted(drawn):
        unit_id, community_id, day, purpose = key
        rows.append(_row(ctx, ctx.units[unit_id], community_id, day, amounts[key], purpose))
    return rows


def _later(ctx: DemoSessions, purposes: list[str]) -> list[dict[str, Any]]:
    """A few contributions per unit and year after the reference months, at sessions."""
    rows: list[dict[str, Any]] = []
    for session in ctx.held:
        if session.date <= REFERENCE_END:
            continue
        rng = random.Random(f"{SEED}:{session.slot_date.isoformat()}")  # noqa: S311 - demo data
        seen: set[int] = set()
        for pairing in ctx.paired_on(session.date):
            gives = rng.random() < LATER_SHARE
            size = rng.uniform(200, 1500)
            purpose = rng.choice(purposes)
            if not gives or pairing.unit_id in seen:
                continue
            seen.add(pairing.unit_id)
            unit = ctx.units[pairing.unit_id]
            yuan = max(1000, round(math.sqrt(unit.headcount or 0) * size, -2))
            rows.append(_row(ctx, unit, pairing.community_id, session.date, int(yuan), purpose))
    return rows


def _row(
    ctx: DemoSessions, unit: Unit, community_id: int, day: dt.date, yuan: int, purpose: str
) -> dict[str, Any]:
    unit_user = ctx.users.get("unit") if unit == ctx.demo_unit else None
    entered = timezone.make_aware(dt.datetime.combine(day, dt.time(18, 30)))
    return {
        "unit_id": unit.pk,
        "community_id": community_id,
        "date": day,
        "amount_fen": yuan * FEN_PER_YUAN,
        "purpose": purpose,
        "entered_by_id": unit_user.pk if unit_user else None,
        "created_at": entered,
        "archived_at": None,
    }
