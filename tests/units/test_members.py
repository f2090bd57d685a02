"""A member's ID card number and national volunteer number: checked, kept, never shown."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from gongzhi.core.codes import ID_NUMBER_CHECK, ID_NUMBER_WEIGHTS
from gongzhi.units import services
from tests.factories import World

pytestmark = pytest.mark.django_db


def id_number(first17: str = "42130319850612003") -> str:
    total = sum(int(c) * w for c, w in zip(first17, ID_NUMBER_WEIGHTS, strict=True))
    return first17 + ID_NUMBER_CHECK[total % 11]


def test_the_liaison_records_an_id_number_and_a_volunteer_number(world: World) -> None:
    member = services.member_create(
        user=world.users["unit"],
        unit=world.unit_a,
        name="李四",
        id_number=id_number().lower(),
        volunteer_code=" 42130000012345 ",
    )
    member.refresh_from_db()
    assert member.id_number == id_number().upper()
    assert member.volunteer_code == "42130000012345"


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("4213031985061200", "17 digits"),
        ("42130319850612003Y", "17 digits"),
        (id_number()[:17] + ("0" if id_number()[17] != "0" else "1"), "check character"),
    ],
)
def test_a_wrong_id_number_is_refused_naming_the_field(
    world: World, value: str, message: str
) -> None:
    with pytest.raises(ValidationError) as refused:
        services.member_create(
            user=world.users["unit"], unit=world.unit_a, name="王五", id_number=value
        )
    assert message in " ".join(refused.value.message_dict["id_number"])
    assert not world.unit_a.members.filter(name="王五").exists()


def test_an_update_changes_only_what_it_is_given_and_keeps_the_reason(world: World) -> None:
    member = services.member_create(
        user=world.users["office"], unit=world.unit_a, name="赵六", id_number=id_number()
    )
    services.member_update(
        user=world.users["office"], member=member, volunteer_code="V-1", reason="核对花名册"
    )
    member.refresh_from_db()
    assert (member.id_number, member.volunteer_code) == (id_number(), "V-1")
    assert member.history.first().history_change_reason == "核对花名册"


def test_the_member_form_takes_the_numbers(world: World) -> None:
    client = Client()
    client.force_login(world.users["unit"])
    url = reverse("units:member_create", kwargs={"code": world.unit_a.code})
    bad = client.post(url, {"name": "钱七", "id_number": "123"})
    assert bad.status_code == 400
    assert "17 digits" in bad.content.decode()
    client.post(url, {"name": "钱七", "id_number": id_number(), "volunteer_code": "V-7"})
    member = world.unit_a.members.get(name="钱七")
    assert (member.id_number, member.volunteer_code) == (id_number(), "V-7")


def test_the_api_takes_the_id_number_and_never_answers_it(
    world: World, api_client: Callable[[Any], Client]
) -> None:
    body = {"unit_code": world.unit_a.code, "name": "孙八", "id_number": id_number()}
    response = api_client(world.users["unit"]).post(
        "/api/v1/members", data=json.dumps(body), content_type="application/json"
    )
    assert response.status_code == 201, response.content
    assert id_number() not in response.content.decode()
    refused = api_client(world.users["unit"]).post(
        "/api/v1/members",
        data=json.dumps({**body, "id_number": "42130319850612003Y"}),
        content_type="application/json",
    )
    assert refused.status_code == 400
    assert refused.json()["errors"]["id_number"]
