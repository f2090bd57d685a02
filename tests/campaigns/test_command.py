"""``gongzhi schedule CAMPAIGN --year Y``."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from gongzhi.campaigns import services
from gongzhi.campaigns.models import Campaign
from tests.factories import World


def run(*args: str) -> list[str]:
    out = StringIO()
    call_command("schedule", *args, stdout=out)
    return out.getvalue().splitlines()


def test_the_command_prints_2026_with_skipped_dates_and_why(campaign: Campaign) -> None:
    lines = run("friday", "--year", "2026")
    assert lines[0] == "周五环境治理活动 (friday) 2026"
    assert "2026-01-09 Friday 14:30-17:30" in lines
    assert "2026-09-25 Friday  Mid-Autumn Festival: skipped" in lines
    assert lines[-1] == "23 sessions."
    assert not any("provisional" in line for line in lines)


def test_the_command_prints_moves_and_cancellations(world: World, campaign: Campaign) -> None:
    office = world.users["office"]
    services.campaign_update(
        user=office, campaign=campaign, values={"holiday_policy": "next_workday"}
    )
    services.campaign_sessions_sync(
        user=office,
        campaign=campaign,
        until=campaign.start.replace(year=2026, month=12, day=31),
        confirm=True,
    )
    session = campaign.sessions.get(slot_date="2026-12-11")
    services.session_cancel(user=office, session=session, reason="寒潮")
    lines = run("friday", "--year", "2026")
    assert (
        "2026-09-28 Monday 14:30-17:30  (rule date 2026-09-25 Friday) "
        "Mid-Autumn Festival: moved to the next working day"
    ) in lines
    assert "2026-12-11 Friday 14:30-17:30  cancelled: 寒潮" in lines


def test_the_command_notes_a_provisional_year(campaign: Campaign) -> None:
    lines = run("friday", "--year", "2027")
    assert lines[1].endswith("(provisional)")
    assert "provisional" in lines[-1] and "November or December" in lines[-1]


def test_an_unknown_campaign_is_an_error(db: None) -> None:
    with pytest.raises(CommandError):
        run("nope", "--year", "2026")
