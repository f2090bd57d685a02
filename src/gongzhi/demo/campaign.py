"""The demo campaign: 周五环境治理活动, the 2nd and 4th Friday afternoon since July 2021.

Holiday policy: ``previous_workday``. The programme is meant to be routine
(常态化): when a 2nd or 4th Friday is a statutory holiday (National Day week,
Mid-Autumn Festival) the units go the working day before rather than lose
the session, and a weekend make-up working day (调休) is never chosen.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from gongzhi.areas.models import Community
from gongzhi.campaigns.models import Campaign, HolidayPolicy, ScheduleMode
from gongzhi.campaigns.services import campaign_sessions_sync

CAMPAIGN_SLUG = "friday"
CAMPAIGN_FIELDS: dict[str, Any] = {
    "name": "周五环境治理活动",
    "start": dt.date(2021, 7, 1),
    "end": None,
    "weekday": 5,
    "nth": [2, 4],
    "mode": ScheduleMode.NTH_WEEKDAY,
    "start_time": dt.time(14, 30),
    "end_time": dt.time(17, 30),
    "holiday_policy": HolidayPolicy.PREVIOUS_WORKDAY,
    "allow_makeup_workdays": False,
}


def sessions_until(today: dt.date | None = None) -> dt.date:
    """Sessions are generated to the end of next year (next year comes out provisional)."""
    today = today or timezone.localdate()
    return dt.date(today.year + 1, 12, 31)


def load_campaign(communities: list[Community]) -> tuple[Campaign, int]:
    """Create or restore the campaign, scope it to the demo communities, sync its sessions.

    Returns the campaign and how many sessions the sync created or changed.
    """
    campaign = Campaign.objects.filter(slug=CAMPAIGN_SLUG).first()
    if campaign is None:
        campaign = Campaign(slug=CAMPAIGN_SLUG, **CAMPAIGN_FIELDS)
        campaign.save()
    else:
        changed = [k for k, v in CAMPAIGN_FIELDS.items() if getattr(campaign, k) != v]
        for name in changed:
            setattr(campaign, name, CAMPAIGN_FIELDS[name])
        if changed:
            campaign.save()
    wanted = {c.pk for c in communities}
    have = set(campaign.communities.values_list("pk", flat=True))
    if wanted - have:
        campaign.communities.add(*(wanted - have))
    return campaign, _sync_sessions(campaign)


def _sync_sessions(campaign: Campaign) -> int:
    result = campaign_sessions_sync(
        user=None, campaign=campaign, until=sessions_until(), confirm=True
    )
    return len(result.create) + len(result.change) + len(result.remove)
