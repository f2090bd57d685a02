"""The demo city's bulletin and work brief for 2021-07-01..2021-10-31 state the published figures:
"6300余人次", "300余万元" and the 2021-09-10 table (DESIGN.md sections 1 and 8)."""

from __future__ import annotations

import datetime as dt
import io
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import docx
import pytest
from django.core.management import call_command

from gongzhi.campaigns.models import Session, SessionStatus
from gongzhi.inspections.rankings import Span, ranking_for
from gongzhi.stats import bulletin as document
from gongzhi.stats.brief import work_brief
from gongzhi.stats.figures import MUNICIPAL, StatsFilter
from tests.activities.test_certificate import pdffonts

JULY, OCTOBER_END = dt.date(2021, 7, 1), dt.date(2021, 10, 31)
FIRST_SEPTEMBER = dt.date(2021, 9, 10)
PUBLISHED_TABLE = {
    "市市场监管局": 45,
    "市水利和湖泊局": 35,
    "市住建局": 22,
    "市财政局": 20,
    "市统计局": 20,
    "市城管执法委": 126,
}
ZENGDU, GAOXIN = "421303", "421390"
MUNICIPAL_ONLY = StatsFilter(start=JULY, end=OCTOBER_END, jurisdictions=(MUNICIPAL,))
DISTRICTS_EXCLUDED = StatsFilter(
    start=JULY, end=OCTOBER_END, exclude_jurisdictions=(ZENGDU, GAOXIN)
)


def first_september_session() -> int:
    return Session.objects.get(date=FIRST_SEPTEMBER, status=SessionStatus.SCHEDULED).pk


def demo_spec(f: StatsFilter = MUNICIPAL_ONLY) -> document.BulletinSpec:
    return document.BulletinSpec(
        filter=f,
        session_id=first_september_session(),
        number="随创城办〔2021〕12号",
        title="关于2021年7月至10月周五环境治理活动开展情况的通报",
        issuer="随州市创城工作指挥部办公室",
        issued_on=dt.date(2021, 11, 5),
    )


@pytest.fixture(scope="module")
def rendered(
    demo_city: dict[str, Any], django_db_blocker: Any, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, Any]]:
    """The demo bulletin's figures, DOCX and PDF, made once for the module."""
    folder = tmp_path_factory.mktemp("demo-bulletin")
    with django_db_blocker.unblock():
        spec = demo_spec()
        figures = document.bulletin_figures(spec)
        docx_path, pdf_path = folder / "bulletin.docx", folder / "bulletin.pdf"
        docx_path.write_bytes(document.render_docx(spec, figures))
        pdf_path.write_bytes(document.render_pdf(spec, figures))
        yield {"spec": spec, "figures": figures, "docx": docx_path, "pdf": pdf_path}


def tables_of(path: Path) -> list[list[list[str]]]:
    doc = docx.Document(str(path))
    return [[[cell.text for cell in row.cells] for row in table.rows] for table in doc.tables]


def test_the_bulletin_says_6300_odd_person_times_and_300_odd_wan_yuan(
    rendered: dict[str, Any],
) -> None:
    paragraphs = [p.text for p in docx.Document(str(rendered["docx"])).paragraphs]
    opening = next(p for p in paragraphs if p.startswith("活动自7月份开展以来"))
    assert opening.startswith(
        "活动自7月份开展以来，市直各机关企事业单位累计投入人力达6300余人次，"
        "累计投入资金300余万元（不含曾都区、随州高新区所属单位）。"
    )
    assert 6300 <= rendered["figures"]["person_times"] <= 6399
    assert 300_000_000 <= rendered["figures"]["funds_fen"] <= 309_999_999


def test_the_bulletin_holds_the_published_table_of_the_first_september_session(
    rendered: dict[str, Any],
) -> None:
    paragraphs = [p.text for p in docx.Document(str(rendered["docx"])).paragraphs]
    assert "（二）9月份第一次活动参与情况" in paragraphs
    table = next(t for t in tables_of(rendered["docx"]) if t[0][:3] == ["序号", "单位", "参与人数"])
    headcount = {row[1]: int(row[2]) for row in table[1:] if row[1]}
    for unit, people in PUBLISHED_TABLE.items():
        assert headcount[unit] == people, unit


