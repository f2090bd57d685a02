"""The bulletin (通报) as a document: its figures, the DOCX and the PDF.

- :func:`bulletin_figures` gathers every figure the document prints into a
  JSON-serialisable dict, from :mod:`gongzhi.stats.figures` and the inspection
  ranking (:func:`gongzhi.inspections.rankings.ranking_for` over the period); an
  issued bulletin freezes that dict. Nothing here adds up rows.
- :func:`figures_diff` lists the printed figures that differ between two such dicts.
- :func:`document_context` writes the figures out as the text the document prints
  (official number style: "6300余人次", "300余万元"); the Word template
  (docxtpl, :mod:`gongzhi.stats.bulletin_template`) and the PDF's HTML template are
  given the same context, so the two documents say the same. The fields are listed
  in docs/bulletin-template.md.
- :func:`render_docx` uses the Word template at ``BULLETIN_DOCX_TEMPLATE`` when set,
  else the bundled ``bulletin_templates/bulletin.docx``; :func:`render_pdf` prints
  ``bulletin_templates/bulletin.html`` with WeasyPrint in the Noto CJK SC fonts,
  embedded, and raises :class:`FontMissing` when they are not installed.

The bulletin is a Chinese document: its wording (the official formulae such as
"一、基本情况", "特此通报", "余") is document data, not interface text.
"""

from __future__ import annotations

import base64
import datetime as dt
import io
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.template import engines
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gongzhi.core.documents import (
    NOTO_SANS_SC,
    NOTO_SERIF_SC,
    FontMissing,
    check_fonts,
    html_to_pdf,
)
from gongzhi.core.money import format_wan, official_count, official_round
from gongzhi.stats import figures as stats
from gongzhi.stats.figures import MUNICIPAL, StatsFilter

if TYPE_CHECKING:
    from django.utils.functional import Promise

    from gongzhi.stats.models import Bulletin

__all__ = [
    "BulletinSpec",
    "FigureChange",
    "FontMissing",
    "TemplateBroken",
    "bulletin_figures",
    "document_context",
    "figures_diff",
    "render_docx",
    "render_pdf",
    "spec_for",
]

TEMPLATE_DIR = Path(__file__).resolve().parent / "bulletin_templates"
DOCX_TEMPLATE = TEMPLATE_DIR / "bulletin.docx"
HTML_TEMPLATE = TEMPLATE_DIR / "bulletin.html"

#: Version of the figures dict; an issued bulletin keeps the version it was issued with.
FIGURES_VERSION = 1
#: Filter fields of :class:`StatsFilter` besides the period.
FILTER_FIELDS = (
    "jurisdictions",
    "exclude_jurisdictions",
    "districts",
    "exclude_districts",
    "units",
    "communities",
    "categories",
)
#: Problem states still being dealt with (counted as "not yet closed").
OPEN_STATES = ("accepted", "dispatched", "in_progress", "handled")
DASH = "—"
#: Grades of the inspection ranking as the document prints them.
GRADE_NAMES = {"excellent": "优秀", "good": "良好", "fair": "一般", "poor": "较差"}
#: Units in the body's funds table (all of them are in annex 1).
FUNDS_TOP = 10
CHINESE_ORDINALS = "一二三四五六七八九十"


@dataclass(frozen=True)
class BulletinSpec:
    """What a bulletin is asked for."""

    filter: StatsFilter
    #: The session of the participation table (None: the first held session of the
    #: last month of the period that has one).
    session_id: int | None
    number: str
    title: str
    issuer: str
    problems_text: str = ""
    requirements_text: str = ""
    #: The date printed at the end; None for a draft (today).
    issued_on: dt.date | None = None


@dataclass(frozen=True)
class FigureChange:
    """One printed figure that differs between two sets of figures."""

    label: str
    was: str
    now: str


