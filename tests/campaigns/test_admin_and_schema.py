"""The admin pages of campaigns and the holiday table, and the published API schema."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from gongzhi.campaigns.models import Campaign, HolidayDate, HolidayYear
from tests.factories import World


@pytest.mark.parametrize("model", ["campaign", "session", "holidayyear", "holidaydate"])
def test_the_admin_lists_open_for_a_superuser(synced: Campaign, model: str) -> None:
    admin = get_user_model().objects.create_superuser("root", password="x")
    client = Client()
    client.force_login(admin)
    assert client.get(reverse(f"admin:campaigns_{model}_changelist")).status_code == 200


def test_the_admin_recomputes_the_sessions_of_an_entered_year(synced: Campaign) -> None:
    admin = get_user_model().objects.create_superuser("root", password="x")
    entry = HolidayYear.objects.create(year=2027)
    HolidayDate.objects.create(date="2027-02-12", is_day_off=True, name="春节")
    client = Client()
    client.force_login(admin)
    client.post(
        reverse("admin:campaigns_holidayyear_changelist"),
        {"action": "recompute_sessions", "_selected_action": [entry.pk]},
    )
    assert synced.sessions.get(slot_date="2027-02-12").status == "skipped"
    assert not synced.sessions.filter(slot_date__year=2027, provisional=True).exists()


def test_the_schema_documents_the_campaign_routes_and_their_errors(world: World) -> None:
    client = Client()
    client.force_login(world.users["office"])
    schema = client.get("/api/v1/openapi.json").json()
    paths = schema["paths"]
    for path in (
        "/api/v1/campaigns",
        "/api/v1/campaigns/{slug}",
        "/api/v1/campaigns/{slug}/sessions",
        "/api/v1/sessions",
        "/api/v1/sessions/{session_id}/cancel",
    ):
        assert path in paths
    assert "400" in paths["/api/v1/campaigns"]["post"]["responses"]
    assert "404" in paths["/api/v1/sessions/{session_id}/cancel"]["post"]["responses"]


def test_the_campaign_list_page_costs_a_few_queries(
    world: World, campaign: Campaign, django_assert_max_num_queries: object
) -> None:
    for i in range(5):
        Campaign.objects.create(slug=f"c{i}", name=f"c{i}", start="2026-01-01", nth=[2, 4])
    client = Client()
    client.force_login(world.users["leader"])
    with django_assert_max_num_queries(8):  # type: ignore[operator]
        assert client.get(reverse("campaigns:campaign_list")).status_code == 200
