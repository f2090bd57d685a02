"""Division codes: a street has 9 digits under its district, a community 12 under its street."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from gongzhi.areas import services
from gongzhi.areas.models import Community, Street

BAD_STREET_CODES = {
    "wrong length": ("42130300", "9 digits"),
    "wrong characters": ("42130300A", "only digits"),
    "full-width digits": ("４２１３０３００９", "only digits"),
    "wrong prefix": ("421381009", "421303"),
}

BAD_COMMUNITY_CODES = {
    "wrong length": ("4213030010011", "12 digits"),
    "wrong characters": ("421303001-01", "only digits"),
    "wrong prefix": ("421303002001", "421303001"),
}


def _code_error(excinfo: pytest.ExceptionInfo[ValidationError]) -> str:
    return " ".join(excinfo.value.message_dict["code"])


def test_a_street_with_a_valid_code_is_created(world):
    street = services.street_create(
        user=world.users["office"], district=world.district_a, code="421303002", name="东城街道"
    )
    assert street.district == world.district_a


def test_spaces_in_a_typed_code_are_ignored(world):
    street = services.street_create(
        user=world.users["office"], district=world.district_a, code=" 421303 002 ", name="东城街道"
    )
    assert street.code == "421303002"


@pytest.mark.parametrize(("code", "hint"), BAD_STREET_CODES.values(), ids=BAD_STREET_CODES.keys())
def test_a_street_code_is_refused_with_a_message_naming_the_field(world, code, hint):
    with pytest.raises(ValidationError) as excinfo:
        services.street_create(
            user=world.users["office"], district=world.district_a, code=code, name="某街道"
        )
    assert hint in _code_error(excinfo)
    assert not Street.objects.filter(name="某街道").exists()


def test_a_community_with_a_valid_code_is_created(world):
    community = services.community_create(
        user=world.users["office"], street=world.street_a, code="421303001003", name="新社区"
    )
    assert community.street == world.street_a


@pytest.mark.parametrize(
    ("code", "hint"), BAD_COMMUNITY_CODES.values(), ids=BAD_COMMUNITY_CODES.keys()
)
def test_a_community_code_is_refused_with_a_message_naming_the_field(world, code, hint):
    with pytest.raises(ValidationError) as excinfo:
        services.community_create(
            user=world.users["office"], street=world.street_a, code=code, name="某社区"
        )
    assert hint in _code_error(excinfo)
    assert not Community.objects.filter(name="某社区").exists()


def test_a_taken_code_is_refused_naming_who_has_it(world):
    with pytest.raises(ValidationError) as excinfo:
        services.community_create(
            user=world.users["office"], street=world.street_a, code="421303001001", name="重复"
        )
    assert "白云社区" in _code_error(excinfo)


def test_a_district_needs_six_digits_unless_its_code_is_local(world):
    with pytest.raises(ValidationError) as excinfo:
        services.district_create(user=world.users["office"], code="4213", name="随州高新区")
    assert "6 digits" in _code_error(excinfo)
    local = services.district_create(
        user=world.users["office"], code="4213GX", name="随州高新区", is_local_code=True
    )
    assert local.is_local_code


def test_streets_and_communities_under_a_local_code_begin_with_it(world):
    office = world.users["office"]
    local = services.district_create(
        user=office, code="4213GX", name="随州高新区", is_local_code=True
    )
    street = services.street_create(user=office, district=local, code="4213GX001", name="淅河")
    community = services.community_create(
        user=office, street=street, code="4213GX001001", name="高新社区"
    )
    assert community.code.startswith(local.code)
    with pytest.raises(ValidationError) as excinfo:
        services.street_create(user=office, district=local, code="4213GXA01", name="坏")
    assert "only digits" in _code_error(excinfo)


def test_a_community_keeps_matching_its_street_when_moved(world):
    with pytest.raises(ValidationError) as excinfo:
        services.community_update(
            user=world.users["office"], community=world.community_a2, street=world.street_b
        )
    assert "421381001" in _code_error(excinfo)


BAD_API_CODES = {
    "wrong length": "42130300100",
    "wrong characters": "42130300100X",
    "wrong prefix": "421381001003",
}


@pytest.mark.parametrize("code", BAD_API_CODES.values(), ids=BAD_API_CODES.keys())
def test_the_api_answers_400_naming_the_code_field(world, api_client, code):
    response = api_client(world.users["office"]).post(
        "/api/v1/communities",
        {"code": code, "name": "某社区", "street_code": "421303001"},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "code" in response.json()["errors"]


@pytest.mark.parametrize("code", ["42130300", "42130300A", "421381009"])
def test_the_api_refuses_bad_street_codes(world, api_client, code):
    response = api_client(world.users["office"]).post(
        "/api/v1/streets",
        {"code": code, "name": "某街道", "district_code": "421303"},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "code" in response.json()["errors"]


def test_the_api_names_an_unknown_street(world, api_client):
    response = api_client(world.users["office"]).post(
        "/api/v1/communities",
        {"code": "421303009001", "name": "某社区", "street_code": "421303009"},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "street_code" in response.json()["errors"]
