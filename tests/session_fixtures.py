"""A campaign and its sessions, for the tests of the Friday sessions and of their imports."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest

from gongzhi.campaigns.models import Campaign, Session, SessionStatus
from tests.factories import World


@pytest.fixture
def campaign(world: World) -> Campaign:
    """The Friday campaign over the world's communities (2nd and 4th Friday, 14:30–17:30)."""
    campaign = Campaign.objects.create(
        slug="friday",
        name="周五环境治理活动",
        start=dt.date(2021, 7, 1),
        nth=[2, 4],
        start_time=dt.time(14, 30),
        end_time=dt.time(17, 30),
    )
    campaign.communities.set(
        [world.community_a1, world.community_a2, world.community_b1, world.community_b2]
    )
    return campaign


@pytest.fixture
def make_session(campaign: Campaign) -> Callable[..., Session]:
    """``make_session(date, status="scheduled")``: a session of the campaign on ``date``."""

    def make(date: dt.date, status: str = SessionStatus.SCHEDULED, **fields: Any) -> Session:
        values: dict[str, Any] = {
            "campaign": campaign,
            "slot_date": date,
            "date": date,
            "start_time": campaign.start_time,
            "end_time": campaign.end_time,
            "status": status,
        }
        values.update(fields)
        return Session.objects.create(**values)

    return make