def spec_for(bulletin: Bulletin) -> BulletinSpec:
    """The spec of a stored bulletin (its period, filters, session and texts)."""
    from gongzhi.stats.filters import filter_from_json

    stored = bulletin.filters if isinstance(bulletin.filters, dict) else {}
    issued_on = timezone.localdate(bulletin.issued_at) if bulletin.issued_at else None
    return BulletinSpec(
        filter=filter_from_json(stored, start=bulletin.start, end=bulletin.end),
        session_id=bulletin.session_id,
        number=bulletin.number,
        title=bulletin.title,
        issuer=bulletin.issuer,
        problems_text=bulletin.problems_text,
        requirements_text=bulletin.requirements_text,
        issued_on=issued_on,
    )


# --- numbers as printed ------------------------------------------------------------------


def percent(rate: Fraction | None) -> str:
    """A rate as printed: ``93.5%`` (half up to 0.1 %), ``—`` when there is none."""
    if rate is None:
        return DASH
    value = (Decimal(rate.numerator) * 100 / Decimal(rate.denominator)).quantize(
        Decimal("0.1"), rounding=ROUND_HALF_UP
    )
    return f"{value}%"


def chinese_date(day: dt.date) -> str:
    """``2021-11-05`` → ``2021年11月5日`` (GB/T 9704-2012 writes dates in Arabic digits)."""
    return f"{day.year}年{day.month}月{day.day}日"


def chinese_ordinal(n: int) -> str:
    return CHINESE_ORDINALS[n - 1] if 1 <= n <= len(CHINESE_ORDINALS) else str(n)


# --- who the figures are about -----------------------------------------------------------


def _district_names(codes: set[str]) -> dict[str, str]:
    from gongzhi.areas.models import District

    if not codes:
        return {}
    return dict(District.objects.filter(code__in=codes).values_list("code", "name"))


def _districts_with_units() -> list[tuple[str, str]]:
    """(code, name) of the districts some unit belongs to, by code."""
    from gongzhi.areas.models import District

    rows = (
        District.objects.filter(units__isnull=False)
        .values_list("code", "name")
        .distinct()
        .order_by("code")
    )
    return list(rows)


def _listing(names: list[str]) -> str:
    return "、".join(names)


def filter_texts(f: StatsFilter) -> dict[str, Any]:
    """How the document names whom the figures count, and what the filter leaves out.

    ``subject``: 市直各机关企事业单位 when only municipal units are counted (by
    ``jurisdiction=municipal``, or by excluding every district that has units),
    ``曾都区所属单位`` for a district's units, 各机关企事业单位 otherwise.
    ``exclusion``: "（不含曾都区、随州高新区所属单位）" whenever units of a district
    are left out, and the communities' districts left out or kept, in the same style;
    empty when nothing is left out.
    """
    unit_districts = _districts_with_units()
    codes = {c for c in (*f.jurisdictions, *f.exclude_jurisdictions) if c != MUNICIPAL}
    codes |= set(f.districts) | set(f.exclude_districts)
    names = {**dict(unit_districts), **_district_names(codes - dict(unit_districts).keys())}

    def name(code: str) -> str:
        return names.get(code, code)

    included = set(f.jurisdictions)
    excluded = set(f.exclude_jurisdictions)
    district_codes = [code for code, _name in unit_districts]
    if included:
        left_out = [c for c in district_codes if c not in included]
    else:
        left_out = [c for c in district_codes if c in excluded]
    for code in sorted(excluded - set(district_codes) - {MUNICIPAL}):
        left_out.append(code)
    municipal_counted = (not included or MUNICIPAL in included) and MUNICIPAL not in excluded
    districts_counted = [
        c for c in district_codes if c not in left_out and (not included or c in included)
    ]
    if municipal_counted and not districts_counted:
        subject = "市直各机关企事业单位"
    elif not municipal_counted and districts_counted:
        subject = _listing([name(c) for c in districts_counted]) + "所属单位"
    else:
        subject = "各机关企事业单位"
    notes = []
    if not municipal_counted and districts_counted:
        notes.append("市直单位")
    if left_out:
        notes.append(_listing([name(c) for c in left_out]) + "所属单位")
    if f.exclude_districts:
        notes.append(_listing([name(c) for c in f.exclude_districts]) + "辖区社区")
    exclusion = f"（不含{'、'.join(notes)}）" if notes else ""
    if f.districts:
        exclusion += f"（仅统计{_listing([name(c) for c in f.districts])}辖区社区）"
    if f.units or f.communities or f.categories:
        exclusion += "（按所选单位、社区或问题类别统计）"
    return {"subject": subject, "exclusion": exclusion}


