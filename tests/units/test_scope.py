"""What every role can see and change among units, members and pairings, in pages and API.

Out of scope is 404; visible but not writable is 403.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.urls import reverse

from gongzhi.units import queries
from tests.factories import World

ROLES = ["office", "leader", "district", "street", "community", "unit", "inspector", "member"]
ALL_ROLES = [*ROLES, "nobody"]

# Which of unit_a, unit_b, unit_free each role sees.
SEES_UNITS = {
    "office": {"a", "b", "free"},
    "leader": {"a", "b", "free"},
    "district": {"a"},  # district A: unit_a is paired with a1
    "street": {"a"},
    "community": {"a"},
    "unit": {"a"},
    "inspector": set(),
    "member": set(),
    "nobody": set(),
}
SEES_PAIRINGS = {
    "office": {"a", "b"},
    "leader": {"a", "b"},
    "district": {"a"},
    "street": {"a"},
    "community": {"a"},
    "unit": {"a"},
    "inspector": set(),
    "member": set(),
    "nobody": set(),
}
SEES_MEMBER = {"office", "leader", "unit", "member"}


def _units(world: World) -> dict[str, Any]:
    return {"a": world.unit_a, "b": world.unit_b, "free": world.unit_free}


def _post_json(client: Any, url: str, body: dict[str, Any]) -> Any:
    return client.post(url, data=json.dumps(body), content_type="application/json")


def _patch_json(client: Any, url: str, body: dict[str, Any]) -> Any:
    return client.patch(url, data=json.dumps(body), content_type="application/json")


@pytest.mark.parametrize("role", ALL_ROLES)
def test_each_role_sees_exactly_its_units_pairings_and_members(world: World, role: str) -> None:
    user = world.users[role]
    units = {k for k, u in _units(world).items() if queries.units_visible_to(user).filter(pk=u.pk)}
    assert units == SEES_UNITS[role]
    pairings = {
        k
        for k, p in {"a": world.pairing_a, "b": world.pairing_b}.items()
        if queries.pairings_visible_to(user).filter(pk=p.pk).exists()
    }
    assert pairings == SEES_PAIRINGS[role]
    assert queries.members_visible_to(user).exists() == (role in SEES_MEMBER)


@pytest.mark.parametrize("role", ALL_ROLES)
def test_unit_pages_answer_404_outside_scope(world: World, login: Any, role: str) -> None:
    client = login(world.users[role])
    for key, unit in _units(world).items():
        response = client.get(reverse("units:unit_detail", kwargs={"code": unit.code}))
        assert response.status_code == (200 if key in SEES_UNITS[role] else 404), key


@pytest.mark.parametrize("role", ALL_ROLES)
def test_unit_api_answers_404_outside_scope(world: World, api_client: Any, role: str) -> None:
    client = api_client(world.users[role])
    listed = {row["code"] for row in client.get("/api/v1/units").json()["items"]}
    expected = {u.code for k, u in _units(world).items() if k in SEES_UNITS[role]}
    assert listed == expected
    for key, unit in _units(world).items():
        response = client.get(f"/api/v1/units/{unit.code}")
        assert response.status_code == (200 if key in SEES_UNITS[role] else 404), key


@pytest.mark.parametrize("role", ALL_ROLES)
def test_list_pages_show_only_what_is_in_scope(world: World, login: Any, role: str) -> None:
    client = login(world.users[role])
    page = client.get(reverse("units:unit_list")).content.decode()
    for key, unit in _units(world).items():
        assert (unit.code in page) == (key in SEES_UNITS[role]), key
    page = client.get(reverse("units:pairing_list")).content.decode()
    assert (f'data-pairing="{world.pairing_b.pk}"' in page) == ("b" in SEES_PAIRINGS[role])
    assert (f'data-pairing="{world.pairing_a.pk}"' in page) == ("a" in SEES_PAIRINGS[role])
    page = client.get(reverse("units:member_list")).content.decode()
    assert ("张三" in page) == (role in SEES_MEMBER)


# Changing unit_a's name: who may, who sees but may not, who does not see it.
RENAME = {
    "office": 200,
    "leader": 403,
    "district": 403,
    "street": 403,
    "community": 403,
    "unit": 403,
    "inspector": 404,
    "member": 404,
    "nobody": 404,
}


@pytest.mark.parametrize("role", ALL_ROLES)
def test_renaming_a_unit_through_the_api(world: World, api_client: Any, role: str) -> None:
    client = api_client(world.users[role])
    response = _patch_json(client, f"/api/v1/units/{world.unit_a.code}", {"name": "新名称"})
    assert response.status_code == RENAME[role]
    if response.status_code == 403:
        assert response.json()["detail"]


EDIT_PAGE = {**RENAME, "unit": 200}


@pytest.mark.parametrize("role", ALL_ROLES)
def test_the_unit_edit_page(world: World, login: Any, role: str) -> None:
    client = login(world.users[role])
    response = client.get(reverse("units:unit_edit", kwargs={"code": world.unit_a.code}))
    assert response.status_code == EDIT_PAGE[role]


def test_the_liaison_sets_headcount_through_the_api(world: World, api_client: Any) -> None:
    client = api_client(world.users["unit"])
    response = _patch_json(client, f"/api/v1/units/{world.unit_a.code}", {"headcount": 45})
    assert response.status_code == 200
    assert response.json()["headcount"] == 45


def test_a_district_officer_renames_a_unit_of_their_jurisdiction(
    world: World, api_client: Any
) -> None:
    from tests.factories import UnitFactory

    own = UnitFactory(jurisdiction=world.district_a)
    client = api_client(world.users["district"])
    response = _patch_json(client, f"/api/v1/units/{own.code}", {"name": "曾都区新局"})
    assert response.status_code == 200
    assert client.get(f"/api/v1/units/{world.unit_b.code}").status_code == 404


END_PAIRING = {
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


@pytest.mark.parametrize("role", ALL_ROLES)
def test_ending_a_pairing_through_the_api(world: World, api_client: Any, role: str) -> None:
    client = api_client(world.users[role])
    response = _post_json(
        client, f"/api/v1/pairings/{world.pairing_a.pk}/end", {"end": "2021-12-31"}
    )
    assert response.status_code == END_PAIRING[role]


@pytest.mark.parametrize("role", ALL_ROLES)
def test_the_pairing_end_page(world: World, login: Any, role: str) -> None:
    client = login(world.users[role])
    url = reverse("units:pairing_end", kwargs={"pk": world.pairing_a.pk})
    assert client.get(url).status_code == END_PAIRING[role]


def test_a_district_officer_cannot_see_or_end_another_districts_pairing(
    world: World, api_client: Any
) -> None:
    client = api_client(world.users["district"])
    response = _post_json(
        client, f"/api/v1/pairings/{world.pairing_b.pk}/end", {"end": "2021-12-31"}
    )
    assert response.status_code == 404


CREATE_PAIRING = {
    "office": 201,
    "district": 201,
    "street": 201,
    "leader": 403,
    # A community outside the caller's areas cannot be named in a body: 400 on community_code.
    "community": 400,
    "unit": 400,
    "inspector": 400,
    "member": 400,
    "nobody": 400,
}


@pytest.mark.parametrize("role", ALL_ROLES)
def test_creating_a_pairing_through_the_api(world: World, api_client: Any, role: str) -> None:
    client = api_client(world.users[role])
    body = {
        "unit_code": world.unit_free.code,
        "community_code": world.community_a2.code,
        "start": "2022-01-01",
    }
    response = _post_json(client, "/api/v1/pairings", body)
    assert response.status_code == CREATE_PAIRING[role], response.content


def test_community_staff_may_not_pair_with_their_own_community(
    world: World, api_client: Any
) -> None:
    client = api_client(world.users["community"])
    body = {
        "unit_code": world.unit_free.code,
        "community_code": world.community_a1.code,
        "start": "2022-01-01",
    }
    assert _post_json(client, "/api/v1/pairings", body).status_code == 403


ADD_MEMBER = {
    "office": 201,
    "unit": 201,
    "leader": 403,
    "district": 403,
    "street": 403,
    "community": 403,
    "inspector": 400,
    "member": 400,
    "nobody": 400,
}


@pytest.mark.parametrize("role", ALL_ROLES)
def test_adding_a_member_through_the_api(world: World, api_client: Any, role: str) -> None:
    client = api_client(world.users[role])
    body = {"unit_code": world.unit_a.code, "name": "王五", "phone": "13912345678"}
    response = _post_json(client, "/api/v1/members", body)
    assert response.status_code == ADD_MEMBER[role], response.content


@pytest.mark.parametrize("role", ALL_ROLES)
def test_archiving_a_unit_page(world: World, login: Any, role: str) -> None:
    client = login(world.users[role])
    url = reverse("units:unit_archive", kwargs={"code": world.unit_a.code})
    assert client.post(url).status_code == (302 if role == "office" else RENAME[role])


def test_the_office_may_create_pairings_valid_from_today(world: World, api_client: Any) -> None:
    client = api_client(world.users["office"])
    today = dt.date.today().isoformat()  # noqa: DTZ011 - a date string only
    body = {
        "unit_code": world.unit_b.code,
        "community_code": world.community_b2.code,
        "start": today,
    }
    assert _post_json(client, "/api/v1/pairings", body).status_code == 201
    listed = client.get("/api/v1/pairings", {"valid_on": today, "unit": world.unit_b.code})
    assert {row["community_code"] for row in listed.json()["items"]} == {
        world.community_b1.code,
        world.community_b2.code,
    }
