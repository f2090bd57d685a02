"""The demo's units: 102 municipal ones with valid credit codes, members and pairings."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count

from gongzhi.core.codes import validate_credit_code
from gongzhi.demo.data import read_csv
from gongzhi.units.models import Member, Pairing, Unit, UnitKind

NAMED_IN_THE_REPORT = {
    "市市场监管局": UnitKind.AGENCY,
    "市水利和湖泊局": UnitKind.AGENCY,
    "市住建局": UnitKind.AGENCY,
    "市财政局": UnitKind.AGENCY,
    "市统计局": UnitKind.AGENCY,
    "市城管执法委": UnitKind.AGENCY,
    "市卫健委": UnitKind.AGENCY,
    "市机关事务服务中心": UnitKind.INSTITUTION,
    "市政协办": UnitKind.AGENCY,
    "国网随州供电公司": UnitKind.ENTERPRISE,
}
URBAN_DISTRICT = "421303"


def test_there_are_exactly_102_municipal_units(demo_city: dict[str, Any], db: None) -> None:
    assert Unit.objects.filter(jurisdiction__isnull=True).count() == 102


def test_every_unit_named_in_the_report_is_there_with_its_short_name(
    demo_city: dict[str, Any], db: None
) -> None:
    for short_name, kind in NAMED_IN_THE_REPORT.items():
        unit = Unit.objects.get(short_name=short_name)
        assert unit.jurisdiction is None, short_name
        assert unit.kind == kind, short_name


def test_short_names_are_unique_so_people_can_tell_units_apart(
    demo_city: dict[str, Any], db: None
) -> None:
    names = list(Unit.objects.values_list("short_name", flat=True))
    assert all(names) and len(set(names)) == len(names)


def test_every_credit_code_is_valid_and_enterprises_start_with_91(
    demo_city: dict[str, Any], db: None
) -> None:
    for unit in Unit.objects.all():
        validate_credit_code(unit.code)
        if unit.kind == UnitKind.ENTERPRISE:
            assert unit.code.startswith("91"), unit.name
        else:
            assert unit.code[0] in "18", unit.name


def test_municipal_units_are_agencies_enterprises_and_institutions_with_contacts(
    demo_city: dict[str, Any], db: None
) -> None:
    municipal = Unit.objects.filter(jurisdiction__isnull=True)
    assert set(municipal.values_list("kind", flat=True)) == set(UnitKind.values)
    for unit in municipal:
        assert unit.headcount and unit.contact_name and unit.contact_phone, unit.name


def test_the_units_file_matches_what_is_loaded(demo_city: dict[str, Any], db: None) -> None:
    rows = read_csv("units.csv")
    loaded = {u.code: u for u in Unit.objects.select_related("jurisdiction")}
    assert len(rows) == len(loaded)
    for row in rows:
        unit = loaded[row["code"]]
        jurisdiction = unit.jurisdiction.code if unit.jurisdiction else "municipal"
        assert (unit.name, unit.short_name, unit.kind, jurisdiction, unit.headcount) == (
            row["name"],
            row["short_name"],
            row["kind"],
            row["jurisdiction"],
            int(row["headcount"]),
        )


def test_zengdu_and_high_tech_zone_units_exist_and_are_paired_with_urban_communities(
    demo_city: dict[str, Any], db: None
) -> None:
    for district_name in ("曾都区", "随州高新区"):
        units = Unit.objects.filter(jurisdiction__name=district_name)
        assert units.exists(), district_name
        for unit in units:
            pairings = Pairing.objects.filter(unit=unit)
            assert pairings.exists(), unit.name
            assert all(p.community.street.district.code == URBAN_DISTRICT for p in pairings)


def test_every_municipal_unit_is_paired_with_one_or_two_urban_communities_from_july_2021(
    demo_city: dict[str, Any], db: None
) -> None:
    for unit in Unit.objects.filter(jurisdiction__isnull=True).prefetch_related(
        "pairings__community__street__district"
    ):
        pairings = list(unit.pairings.all())
        assert 1 <= len(pairings) <= 2, unit.name
        for pairing in pairings:
            assert pairing.start == dt.date(2021, 7, 1)
            assert pairing.end is None
            assert pairing.community.street.district.code == URBAN_DISTRICT


def test_some_communities_have_several_units(demo_city: dict[str, Any], db: None) -> None:
    busiest = Pairing.objects.values("community").annotate(n=Count("unit")).order_by("-n").first()
    assert busiest is not None and busiest["n"] >= 2


def test_every_unit_has_members_with_fictional_names_and_phones(
    demo_city: dict[str, Any], db: None
) -> None:
    assert not Unit.objects.filter(members__isnull=True).exists()
    for member in Member.objects.all()[:50]:
        assert member.name and len(member.phone) == 11 and member.phone.isdigit()