def _unit_codes(f: StatsFilter) -> set[str] | None:
    """Credit codes of the units the filter counts; None when it counts every unit."""
    from django.db.models import Q

    from gongzhi.units.models import Unit

    if not (f.jurisdictions or f.exclude_jurisdictions or f.units):
        return None
    q = Q()
    if f.jurisdictions:
        wanted = Q(jurisdiction__code__in=[c for c in f.jurisdictions if c != MUNICIPAL])
        if MUNICIPAL in f.jurisdictions:
            wanted |= Q(jurisdiction__isnull=True)
        q &= wanted
    if f.exclude_jurisdictions:
        codes = [c for c in f.exclude_jurisdictions if c != MUNICIPAL]
        q &= ~Q(jurisdiction__code__in=codes) | Q(jurisdiction__isnull=True)
        if MUNICIPAL in f.exclude_jurisdictions:
            q &= Q(jurisdiction__isnull=False)
    if f.units:
        q &= Q(code__in=f.units)
    return set(Unit.objects.filter(q).values_list("code", flat=True))


# --- the figures ---------------------------------------------------------------------------


def _session_choice(
    spec: BulletinSpec, series: list[stats.SessionPoint]
) -> tuple[int, dt.date] | None:
    """The session of the participation table: the spec's, else the first held session of
    the last month of the period that has one."""
    if spec.session_id is not None:
        for point in series:
            if point.session_id == spec.session_id:
                return point.session_id, point.date
        from gongzhi.campaigns.models import Session

        day = Session.objects.filter(pk=spec.session_id).values_list("date", flat=True).first()
        return (spec.session_id, day) if day is not None else None
    if not series:
        return None
    last = max(point.date for point in series)
    month = [p for p in series if (p.date.year, p.date.month) == (last.year, last.month)]
    first = min(month, key=lambda p: (p.date, p.session_id))
    return first.session_id, first.date


def _ranking(f: StatsFilter) -> dict[str, Any] | None:
    """The inspection ranking over the period (inspections dated in it), limited to the
    units the filter counts; the red and black lists as the ranking marks them."""
    from gongzhi.inspections.rankings import Span, ranking_for

    ranking = ranking_for(Span.period(f.start, f.end))
    if not ranking.ranked:
        return None
    codes = _unit_codes(f)

    def kept(standing: Any) -> bool:
        return codes is None or standing.unit.code in codes

    def row(standing: Any) -> dict[str, Any]:
        return {
            "rank": standing.rank,
            "unit_code": standing.unit.code,
            "unit_name": standing.unit.display_name,
            "inspections": standing.inspections,
            "total": str(standing.total),
            "grade": str(standing.grade),
            "rectification": percent(standing.rectification.rate),
        }

    ranked = [row(s) for s in ranking.ranked if kept(s)]
    if not ranked:
        return None
    return {
        "rounds": [r.number for r in ranking.rounds],
        "provisional": ranking.provisional,
        "ranked": ranked,
        "red": [row(s) for s in ranking.red if kept(s)],
        "black": [row(s) for s in ranking.black if kept(s)],
        "not_inspected": len(
            [n for n in ranking.not_inspected if codes is None or n.unit.code in codes]
        ),
    }


