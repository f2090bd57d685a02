"""One demo login per role (DESIGN.md section 6), all with the same documented password."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.auth.hashers import check_password, make_password

from gongzhi.areas.models import Community, District, Street
from gongzhi.core.models import Role, RoleGrant, User
from gongzhi.units.models import Member, Unit

#: The one password of every demo login. Demo data only: never use it elsewhere.
DEMO_PASSWORD = "demo-2021"  # noqa: S105 - documented demo password, demo data only

DEMO_DISTRICT = "421303"  # 曾都区
DEMO_STREET = "421303001"  # 西城街道
DEMO_COMMUNITY = "421303001001"  # 白云社区, paired with 市市场监管局
DEMO_UNIT_SHORT_NAME = "市市场监管局"
#: The inspection group the demo ``inspector`` login leads (see ``demo.inspections``).
DEMO_INSPECTION_GROUP = "第一督导组"


@dataclass(frozen=True)
class Login:
    username: str
    role: str
    scope: str
    display_name: str


# username → (role, fictional display name); the username is the role's name.
DEMO_USERS: dict[str, tuple[str, str]] = {
    "office": (Role.OFFICE, "周文静"),
    "leader": (Role.LEADER, "李建国"),
    "district": (Role.DISTRICT, "王海峰"),
    "street": (Role.STREET, "陈丽华"),
    "community": (Role.COMMUNITY, "刘芳"),
    "unit": (Role.UNIT, "赵明远"),
    "inspector": (Role.INSPECTOR, "孙志强"),
    "member": (Role.MEMBER, ""),  # the name of the Member row it is linked to
}


class _Passwords:
    """Hashes the demo password once per run and checks each distinct stored hash once.

    Password hashing is deliberately slow (about a second here); the demo logins
    share one hash of their shared password, so loading stays fast.
    """

    def __init__(self) -> None:
        self._encoded: str | None = None
        self._checked: dict[str, bool] = {}

    def encoded(self) -> str:
        if self._encoded is None:
            self._encoded = make_password(DEMO_PASSWORD)
        return self._encoded

    def is_demo_password(self, encoded: str) -> bool:
        if encoded not in self._checked:
            self._checked[encoded] = check_password(DEMO_PASSWORD, encoded)
        return self._checked[encoded]


def _ensure_user(username: str, display_name: str, passwords: _Passwords) -> User:
    user = User.objects.filter(username=username).first()
    if user is None:
        user = User(username=username, display_name=display_name, password=passwords.encoded())
        user.save()
        return user
    changed = []
    if user.display_name != display_name:
        user.display_name = display_name
        changed.append("display_name")
    if not user.is_active:
        user.is_active = True
        changed.append("is_active")
    # The demo always answers to the documented password, even if someone changed it.
    if not passwords.is_demo_password(user.password):
        user.password = passwords.encoded()
        changed.append("password")
    if changed:
        user.save(update_fields=changed)
    return user


def _ensure_grant(user: User, role: str, binding: dict[str, Any]) -> None:
    grants = RoleGrant.objects.filter(user=user, role=role, revoked_at__isnull=True)
    if not grants.filter(**binding).exists():
        RoleGrant.objects.create(user=user, role=role, **binding)


def load_accounts(
    *,
    districts: dict[str, District],
    streets: dict[str, Street],
    communities: dict[str, Community],
    units: dict[str, Unit],
    members: list[Member],
) -> list[Login]:
    """Create (or restore) the demo logins with their grants; link ``member`` to a Member."""
    unit = next(u for u in units.values() if u.short_name == DEMO_UNIT_SHORT_NAME)
    member_row = next(m for m in members if m.unit_id == unit.pk)
    bindings: dict[str, tuple[dict[str, Any], str]] = {
        "office": ({}, ""),
        "leader": ({}, ""),
        "district": (
            {"district": districts[DEMO_DISTRICT]},
            districts[DEMO_DISTRICT].name,
        ),
        "street": ({"street": streets[DEMO_STREET]}, streets[DEMO_STREET].name),
        "community": (
            {"community": communities[DEMO_COMMUNITY]},
            communities[DEMO_COMMUNITY].name,
        ),
        "unit": ({"unit": unit}, unit.short_name),
        "inspector": ({}, DEMO_INSPECTION_GROUP),
        "member": ({"unit": unit}, f"{unit.short_name} · {member_row.name}"),
    }
    logins = []
    passwords = _Passwords()
    for username, (role, display_name) in DEMO_USERS.items():
        display_name = display_name or member_row.name
        user = _ensure_user(username, display_name, passwords)
        binding, scope = bindings[username]
        _ensure_grant(user, role, binding)
        logins.append(Login(username, str(role), scope, display_name))
        if username == "member" and member_row.user_id != user.pk:
            Member.objects.filter(user=user).exclude(pk=member_row.pk).update(user=None)
            member_row.user = user
            member_row.save(update_fields=["user"])
    return logins
