"""The work brief (工作简报): a short news-style text from a bulletin's figures.

Where the bulletin is the office's formal document, the brief is what the
publicity office hands to the city paper and the government website: a few
paragraphs in the register of a news report, with the headline figures in the
official style ("6300余人次", "300余万元"), the units that sent the most people
to the chosen session and those that put in the most money, and, whenever the
filter leaves something out, the parenthesis saying what
("（不含曾都区、随州高新区所属单位）").

The brief is Chinese text (document data), built from the same figures dict as
the bulletin (:func:`gongzhi.stats.bulletin.bulletin_figures`), so both say the same.
"""

from __future__ import annotations

from typing import Any

from gongzhi.core.money import format_wan, official_count, official_round
from gongzhi.stats.bulletin import BulletinSpec, opening_month, session_label

#: Units named as top contributors, by headcount at the session and by funds.
TOP_HEADCOUNT = 6
TOP_FUNDS = 4


def work_brief(spec: BulletinSpec, figures: dict[str, Any]) -> str:
    """The brief as paragraphs separated by blank lines."""
    subject = figures["subject"]
    exclusion = figures["exclusion"]
    month = opening_month(figures)
    paragraphs = [
        f"{month}月份以来，{subject}按照创城工作安排，定期下沉结对社区开展周五环境治理活动，"
        "集中清理垃圾死角、乱堆乱放杂物、枯枝杂草和楼栋“牛皮癣”小广告，"
        "帮助社区解决群众反映强烈的环境问题，社区环境面貌持续改善。"
    ]

    figures_text = (
        f"据统计，活动自{month}月份开展以来，{subject}累计投入人力达"
        f"{official_count(figures['person_times'])}{exclusion}。"
    )
    session = figures.get("session")
    if session and session.get("rows"):
        rows = sorted(session["rows"], key=lambda r: (-r["headcount"], r["unit_code"]))
        named = rows[:TOP_HEADCOUNT]
        listed = "、".join(
            f"{row['unit_name']}{'参与人员' if index == 0 else ''}{row['headcount']}人"
            for index, row in enumerate(named)
        )
        more = "等" if len(rows) > len(named) else ""
        figures_text += f"在{session_label(session)}中，{listed}{more}。"
    funds = figures.get("funds_by_unit") or []
    figures_text += f"各单位累计投入资金{official_round(figures['funds_fen'])}"
    if funds:
        named_funds = "、".join(
            f"{row['unit_name']}{format_wan(row['funds_fen'])}" for row in funds[:TOP_FUNDS]
        )
        figures_text += f"，其中{named_funds}{'等' if len(funds) > TOP_FUNDS else ''}"
    paragraphs.append(figures_text + "。")

    problems = figures["problems"]
    closing: list[str] = []
    if problems["reported"]:
        closing.append(
            f"活动中共收集各类环境问题{problems['reported']}件，已办结{problems['closed']}件，"
            f"办结率{problems['closure_rate']}"
        )
    red = (figures.get("ranking") or {}).get("red") or []
    if red:
        names = "、".join(row["unit_name"] for row in red[:TOP_FUNDS])
        closing.append(
            f"经督查，{names}{'等' if len(red) > TOP_FUNDS else ''}单位成效突出，列入红榜"
        )
    if closing:
        paragraphs.append("；".join(closing) + "。")
    return "\n\n".join(paragraphs)
