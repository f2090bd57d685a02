"""The units, pairings and members resources of /api/v1/."""

from __future__ import annotations

import json
from typing import Any

import pytest

from gongzhi.units.models import Unit, UnitKind
from tests.factories import MemberFactory, PairingFactory, UnitFactory, World, make_credit_code


def _post(client: Any, url: str, body: dict[str, Any]) -> Any:
    return client.post(url, data=json.dumps(body), content_type="application/json")


def test_post_units_takes_the_documented_body_and_normalises_the_code(
    world: World, api_client: Any
) -> None:
    code = make_credit_code()
    client = api_client(world.users["office"])
    response = _post(
        client,
        "/api/v1/units",
        {
            "code": code.lower(),
            "name": "随州市财政局",
            "kind": "agency",
            "jurisdiction": "municipal",
            "short_name": "市财政局",
            "headcount": 20,
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["code"] == code
    assert body["jurisdiction"] == "municipal"
    assert client.get(f"/api/v1/units/{code}").json()["short_name"] == "市财政局"


def test_a_unit_of_a_district_is_posted_with_the_district_code(
    world: World, api_client: Any
) -> None:
    body = {
        "code": make_credit_code(),
        "name": "广水市统计局",
        "kind": "agency",
        "jurisdiction": "421381",
    }
    response = _post(api_client(world.users["office"]), "/api/v1/units", body)
    assert response.status_code == 201
    assert response.json()["jurisdiction_name"] == "广水市"


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        ({"code": "91350100M000100Y44"}, "code", "check digit"),
        ({"code": "91350100M000100Y4"}, "code", "18 characters"),
        ({"code": "91350100M000100O43"}, "code", "O"),
        ({"kind": "club"}, "kind", "agency"),
        ({"jurisdiction": "123456"}, "jurisdiction", "123456"),
        ({"headcount": -5}, "headcount", "negative"),
    ],
)
def test_bad_input_is_a_400_naming_the_field(
    world: World, api_client: Any, change: dict[str, Any], field: str, words: str
) -> None:
    body = {"code": make_credit_code(), "name": "X", "kind": "agency", "jurisdiction": "municipal"}
    response = _post(api_client(world.users["office"]), "/api/v1/units", {**body, **change})
    assert response.status_code == 400
    assert words in response.json()["errors"][field][0]
    assert not Unit.objects.filter(name="X").exists()


def test_a_duplicate_code_is_a_400(world: World, api_client: Any) -> None:
    body = {"code": world.unit_a.code, "name": "X", "kind": "agency", "jurisdiction": "municipal"}
    response = _post(api_client(world.users["office"]), "/api/v1/units", body)
    assert response.status_code == 400
    assert world.unit_a.name in response.json()["errors"]["code"][0]


def test_units_filter_by_kind_jurisdiction_and_search(world: World, api_client: Any) -> None:
    UnitFactory(name="国网随州供电公司", kind=UnitKind.ENTERPRISE)
    client = api_client(world.users["office"])

    def codes(**params: Any) -> set[str]:
        return {row["name"] for row in client.get("/api/v1/units", params).json()["items"]}

    assert codes(kind="enterprise") == {"国网随州供电公司"}
    assert codes(jurisdiction="421381") == {world.unit_b.name}
    assert world.unit_b.name not in codes(jurisdiction="municipal")
    assert codes(q="市统计局") == {world.unit_free.name}
    assert codes(q=world.unit_a.code[:12]) >= {world.unit_a.name}


def test_archived_units_are_listed_only_when_asked(world: World, api_client: Any) -> None:
    client = api_client(world.users["office"])
    assert client.post(f"/api/v1/units/{world.unit_free.code}/archive").status_code == 200
    names = {r["name"] for r in client.get("/api/v1/units").json()["items"]}
    assert world.unit_free.name not in names
    names = {
        r["name"] for r in client.get("/api/v1/units", {"include_archived": "true"}).json()["items"]
    }
    assert world.unit_free.name in names


def test_unit_pages_follow_the_cursor_to_the_end(world: World, api_client: Any) -> None:
    for _ in range(7):
        UnitFactory()
    client = api_client(world.users["office"])
    seen: list[str] = []
    cursor = ""
    while True:
        page = client.get("/api/v1/units", {"limit": 3, "cursor": cursor}).json()
        seen += [row["code"] for row in page["items"]]
        if not page["next"]:
            break
        cursor = page["next"]
    assert seen == sorted(seen)
    assert len(seen) == Unit.objects.count() == 10