def bulletin_figures(spec: BulletinSpec) -> dict[str, Any]:
    """Every figure the bulletin prints, as plain JSON values (what issuing freezes).

    The figures are those of :mod:`gongzhi.stats.figures` over the whole city (no
    reader's scope: a bulletin is the office's document) under the spec's filter, and
    the inspection ranking of the inspections dated in the period.
    """
    f = spec.filter
    summary = stats.summary(f)
    units = summary.by_unit or stats.by_unit(f)
    series = stats.session_series(f)
    categories = stats.problems_by_category(f)
    choice = _session_choice(spec, series)
    session: dict[str, Any] | None = None
    if choice is not None:
        session_id, day = choice
        rows = stats.session_table(session_id, f)
        same_month = sorted(
            (p.date, p.session_id)
            for p in series
            if (p.date.year, p.date.month) == (day.year, day.month)
        )
        order = [sid for _day, sid in same_month]
        point = next((p for p in series if p.session_id == session_id), None)
        session = {
            "id": session_id,
            "date": day.isoformat(),
            "nth_in_month": order.index(session_id) + 1 if session_id in order else None,
            # The session's person-times under the filter (its total row).
            "headcount": point.person_times if point else sum(r.headcount for r in rows),
            "rows": [
                {
                    "unit_code": r.unit_code,
                    "unit_name": r.unit_name,
                    "headcount": r.headcount,
                    "communities": r.communities,
                    "leader_name": r.leader_name,
                    "principal_leader_led": r.principal_leader_led,
                }
                for r in rows
            ],
        }
    problems = summary.problems
    funded = sorted((u for u in units if u.funds_fen), key=lambda u: (-u.funds_fen, u.unit_code))
    return {
        "version": FIGURES_VERSION,
        "start": f.start.isoformat(),
        "end": f.end.isoformat(),
        "filter": {name: list(getattr(f, name)) for name in FILTER_FIELDS},
        **filter_texts(f),
        "person_times": summary.person_times,
        "sessions_held": summary.sessions_held,
        "units_expected": summary.participation.units_expected,
        "units_attended": summary.participation.units_attended,
        "participation_rate": percent(summary.participation.rate),
        "funds_fen": summary.funds_fen,
        "first_session": series[0].date.isoformat() if series else None,
        "series": [
            {
                "session_id": p.session_id,
                "date": p.date.isoformat(),
                "person_times": p.person_times,
                "units_attended": p.participation.units_attended,
                "units_expected": p.participation.units_expected,
            }
            for p in series
        ],
        "session": session,
        "problems": {
            "reported": problems.reported,
            "accepted": problems.accepted,
            "closed": problems.closed,
            "open": sum(problems.by_state.get(state, 0) for state in OPEN_STATES),
            "closure_rate": percent(problems.closure_rate),
            "on_time_rate": percent(problems.on_time_rate),
            "median_days_to_close": (
                None
                if problems.median_days_to_close is None
                else round(float(problems.median_days_to_close), 1)
            ),
            "satisfaction_rate": percent(problems.satisfaction_rate),
            "by_category": [
                {
                    "code": c.category_code,
                    "name": c.category_name,
                    "reported": c.reported,
                    "closed": c.closed,
                    "closure_rate": percent(c.closure_rate),
                    "on_time_rate": percent(c.on_time_rate),
                }
                for c in categories
            ],
        },
        "funds_by_unit": [
            {"unit_code": u.unit_code, "unit_name": u.unit_name, "funds_fen": u.funds_fen}
            for u in funded
        ],
        "units": [
            {
                "unit_code": u.unit_code,
                "unit_name": u.unit_name,
                "person_times": u.person_times,
                "sessions_attended": u.sessions_attended,
                "funds_fen": u.funds_fen,
            }
            for u in sorted(units, key=lambda u: (-u.person_times, u.unit_code))
        ],
        "ranking": _ranking(f),
    }


# --- differences ---------------------------------------------------------------------------


def _labels() -> dict[str, Promise]:
    return {
        "person_times": gettext_lazy("Person-times"),
        "sessions_held": gettext_lazy("Sessions held"),
        "units_expected": gettext_lazy("Units expected"),
        "units_attended": gettext_lazy("Units attended"),
        "participation_rate": gettext_lazy("Participation rate"),
        "funds_fen": gettext_lazy("Funds"),
        "problems.reported": gettext_lazy("Problems reported"),
        "problems.accepted": gettext_lazy("Problems accepted"),
        "problems.closed": gettext_lazy("Problems closed"),
        "problems.open": gettext_lazy("Problems not yet closed"),
        "problems.closure_rate": gettext_lazy("Closure rate"),
        "problems.on_time_rate": gettext_lazy("On-time rate"),
        "problems.median_days_to_close": gettext_lazy("Median days to close"),
        "problems.satisfaction_rate": gettext_lazy("Satisfaction rate"),
    }


