"""Session reasons are stored as a code and shown in the reader's language."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import chinese_calendar
import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import translation

from gongzhi.campaigns import services
from gongzhi.campaigns.holidays import PACKAGE_NAMES
from gongzhi.campaigns.models import Campaign, Session
from tests.factories import World

MID_AUTUMN = dt.date(2026, 9, 25)


def moved_mid_autumn(world: World, campaign: Campaign) -> Session:
    """Sync in English (as the demo loader does) with next_workday: 09-25 moves to 09-28."""
    office = world.users["office"]
    with translation.override("en"):
        services.campaign_update(
            user=office, campaign=campaign, values={"holiday_policy": "next_workday"}
        )
        services.campaign_sessions_sync(
            user=office, campaign=campaign, until=dt.date(2026, 12, 31), confirm=True
        )
    return campaign.sessions.get(slot_date=MID_AUTUMN)


def test_every_holiday_name_of_the_package_is_translatable() -> None:
    names = {str(n) for n in chinese_calendar.holidays.values()}
    names |= {str(n) for n in chinese_calendar.workdays.values()}
    assert names <= set(PACKAGE_NAMES)


def test_the_reason_is_stored_as_a_code_not_as_text(world: World, campaign: Campaign) -> None:
    session = moved_mid_autumn(world, campaign)
    assert session.date == dt.date(2026, 9, 28)
    assert session.reason_code == "moved"
    assert session.reason_params == {"holiday": "Mid-autumn Festival", "policy": "next_workday"}


def test_a_moved_reason_reads_in_chinese_for_zh_hans_and_english_for_en(
    world: World, campaign: Campaign, zh_catalogue: dict[str, str]
) -> None:
    session = moved_mid_autumn(world, campaign)
    with translation.override("zh-hans"):
        assert session.reason == "中秋节：顺延至下一个工作日"
    with translation.override("en"):
        assert session.reason == "Mid-Autumn Festival: moved to the next working day"


def test_the_detail_page_shows_the_reason_in_the_readers_language(
    world: World, campaign: Campaign, zh_catalogue: dict[str, str]
) -> None:
    moved_mid_autumn(world, campaign)
    url = reverse("campaigns:campaign_detail", args=["friday"]) + "?year=2026"
    chinese = Client()
    chinese.force_login(world.users["community"])
    chinese.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    assert "中秋节：顺延至下一个工作日" in chinese.get(url).content.decode()
    english = Client()
    english.force_login(world.users["community"])
    english.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    text = english.get(url).content.decode()
    assert "Mid-Autumn Festival: moved to the next working day" in text and "中秋节" not in text


def test_the_api_gives_the_reason_in_the_request_language_and_the_code(
    world: World, campaign: Campaign, zh_catalogue: dict[str, str]
) -> None:
    moved_mid_autumn(world, campaign)
    client = Client()
    client.force_login(world.users["leader"])
    url = "/api/v1/campaigns/friday/sessions?start=2026-09-28&end=2026-09-28"
    [body] = client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans").json()
    assert body["reason"] == "中秋节：顺延至下一个工作日" and body["reason_code"] == "moved"


def test_the_schedule_command_prints_chinese_reasons_in_zh_hans(
    world: World, campaign: Campaign, zh_catalogue: dict[str, str]
) -> None:
    moved_mid_autumn(world, campaign)
    out = StringIO()
    call_command("schedule", "friday", "--year", "2026", "--language", "zh-hans", stdout=out)
    assert any(
        line.startswith("2026-09-28") and "中秋节：顺延至下一个工作日" in line
        for line in out.getvalue().splitlines()
    )
    english = StringIO()
    call_command("schedule", "friday", "--year", "2026", "--language", "en", stdout=english)
    assert "Mid-Autumn Festival: moved to the next working day" in english.getvalue()


def test_an_office_entered_holiday_name_is_shown_as_typed(world: World, campaign: Campaign) -> None:
    office = world.users["office"]
    services.holiday_year_enter(
        user=office, year=2026, dates=[(MID_AUTUMN, True, "中秋节")], notice=""
    )
    services.campaign_sessions_sync(
        user=office, campaign=campaign, until=dt.date(2026, 12, 31), confirm=True
    )
    with translation.override("en"):
        assert campaign.sessions.get(slot_date=MID_AUTUMN).reason == "中秋节: skipped"


def test_the_schedule_command_follows_the_language_environment_variable(
    world: World, campaign: Campaign, zh_catalogue: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    moved_mid_autumn(world, campaign)
    monkeypatch.setenv("LANGUAGE", "zh_CN:zh")
    out = StringIO()
    call_command("schedule", "friday", "--year", "2026", stdout=out)
    assert "中秋节：顺延至下一个工作日" in out.getvalue()
    monkeypatch.setenv("LANGUAGE", "en")
    out = StringIO()
    call_command("schedule", "friday", "--year", "2026", stdout=out)
    assert "Mid-Autumn Festival: moved to the next working day" in out.getvalue()
