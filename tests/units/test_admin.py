"""The admin of units, members and pairings: scoped, with history, never deleting."""

from __future__ import annotations

from typing import Any

from django.contrib.admin.sites import site
from django.test import RequestFactory
from django.urls import reverse

from gongzhi.units.models import Member, Pairing, Unit
from tests.factories import World


def test_admin_lists_go_through_the_scoping_functions(world: World) -> None:
    request = RequestFactory().get("/")
    request.user = world.users["district"]
    units = site._registry[Unit].get_queryset(request)
    assert set(units) == {world.unit_a}
    assert set(site._registry[Pairing].get_queryset(request)) == {world.pairing_a}
    assert not site._registry[Member].get_queryset(request).exists()


def test_the_admin_never_deletes_and_offers_archive(world: World) -> None:
    request = RequestFactory().get("/")
    request.user = world.users["office"]
    for model in (Unit, Member, Pairing):
        admin = site._registry[model]
        assert not admin.has_delete_permission(request)
        assert "archive_selected" in admin.get_actions(request)
        assert "delete_selected" not in admin.get_actions(request)


def test_the_archive_action_archives_through_the_service(world: World, client: Any) -> None:
    office = world.users["office"]
    office.is_staff = True
    office.is_superuser = True
    office.save()
    client.force_login(office)
    url = reverse("admin:units_unit_changelist")
    assert client.get(url, {"q": "统计"}).status_code == 200
    client.post(url, {"action": "archive_selected", "_selected_action": [world.unit_free.pk]})
    unit = Unit.objects.get(pk=world.unit_free.pk)
    assert unit.archived_at is not None
    assert unit.history.first().history_user == office


def test_a_bad_credit_code_in_the_admin_is_a_message_not_a_crash(world: World, client: Any) -> None:
    office = world.users["office"]
    office.is_staff = True
    office.is_superuser = True
    office.save()
    client.force_login(office)
    response = client.post(
        reverse("admin:units_unit_add"),
        {"code": "91350100M000100Y44", "name": "错码局", "kind": "agency"},
        follow=True,
    )
    assert response.status_code == 200
    assert "check digit" in response.content.decode().lower() or "校验" in (
        response.content.decode()
    )
    assert not Unit.objects.filter(name="错码局").exists()


def test_a_past_version_in_the_admin_is_for_reading_only(world: World, client: Any) -> None:
    """A POST to a past version would revert the row past the services' checks: refused."""
    office = world.users["office"]
    office.is_staff = True
    office.is_superuser = True
    office.save()
    client.force_login(office)
    unit = world.unit_a
    unit.name = "改名后的单位"
    unit.save()
    first = unit.history.order_by("history_id").first()
    assert first is not None
    url = reverse("admin:units_unit_simple_history", args=(unit.pk, first.history_id))
    assert client.get(url).status_code == 200
    response = client.post(url, {"code": unit.code, "name": first.name, "kind": unit.kind})
    assert response.status_code == 403
    assert Unit.objects.get(pk=unit.pk).name == "改名后的单位"
