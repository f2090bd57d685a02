"""Factories and a small ready-made city for tests."""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass, field
from typing import Any

import factory

from gongzhi.areas.models import Community, Compound, District, Street
from gongzhi.core.codes import credit_code_check_char
from gongzhi.core.models import Role, RoleGrant, User
from gongzhi.units.models import Member, Pairing, Unit, UnitKind

PASSWORD = "Correct-Horse-42"
_serial = itertools.count(1)


def make_credit_code(serial: int | None = None, prefix: str = "11421300") -> str:
    """A valid 18-character credit code: prefix, a serial, and the right check digit."""
    n = next(_serial) if serial is None else serial
    first17 = f"{prefix}{n:09d}"[:17]
    return first17 + credit_code_check_char(first17)


def square(lat: float, lng: float, half: float = 0.004) -> dict[str, Any]:
    """A GeoJSON square around a point, as outlines are stored."""
    ring = [
        [lng - half, lat - half],
        [lng + half, lat - half],
        [lng + half, lat + half],
        [lng - half, lat + half],
        [lng - half, lat - half],
    ]
    return {"type": "Polygon", "coordinates": [ring]}


class DistrictFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = District

    code = factory.Sequence(lambda n: f"4213{n % 100:02d}")
    name = factory.Sequence(lambda n: f"区{n}")


class StreetFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Street

    district = factory.SubFactory(DistrictFactory)
    code = factory.LazyAttributeSequence(lambda o, n: f"{o.district.code}{n % 1000:03d}")
    name = factory.Sequence(lambda n: f"街道{n}")


class CommunityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Community

    street = factory.SubFactory(StreetFactory)
    code = factory.LazyAttributeSequence(lambda o, n: f"{o.street.code}{n % 1000:03d}")
    name = factory.Sequence(lambda n: f"社区{n}")
    centre_lat = 31.69
    centre_lng = 113.38
    outline = factory.LazyAttribute(lambda o: square(o.centre_lat, o.centre_lng))


class CompoundFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Compound

    community = factory.SubFactory(CommunityFactory)
    name = factory.Sequence(lambda n: f"小区{n}")


class UnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Unit

    code = factory.LazyFunction(make_credit_code)
    name = factory.Sequence(lambda n: f"随州市测试局{n}")
    kind = UnitKind.AGENCY
    jurisdiction = None


class MemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Member

    unit = factory.SubFactory(UnitFactory)
    name = factory.Sequence(lambda n: f"成员{n}")
    phone = "13800000000"


class PairingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Pairing

    unit = factory.SubFactory(UnitFactory)
    community = factory.SubFactory(CommunityFactory)
    start = dt.date(2021, 7, 1)
    end = None


def make_user(username: str, role: str | None = None, **binding: Any) -> User:
    user = User.objects.create_user(username=username, password=PASSWORD)
    if role:
        RoleGrant.objects.create(user=user, role=role, **binding)
    return user


@dataclass
class World:
    """Two districts (A, B), each with one street and two communities; units paired in each."""

    district_a: District
    district_b: District
    street_a: Street
    street_b: Street
    community_a1: Community
    community_a2: Community
    community_b1: Community
    community_b2: Community
    unit_a: Unit  # municipal unit paired with community_a1
    unit_b: Unit  # unit of district B, paired with community_b1
    unit_free: Unit  # municipal unit with no pairing
    pairing_a: Pairing
    pairing_b: Pairing
    users: dict[str, User] = field(default_factory=dict)


def build_world() -> World:
    district_a = DistrictFactory(code="421303", name="曾都区")
    district_b = DistrictFactory(code="421381", name="广水市")
    street_a = StreetFactory(district=district_a, code="421303001", name="西城街道")
    street_b = StreetFactory(district=district_b, code="421381001", name="应山街道")
    community_a1 = CommunityFactory(street=street_a, code="421303001001", name="白云社区")
    community_a2 = CommunityFactory(street=street_a, code="421303001002", name="青云社区")
    community_b1 = CommunityFactory(street=street_b, code="421381001001", name="应山社区")
    community_b2 = CommunityFactory(street=street_b, code="421381001002", name="印台社区")
    unit_a = UnitFactory(name="随州市市场监督管理局", short_name="市市场监管局")
    unit_b = UnitFactory(name="广水市住房和城乡建设局", jurisdiction=district_b)
    unit_free = UnitFactory(name="随州市统计局", short_name="市统计局")
    pairing_a = PairingFactory(unit=unit_a, community=community_a1)
    pairing_b = PairingFactory(unit=unit_b, community=community_b1)
    world = World(
        district_a,
        district_b,
        street_a,
        street_b,
        community_a1,
        community_a2,
        community_b1,
        community_b2,
        unit_a,
        unit_b,
        unit_free,
        pairing_a,
        pairing_b,
    )
    member_a = MemberFactory(unit=unit_a, name="张三")
    world.users = {
        "office": make_user("office", Role.OFFICE),
        "leader": make_user("leader", Role.LEADER),
        "district": make_user("district", Role.DISTRICT, district=district_a),
        "street": make_user("street", Role.STREET, street=street_a),
        "community": make_user("community", Role.COMMUNITY, community=community_a1),
        "unit": make_user("unit", Role.UNIT, unit=unit_a),
        "inspector": make_user("inspector", Role.INSPECTOR),
        "member": make_user("member", Role.MEMBER, unit=unit_a),
        "nobody": make_user("nobody"),
    }
    member_a.user = world.users["member"]
    member_a.save()
    return world
