"""The default checklist: the three criteria of the reference case with their sub-items.

Names and texts are data (Chinese), like the category taxonomy. Scored items add up
to 100 points; the yes/no checks give the achievement rate (达标率).
"""

from __future__ import annotations

from typing import Any

DEFAULT_TEMPLATE_NAME = "下沉单位督导检查表"

# (code, name, [(code, text, kind, max score or None, evidence required, guidance)])
CRITERIA: list[tuple[str, str, list[tuple[str, str, str, float | None, bool, str]]]] = [
    (
        "awareness",
        "思想认识到位",
        [
            ("plan", "制定本单位下沉工作方案并专题部署", "scored", 10, True, "查看方案、会议记录"),
            (
                "leader_led",
                "主要领导或分管领导带队参加活动",
                "scored",
                10,
                False,
                "以活动签到和现场核实为准",
            ),
            ("liaison", "明确联络员，与社区保持日常对接", "scored", 5, False, ""),
        ],
    ),
    (
        "organisation",
        "组织实施到位",
        [
            ("headcount", "参加人次达到计划要求", "scored", 15, False, "对照活动安排与签到人数"),
            ("on_time", "按时到岗，不迟到早退", "scored", 10, False, ""),
            ("tasks", "按活动安排完成“四清”任务", "scored", 15, True, "查看整治前后照片"),
            ("funds", "落实必要的经费和物资保障", "scored", 5, False, ""),
        ],
    ),
    (
        "results",
        "整治成效到位",
        [
            ("problems_closed", "交办问题按期办结", "scored", 15, False, "以问题台账为准"),
            ("feedback", "居民评价满意", "scored", 15, False, "随机走访居民或查看回访记录"),
            ("no_flyers", "无乱张贴、乱涂画", "check", None, True, ""),
            ("no_dead_corners", "无垃圾死角", "check", None, True, ""),
            ("no_debris", "无乱堆乱放", "check", None, True, ""),
            ("no_weeds", "无枯枝杂草", "check", None, False, ""),
        ],
    ),
]


def default_criteria() -> list[dict[str, Any]]:
    """The default checklist as plain data (for the seed and for tests)."""
    return [
        {
            "code": code,
            "name": name,
            "items": [
                {
                    "code": item_code,
                    "text": text,
                    "kind": kind,
                    "max_score": max_score,
                    "evidence_required": evidence,
                    "guidance": guidance,
                }
                for item_code, text, kind, max_score, evidence, guidance in items
            ],
        }
        for code, name, items in CRITERIA
    ]
