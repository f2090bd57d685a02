"""The bulletin (通报) as a Word document, for the hand-built city of ``fixtures_figures``.

Municipal units, July–August 2021: 44 person-times, 3 sessions held, funds 8,500,050 fen
(85,000.50 yuan: "8.5万余元"); the August session of 08-13 was cancelled, so the first
held session of August is 08-27 (市市场监管局 9).
"""

from __future__ import annotations

import datetime as dt
import io
import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import docx
import pytest
from docx.oxml.ns import qn

from gongzhi.activities.models import Attendance
from gongzhi.stats import bulletin as document
from gongzhi.stats.bulletin_template import build_docx_template
from gongzhi.stats.figures import MUNICIPAL, StatsFilter
from tests.stats.fixtures_figures import AUGUST_31, GAOXIN, JULY_1, ZENGDU, FigureCity

MUNICIPAL_ONLY = StatsFilter(start=JULY_1, end=AUGUST_31, jurisdictions=(MUNICIPAL,))
ISSUER = "随州市创城工作指挥部办公室"
NUMBER = "随创城办〔2021〕12号"
TITLE = "关于2021年7月至8月环境治理活动开展情况的通报"


def spec(f: StatsFilter = MUNICIPAL_ONLY, **changes: Any) -> document.BulletinSpec:
    base = document.BulletinSpec(
        filter=f,
        session_id=None,
        number=NUMBER,
        title=TITLE,
        issuer=ISSUER,
        problems_text="",
        requirements_text="",
        issued_on=dt.date(2021, 9, 3),
    )
    return replace(base, **changes)


def read_docx(body: bytes) -> tuple[list[str], list[list[list[str]]], Any]:
    """(paragraph texts, tables as rows of cell texts, the document)."""
    doc = docx.Document(io.BytesIO(body))
    paragraphs = [p.text for p in doc.paragraphs]
    tables = [[[cell.text for cell in row.cells] for row in table.rows] for table in doc.tables]
    return paragraphs, tables, doc


def rendered(s: document.BulletinSpec) -> tuple[list[str], list[list[list[str]]], Any]:
    return read_docx(document.render_docx(s, document.bulletin_figures(s)))


def table_starting(tables: list[list[list[str]]], *heading: str) -> list[list[str]]:
    return next(t for t in tables if tuple(t[0][: len(heading)]) == heading)


# --- the figures -------------------------------------------------------------------------------


def test_the_figures_are_the_hand_computed_ones_for_municipal_units(city: FigureCity) -> None:
    figures = document.bulletin_figures(spec())
    assert figures["person_times"] == 44
    assert figures["sessions_held"] == 3
    assert figures["funds_fen"] == 8_500_050
    assert (figures["units_expected"], figures["units_attended"]) == (5, 4)
    assert [p["date"] for p in figures["series"]] == ["2021-07-09", "2021-07-23", "2021-08-27"]
    assert [p["person_times"] for p in figures["series"]] == [10, 25, 9]
    assert [(u["unit_name"], u["person_times"]) for u in figures["units"]] == [
        ("市市场监管局", 36),
        ("市住建局", 8),
    ]
    assert [(u["unit_name"], u["funds_fen"]) for u in figures["funds_by_unit"]] == [
        ("市市场监管局", 8_000_000),
        ("市住建局", 500_050),
    ]


def test_the_figures_survive_a_json_round_trip_unchanged(city: FigureCity) -> None:
    figures = document.bulletin_figures(spec())
    assert json.loads(json.dumps(figures)) == figures


def test_the_default_session_is_the_first_held_one_of_the_last_month_not_the_cancelled_one(
    city: FigureCity,
) -> None:
    session = document.bulletin_figures(spec())["session"]
    assert session["date"] == "2021-08-27"
    assert session["id"] == city.sessions["S4"].pk
    assert [(r["unit_name"], r["headcount"]) for r in session["rows"]] == [("市市场监管局", 9)]


def test_a_chosen_session_gives_its_table_with_corrected_and_added_attendance(
    city: FigureCity,
) -> None:
    figures = document.bulletin_figures(spec(session_id=city.sessions["S2"].pk))
    rows = {r["unit_name"]: (r["headcount"], r["communities"]) for r in figures["session"]["rows"]}
    assert rows == {"市市场监管局": (17, 2), "市住建局": (8, 1)}
    assert figures["session"]["headcount"] == 25
    assert document.session_label(figures["session"]) == "7月份第二次活动"


