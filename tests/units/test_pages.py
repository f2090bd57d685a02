"""The unit pages: lists, detail, forms, archive."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.urls import reverse

from gongzhi.units import services
from gongzhi.units.models import Pairing, Unit
from tests.factories import MemberFactory, PairingFactory, UnitFactory, World, make_credit_code


def test_the_unit_list_searches_by_short_name(world: World, login: Any) -> None:
    page = login(world.users["office"]).get(reverse("units:unit_list"), {"q": "市统计局"})
    text = page.content.decode()
    assert world.unit_free.name in text
    assert world.unit_b.name not in text


def test_the_unit_list_filters_municipal_units(world: World, login: Any) -> None:
    client = login(world.users["office"])
    text = client.get(reverse("units:unit_list"), {"jurisdiction": "municipal"}).content.decode()
    assert world.unit_a.name in text and world.unit_b.name not in text
    text = client.get(reverse("units:unit_list"), {"jurisdiction": "421381"}).content.decode()
    assert world.unit_a.name not in text and world.unit_b.name in text


def test_the_unit_list_pages_with_a_next_link(world: World, login: Any, settings: Any) -> None:
    settings.PAGE_SIZE = 2
    client = login(world.users["office"])
    first = client.get(reverse("units:unit_list"))
    assert first.context["next_url"]
    second = client.get(reverse("units:unit_list") + first.context["next_url"])
    codes = [u.code for u in first.context["units"]] + [u.code for u in second.context["units"]]
    assert codes == sorted(Unit.objects.values_list("code", flat=True))
    assert second.context["next_url"] is None


def test_the_unit_list_costs_the_same_queries_for_many_rows(
    world: World, login: Any, django_assert_max_num_queries: Any
) -> None:
    client = login(world.users["office"])
    for _ in range(40):
        UnitFactory(jurisdiction=world.district_b)
    with django_assert_max_num_queries(8):
        response = client.get(reverse("units:unit_list"))
    assert len(response.context["units"]) == 43


def test_the_pairing_list_costs_the_same_queries_for_many_rows(
    world: World, login: Any, django_assert_max_num_queries: Any
) -> None:
    client = login(world.users["district"])
    for _ in range(30):
        PairingFactory(community=world.community_a2)
    with django_assert_max_num_queries(8):
        response = client.get(reverse("units:pairing_list"))
    assert len(response.context["pairings"]) == 31


def test_the_pairing_list_filters_by_the_day_a_pairing_is_valid(world: World, login: Any) -> None:
    services.pairing_end(
        user=world.users["office"], pairing=world.pairing_b, end=dt.date(2021, 12, 31)
    )
    client = login(world.users["office"])
    rows = client.get(reverse("units:pairing_list"), {"valid_on": "2022-01-01"}).context["pairings"]
    assert [r["pairing"].pk for r in rows] == [world.pairing_a.pk]


def test_the_unit_page_lists_current_pairings_first_with_community_links(
    world: World, login: Any
) -> None:
    office = world.users["office"]
    services.pairing_end(user=office, pairing=world.pairing_a, end=dt.date(2021, 12, 31))
    services.pairing_create(
        user=office, unit=world.unit_a, community=world.community_a2, start=dt.date(2021, 1, 1)
    )
    response = login(office).get(reverse("units:unit_detail", kwargs={"code": world.unit_a.code}))
    rows = response.context["pairings"]
    assert [r["pairing"].community for r in rows] == [world.community_a2, world.community_a1]
    assert reverse("areas:community_detail", kwargs={"code": world.community_a2.code}) in (
        response.content.decode()
    )


def test_the_unit_page_masks_phones_for_the_leader_only(world: World, login: Any) -> None:
    url = reverse("units:unit_detail", kwargs={"code": world.unit_a.code})
    assert "138****0000" in login(world.users["leader"]).get(url).content.decode()
    text = login(world.users["unit"]).get(url).content.decode()
    assert "13800000000" in text and "138****0000" not in text


def test_the_member_list_shows_a_member_only_themselves(world: World, login: Any) -> None:
    MemberFactory(unit=world.unit_a, name="李四")
    text = login(world.users["member"]).get(reverse("units:member_list")).content.decode()
    assert "张三" in text and "李四" not in text
    assert "13800000000" in text


def test_history_shows_who_changed_what_to_those_who_may_see_it(world: World, login: Any) -> None:
    services.unit_update(user=world.users["unit"], unit=world.unit_a, headcount=45)
    url = reverse("units:unit_detail", kwargs={"code": world.unit_a.code})
    response = login(world.users["office"]).get(url)
    history = response.context["history"]
    assert history[0].who == world.users["unit"]
    assert any(c.name == "headcount" and c.new == 45 for c in history[0].changes)
    assert 'data-testid="history"' in response.content.decode()
    hidden = login(world.users["community"]).get(url)
    assert hidden.context["history"] is None
    assert 'data-testid="history"' not in hidden.content.decode()


def test_the_create_form_shows_code_errors_next_to_the_field(world: World, login: Any) -> None:
    code = make_credit_code()
    wrong = code[:17] + ("0" if code[17] != "0" else "1")
    response = login(world.users["office"]).post(
        reverse("units:unit_create"),
        {"code": wrong, "name": "X", "kind": "agency", "jurisdiction": "municipal"},
    )
    assert response.status_code == 400
    assert response.context["form"].errors["code"]
    assert 'data-field-error="code"' in response.content.decode()


def test_the_create_form_registers_a_unit(world: World, login: Any) -> None:
    code = make_credit_code()
    response = login(world.users["office"]).post(
        reverse("units:unit_create"),
        {"code": code.lower(), "name": "随州市住建局", "kind": "agency", "jurisdiction": "421303"},
    )
    assert response.status_code == 302
    assert Unit.objects.get(code=code).jurisdiction == world.district_a


def test_the_liaison_edit_form_has_only_contact_fields(world: World, login: Any) -> None:
    client = login(world.users["unit"])
    url = reverse("units:unit_edit", kwargs={"code": world.unit_a.code})
    assert set(client.get(url).context["form"].fields) == {
        "headcount",
        "contact_name",
        "contact_phone",
    }
    response = client.post(url, {"headcount": "-3", "contact_name": "", "contact_phone": ""})
    assert response.status_code == 400
    assert response.context["form"].errors["headcount"]


def test_the_pairing_form_refuses_an_overlap_with_the_message(world: World, login: Any) -> None:
    response = login(world.users["district"]).post(
        reverse("units:pairing_create"),
        {"unit": world.unit_a.code, "community": world.community_a1.code, "start": "2023-01-01"},
    )
    assert response.status_code == 400
    assert "2021-07-01" in response.context["form"].errors["start"][0]
    assert Pairing.objects.filter(unit=world.unit_a).count() == 1


def test_archiving_asks_for_confirmation_first(world: World, login: Any) -> None:
    client = login(world.users["office"])
    url = reverse("units:unit_archive", kwargs={"code": world.unit_free.code})
    assert "confirm-archive" in client.get(url).content.decode()
    assert Unit.objects.get(pk=world.unit_free.pk).archived_at is None
    assert client.post(url).status_code == 302
    assert Unit.objects.get(pk=world.unit_free.pk).archived_at is not None


def test_a_liaison_adds_and_archives_a_member_of_their_unit(world: World, login: Any) -> None:
    client = login(world.users["unit"])
    response = client.post(
        reverse("units:member_create", kwargs={"code": world.unit_a.code}),
        {"name": "王五", "phone": "13912345678", "residence_community": ""},
    )
    assert response.status_code == 302
    member = world.unit_a.members.get(name="王五")
    client.post(reverse("units:member_archive", kwargs={"pk": member.pk}))
    member.refresh_from_db()
    assert member.archived_at is not None


def test_anonymous_visitors_are_sent_to_log_in(client: Any, world: World) -> None:
    response = client.get(reverse("units:unit_list"))
    assert response.status_code == 302
