"""The bulletin as a PDF: the same content as the DOCX, in embedded Noto CJK SC fonts."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from gongzhi.core import documents
from gongzhi.stats import bulletin as document
from tests.activities.test_certificate import pdffonts
from tests.stats.fixtures_figures import FigureCity
from tests.stats.test_bulletin_document import ISSUER, NUMBER, spec


def pdf_text(path: Path) -> str:
    tool = shutil.which("pdftotext")
    assert tool, "pdftotext (poppler-utils) is needed to read PDFs back"
    command = [tool, "-layout", str(path), "-"]
    out = subprocess.run(command, capture_output=True, text=True, check=True)  # noqa: S603
    return out.stdout


def first_page(path: Path, tmp_path: Path) -> Image.Image:
    tool = shutil.which("pdftoppm")
    assert tool, "pdftoppm (poppler-utils) is needed to draw PDFs"
    stem = tmp_path / "page"
    command = [tool, "-png", "-r", "60", "-f", "1", "-l", "1", str(path), str(stem)]
    subprocess.run(command, check=True)  # noqa: S603
    (png,) = tmp_path.glob("page*.png")
    return Image.open(png).convert("RGB")


@pytest.fixture
def pdf(city: FigureCity, tmp_path: Path) -> Path:
    s = spec(session_id=city.sessions["S2"].pk)
    path = tmp_path / "bulletin.pdf"
    path.write_bytes(document.render_pdf(s, document.bulletin_figures(s)))
    return path


def test_the_pdf_says_what_the_docx_says(pdf: Path) -> None:
    text = pdf_text(pdf)
    compact = "".join(text.split())
    assert ISSUER in compact and NUMBER in compact
    assert (
        "活动自7月份开展以来，市直各机关企事业单位累计投入人力达44人次，"
        "累计投入资金8.5万余元（不含曾都区、随州高新区所属单位）。"
    ) in compact
    for heading in ("一、基本情况", "二、督查排名", "三、存在问题", "四、下步要求", "特此通报。"):
        assert heading in compact
    assert "7月份第二次活动" in compact
    assert "2021年9月3日" in compact


def test_the_pdf_numbers_its_pages_between_em_dashes(pdf: Path) -> None:
    numbers = re.findall(r"—\s*(\d+)\s*—", pdf_text(pdf))
    assert numbers[:2] == ["1", "2"]
    assert numbers == [str(n) for n in range(1, len(numbers) + 1)]


def test_the_pdf_embeds_only_noto_cjk_sc_fonts(pdf: Path) -> None:
    fonts = pdffonts(pdf)
    assert fonts
    names = set()
    for row in fonts:
        name = row[0].split("+", 1)[-1]
        names.add(name)
        assert name.startswith(
            ("Noto-Serif-CJK-SC", "Noto-Sans-CJK-SC", "NotoSerifCJKsc", "NotoSansCJKsc")
        ), row
        assert row[-5] == "yes", row
    assert any("Sans" in n for n in names) and any("Serif" in n for n in names)


def test_the_first_page_is_drawn_with_its_red_header(pdf: Path, tmp_path: Path) -> None:
    page = first_page(pdf, tmp_path)
    width, height = page.size
    assert 0.69 < width / height < 0.73  # A4
    raw = page.tobytes()
    pixels = [(raw[i], raw[i + 1], raw[i + 2]) for i in range(0, len(raw), 3)]
    ink = sum(1 for r, g, b in pixels if r + g + b < 600)
    red = sum(1 for r, g, b in pixels if r > 180 and g < 90 and b < 90)
    assert ink > 0.01 * len(pixels)
    assert red > 500
    first_red_row = next(
        i // width for i, (r, g, b) in enumerate(pixels) if r > 180 and g < 90 and b < 90
    )
    assert first_red_row < height * 0.25  # the header sits at the top


def test_a_missing_font_is_named_with_the_command_that_installs_it(
    city: FigureCity, monkeypatch: Any
) -> None:
    monkeypatch.setattr(documents, "installed_font_families", lambda **_: {"DejaVu Sans"})
    s = spec()
    with pytest.raises(documents.FontMissing) as caught:
        document.render_pdf(s, document.bulletin_figures(s))
    assert '"Noto Serif CJK SC"' in str(caught.value)
    assert "apt-get install fonts-noto-cjk" in str(caught.value)
