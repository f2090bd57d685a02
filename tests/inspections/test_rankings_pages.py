"""The ranking page (table, lists, charts' data, CSV) and the ranking rules page."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

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
URL = "/inspections/rankings/"
RULES_URL = "/inspections/rankings/rules/"


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def scored(world: World, groups: list[InspectionGroup], make_round: MakeRound) -> dict[str, Any]:
    """Round 1 (closed) and round 2 (open): four units, a tie, a draft, a bad rectifier."""
    rules = ranking_rules()
    rules.red_top, rules.black_bottom = 1, 1
    rules.save()
    one = make_round(1, status=RoundStatus.CLOSED)
    two = make_round(2)
    best, tied_a, tied_b, worst, drafting = make_units(5)
    for unit, total in ((best, 90), (tied_a, 80), (tied_b, 85), (worst, 70)):
        inspect(one, unit, groups[0], total)
    for unit, total in ((best, 95), (tied_a, 85), (tied_b, 85), (worst, 60)):
        inspect(two, unit, groups[1], total, failed_checks=1)
    inspect(two, drafting, groups[2], 50, status=InspectionStatus.DRAFT)
    rectification(
        tied_a.inspections.get(round=two),
        world.community_a1,
        [ProblemState.CLOSED, ProblemState.DISPATCHED],
    )
    return {
        "best": best,
        "tied_a": tied_a,
        "tied_b": tied_b,
        "worst": worst,
        "drafting": drafting,
    }


def _rows(html: str) -> list[str]:
    """The unit codes of the ranking table's rows, in order."""
    table = html.split('data-testid="ranking-table"', 1)[1].split("</table>", 1)[0]
    return [part.split('"', 1)[0] for part in table.split('data-unit="')[1:]]


# --- the ranking page ------------------------------------------------------------------


def test_the_page_shows_the_latest_round_with_ranks_changes_grades_and_lists(
    world: World, scored: dict[str, Any]
) -> None:
    page = _client(world.users["office"]).get(URL)
    assert page.status_code == 200
    html = page.content.decode()
    units = scored
    assert _rows(html) == [
        units["best"].code,
        units["tied_a"].code,
        units["tied_b"].code,
        units["worst"].code,
    ]
    assert 'data-rank="2"' in html and 'data-rank="3"' not in html and 'data-rank="4"' in html
    for criterion in ("思想认识到位", "组织实施到位", "整治成效到位"):
        assert criterion in html
    assert "Round 2" in html
    assert 'title="Up 1 from 3"' in html  # tied_b was third in round 1
    assert "Good (良好)" in html and "Fair (一般)" in html
    assert "75%" in html  # three of four checks passed
    assert "50%" in html  # tied_a: one of two problems rectified
    red = html.split('data-testid="red-list"', 1)[1].split("</ul>", 1)[0]
    black = html.split('data-testid="black-list"', 1)[1].split("</ul>", 1)[0]
    assert units["best"].code in red
    assert units["worst"].code in black and units["tied_a"].code in black
    assert "rectification rate too low" in black
    not_inspected = html.split('data-testid="not-inspected"', 1)[1]
    assert units["drafting"].code in not_inspected and "draft" in not_inspected
    assert 'data-testid="provisional"' in html  # round 2 is open


def test_the_chart_data_follow_the_rank_order(world: World, scored: dict[str, Any]) -> None:
    page = _client(world.users["leader"]).get(URL, {"round": 2})
    html = page.content.decode()
    raw = html.split('id="ranking-data" type="application/json">', 1)[1].split("</script>", 1)[0]
    data = json.loads(raw)
    assert data["totals"] == [95.0, 85.0, 85.0, 60.0]
    assert data["lists"][0] == "red" and data["lists"][-1] == "black"
    assert [c["name"] for c in data["criteria"]] == ["思想认识到位", "组织实施到位", "整治成效到位"]
    assert "vendor/echarts.min.js" in html and "gongzhi/rankings-charts.js" in html