def test_rendering_the_figures_takes_a_bounded_number_of_queries(
    city: FigureCity, django_assert_max_num_queries: Any
) -> None:
    with django_assert_max_num_queries(30):
        document.bulletin_figures(spec(session_id=city.sessions["S2"].pk))


# --- what the text says about the filter -------------------------------------------------------


@pytest.mark.parametrize(
    ("f", "subject", "exclusion"),
    [
        (MUNICIPAL_ONLY, "市直各机关企事业单位", "（不含曾都区、随州高新区所属单位）"),
        (
            replace(MUNICIPAL_ONLY, jurisdictions=(), exclude_jurisdictions=(ZENGDU, GAOXIN)),
            "市直各机关企事业单位",
            "（不含曾都区、随州高新区所属单位）",
        ),
        (
            replace(MUNICIPAL_ONLY, jurisdictions=(), exclude_jurisdictions=(GAOXIN,)),
            "各机关企事业单位",
            "（不含随州高新区所属单位）",
        ),
        (
            replace(MUNICIPAL_ONLY, jurisdictions=(ZENGDU,)),
            "曾都区所属单位",
            "（不含市直单位、随州高新区所属单位）",
        ),
        (replace(MUNICIPAL_ONLY, jurisdictions=()), "各机关企事业单位", ""),
        (
            replace(MUNICIPAL_ONLY, exclude_districts=(GAOXIN,)),
            "市直各机关企事业单位",
            "（不含曾都区、随州高新区所属单位、随州高新区辖区社区）",
        ),
    ],
)
def test_the_text_names_whom_it_counts_and_states_every_exclusion(
    city: FigureCity, f: StatsFilter, subject: str, exclusion: str
) -> None:
    texts = document.filter_texts(f)
    assert texts == {"subject": subject, "exclusion": exclusion}


# --- the Word document -------------------------------------------------------------------------


def test_the_docx_opens_with_the_red_header_number_title_and_official_summary(
    city: FigureCity,
) -> None:
    paragraphs, _tables, doc = rendered(spec())
    assert paragraphs[:2] == [ISSUER, NUMBER]
    assert TITLE in paragraphs
    assert (
        "活动自7月份开展以来，市直各机关企事业单位累计投入人力达44人次，"
        "累计投入资金8.5万余元（不含曾都区、随州高新区所属单位）。"
    ) in paragraphs[paragraphs.index("（一）总体情况") + 1]
    headings = ["一、基本情况", "二、督查排名", "三、存在问题", "四、下步要求", "特此通报。"]
    positions = [paragraphs.index(h) for h in headings]
    assert positions == sorted(positions)
    assert paragraphs[-1] != ""
    assert "2021年9月3日" in paragraphs
    red = doc.paragraphs[0].runs[0].font.color.rgb
    assert str(red) == "FF0000"


def test_the_docx_holds_the_session_category_funds_and_annex_tables(city: FigureCity) -> None:
    _paragraphs, tables, _doc = rendered(spec(session_id=city.sessions["S2"].pk))
    session = table_starting(tables, "序号", "单位", "参与人数")
    assert [row[1:4] for row in session[1:]] == [
        ["市市场监管局", "17", "2"],
        ["市住建局", "8", "1"],
        ["", "25", ""],
    ]
    categories = table_starting(tables, "序号", "问题类别")
    assert len(categories) > 1
    funds = table_starting(tables, "序号", "单位", "投入资金")
    assert [row[1:] for row in funds[1:]] == [["市市场监管局", "8万元"], ["市住建局", "5000.5元"]]
    annex = table_starting(tables, "序号", "单位", "投入人次", "参加场次")
    assert [row[1:] for row in annex[1:]] == [
        ["市市场监管局", "36", "3", "8万元"],
        ["市住建局", "8", "1", "5000.5元"],
        ["", "44", "", "8.50005万元"],
    ]


def test_the_docx_embeds_both_charts_as_images(city: FigureCity) -> None:
    _paragraphs, _tables, doc = rendered(spec())
    images = [r for r in doc.part.rels.values() if r.reltype.endswith("/image")]
    assert len(images) == 2


