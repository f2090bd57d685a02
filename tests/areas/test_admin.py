"""The admin of areas: scoped lists, search, no deleting, archive through the services."""

from __future__ import annotations

from django.urls import reverse

from gongzhi.areas.models import Community, Street
from tests.factories import make_user


def _staff(user):
    user.is_staff = True
    user.save()
    return user


def test_the_admin_has_no_delete_action_but_archive(world, client):
    superuser = _staff(make_user("root"))
    superuser.is_superuser = True
    superuser.save()
    client.force_login(superuser)
    response = client.get(reverse("admin:areas_community_changelist"))
    actions = dict(response.context["action_form"].fields["action"].choices)
    assert "delete_selected" not in actions
    assert "archive_selected" in actions


def test_the_admin_archive_action_goes_through_the_service(world, client):
    superuser = make_user("root")
    superuser.is_staff = superuser.is_superuser = True
    superuser.save()
    client.force_login(superuser)
    client.post(
        reverse("admin:areas_street_changelist"),
        {"action": "archive_selected", "_selected_action": [world.street_a.pk]},
    )
    world.street_a.refresh_from_db()
    assert world.street_a.archived_at is None  # refused: it has active communities
    client.post(
        reverse("admin:areas_community_changelist"),
        {"action": "archive_selected", "_selected_action": [world.community_a2.pk]},
    )
    world.community_a2.refresh_from_db()
    assert world.community_a2.archived_at is not None
    assert world.community_a2.history.first().history_user == superuser


def test_the_admin_list_goes_through_the_scoping_function(world):
    from django.contrib.admin.sites import site
    from django.test import RequestFactory

    request = RequestFactory().get("/")
    request.user = world.users["street"]
    model_admin = site._registry[Community]
    assert {c.code for c in model_admin.get_queryset(request)} == {
        "421303001001",
        "421303001002",
    }


def test_an_admin_add_with_a_bad_code_shows_the_service_message(world, client):
    superuser = make_user("root")
    superuser.is_staff = superuser.is_superuser = True
    superuser.save()
    client.force_login(superuser)
    response = client.post(
        reverse("admin:areas_street_add"),
        {"district": world.district_a.pk, "code": "421381009", "name": "错街道"},
    )
    assert response.status_code == 200
    assert "421303" in str(response.context["adminform"].form.errors["code"])
    assert not Street.objects.filter(name="错街道").exists()
    response = client.post(
        reverse("admin:areas_street_add"),
        {"district": world.district_a.pk, "code": "421303009", "name": "好街道"},
    )
    assert response.status_code == 302
    assert Street.objects.get(code="421303009").history.first().history_user == superuser


def test_an_admin_edit_is_saved_through_the_service_with_history(world, client):
    superuser = make_user("root")
    superuser.is_staff = superuser.is_superuser = True
    superuser.save()
    client.force_login(superuser)
    url = reverse("admin:areas_compound_change", args=[_compound(world).pk])
    response = client.post(url, {"name": "新名小区", "address": "", "households": "30"})
    assert response.status_code == 302
    compound = world.community_a1.compounds.get()
    assert (compound.name, compound.households) == ("新名小区", 30)
    assert compound.history.count() == 2
    assert compound.history.first().history_user == superuser


def _compound(world):
    from tests.factories import CompoundFactory

    return CompoundFactory(community=world.community_a1, name="旧名小区")
