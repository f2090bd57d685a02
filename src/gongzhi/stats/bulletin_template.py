"""The default Word template of the bulletin (通报), built with python-docx.

``build_docx_template(path)`` writes ``bulletin_templates/bulletin.docx``: a
document in the layout of GB/T 9704 (A4; margins 37/35/28/26 mm; the issuer
in red 方正小标宋简体 as the header, the document number centred under it and a
red rule; the title in 方正小标宋简体 二号; the body in 仿宋_GB2312 三号 with
first-level headings in 黑体 and second-level ones in 楷体_GB2312; page numbers
"— 1 —" in 宋体 四号) holding docxtpl tags for every field of
:func:`gongzhi.stats.bulletin.document_context`. The office may open the file
in Word, restyle or reword it and point ``BULLETIN_DOCX_TEMPLATE`` at their
copy; docs/bulletin-template.md lists the fields.

Run ``python -m gongzhi.stats.bulletin_template FILE`` to write a fresh copy.
"""

from __future__ import annotations

import io
import sys
from pathlib import Path
from typing import Any

#: The official fonts the document names (installed on the office's machines).
TITLE_FONT = "方正小标宋简体"
BODY_FONT = "仿宋_GB2312"
HEADING_FONT = "黑体"
SUBHEADING_FONT = "楷体_GB2312"
PAGE_NUMBER_FONT = "宋体"
LATIN_FONT = "Times New Roman"
RED = (0xFF, 0x00, 0x00)

#: Sizes in points: 二号 22, 三号 16, 四号 14, 小四 12.
ISSUER_SIZE = 30
TITLE_SIZE = 22
BODY_SIZE = 16
TABLE_SIZE = 12
PAGE_NUMBER_SIZE = 14
#: GB/T 9704: 22 lines a page of the type area.
LINE_SPACING = 28.9


