"""Which community a point lies in: ray casting over GeoJSON outlines (WGS-84).

Outlines are small (a community is a few hundred metres across), so planar
geometry on longitude/latitude is exact enough. Candidates are prefiltered
in the database by their centre, then by each outline's bounding box.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Any

Ring = Sequence[Sequence[float]]

#: Communities whose centre is farther than this (degrees) are not candidates.
CANDIDATE_RADIUS_DEG = 0.2


def point_in_ring(lng: float, lat: float, ring: Ring) -> bool:
    """Even-odd ray casting: does a ray to the east cross the ring an odd number of times?"""
    inside = False
    n = len(ring)
    if n < 3:
        return False
    j = n - 1
    for i in range(n):
        xi, yi = float(ring[i][0]), float(ring[i][1])
        xj, yj = float(ring[j][0]), float(ring[j][1])
        if (yi > lat) != (yj > lat):
            x_cross = xi + (lat - yi) * (xj - xi) / (yj - yi)
            if lng < x_cross:
                inside = not inside
        j = i
    return inside


def _polygons(geometry: dict[str, Any] | None) -> list[list[Ring]]:
    if not isinstance(geometry, dict):
        return []
    kind = geometry.get("type")
    coords = geometry.get("coordinates") or []
    if kind == "Polygon":
        return [coords]
    if kind == "MultiPolygon":
        return list(coords)
    if kind == "Feature":
        return _polygons(geometry.get("geometry"))
    return []


def point_in_geometry(lat: float, lng: float, geometry: dict[str, Any] | None) -> bool:
    """Inside a GeoJSON Polygon or MultiPolygon: in an outer ring and in none of its holes."""
    for rings in _polygons(geometry):
        if not rings:
            continue
        outer, holes = rings[0], rings[1:]
        if point_in_ring(lng, lat, outer) and not any(point_in_ring(lng, lat, h) for h in holes):
            return True
    return False


def bounding_box(geometry: dict[str, Any] | None) -> tuple[float, float, float, float] | None:
    """``(min_lng, min_lat, max_lng, max_lat)`` of the outer rings, or None."""
    xs: list[float] = []
    ys: list[float] = []
    for rings in _polygons(geometry):
        if rings:
            xs += [float(p[0]) for p in rings[0]]
            ys += [float(p[1]) for p in rings[0]]
    if not xs:
        return None
    return min(xs), min(ys), max(xs), max(ys)


def first_containing(lat: float, lng: float, outlines: Iterable[tuple[Any, Any]]) -> Any:
    """The first key whose outline contains the point, among ``(key, outline)`` pairs."""
    for key, outline in outlines:
        box = bounding_box(outline)
        if box is None:
            continue
        min_lng, min_lat, max_lng, max_lat = box
        if not (min_lng <= lng <= max_lng and min_lat <= lat <= max_lat):
            continue
        if point_in_geometry(lat, lng, outline):
            return key
    return None


def community_at(lat: float, lng: float) -> Any:
    """The active community whose outline contains the point, or None."""
    from django.db.models import Q

    from gongzhi.areas.models import Community

    r = CANDIDATE_RADIUS_DEG
    candidates = (
        Community.objects.active()
        .filter(outline__isnull=False)
        .filter(
            Q(
                centre_lat__gte=lat - r,
                centre_lat__lte=lat + r,
                centre_lng__gte=lng - r,
                centre_lng__lte=lng + r,
            )
            | Q(centre_lat__isnull=True)
            | Q(centre_lng__isnull=True)
        )
        .order_by("code")
        .only("id", "code", "outline")
    )
    return first_containing(lat, lng, ((c, c.outline) for c in candidates))


EARTH_RADIUS_M = 6_371_008.8


def distance_m(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    """Great-circle distance in metres (haversine on the mean Earth radius)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lng2 - lng1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


def bbox_around(lat: float, lng: float, radius_m: float) -> tuple[float, float, float, float]:
    """``(min_lat, max_lat, min_lng, max_lng)`` of a box holding the circle (for a prefilter)."""
    dlat = math.degrees(radius_m / EARTH_RADIUS_M)
    dlng = dlat / max(math.cos(math.radians(lat)), 1e-6)
    return lat - dlat, lat + dlat, lng - dlng, lng + dlng
