"""Demo attendance, the tasks done, and absences, for every session held so far.

Every unit paired with a community on a session's date comes, except a few
each week who stay away (most of them saying why: an ``Absence``), and a few
units help a community they are not paired with (``added_reason``). Headcounts
grow with the square root of a unit's staff, shared out over its communities.

The reference months are exact (DESIGN.md sections 1 and 8):

- the first September 2021 session (2021-09-10) has the published headcounts of
  six units, from ``data/attendance-2021-09-10.csv``;
- municipal units' person-times from 2021-07-01 to 2021-10-31 add up to
  :data:`MUNICIPAL_PERSON_TIMES` ("6300余人次"): after drawing, the other
  municipal rows of those months are nudged by one person at a time until
  the sum is exact. Units of 曾都区 and 随州高新区 come too; the figure leaves
  them out.

Each session draws from its own seeded generator, so later sessions never
change earlier ones, and a second load finds every row as it wants it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import random
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any, cast

from django.utils import timezone

from gongzhi.activities.models import Absence, Attendance, AttendanceStatus, AttendanceTask, Measure
from gongzhi.demo.activities_rows import insert, sync_many
from gongzhi.demo.data import read_csv
from gongzhi.demo.names import person_name
from gongzhi.demo.problems import _explicit_timestamps
from gongzhi.demo.rows import sync_rows
from gongzhi.problems.models import Category
from gongzhi.units.models import Unit, UnitKind

if TYPE_CHECKING:
    from gongzhi.campaigns.models import Session
    from gongzhi.demo.activities import DemoSessions

SEED = 20210910
REFERENCE_START = dt.date(2021, 7, 1)
REFERENCE_END = dt.date(2021, 10, 31)
FIRST_SEPTEMBER_SESSION = dt.date(2021, 9, 10)
#: Municipal units' person-times from 2021-07-01 to 2021-10-31: "6300余人次".
MUNICIPAL_PERSON_TIMES = 6_352
#: People a unit brings per session: this times the square root of its staff.
HEADCOUNT_SCALE = 0.58
MIN_HEADCOUNT = 2
#: On other days, the units of the September table bring about this share of it.
REFERENCE_UNITS_USUAL = 0.75
ABSENT_SHARE = 0.035
ABSENCE_STATED_SHARE = 0.8
PRINCIPAL_LED_SHARE = 0.3
CONFIRMED_SHARE = 0.93

#: Units helping a community they are not paired with: (from date, unit, community, why).
ADDED: tuple[tuple[dt.date, str, str, str], ...] = (
    (
        dt.date(2022, 4, 1),
        "114213003204430039",
        "421303001001",
        "应社区邀请，协助清理背街小巷积存垃圾",
    ),
    (dt.date(2023, 6, 1), "91421300406320784Q", "421303001013", "协助社区疏通下水管网"),
    (dt.date(2024, 9, 1), "11421303423077421Y", "421303001001", "区级单位支援，协助整治占道经营"),
)

PRINCIPAL_RANKS: dict[str, str] = {
    UnitKind.AGENCY: "党组书记",
    UnitKind.INSTITUTION: "党委书记",
    UnitKind.ENTERPRISE: "党委书记、董事长",
}
DEPUTY_RANKS: dict[str, tuple[str, ...]] = {
    UnitKind.AGENCY: ("党组成员", "机关党委书记", "办公室主任"),
    UnitKind.INSTITUTION: ("副主任", "党委委员", "工会主席"),
    UnitKind.ENTERPRISE: ("总经理", "副总经理", "党群工作部主任"),
}

Key = tuple[int, int, int]  # session, unit, community


@dataclass(frozen=True)
class AttendanceLoaded:
    pks: dict[Key, int]  # every demo attendance's primary key, by (session, unit, community)
    absences: int


@dataclass(frozen=True)
class _Reference:
    headcount: int
    leader_rank: str
    principal_leader_led: bool


def load(
    ctx: DemoSessions, must_attend: Iterable[tuple[dt.date, str, str]] = ()
) -> AttendanceLoaded:
    """Write the missing attendance, tasks and absences; bring changed ones back.

    ``must_attend`` (session date, unit code, community code) are never drawn absent:
    other parts of the demo hang photos and check-ins on them.
    """
    builder = _Builder(ctx, set(must_attend))
    rows, absences = builder.draw()
    builder.make_exact(rows)
    found = sync_many(
        Attendance,
        rows,
        key=("session_id", "unit_id", "community_id"),
        existing=Attendance.objects.filter(session__in=ctx.held),
    )
    pks = {cast(Key, k): pk for k, pk in found.items()}
    with _explicit_timestamps(Absence):
        absent = sync_rows(
            Absence,
            absences,
            key=_key,
            existing=Absence.objects.filter(session__in=ctx.held),
        )
    _add_tasks(ctx, rows, pks)
    return AttendanceLoaded(pks=pks, absences=len(absent))


def _key(row: Any) -> Key:
    return (row["session_id"], row["unit_id"], row["community_id"])


class _Builder:
    def __init__(self, ctx: DemoSessions, must_attend: set[tuple[dt.date, str, str]]) -> None:
        self.ctx = ctx
        self.must_attend = must_attend
        self.reference = {
            (FIRST_SEPTEMBER_SESSION, r["unit_code"], r["community_code"]): _Reference(
                int(r["headcount"]), r["leader_rank"], r["principal_leader_led"] == "1"
            )
            for r in read_csv("attendance-2021-09-10.csv")
        }
        self.usual_reference = {
            (unit, community): ref.headcount * REFERENCE_UNITS_USUAL
            for (_day, unit, community), ref in self.reference.items()
        }
        self.reasons = [r["reason"] for r in read_csv("attendance-absences.csv")]
        self.communities_of: dict[int, int] = {}
        for pairing in ctx.pairings:
            self.communities_of[pairing.unit_id] = self.communities_of.get(pairing.unit_id, 0) + 1
        self.fixed: set[Key] = set()

    def draw(self) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        rows: list[dict[str, Any]] = []
        absences: list[dict[str, Any]] = []
        added = self._added()
        for session in self.ctx.held:
            rng = random.Random(f"{SEED}:{session.slot_date.isoformat()}")  # noqa: S311 - demo data
            for pairing in self.ctx.paired_on(session.date):
                unit = self.ctx.units[pairing.unit_id]
                community = self.ctx.communities[pairing.community_id]
                at = (session.date, unit.code, community.code)
                stays_away = rng.random() < ABSENT_SHARE and at not in self.reference
                stays_away = stays_away and at not in self.must_attend
                says_why = rng.random() < ABSENCE_STATED_SHARE
                reason = rng.choice(self.reasons)
                if stays_away:
                    if says_why:
                        absences.append(self._absence(session, unit, pairing.community_id, reason))
                    continue
                rows.append(self._row(session, unit, pairing.community_id, rng))
            for unit, community_id, reason in added.get(session.pk, []):
                row = self._row(session, unit, community_id, rng)
                row.update(expected=False, added_reason=reason)
                if community_id == self.ctx.demo_community.pk and "community" in self.ctx.users:
                    row["entered_by_id"] = self.ctx.users["community"].pk
                rows.append(row)
        return rows, absences

    def _added(self) -> dict[int, list[tuple[Unit, int, str]]]:
        by_code = {u.code: u for u in self.ctx.units.values()}
        community_by_code = {c.code: c for c in self.ctx.communities.values()}
        added: dict[int, list[tuple[Unit, int, str]]] = {}
        for day, unit_code, community_code, reason in ADDED:
            session = self.ctx.session_on_or_after(day)
            unit, community = by_code.get(unit_code), community_by_code.get(community_code)
            if session is None or unit is None or community is None:
                continue
            paired = {(p.unit_id, p.community_id) for p in self.ctx.paired_on(session.date)}
            if (unit.pk, community.pk) not in paired:
                added.setdefault(session.pk, []).append((unit, community.pk, reason))
        return added

    def _row(
        self, session: Session, unit: Unit, community_id: int, rng: random.Random
    ) -> dict[str, Any]:
        community = self.ctx.communities[community_id]
        reference = self.reference.get((session.date, unit.code, community.code))
        usual = self.usual_reference.get((unit.code, community.code))
        if usual is None:
            usual = (
                HEADCOUNT_SCALE
                * math.sqrt(unit.headcount or 0)
                / self.communities_of.get(unit.pk, 1)
            )
        headcount = max(MIN_HEADCOUNT, round(usual * rng.uniform(0.75, 1.25)))
        principal = rng.random() < PRINCIPAL_LED_SHARE
        deputy = rng.randrange(3)
        early = rng.choice((0, 10, 20, 30))
        entered = _local(session.date, 17, 40) + dt.timedelta(minutes=rng.randint(0, 180))
        confirmed_after = dt.timedelta(days=rng.randint(1, 4), minutes=rng.randint(0, 480))
        confirms = rng.random() < CONFIRMED_SHARE
        if reference is not None:
            headcount, principal = reference.headcount, reference.principal_leader_led
            rank = reference.leader_rank
            self.fixed.add((session.pk, unit.pk, community_id))
        else:
            rank = PRINCIPAL_RANKS[unit.kind] if principal else DEPUTY_RANKS[unit.kind][deputy]
        recent = session.date >= self.ctx.waiting_from
        confirmed_at = None
        if confirms and not recent:
            confirmed_at = _local(session.date, 9, 0) + confirmed_after
        ours = community == self.ctx.demo_community
        users = self.ctx.users
        return {
            "session_id": session.pk,
            "unit_id": unit.pk,
            "community_id": community_id,
            "headcount": headcount,
            "leader_name": person_name(_leader_number(unit, 0 if principal else 1 + deputy)),
            "leader_rank": rank,
            "principal_leader_led": principal,
            "start_time": session.start_time,
            "end_time": _minus(session.end_time, early),
            "notes": "",
            "expected": True,
            "added_reason": "",
            "status": str(
                AttendanceStatus.CONFIRMED if confirmed_at else AttendanceStatus.SUBMITTED
            ),
            "entered_by_id": users["unit"].pk
            if unit == self.ctx.demo_unit and "unit" in users
            else None,
            "confirmed_by_id": users["community"].pk
            if confirmed_at and ours and "community" in users
            else None,
            "confirmed_at": confirmed_at,
            "created_at": entered,
            "updated_at": confirmed_at or entered,
        }

    def _absence(
        self, session: Session, unit: Unit, community_id: int, reason: str
    ) -> dict[str, Any]:
        unit_user = self.ctx.users.get("unit") if unit == self.ctx.demo_unit else None
        return {
            "session_id": session.pk,
            "unit_id": unit.pk,
            "community_id": community_id,
            "reason": reason,
            "recorded_by_id": unit_user.pk if unit_user else None,
            "recorded_at": _local(session.date, 9, 30),
        }

    def make_exact(self, rows: list[dict[str, Any]]) -> None:
        """Nudge the reference months' municipal rows (not the September table) one person
        at a time until their person-times are exactly :data:`MUNICIPAL_PERSON_TIMES`."""
        in_period = {s.pk for s in self.ctx.held if REFERENCE_START <= s.date <= REFERENCE_END}
        municipal = [
            r
            for r in rows
            if r["session_id"] in in_period and self.ctx.units[r["unit_id"]].jurisdiction_id is None
        ]
        if not municipal:
            return
        gap = MUNICIPAL_PERSON_TIMES - sum(r["headcount"] for r in municipal)
        free = [r for r in municipal if _key(r) not in self.fixed]
        random.Random(SEED).shuffle(free)  # noqa: S311 - demo data
        while gap and free:
            step = 1 if gap > 0 else -1
            movable = [r for r in free if step > 0 or r["headcount"] > MIN_HEADCOUNT]
            if not movable:
                break
            for row in movable[: abs(gap)]:
                row["headcount"] += step
                gap -= step


def _add_tasks(ctx: DemoSessions, rows: list[dict[str, Any]], pks: dict[Key, int]) -> None:
    """The four clean-ups done, with quantities, on each attendance that has no tasks yet."""
    codes = ["garbage_dead_corner", "piled_debris", "dead_branches_weeds", "illegal_flyers"]
    categories = dict(Category.objects.filter(code__in=codes).values_list("code", "pk"))
    if len(categories) < len(codes):
        return
    done = set(
        AttendanceTask.objects.filter(attendance__session__in=ctx.held)
        .values_list("attendance_id", flat=True)
        .distinct()
    )
    slots = {s.pk: s.slot_date for s in ctx.held}
    tasks: list[dict[str, Any]] = []
    for row in rows:
        pk = pks[_key(row)]
        if pk in done:
            continue
        unit, community = ctx.units[row["unit_id"]], ctx.communities[row["community_id"]]
        seed = f"{slots[row['session_id']]}:{unit.code}:{community.code}"
        rng = random.Random(seed)  # noqa: S311 - demo data
        people = row["headcount"]
        work = [
            ("garbage_dead_corner", Measure.TONNES, max(0.1, people * rng.uniform(0.02, 0.06))),
        ]
        if rng.random() < 0.7:
            work.append(("dead_branches_weeds", Measure.SQUARE_METRES, people * rng.uniform(8, 25)))
        if rng.random() < 0.6:
            measure = rng.choice((Measure.PLACES, Measure.SHEETS))
            work.append(("illegal_flyers", measure, 1 + people * rng.uniform(0.5, 3)))
        if rng.random() < 0.5:
            work.append(("piled_debris", Measure.TRUCKLOADS, rng.randint(1, 3)))
        for code, measure, quantity in work:
            places = 2 if measure == Measure.TONNES else 0
            tasks.append(
                {
                    "attendance_id": pk,
                    "category_id": categories[code],
                    "quantity": Decimal(str(round(quantity, places))).quantize(Decimal("0.01")),
                    "measure": str(measure),
                }
            )
    insert(AttendanceTask, tasks)


def _leader_number(unit: Unit, k: int) -> int:
    """The same three fictional leaders for a unit on every run: its principal, two deputies."""
    digest = hashlib.sha256(unit.code.encode()).digest()
    return 5000 + int.from_bytes(digest[:3], "big") % 100_000 * 3 + k


def _minus(at: dt.time, minutes: int) -> dt.time:
    return (dt.datetime.combine(dt.date(2000, 1, 1), at) - dt.timedelta(minutes=minutes)).time()


def _local(day: dt.date, hour: int, minute: int) -> dt.datetime:
    """Local time (Asia/Shanghai) on ``day``: no daylight saving, so no ambiguous times."""
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=timezone.get_default_timezone())