class _Builder:
    def __init__(self) -> None:
        from docx import Document
        from docx.shared import Mm, Pt

        from gongzhi.core.documents import set_east_asian_font

        self.document = Document()
        section = self.document.sections[0]
        section.page_width, section.page_height = Mm(210), Mm(297)
        section.top_margin, section.bottom_margin = Mm(37), Mm(35)
        section.left_margin, section.right_margin = Mm(28), Mm(26)
        section.footer_distance = Mm(20)
        normal = self.document.styles["Normal"]
        normal.font.name = LATIN_FONT
        normal.font.size = Pt(BODY_SIZE)
        set_east_asian_font(normal.element.get_or_add_rPr(), BODY_FONT, latin=LATIN_FONT)
        normal.paragraph_format.space_after = Pt(0)
        normal.paragraph_format.space_before = Pt(0)
        self._footer(section)

    # paragraphs

    def paragraph(
        self,
        text: str = "",
        *,
        font: str = BODY_FONT,
        size: float = BODY_SIZE,
        align: str = "justify",
        indent: bool = False,
        bold: bool = False,
        color: tuple[int, int, int] | None = None,
        exact: bool = True,
        before: float = 0,
        after: float = 0,
    ) -> Any:
        from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
        from docx.shared import Pt

        from gongzhi.core.documents import set_run_fonts

        p = self.document.add_paragraph()
        p.alignment = {
            "left": WD_ALIGN_PARAGRAPH.LEFT,
            "center": WD_ALIGN_PARAGRAPH.CENTER,
            "right": WD_ALIGN_PARAGRAPH.RIGHT,
            "justify": WD_ALIGN_PARAGRAPH.JUSTIFY,
        }[align]
        fmt = p.paragraph_format
        if exact:
            fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
            fmt.line_spacing = Pt(max(LINE_SPACING, size * 1.3))
        fmt.space_before, fmt.space_after = Pt(before), Pt(after)
        if indent:
            fmt.first_line_indent = Pt(BODY_SIZE * 2)
        if text:
            set_run_fonts(
                p.add_run(text), font, latin=LATIN_FONT, size=size, bold=bold, color=color
            )
        return p

    def tag(self, text: str) -> None:
        """A paragraph holding only a docxtpl ``{%p … %}`` tag (removed when rendered)."""
        self.paragraph(text, exact=False)

    def body(self, text: str) -> None:
        self.paragraph(text, indent=True)

    def heading(self, text: str) -> None:
        self.paragraph(text, font=HEADING_FONT, indent=True)

    def subheading(self, text: str) -> None:
        self.paragraph(text, font=SUBHEADING_FONT, indent=True)

    def page_break(self) -> None:
        from docx.enum.text import WD_BREAK

        self.paragraph(exact=False).add_run().add_break(WD_BREAK.PAGE)

    def red_rule(self) -> None:
        from docx.oxml import OxmlElement
        from docx.oxml.ns import qn

        p = self.paragraph(exact=False, size=4, after=BODY_SIZE)
        border = OxmlElement("w:pBdr")
        bottom = OxmlElement("w:bottom")
        for name, value in (("val", "single"), ("sz", "18"), ("space", "1"), ("color", "FF0000")):
            bottom.set(qn(f"w:{name}"), value)
        border.append(bottom)
        p._p.get_or_add_pPr().append(border)

    # tables

    def table(
        self,
        headings: tuple[str, ...],
        loop: str,
        cells: tuple[str, ...],
        *,
        total: tuple[str, ...] | None = None,
        widths: tuple[float, ...] | None = None,
    ) -> None:
        """A table: a heading row, one row repeated by ``{%tr for … %}``, and a totals row."""
        from docx.enum.table import WD_TABLE_ALIGNMENT
        from docx.shared import Mm

        rows = 4 + (1 if total else 0)
        table = self.document.add_table(rows=rows, cols=len(headings))
        table.style = "Table Grid"
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        for column, text in enumerate(headings):
            self._cell(table.cell(0, column), text, font=HEADING_FONT)
        self._cell(table.cell(1, 0), "{%tr for r in " + loop + " %}")
        for column, text in enumerate(cells):
            self._cell(table.cell(2, column), text)
        self._cell(table.cell(3, 0), "{%tr endfor %}")
        if total:
            for column, text in enumerate(total):
                self._cell(table.cell(4, column), text, font=HEADING_FONT)
        self._repeat_heading(table.rows[0])
        if widths:
            for row in table.rows:
                for cell, width in zip(row.cells, widths, strict=True):
                    cell.width = Mm(width)

    def _cell(self, cell: Any, text: str, *, font: str = BODY_FONT) -> None:
        from docx.enum.text import WD_ALIGN_PARAGRAPH

        from gongzhi.core.documents import set_run_fonts

        paragraph = cell.paragraphs[0]
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        set_run_fonts(paragraph.add_run(text), font, latin=LATIN_FONT, size=TABLE_SIZE)

    @staticmethod
    def _repeat_heading(row: Any) -> None:
        from docx.oxml import OxmlElement
        from docx.oxml.ns import qn

        header = OxmlElement("w:tblHeader")
        header.set(qn("w:val"), "true")
        row._tr.get_or_add_trPr().append(header)

    # footer: "— 1 —"

    def _footer(self, section: Any) -> None:
        from docx.enum.text import WD_ALIGN_PARAGRAPH
        from docx.oxml import OxmlElement
        from docx.oxml.ns import qn

        from gongzhi.core.documents import set_run_fonts

        paragraph = section.footer.paragraphs[0]
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER

        def run(text: str = "") -> Any:
            r = paragraph.add_run(text)
            set_run_fonts(r, PAGE_NUMBER_FONT, latin=PAGE_NUMBER_FONT, size=PAGE_NUMBER_SIZE)
            return r

        run("— ")
        begin = OxmlElement("w:fldChar")
        begin.set(qn("w:fldCharType"), "begin")
        run()._r.append(begin)
        instruction = OxmlElement("w:instrText")
        instruction.set(qn("xml:space"), "preserve")
        instruction.text = " PAGE "
        run()._r.append(instruction)
        separate = OxmlElement("w:fldChar")
        separate.set(qn("w:fldCharType"), "separate")
        run()._r.append(separate)
        run("1")
        end = OxmlElement("w:fldChar")
        end.set(qn("w:fldCharType"), "end")
        run()._r.append(end)
        run(" —")


