import pytest
from django.urls import reverse


@pytest.mark.django_db
def test_home_requires_login(client):
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


def test_user_without_role_is_told_to_ask_for_one(client, world):
    client.force_login(world.users["nobody"])
    response = client.get(reverse("home"))
    assert response.status_code == 200
    assert response.context["nav_items"] == []


def test_home_links_each_grant_to_its_object(client, world):
    client.force_login(world.users["community"])
    response = client.get(reverse("home"))
    assert response.context["grant_cards"][0]["url"] == reverse(
        "areas:community_detail", kwargs={"code": world.community_a1.code}
    )


def test_home_shows_the_next_scheduled_sessions_only(client, world):
    import datetime as dt

    from django.utils import timezone

    from gongzhi.campaigns.models import Campaign, Session, SessionStatus

    campaign = Campaign.objects.create(slug="c", name="周五", start=dt.date(2021, 7, 1), nth=[2, 4])
    today = timezone.localdate()
    times = {"start_time": dt.time(14, 30), "end_time": dt.time(17, 30)}
    past = Session.objects.create(
        campaign=campaign,
        slot_date=today - dt.timedelta(days=7),
        date=today - dt.timedelta(days=7),
        **times,
    )
    soon = Session.objects.create(
        campaign=campaign,
        slot_date=today + dt.timedelta(days=7),
        date=today + dt.timedelta(days=7),
        **times,
    )
    Session.objects.create(
        campaign=campaign,
        slot_date=today + dt.timedelta(days=14),
        date=today + dt.timedelta(days=14),
        status=SessionStatus.CANCELLED,
        **times,
    )
    client.force_login(world.users["unit"])
    upcoming = client.get(reverse("home")).context["upcoming_sessions"]
    assert upcoming == [soon]
    assert past not in upcoming


def test_each_role_gets_its_own_navigation(client, world):
    expected = {
        "office": {
            "areas:district_list",
            "areas:community_list",
            "units:unit_list",
            "campaigns:campaign_list",
        },
        "community": {"areas:community_list", "units:unit_list", "campaigns:calendar"},
        "unit": {"units:member_list", "units:pairing_list", "campaigns:calendar"},
        "member": {"units:member_list", "campaigns:calendar"},
    }
    for role, names in expected.items():
        client.force_login(world.users[role])
        got = {item["name"] for item in client.get(reverse("home")).context["nav_items"]}
        assert names <= got, role
    client.force_login(world.users["member"])
    got = {item["name"] for item in client.get(reverse("home")).context["nav_items"]}
    assert "areas:district_list" not in got
    assert "campaigns:campaign_list" not in got
