"""The work brief (工作简报) for the hand-built city of ``fixtures_figures``."""

from __future__ import annotations

from dataclasses import replace

from gongzhi.stats import bulletin as document
from gongzhi.stats.brief import work_brief
from tests.stats.fixtures_figures import GAOXIN, ZENGDU, FigureCity
from tests.stats.test_bulletin_document import MUNICIPAL_ONLY, spec


def brief(s: document.BulletinSpec) -> str:
    return work_brief(s, document.bulletin_figures(s))


def test_the_brief_states_the_figures_in_official_style_with_the_exclusion(
    city: FigureCity,
) -> None:
    text = brief(spec())
    assert (
        "据统计，活动自7月份开展以来，市直各机关企事业单位累计投入人力达44人次"
        "（不含曾都区、随州高新区所属单位）。"
    ) in text
    assert "在8月份第一次活动中，市市场监管局参与人员9人。" in text
    assert "各单位累计投入资金8.5万余元，其中市市场监管局8万元、市住建局5000.5元。" in text


def test_the_brief_names_the_units_with_most_people_at_the_chosen_session_first(
    city: FigureCity,
) -> None:
    text = brief(spec(session_id=city.sessions["S2"].pk))
    assert "在7月份第二次活动中，市市场监管局参与人员17人、市住建局8人。" in text


def test_excluding_the_districts_units_states_the_same_figures_and_the_exclusion(
    city: FigureCity,
) -> None:
    excluded = replace(MUNICIPAL_ONLY, jurisdictions=(), exclude_jurisdictions=(ZENGDU, GAOXIN))
    text = brief(spec(excluded))
    assert "市直各机关企事业单位累计投入人力达44人次（不含曾都区、随州高新区所属单位）" in text
    assert "累计投入资金8.5万余元" in text


def test_with_nothing_excluded_the_brief_says_nothing_about_exclusions(city: FigureCity) -> None:
    text = brief(spec(replace(MUNICIPAL_ONLY, jurisdictions=())))
    assert "各机关企事业单位累计投入人力达68人次。" in text
    assert "不含" not in text
    assert "累计投入资金9.5万余元" in text


def test_excluding_a_district_s_communities_is_stated(city: FigureCity) -> None:
    text = brief(spec(replace(MUNICIPAL_ONLY, jurisdictions=(), exclude_districts=(GAOXIN,))))
    assert "（不含随州高新区辖区社区）" in text


def test_the_brief_reports_problems_found_and_closed(city: FigureCity) -> None:
    figures = document.bulletin_figures(spec())
    text = work_brief(spec(), figures)
    problems = figures["problems"]
    assert (
        f"活动中共收集各类环境问题{problems['reported']}件，已办结{problems['closed']}件，"
        f"办结率{problems['closure_rate']}"
    ) in text
