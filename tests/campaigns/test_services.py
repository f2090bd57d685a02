"""Campaign writes, the session sync, cancelling, and entering a year's holidays."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from gongzhi.campaigns import services
from gongzhi.campaigns.models import Campaign, Session, SessionStatus
from tests.factories import World

D = dt.date

HOLIDAYS_2027 = [
    (D(2027, 1, 1), True, "元旦"),
    *[(D(2027, 2, 6) + dt.timedelta(days=i), True, "春节") for i in range(7)],
    (D(2027, 2, 14), False, "春节"),
    *[(D(2027, 10, 1) + dt.timedelta(days=i), True, "国庆节") for i in range(8)],
    (D(2027, 10, 9), False, "国庆节"),
]


def sessions_of(campaign: Campaign, year: int) -> list[Session]:
    return list(campaign.sessions.filter(slot_date__year=year).order_by("slot_date"))


def test_a_sync_without_confirm_changes_nothing(world: World, campaign: Campaign) -> None:
    result = services.campaign_sessions_sync(
        user=world.users["office"], campaign=campaign, until=D(2021, 12, 31)
    )
    assert len(result.create) == 12  # July to December, two a month
    assert not result.applied
    assert campaign.sessions.count() == 0


def test_the_system_sync_creates_sessions_and_a_second_sync_leaves_them(
    world: World, campaign: Campaign
) -> None:
    first = services.campaign_sessions_sync(
        user=None, campaign=campaign, until=D(2026, 12, 31), confirm=True
    )
    count = campaign.sessions.count()
    assert count == len(first.create) == 6 * 24 - 12
    again = services.campaign_sessions_sync(
        user=None, campaign=campaign, until=D(2026, 12, 31), confirm=True
    )
    assert not again.create and not again.change and len(again.leave) == count
    assert campaign.sessions.count() == count


def test_skipped_slots_are_kept_as_skipped_sessions_with_the_reason(synced: Campaign) -> None:
    mid_autumn = synced.sessions.get(slot_date=D(2026, 9, 25))
    assert mid_autumn.status == SessionStatus.SKIPPED
    assert mid_autumn.reason == "Mid-Autumn Festival: skipped"
    assert synced.sessions.get(slot_date=D(2026, 9, 11)).status == SessionStatus.SCHEDULED


def test_changing_the_policy_moves_sessions_on_confirm(world: World, synced: Campaign) -> None:
    office = world.users["office"]
    services.campaign_update(
        user=office, campaign=synced, values={"holiday_policy": "previous_workday"}
    )
    preview = services.campaign_sessions_sync(user=office, campaign=synced, until=D(2026, 12, 31))
    moved = {c.session.slot_date: c.planned.date for c in preview.change}
    assert moved[D(2026, 9, 25)] == D(2026, 9, 24)
    assert synced.sessions.get(slot_date=D(2026, 9, 25)).status == SessionStatus.SKIPPED
    services.campaign_sessions_sync(
        user=office, campaign=synced, until=D(2026, 12, 31), confirm=True
    )
    session = synced.sessions.get(slot_date=D(2026, 9, 25))
    assert (session.date, session.status) == (D(2026, 9, 24), SessionStatus.SCHEDULED)
    assert "moved to the previous working day" in session.reason


def test_switching_to_calendar_weeks_replaces_the_slots_that_differ(
    world: World, synced: Campaign
) -> None:
    office = world.users["office"]
    services.campaign_update(user=office, campaign=synced, values={"mode": "calendar_week"})
    result = services.campaign_sessions_sync(
        user=office, campaign=synced, until=D(2026, 12, 31), confirm=True
    )
    assert D(2022, 1, 14) in [s.slot_date for s in result.remove]
    assert D(2022, 1, 7) in [p.slot_date for p in result.create]
    dates = list(synced.sessions.filter(status="scheduled").values_list("date", flat=True))
    assert len(dates) == len(set(dates))


def test_a_year_without_data_is_provisional_until_the_office_enters_it(
    world: World, synced: Campaign
) -> None:
    office = world.users["office"]
    assert all(s.provisional for s in sessions_of(synced, 2027))
    assert not any(s.provisional for s in sessions_of(synced, 2026))
    # 2027-10-08 (2nd Friday) is cancelled by the office before the notice comes out.
    cancelled = synced.sessions.get(slot_date=D(2027, 10, 8))
    services.session_cancel(user=office, session=cancelled, reason="暴雨预警")

    results = services.holiday_year_enter(
        user=office, year=2027, dates=HOLIDAYS_2027, notice="国办发明电〔2026〕1号"
    )

    (result,) = results
    spring = synced.sessions.get(slot_date=D(2027, 2, 12))
    assert spring.status == SessionStatus.SKIPPED and not spring.provisional
    assert spring.reason == "春节: skipped"
    assert [c.session.slot_date for c in result.held] == [D(2027, 10, 8)]
    cancelled.refresh_from_db()
    assert cancelled.status == SessionStatus.CANCELLED and cancelled.provisional
    assert cancelled.cancel_reason == "暴雨预警"
    others = [s for s in sessions_of(synced, 2027) if s.pk != cancelled.pk]
    assert not any(s.provisional for s in others)
    assert D(2027, 2, 12) in [c.session.slot_date for c in result.change]


def test_force_changes_a_session_that_has_records(world: World, synced: Campaign) -> None:
    office = world.users["office"]
    cancelled = synced.sessions.get(slot_date=D(2027, 10, 8))
    services.session_cancel(user=office, session=cancelled, reason="暴雨预警")
    services.holiday_year_enter(user=office, year=2027, dates=HOLIDAYS_2027)
    result = services.campaign_sessions_sync(
        user=office, campaign=synced, until=D(2027, 12, 31), confirm=True, force=True
    )
    assert D(2027, 10, 8) in [c.session.slot_date for c in result.change]
    cancelled.refresh_from_db()
    assert cancelled.status == SessionStatus.SKIPPED and not cancelled.provisional


def test_a_cancelled_session_needs_a_reason_and_counts_nowhere(
    world: World, synced: Campaign
) -> None:
    session = synced.sessions.get(slot_date=D(2021, 9, 10))
    with pytest.raises(ValidationError) as exc:
        services.session_cancel(user=world.users["office"], session=session, reason="  ")
    assert "reason" in exc.value.message_dict
    services.session_cancel(user=world.users["office"], session=session, reason="台风")
    session.refresh_from_db()
    assert session.status == SessionStatus.CANCELLED and not session.is_held
    assert session.cancelled_by == world.users["office"]
    with pytest.raises(ValidationError):
        services.session_cancel(user=world.users["office"], session=session, reason="again")


@pytest.mark.parametrize("role", ["leader", "district", "street", "community", "unit", "nobody"])
def test_only_the_office_writes(world: World, synced: Campaign, role: str) -> None:
    user = world.users[role]
    session = synced.sessions.first()
    assert session is not None
    with pytest.raises(PermissionDenied):
        services.campaign_update(user=user, campaign=synced, values={"name": "x"})
    with pytest.raises(PermissionDenied):
        services.session_cancel(user=user, session=session, reason="x")
    with pytest.raises(PermissionDenied):
        services.campaign_sessions_sync(user=user, campaign=synced, until=D(2027, 1, 1))
    with pytest.raises(PermissionDenied):
        services.holiday_year_enter(user=user, year=2027, dates=[])


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"weekday": 8}, "weekday"),
        ({"weekday": True}, "weekday"),
        ({"nth": []}, "nth"),
        ({"nth": [6]}, "nth"),
        ({"mode": "fortnightly"}, "mode"),
        ({"holiday_policy": "pray"}, "holiday_policy"),
        ({"start_time": "18:00", "end_time": "17:00"}, "end_time"),
        ({"start_time": "noon"}, "start_time"),
        ({"end": "2020-01-01"}, "end"),
        ({"community_codes": ["999999999999"]}, "community_codes"),
        ({"slug": "has space"}, "slug"),
    ],
)
def test_bad_rules_are_refused_naming_the_field(
    world: World, campaign: Campaign, values: dict[str, object], field: str
) -> None:
    with pytest.raises(ValidationError) as exc:
        services.campaign_update(user=world.users["office"], campaign=campaign, values=values)
    assert field in exc.value.message_dict


def test_holiday_entries_outside_the_year_or_weekday_workdays_are_refused(world: World) -> None:
    with pytest.raises(ValidationError) as exc:
        services.holiday_year_enter(
            user=world.users["office"],
            year=2027,
            dates=[(D(2026, 12, 31), True, "x"), (D(2027, 2, 8), False, "春节")],
        )
    messages = exc.value.message_dict["dates"]
    assert any("2026-12-31" in m for m in messages) and any("2027-02-08" in m for m in messages)


def test_a_new_time_window_reaches_the_sessions_on_sync(world: World, synced: Campaign) -> None:
    office = world.users["office"]
    services.campaign_update(
        user=office, campaign=synced, values={"start_time": "15:00", "end_time": "18:00"}
    )
    result = services.campaign_sessions_sync(
        user=office, campaign=synced, until=D(2027, 12, 31), confirm=True
    )
    assert result.change and "15:00-18:00" in result.change[0].describe()
    session = synced.sessions.get(slot_date=D(2026, 9, 11))
    assert (session.start_time, session.end_time) == (dt.time(15), dt.time(18))
