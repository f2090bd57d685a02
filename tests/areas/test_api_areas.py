"""The REST resources districts, streets, communities and compounds."""

from __future__ import annotations

import pytest
from django.utils import timezone

from gongzhi.areas.models import Community
from tests.factories import CommunityFactory, CompoundFactory


def test_communities_come_in_keyset_pages_with_a_next_cursor(world, api_client):
    client = api_client(world.users["office"])
    first = client.get("/api/v1/communities?limit=3").json()
    assert [c["code"] for c in first["items"]] == ["421303001001", "421303001002", "421381001001"]
    second = client.get(f"/api/v1/communities?limit=3&cursor={first['next']}").json()
    assert [c["code"] for c in second["items"]] == ["421381001002"]
    assert second["next"] is None


@pytest.mark.parametrize(
    ("query", "codes"),
    [
        ("q=白云", {"421303001001"}),
        ("q=4213810", {"421381001001", "421381001002"}),
        ("district=421381", {"421381001001", "421381001002"}),
        ("street=421303001", {"421303001001", "421303001002"}),
    ],
)
def test_communities_filter_by_name_code_district_and_street(world, api_client, query, codes):
    response = api_client(world.users["office"]).get(f"/api/v1/communities?{query}")
    assert {c["code"] for c in response.json()["items"]} == codes


def test_a_community_is_fetched_by_its_code_with_outline_and_centre(world, api_client):
    body = api_client(world.users["office"]).get("/api/v1/communities/421303001001").json()
    assert body["street_code"] == "421303001"
    assert body["district_code"] == "421303"
    assert body["outline"]["type"] == "Polygon"
    assert body["centre"] == {"lat": 31.69, "lng": 113.38}


def test_streets_filter_by_district(world, api_client):
    response = api_client(world.users["office"]).get("/api/v1/streets?district=421381")
    assert [s["code"] for s in response.json()["items"]] == ["421381001"]


def test_compounds_are_fetched_by_id_and_filtered_by_community(world, api_client):
    compound = CompoundFactory(community=world.community_a1, name="幸福小区")
    CompoundFactory(community=world.community_b1)
    client = api_client(world.users["office"])
    listed = client.get("/api/v1/compounds?community=421303001001").json()["items"]
    assert [c["name"] for c in listed] == ["幸福小区"]
    assert client.get(f"/api/v1/compounds/{compound.pk}").json()["community_code"] == (
        "421303001001"
    )


def test_a_street_officer_cannot_fetch_a_compound_of_another_street(world, api_client):
    compound = CompoundFactory(community=world.community_b1)
    response = api_client(world.users["street"]).get(f"/api/v1/compounds/{compound.pk}")
    assert response.status_code == 404


def test_archived_communities_are_listed_only_on_request(world, api_client):
    client = api_client(world.users["office"])
    assert client.post("/api/v1/communities/421303001002/archive").status_code == 200
    codes = {c["code"] for c in client.get("/api/v1/communities").json()["items"]}
    assert "421303001002" not in codes
    response = client.get("/api/v1/communities?include_archived=true")
    archived = {c["code"]: c["archived_at"] for c in response.json()["items"]}
    assert archived["421303001002"] is not None


def test_a_district_is_created_with_the_design_body(world, api_client):
    response = api_client(world.users["office"]).post(
        "/api/v1/districts", {"code": "421321", "name": "随县"}, content_type="application/json"
    )
    assert response.status_code == 201
    assert response.json() == {
        "code": "421321",
        "name": "随县",
        "is_local_code": False,
        "archived_at": None,
    }


def test_a_street_is_renamed_with_patch(world, api_client):
    response = api_client(world.users["district"]).patch(
        "/api/v1/streets/421303001", {"name": "西城"}, content_type="application/json"
    )
    assert response.status_code == 200
    assert response.json()["name"] == "西城"


def test_a_missing_name_is_a_400_naming_the_field(world, api_client):
    response = api_client(world.users["office"]).post(
        "/api/v1/communities",
        {"code": "421303001003", "name": "  ", "street_code": "421303001"},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "name" in response.json()["errors"]


def test_the_openapi_schema_declares_the_error_answers(world, api_client):
    schema = api_client(world.users["office"]).get("/api/v1/openapi.json").json()
    create = schema["paths"]["/api/v1/communities"]["post"]
    assert {"201", "400", "403", "404"} <= set(create["responses"])
    assert create["tags"] == ["areas"]


def test_the_community_list_costs_the_same_queries_for_many_rows(
    world, api_client, django_assert_max_num_queries
):
    client = api_client(world.users["district"])
    with django_assert_max_num_queries(6) as few:
        client.get("/api/v1/communities")
    for _ in range(30):
        CommunityFactory(street=world.street_a)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get("/api/v1/communities")
    assert len(response.json()["items"]) == 32


def test_the_compound_list_costs_the_same_queries_for_many_rows(
    world, api_client, django_assert_max_num_queries
):
    client = api_client(world.users["unit"])
    CompoundFactory(community=world.community_a1)
    with django_assert_max_num_queries(6) as few:
        client.get("/api/v1/compounds")
    for _ in range(20):
        CompoundFactory(community=world.community_a1)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get("/api/v1/compounds")
    assert len(response.json()["items"]) == 21


def test_a_body_missing_a_field_is_refused_naming_it(world, api_client):
    response = api_client(world.users["office"]).post(
        "/api/v1/communities",
        {"code": "421303001003", "name": "新社区"},
        content_type="application/json",
    )
    assert response.status_code in (400, 422)
    assert "street_code" in response.json()["errors"]


def test_an_archived_street_is_restored_through_the_api(world, api_client):
    client = api_client(world.users["district"])
    # Its communities are archived already (a1 keeps its pairing, so set directly).
    Community.objects.filter(street=world.street_a).update(archived_at=timezone.now())
    assert client.post("/api/v1/streets/421303001/archive").json()["archived_at"] is not None
    assert client.post("/api/v1/streets/421303001/restore").json()["archived_at"] is None


def test_archiving_a_street_with_communities_is_a_400_that_names_them(world, api_client):
    response = api_client(world.users["district"]).post("/api/v1/streets/421303001/archive")
    assert response.status_code == 400
    assert "白云社区" in response.json()["detail"]
