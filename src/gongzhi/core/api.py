"""API routes of core: tokens."""

from __future__ import annotations

from django.contrib.auth import authenticate
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Schema

from gongzhi.core import services
from gongzhi.core.api_schemas import ErrorOut

router = Router(tags=["auth"])


class TokenIn(Schema):
    username: str
    password: str
    name: str = ""


class TokenOut(Schema):
    token: str
    username: str


@router.post("auth/token", auth=None, response={201: TokenOut, 401: ErrorOut, 429: ErrorOut})
def token_create(request: HttpRequest, payload: TokenIn) -> tuple[int, dict[str, str]]:
    """Exchange a username and password for a bearer token (the key is shown once)."""
    user = authenticate(request, username=payload.username, password=payload.password)
    if getattr(request, "axes_locked_out", False):
        return 429, {"detail": _("Too many failed logins. Try again later.")}
    if user is None:
        return 401, {"detail": _("Wrong username or password.")}
    key = services.api_token_create(user=user, name=payload.name or "api")
    return 201, {"token": key, "username": user.get_username()}
