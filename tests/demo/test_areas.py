"""The demo's districts, streets, communities (with outlines) and compounds."""

from __future__ import annotations

import csv
import itertools
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ValidationError

from gongzhi.areas.models import Community, Compound, District, Street
from gongzhi.core.codes import validate_division_code
from gongzhi.demo.data import DATA_DIR

SHARED_DIVISIONS = Path("/work/shared/data/suizhou-divisions.csv")
URBAN_STREETS = ("西城街道", "东城街道", "南郊街道", "北郊街道", "涢水街道")


def test_the_divisions_file_is_kept_unchanged_with_its_source_comment() -> None:
    text = (DATA_DIR / "suizhou-divisions.csv").read_text(encoding="utf-8")
    assert text.startswith("# ")
    if SHARED_DIVISIONS.exists():
        assert text == SHARED_DIVISIONS.read_text(encoding="utf-8")


def test_the_city_has_its_three_real_districts_and_two_functional_areas(
    demo_city: dict[str, Any], db: None
) -> None:
    districts = {d.code: d for d in District.objects.all()}
    assert {c: d.name for c, d in districts.items() if not d.is_local_code} == {
        "421303": "曾都区",
        "421321": "随县",
        "421381": "广水市",
    }
    local = {d.name: d.code for d in districts.values() if d.is_local_code}
    assert set(local) == {"随州高新区", "大洪山风景名胜区"}
    for code in districts:
        validate_division_code(code, 6, "4213")
    assert not set(local.values()) & {
        row[0] for row in csv.reader((DATA_DIR / "suizhou-divisions.csv").open()) if row
    }


def test_every_street_of_the_divisions_file_is_loaded_under_its_district(
    demo_city: dict[str, Any], db: None
) -> None:
    with (DATA_DIR / "suizhou-divisions.csv").open(encoding="utf-8") as handle:
        rows = [r for r in csv.reader(handle) if r and not r[0].startswith("#")]
    expected = {r[0]: (r[1], r[3]) for r in rows if r[2] == "street"}
    loaded = {s.code: (s.name, s.district.code) for s in Street.objects.select_related("district")}
    assert loaded == expected
    for code, (_, district_code) in loaded.items():
        validate_division_code(code, 9, district_code)


def test_every_community_code_is_valid_and_starts_with_its_streets_code(
    demo_city: dict[str, Any], db: None
) -> None:
    communities = list(Community.objects.select_related("street"))
    assert communities
    for community in communities:
        try:
            validate_division_code(community.code, 12, community.street.code)
        except ValidationError as error:  # pragma: no cover - the message says which
            pytest.fail(f"{community.name} {community.code}: {error}")
    assert len({c.name for c in communities}) == len(communities)


def test_the_urban_streets_hold_sixty_to_a_hundred_communities(
    demo_city: dict[str, Any], db: None
) -> None:
    urban = Community.objects.filter(
        street__name__in=URBAN_STREETS, street__district__code="421303"
    )
    assert 60 <= urban.count() <= 100
    for name in URBAN_STREETS:
        assert urban.filter(street__name=name).exists(), name
    assert Community.objects.filter(street__district__code="421381").count() >= 2
    assert Community.objects.filter(street__district__code="421321").count() >= 2


def _ring(community: Community) -> list[list[float]]:
    outline = community.outline
    assert outline["type"] == "Polygon"
    return outline["coordinates"][0]


def test_every_outline_is_a_closed_polygon_around_its_centre(
    demo_city: dict[str, Any], db: None
) -> None:
    for community in Community.objects.all():
        ring = _ring(community)
        assert len(ring) >= 4 and ring[0] == ring[-1], community.name
        lngs = [p[0] for p in ring]
        lats = [p[1] for p in ring]
        assert min(lngs) < community.centre_lng < max(lngs)
        assert min(lats) < community.centre_lat < max(lats)
        # roughly 400 m across: between 200 m and 800 m of latitude
        assert 0.0018 < max(lats) - min(lats) < 0.0072, community.name


def test_the_communities_lie_around_the_real_towns(demo_city: dict[str, Any], db: None) -> None:
    towns = {"421303": (31.69, 113.37), "421381": (31.62, 113.83), "421321": (31.86, 113.26)}
    for community in Community.objects.select_related("street__district"):
        lat, lng = towns[community.street.district.code]
        assert abs(community.centre_lat - lat) < 0.06, community.name
        assert abs(community.centre_lng - lng) < 0.06, community.name


def test_no_two_outlines_overlap(demo_city: dict[str, Any], db: None) -> None:
    boxes = []
    for community in Community.objects.all():
        ring = _ring(community)
        boxes.append(
            (
                community.name,
                min(p[0] for p in ring),
                max(p[0] for p in ring),
                min(p[1] for p in ring),
                max(p[1] for p in ring),
            )
        )
    for a, b in itertools.combinations(boxes, 2):
        apart = a[2] < b[1] or b[2] < a[1] or a[4] < b[3] or b[4] < a[3]
        assert apart, f"{a[0]} overlaps {b[0]}"


def test_every_community_has_compounds_and_some_are_old(
    demo_city: dict[str, Any], db: None
) -> None:
    assert not Community.objects.filter(compounds__isnull=True).exists()
    old = Compound.objects.filter(is_old=True).count()
    assert 0 < old < Compound.objects.count()
