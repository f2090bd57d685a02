"""Fixtures of the check-in, hours and certificate tests: a session, a clock, check-ins.

Import the fixtures into a test module with ``from tests.activities.fixtures_checkin
import *``-style names (each test module imports what it uses).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from gongzhi.activities import services_checkin
from gongzhi.activities.models import CheckIn
from gongzhi.campaigns.models import Session
from gongzhi.units.models import Member
from tests.factories import World, make_user

#: A Friday session, 14:30–17:30 (the campaign fixture's times).
SESSION_DAY = dt.date(2026, 3, 13)

#: Points around community a1 (a square of ±0.004° around 31.69, 113.38).
INSIDE = (31.69, 113.38)
NORTH_EDGE = 31.694
#: About 111 m north of the outline: inside the default 200 m margin.
JUST_OUTSIDE = (NORTH_EDGE + 0.001, 113.38)
#: About 334 m north of the outline: outside the margin.
FAR_OUTSIDE = (NORTH_EDGE + 0.003, 113.38)


def at(day: dt.date, hhmm: str) -> dt.datetime:
    """An aware datetime at local (Asia/Shanghai) time ``hhmm`` on ``day``."""
    hours, minutes = (int(x) for x in hhmm.split(":"))
    return timezone.make_aware(
        dt.datetime.combine(day, dt.time(hours, minutes)), timezone.get_default_timezone()
    )


@dataclass
class Clock:
    now: dt.datetime

    def set(self, hhmm: str, day: dt.date = SESSION_DAY) -> None:
        self.now = at(day, hhmm)


@pytest.fixture(name="clock")
def clock_fixture(monkeypatch: pytest.MonkeyPatch) -> Clock:
    """The services' "now", 15:00 on the session day unless a test moves it."""
    value = Clock(at(SESSION_DAY, "15:00"))
    monkeypatch.setattr(services_checkin, "_now", lambda: value.now)
    return value


@pytest.fixture(name="session")
def session_fixture(make_session: Callable[..., Session]) -> Session:
    return make_session(SESSION_DAY)


@pytest.fixture(name="token")
def token_fixture(world: World, session: Session) -> str:
    """The QR token of the session in community a1."""
    return services_checkin.checkin_token(session, world.community_a1)


@pytest.fixture(name="member")
def member_fixture(world: World) -> Member:
    """张三 of unit a, linked to the ``member`` login, with an ID number."""
    found = Member.objects.get(user=world.users["member"])
    found.id_number = "420101199001011234"
    found.volunteer_code = "ZY-0001"
    found.save()
    return found


@pytest.fixture(name="make_member")
def make_member_fixture(world: World) -> Callable[..., Member]:
    """``make_member(name, unit=None)``: a member with their own login."""
    counter = iter(range(1, 1000))

    def make(name: str, unit: Any = None, **fields: Any) -> Member:
        n = next(counter)
        user = make_user(f"volunteer{n}")
        return Member.objects.create(
            unit=unit or world.unit_a,
            name=name,
            user=user,
            id_number=fields.pop("id_number", f"42010119900101{n:04d}"),
            **fields,
        )

    return make


@pytest.fixture(name="make_checkin")
def make_checkin_fixture(world: World) -> Callable[..., CheckIn]:
    """``make_checkin(session, member, hours=None, certified=False, community=a1)``: a
    check-in written directly, checked out when ``hours`` is given."""

    def make(
        session: Session,
        member: Member,
        *,
        hours: str | None = None,
        certified: bool = False,
        community: Any = None,
    ) -> CheckIn:
        start = at(session.date, "14:30")
        values: dict[str, Any] = {
            "session": session,
            "community": community or world.community_a1,
            "member": member,
            "unit": member.unit,
            "checked_in_at": start,
            "lat": INSIDE[0],
            "lng": INSIDE[1],
        }
        if hours is not None:
            values["hours"] = Decimal(hours)
            values["checked_out_at"] = start + dt.timedelta(hours=float(hours))
        if certified:
            values["certified_at"] = start + dt.timedelta(days=1)
            values["certified_by"] = world.users["community"]
        return CheckIn.objects.create(**values)

    return make
