"""The demo city's areas: districts, streets, communities with outlines, compounds."""

from __future__ import annotations

import math
from typing import Any

from gongzhi.areas.models import Community, Compound, District, Street
from gongzhi.demo.data import read_csv
from gongzhi.demo.names import landline, person_name
from gongzhi.demo.rows import sync_rows

CITY_DISTRICTS = ("421303", "421321", "421381")  # 曾都区, 随县, 广水市
OUTLINE_RADIUS_M = 200  # hexagons about 400 m across
METRES_PER_DEGREE = 111_320
COMPOUND_SUFFIXES = ("花园", "小区", "家属院")


def hexagon(lat: float, lng: float, radius_m: float = OUTLINE_RADIUS_M) -> dict[str, Any]:
    """A closed GeoJSON Polygon (a hexagon) around a centre, coordinates [lng, lat]."""
    dlat = radius_m / METRES_PER_DEGREE
    dlng = dlat / math.cos(math.radians(lat))
    ring = [
        [
            round(lng + dlng * math.cos(math.radians(60 * k)), 6),
            round(lat + dlat * math.sin(math.radians(60 * k)), 6),
        ]
        for k in range(6)
    ]
    ring.append(ring[0])
    return {"type": "Polygon", "coordinates": [ring]}


def load_districts() -> dict[str, District]:
    divisions = read_csv("suizhou-divisions.csv")
    rows: list[dict[str, Any]] = [
        {"code": d["code"], "name": d["name"], "is_local_code": False}
        for d in divisions
        if d["level"] == "district" and d["code"] in CITY_DISTRICTS
    ]
    rows += [
        {"code": a["code"], "name": a["name"], "is_local_code": True}
        for a in read_csv("functional-areas.csv")
    ]
    codes = [r["code"] for r in rows]
    found = sync_rows(
        District,
        rows,
        key=lambda r: r["code"],
        existing=District.objects.filter(code__in=codes),
    )
    return {str(k): v for k, v in found.items()}


def load_streets(districts: dict[str, District]) -> dict[str, Street]:
    rows = [
        {"code": s["code"], "name": s["name"], "district_id": districts[s["parent_code"]].pk}
        for s in read_csv("suizhou-divisions.csv")
        if s["level"] == "street" and s["parent_code"] in districts
    ]
    found = sync_rows(
        Street,
        rows,
        key=lambda r: r["code"],
        existing=Street.objects.filter(code__in=[r["code"] for r in rows]),
    )
    return {str(k): v for k, v in found.items()}


def load_communities(streets: dict[str, Street]) -> dict[str, Community]:
    rows = []
    for n, c in enumerate(read_csv("communities.csv")):
        lat, lng = float(c["centre_lat"]), float(c["centre_lng"])
        rows.append(
            {
                "code": c["code"],
                "name": c["name"],
                "street_id": streets[c["street_code"]].pk,
                "centre_lat": lat,
                "centre_lng": lng,
                "outline": hexagon(lat, lng),
                "contact_name": person_name(500 + n),
                "contact_phone": landline(500 + n),
            }
        )
    found = sync_rows(
        Community,
        rows,
        key=lambda r: r["code"],
        existing=Community.objects.filter(code__in=[r["code"] for r in rows]),
    )
    return {str(k): v for k, v in found.items()}


def load_compounds(communities: dict[str, Community]) -> int:
    """Two or three compounds per community; every third one an old compound (老旧小区)."""
    rows = []
    for n, community in enumerate(communities.values()):
        stem = community.name.removesuffix("社区")
        for k in range(2 + n % 2):
            serial = n * 3 + k
            suffix = COMPOUND_SUFFIXES[(n + k) % len(COMPOUND_SUFFIXES)]
            rows.append(
                {
                    "community_id": community.pk,
                    "name": f"{stem}{suffix}",
                    "is_old": suffix == "家属院" or serial % 3 == 0,
                    "households": 120 + (serial * 47) % 600,
                }
            )
    found = sync_rows(
        Compound,
        rows,
        key=lambda r: (r["community_id"], r["name"]),
        existing=Compound.objects.filter(community__in=list(communities.values())),
    )
    return len(found)