def test_the_bulletin_prints_the_red_and_black_lists_of_the_inspections_in_the_period(
    rendered: dict[str, Any], db: None
) -> None:
    ranking = ranking_for(Span.period(JULY, OCTOBER_END))
    assert ranking.red and ranking.black
    paragraphs = [p.text for p in docx.Document(str(rendered["docx"])).paragraphs]
    red = paragraphs[paragraphs.index("（一）红榜") + 1]
    black = paragraphs[paragraphs.index("（二）黑榜") + 1]
    assert red == "、".join(s.unit.display_name for s in ranking.red)
    assert black == "、".join(s.unit.display_name for s in ranking.black)


def test_the_brief_with_the_districts_units_excluded_states_the_same_figures_and_the_exclusion(
    demo_city: dict[str, Any], db: None
) -> None:
    spec = demo_spec(DISTRICTS_EXCLUDED)
    text = work_brief(spec, document.bulletin_figures(spec))
    assert (
        "据统计，活动自7月份开展以来，市直各机关企事业单位累计投入人力达6300余人次"
        "（不含曾都区、随州高新区所属单位）。"
    ) in text
    assert "在9月份第一次活动中，市城管执法委参与人员126人、市市场监管局45人、" in text
    for unit, people in PUBLISHED_TABLE.items():
        assert f"{unit}{people}人" in text or f"{unit}参与人员{people}人" in text
    assert "累计投入资金300余万元" in text


def test_the_pdf_embeds_only_noto_cjk_sc_fonts_and_says_the_same(rendered: dict[str, Any]) -> None:
    for row in pdffonts(rendered["pdf"]):
        assert row[0].split("+", 1)[-1].startswith(("Noto-Serif-CJK-SC", "Noto-Sans-CJK-SC")), row
        assert row[-5] == "yes", row
    tool = shutil.which("pdftotext") or "pdftotext"
    command = [tool, str(rendered["pdf"]), "-"]
    text = subprocess.run(command, capture_output=True, text=True, check=True).stdout  # noqa: S603
    compact = "".join(text.split())
    assert "累计投入人力达6300余人次，累计投入资金300余万元" in compact
    assert re.search(r"市市场监管局45", compact)


def test_the_first_page_of_the_pdf_is_drawn_with_its_red_header(
    rendered: dict[str, Any], tmp_path: Path
) -> None:
    tool = shutil.which("pdftoppm") or "pdftoppm"
    command = [
        tool,
        "-png",
        "-r",
        "60",
        "-f",
        "1",
        "-l",
        "1",
        str(rendered["pdf"]),
        str(tmp_path / "p"),
    ]
    subprocess.run(command, check=True)  # noqa: S603
    from PIL import Image

    (png,) = tmp_path.glob("p*.png")
    raw = Image.open(png).convert("RGB").tobytes()
    pixels = len(raw) // 3
    ink = sum(1 for i in range(0, len(raw), 3) if raw[i] + raw[i + 1] + raw[i + 2] < 600)
    red = sum(
        1 for i in range(0, len(raw), 3) if raw[i] > 180 and raw[i + 1] < 90 and raw[i + 2] < 90
    )
    assert ink > 0.02 * pixels
    assert red > 1_000


def test_the_demo_bulletin_takes_a_bounded_number_of_queries(
    demo_city: dict[str, Any], db: None, django_assert_max_num_queries: Any
) -> None:
    spec = demo_spec()
    with django_assert_max_num_queries(30):
        document.bulletin_figures(spec)


def test_the_command_writes_the_demo_bulletin(
    demo_city: dict[str, Any], db: None, tmp_path: Path
) -> None:
    out = tmp_path / "b.docx"
    call_command(
        "bulletin", "--start", "2021-07-01", "--end", "2021-10-31",
        "--session", "2021-09-10", "--out", str(out), stdout=io.StringIO(),
    )  # fmt: skip
    doc = docx.Document(str(out))
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "6300余人次" in text and "300余万元" in text
    assert "（二）9月份第一次活动参与情况" in text