def test_the_docx_is_a4_with_the_official_margins_and_fonts(city: FigureCity) -> None:
    _paragraphs, _tables, doc = rendered(spec())
    section = doc.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    margins = (section.top_margin, section.bottom_margin, section.left_margin, section.right_margin)
    assert [round(m.mm) for m in margins] == [37, 35, 28, 26]
    fonts = {
        element.get(qn("w:eastAsia"))
        for element in doc.element.body.iter(qn("w:rFonts"))
        if element.get(qn("w:eastAsia"))
    }
    assert {"方正小标宋简体", "仿宋_GB2312", "黑体", "楷体_GB2312"} <= fonts
    body_run = next(p.runs[0] for p in doc.paragraphs if p.text.startswith("活动自7月份开展以来"))
    assert body_run.font.size.pt == 16


def test_the_page_number_is_a_page_field_between_em_dashes(city: FigureCity) -> None:
    _paragraphs, _tables, doc = rendered(spec())
    footer = doc.sections[0].footer.paragraphs[0]
    assert footer.text.startswith("— ") and footer.text.endswith(" —")
    instructions = [e.text for e in footer._p.iter(qn("w:instrText"))]
    assert [i.strip() for i in instructions] == ["PAGE"]
    fonts = {e.get(qn("w:eastAsia")) for e in footer._p.iter(qn("w:rFonts"))}
    assert fonts == {"宋体"}


def test_the_office_texts_replace_the_default_problems_and_requirements(city: FigureCity) -> None:
    paragraphs, _tables, _doc = rendered(
        spec(
            problems_text="个别单位带队领导未到岗。\n\n部分社区台账不全。",
            requirements_text="限期整改。",
        )
    )
    issues = paragraphs[paragraphs.index("三、存在问题") + 1 : paragraphs.index("四、下步要求")]
    assert [p for p in issues if p] == ["个别单位带队领导未到岗。", "部分社区台账不全。"]
    requirements = paragraphs[paragraphs.index("四、下步要求") + 1 : paragraphs.index("特此通报。")]
    assert [p for p in requirements if p] == ["限期整改。"]


def test_without_office_texts_the_problems_come_from_the_figures(city: FigureCity) -> None:
    paragraphs, _tables, _doc = rendered(spec())
    issues = " ".join(
        paragraphs[paragraphs.index("三、存在问题") : paragraphs.index("四、下步要求")]
    )
    assert "期间共发现各类问题" in issues
    assert "参与率80.0%" in issues


def test_the_ranking_section_says_when_there_are_no_inspections(city: FigureCity) -> None:
    paragraphs, _tables, _doc = rendered(spec())
    assert "期间督查结果尚未形成。" in paragraphs


def test_the_red_and_black_lists_are_printed_with_their_tables(city: FigureCity) -> None:
    s = spec()
    figures = document.bulletin_figures(s)

    def row(rank: int, name: str, total: str, grade: str) -> dict[str, Any]:
        return {
            "rank": rank,
            "unit_code": name,
            "unit_name": name,
            "inspections": 2,
            "total": total,
            "grade": grade,
            "rectification": "100.0%",
        }

    good, bad = row(1, "市市场监管局", "95.50", "excellent"), row(2, "市住建局", "61.00", "poor")
    figures["ranking"] = {
        "rounds": [1, 2],
        "provisional": False,
        "ranked": [good, bad],
        "red": [good],
        "black": [bad],
        "not_inspected": 0,
    }
    paragraphs, tables, _doc = read_docx(document.render_docx(s, figures))
    assert paragraphs[paragraphs.index("（一）红榜") + 1] == "市市场监管局"
    assert paragraphs[paragraphs.index("（二）黑榜") + 1] == "市住建局"
    lists = [t for t in tables if t[0][:3] == ["排名", "单位", "得分"]]
    assert [t[1][1:4] for t in lists] == [
        ["市市场监管局", "95.50", "优秀"],
        ["市住建局", "61.00", "较差"],
    ]
    assert any("列入黑榜的单位" in p for p in paragraphs)
    ranking = table_starting(tables, "排名", "单位", "督查次数")
    assert [r[1] for r in ranking[1:]] == ["市市场监管局", "市住建局"]


def test_values_with_markup_characters_are_printed_as_written(city: FigureCity) -> None:
    paragraphs, _tables, _doc = rendered(spec(title="关于<A & B>的通报"))
    assert "关于<A & B>的通报" in paragraphs


def test_the_office_can_replace_the_word_template(
    city: FigureCity, settings: Any, tmp_path: Path
) -> None:
    own = docx.Document()
    own.add_paragraph("自定义：{{ title }}／{{ person_times_text }}／{{ funds_total_text }}")
    path = tmp_path / "own.docx"
    own.save(str(path))
    settings.BULLETIN_DOCX_TEMPLATE = str(path)
    paragraphs, _tables, _doc = rendered(spec())
    assert paragraphs == [f"自定义：{TITLE}／44人次／8.5万余元"]


