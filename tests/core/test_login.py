import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import PASSWORD


def login(client, username, password):
    return client.post(reverse("login"), {"username": username, "password": password})


def test_correct_password_logs_in_and_lands_on_home(client, world):
    response = login(client, "office", PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    assert client.get(reverse("home")).status_code == 200


def test_wrong_password_shows_an_error_and_stays_logged_out(client, world):
    response = login(client, "office", "wrong")
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert client.get(reverse("home")).status_code == 302


def test_five_failures_lock_the_account_even_for_the_right_password(client, world, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        login(client, "unit", "wrong")
    response = login(client, "unit", PASSWORD)
    assert response.status_code == 429
    assert b'data-testid="locked-out"' in response.content
    assert client.get(reverse("home")).status_code == 302


def test_lock_out_of_one_account_leaves_others_alone(client, world, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        login(client, "unit", "wrong")
    assert login(client, "office", PASSWORD).status_code == 302


def test_a_success_before_the_limit_resets_the_count(client, world, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        login(client, "unit", "wrong")
    assert login(client, "unit", PASSWORD).status_code == 302
    client.post(reverse("logout"))
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        login(client, "unit", "wrong")
    assert login(client, "unit", PASSWORD).status_code == 302


def test_logout_needs_post_and_ends_the_session(client, world):
    client.force_login(world.users["office"])
    assert client.get(reverse("logout")).status_code == 405
    client.post(reverse("logout"))
    assert client.get(reverse("home")).status_code == 302


def test_session_expires_after_inactivity(client, world, settings):
    client.force_login(world.users["office"])
    assert client.get(reverse("home")).status_code == 200
    session = client.session
    assert session.get_expiry_age() == settings.SESSION_COOKIE_AGE
    # Age the stored session past its expiry: the next request is sent to login.
    from django.contrib.sessions.models import Session

    Session.objects.filter(session_key=session.session_key).update(
        expire_date=timezone.now() - dt.timedelta(seconds=1)
    )
    assert client.get(reverse("home")).status_code == 302


def test_password_change_requires_the_old_password(client, world):
    client.force_login(world.users["member"])
    response = client.post(
        reverse("password_change"),
        {
            "old_password": "nope",
            "new_password1": "Tall-Tree-7781",
            "new_password2": "Tall-Tree-7781",
        },
    )
    assert response.status_code == 200
    assert "old_password" in response.context["form"].errors
    response = client.post(
        reverse("password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": "Tall-Tree-7781",
            "new_password2": "Tall-Tree-7781",
        },
    )
    assert response.status_code == 302
    world.users["member"].refresh_from_db()
    assert world.users["member"].check_password("Tall-Tree-7781")


def test_the_product_speaks_chinese_by_default():
    from gongzhi import settings as product_settings

    assert product_settings.LANGUAGE_CODE == "zh-hans"


@pytest.mark.django_db
def test_login_page_is_in_chinese_for_chinese_users(client, chinese):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    assert "登录" in response.content.decode()


def test_session_cookie_is_http_only(client, world):
    response = login(client, "office", PASSWORD)
    assert response.cookies["sessionid"]["httponly"]
