"""A small hand-built city whose figures are worked out by hand below.

Areas: 曾都区 (421303) with 西城街道 and its communities C1 白云社区, C2 青云社区;
随州高新区 (421390) with 高新街道 and C3 东城社区. Units: M1 市市场监管局 and
M2 市住建局 (municipal), Z1 曾都区住建局 (of 曾都区), G1 高新区城管局 (of 随州高新区).

Pairings: M1–C1 since 2021-01-01; M2–C3 from 2021-07-15 (paired mid-period);
Z1–C2 since 2021-01-01; G1–C3 until 2021-07-31 (ends mid-period).

Sessions of the city-wide campaign (period July–August 2021):

===========  ==========  ==========================================  ======
session      status      attendance (unit@community: headcount)       total
===========  ==========  ==========================================  ======
S1 07-09     held        M1@C1 10, Z1@C2 5, G1@C3 7                   22
S2 07-23     held        M1@C1 12→14 (office correction), M1@C2 3      29
                         (added, not paired), M2@C3 8, G1@C3 4
S3 08-13     cancelled   M1@C1 20 (counts nowhere)                    —
S4 08-27     held        M1@C1 9, Z1@C2 6, G1@C3 2 (added: pairing     17
                         ended); M2 absent
S5 09-10     held        M1@C1 100 (outside the period)               —
===========  ==========  ==========================================  ======

Person-times 68; municipal 44 (= excluding both districts' units); 曾都区
communities 47, the others 21. Sessions held 3. Participation: S1 3 of 3
expected, S2 3 of 4 (Z1 absent), S4 2 of 3 (M2 absent; G1 not expected) →
8 of 10; municipal units 4 of 5.

Funds (fen): M1@C1 07-10 8,000,000; Z1@C2 08-01 1,000,000; M2@C3 08-31 500,050;
outside: M1@C1 06-30 1,000,000; archived: M2@C3 07-20 300,000 → 9,500,050 in the
period, municipal 8,500,050; July 8,000,000, August 1,500,050.

Problems (created at, Asia/Shanghai):

====  ===========  ====  ====  ==========  ========  ================================
no.   created      comm  cat   state       units     other
====  ===========  ====  ====  ==========  ========  ================================
P1    07-01 00:30  C1    A     closed      M1        deadline 07-10, handled 07-08,
                                                     closed 07-09 00:30 (8 d), 满意
P2    07-05 10:00  C1    A     closed      M1        deadline 07-08, handled 07-12
                                                     (late), closed 07-15 10:00
                                                     (10 d), 基本满意
P3    07-10 08:00  C2    B     closed      Z1        no deadline (on time), closed
                                                     07-12 08:00 (2 d), 不满意
P4    08-01 09:00  C3    B     dispatched  M2, G1
P5    08-02 09:00  C3    A     rejected    —
P6    08-03 09:00  C1    A     duplicate   —         of P1
P7    08-31 23:30  C2    B     reported    —
P8    06-30 23:30  C1    A     closed      M1        outside the period
P9    08-05 09:00  C3    B     parked      G1
====  ===========  ====  ====  ==========  ========  ================================

Reported 8, accepted 5 (P1 P2 P3 P4 P9), closed 3: closure 3/5, on time 2/3,
median 8 days, satisfaction 2/3.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from gongzhi.activities import services as attendance_services
from gongzhi.activities.models import Attendance, Contribution
from gongzhi.areas.models import Community, District, Street
from gongzhi.campaigns import services as campaign_services
from gongzhi.campaigns.models import Campaign, Session, SessionStatus
from gongzhi.core.models import Role, User
from gongzhi.problems.models import Category, Dispatch, Problem, ProblemState
from gongzhi.stats.figures import StatsFilter
from gongzhi.units.models import Pairing, Unit, UnitKind
from tests.factories import make_credit_code, make_user

SHANGHAI = ZoneInfo("Asia/Shanghai")
JULY_1, AUGUST_31 = dt.date(2021, 7, 1), dt.date(2021, 8, 31)
PERIOD = StatsFilter(start=JULY_1, end=AUGUST_31)

ZENGDU, GAOXIN = "421303", "421390"


def at(month: int, day: int, hour: int = 9, minute: int = 0) -> dt.datetime:
    """A moment of 2021 in Asia/Shanghai."""
    return dt.datetime(2021, month, day, hour, minute, tzinfo=SHANGHAI)


@dataclass
class FigureCity:
    zengdu: District
    gaoxin: District
    c1: Community
    c2: Community
    c3: Community
    m1: Unit
    m2: Unit
    z1: Unit
    g1: Unit
    campaign: Campaign
    sessions: dict[str, Session]
    attendance: dict[str, Attendance]
    problems: dict[str, Problem]
    cat_a: Category
    cat_b: Category
    users: dict[str, User] = field(default_factory=dict)


def _unit(name: str, short: str, jurisdiction: District | None) -> Unit:
    return Unit.objects.create(
        code=make_credit_code(),
        name=name,
        short_name=short,
        kind=UnitKind.AGENCY,
        jurisdiction=jurisdiction,
    )


def _session(campaign: Campaign, day: dt.date) -> Session:
    return Session.objects.create(
        campaign=campaign,
        slot_date=day,
        date=day,
        start_time=dt.time(14, 30),
        end_time=dt.time(17, 30),
    )


def build_figure_city() -> FigureCity:
    zengdu = District.objects.create(code=ZENGDU, name="曾都区")
    gaoxin = District.objects.create(code=GAOXIN, name="随州高新区", is_local_code=True)
    xicheng = Street.objects.create(code="421303001", name="西城街道", district=zengdu)
    gx_street = Street.objects.create(code="421390001", name="高新街道", district=gaoxin)
    c1 = Community.objects.create(code="421303001001", name="白云社区", street=xicheng)
    c2 = Community.objects.create(code="421303001002", name="青云社区", street=xicheng)
    c3 = Community.objects.create(code="421390001001", name="东城社区", street=gx_street)

    m1 = _unit("随州市市场监督管理局", "市市场监管局", None)
    m2 = _unit("随州市住房和城乡建设局", "市住建局", None)
    z1 = _unit("曾都区住房和城乡建设局", "曾都区住建局", zengdu)
    g1 = _unit("随州高新区城市管理局", "高新区城管局", gaoxin)

    Pairing.objects.create(unit=m1, community=c1, start=dt.date(2021, 1, 1))
    Pairing.objects.create(unit=m2, community=c3, start=dt.date(2021, 7, 15))
    Pairing.objects.create(unit=z1, community=c2, start=dt.date(2021, 1, 1))
    Pairing.objects.create(
        unit=g1, community=c3, start=dt.date(2021, 1, 1), end=dt.date(2021, 7, 31)
    )

    users = {
        "office": make_user("office", Role.OFFICE),
        "leader": make_user("leader", Role.LEADER),
        "district": make_user("district", Role.DISTRICT, district=zengdu),
        "street": make_user("street", Role.STREET, street=xicheng),
        "community": make_user("community", Role.COMMUNITY, community=c3),
        "unit": make_user("unit", Role.UNIT, unit=m1),
        "inspector": make_user("inspector", Role.INSPECTOR),
        "member": make_user("member", Role.MEMBER, unit=m1),
        "nobody": make_user("nobody"),
    }

    campaign = Campaign.objects.create(
        slug="friday", name="周五环境治理活动", start=dt.date(2021, 7, 1), nth=[2, 4]
    )
    days = {
        "S1": dt.date(2021, 7, 9),
        "S2": dt.date(2021, 7, 23),
        "S3": dt.date(2021, 8, 13),
        "S4": dt.date(2021, 8, 27),
        "S5": dt.date(2021, 9, 10),
    }
    sessions = {key: _session(campaign, day) for key, day in days.items()}

    rows: dict[str, tuple[str, Unit, Community, int, dict[str, Any]]] = {
        "S1-M1": ("S1", m1, c1, 10, {"leader_name": "王局长", "principal_leader_led": True}),
        "S1-Z1": ("S1", z1, c2, 5, {}),
        "S1-G1": ("S1", g1, c3, 7, {}),
        "S2-M1": ("S2", m1, c1, 12, {"leader_name": "李科长"}),
        "S2-M1-C2": ("S2", m1, c2, 3, {"expected": False, "added_reason": "支援青云社区"}),
        "S2-M2": ("S2", m2, c3, 8, {}),
        "S2-G1": ("S2", g1, c3, 4, {}),
        "S3-M1": ("S3", m1, c1, 20, {}),
        "S4-M1": ("S4", m1, c1, 9, {}),
        "S4-Z1": ("S4", z1, c2, 6, {}),
        "S4-G1": ("S4", g1, c3, 2, {"expected": False, "added_reason": "结对期满仍参加"}),
        "S5-M1": ("S5", m1, c1, 100, {}),
    }
    attendance = {
        key: Attendance.objects.create(
            session=sessions[s], unit=unit, community=community, headcount=n, **extra
        )
        for key, (s, unit, community, n, extra) in rows.items()
    }
    office = users["office"]
    attendance["S2-M1"] = attendance_services.attendance_correct(
        user=office,
        attendance_id=attendance["S2-M1"].pk,
        reason="复核签到表，实到14人",
        headcount=14,
    )
    campaign_services.session_cancel(user=office, session=sessions["S3"], reason="暴雨预警")
    sessions["S3"].refresh_from_db()
    assert sessions["S3"].status == SessionStatus.CANCELLED

    for unit, community, day, fen, archived in (
        (m1, c1, dt.date(2021, 7, 10), 8_000_000, False),
        (z1, c2, dt.date(2021, 8, 1), 1_000_000, False),
        (m2, c3, dt.date(2021, 8, 31), 500_050, False),
        (m1, c1, dt.date(2021, 6, 30), 1_000_000, False),
        (m2, c3, dt.date(2021, 7, 20), 300_000, True),
    ):
        Contribution.objects.create(
            unit=unit,
            community=community,
            date=day,
            amount_fen=fen,
            archived_at=at(8, 1) if archived else None,
        )

    cat_a = Category.objects.create(
        code="piled_debris", name="乱堆乱放杂物", group="four_cleanups", ordering=1
    )
    cat_b = Category.objects.create(
        code="dead_branches_weeds", name="枯枝杂草", group="four_cleanups", ordering=2
    )
    problems = _problems(c1=c1, c2=c2, c3=c3, a=cat_a, b=cat_b, m1=m1, m2=m2, z1=z1, g1=g1)
    return FigureCity(
        zengdu=zengdu,
        gaoxin=gaoxin,
        c1=c1,
        c2=c2,
        c3=c3,
        m1=m1,
        m2=m2,
        z1=z1,
        g1=g1,
        campaign=campaign,
        sessions=sessions,
        attendance=attendance,
        problems=problems,
        cat_a=cat_a,
        cat_b=cat_b,
        users=users,
    )


def _problems(**k: Any) -> dict[str, Problem]:
    c1, c2, c3, a, b = k["c1"], k["c2"], k["c3"], k["a"], k["b"]
    m1, m2, z1, g1 = k["m1"], k["m2"], k["z1"], k["g1"]
    closed, d = ProblemState.CLOSED, dt.date

    def p(
        created: dt.datetime,
        community: Community,
        category: Category,
        state: str,
        units: list[Unit],
        source: str,
        **extra: Any,
    ) -> dict[str, Any]:
        return {
            "created": created,
            "community": community,
            "category": category,
            "state": state,
            "units": units,
            "source": source,
            **extra,
        }

    spec: dict[str, dict[str, Any]] = {
        "P1": p(at(7, 1, 0, 30), c1, a, closed, [m1], "resident_report",
                deadline=d(2021, 7, 10), handled_at=at(7, 8, 15), closed_at=at(7, 9, 0, 30),
                satisfaction="satisfied"),
        "P2": p(at(7, 5, 10), c1, a, closed, [m1], "grassroots_visit",
                deadline=d(2021, 7, 8), handled_at=at(7, 12, 16), closed_at=at(7, 15, 10),
                satisfaction="basically_satisfied"),
        "P3": p(at(7, 10, 8), c2, b, closed, [z1], "community_patrol",
                deadline=None, handled_at=at(7, 11, 16), closed_at=at(7, 12, 8),
                satisfaction="dissatisfied", reopened_by_rating=True),
        "P4": p(at(8, 1), c3, b, ProblemState.DISPATCHED, [m2, g1], "hotline_12345",
                deadline=d(2021, 8, 10)),
        "P5": p(at(8, 2), c3, a, ProblemState.REJECTED, [], "resident_report"),
        "P6": p(at(8, 3), c1, a, ProblemState.DUPLICATE, [], "resident_report"),
        "P7": p(at(8, 31, 23, 30), c2, b, ProblemState.REPORTED, [], "resident_report"),
        "P8": p(at(6, 30, 23, 30), c1, a, closed, [m1], "resident_report",
                deadline=d(2021, 7, 5), handled_at=at(7, 1, 10), closed_at=at(7, 2, 10)),
        "P9": p(at(8, 5), c3, b, ProblemState.PARKED, [g1], "inspection",
                deadline=d(2021, 8, 20)),
    }  # fmt: skip
    problems: dict[str, Problem] = {}
    for n, (key, values) in enumerate(spec.items(), start=1):
        values = dict(values)
        created = values.pop("created")
        units = values.pop("units")
        problem = Problem.objects.create(number=f"2021-9{n:05d}", description=key, **values)
        Problem.objects.filter(pk=problem.pk).update(created_at=created)
        for unit in units:
            Dispatch.objects.create(problem=problem, unit=unit)
        problems[key] = problem
    Problem.objects.filter(pk=problems["P6"].pk).update(duplicate_of=problems["P1"])
    return problems


def add_units(city: FigureCity, n: int) -> None:
    """``n`` more municipal units, each paired with C1 and attending S1 with a contribution."""
    units = Unit.objects.bulk_create(
        Unit(code=make_credit_code(), name=f"随州市测试单位{i}", kind=UnitKind.AGENCY)
        for i in range(n)
    )
    Pairing.objects.bulk_create(
        Pairing(unit=u, community=city.c1, start=dt.date(2021, 1, 1)) for u in units
    )
    Attendance.objects.bulk_create(
        Attendance(session=city.sessions["S1"], unit=u, community=city.c1, headcount=3)
        for u in units
    )
    Contribution.objects.bulk_create(
        Contribution(unit=u, community=city.c1, date=dt.date(2021, 7, 9), amount_fen=100)
        for u in units
    )
