"""The area pages: lists, detail pages with the map, and forms."""

from __future__ import annotations

import json

from django.test import override_settings
from django.urls import reverse

from gongzhi.areas.models import Community, Compound
from tests.factories import CommunityFactory, CompoundFactory

A1 = "421303001001"


def test_the_community_page_has_the_map_div_and_the_outline_as_json(world, page_client):
    response = page_client(world.users["community"]).get(
        reverse("areas:community_detail", args=[A1])
    )
    html = response.content.decode()
    assert '<div id="community-map" class="map"' in html
    assert '<script id="community-outline" type="application/json">' in html
    start = html.index('<script id="community-outline" type="application/json">')
    payload = html[start:].split(">", 1)[1].split("</script>", 1)[0]
    assert json.loads(payload) == world.community_a1.outline
    assert "areas/community_map.js" in html
    assert "vendor/leaflet/leaflet.js" in html


def test_the_outline_json_cannot_break_out_of_its_script_tag(world, page_client):
    outline = dict(world.community_a1.outline, name="</script><script>alert(1)</script>")
    Community.objects.filter(pk=world.community_a1.pk).update(outline=outline)
    html = (
        page_client(world.users["office"])
        .get(reverse("areas:community_detail", args=[A1]))
        .content.decode()
    )
    assert "<script>alert(1)" not in html
    assert "\\u003C/script\\u003E" in html


def test_the_map_gets_tiles_only_when_a_tile_url_is_configured(world, page_client):
    client = page_client(world.users["office"])
    url = reverse("areas:community_detail", args=[A1])
    assert "data-tile-url" not in client.get(url).content.decode()
    with override_settings(MAP_TILE_URL="https://tiles.example/{z}/{x}/{y}.png"):
        assert 'data-tile-url="https://tiles.example/{z}/{x}/{y}.png"' in (
            client.get(url).content.decode()
        )


def test_the_community_page_lists_compounds_and_current_pairings_first(world, page_client):
    import datetime as dt

    from tests.factories import PairingFactory, UnitFactory

    CompoundFactory(community=world.community_a1, name="幸福小区", is_old=True)
    PairingFactory(
        unit=UnitFactory(name="已结束的单位"),
        community=world.community_a1,
        start=dt.date(2020, 1, 1),
        end=dt.date(2020, 12, 31),
    )
    response = page_client(world.users["office"]).get(reverse("areas:community_detail", args=[A1]))
    assert [c.name for c in response.context["compounds"]] == ["幸福小区"]
    assert [p.unit.name for p in response.context["pairings"]] == [
        "随州市市场监督管理局",
        "已结束的单位",
    ]


def test_the_district_list_shows_streets_with_their_counts(world, page_client):
    CompoundFactory(community=world.community_a1)
    response = page_client(world.users["district"]).get(reverse("areas:district_list"))
    (district,) = response.context["districts"]
    (street,) = district.street_rows
    assert (street.name, street.n_communities, street.n_compounds) == ("西城街道", 2, 1)


def test_the_community_list_searches_by_name_and_code(world, page_client):
    client = page_client(world.users["office"])
    url = reverse("areas:community_list")
    by_name = client.get(url, {"q": "青云"}).context["communities"]
    by_code = client.get(url, {"q": "421381001002"}).context["communities"]
    assert [c.name for c in by_name] == ["青云社区"]
    assert [c.name for c in by_code] == ["印台社区"]


def test_the_community_list_filters_by_district_and_street(world, page_client):
    client = page_client(world.users["office"])
    url = reverse("areas:community_list")
    in_b = client.get(url, {"district": "421381"}).context["communities"]
    in_street_a = client.get(url, {"street": "421303001"}).context["communities"]
    assert {c.code for c in in_b} == {"421381001001", "421381001002"}
    assert {c.code for c in in_street_a} == {"421303001001", "421303001002"}


def test_the_community_list_has_a_next_page_link_that_keeps_the_filters(
    world, page_client, settings
):
    settings.PAGE_SIZE = 3
    for _ in range(3):
        CommunityFactory(street=world.street_a)
    client = page_client(world.users["office"])
    first = client.get(reverse("areas:community_list"), {"district": "421303"})
    assert len(first.context["communities"]) == 3
    next_url = first.context["next_url"]
    assert "district=421303" in next_url and "cursor=" in next_url
    assert 'rel="next"' in first.content.decode()
    second = client.get(next_url)
    assert len(second.context["communities"]) == 2
    assert second.context["next_url"] is None
    seen = {c.code for c in first.context["communities"]} | {
        c.code for c in second.context["communities"]
    }
    assert len(seen) == 5


def test_the_community_list_costs_the_same_queries_for_many_rows(
    world, page_client, django_assert_max_num_queries
):
    client = page_client(world.users["street"])
    url = reverse("areas:community_list")
    with django_assert_max_num_queries(12) as few:
        client.get(url)
    for _ in range(25):
        CompoundFactory(community=CommunityFactory(street=world.street_a))
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(url)
    assert len(response.context["communities"]) == 27


