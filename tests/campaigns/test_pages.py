"""Campaign pages: list, detail, rule preview and confirm, month calendar, holiday entry."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse

from gongzhi.campaigns.models import Campaign, HolidayYear, SessionStatus
from tests.factories import World


def logged_in(world: World, role: str) -> Client:
    client = Client()
    client.force_login(world.users[role])
    return client


def test_the_campaign_list_shows_the_campaign(world: World, campaign: Campaign) -> None:
    page = logged_in(world, "leader").get(reverse("campaigns:campaign_list"))
    assert page.status_code == 200 and "周五环境治理活动" in page.content.decode()


def test_anonymous_visitors_are_sent_to_login(campaign: Campaign) -> None:
    page = Client().get(reverse("campaigns:campaign_list"))
    assert page.status_code == 302 and "/login/" in page["Location"]


def test_the_detail_marks_skipped_and_provisional_sessions(world: World, synced: Campaign) -> None:
    client = logged_in(world, "community")
    html = client.get(reverse("campaigns:campaign_detail", args=["friday"]) + "?year=2026")
    text = html.content.decode()
    assert "Mid-Autumn Festival: skipped" in text
    assert 'data-testid="community-count">2<' in text
    assert "session_cancel" not in text and "Reason for cancelling" not in text
    later = client.get(reverse("campaigns:campaign_detail", args=["friday"]) + "?year=2027")
    assert 'data-testid="provisional-note"' in later.content.decode()


def test_someone_without_a_role_gets_a_404_for_the_detail(world: World, campaign: Campaign) -> None:
    page = logged_in(world, "nobody").get(reverse("campaigns:campaign_detail", args=["friday"]))
    assert page.status_code == 404


def test_the_office_cancels_a_session_from_the_detail_page(world: World, synced: Campaign) -> None:
    session = synced.sessions.get(slot_date=dt.date(2026, 12, 11))
    url = reverse("campaigns:session_cancel", args=["friday", session.pk])
    client = logged_in(world, "office")
    client.post(url, {"reason": ""})
    session.refresh_from_db()
    assert session.status == SessionStatus.SCHEDULED
    response = client.post(url, {"reason": "寒潮"}, follow=True)
    session.refresh_from_db()
    assert session.status == SessionStatus.CANCELLED
    assert "寒潮" in response.content.decode()
    assert logged_in(world, "leader").post(url, {"reason": "x"}).status_code == 403
    assert (
        client.post(reverse("campaigns:session_cancel", args=["friday", 999999]), {"reason": "x"})
    ).status_code == 404


def test_the_rule_preview_shows_both_readings_with_the_differing_months(
    world: World, synced: Campaign
) -> None:
    client = logged_in(world, "office")
    page = client.get(reverse("campaigns:campaign_rule", args=["friday"]) + "?year=2026")
    text = page.content.decode()
    assert page.status_code == 200
    assert text.count('data-differs="1"') == 4  # February, March, August, November
    assert "4 months" in text
    assert (
        logged_in(world, "leader")
        .get(reverse("campaigns:campaign_rule", args=["friday"]))
        .status_code
        == 403
    )


def test_confirming_a_rule_saves_it_and_lists_what_changed(world: World, synced: Campaign) -> None:
    client = logged_in(world, "office")
    form = {
        "weekday": "5",
        "nth": "2, 4",
        "mode": "nth_weekday",
        "holiday_policy": "previous_workday",
        "start_time": "14:30",
        "end_time": "17:30",
        "year": "2026",
    }
    preview = client.get(reverse("campaigns:campaign_rule", args=["friday"]), form)
    assert "moved to the previous working day" in preview.content.decode()
    synced.refresh_from_db()
    assert synced.holiday_policy == "skip"  # a preview changes nothing
    done = client.post(
        reverse("campaigns:campaign_rule", args=["friday"]), {**form, "confirm": "1"}
    )
    text = done.content.decode()
    assert 'data-testid="sync-result"' in text and "2026-09-24" in text
    synced.refresh_from_db()
    assert synced.holiday_policy == "previous_workday"
    assert synced.sessions.get(slot_date=dt.date(2026, 9, 25)).date == dt.date(2026, 9, 24)


def test_a_bad_rule_names_the_field(world: World, campaign: Campaign) -> None:
    client = logged_in(world, "office")
    page = client.post(
        reverse("campaigns:campaign_rule", args=["friday"]),
        {
            "weekday": "5",
            "nth": "2, 7",
            "mode": "nth_weekday",
            "holiday_policy": "skip",
            "start_time": "14:30",
            "end_time": "17:30",
            "year": "2026",
            "confirm": "1",
        },
    )
    assert 'data-field="nth"' in page.content.decode()


def test_the_calendar_shows_a_month_with_holidays_and_sessions(
    world: World, synced: Campaign, django_assert_max_num_queries: object
) -> None:
    client = logged_in(world, "member")
    with django_assert_max_num_queries(10):  # type: ignore[operator]
        page = client.get(reverse("campaigns:calendar") + "?month=2026-09")
    text = page.content.decode()
    assert "Mid-Autumn Festival" in text
    assert 'data-date="2026-09-11"' in text and "周五环境治理活动 14:30" in text
    assert 'data-kind="makeup"' in text  # Sunday 2026-09-20 is a working day
    assert "?month=2026-08" in text and "?month=2026-10" in text
    assert 'data-testid="provisional-note"' not in text


def test_the_calendar_marks_a_year_without_data_as_provisional(
    world: World, synced: Campaign
) -> None:
    text = logged_in(world, "office").get(reverse("campaigns:calendar") + "?month=2027-01")
    body = text.content.decode()
    assert 'data-testid="provisional-note"' in body and "November or December" in body
    assert "(provisional)" in body
    assert reverse("campaigns:holiday_year") in body


def test_the_office_enters_a_year_of_holidays_as_lines(world: World, synced: Campaign) -> None:
    client = logged_in(world, "office")
    url = reverse("campaigns:holiday_year")
    bad = client.post(
        url, {"year": "2027", "lines": "2027-01-01 元旦\n2027-02-30 春节\n2027-02-08 workday"}
    )
    text = bad.content.decode()
    assert "Line 2" in text and "Line 3" in text
    assert not HolidayYear.objects.filter(year=2027).exists()
    lines = "2027-01-01 元旦\n2027-02-06..2027-02-12 春节\n2027-02-14 workday 春节\n"
    done = client.post(url, {"year": "2027", "notice": "notice", "lines": lines})
    assert 'data-testid="holiday-result"' in done.content.decode()
    session = synced.sessions.get(slot_date=dt.date(2027, 2, 12))
    assert session.status == SessionStatus.SKIPPED and not session.provisional
    assert logged_in(world, "leader").get(url).status_code == 403


@pytest.mark.parametrize("role", ["office", "leader", "community", "unit", "inspector", "member"])
def test_every_role_opens_the_calendar(world: World, campaign: Campaign, role: str) -> None:
    assert logged_in(world, role).get(reverse("campaigns:calendar")).status_code == 200
