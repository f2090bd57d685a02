"""Rendering a certificate of volunteer service hours (志愿服务时长证明) as DOCX and PDF.

Both come from the certificate's frozen ``content``, never from live data, so a
certificate reads the same every time it is downloaded.

- DOCX: a Word template (docxtpl) the office may replace:
  ``VOLUNTEER_CERT_DOCX_TEMPLATE`` (default ``certificate_templates/volunteer_hours.docx``,
  built by :func:`build_docx_template` if it is missing). Chinese runs name their
  font in ``w:eastAsia``.
- PDF: an HTML template (``VOLUNTEER_CERT_HTML_TEMPLATE``, default
  ``certificate_templates/volunteer_hours.html``) printed by WeasyPrint in
  ``CERTIFICATE_PDF_FONT`` (default "Noto Serif CJK SC", Debian's fonts-noto-cjk),
  embedded. WeasyPrint never says when it falls back to another font, so the font
  is looked up first and a missing one is named (:class:`FontMissing`).

The certificate is a Chinese document: its wording lives in the two templates
(document data the office edits), not in the interface's translations.
"""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from typing import Any

from django.conf import settings
from django.template import engines

from gongzhi.activities.models import VolunteerCertificate
from gongzhi.core.documents import (
    FontMissing,
    check_font,
    html_to_pdf,
    installed_font_families,
    set_run_fonts,
)

__all__ = ["FontMissing", "installed_font_families"]

TEMPLATE_DIR = Path(__file__).resolve().parent / "certificate_templates"
DOCX_TEMPLATE = TEMPLATE_DIR / "volunteer_hours.docx"
HTML_TEMPLATE = TEMPLATE_DIR / "volunteer_hours.html"

#: Fonts of the Word template: Simplified Chinese fonts every Chinese Windows has.
DOCX_BODY_FONT = "宋体"
DOCX_TITLE_FONT = "黑体"
DOCX_LATIN_FONT = "Times New Roman"

DEFAULT_PDF_FONT = "Noto Serif CJK SC"


# --- what the templates are given -------------------------------------------------------


def chinese_date(value: str | dt.date) -> str:
    """``2026-03-01`` → ``2026年3月1日``, the way Chinese documents write dates."""
    day = dt.date.fromisoformat(value) if isinstance(value, str) else value
    return f"{day.year}年{day.month}月{day.day}日"


def certificate_context(certificate: VolunteerCertificate) -> dict[str, Any]:
    """The frozen content, with dates and lists written out for the templates."""
    content = dict(certificate.content)
    records = [
        {
            **record,
            "index": index,
            "date_text": chinese_date(record["date"]),
            "certified_text": chinese_date(record["certified_on"])
            if record.get("certified_on")
            else "",
        }
        for index, record in enumerate(content.get("records", []), start=1)
    ]
    return {
        **content,
        "records": records,
        "start_text": chinese_date(content["start"]),
        "end_text": chinese_date(content["end"]),
        "issued_text": chinese_date(content["issued_on"]),
        "activities_text": "、".join(content.get("activities", [])),
        "communities_text": "、".join(content.get("communities", [])),
    }


# --- DOCX --------------------------------------------------------------------------------


def docx_template_source() -> str | io.BytesIO:
    """The Word template in use; the bundled one is built if it is missing (in memory
    when the package directory is read-only)."""
    configured = getattr(settings, "VOLUNTEER_CERT_DOCX_TEMPLATE", "")
    if configured:
        return str(configured)
    if not DOCX_TEMPLATE.exists():
        try:
            build_docx_template(DOCX_TEMPLATE)
        except OSError:
            buffer = io.BytesIO()
            build_docx_template(buffer)
            buffer.seek(0)
            return buffer
    return str(DOCX_TEMPLATE)


def _fonts(run: Any, east_asia: str, *, size: float | None = None, bold: bool = False) -> None:
    """Latin and East Asian fonts of a run (Word picks the East Asian one for Chinese)."""
    set_run_fonts(run, east_asia, latin=DOCX_LATIN_FONT, size=size, bold=bold)