def test_the_district_list_costs_the_same_queries_for_many_rows(
    world, page_client, django_assert_max_num_queries
):
    client = page_client(world.users["office"])
    url = reverse("areas:district_list")
    with django_assert_max_num_queries(12) as few:
        client.get(url)
    for _ in range(10):
        CompoundFactory(community=CommunityFactory(street=world.street_b))
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(url)


def test_a_community_is_created_from_the_form(world, page_client):
    response = page_client(world.users["street"]).post(
        reverse("areas:community_create"),
        {"street": world.street_a.pk, "code": "421303001003", "name": "新社区"},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("areas:community_detail", args=["421303001003"])


def test_a_bad_code_is_shown_next_to_its_field(world, page_client):
    response = page_client(world.users["street"]).post(
        reverse("areas:community_create"),
        {"street": world.street_a.pk, "code": "421381001003", "name": "新社区"},
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert 'data-field-error="code"' in html
    assert "421303001" in response.context["form"].errors["code"][0]
    assert not Community.objects.filter(name="新社区").exists()


def test_a_street_officer_may_only_choose_its_own_street(world, page_client):
    response = page_client(world.users["street"]).post(
        reverse("areas:community_create"),
        {"street": world.street_b.pk, "code": "421381001003", "name": "新社区"},
    )
    assert response.status_code == 400
    assert "street" in response.context["form"].errors


def test_community_staff_add_a_compound_from_the_form(world, page_client):
    response = page_client(world.users["community"]).post(
        reverse("areas:compound_create", args=[A1]),
        {"name": "幸福小区", "address": "青年路1号", "is_old": "on", "households": "120"},
    )
    assert response.status_code == 302
    compound = Compound.objects.get(name="幸福小区")
    assert (compound.is_old, compound.households) == (True, 120)


def test_a_duplicate_compound_name_is_shown_next_to_the_name(world, page_client):
    CompoundFactory(community=world.community_a1, name="幸福小区")
    response = page_client(world.users["community"]).post(
        reverse("areas:compound_create", args=[A1]), {"name": "幸福小区"}
    )
    assert response.status_code == 400
    assert "幸福小区" in response.context["form"].errors["name"][0]


def test_an_edit_that_changes_the_outline_moves_the_centre(world, page_client):
    from tests.factories import square

    response = page_client(world.users["office"]).post(
        reverse("areas:community_edit", args=[A1]),
        {
            "street": world.street_a.pk,
            "code": A1,
            "name": "白云社区",
            "outline": json.dumps(square(31.8, 113.5)),
            "centre_lat": "31.69",
            "centre_lng": "113.38",
        },
    )
    assert response.status_code == 302
    world.community_a1.refresh_from_db()
    assert round(world.community_a1.centre_lat, 6) == 31.8


def test_write_buttons_appear_only_for_writers(world, page_client):
    url = reverse("areas:community_detail", args=[A1])
    office_html = page_client(world.users["office"]).get(url).content.decode()
    unit_html = page_client(world.users["unit"]).get(url).content.decode()
    assert 'data-testid="archive"' in office_html
    assert 'data-testid="archive"' not in unit_html
    assert reverse("areas:community_edit", args=[A1]) not in unit_html


def test_the_community_page_costs_the_same_queries_for_many_compounds_and_units(
    world, page_client, django_assert_max_num_queries
):
    from tests.factories import PairingFactory

    client = page_client(world.users["community"])
    url = reverse("areas:community_detail", args=[A1])
    with django_assert_max_num_queries(15) as few:
        client.get(url)
    for _ in range(15):
        CompoundFactory(community=world.community_a1)
        PairingFactory(community=world.community_a1)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(url)
    assert len(response.context["pairings"]) == 16


def test_the_navigation_links_to_the_area_lists(world, page_client):
    response = page_client(world.users["district"]).get(reverse("home"))
    names = {item["name"] for item in response.context["nav_items"]}
    assert {"areas:district_list", "areas:community_list"} <= names


def test_paired_units_link_to_their_pages(client, world):
    from tests.factories import PairingFactory, UnitFactory

    url = reverse("areas:community_detail", kwargs={"code": world.community_a1.code})
    unit_url = reverse("units:unit_detail", kwargs={"code": world.unit_a.code})
    other = UnitFactory(name="随州市另一局")
    PairingFactory(unit=other, community=world.community_a1)
    other_url = reverse("units:unit_detail", kwargs={"code": other.code})
    client.force_login(world.users["community"])
    page = client.get(url).content.decode()
    assert unit_url in page
    assert other_url in page
    # A unit liaison sees only their own unit's pairing here.
    client.force_login(world.users["unit"])
    page = client.get(url).content.decode()
    assert unit_url in page
    assert "随州市另一局" not in page


def test_the_new_community_form_shows_an_empty_outline_box(client, world):
    client.force_login(world.users["office"])
    page = client.get(reverse("areas:community_create")).content.decode()
    assert ">null<" not in page
