"""``gongzhi bulletin`` and ``gongzhi brief`` on the hand-built city of ``fixtures_figures``."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import docx
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from gongzhi import cli
from gongzhi.core import documents
from tests.stats.fixtures_figures import GAOXIN, ZENGDU, FigureCity

PERIOD = ["--start", "2021-07-01", "--end", "2021-08-31"]


def bulletin(*args: str) -> str:
    out = io.StringIO()
    call_command("bulletin", *args, stdout=out)
    return out.getvalue()


def brief(*args: str) -> str:
    out = io.StringIO()
    call_command("brief", *args, stdout=out)
    return out.getvalue()


def docx_text(path: Path) -> str:
    doc = docx.Document(str(path))
    cells = [c.text for t in doc.tables for row in t.rows for c in row.cells]
    return "\n".join([p.text for p in doc.paragraphs] + cells)


def test_the_command_writes_the_docx_counting_municipal_units_by_default(
    city: FigureCity, tmp_path: Path
) -> None:
    out = tmp_path / "b.docx"
    said = bulletin(*PERIOD, "--out", str(out), "--number", "随创城办〔2021〕12号")
    assert str(out) in said
    text = docx_text(out)
    assert "随创城办〔2021〕12号" in text
    assert "关于2021年7月至8月环境治理活动开展情况的通报" in text
    assert "累计投入人力达44人次，累计投入资金8.5万余元（不含曾都区、随州高新区所属单位）" in text


def test_the_command_writes_the_pdf(city: FigureCity, tmp_path: Path) -> None:
    out = tmp_path / "b.pdf"
    bulletin(*PERIOD, "--out", str(out))
    assert out.read_bytes().startswith(b"%PDF")


def test_all_units_and_exclusions_are_options(city: FigureCity, tmp_path: Path) -> None:
    out = tmp_path / "b.docx"
    bulletin(*PERIOD, "--all-units", "--out", str(out), "--title", "全部单位")
    assert "各机关企事业单位累计投入人力达68人次，累计投入资金9.5万余元。" in docx_text(out)
    bulletin(
        *PERIOD,
        "--exclude-jurisdiction", ZENGDU, "--exclude-jurisdiction", GAOXIN,
        "--out", str(out),
    )  # fmt: skip
    assert "累计投入人力达44人次，累计投入资金8.5万余元（不含曾都区、随州高新区所属单位）" in (
        docx_text(out)
    )


def test_the_session_of_the_table_is_chosen_by_its_date(city: FigureCity, tmp_path: Path) -> None:
    out = tmp_path / "b.docx"
    bulletin(*PERIOD, "--session", "2021-07-23", "--out", str(out))
    assert "（二）7月份第二次活动参与情况" in docx_text(out)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--start", "2021-13-01", "--end", "2021-08-31"], "--start: Enter a date as YYYY-MM-DD."),
        (["--start", "2021-09-01", "--end", "2021-08-31"], "--end:"),
        ([*PERIOD, "--district", "999999"], "Unknown district code: 999999"),
        ([*PERIOD, "--unit", "nonsense"], "--unit:"),
        ([*PERIOD, "--session", "2021-08-13"], "--session: no session was held on 2021-08-13"),
        ([*PERIOD, "--session", "2021-09-10"], "--session: 2021-09-10 is outside the period"),
        ([*PERIOD, "--session", "tomorrow"], "--session: Enter a date as YYYY-MM-DD."),
    ],
)
def test_bad_options_are_refused_with_a_message_naming_the_option(
    city: FigureCity, tmp_path: Path, args: list[str], message: str
) -> None:
    out = tmp_path / "b.docx"
    with pytest.raises(CommandError) as caught:
        bulletin(*args, "--out", str(out))
    assert message in str(caught.value)
    assert not out.exists()


def test_the_output_must_be_docx_or_pdf(city: FigureCity, tmp_path: Path) -> None:
    with pytest.raises(CommandError, match=r"\.docx or \.pdf"):
        bulletin(*PERIOD, "--out", str(tmp_path / "b.txt"))


def test_a_missing_font_stops_the_pdf_with_the_command_that_installs_it(
    city: FigureCity, tmp_path: Path, monkeypatch: Any
) -> None:
    monkeypatch.setattr(documents, "installed_font_families", lambda **_: set())
    with pytest.raises(CommandError, match="apt-get install fonts-noto-cjk"):
        bulletin(*PERIOD, "--out", str(tmp_path / "b.pdf"))
    assert not (tmp_path / "b.pdf").exists()


def test_gongzhi_bulletin_exits_non_zero_on_a_bad_date(
    city: FigureCity, tmp_path: Path, monkeypatch: Any, capsys: Any
) -> None:
    monkeypatch.setenv("GONGZHI_DATA_DIR", str(tmp_path))
    with pytest.raises(SystemExit) as caught:
        cli.main(["bulletin", "--start", "2021-7-1", "--end", "2021-08-31", "--out", "x.docx"])
    assert caught.value.code != 0
    assert "--start: Enter a date as YYYY-MM-DD." in capsys.readouterr().err


def test_the_brief_command_prints_the_brief(city: FigureCity) -> None:
    text = brief(*PERIOD)
    assert "据统计，活动自7月份开展以来，市直各机关企事业单位累计投入人力达44人次" in text
    assert "（不含曾都区、随州高新区所属单位）" in text
