"""What each role sees and may change among areas, in pages and in the API.

Out of scope answers 404; visible but not writable answers 403.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.areas.conftest import ROLES

A1, A2, B1, B2 = "421303001001", "421303001002", "421381001001", "421381001002"

#: The communities each role sees (world: district A holds a1 and a2, B holds b1 and b2;
#: unit_a is paired with a1; community staff work in a1).
SEES_COMMUNITIES = {
    "office": {A1, A2, B1, B2},
    "leader": {A1, A2, B1, B2},
    "district": {A1, A2},
    "street": {A1, A2},
    "community": {A1},
    "unit": {A1},
    "inspector": set(),
    "member": set(),
    "nobody": set(),
}

#: Districts: one's own, and the ones holding a community one sees.
SEES_DISTRICTS = {
    role: ({"421303", "421381"} if role in ("office", "leader") else {"421303"} if seen else set())
    for role, seen in SEES_COMMUNITIES.items()
}

#: The answer to renaming community a1: who writes it, who only reads it, who cannot see it.
RENAME_A1 = {
    "office": 200,
    "leader": 403,
    "district": 200,
    "street": 200,
    "community": 403,
    "unit": 403,
    "inspector": 404,
    "member": 404,
    "nobody": 404,
}

#: Adding a compound to a1: community staff may, the unit liaison may not.
ADD_COMPOUND_A1 = {**RENAME_A1, "community": 201, "office": 201, "district": 201, "street": 201}


@pytest.mark.parametrize("role", ROLES)
def test_each_role_lists_the_communities_of_its_scope_in_the_api(world, api_client, role):
    response = api_client(world.users[role]).get("/api/v1/communities")
    assert response.status_code == 200
    assert {c["code"] for c in response.json()["items"]} == SEES_COMMUNITIES[role]


@pytest.mark.parametrize("role", ROLES)
def test_each_role_lists_the_districts_of_its_scope_in_the_api(world, api_client, role):
    response = api_client(world.users[role]).get("/api/v1/districts")
    assert {d["code"] for d in response.json()["items"]} == SEES_DISTRICTS[role]


@pytest.mark.parametrize("role", ROLES)
def test_each_role_lists_the_communities_of_its_scope_on_the_page(world, page_client, role):
    response = page_client(world.users[role]).get(reverse("areas:community_list"))
    assert response.status_code == 200
    assert {c.code for c in response.context["communities"]} == SEES_COMMUNITIES[role]


@pytest.mark.parametrize("role", ROLES)
def test_each_role_sees_the_districts_of_its_scope_on_the_page(world, page_client, role):
    response = page_client(world.users[role]).get(reverse("areas:district_list"))
    assert {d.code for d in response.context["districts"]} == SEES_DISTRICTS[role]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("code", [A1, B1])
def test_a_community_page_answers_404_outside_scope(world, page_client, role, code):
    response = page_client(world.users[role]).get(reverse("areas:community_detail", args=[code]))
    assert response.status_code == (200 if code in SEES_COMMUNITIES[role] else 404)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("code", [A1, B1])
def test_a_community_in_the_api_answers_404_outside_scope(world, api_client, role, code):
    response = api_client(world.users[role]).get(f"/api/v1/communities/{code}")
    assert response.status_code == (200 if code in SEES_COMMUNITIES[role] else 404)


@pytest.mark.parametrize("role", ROLES)
def test_district_and_street_pages_answer_404_outside_scope(world, page_client, role):
    client = page_client(world.users[role])
    for code in ("421303", "421381"):
        response = client.get(reverse("areas:district_detail", args=[code]))
        assert response.status_code == (200 if code in SEES_DISTRICTS[role] else 404)
    for code, district in (("421303001", "421303"), ("421381001", "421381")):
        response = client.get(reverse("areas:street_detail", args=[code]))
        assert response.status_code == (200 if district in SEES_DISTRICTS[role] else 404)


@pytest.mark.parametrize("role", ROLES)
def test_renaming_a_community_in_the_api_follows_the_write_rules(world, api_client, role):
    response = api_client(world.users[role]).patch(
        f"/api/v1/communities/{A1}", {"name": "新名字"}, content_type="application/json"
    )
    assert response.status_code == RENAME_A1[role]
    world.community_a1.refresh_from_db()
    assert (world.community_a1.name == "新名字") == (RENAME_A1[role] == 200)


@pytest.mark.parametrize("role", ROLES)
def test_a_community_outside_a_writers_scope_answers_404_to_changes(world, api_client, role):
    response = api_client(world.users[role]).patch(
        f"/api/v1/communities/{B1}", {"name": "新名字"}, content_type="application/json"
    )
    expected = {"office": 200, "leader": 403}.get(role, 404)
    assert response.status_code == expected


@pytest.mark.parametrize("role", ROLES)
def test_the_edit_page_follows_the_write_rules(world, page_client, role):
    response = page_client(world.users[role]).get(reverse("areas:community_edit", args=[A1]))
    # Community staff get the contact form; the unit liaison and the leader only read.
    expected = {**RENAME_A1, "community": 200}[role]
    assert response.status_code == expected


@pytest.mark.parametrize("role", ROLES)
def test_adding_a_compound_follows_the_write_rules(world, api_client, role):
    response = api_client(world.users[role]).post(
        "/api/v1/compounds",
        {"community_code": A1, "name": "幸福小区", "is_old": True},
        content_type="application/json",
    )
    expected = ADD_COMPOUND_A1[role]
    # A hidden community is an unknown code in a body: 400 naming the field.
    assert response.status_code == (400 if expected == 404 else expected)


def test_community_staff_may_change_only_contact_fields(world, api_client):
    client = api_client(world.users["community"])
    response = client.patch(
        f"/api/v1/communities/{A1}",
        {"contact_name": "李四", "contact_phone": "0722-1234567"},
        content_type="application/json",
    )
    assert response.status_code == 200
    assert response.json()["contact_name"] == "李四"
    response = client.patch(
        f"/api/v1/communities/{A1}",
        {"contact_name": "王五", "name": "改名"},
        content_type="application/json",
    )
    assert response.status_code == 403
    assert "contact" in response.json()["detail"]


def test_community_staff_get_only_the_contact_form(world, page_client):
    response = page_client(world.users["community"]).get(reverse("areas:community_edit", args=[A1]))
    assert set(response.context["form"].fields) == {"contact_name", "contact_phone"}


@pytest.mark.parametrize("role", ROLES)
def test_only_the_office_creates_districts(world, api_client, role):
    response = api_client(world.users[role]).post(
        "/api/v1/districts", {"code": "421321", "name": "随县"}, content_type="application/json"
    )
    assert response.status_code == (201 if role == "office" else 403)


@pytest.mark.parametrize(
    ("role", "district_code", "expected"),
    [
        ("office", "421381", 201),
        ("district", "421303", 201),
        ("district", "421381", 400),  # district B is out of scope: an unknown code
        ("street", "421303", 403),  # sees its district, may not add streets to it
        ("leader", "421303", 403),
    ],
)
def test_streets_are_added_by_the_office_and_the_districts_officer(
    world, api_client, role, district_code, expected
):
    response = api_client(world.users[role]).post(
        "/api/v1/streets",
        {"code": f"{district_code}002", "name": "新街道", "district_code": district_code},
        content_type="application/json",
    )
    assert response.status_code == expected


@pytest.mark.parametrize(
    ("role", "expected"),
    [("office", 201), ("district", 201), ("street", 201), ("community", 403), ("unit", 403)],
)
def test_communities_are_added_within_the_writers_street(world, api_client, role, expected):
    response = api_client(world.users[role]).post(
        "/api/v1/communities",
        {"code": "421303001003", "name": "新社区", "street_code": "421303001"},
        content_type="application/json",
    )
    assert response.status_code == expected


def test_a_forbidden_change_says_why(world, api_client):
    response = api_client(world.users["leader"]).patch(
        f"/api/v1/communities/{A1}", {"name": "新名字"}, content_type="application/json"
    )
    assert response.status_code == 403
    assert "白云社区" in response.json()["detail"]


def test_an_anonymous_visitor_is_sent_to_log_in(client, world):
    response = client.get(reverse("areas:community_list"))
    assert response.status_code == 302
    assert client.get("/api/v1/communities").status_code == 401


def test_the_unit_liaison_sees_only_its_own_pairing_on_a_community_page(world, page_client):
    from tests.factories import PairingFactory, UnitFactory

    PairingFactory(unit=UnitFactory(name="另一单位"), community=world.community_a1)
    unit_view = page_client(world.users["unit"]).get(reverse("areas:community_detail", args=[A1]))
    staff_view = page_client(world.users["community"]).get(
        reverse("areas:community_detail", args=[A1])
    )
    assert [p.unit.name for p in unit_view.context["pairings"]] == ["随州市市场监督管理局"]
    assert len(staff_view.context["pairings"]) == 2