def build_docx_template(path: Path | io.BytesIO) -> None:
    """Write the default Word template of the bulletin to ``path``."""
    from docx.shared import Pt

    b = _Builder()
    # The red header (发文机关标志), the document number and the red rule.
    b.paragraph(
        "{{ issuer }}",
        font=TITLE_FONT,
        size=ISSUER_SIZE,
        align="center",
        color=RED,
        exact=False,
        after=BODY_SIZE,
    )
    b.paragraph("{{ number }}", align="center")
    b.red_rule()
    b.paragraph("{{ title }}", font=TITLE_FONT, size=TITLE_SIZE, align="center", exact=False)
    b.paragraph()

    b.heading("一、基本情况")
    b.subheading("（一）总体情况")
    b.body("{{ opening }}{{ participation_text }}")
    b.paragraph("{{ chart_sessions }}", align="center", exact=False)
    b.tag("{%p if has_session %}")
    b.subheading("（二）{{ session_name }}参与情况")
    b.body("{{ session_text }}")
    b.table(
        ("序号", "单位", "参与人数", "社区数", "带队领导", "主要负责同志带队"),
        "session_rows",
        (
            "{{ r.index }}",
            "{{ r.unit_name }}",
            "{{ r.headcount }}",
            "{{ r.communities }}",
            "{{ r.leader }}",
            "{{ r.led_text }}",
        ),
        total=("合计", "", "{{ session_total }}", "", "", ""),
        widths=(14, 52, 22, 18, 26, 24),
    )
    b.tag("{%p endif %}")
    b.subheading("（三）问题发现及办结情况")
    b.body("{{ problems_text }}")
    b.tag("{%p if has_categories %}")
    b.table(
        ("序号", "问题类别", "发现（件）", "办结（件）", "办结率", "按期办结率"),
        "category_rows",
        (
            "{{ r.index }}",
            "{{ r.name }}",
            "{{ r.reported }}",
            "{{ r.closed }}",
            "{{ r.closure_rate }}",
            "{{ r.on_time_rate }}",
        ),
        widths=(14, 50, 24, 24, 22, 22),
    )
    b.paragraph("{{ chart_categories }}", align="center", exact=False)
    b.tag("{%p endif %}")
    b.subheading("（四）资金投入情况")
    b.body("{{ funds_text }}")
    b.tag("{%p if has_funds %}")
    b.table(
        ("序号", "单位", "投入资金"),
        "funds_top_rows",
        ("{{ r.index }}", "{{ r.unit_name }}", "{{ r.funds_text }}"),
        widths=(16, 90, 50),
    )
    b.body("（表中为投入资金居前的单位，各单位情况见附件1。）")
    b.tag("{%p endif %}")

    b.heading("二、督查排名")
    b.tag("{%p if has_ranking %}")
    b.body("{{ ranking_text }}")
    b.subheading("（一）红榜")
    b.body("{{ red_text }}")
    b.tag("{%p if red_rows %}")
    b.table(
        ("排名", "单位", "得分", "等次", "整改率"),
        "red_rows",
        (
            "{{ r.rank }}",
            "{{ r.unit_name }}",
            "{{ r.total }}",
            "{{ r.grade }}",
            "{{ r.rectification }}",
        ),
        widths=(16, 70, 24, 24, 22),
    )
    b.tag("{%p endif %}")
    b.subheading("（二）黑榜")
    b.body("{{ black_text }}")
    b.tag("{%p if black_rows %}")
    b.table(
        ("排名", "单位", "得分", "等次", "整改率"),
        "black_rows",
        (
            "{{ r.rank }}",
            "{{ r.unit_name }}",
            "{{ r.total }}",
            "{{ r.grade }}",
            "{{ r.rectification }}",
        ),
        widths=(16, 70, 24, 24, 22),
    )
    b.tag("{%p endif %}")
    b.body("各单位督查得分排名见附件2。")
    b.tag("{%p else %}")
    b.body("期间督查结果尚未形成。")
    b.tag("{%p endif %}")

    b.heading("三、存在问题")
    b.tag("{%p for line in issues %}")
    b.body("{{ line }}")
    b.tag("{%p endfor %}")

    b.heading("四、下步要求")
    b.tag("{%p for line in requirements %}")
    b.body("{{ line }}")
    b.tag("{%p endfor %}")
    b.body("特此通报。")
    b.paragraph()
    b.body("附件：1.各单位参与情况统计表")
    b.tag("{%p if has_ranking %}")
    annex_two = b.paragraph("2.督查得分排名表")
    annex_two.paragraph_format.first_line_indent = Pt(BODY_SIZE * 5)
    b.tag("{%p endif %}")
    b.paragraph()
    b.paragraph("{{ issuer }}", align="right")
    b.paragraph("{{ date_text }}", align="right")

    # Annexes.
    b.page_break()
    b.paragraph("附件1", font=HEADING_FONT, align="left")
    b.paragraph(
        "各单位参与情况统计表", font=TITLE_FONT, size=TITLE_SIZE, align="center", exact=False
    )
    b.paragraph("（{{ period_text }}）{{ exclusion }}", align="center")
    b.table(
        ("序号", "单位", "投入人次", "参加场次", "投入资金"),
        "annex_rows",
        (
            "{{ r.index }}",
            "{{ r.unit_name }}",
            "{{ r.person_times }}",
            "{{ r.sessions_attended }}",
            "{{ r.funds_text }}",
        ),
        total=("合计", "", "{{ annex_person_times }}", "", "{{ annex_funds }}"),
        widths=(14, 70, 24, 24, 30),
    )
    b.tag("{%p if has_ranking %}")
    b.page_break()
    b.paragraph("附件2", font=HEADING_FONT, align="left")
    b.paragraph("督查得分排名表", font=TITLE_FONT, size=TITLE_SIZE, align="center", exact=False)
    b.table(
        ("排名", "单位", "督查次数", "平均得分", "等次", "整改率"),
        "ranked_rows",
        (
            "{{ r.rank }}",
            "{{ r.unit_name }}",
            "{{ r.inspections }}",
            "{{ r.total }}",
            "{{ r.grade }}",
            "{{ r.rectification }}",
        ),
        widths=(14, 60, 20, 22, 20, 20),
    )
    b.tag("{%p endif %}")

    if isinstance(path, Path):
        path.parent.mkdir(parents=True, exist_ok=True)
        b.document.save(str(path))
    else:
        b.document.save(path)


if __name__ == "__main__":  # pragma: no cover - a maintenance entry point
    target = (
        Path(sys.argv[1])
        if len(sys.argv) > 1
        else Path(__file__).parent / "bulletin_templates" / "bulletin.docx"
    )
    build_docx_template(target)
    print(target)  # noqa: T201