def test_a_round_before_any_other_has_no_change_column_entries(
    world: World, scored: dict[str, Any]
) -> None:
    html = _client(world.users["office"]).get(URL, {"round": 1}).content.decode()
    assert "data-change-kind" not in html
    assert 'data-testid="provisional"' not in html


def test_the_cumulative_ranking_averages_and_lists_units_with_too_few_inspections(
    world: World, scored: dict[str, Any], groups: list[InspectionGroup]
) -> None:
    (newcomer,) = make_units(1, prefix="新单位")
    inspect(InspectionRound.objects.get(number=2), newcomer, groups[2], 99)
    page = _client(world.users["office"]).get(URL, {"until_round": 2})
    html = page.content.decode()
    assert page.status_code == 200
    assert "Cumulative up to round 2" in html
    assert "92.5" in html  # best: (90 + 95) / 2
    assert newcomer.code not in _rows(html)
    assert newcomer.code in html.split('data-testid="not-enough"', 1)[1]


def test_a_period_ranking_and_its_errors(world: World, scored: dict[str, Any]) -> None:
    client = _client(world.users["office"])
    ok = client.get(URL, {"start": "2021-07-01", "end": "2021-07-28"})
    assert ok.status_code == 200
    assert "Cumulative 2021-07-01 – 2021-07-28" in ok.content.decode()
    download = client.get(URL, {"start": "2021-07-01", "end": "2021-07-28", "format": "csv"})
    assert "ranking-20210701-20210728.csv" in download["Content-Disposition"]
    reversed_ = client.get(URL, {"start": "2021-07-28", "end": "2021-07-01"})
    assert reversed_.status_code == 400
    assert 'data-field-error="end"' in reversed_.content.decode()
    assert "The end comes before the start." in reversed_.content.decode()
    half = client.get(URL, {"start": "2021-07-01"})
    assert half.status_code == 400
    assert "Give both the start and the end of the period." in half.content.decode()


def test_an_unknown_round_is_refused_naming_the_field(world: World, scored: dict[str, Any]) -> None:
    client = _client(world.users["office"])
    page = client.get(URL, {"round": 9})
    assert page.status_code == 400
    assert 'data-field-error="round"' in page.content.decode()
    assert "There is no round 9." in page.content.decode()
    assert client.get(URL, {"until_round": "abc"}).status_code == 400
    both = client.get(URL, {"round": 1, "until_round": 2})
    assert both.status_code == 400
    assert "Choose one ranking" in both.content.decode()


def test_the_pages_live_at_their_documented_addresses() -> None:
    assert reverse("inspections:ranking") == URL
    assert reverse("inspections:rules") == RULES_URL


def test_without_rounds_the_page_says_so(world: World) -> None:
    page = _client(world.users["office"]).get(URL)
    assert page.status_code == 200
    assert 'data-testid="no-rounds"' in page.content.decode()


@pytest.mark.parametrize(
    "role", ["office", "leader", "district", "street", "community", "unit", "inspector"]
)
def test_every_staff_role_unit_liaisons_and_inspectors_read_the_rankings(
    world: World, scored: dict[str, Any], role: str
) -> None:
    client = _client(world.users[role])
    assert client.get(URL).status_code == 200
    assert client.get(RULES_URL).status_code == 200


@pytest.mark.parametrize("role", ["member", "nobody"])
def test_members_and_people_without_a_role_may_not(
    world: World, scored: dict[str, Any], role: str
) -> None:
    client = _client(world.users[role])
    assert client.get(URL).status_code == 403
    assert client.get(RULES_URL).status_code == 403


def test_anonymous_readers_are_sent_to_log_in(scored: dict[str, Any]) -> None:
    page = Client().get(URL)
    assert page.status_code == 302 and "login" in page["Location"]


