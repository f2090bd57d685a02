"""API routes of core: tokens and the caller's own account."""

from __future__ import annotations

from typing import cast

from django.contrib.auth import authenticate
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status

from gongzhi.core import services
from gongzhi.core.api_schemas import ErrorOut
from gongzhi.core.models import RoleGrant, User
from gongzhi.core.scoping import scope_of

router = Router(tags=["auth"])


class TokenIn(Schema):
    username: str
    password: str
    name: str = ""


class TokenOut(Schema):
    token: str
    username: str


class GrantOut(Schema):
    role: str
    district_code: str | None = None
    street_code: str | None = None
    community_code: str | None = None
    unit_code: str | None = None


class MeOut(Schema):
    username: str
    display_name: str
    roles: list[str]
    grants: list[GrantOut]


@router.post(
    "auth/token",
    auth=None,
    response={201: TokenOut, 400: ErrorOut, 401: ErrorOut, 422: ErrorOut, 429: ErrorOut},
)
def token_create(request: HttpRequest, payload: TokenIn) -> Status[dict[str, str]]:
    """Exchange a username and password for a bearer token (the key is shown once)."""
    user = authenticate(request, username=payload.username, password=payload.password)
    if getattr(request, "axes_locked_out", False):
        return Status(429, {"detail": _("Too many failed logins. Try again later.")})
    if user is None:
        return Status(401, {"detail": _("Wrong username or password.")})
    key = services.api_token_create(user=user, name=payload.name or "api")
    return Status(201, {"token": key, "username": user.get_username()})


@router.get("auth/me", response={200: MeOut, 401: ErrorOut})
def me(request: HttpRequest) -> dict[str, object]:
    """The caller's account, roles and the areas or units each grant is bound to."""
    user = request.user
    grants = RoleGrant.objects.filter(
        user=cast(User, user), revoked_at__isnull=True
    ).select_related("district", "street", "community", "unit")
    return {
        "username": user.get_username(),
        "display_name": str(user),
        "roles": sorted(scope_of(user).roles),
        "grants": [
            {
                "role": g.role,
                "district_code": g.district.code if g.district else None,
                "street_code": g.street.code if g.street else None,
                "community_code": g.community.code if g.community else None,
                "unit_code": g.unit.code if g.unit else None,
            }
            for g in grants
        ],
    }
