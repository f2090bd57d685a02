"""REST: a round's ranking, the cumulative ranking and the ranking rules."""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from gongzhi.inspections.models import (
    InspectionGroup,
    InspectionRound,
    InspectionStatus,
    RankingRules,
    RoundStatus,
)
from gongzhi.inspections.seed import ranking_rules
from gongzhi.problems.models import ProblemState
from tests.factories import World
from tests.inspections.fixtures_rankings import inspect, make_units, rectification

pytestmark = pytest.mark.django_db

MakeRound = Callable[..., InspectionRound]
RULES = "/api/v1/ranking-rules"


@pytest.fixture
def scored(world: World, groups: list[InspectionGroup], make_round: MakeRound) -> dict[str, Any]:
    """Round 1 (closed) and 2 (open); in round 2 two units tie and one only drafted."""
    rules = ranking_rules()
    rules.red_top, rules.black_bottom, rules.cumulative_min_inspections = 1, 1, 2
    rules.save()
    one = make_round(1, status=RoundStatus.CLOSED)
    two = make_round(2)
    a, b, c, late = make_units(4)
    for unit, total in ((a, 70), (b, 90), (c, 80)):
        inspect(one, unit, groups[0], total)
    for unit, total in ((a, 88), (b, 88), (c, 60)):
        inspect(two, unit, groups[1], total, failed_checks=2)
    inspect(two, late, groups[2], 99, status=InspectionStatus.DRAFT)
    rectification(b.inspections.get(round=two), world.community_a1, [ProblemState.CLOSED] * 3)
    return {"a": a, "b": b, "c": c, "late": late}


def test_a_rounds_ranking_has_ranks_changes_criteria_and_lists(
    world: World, scored: dict[str, Any], api_client: Any
) -> None:
    response = api_client(world.users["unit"]).get("/api/v1/inspection-rounds/2/ranking")
    assert response.status_code == 200
    body = response.json()
    assert (body["kind"], body["round_number"], body["previous_round_number"]) == ("round", 2, 1)
    assert body["provisional"] is True
    assert [c["code"] for c in body["criteria"]] == ["awareness", "organisation", "results"]
    ranked = {row["unit_code"]: row for row in body["ranked"]}
    a, b, c = (ranked[scored[k].code] for k in "abc")
    assert [row["unit_code"] for row in body["ranked"]] == [scored[k].code for k in "abc"]
    assert (a["rank"], b["rank"], c["rank"]) == (1, 1, 3)
    assert (a["change"], b["change"], c["change"]) == (2, 0, -1)
    assert a["total"] == 88.0 and sum(a["criteria"].values()) == 88.0
    assert a["achievement_rate"] == 0.5 and (a["checks"], a["checks_passed"]) == (4, 2)
    assert b["rectification"] == {"closed": 3, "counted": 3, "rate": 1.0}
    assert a["rectification"]["rate"] is None
    assert body["red"] == [scored["a"].code, scored["b"].code]
    assert body["black"] == [scored["c"].code]
    assert c["black_reasons"] == ["bottom"]
    assert body["not_inspected"] == [
        {
            "unit_code": scored["late"].code,
            "unit_name": scored["late"].name,
            "group": "第3督导组",
            "has_draft": True,
        }
    ]
    assert body["rules"]["red_top"] == 1


def test_the_cumulative_ranking_needs_enough_inspections(
    world: World, scored: dict[str, Any], api_client: Any, groups: list[InspectionGroup]
) -> None:
    (newcomer,) = make_units(1, prefix="新")
    inspect(InspectionRound.objects.get(number=2), newcomer, groups[2], 100)
    client = api_client(world.users["leader"])
    body = client.get("/api/v1/rankings", {"until_round": 2}).json()
    assert body["kind"] == "cumulative" and body["min_inspections"] == 2
    assert [(r["unit_code"], r["total"], r["rank"]) for r in body["ranked"]] == [
        (scored["b"].code, 89.0, 1),
        (scored["a"].code, 79.0, 2),
        (scored["c"].code, 70.0, 3),
    ]
    assert [r["unit_code"] for r in body["not_enough"]] == [newcomer.code]
    assert body["not_enough"][0]["rank"] is None
    assert client.get("/api/v1/rankings").json()["round_number"] == 2  # the latest by default
    period = client.get("/api/v1/rankings", {"start": "2021-07-01", "end": "2021-07-31"}).json()
    assert (period["kind"], period["start"], period["end"]) == (
        "period",
        "2021-07-01",
        "2021-07-31",
    )


