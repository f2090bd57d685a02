from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest

from gongzhi.core.navigation import navigation_for
from gongzhi.core.scoping import scope_of


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": [], "user_roles": []}
    scope = scope_of(user)
    return {
        "nav_items": navigation_for(user),
        "user_scope": scope,
        "user_roles": sorted(scope.roles),
        "map_tile_url": settings.MAP_TILE_URL,
        "map_tile_attribution": settings.MAP_TILE_ATTRIBUTION,
    }
