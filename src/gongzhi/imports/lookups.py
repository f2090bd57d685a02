"""Lookups kinds share: natural keys → rows in bulk, and the templates' dropdown lists.

Every function here runs a fixed number of queries whatever the number of
rows (codes are fetched in chunks of :data:`CHUNK`).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any, Final, NamedTuple, TypeVar

from gongzhi.areas.models import Community
from gongzhi.areas.queries import communities_visible_to
from gongzhi.core.scoping import Scope
from gongzhi.units.models import Unit
from gongzhi.units.queries import units_visible_to

CHUNK: Final = 1_000
T = TypeVar("T")


def chunks(values: Iterable[T], size: int = CHUNK) -> Iterator[list[T]]:
    batch: list[T] = []
    for value in values:
        batch.append(value)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def units_by_code(codes: Iterable[str]) -> dict[str, Unit]:
    """Units (archived included) by credit code, with their jurisdiction."""
    found: dict[str, Unit] = {}
    for batch in chunks(sorted(set(codes))):
        for unit in Unit.objects.filter(code__in=batch).select_related("jurisdiction"):
            found[unit.code] = unit
    return found


def communities_by_code(codes: Iterable[str]) -> dict[str, Community]:
    """Communities (archived included) by 12-digit code, with street and district."""
    found: dict[str, Community] = {}
    for batch in chunks(sorted(set(codes))):
        for community in Community.objects.filter(code__in=batch).select_related(
            "street__district"
        ):
            found[community.code] = community
    return found


def unit_choices(user: Any) -> list[str]:
    """ "credit-code name" of every active unit ``user`` sees (the unit columns' dropdown)."""
    return [
        f"{code} {name}"
        for code, name in units_visible_to(user).order_by("name").values_list("code", "name")
    ]


def community_choices(user: Any) -> list[str]:
    """ "code name" of every active community ``user`` sees."""
    return [
        f"{code} {name}"
        for code, name in communities_visible_to(user).order_by("code").values_list("code", "name")
    ]


class UnitRef(NamedTuple):
    id: int
    name: str
    jurisdiction_id: int | None
    archived: bool


class CommunityRef(NamedTuple):
    id: int
    name: str
    street_id: int
    district_id: int
    archived: bool


def unit_index() -> dict[str, UnitRef]:
    """Every unit by credit code (one query; thousands of rows at most)."""
    return {
        code: UnitRef(pk, name, jurisdiction_id, archived_at is not None)
        for pk, code, name, jurisdiction_id, archived_at in Unit.objects.values_list(
            "pk", "code", "name", "jurisdiction_id", "archived_at"
        )
    }


def community_index() -> dict[str, CommunityRef]:
    """Every community by 12-digit code (one query)."""
    return {
        code: CommunityRef(pk, name, street_id, district_id, archived_at is not None)
        for pk, code, name, street_id, district_id, archived_at in Community.objects.values_list(
            "pk", "code", "name", "street_id", "street__district_id", "archived_at"
        )
    }


def community_in_scope(scope: Scope, community: CommunityRef) -> bool:
    """The community lies in the scope's areas (the office: everywhere)."""
    return (
        scope.is_office
        or community.id in scope.community_ids
        or community.street_id in scope.street_ids
        or community.district_id in scope.district_ids
    )
