"""Import kind ``hotline``: the 12345 hotline's work-order export, one problem per work
order, with the source *12345 hotline* and the work-order number (工单编号) as the
problem's external reference (see :mod:`gongzhi.imports.kinds_problems` for the natural
key and the rule that an import never changes a problem already in the ledger).

The hotline's classification is mapped onto our categories by
:data:`HOTLINE_CATEGORIES`; the community is the one of the optional 社区代码 column,
else the one whose name the area (所属区域) or the address (事发地址) mentions. The
status and handling-unit columns of the export are read and not imported: the ledger's
workflow tracks the handling.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gongzhi.imports import parsing
from gongzhi.imports.base import CellError, Column, Context
from gongzhi.imports.kinds_problems import (
    Place,
    ProblemImporterBase,
    category_names,
    cell_text,
    cut_text,
    phone_or_masked,
)
from gongzhi.imports.lookups import community_choices
from gongzhi.imports.registry import register
from gongzhi.problems.models import ProblemSource

#: The hotline's classification names → our category codes (data; extend as the
#: hotline's own taxonomy shows new names). A classification such as
#: "城市管理-市容环境-乱堆乱放" is tried segment by segment from the most specific;
#: a segment matches a name here exactly, or one of our category names or codes, or
#: (failing those) contains a name here. An unmapped classification is a row error
#: naming it: the importer adds it here or fixes the row, nothing is filed by guess.
HOTLINE_CATEGORIES: dict[str, str] = {
    "垃圾死角": "garbage_dead_corner",
    "垃圾堆积": "garbage_dead_corner",
    "垃圾堆放": "garbage_dead_corner",
    "卫生死角": "garbage_dead_corner",
    "乱堆乱放": "piled_debris",
    "杂物堆放": "piled_debris",
    "楼道堆物": "piled_debris",
    "堆放杂物": "piled_debris",
    "枯枝杂草": "dead_branches_weeds",
    "杂草丛生": "dead_branches_weeds",
    "绿化养护": "dead_branches_weeds",
    "小广告": "illegal_flyers",
    "牛皮癣": "illegal_flyers",
    "乱张贴": "illegal_flyers",
    "乱涂乱画": "illegal_flyers",
    "老旧小区改造": "old_compound_renovation",
    "老旧小区": "old_compound_renovation",
    "农贸市场": "market_surroundings",
    "背街小巷": "back_street_alleys",
    "乱停乱放": "illegal_parking",
    "违章停车": "illegal_parking",
    "违停": "illegal_parking",
    "占道经营": "roadside_stalls",
    "流动摊贩": "roadside_stalls",
    "马路市场": "roadside_stalls",
    "河道": "river_pond_cleanup",
    "沟渠": "river_pond_cleanup",
    "水塘": "river_pond_cleanup",
    "生活垃圾": "household_garbage",
    "垃圾清运": "household_garbage",
    "垃圾收集": "household_garbage",
    "建筑垃圾": "construction_garbage",
    "装修垃圾": "construction_garbage",
    "渣土": "construction_garbage",
    "毁绿种菜": "greenery_vegetable_plots",
    "毁坏绿地": "greenery_vegetable_plots",
    "杂乱管线": "messy_cables",
    "飞线": "messy_cables",
    "线缆": "messy_cables",
    "空中线网": "messy_cables",
    "公共设施": "broken_facilities",
    "设施损坏": "broken_facilities",
    "井盖": "broken_facilities",
    "路灯": "broken_facilities",
    "污水外溢": "sewage_overflow",
    "污水": "sewage_overflow",
    "下水道": "sewage_overflow",
    "管道堵塞": "sewage_overflow",
    "家禽家畜": "stray_livestock",
    "饲养家禽": "stray_livestock",
    "社区秩序": "community_order",
    "噪声扰民": "community_order",
}
_SEGMENT_SPLIT = re.compile(r"\s*[-—/／>＞、|｜]+\s*")
#: Names in ``HOTLINE_CATEGORIES``, longest first (containment is tried in this order).
_HOTLINE_NAMES = sorted(HOTLINE_CATEGORIES, key=len, reverse=True)


def hotline_category(value: str, names: dict[str, str], codes: set[str]) -> str | None:
    """Our category code for a hotline classification (see :data:`HOTLINE_CATEGORIES`);
    ``names`` are our category names → codes, ``codes`` our active codes."""
    segments = [s for s in _SEGMENT_SPLIT.split(value.strip()) if s]
    for segment in reversed(segments):
        code = HOTLINE_CATEGORIES.get(segment) or names.get(segment)
        if code is None and segment in codes:
            code = segment
        if code is not None:
            return code
    for segment in reversed(segments):
        for name in _HOTLINE_NAMES:
            if name in segment:
                return HOTLINE_CATEGORIES[name]
    return None


@dataclass
class CommunityNames:
    """Community names of the city for finding a community in an address."""

    by_name: dict[str, list[Place]]
    lengths: list[int]


def community_names(places: dict[str, Place]) -> CommunityNames:
    by_name: dict[str, list[Place]] = {}
    for place in places.values():
        by_name.setdefault(place.name, []).append(place)
    return CommunityNames(by_name, sorted({len(n) for n in by_name}, reverse=True))


def community_in(text: str, names: CommunityNames) -> list[Place]:
    """The communities whose name the text mentions (one lookup per position and name
    length, whatever the number of communities); a name shared by communities of several
    streets is narrowed by the street or district name in the text."""
    found: dict[str, list[Place]] = {}
    for length in names.lengths:
        for start in range(len(text) - length + 1):
            name = text[start : start + length]
            if name in names.by_name and not any(name in longer for longer in found):
                found[name] = names.by_name[name]
    places = [p for group in found.values() for p in group]
    if len(places) > 1:
        narrowed = [p for p in places if p.street_name in text or p.district_name in text]
        places = narrowed or places
    if len(places) > 1:
        narrowed = [p for p in places if p.street_name in text]
        places = narrowed or places
    return places


@register
class HotlineImporter(ProblemImporterBase):
    """The 12345 hotline's work-order export: one problem per work order."""

    kind = "hotline"
    title = gettext_lazy("12345 hotline export")
    sheet_name = "12345工单"
    order = 61
    natural_key = ("external_ref",)
    source_fixed = ProblemSource.HOTLINE_12345
    columns = (
        Column(
            "external_ref", "工单编号", parsing.text(60), required=True,
            aliases=("工单号", "工单编码", "受理编号"), example="SZ2021091000123",
            label=gettext_lazy("Work-order number"),
        ),
        Column(
            "reported_at", "受理时间", parsing.datetime, required=True,
            aliases=("来电时间", "登记时间", "创建时间"), example="2021-09-10 09:31:22",
            label=gettext_lazy("Received at"),
        ),
        Column(
            "title", "诉求标题", cut_text(120), aliases=("标题", "工单标题"),
            label=gettext_lazy("Title"), example="小区垃圾长期无人清运",
        ),
        Column(
            "description", "诉求内容", cell_text, required=True, width=40,
            aliases=("问题描述", "来电内容", "诉求描述", "工单内容"),
            example="市民反映白云社区3栋旁垃圾堆积多日无人清运，气味难闻。",
            label=gettext_lazy("Request"),
        ),
        Column(
            "category", "诉求类型", cell_text, required=True, width=24,
            aliases=("问题分类", "诉求分类", "事项分类", "工单分类"),
            example="城市管理-环境卫生-垃圾清运", choices=category_names,
            label=gettext_lazy("Classification"),
            help=gettext_lazy("The hotline's classification, mapped onto our categories."),
        ),
        Column(
            "area", "所属区域", cell_text, aliases=("所属区县", "区域", "所属街道"), width=20,
            example="曾都区西城街道白云社区", label=gettext_lazy("Area"),
        ),
        Column(
            "address", "事发地址", cut_text(200), aliases=("地址", "问题地址", "诉求地址"), width=24,
            example="白云社区3栋旁", label=gettext_lazy("Address"),
        ),
        Column(
            "community", "社区代码", parsing.community_ref, aliases=("community_code",),
            choices=community_choices, label=gettext_lazy("Community code"),
            help=gettext_lazy("Optional: otherwise the community is found by name in the "
                              "area and address."),
        ),
        Column(
            "reporter_name", "联系人", cut_text(40), aliases=("来电人", "诉求人", "市民姓名"),
            label=gettext_lazy("Caller"), example="王先生",
        ),
        Column(
            "reporter_phone", "联系电话", phone_or_masked, aliases=("来电号码", "诉求人电话"),
            label=gettext_lazy("Caller phone"), example="13800000000",
        ),
        Column(
            "status", "办理状态", cell_text, aliases=("工单状态",), example="已派单",
            label=gettext_lazy("Handling status"),
            help=gettext_lazy("Not imported: the ledger's workflow tracks handling."),
        ),
        Column(
            "handler", "承办单位", cell_text, aliases=("办理单位",),
            label=gettext_lazy("Handling unit"),
            help=gettext_lazy("Not imported."),
        ),
    )  # fmt: skip
    rules = (
        gettext_lazy(
            "Every work order becomes a problem with the source 12345 hotline; its "
            "work-order number is the problem's source reference, so a second import of "
            "the same export adds nothing."
        ),
        gettext_lazy(
            "The hotline's classification is mapped onto our categories by a table; an "
            "unmapped classification is an error naming it."
        ),
        gettext_lazy(
            "The community is the one of the community code column, else the one whose "
            "name the area or the address mentions."
        ),
    )

    def prepare(self, ctx: Context) -> None:
        super().prepare(ctx)
        ctx.cache["names"] = community_names(ctx.cache["places"])

    def clean_row(self, values: dict[str, Any], ctx: Context) -> dict[str, Any]:
        values["source"] = self.source_fixed
        given = values["category"]
        code = hotline_category(given, ctx.cache["category_by_name"], ctx.cache["category_codes"])
        if code is None or code not in ctx.cache["category_codes"]:
            raise CellError(
                _("The classification “%(value)s” maps to none of our categories.")
                % {"value": given},
                "category",
            )
        values["category"] = code
        if values.get("community"):
            self._place(values["community"], ctx)
        else:
            values["community"] = self._find_place(values, ctx).code
        values.pop("status", None)
        values.pop("handler", None)
        return self._finish(values, ctx)

    def _find_place(self, values: dict[str, Any], ctx: Context) -> Place:
        names: CommunityNames = ctx.cache["names"]
        for key in ("area", "address"):
            text = values.get(key) or ""
            places = community_in(text, names)
            if len(places) == 1:
                return self._place(places[0].code, ctx, key)
            if len(places) > 1:
                raise CellError(
                    _("“%(text)s” names %(n)d communities (%(names)s); add the community code.")
                    % {
                        "text": text,
                        "n": len(places),
                        "names": "、".join(f"{p.street_name}{p.name}" for p in places[:5]),
                    },
                    key,
                )
        raise CellError(
            _("No community of the city is named in the area or the address; add the "
              "community code."),
            "area",
        )  # fmt: skip
