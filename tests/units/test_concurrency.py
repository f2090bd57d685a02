"""Two concurrent requests cannot both create overlapping pairings.

On PostgreSQL the two run in parallel threads, and the unit row lock taken by
``pairing_create`` is what keeps the second from passing the check. SQLite
serialises writers (and its test database is not shared between threads), so
there the two requests run one after the other.
"""

from __future__ import annotations

import datetime as dt
import threading
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections

from gongzhi.units import services
from gongzhi.units.models import Pairing
from tests.factories import World, build_world


@pytest.mark.django_db(transaction=True)
def test_concurrent_overlapping_pairings_cannot_both_pass() -> None:
    parallel = connection.vendor == "postgresql"
    world: World = build_world()
    office = world.users["office"]
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def create(start: dt.date) -> None:
        try:
            if parallel:
                barrier.wait()
            services.pairing_create(
                user=office, unit=world.unit_free, community=world.community_a2, start=start
            )
            outcomes.append("created")
        except ValidationError:
            outcomes.append("refused")
        except Exception as exc:  # noqa: BLE001 - reported in the assertion
            outcomes.append(repr(exc))
        finally:
            if parallel:
                connections.close_all()

    threads: list[Any] = [
        threading.Thread(target=create, args=(dt.date(2022, 1, day),)) for day in (1, 2)
    ]
    if parallel:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    else:
        create(dt.date(2022, 1, 1))
        create(dt.date(2022, 1, 2))
    assert sorted(outcomes) == ["created", "refused"]
    assert Pairing.objects.filter(unit=world.unit_free, community=world.community_a2).count() == 1