def test_the_unit_list_costs_the_same_queries_for_many_rows(
    world: World, api_client: Any, django_assert_max_num_queries: Any
) -> None:
    client = api_client(world.users["district"])
    for _ in range(30):
        PairingFactory(
            unit=UnitFactory(jurisdiction=world.district_a), community=world.community_a2
        )
    with django_assert_max_num_queries(8):
        response = client.get("/api/v1/units")
    assert len(response.json()["items"]) == 31


def test_pairings_list_and_filters(world: World, api_client: Any) -> None:
    client = api_client(world.users["office"])
    rows = client.get("/api/v1/pairings", {"community": world.community_b1.code}).json()["items"]
    assert [r["unit_code"] for r in rows] == [world.unit_b.code]
    rows = client.get("/api/v1/pairings", {"valid_on": "2021-06-30"}).json()["items"]
    assert rows == []
    rows = client.get("/api/v1/pairings", {"valid_on": "2021-07-01"}).json()["items"]
    assert len(rows) == 2


def test_an_overlapping_pairing_is_a_400_naming_the_existing_dates(
    world: World, api_client: Any
) -> None:
    body = {
        "unit_code": world.unit_a.code,
        "community_code": world.community_a1.code,
        "start": "2024-01-01",
        "end": "2024-12-31",
    }
    response = _post(api_client(world.users["office"]), "/api/v1/pairings", body)
    assert response.status_code == 400
    assert "2021-07-01" in response.json()["detail"]


def test_a_pairing_with_an_unknown_unit_names_the_field(world: World, api_client: Any) -> None:
    body = {
        "unit_code": make_credit_code(),
        "community_code": world.community_a1.code,
        "start": "2024-01-01",
    }
    response = _post(api_client(world.users["office"]), "/api/v1/pairings", body)
    assert response.status_code == 400
    assert "unit_code" in response.json()["errors"]


def test_a_bad_date_is_refused_naming_the_field(world: World, api_client: Any) -> None:
    body = {
        "unit_code": world.unit_a.code,
        "community_code": world.community_a2.code,
        "start": "2024-13-01",
    }
    response = _post(api_client(world.users["office"]), "/api/v1/pairings", body)
    assert response.status_code in {400, 422}
    assert "start" in response.json()["errors"]


@pytest.mark.parametrize(
    ("role", "phone"),
    [
        ("office", "13800000000"),
        ("unit", "13800000000"),
        ("member", "13800000000"),
        ("leader", "138****0000"),
    ],
)
def test_member_phones_are_masked_except_for_office_liaison_and_member(
    world: World, api_client: Any, role: str, phone: str
) -> None:
    client = api_client(world.users[role])
    rows = client.get("/api/v1/members").json()["items"]
    assert [r["phone"] for r in rows] == [phone]
    assert client.get(f"/api/v1/members/{rows[0]['id']}").json()["phone"] == phone


def test_a_member_sees_only_their_own_record(world: World, api_client: Any) -> None:
    other = MemberFactory(unit=world.unit_a, name="李四")
    client = api_client(world.users["member"])
    assert [r["name"] for r in client.get("/api/v1/members").json()["items"]] == ["张三"]
    assert client.get(f"/api/v1/members/{other.pk}").status_code == 404


def test_post_members_with_a_residence_community(world: World, api_client: Any) -> None:
    body = {
        "unit_code": world.unit_a.code,
        "name": "王五",
        "phone": "13912345678",
        "is_party_member": True,
        "residence_community_code": world.community_a2.code,
    }
    response = _post(api_client(world.users["unit"]), "/api/v1/members", body)
    assert response.status_code == 201
    assert response.json()["residence_community_code"] == world.community_a2.code
    body["residence_community_code"] = "999999999999"
    response = _post(api_client(world.users["unit"]), "/api/v1/members", body)
    assert response.status_code == 400
    assert "residence_community_code" in response.json()["errors"]


def test_the_openapi_schema_lists_the_units_resources(world: World, api_client: Any) -> None:
    schema = api_client(world.users["office"]).get("/api/v1/openapi.json").json()
    paths = schema["paths"]
    for path in ["/api/v1/units", "/api/v1/units/{code}", "/api/v1/pairings", "/api/v1/members"]:
        assert path in paths
    assert "400" in paths["/api/v1/units"]["post"]["responses"]
    assert paths["/api/v1/units"]["get"]["tags"] == ["units"]


def test_a_boolean_headcount_is_refused_not_read_as_one(world: World, api_client: Any) -> None:
    client = api_client(world.users["unit"])
    response = client.patch(
        f"/api/v1/units/{world.unit_a.code}",
        data=json.dumps({"headcount": True}),
        content_type="application/json",
    )
    assert response.status_code in {400, 422}
    assert "headcount" in response.json()["errors"]
