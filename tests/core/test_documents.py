"""What generated documents share: the font check, East Asian fonts in Word, WeasyPrint."""

from __future__ import annotations

import base64
import io
import shutil
import subprocess
from pathlib import Path

import docx
import pytest
from docx.oxml.ns import qn
from PIL import Image, ImageFile

from gongzhi.core import documents


def png(colour: str = "red") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 40), colour).save(buffer, format="PNG")
    return buffer.getvalue()


def images_in(pdf: bytes, tmp_path: Path) -> int:
    tool = shutil.which("pdfimages")
    assert tool, "pdfimages (poppler-utils) is needed to list a PDF's images"
    path = tmp_path / "out.pdf"
    path.write_bytes(pdf)
    out = subprocess.run([tool, "-list", str(path)], capture_output=True, text=True, check=True)  # noqa: S603
    return len(out.stdout.splitlines()) - 2


def test_the_noto_cjk_sc_fonts_are_known_as_installed() -> None:
    families = documents.installed_font_families(fresh=True)
    assert {documents.NOTO_SERIF_SC, documents.NOTO_SANS_SC} <= families
    assert documents.check_font(documents.NOTO_SANS_SC) == documents.NOTO_SANS_SC


def test_a_missing_font_is_named_with_the_package_that_installs_it() -> None:
    with pytest.raises(documents.FontMissing) as caught:
        documents.check_font("No Such Font 42")
    message = str(caught.value)
    assert '"No Such Font 42"' in message
    assert "apt-get install fonts-noto-cjk" in message
    assert caught.value.family == "No Such Font 42"


def test_a_missing_font_can_name_the_setting_that_chooses_it() -> None:
    with pytest.raises(documents.FontMissing) as caught:
        documents.check_fonts(documents.NOTO_SANS_SC, "No Such Font 42", setting="SOME_PDF_FONT")
    assert "SOME_PDF_FONT" in str(caught.value)


def test_a_run_names_its_east_asian_font_beside_the_latin_one() -> None:
    document = docx.Document()
    run = document.add_paragraph().add_run("特此通报")
    documents.set_run_fonts(run, "仿宋_GB2312", size=16, bold=True, color=(255, 0, 0))
    fonts = run._element.rPr.rFonts
    assert fonts.get(qn("w:eastAsia")) == "仿宋_GB2312"
    assert fonts.get(qn("w:ascii")) == "Times New Roman"
    assert run.font.size.pt == 16 and run.font.bold
    assert str(run.font.color.rgb) == "FF0000"


def test_the_pdf_shows_images_the_document_carries_itself(tmp_path: Path) -> None:
    uri = "data:image/png;base64," + base64.b64encode(png()).decode()
    pdf = documents.html_to_pdf(f'<html lang="zh-CN"><body><img src="{uri}"></body></html>')
    assert pdf.startswith(b"%PDF")
    assert images_in(pdf, tmp_path) == 1


def test_the_pdf_loads_no_local_file_and_no_network_address(tmp_path: Path) -> None:
    local = tmp_path / "secret.png"
    local.write_bytes(png("blue"))
    html = (
        '<html lang="zh-CN"><head>'
        '<link rel="stylesheet" href="http://127.0.0.1:9/style.css"></head><body>'
        f'<img src="{local.as_uri()}"><img src="http://127.0.0.1:9/x.png">text</body></html>'
    )
    pdf = documents.html_to_pdf(html)
    assert pdf.startswith(b"%PDF")
    assert images_in(pdf, tmp_path) == 0


def test_printing_leaves_truncated_images_refused() -> None:
    documents.html_to_pdf("<p>x</p>")
    assert ImageFile.LOAD_TRUNCATED_IMAGES is False