def test_the_csv_lists_ranked_not_enough_and_not_inspected_units_safely(
    world: World, scored: dict[str, Any]
) -> None:
    unit = scored["worst"]
    unit.name = "=HYPERLINK(1)"
    unit.save()
    response = _client(world.users["office"]).get(URL, {"round": 2, "format": "csv"})
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="ranking-round-2.csv"'
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    header = rows[0]
    assert header[:5] == ["Status", "Rank", "Change", "Credit code", "Unit"]
    assert header[5:8] == ["思想认识到位", "组织实施到位", "整治成效到位"]
    by_code = {row[3]: row for row in rows[1:]}
    best = by_code[scored["best"].code]
    assert (best[0], best[1], best[2], best[8]) == ("ranked", "1", "0", "95")
    assert best[-1] == "Red list"
    assert by_code[unit.code][4] == "'=HYPERLINK(1)"
    assert by_code[scored["drafting"].code][0] == "not inspected"


def test_the_page_costs_the_same_queries_for_few_or_many_units(
    world: World,
    scored: dict[str, Any],
    groups: list[InspectionGroup],
    django_assert_max_num_queries: Any,
) -> None:
    client = _client(world.users["office"])
    client.get(URL)  # sessions and the like settle
    with CaptureQueriesContext(connection) as few:
        client.get(URL, {"round": 2})
    two = InspectionRound.objects.get(number=2)
    for n, unit in enumerate(make_units(12, prefix="加测")):
        inspect(two, unit, groups[n % 3], 60 + n)
    with django_assert_max_num_queries(len(few)):
        page = client.get(URL, {"round": 2})
    assert len(_rows(page.content.decode())) == 16


# --- the rules page --------------------------------------------------------------------


def _rules_form(**values: Any) -> dict[str, Any]:
    data = {
        "excellent_min": "92",
        "good_min": "80",
        "fair_min": "60",
        "min_inspections": "1",
        "cumulative_min_inspections": "3",
        "red_top": "5",
        "red_min_rectification": "95",
        "black_bottom": "3",
        "black_max_rectification": "80",
    }
    data.update(values)
    return data


def test_the_office_changes_the_rules_and_the_history_says_who(world: World) -> None:
    client = _client(world.users["office"])
    form = client.get(RULES_URL)
    assert 'name="red_min_rectification"' in form.content.decode()
    assert 'value="90.0"' in form.content.decode()  # the rate shown in percent
    saved = client.post(RULES_URL, _rules_form())
    assert saved.status_code == 302
    rules = RankingRules.objects.get()
    assert rules.excellent_min == 92 and rules.cumulative_min_inspections == 3
    assert rules.red_min_rectification == Decimal("0.95")
    assert rules.black_max_rectification == Decimal("0.8")
    assert rules.updated_by == world.users["office"]
    page = client.get(RULES_URL).content.decode()
    history = page.split('data-testid="history"', 1)[1]
    assert "office" in history
    assert "0.900 → 0.950" in history


def test_grades_out_of_order_are_refused_and_nothing_changes(world: World) -> None:
    client = _client(world.users["office"])
    before = RankingRules.objects.get().history.count()
    page = client.post(RULES_URL, _rules_form(good_min="95"))
    assert page.status_code == 400
    html = page.content.decode()
    assert 'data-field-error="good_min"' in html
    assert "below the excellent grade" in html
    rate = client.post(RULES_URL, _rules_form(black_max_rectification="120"))
    assert rate.status_code == 400
    assert 'data-field-error="black_max_rectification"' in rate.content.decode()
    rules = RankingRules.objects.get()
    assert (rules.good_min, rules.black_max_rectification) == (80, Decimal("0.85"))
    assert rules.history.count() == before


def test_only_the_office_changes_the_rules_others_read_them(world: World) -> None:
    leader = _client(world.users["leader"])
    page = leader.get(RULES_URL)
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-testid="rules-table"' in html and 'data-testid="rules-form"' not in html
    assert "90%" in html
    assert leader.post(RULES_URL, _rules_form()).status_code == 403
    assert RankingRules.objects.get().excellent_min == 90