def build_docx_template(path: Path | io.BytesIO) -> None:
    """Write the default Word template to ``path``: a plain A4 certificate with docxtpl tags.

    Offices may open it in Word, restyle it, add a letterhead or a seal image and set
    their copy with ``VOLUNTEER_CERT_DOCX_TEMPLATE``; the tags are in docs/volunteer-hours.md.
    """
    from docx import Document
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml.ns import qn
    from docx.shared import Cm, Pt

    document = Document()
    section = document.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    for side in ("left_margin", "right_margin"):
        setattr(section, side, Cm(2.6))
    section.top_margin, section.bottom_margin = Cm(3.0), Cm(2.5)
    normal = document.styles["Normal"]
    normal.font.name = DOCX_LATIN_FONT
    normal.font.size = Pt(14)
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), DOCX_BODY_FONT)

    def paragraph(
        text: str,
        *,
        align: Any = None,
        size: float = 14,
        bold: bool = False,
        font: str = DOCX_BODY_FONT,
        indent: bool = False,
    ) -> None:
        p = document.add_paragraph()
        if align is not None:
            p.alignment = align
        p.paragraph_format.space_after = Pt(8)
        p.paragraph_format.line_spacing = 1.5
        if indent:
            p.paragraph_format.first_line_indent = Pt(size * 2)
        _fonts(p.add_run(text), font, size=size, bold=bold)

    paragraph("志愿服务时长证明", align=WD_ALIGN_PARAGRAPH.CENTER, size=22, font=DOCX_TITLE_FONT)
    paragraph("编号：{{ number }}", align=WD_ALIGN_PARAGRAPH.RIGHT, size=12)
    paragraph(
        "兹证明{{ name }}（公民身份号码：{{ id_number }}"
        "{% if volunteer_code %}，志愿者编号：{{ volunteer_code }}{% endif %}），"
        "系{{ unit }}志愿者，于{{ start_text }}至{{ end_text }}期间参加"
        "{{ activities_text }}，在{{ communities_text }}开展志愿服务共{{ sessions }}次，"
        "经服务组织记录、确认，累计志愿服务时长{{ hours }}小时。",
        indent=True,
    )
    paragraph("特此证明。", indent=True)
    paragraph("志愿服务记录明细：", size=12, bold=True)
    headings = ("序号", "服务日期", "服务内容", "服务地点", "时长（小时）", "记录确认日期")
    table = document.add_table(rows=4, cols=len(headings))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    row_cells = (
        "{{ r.index }}",
        "{{ r.date_text }}",
        "{{ r.activity }}",
        "{{ r.community }}",
        "{{ r.hours }}",
        "{{ r.certified_text }}",
    )
    for column, text in enumerate(headings):
        _cell(table.cell(0, column), text, bold=True)
    _cell(table.cell(1, 0), "{%tr for r in records %}")
    for column, text in enumerate(row_cells):
        _cell(table.cell(2, column), text)
    _cell(table.cell(3, 0), "{%tr endfor %}")
    document.add_paragraph()
    paragraph("出具组织：{{ issuer }}（盖章）", align=WD_ALIGN_PARAGRAPH.RIGHT)
    paragraph("出具日期：{{ issued_text }}", align=WD_ALIGN_PARAGRAPH.RIGHT)
    paragraph(
        "本证明依据《志愿服务记录与证明出具办法》（民政部令第67号）出具，"
        "志愿服务时长以服务组织确认的记录为准。",
        size=10,
    )
    if isinstance(path, Path):
        path.parent.mkdir(parents=True, exist_ok=True)
        document.save(str(path))
    else:
        document.save(path)


def _cell(cell: Any, text: str, *, bold: bool = False) -> None:
    paragraph = cell.paragraphs[0]
    _fonts(paragraph.add_run(text), DOCX_BODY_FONT, size=10.5, bold=bold)


def render_docx(certificate: VolunteerCertificate) -> bytes:
    """The certificate as a Word document, from the frozen content."""
    from docxtpl import DocxTemplate
    from jinja2.sandbox import SandboxedEnvironment

    template = DocxTemplate(docx_template_source())
    # The template is the office's to edit: run it sandboxed, and escape every value.
    template.render(
        certificate_context(certificate),
        jinja_env=SandboxedEnvironment(autoescape=True),
        autoescape=True,
    )
    buffer = io.BytesIO()
    template.save(buffer)
    return buffer.getvalue()


# --- PDF ---------------------------------------------------------------------------------


def pdf_font() -> str:
    return str(getattr(settings, "CERTIFICATE_PDF_FONT", "") or DEFAULT_PDF_FONT)


def check_pdf_font(family: str | None = None) -> str:
    """The PDF font family, or :class:`FontMissing` naming it when it is not installed."""
    return check_font(family or pdf_font(), setting="CERTIFICATE_PDF_FONT")


def html_template_text() -> str:
    configured = getattr(settings, "VOLUNTEER_CERT_HTML_TEMPLATE", "")
    return Path(configured or HTML_TEMPLATE).read_text(encoding="utf-8")


def render_html(certificate: VolunteerCertificate, *, font: str) -> str:
    template = engines["django"].from_string(html_template_text())
    return template.render({**certificate_context(certificate), "font": font})


def render_pdf(certificate: VolunteerCertificate) -> bytes:
    """The certificate as a PDF, in the configured Simplified Chinese font, embedded.

    Raises :class:`FontMissing` (naming the font) instead of printing wrong glyphs."""
    font = check_pdf_font()
    return html_to_pdf(render_html(certificate, font=font))


def render(certificate: VolunteerCertificate, kind: str) -> tuple[bytes, str]:
    """``(body, content type)`` of the certificate as ``docx`` or ``pdf``."""
    if kind == "pdf":
        return render_pdf(certificate), "application/pdf"
    return (
        render_docx(certificate),
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    )


def file_name(certificate: VolunteerCertificate, kind: str) -> str:
    return f"{certificate.number}.{kind}"
