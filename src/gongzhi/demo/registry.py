"""The demo's units (102 municipal ones among them), their members and pairings."""

from __future__ import annotations

import datetime as dt
from typing import Any

from gongzhi.areas.models import Community, District
from gongzhi.demo.data import read_csv
from gongzhi.demo.names import landline, mobile, person_name
from gongzhi.demo.rows import sync_rows
from gongzhi.units.models import Member, Pairing, Unit

MEMBERS_PER_UNIT = 3
MUNICIPAL = "municipal"


def load_units(districts: dict[str, District]) -> dict[str, Unit]:
    rows = []
    for n, u in enumerate(read_csv("units.csv")):
        jurisdiction = None if u["jurisdiction"] == MUNICIPAL else districts[u["jurisdiction"]]
        rows.append(
            {
                "code": u["code"],
                "name": u["name"],
                "short_name": u["short_name"],
                "kind": u["kind"],
                "jurisdiction_id": jurisdiction.pk if jurisdiction else None,
                "headcount": int(u["headcount"]),
                "contact_name": person_name(n),
                "contact_phone": landline(n),
            }
        )
    found = sync_rows(
        Unit,
        rows,
        key=lambda r: r["code"],
        existing=Unit.objects.filter(code__in=[r["code"] for r in rows]),
    )
    return {str(k): v for k, v in found.items()}


def load_members(units: dict[str, Unit], communities: dict[str, Community]) -> list[Member]:
    """A few members per unit; every other one lives in a demo community."""
    homes = list(communities.values())
    rows: list[dict[str, Any]] = []
    for u, unit in enumerate(units.values()):
        for k in range(MEMBERS_PER_UNIT):
            n = u * MEMBERS_PER_UNIT + k
            home = homes[(n * 13) % len(homes)] if n % 2 == 0 else None
            rows.append(
                {
                    "unit_id": unit.pk,
                    "name": person_name(1000 + n),
                    "phone": mobile(n),
                    "is_party_member": n % 3 != 2,
                    "residence_community_id": home.pk if home else None,
                }
            )
    found = sync_rows(
        Member,
        rows,
        key=lambda r: (r["unit_id"], r["name"]),
        existing=Member.objects.filter(unit__in=list(units.values())),
    )
    return list(found.values())


def load_pairings(units: dict[str, Unit], communities: dict[str, Community]) -> int:
    rows = [
        {
            "unit_id": units[p["unit_code"]].pk,
            "community_id": communities[p["community_code"]].pk,
            "start": dt.date.fromisoformat(p["start"]),
            "end": None,
        }
        for p in read_csv("pairings.csv")
    ]
    found = sync_rows(
        Pairing,
        rows,
        key=lambda r: (r["unit_id"], r["community_id"], r["start"]),
        existing=Pairing.objects.filter(unit__in=list(units.values())),
    )
    return len(found)