def _shown(key: str, value: Any) -> str:
    if value is None:
        return DASH
    if key.endswith("funds_fen"):
        return format_wan(int(value))
    return str(value)


def _flat(figures: dict[str, Any]) -> dict[str, Any]:
    flat = {k: v for k, v in figures.items() if not isinstance(v, dict | list)}
    for key, value in (figures.get("problems") or {}).items():
        if not isinstance(value, list):
            flat[f"problems.{key}"] = value
    return flat


def _rows(figures: dict[str, Any], key: str, id_key: str) -> dict[str, dict[str, Any]]:
    value: Any = figures
    for part in key.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return {str(row[id_key]): row for row in value or [] if isinstance(row, dict)}


def figures_diff(old: dict[str, Any], new: dict[str, Any]) -> list[FigureChange]:
    """Each printed figure whose value differs between ``old`` (as issued) and ``new``
    (as the data gives it now), labelled in the reader's language; empty when the
    document would print the same figures."""
    changes: list[FigureChange] = []
    labels = _labels()
    flat_old, flat_new = _flat(old), _flat(new)
    for key, label in labels.items():
        was, now = flat_old.get(key), flat_new.get(key)
        if was != now:
            changes.append(FigureChange(str(label), _shown(key, was), _shown(key, now)))

    def table(key: str, id_key: str, fields: dict[str, Any], title: Any) -> None:
        before, after = _rows(old, key, id_key), _rows(new, key, id_key)
        for ident in [*before, *(k for k in after if k not in before)]:
            a, b = before.get(ident, {}), after.get(ident, {})
            name = str(b.get("unit_name") or b.get("name") or a.get("unit_name") or a.get("name"))
            for field, field_label in fields.items():
                if a.get(field) != b.get(field):
                    changes.append(
                        FigureChange(
                            f"{title} · {name} · {field_label}",
                            _shown(field, a.get(field)),
                            _shown(field, b.get(field)),
                        )
                    )

    old_session, new_session = old.get("session") or {}, new.get("session") or {}
    if old_session.get("id") == new_session.get("id"):
        table(
            "session.rows",
            "unit_code",
            {"headcount": gettext_lazy("people"), "communities": gettext_lazy("communities")},
            gettext_lazy("Session %(date)s") % {"date": old_session.get("date", "")},
        )
    else:
        changes.append(
            FigureChange(
                str(gettext_lazy("Session of the participation table")),
                str(old_session.get("date") or DASH),
                str(new_session.get("date") or DASH),
            )
        )
    table(
        "units",
        "unit_code",
        {
            "person_times": gettext_lazy("person-times"),
            "sessions_attended": gettext_lazy("sessions attended"),
            "funds_fen": gettext_lazy("funds"),
        },
        gettext_lazy("Unit"),
    )
    table(
        "problems.by_category",
        "code",
        {"reported": gettext_lazy("reported"), "closed": gettext_lazy("closed")},
        gettext_lazy("Category"),
    )
    old_ranking, new_ranking = old.get("ranking") or {}, new.get("ranking") or {}
    for key, label in (
        ("red", gettext_lazy("Red list")),
        ("black", gettext_lazy("Black list")),
    ):
        was = _listing([r["unit_name"] for r in old_ranking.get(key) or []])
        now = _listing([r["unit_name"] for r in new_ranking.get(key) or []])
        if was != now:
            changes.append(FigureChange(str(label), was or DASH, now or DASH))
    table(
        "ranking.ranked",
        "unit_code",
        {"rank": gettext_lazy("rank"), "total": gettext_lazy("score")},
        gettext_lazy("Ranking"),
    )
    return changes


# --- the text of the document --------------------------------------------------------------