def test_the_shipped_template_is_the_one_the_builder_writes(tmp_path: Path) -> None:
    built = tmp_path / "bulletin.docx"
    build_docx_template(built)
    fresh = [p.text for p in docx.Document(str(built)).paragraphs]
    shipped = [p.text for p in docx.Document(str(document.DOCX_TEMPLATE)).paragraphs]
    assert shipped == fresh


# --- differences -------------------------------------------------------------------------------


def test_identical_figures_have_no_difference(city: FigureCity) -> None:
    figures = document.bulletin_figures(spec())
    assert document.figures_diff(figures, json.loads(json.dumps(figures))) == []


def test_a_corrected_headcount_shows_as_a_difference_of_the_printed_figures(
    city: FigureCity,
) -> None:
    s = spec(session_id=city.sessions["S2"].pk)
    issued = json.loads(json.dumps(document.bulletin_figures(s)))
    Attendance.objects.filter(pk=city.attendance["S2-M1"].pk).update(headcount=24)
    changes = document.figures_diff(issued, document.bulletin_figures(s))
    as_rows = {(c.label, c.was, c.now) for c in changes}
    assert ("Person-times", "44", "54") in as_rows
    assert ("Session 2021-07-23 · 市市场监管局 · people", "17", "27") in as_rows
    assert ("Unit · 市市场监管局 · person-times", "36", "46") in as_rows
    assert all(c.label != "Funds" for c in changes)


def test_changed_funds_are_shown_in_wan_yuan(city: FigureCity) -> None:
    old = document.bulletin_figures(spec())
    new = json.loads(json.dumps(old))
    new["funds_fen"] = 9_000_000
    changes = document.figures_diff(old, new)
    assert document.FigureChange("Funds", "8.50005万元", "9万元") in changes


def test_a_broken_office_template_is_refused_with_a_message_naming_it(
    city: FigureCity, settings: Any, tmp_path: Path
) -> None:
    own = docx.Document()
    own.add_paragraph("{{ title ")
    path = tmp_path / "broken.docx"
    own.save(str(path))
    settings.BULLETIN_DOCX_TEMPLATE = str(path)
    s = spec()
    with pytest.raises(document.TemplateBroken) as caught:
        document.render_docx(s, document.bulletin_figures(s))
    assert str(path) in str(caught.value)
    settings.BULLETIN_DOCX_TEMPLATE = str(tmp_path / "missing.docx")
    with pytest.raises(document.TemplateBroken):
        document.render_docx(s, document.bulletin_figures(s))


def test_the_template_cannot_reach_beyond_the_values_it_is_given(
    city: FigureCity, settings: Any, tmp_path: Path
) -> None:
    own = docx.Document()
    own.add_paragraph("{{ title.__class__.__mro__[1].__subclasses__() }}")
    path = tmp_path / "sneaky.docx"
    own.save(str(path))
    settings.BULLETIN_DOCX_TEMPLATE = str(path)
    s = spec()
    with pytest.raises(document.TemplateBroken):
        document.render_docx(s, document.bulletin_figures(s))


def test_a_stored_bulletin_gives_its_filter_session_texts_and_issuing_day(
    city: FigureCity,
) -> None:
    from gongzhi.stats.models import Bulletin

    row = Bulletin.objects.create(
        number=NUMBER,
        title=TITLE,
        issuer=ISSUER,
        start=JULY_1,
        end=AUGUST_31,
        filters={"jurisdiction": [MUNICIPAL], "exclude_district": [GAOXIN]},
        session=city.sessions["S2"],
        problems_text="台账不全。",
        requirements_text="限期整改。",
        issued_at=dt.datetime(2021, 9, 2, 17, 0, tzinfo=dt.UTC),
    )
    s = document.spec_for(row)
    assert s.filter == replace(MUNICIPAL_ONLY, exclude_districts=(GAOXIN,))
    assert s.session_id == city.sessions["S2"].pk
    assert (s.number, s.title, s.issuer) == (NUMBER, TITLE, ISSUER)
    assert (s.problems_text, s.requirements_text) == ("台账不全。", "限期整改。")
    assert s.issued_on == dt.date(2021, 9, 3)  # 01:00 the next morning in Shanghai