def test_bad_ranking_parameters_answer_400_naming_the_field(
    world: World, scored: dict[str, Any], api_client: Any
) -> None:
    client = api_client(world.users["office"])
    unknown = client.get("/api/v1/rankings", {"until_round": 7})
    assert unknown.status_code == 400
    assert unknown.json()["errors"]["until_round"] == ["There is no round 7."]
    reversed_ = client.get("/api/v1/rankings", {"start": "2021-08-01", "end": "2021-07-01"})
    assert reversed_.status_code == 400 and "end" in reversed_.json()["errors"]
    half = client.get("/api/v1/rankings", {"end": "2021-07-01"})
    assert half.status_code == 400 and "start" in half.json()["errors"]
    assert client.get("/api/v1/rankings", {"until_round": "x"}).status_code == 422
    assert client.get("/api/v1/inspection-rounds/7/ranking").status_code == 404


def test_members_see_no_rankings(world: World, scored: dict[str, Any], api_client: Any) -> None:
    client = api_client(world.users["member"])
    assert client.get("/api/v1/inspection-rounds/2/ranking").status_code == 404
    assert client.get("/api/v1/rankings").status_code == 403
    assert client.get(RULES).status_code == 403


def test_the_ranking_costs_the_same_queries_for_few_or_many_units(
    world: World, scored: dict[str, Any], api_client: Any, groups: list[InspectionGroup]
) -> None:
    client = api_client(world.users["office"])
    client.get("/api/v1/inspection-rounds/2/ranking")

    def count(url: str) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    urls = ("/api/v1/inspection-rounds/2/ranking", "/api/v1/rankings?until_round=2")
    few = [count(url) for url in urls]
    two = InspectionRound.objects.get(number=2)
    for n, unit in enumerate(make_units(10, prefix="多")):
        rectification(
            inspect(two, unit, groups[n % 3], 50 + n), world.community_a1, [ProblemState.CLOSED]
        )
    assert [count(url) for url in urls] == few


# --- rules -----------------------------------------------------------------------------


def _rules_body(**values: Any) -> dict[str, Any]:
    body = {
        "excellent_min": 95,
        "good_min": "85",
        "fair_min": 65.5,
        "min_inspections": 1,
        "cumulative_min_inspections": 3,
        "red_top": 8,
        "red_min_rectification": 0.95,
        "black_bottom": 8,
        "black_max_rectification": "0.8",
    }
    body.update(values)
    return body


def test_readers_get_the_rules(world: World, api_client: Any) -> None:
    body = api_client(world.users["inspector"]).get(RULES).json()
    assert body["excellent_min"] == 90.0 and body["red_min_rectification"] == 0.9
    assert body["updated_by"] is None


def test_the_office_replaces_the_rules(world: World, api_client: Any) -> None:
    response = api_client(world.users["office"]).put(
        RULES, json.dumps(_rules_body()), content_type="application/json"
    )
    assert response.status_code == 200
    body = response.json()
    assert (body["fair_min"], body["red_min_rectification"], body["updated_by"]) == (
        65.5,
        0.95,
        "office",
    )
    rules = RankingRules.objects.get()
    assert (rules.black_max_rectification, rules.cumulative_min_inspections) == (Decimal("0.8"), 3)


def test_bad_rules_answer_400_naming_each_field_and_change_nothing(
    world: World, api_client: Any
) -> None:
    client = api_client(world.users["office"])
    response = client.put(
        RULES,
        json.dumps(_rules_body(good_min=96, red_min_rectification=1.5, min_inspections=0)),
        content_type="application/json",
    )
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {
        "good_min",
        "red_min_rectification",
        "min_inspections",
    }
    missing = _rules_body()
    del missing["red_top"]
    incomplete = client.put(RULES, json.dumps(missing), content_type="application/json")
    assert incomplete.status_code == 422 and "red_top" in incomplete.json()["errors"]
    assert RankingRules.objects.get().good_min == 80


def test_only_the_office_puts_the_rules(world: World, api_client: Any) -> None:
    body = json.dumps(_rules_body())
    leader = api_client(world.users["leader"]).put(RULES, body, content_type="application/json")
    assert leader.status_code == 403
    member = api_client(world.users["member"]).put(RULES, body, content_type="application/json")
    assert member.status_code == 403
    assert RankingRules.objects.get().red_top == 10


def test_numbers_too_large_are_refused_not_a_server_error(
    world: World, scored: dict[str, Any], api_client: Any
) -> None:
    client = api_client(world.users["office"])
    assert client.get(f"/api/v1/inspection-rounds/{10**20}/ranking").status_code in (400, 404)
    assert client.get("/api/v1/rankings", {"until_round": 10**20}).status_code == 400
    huge = client.put(
        RULES,
        json.dumps(_rules_body(red_top=10**30, excellent_min="1e30")),
        content_type="application/json",
    )
    assert huge.status_code == 400
    assert set(huge.json()["errors"]) == {"red_top", "excellent_min"}
