"""Areas are archived, never deleted, and every change keeps who made it and when."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from gongzhi.areas import services
from gongzhi.areas.models import Community, Compound, District
from tests.factories import CompoundFactory


def test_a_street_with_active_communities_is_not_archived_and_says_which(world):
    with pytest.raises(ValidationError) as excinfo:
        services.street_archive(user=world.users["office"], street=world.street_a)
    message = " ".join(excinfo.value.messages)
    assert "白云社区" in message and "青云社区" in message
    world.street_a.refresh_from_db()
    assert world.street_a.archived_at is None


def test_a_community_with_a_current_pairing_is_not_archived(world):
    with pytest.raises(ValidationError) as excinfo:
        services.community_archive(user=world.users["office"], community=world.community_a1)
    assert "市市场监管局" in " ".join(excinfo.value.messages)


def test_a_community_with_active_compounds_is_not_archived(world):
    CompoundFactory(community=world.community_a2, name="幸福小区")
    with pytest.raises(ValidationError) as excinfo:
        services.community_archive(user=world.users["office"], community=world.community_a2)
    assert "幸福小区" in " ".join(excinfo.value.messages)


def test_a_district_with_units_is_not_archived(world):
    from django.utils import timezone

    from gongzhi.units.models import Pairing

    office = world.users["office"]
    Pairing.objects.filter(pk=world.pairing_b.pk).update(archived_at=timezone.now())
    services.community_archive(user=office, community=world.community_b1)
    services.community_archive(user=office, community=world.community_b2)
    services.street_archive(user=office, street=world.street_b)
    with pytest.raises(ValidationError) as excinfo:
        services.district_archive(user=office, district=world.district_b)
    assert "广水市住房和城乡建设局" in " ".join(excinfo.value.messages)


def test_archiving_keeps_the_row_and_hides_it_from_lists(world, api_client):
    services.community_archive(user=world.users["street"], community=world.community_a2)
    assert Community.objects.filter(code="421303001002").exists()
    codes = {
        c["code"]
        for c in api_client(world.users["street"]).get("/api/v1/communities").json()["items"]
    }
    assert codes == {"421303001001"}


def test_an_archived_community_is_restored(world):
    office = world.users["office"]
    services.community_archive(user=office, community=world.community_a2)
    services.community_restore(user=office, community=world.community_a2)
    world.community_a2.refresh_from_db()
    assert world.community_a2.archived_at is None


def test_a_compound_under_an_archived_community_is_not_restored_first(world):
    office = world.users["office"]
    compound = CompoundFactory(community=world.community_a2)
    services.compound_archive(user=office, compound=compound)
    services.community_archive(user=office, community=world.community_a2)
    with pytest.raises(ValidationError):
        services.compound_restore(user=office, compound=compound)


def test_the_leader_cannot_archive(world):
    with pytest.raises(PermissionDenied):
        services.community_archive(user=world.users["leader"], community=world.community_a2)


def test_no_role_can_delete_an_area_through_the_api(world, api_client):
    response = api_client(world.users["office"]).delete("/api/v1/communities/421303001002")
    assert response.status_code == 405
    assert Community.objects.filter(code="421303001002").exists()


def test_the_archive_button_asks_for_confirmation_first(world, page_client):
    client = page_client(world.users["street"])
    url = reverse("areas:community_archive", args=["421303001002"])
    response = client.get(url)
    assert response.status_code == 200
    world.community_a2.refresh_from_db()
    assert world.community_a2.archived_at is None
    response = client.post(url)
    assert response.status_code == 302
    world.community_a2.refresh_from_db()
    assert world.community_a2.archived_at is not None


def test_a_refused_archive_shows_the_reason_on_the_confirmation_page(world, page_client):
    response = page_client(world.users["office"]).post(
        reverse("areas:street_archive", args=["421303001"])
    )
    assert response.status_code == 400
    assert "白云社区" in response.content.decode()


def test_the_unit_liaison_may_not_archive_a_community_it_sees(world, page_client):
    response = page_client(world.users["unit"]).get(
        reverse("areas:community_archive", args=["421303001001"])
    )
    assert response.status_code == 403


def test_history_records_the_user_of_a_page_edit(world, page_client):
    client = page_client(world.users["community"])
    response = client.post(
        reverse("areas:community_edit", args=["421303001001"]),
        {"contact_name": "李四", "contact_phone": "0722-1234567"},
    )
    assert response.status_code == 302
    latest = world.community_a1.history.first()
    assert latest.history_user == world.users["community"]
    assert latest.contact_name == "李四"


def test_history_records_the_user_of_an_api_change(world, api_client):
    api_client(world.users["district"]).patch(
        "/api/v1/communities/421303001002", {"name": "青云"}, content_type="application/json"
    )
    assert world.community_a2.history.first().history_user == world.users["district"]


def test_history_records_the_user_of_a_service_call(world):
    district = services.district_create(user=world.users["office"], code="421321", name="随县")
    services.district_update(user=world.users["office"], district=district, name="随县（改）")
    users = {h.history_user for h in District.history.filter(code="421321")}
    assert users == {world.users["office"]}


@pytest.mark.parametrize(
    ("role", "shown"),
    [
        ("office", True),
        ("leader", True),
        ("district", True),
        ("street", True),
        ("community", True),
        ("unit", False),
    ],
)
def test_the_history_section_is_shown_to_writers_office_and_leaders(
    world, page_client, role, shown
):
    services.community_update(
        user=world.users["office"], community=world.community_a1, name="白云新社区"
    )
    response = page_client(world.users[role]).get(
        reverse("areas:community_detail", args=["421303001001"])
    )
    html = response.content.decode()
    assert ('data-testid="history"' in html) is shown
    if shown:
        entry = response.context["history"][0]
        assert entry.who == world.users["office"]
        assert [(c.old, c.new) for c in entry.changes] == [("白云社区", "白云新社区")]


def test_the_history_shows_a_move_by_street_names(world, page_client):
    office = world.users["office"]
    services.street_create(
        user=office, district=world.district_a, code="421303002", name="东城街道"
    )
    from gongzhi.areas.models import Street

    east = Street.objects.get(code="421303002")
    services.community_update(
        user=office, community=world.community_a2, street=east, code="421303002001"
    )
    response = page_client(office).get(reverse("areas:community_detail", args=["421303002001"]))
    changes = {(c.old, c.new) for c in response.context["history"][0].changes}
    assert ("西城街道", "东城街道") in changes


def test_a_compound_page_shows_its_history(world, page_client):
    compound = services.compound_create(
        user=world.users["community"], community=world.community_a1, name="幸福小区"
    )
    services.compound_update(user=world.users["community"], compound=compound, is_old=True)
    response = page_client(world.users["community"]).get(
        reverse("areas:compound_detail", args=[compound.pk])
    )
    assert len(response.context["history"]) == 2
    assert Compound.objects.get(pk=compound.pk).is_old
