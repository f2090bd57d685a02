"""The demo city's published figures, read through the statistics API and the figures module
(DESIGN.md sections 1 and 8)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from gongzhi.areas.models import District
from gongzhi.campaigns.models import Session, SessionStatus
from gongzhi.core.models import User
from gongzhi.stats import figures
from gongzhi.stats.figures import MUNICIPAL, StatsFilter
from gongzhi.stats.filters import exclusion_note

pytestmark = pytest.mark.django_db

PERIOD = {"start": "2021-07-01", "end": "2021-10-31"}
PUBLISHED_HEADCOUNTS = {
    "市市场监管局": 45,
    "市水利和湖泊局": 35,
    "市住建局": 22,
    "市财政局": 20,
    "市统计局": 20,
    "市城管执法委": 126,
}
PUBLISHED_FUNDS_YUAN = {
    "市卫健委": 80_000,
    "市机关事务服务中心": 60_000,
    "市政协办": 50_000,
    "国网随州供电公司": 50_000,
}


def excluded_districts() -> list[str]:
    return [
        District.objects.get(name="曾都区").code,
        District.objects.get(name="随州高新区").code,
    ]


@pytest.fixture
def office(demo_city: dict[str, Any], api_client: Callable[[Any], Client]) -> Client:
    return api_client(User.objects.get(username="office"))


def summary(client: Client, **params: Any) -> dict[str, Any]:
    response = client.get("/api/v1/stats/summary", {**PERIOD, **params})
    assert response.status_code == 200, response.content
    return dict(response.json())


def test_municipal_person_times_and_funds_are_the_published_ones(office: Client) -> None:
    body = summary(office, jurisdiction=MUNICIPAL)
    assert 6_300 <= body["person_times"] <= 6_399
    assert 300_000_000 <= body["funds_fen"] <= 309_999_999


def test_excluding_zengdu_and_gaoxin_units_gives_the_same_figures(office: Client) -> None:
    municipal = summary(office, jurisdiction=MUNICIPAL)
    excluded = summary(office, exclude_jurisdiction=excluded_districts())
    assert excluded["person_times"] == municipal["person_times"]
    assert excluded["funds_fen"] == municipal["funds_fen"]
    assert excluded["units_expected"] == municipal["units_expected"]


def test_the_whole_city_counts_more_than_the_municipal_units(office: Client) -> None:
    everyone = summary(office)
    municipal = summary(office, jurisdiction=MUNICIPAL)
    assert everyone["person_times"] > municipal["person_times"]
    assert everyone["sessions_held"] == municipal["sessions_held"] > 0
    assert 0 < everyone["units_attended"] <= everyone["units_expected"]


def test_the_named_units_funds_are_the_published_ones(office: Client) -> None:
    rows = {u["unit_name"]: u for u in summary(office, jurisdiction=MUNICIPAL)["by_unit"]}
    for name, yuan in PUBLISHED_FUNDS_YUAN.items():
        assert rows[name]["funds_fen"] == yuan * 100, name


def test_the_first_september_session_table_holds_the_published_headcounts(
    demo_city: dict[str, Any],
) -> None:
    session = Session.objects.get(date=dt.date(2021, 9, 10), status=SessionStatus.SCHEDULED)
    f = StatsFilter(
        start=dt.date(2021, 7, 1), end=dt.date(2021, 10, 31), jurisdictions=(MUNICIPAL,)
    )
    rows = {r.unit_name: r.headcount for r in figures.session_table(session.pk, f)}
    assert {name: rows.get(name) for name in PUBLISHED_HEADCOUNTS} == PUBLISHED_HEADCOUNTS


def test_the_exclusion_note_names_both_districts(demo_city: dict[str, Any]) -> None:
    f = StatsFilter(
        start=dt.date(2021, 7, 1),
        end=dt.date(2021, 10, 31),
        exclude_jurisdictions=tuple(excluded_districts()),
    )
    assert exclusion_note(f) == "（不含曾都区、随州高新区所属单位）"


def test_the_summary_takes_a_fixed_number_of_queries_on_the_whole_demo(
    office: Client, django_assert_max_num_queries: Any
) -> None:
    with django_assert_max_num_queries(16):
        summary(office, jurisdiction=MUNICIPAL)


def test_the_inspection_results_of_the_period_rank_units_with_red_and_black_lists(
    demo_city: dict[str, Any],
) -> None:
    ranking = figures.inspection_ranking(
        StatsFilter(start=dt.date(2021, 7, 1), end=dt.date(2021, 12, 31))
    )
    assert len(ranking.ranked) > 50
    assert ranking.red and ranking.black
    assert {s.unit.code for s in ranking.red}.isdisjoint(s.unit.code for s in ranking.black)
    assert ranking.ranked[0].rank == 1
