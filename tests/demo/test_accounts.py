"""One demo login per role, with the documented password and the right grant."""

from __future__ import annotations

from typing import Any

import pytest

from gongzhi.core.models import Role, RoleGrant, User
from gongzhi.demo.accounts import DEMO_PASSWORD
from gongzhi.units.models import Member, Pairing

EXPECTED = {
    "office": (Role.OFFICE, None),
    "leader": (Role.LEADER, None),
    "district": (Role.DISTRICT, "曾都区"),
    "street": (Role.STREET, "西城街道"),
    "community": (Role.COMMUNITY, None),  # checked below: a 西城街道 community
    "unit": (Role.UNIT, "市市场监管局"),
    "inspector": (Role.INSPECTOR, None),
    "member": (Role.MEMBER, "市市场监管局"),
}


@pytest.mark.parametrize("username", list(EXPECTED))
def test_each_demo_login_exists_with_the_password_and_its_grant(
    demo_city: dict[str, Any], db: None, username: str
) -> None:
    role, target = EXPECTED[username]
    user = User.objects.get(username=username)
    assert user.is_active and user.display_name
    assert user.check_password(DEMO_PASSWORD)
    grant = RoleGrant.objects.get(user=user, revoked_at__isnull=True)
    assert grant.role == role
    if target is not None:
        assert str(grant.district or grant.street or grant.unit) == target


def test_the_community_login_is_a_xicheng_community_paired_with_market_regulation(
    demo_city: dict[str, Any], db: None
) -> None:
    grant = RoleGrant.objects.get(user__username="community")
    assert grant.community is not None
    assert grant.community.street.name == "西城街道"
    assert Pairing.objects.filter(
        community=grant.community, unit__short_name="市市场监管局"
    ).exists()


def test_the_member_login_is_linked_to_a_member_of_market_regulation(
    demo_city: dict[str, Any], db: None
) -> None:
    member = Member.objects.get(user__username="member")
    assert member.unit.short_name == "市市场监管局"
    assert User.objects.get(username="member").display_name == member.name


def test_a_changed_demo_password_is_restored_by_loading_again(
    demo_city: dict[str, Any], db: None
) -> None:
    import io

    from gongzhi.demo.loader import load_demo

    user = User.objects.get(username="leader")
    user.set_password("something-else")
    user.save()
    load_demo(io.StringIO())
    user.refresh_from_db()
    assert user.check_password(DEMO_PASSWORD)
