"""The demo campaign and its sessions from July 2021 to the end of next year."""

from __future__ import annotations

import datetime as dt
from typing import Any

import chinese_calendar
import pytest
from django.utils import timezone

from gongzhi.areas.models import Community
from gongzhi.campaigns.models import Campaign, Session, SessionStatus

try:
    from gongzhi.campaigns.services import campaign_sessions_sync  # noqa: F401

    HAS_SYNC = True
except ImportError:  # pragma: no cover - the campaigns service comes from another issue
    HAS_SYNC = False

needs_sync = pytest.mark.skipif(
    not HAS_SYNC, reason="gongzhi.campaigns.services.campaign_sessions_sync is missing"
)


def test_the_friday_campaign_has_the_programmes_rule(demo_city: dict[str, Any], db: None) -> None:
    campaign = Campaign.objects.get(slug="friday")
    assert campaign.name == "周五环境治理活动"
    assert campaign.start == dt.date(2021, 7, 1)
    assert (campaign.weekday, campaign.nth, campaign.mode) == (5, [2, 4], "nth_weekday")
    assert (campaign.start_time, campaign.end_time) == (dt.time(14, 30), dt.time(17, 30))
    assert campaign.holiday_policy == "previous_workday"
    assert campaign.communities.count() == Community.objects.count()


@needs_sync
def test_sessions_run_from_the_ninth_of_july_2021_to_the_end_of_next_year(
    demo_city: dict[str, Any], db: None
) -> None:
    sessions = Session.objects.filter(campaign__slug="friday").order_by("date")
    first, last = sessions.first(), sessions.last()
    assert first is not None and last is not None
    assert first.date == dt.date(2021, 7, 9)
    next_year = timezone.localdate().year + 1
    assert last.slot_date.year == next_year
    assert sessions.filter(date__year=2021, date__month=9).count() == 2


@needs_sync
def test_no_held_session_falls_on_a_day_off(demo_city: dict[str, Any], db: None) -> None:
    held = Session.objects.filter(campaign__slug="friday", status=SessionStatus.SCHEDULED)
    known = [s for s in held if s.date.year <= max(chinese_calendar.constants.holidays).year]
    assert known
    for session in known:
        assert chinese_calendar.is_workday(session.date), session.date


@needs_sync
def test_next_years_sessions_are_provisional_without_holiday_data(
    demo_city: dict[str, Any], db: None
) -> None:
    year = timezone.localdate().year + 1
    sessions = Session.objects.filter(campaign__slug="friday", slot_date__year=year)
    if year > max(chinese_calendar.constants.holidays).year:
        assert sessions.exists()
        assert all(s.provisional for s in sessions)
