import pytest
from django.urls import reverse


@pytest.mark.django_db
def test_home_requires_login(client):
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


def test_user_without_role_is_told_to_ask_for_one(client, world):
    client.force_login(world.users["nobody"])
    response = client.get(reverse("home"))
    assert response.status_code == 200
    assert response.context["nav_items"] == []
