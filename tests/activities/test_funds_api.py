"""The contributions API: /api/v1/contributions and its totals."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from gongzhi.activities.models import Contribution
from tests.activities.fixtures_funds import DAY, make_old, record
from tests.factories import World

pytestmark = pytest.mark.django_db

URL = "/api/v1/contributions"


def _post(client: Client, body: dict[str, Any], url: str = URL) -> Any:
    return client.post(url, data=json.dumps(body), content_type="application/json")


def _patch(client: Client, url: str, body: dict[str, Any]) -> Any:
    return client.patch(url, data=json.dumps(body), content_type="application/json")


def _body(world: World, **values: Any) -> dict[str, Any]:
    body = {
        "unit_code": world.unit_a.code,
        "community_code": world.community_a1.code,
        "date": DAY.isoformat(),
        "amount": "8万",
        "purpose": "清理垃圾死角",
    }
    body.update(values)
    return body


@pytest.mark.parametrize(
    ("amount", "fen"),
    [("8万", 8_000_000), ("80,000.00", 8_000_000), ("80000", 8_000_000), (80000, 8_000_000)],
)
def test_a_liaison_posts_a_contribution_in_any_usual_form(
    world: World, api_client: Callable[[Any], Client], amount: Any, fen: int
) -> None:
    response = _post(api_client(world.users["unit"]), _body(world, amount=amount))
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["amount_fen"] == fen
    assert data["amount_yuan"] == "80000.00"
    assert data["unit_code"] == world.unit_a.code
    assert data["community_code"] == world.community_a1.code
    assert data["archived_at"] is None


def test_a_json_number_with_decimals_is_yuan(world: World, api_client: Callable) -> None:
    response = _post(api_client(world.users["unit"]), _body(world, amount=0.5))
    assert response.json()["amount_fen"] == 50


@pytest.mark.parametrize("amount", ["八万", "-5", "1e9", "12.345", 1e9 * 10])
def test_an_unclear_amount_is_a_400_naming_the_field(
    world: World, api_client: Callable, amount: Any
) -> None:
    response = _post(api_client(world.users["unit"]), _body(world, amount=amount))
    assert response.status_code == 400
    assert response.json()["errors"]["amount"]
    assert not Contribution.objects.exists()


def test_a_boolean_amount_is_a_schema_error(world: World, api_client: Callable) -> None:
    response = _post(api_client(world.users["unit"]), _body(world, amount=True))
    assert response.status_code == 422


def test_an_unpaired_community_is_a_400_on_community_code(
    world: World, api_client: Callable
) -> None:
    response = _post(
        api_client(world.users["unit"]), _body(world, community_code=world.community_a2.code)
    )
    assert response.status_code == 400
    assert "community_code" in response.json()["errors"]


def test_community_staff_may_not_record_403(world: World, api_client: Callable) -> None:
    response = _post(api_client(world.users["community"]), _body(world))
    assert response.status_code == 403


def test_a_double_entry_is_refused_until_allow_duplicate(
    world: World, api_client: Callable
) -> None:
    client = api_client(world.users["unit"])
    assert _post(client, _body(world)).status_code == 201
    second = _post(client, _body(world))
    assert second.status_code == 400
    assert "allow_duplicate" in second.json()["errors"]
    assert _post(client, _body(world, allow_duplicate=True)).status_code == 201


def test_the_list_is_scoped_and_an_entry_out_of_scope_is_404(
    world: World, api_client: Callable
) -> None:
    mine = record(world)
    theirs = record(
        world,
        user=world.users["office"],
        unit_code=world.unit_b.code,
        community_code=world.community_b1.code,
    )
    liaison = api_client(world.users["unit"])
    items = liaison.get(URL).json()["items"]
    assert [i["id"] for i in items] == [mine.pk]
    assert liaison.get(f"{URL}/{theirs.pk}").status_code == 404
    assert liaison.get(f"{URL}/{mine.pk}").json()["amount_fen"] == 8_000_000
    office_items = api_client(world.users["office"]).get(URL).json()["items"]
    assert {i["id"] for i in office_items} == {mine.pk, theirs.pk}


def test_the_list_filters_by_unit_community_and_period(world: World, api_client: Callable) -> None:
    office = world.users["office"]
    september = record(world, user=office)
    october = record(world, user=office, date=dt.date(2021, 10, 8))
    other = record(
        world,
        user=office,
        unit_code=world.unit_b.code,
        community_code=world.community_b1.code,
    )
    client = api_client(office)

    def ids(query: str) -> set[int]:
        return {i["id"] for i in client.get(f"{URL}?{query}").json()["items"]}

    assert ids(f"unit={world.unit_a.code}") == {september.pk, october.pk}
    assert ids(f"community={world.community_b1.code}") == {other.pk}
    assert ids("start=2021-10-01&end=2021-10-31") == {october.pk}


def test_keyset_pages_cover_every_entry_once(world: World, api_client: Callable) -> None:
    office = world.users["office"]
    made = {record(world, user=office, amount=f"{n}万").pk for n in range(1, 6)}
    client = api_client(office)
    seen: list[int] = []
    url = f"{URL}?limit=2"
    while url:
        data = client.get(url).json()
        seen.extend(i["id"] for i in data["items"])
        url = f"{URL}?limit=2&cursor={data['next']}" if data["next"] else ""
    assert sorted(seen) == sorted(made)
    assert len(seen) == len(made)


def test_patch_inside_the_window_then_403_after_it_for_the_liaison(
    world: World, api_client: Callable
) -> None:
    contribution = record(world)
    client = api_client(world.users["unit"])
    url = f"{URL}/{contribution.pk}"
    response = _patch(client, url, {"amount": "8.5万", "purpose": "更换垃圾桶"})
    assert response.status_code == 200, response.content
    assert response.json()["amount_fen"] == 8_500_000
    assert response.json()["purpose"] == "更换垃圾桶"
    make_old(contribution)
    assert _patch(client, url, {"amount": "9万"}).status_code == 403


def test_the_office_patches_after_the_window_only_with_a_reason(
    world: World, api_client: Callable
) -> None:
    contribution = make_old(record(world))
    client = api_client(world.users["office"])
    url = f"{URL}/{contribution.pk}"
    refused = _patch(client, url, {"amount": "6万"})
    assert refused.status_code == 400
    assert "reason" in refused.json()["errors"]
    assert _patch(client, url, {"amount": "6万", "reason": "按收据更正"}).status_code == 200
    contribution.refresh_from_db()
    assert contribution.amount_fen == 6_000_000


def test_delete_archives_and_the_totals_drop_it(world: World, api_client: Callable) -> None:
    kept = record(world, amount="2万")
    dropped = record(world, amount="8万")
    client = api_client(world.users["unit"])
    response = client.delete(f"{URL}/{dropped.pk}")
    assert response.status_code == 200
    assert response.json()["archived_at"] is not None
    assert [i["id"] for i in client.get(URL).json()["items"]] == [kept.pk]
    archived_too = client.get(f"{URL}?include_archived=true").json()["items"]
    assert {i["id"] for i in archived_too} == {kept.pk, dropped.pk}
    assert client.get(f"{URL}/totals").json()["funds_fen"] == 2_000_000


def test_delete_after_the_window_needs_the_offices_reason(
    world: World, api_client: Callable
) -> None:
    contribution = make_old(record(world))
    assert api_client(world.users["unit"]).delete(f"{URL}/{contribution.pk}").status_code == 403
    office = api_client(world.users["office"])
    assert office.delete(f"{URL}/{contribution.pk}").status_code == 400
    assert office.delete(f"{URL}/{contribution.pk}?reason=重复录入").status_code == 200


def test_totals_are_exact_and_scoped(world: World, api_client: Callable) -> None:
    office = world.users["office"]
    record(world, amount="8万")
    record(world, amount="0.01", date=dt.date(2021, 10, 8))
    record(
        world,
        user=office,
        unit_code=world.unit_b.code,
        community_code=world.community_b1.code,
        amount="5万",
    )
    data = api_client(office).get(f"{URL}/totals?start=2021-07-01&end=2021-10-31").json()
    assert data["funds_fen"] == 13_000_001
    assert data["funds_yuan"] == "130000.01"
    assert [(u["key"], u["funds_fen"]) for u in data["by_unit"]] == [
        (world.unit_a.code, 8_000_001),
        (world.unit_b.code, 5_000_000),
    ]
    assert [(m["key"], m["count"]) for m in data["by_month"]] == [("2021-09", 2), ("2021-10", 1)]
    community = api_client(world.users["community"]).get(f"{URL}/totals").json()
    assert community["funds_fen"] == 8_000_001
    assert [c["key"] for c in community["by_community"]] == [world.community_a1.code]


def test_the_list_costs_the_same_queries_for_3_or_30_rows(
    world: World, api_client: Callable, django_assert_max_num_queries: Any
) -> None:
    from tests.activities.fixtures_funds import make_problem

    office = world.users["office"]
    problem = make_problem(world.community_a1)
    client = api_client(office)
    for n in range(3):
        record(world, user=office, amount=f"{n + 1}万", problem_numbers=[problem.number])
    with django_assert_max_num_queries(8) as few:
        client.get(URL)
    for n in range(27):
        record(world, user=office, amount=f"{n + 10}万", problem_numbers=[problem.number])
    with django_assert_max_num_queries(len(few.captured_queries)):
        data = client.get(URL).json()
    assert len(data["items"]) == 30
    assert data["items"][0]["problem_numbers"] == [problem.number]
