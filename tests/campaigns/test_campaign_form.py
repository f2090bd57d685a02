"""The office creates a campaign from a page, and edits its name, end and communities."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from gongzhi.campaigns.models import Campaign
from tests.factories import World


def logged_in(world: World, role: str) -> Client:
    client = Client()
    client.force_login(world.users[role])
    return client


def form_data(world: World, **changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "slug": "saturday-clean",
        "name": "周六清洁行动",
        "start": "2026-01-01",
        "end": "",
        "weekday": "5",
        "nth": "2, 4",
        "mode": "calendar_week",
        "start_time": "09:00",
        "end_time": "11:30",
        "holiday_policy": "next_workday",
        "communities": [world.community_a1.code],
    }
    data.update(changes)
    return data


def test_the_office_sees_a_new_campaign_button_and_others_do_not(world: World) -> None:
    url = reverse("campaigns:campaign_list")
    assert 'data-testid="new-campaign"' in logged_in(world, "office").get(url).content.decode()
    assert 'data-testid="new-campaign"' not in logged_in(world, "leader").get(url).content.decode()


def test_the_office_creates_a_campaign_and_lands_on_its_rule_preview(world: World) -> None:
    client = logged_in(world, "office")
    page = client.get(reverse("campaigns:campaign_create"))
    assert page.status_code == 200 and 'id="community-search"' in page.content.decode()
    response = client.post(reverse("campaigns:campaign_create"), form_data(world))
    assert response.status_code == 302
    assert response["Location"].startswith(
        reverse("campaigns:campaign_rule", args=["saturday-clean"])
    )
    campaign = Campaign.objects.get(slug="saturday-clean")
    assert campaign.name == "周六清洁行动" and campaign.mode == "calendar_week"
    assert campaign.nth == [2, 4] and campaign.start_time == dt.time(9, 0)
    assert campaign.holiday_policy == "next_workday" and campaign.end is None
    assert [c.code for c in campaign.communities.all()] == [world.community_a1.code]
    assert not campaign.sessions.exists(), "sessions wait for the confirmation on the rule page"
    preview = client.get(response["Location"])
    assert preview.status_code == 200 and 'data-testid="preview"' in preview.content.decode()


def test_ticking_a_district_adds_all_its_communities(world: World) -> None:
    client = logged_in(world, "office")
    data = form_data(world, communities=[world.community_b1.code], districts=[world.district_a.pk])
    assert client.post(reverse("campaigns:campaign_create"), data).status_code == 302
    codes = set(
        Campaign.objects.get(slug="saturday-clean").communities.values_list("code", flat=True)
    )
    assert codes == {world.community_a1.code, world.community_a2.code, world.community_b1.code}


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"slug": "no spaces"}, "slug"),
        ({"name": ""}, "name"),
        ({"start": "2026-02-30"}, "start"),
        ({"end": "2025-12-31"}, "end"),
        ({"nth": "2, 7"}, "nth"),
        ({"end_time": "08:00"}, "end_time"),
        ({"communities": ["999999999999"]}, "communities"),
        ({"slug": "new"}, "slug"),
    ],
)
def test_bad_input_shows_the_error_beside_the_field_and_creates_nothing(
    world: World, changes: dict[str, Any], field: str
) -> None:
    response = logged_in(world, "office").post(
        reverse("campaigns:campaign_create"), form_data(world, **changes)
    )
    assert response.status_code == 200
    assert f'data-field="{field}"' in response.content.decode()
    assert not Campaign.objects.exists()


def test_a_taken_short_name_is_refused_beside_the_slug(world: World, campaign: Campaign) -> None:
    response = logged_in(world, "office").post(
        reverse("campaigns:campaign_create"), form_data(world, slug="friday")
    )
    assert 'data-field="slug"' in response.content.decode()
    assert Campaign.objects.count() == 1


@pytest.mark.parametrize(
    "role", ["leader", "district", "street", "community", "unit", "inspector", "member", "nobody"]
)
def test_other_roles_may_not_create_a_campaign(world: World, role: str) -> None:
    client = logged_in(world, role)
    assert client.get(reverse("campaigns:campaign_create")).status_code == 403
    assert client.post(reverse("campaigns:campaign_create"), form_data(world)).status_code == 403
    assert not Campaign.objects.exists()


def test_the_office_edits_name_end_and_communities(world: World, campaign: Campaign) -> None:
    client = logged_in(world, "office")
    url = reverse("campaigns:campaign_edit", args=["friday"])
    page = client.get(url).content.decode()
    assert "周五环境治理活动" in page and "selected" in page
    response = client.post(
        url, {"name": "周五治理", "end": "2030-12-31", "communities": [world.community_a2.code]}
    )
    assert response.status_code == 302
    campaign.refresh_from_db()
    assert campaign.name == "周五治理" and campaign.end == dt.date(2030, 12, 31)
    assert [c.code for c in campaign.communities.all()] == [world.community_a2.code]


def test_an_edit_ending_before_the_start_is_refused_beside_the_end(
    world: World, campaign: Campaign
) -> None:
    response = logged_in(world, "office").post(
        reverse("campaigns:campaign_edit", args=["friday"]), {"name": "x", "end": "2020-01-01"}
    )
    assert 'data-field="end"' in response.content.decode()
    campaign.refresh_from_db()
    assert campaign.end is None and campaign.name == "周五环境治理活动"


def test_edit_is_403_for_other_roles_and_404_without_a_role(
    world: World, campaign: Campaign
) -> None:
    url = reverse("campaigns:campaign_edit", args=["friday"])
    assert logged_in(world, "leader").get(url).status_code == 403
    assert logged_in(world, "district").post(url, {"name": "x"}).status_code == 403
    assert logged_in(world, "nobody").get(url).status_code == 404
    campaign.refresh_from_db()
    assert campaign.name == "周五环境治理活动"
