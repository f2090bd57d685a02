"""Bearer-token authentication for the REST API."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja.security import HttpBearer

from gongzhi.core.models import ApiToken


class BearerToken(HttpBearer):
    """``Authorization: Bearer <key>``; the user the token belongs to becomes ``request.user``."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        try:
            found = ApiToken.objects.select_related("user").get(key_hash=ApiToken.hash_key(token))
        except ApiToken.DoesNotExist:
            return None
        if not found.is_valid() or not found.user.is_active:
            return None
        now = timezone.now()
        if found.last_used_at is None or (now - found.last_used_at).total_seconds() > 60:
            ApiToken.objects.filter(pk=found.pk).update(last_used_at=now)
        request.user = found.user
        return found.user
