"""Fixtures of the campaign tests: the Friday campaign of the reference city."""

from __future__ import annotations

import datetime as dt

import pytest

from gongzhi.campaigns import services
from gongzhi.campaigns.models import Campaign
from tests.factories import World


@pytest.fixture
def campaign(world: World) -> Campaign:
    """2nd and 4th Friday, 14:30–17:30, from 2021-07-01, holidays skipped; two communities."""
    return services.campaign_create(
        user=world.users["office"],
        values={
            "slug": "friday",
            "name": "周五环境治理活动",
            "start": "2021-07-01",
            "weekday": 5,
            "nth": [2, 4],
            "mode": "nth_weekday",
            "start_time": "14:30",
            "end_time": "17:30",
            "holiday_policy": "skip",
            "community_codes": [world.community_a1.code, world.community_b1.code],
        },
    )


@pytest.fixture
def synced(world: World, campaign: Campaign) -> Campaign:
    """The campaign with its sessions generated up to the end of 2027."""
    services.campaign_sessions_sync(
        user=None, campaign=campaign, until=dt.date(2027, 12, 31), confirm=True
    )
    return campaign
