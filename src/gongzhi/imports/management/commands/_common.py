"""What the import, export and template commands share: the acting user, the kind."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import CommandError

from gongzhi.imports import registry
from gongzhi.imports.base import Importer


def acting_user(username: str | None) -> Any:
    """The user named by ``--user``; without it, the first active superuser."""
    users = get_user_model().objects.filter(is_active=True)
    if username:
        user = users.filter(username=username).first()
        if user is None:
            raise CommandError(f"No active user named {username!r}.")
        return user
    user = users.filter(is_superuser=True).order_by("pk").first()
    if user is None:
        raise CommandError("No superuser exists: name the acting user with --user USERNAME.")
    return user


def importer_for(kind: str, user: Any) -> type[Importer]:
    importer = registry.get(kind)
    if importer is None:
        known = ", ".join(cls.kind for cls in registry.kinds())
        raise CommandError(f"Unknown kind {kind!r}; choose one of: {known}.")
    if not importer.may_import(user):
        raise CommandError(f"{user} may not import or export {kind}.")
    return importer