def _date(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


def session_label(session: dict[str, Any] | None) -> str:
    """``9月份第一次活动`` (or ``9月10日的活动`` when the session is not one of the period's)."""
    if not session:
        return ""
    day = dt.date.fromisoformat(session["date"])
    if session.get("nth_in_month"):
        return f"{day.month}月份第{chinese_ordinal(int(session['nth_in_month']))}次活动"
    return f"{day.month}月{day.day}日的活动"


def opening_month(figures: dict[str, Any]) -> int:
    """The month the activity began: that of the period's first held session (else of
    the period's start)."""
    begun = _date(figures.get("first_session")) or dt.date.fromisoformat(figures["start"])
    return begun.month


def opening_sentence(figures: dict[str, Any]) -> str:
    """``活动自7月份开展以来，市直各机关企事业单位累计投入人力达6300余人次，
    累计投入资金300余万元（不含曾都区、随州高新区所属单位）。``"""
    return (
        f"活动自{opening_month(figures)}月份开展以来，{figures['subject']}累计投入人力达"
        f"{official_count(figures['person_times'])}，累计投入资金"
        f"{official_round(figures['funds_fen'])}{figures['exclusion']}。"
    )


def _default_problems(figures: dict[str, Any]) -> list[str]:
    problems = figures["problems"]
    lines = []
    if problems["reported"]:
        text = (
            f"期间共发现各类问题{problems['reported']}件，已办结{problems['closed']}件，"
            f"办结率{problems['closure_rate']}，按期办结率{problems['on_time_rate']}"
        )
        if problems["open"]:
            text += f"，尚有{problems['open']}件正在办理，个别问题整改进度滞后"
        lines.append(text + "。")
    rate = figures["participation_rate"]
    if figures["units_expected"] and figures["units_attended"] < figures["units_expected"]:
        lines.append(
            f"部分单位参与不够积极，期间应参与单位{figures['units_expected']}个次、"
            f"实际参与{figures['units_attended']}个次，参与率{rate}。"
        )
    ranking = figures.get("ranking") or {}
    if ranking.get("black"):
        lines.append(
            "个别单位思想认识不到位、组织实施不到位、整治成效不明显，督查得分靠后，"
            f"{_listing([r['unit_name'] for r in ranking['black']])}列入黑榜。"
        )
    return lines or ["各单位总体按要求开展活动，未发现突出问题。"]


DEFAULT_REQUIREMENTS = (
    "各单位要进一步提高思想认识，坚持每月第二周、第四周周五下午下沉结对社区开展环境治理活动，"
    "主要负责同志要带头参与，确保人员、时间、效果落实到位。",
    "各单位要聚焦垃圾死角、乱堆乱放、枯枝杂草、楼栋“牛皮癣”等突出问题，建立问题台账，"
    "明确整改时限，按期办结，做到问题不解决不放过。",
    "市创城办将持续开展督查，督查结果纳入年度考核。",
)
#: Added to the default requirements when the black list names units.
BLACK_LIST_REQUIREMENT = (
    "列入黑榜的单位要认真查找原因，制定整改措施，整改情况于下次活动后书面报市创城办。"
)


def _paragraphs(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def _unit_list(rows: list[dict[str, Any]], value: str, suffix: str, limit: int) -> str:
    return "、".join(f"{r['unit_name']}{r[value]}{suffix}" for r in rows[:limit])


def document_context(spec: BulletinSpec, figures: dict[str, Any]) -> dict[str, Any]:
    """What the Word and HTML templates are given (see docs/bulletin-template.md)."""
    issued = spec.issued_on or timezone.localdate()
    session = figures.get("session")
    problems = figures["problems"]
    ranking = figures.get("ranking")
    session_rows = [
        {
            **row,
            "index": index,
            "leader": row["leader_name"] or DASH,
            "led_text": "是" if row["principal_leader_led"] else "否",
        }
        for index, row in enumerate((session or {}).get("rows") or [], start=1)
    ]
    by_headcount = sorted(session_rows, key=lambda r: (-r["headcount"], r["unit_code"]))
    session_name = session_label(session)
    session_text = ""
    if session:
        day = dt.date.fromisoformat(session["date"])
        session_text = (
            f"{session_name}（{day.month}月{day.day}日）中，共有{len(session_rows)}个单位"
            f"参与，投入人力{session['headcount']}人次"
            + (f"，其中{_unit_list(by_headcount, 'headcount', '人', 6)}" if session_rows else "")
            + "。各单位参与情况见下表。"
        )
    category_rows = [
        {**row, "index": index} for index, row in enumerate(problems["by_category"], start=1)
    ]
    problems_text = (
        f"期间共发现各类问题{problems['reported']}件，立案{problems['accepted']}件，"
        f"办结{problems['closed']}件，办结率{problems['closure_rate']}，"
        f"按期办结率{problems['on_time_rate']}"
        + (
            f"，办结用时中位数{problems['median_days_to_close']}天"
            if problems["median_days_to_close"] is not None
            else ""
        )
        + f"，群众满意率{problems['satisfaction_rate']}。"
    )
    funds_rows = [
        {**row, "index": index, "funds_text": format_wan(row["funds_fen"])}
        for index, row in enumerate(figures["funds_by_unit"], start=1)
    ]
    funds_text = (
        f"期间各单位累计投入资金{official_round(figures['funds_fen'])}"
        + (f"，其中{_unit_list(funds_rows, 'funds_text', '', 4)}" if funds_rows else "")
        + "。"
    )

    def graded(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [{**row, "grade": GRADE_NAMES.get(row["grade"], row["grade"])} for row in rows]

    ranked_rows = graded((ranking or {}).get("ranked") or [])
    red = graded((ranking or {}).get("red") or [])
    black = graded((ranking or {}).get("black") or [])
    ranking_text = ""
    if ranking:
        rounds = ranking["rounds"]
        ranking_text = (
            f"期间各检查督导组共开展{len(rounds)}轮督查，从思想认识到位、组织实施到位、"
            f"整治成效到位三个方面对{len(ranked_rows)}个单位进行了打分排名"
            + ("（部分轮次尚未结束，排名为暂定结果）" if ranking["provisional"] else "")
            + "。"
        )
    annex_rows = [
        {**row, "index": index, "funds_text": format_wan(row["funds_fen"])}
        for index, row in enumerate(figures["units"], start=1)
    ]
    return {
        "issuer": spec.issuer,
        "number": spec.number,
        "title": spec.title,
        "date_text": chinese_date(issued),
        "period_text": f"{chinese_date(dt.date.fromisoformat(figures['start']))}至"
        f"{chinese_date(dt.date.fromisoformat(figures['end']))}",
        "subject": figures["subject"],
        "exclusion": figures["exclusion"],
        "opening": opening_sentence(figures),
        "person_times_text": official_count(figures["person_times"]),
        "funds_total_text": official_round(figures["funds_fen"]),
        "sessions_held": figures["sessions_held"],
        "participation_text": (
            f"期间共开展活动{figures['sessions_held']}次，应参与单位{figures['units_expected']}个次，"
            f"实际参与{figures['units_attended']}个次，参与率{figures['participation_rate']}。"
        ),
        "has_session": bool(session),
        "session_name": session_name,
        "session_text": session_text,
        "session_rows": session_rows,
        "session_total": (session or {}).get("headcount", 0),
        "has_categories": bool(category_rows),
        "problems_text": problems_text,
        "category_rows": category_rows,
        "has_funds": bool(funds_rows),
        "funds_text": funds_text,
        "funds_rows": funds_rows,
        "funds_top_rows": funds_rows[:FUNDS_TOP],
        "funds_total": format_wan(figures["funds_fen"]),
        "has_ranking": bool(ranking),
        "ranking_text": ranking_text,
        "ranked_rows": ranked_rows,
        "red_text": _listing([r["unit_name"] for r in red]) or "无",
        "black_text": _listing([r["unit_name"] for r in black]) or "无",
        "red_rows": red,
        "black_rows": black,
        "issues": _paragraphs(spec.problems_text) or _default_problems(figures),
        "requirements": _paragraphs(spec.requirements_text)
        or [*DEFAULT_REQUIREMENTS, *([BLACK_LIST_REQUIREMENT] if black else [])],
        "annex_rows": annex_rows,
        "annex_person_times": figures["person_times"],
        "annex_funds": format_wan(figures["funds_fen"]),
    }


def chart_images(figures: dict[str, Any]) -> dict[str, bytes]:
    """The charts as PNG bytes: ``chart_sessions``, ``chart_categories``."""
    from gongzhi.stats import charts

    return {
        "chart_sessions": charts.sessions_chart(figures["series"]),
        "chart_categories": charts.categories_chart(figures["problems"]["by_category"]),
    }


# --- DOCX ----------------------------------------------------------------------------------


def docx_template_source() -> str | io.BytesIO:
    """The Word template in use: the file at ``BULLETIN_DOCX_TEMPLATE`` when set, else the
    bundled one (built if it is missing; in memory when the package is read-only)."""
    configured = getattr(settings, "BULLETIN_DOCX_TEMPLATE", None)
    if configured:
        return str(configured)
    if not DOCX_TEMPLATE.exists():
        from gongzhi.stats.bulletin_template import build_docx_template

        try:
            build_docx_template(DOCX_TEMPLATE)
        except OSError:
            buffer = io.BytesIO()
            build_docx_template(buffer)
            buffer.seek(0)
            return buffer
    return str(DOCX_TEMPLATE)


class TemplateBroken(RuntimeError):
    """The Word template cannot be read or has a broken tag: say which, and why."""

    def __init__(self, source: str, error: Exception) -> None:
        self.source = source
        super().__init__(
            _("The Word template of bulletins (%(source)s) cannot be used: %(error)s")
            % {"source": source, "error": error}
        )


def render_docx(spec: BulletinSpec, figures: dict[str, Any]) -> bytes:
    """The bulletin as a Word document (GB/T 9704 layout, official fonts named).

    Raises :class:`TemplateBroken` when the office's template cannot be opened or has a
    broken tag."""
    from docx.opc.exceptions import PackageNotFoundError
    from docx.shared import Mm
    from docxtpl import DocxTemplate, InlineImage
    from jinja2 import TemplateError
    from jinja2.sandbox import SandboxedEnvironment

    source = docx_template_source()
    name = source if isinstance(source, str) else str(DOCX_TEMPLATE)
    context = document_context(spec, figures)
    images = chart_images(figures)
    try:
        template = DocxTemplate(source)
        for key, png in images.items():
            context[key] = InlineImage(template, io.BytesIO(png), width=Mm(150))
        # The template is the office's to edit: run it sandboxed, and escape every value.
        template.render(context, jinja_env=SandboxedEnvironment(autoescape=True), autoescape=True)
    except (TemplateError, PackageNotFoundError, OSError, KeyError, ValueError) as exc:
        raise TemplateBroken(name, exc) from exc
    buffer = io.BytesIO()
    template.save(buffer)
    return buffer.getvalue()


# --- PDF -----------------------------------------------------------------------------------


def render_html(spec: BulletinSpec, figures: dict[str, Any]) -> str:
    """The bulletin as the HTML the PDF is printed from (charts as ``data:`` URIs)."""
    context = document_context(spec, figures)
    for name, png in chart_images(figures).items():
        context[name] = "data:image/png;base64," + base64.b64encode(png).decode("ascii")
    context["serif_font"], context["sans_font"] = NOTO_SERIF_SC, NOTO_SANS_SC
    template = engines["django"].from_string(HTML_TEMPLATE.read_text(encoding="utf-8"))
    return template.render(context)


def render_pdf(spec: BulletinSpec, figures: dict[str, Any]) -> bytes:
    """The bulletin as a PDF in Noto Serif / Sans CJK SC, embedded.

    Raises :class:`FontMissing` (naming the font and the apt command) when a font is
    not installed, instead of printing wrong glyphs."""
    check_fonts(NOTO_SERIF_SC, NOTO_SANS_SC)
    return html_to_pdf(render_html(spec, figures))
