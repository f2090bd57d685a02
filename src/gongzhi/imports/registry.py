"""The import kinds: every ``gongzhi/imports/kinds_*.py`` module registers its own.

A kind module decorates its :class:`~gongzhi.imports.base.Importer` subclasses
with :func:`register`; :func:`kinds` imports every such module once, so adding
a kind never means editing this file.
"""

from __future__ import annotations

import importlib
import pkgutil
from typing import Any, TypeVar

from gongzhi.imports.base import Importer

ImporterType = TypeVar("ImporterType", bound=type[Importer])

_KINDS: dict[str, type[Importer]] = {}
_discovered = False


def register(cls: ImporterType) -> ImporterType:
    """Class decorator: make ``cls`` importable under ``cls.kind``."""
    existing = _KINDS.get(cls.kind)
    if existing is not None and existing is not cls:
        raise RuntimeError(f"import kind {cls.kind!r} registered twice")
    _KINDS[cls.kind] = cls
    return cls


def _discover() -> None:
    global _discovered
    if _discovered:
        return
    import gongzhi.imports as package

    for info in pkgutil.iter_modules(package.__path__):
        if info.name.startswith("kinds_"):
            importlib.import_module(f"gongzhi.imports.{info.name}")
    _discovered = True


def kinds() -> list[type[Importer]]:
    """Every registered kind, in upload-page order."""
    _discover()
    return sorted(_KINDS.values(), key=lambda cls: (cls.order, cls.kind))


def get(kind: str) -> type[Importer] | None:
    _discover()
    return _KINDS.get(kind)


def kinds_for(user: Any) -> list[type[Importer]]:
    """The kinds ``user`` may import."""
    return [cls for cls in kinds() if cls.may_import(user)]
