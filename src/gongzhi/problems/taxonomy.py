"""The seeded category taxonomy (issue 3). Names are data (Chinese); codes are stable."""

from __future__ import annotations

from typing import Any

A, E, INST = "agency", "enterprise", "institution"

_LOCATION = {
    "code": "location_detail",
    "description": "具体位置（楼栋、单元）",
    "datatype": "string",
    "required": False,
    "values": [],
}
_VOLUME = {
    "code": "volume",
    "description": "大致数量",
    "datatype": "singlevaluelist",
    "required": False,
    "values": [
        {"key": "small", "name": "少量"},
        {"key": "medium", "name": "较多"},
        {"key": "large", "name": "大量"},
    ],
}

# (code, name, group, working days, unit kinds, extra questions, resident reportable)
CATEGORIES: list[tuple[str, str, str, int, list[str], list[dict[str, Any]], bool]] = [
    ("garbage_dead_corner", "垃圾死角", "four_cleanups", 3, [A, INST], [_LOCATION, _VOLUME], True),
    ("piled_debris", "乱堆乱放杂物", "four_cleanups", 3, [A, INST], [_LOCATION, _VOLUME], True),
    ("dead_branches_weeds", "枯枝杂草", "four_cleanups", 5, [A, INST], [_LOCATION], True),
    ("illegal_flyers", '楼栋"牛皮癣"小广告', "four_cleanups", 3, [A, INST, E], [_LOCATION], True),
    (
        "old_compound_renovation",
        "老旧小区环境整治",
        "special_rectification",
        20,
        [A, INST, E],
        [],
        True,
    ),
    ("market_surroundings", "农贸市场周边环境整治", "special_rectification", 10, [A], [], True),
    ("back_street_alleys", "背街小巷环境整治", "special_rectification", 10, [A, INST], [], True),
    ("illegal_parking", "乱停乱放专项整治", "special_rectification", 5, [A], [], True),
    ("roadside_stalls", "占道经营专项整治", "special_rectification", 5, [A], [], True),
    (
        "river_pond_cleanup",
        "河渠沟塘清理整治",
        "special_rectification",
        15,
        [A, INST, E],
        [],
        False,
    ),
    ("civility_publicity", "文明宣传志愿服务", "volunteer_service", 10, [A, INST, E], [], False),
    ("civilised_traffic", "文明交通劝导志愿服务", "volunteer_service", 10, [A, INST, E], [], False),
    ("care_for_elderly", "关爱空巢老人志愿服务", "volunteer_service", 10, [A, INST, E], [], False),
    (
        "garbage_sorting_guide",
        "垃圾分类宣传引导志愿服务",
        "volunteer_service",
        10,
        [A, INST, E],
        [],
        False,
    ),
    ("household_garbage", "生活垃圾", "other", 2, [A, INST, E], [_VOLUME], True),
    ("construction_garbage", "建筑垃圾", "other", 5, [A, E], [_VOLUME], True),
    ("greenery_vegetable_plots", "毁绿种菜", "other", 7, [A], [_LOCATION], True),
    ("messy_cables", "杂乱管线", "other", 10, [E, A], [_LOCATION], True),
    ("broken_facilities", "公共设施破损", "other", 10, [A, E], [_LOCATION], True),
    ("sewage_overflow", "污水外溢", "other", 3, [E, A], [_LOCATION], True),
    ("stray_livestock", "违规饲养家禽家畜", "other", 5, [A], [], True),
    ("community_order", "社区秩序", "other", 5, [A], [], True),
]
