"""Writes of core: tokens and role grants."""

from __future__ import annotations

from django.db import transaction

from gongzhi.core.models import ApiToken, User


@transaction.atomic
def api_token_create(*, user: User, name: str = "") -> str:
    """Create a token for ``user`` and return its key; only the hash is stored."""
    key = ApiToken.new_key()
    ApiToken.objects.create(user=user, name=name, key_hash=ApiToken.hash_key(key), prefix=key[:8])
    return key
