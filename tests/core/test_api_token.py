import json

from django.test import Client

from tests.factories import PASSWORD

TOKEN_URL = "/api/v1/auth/token"


def post_json(client, url, body):
    return client.post(url, json.dumps(body), content_type="application/json")


def test_right_password_gives_a_token_that_authenticates(client, world):
    response = post_json(client, TOKEN_URL, {"username": "office", "password": PASSWORD})
    assert response.status_code == 201
    token = response.json()["token"]
    authed = Client(headers={"Authorization": f"Bearer {token}"})
    me = authed.get("/api/v1/auth/me")
    assert me.status_code == 200
    assert me.json()["roles"] == ["office"]


def test_wrong_password_is_401_with_a_message(client, world):
    response = post_json(client, TOKEN_URL, {"username": "office", "password": "nope"})
    assert response.status_code == 401
    assert response.json()["detail"]


def test_repeated_failures_lock_token_requests_too(client, world, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        post_json(client, TOKEN_URL, {"username": "unit", "password": "nope"})
    response = post_json(client, TOKEN_URL, {"username": "unit", "password": PASSWORD})
    assert response.status_code == 429
    assert "token" not in response.json()
    assert response.json()["detail"]


def test_unknown_token_is_401(world):
    response = Client(headers={"Authorization": "Bearer gz_not-a-token"}).get("/api/v1/auth/me")
    assert response.status_code == 401


def test_no_credentials_is_401(client, world):
    assert client.get("/api/v1/auth/me").status_code == 401


def test_only_a_hash_of_the_key_is_stored(client, world):
    from gongzhi.core.models import ApiToken

    token = post_json(client, TOKEN_URL, {"username": "office", "password": PASSWORD}).json()[
        "token"
    ]
    stored = ApiToken.objects.get()
    assert stored.key_hash != token
    assert stored.key_hash == ApiToken.hash_key(token)


def test_openapi_schema_is_published(client, world):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert "/api/v1/auth/token" in response.json()["paths"]


def test_me_names_the_area_a_grant_is_bound_to(world, api_client):
    body = api_client(world.users["community"]).get("/api/v1/auth/me").json()
    assert body["grants"] == [
        {
            "role": "community",
            "district_code": None,
            "street_code": None,
            "community_code": "421303001001",
            "unit_code": None,
        }
    ]


def test_a_body_missing_a_field_names_it(client, world):
    response = post_json(client, TOKEN_URL, {"username": "office"})
    assert response.status_code == 422
    assert (
        response.json()["errors"] == {"password": ["此字段为必填项。"]}
        or "password" in response.json()["errors"]
    )
    assert response.json()["detail"].startswith("password")


def test_a_body_that_is_not_json_is_refused_clearly(client, world):
    response = client.post(TOKEN_URL, "{nope", content_type="application/json")
    assert response.status_code in {400, 422}
    assert response.json()["detail"]
