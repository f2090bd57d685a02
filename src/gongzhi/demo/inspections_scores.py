"""The demo's inspections: dates, communities, item scores, grades and findings.

Every assigned unit is inspected in rounds 1–4; round 5 (open now) is part done.
An inspection is dated within its round, visits a community the unit is paired
with, and observes the Friday session when it falls on a session date.

Scores follow the default checklist item by item: each unit has a steady level
(a few weak units, some model ones), each round moves it a little, so most
totals lie between 70 and 95 and a few below 60. ``total_score`` is the sum of
the scored items and ``grade`` follows the ranking rules' thresholds, as
submitting computes them.

Rectification findings are the ledger's own inspection problems: the ledger
demo (``demo.problems``) already holds problems with source *inspection*,
reported on a day of the campaign in a community and dispatched to units paired
with it. Each one dispatched to a municipal unit becomes a finding of that unit's
inspection of the round (dated that day, in that community), and its reporter is
the inspector who made the inspection. So the ledger's numbers keep following
the order of reporting, and its events stay those of the workflow table. Those
of 2021 were closed; those of the open round are still being handled, some
overdue. Other findings (on a weak item) ask for no rectification.

Submitted inspections keep the form's rule: an item that needs evidence falls
short (a failed check, a score below the maximum) only with a finding on it that
has a photo; the demo draws a small picture for each.

Each inspection draws from its own ``random.Random`` (seeded by round and unit):
the same on every run. Inspections that exist are left as they are.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone

from gongzhi.campaigns.holidays import HolidayCalendar, load_calendar
from gongzhi.campaigns.models import Session, SessionStatus
from gongzhi.core.models import User
from gongzhi.demo.accounts import DEMO_UNIT_SHORT_NAME
from gongzhi.demo.campaign import CAMPAIGN_SLUG
from gongzhi.demo.data import read_csv
from gongzhi.demo.inspections_rows import (
    PlannedFinding,
    Visit,
    Written,
    count,
    name_reporters,
    write,
)
from gongzhi.inspections.models import (
    ChecklistItem,
    Inspection,
    InspectionGroup,
    InspectionRound,
    InspectionStatus,
    ItemKind,
)
from gongzhi.inspections.seed import ranking_rules
from gongzhi.problems.models import Problem, ProblemSource, ProblemState
from gongzhi.units.models import Pairing, Unit

SEED = 20210801
HALF = Decimal("0.5")
#: Units whose level is low (black-list material) and those that set the example.
WEAK_UNITS = 5
STRONG_NAMED = ("市市场监管局", "市城管执法委", "市卫健委", "市水利和湖泊局")
#: Never among the weak: the units the report praises by name, and the leading organs.
NEVER_WEAK = (
    *STRONG_NAMED,
    "市住建局",
    "市财政局",
    "市统计局",
    "市机关事务服务中心",
    "市政协办",
    "国网随州供电公司",
    "市政府办",
    "市人大办",
    "市纪委监委",
)
STRONG_OTHERS = 4
#: Levels (share of the maximum score) of the three kinds of unit.
LEVEL_WEAK = (0.38, 0.5)
LEVEL_STRONG = (0.92, 0.97)
LEVEL_MEAN, LEVEL_SPREAD = 0.80, 0.05
LEVEL_USUAL = (0.68, 0.9)
ROUND_GAIN = 0.012  # units get a little better every round
#: Chance of a finding without rectification: base, plus this much per point of level
#: below the mean; the share of them on an item that needs evidence (with a photo).
FINDING_BASE, FINDING_SLOPE, EVIDENCE_SHARE = 0.05, 1.3, 0.4
#: Share of the inspections dated on a Friday session (the rest on other working days).
SESSION_SHARE = 0.55
#: Round 5: units of the demo login's group submitted, and drafts, in code order.
LOGIN_SUBMITTED, LOGIN_DRAFTS = 3, 2
#: Round 5: share of the other groups' units done, from the first group to the last.
PROGRESS_FIRST, PROGRESS_STEP, DRAFT_SHARE = 0.25, 0.06, 0.1
#: The check item a four clean-ups problem fails; other problems count against "tasks".
ITEM_OF_CATEGORY = {
    "garbage_dead_corner": "no_dead_corners",
    "household_garbage": "no_dead_corners",
    "construction_garbage": "no_dead_corners",
    "piled_debris": "no_debris",
    "dead_branches_weeds": "no_weeds",
    "illegal_flyers": "no_flyers",
}
DEFAULT_ITEM = "tasks"


@dataclass
class Story:
    """What the inspections are drawn from (see ``demo.inspections``)."""

    rounds: list[InspectionRound]
    assignments: dict[int, dict[int, InspectionGroup]]  # round id → unit id → group
    groups: list[InspectionGroup]
    units: dict[int, Unit]  # the municipal units by pk
    login: User | None
    today: dt.date
    now: dt.datetime


def load(story: Story) -> Written:
    """Write the missing inspections with their scores and findings; name each linked
    problem's inspector as its reporter."""
    builder = _Builder(story)
    visits = [v for round_ in story.rounds for v in builder.visits(round_)]
    existing = set(
        Inspection.objects.filter(round__in=story.rounds).values_list("round_id", "unit_id")
    )
    new = [v for v in visits if (v.round.pk, v.unit.pk) not in existing]
    if new:
        write(new, items=builder.items, sessions=builder.sessions, rules=builder.rules)
    name_reporters(story.rounds)
    return count(story.rounds)


class _Builder:
    def __init__(self, story: Story) -> None:
        self.story = story
        self.rules = ranking_rules()
        self.items: dict[int, dict[str, ChecklistItem]] = defaultdict(dict)  # template → code
        templates = {r.template_id for r in story.rounds}
        for item in (
            ChecklistItem.objects.filter(criterion__template__in=templates)
            .select_related("criterion")
            .order_by("criterion__ordering", "ordering", "id")
        ):
            self.items[item.criterion.template_id][item.code] = item
        self.calendar: HolidayCalendar = load_calendar(
            min(r.start.year for r in story.rounds), story.today.year
        )
        self.sessions: dict[dt.date, Session] = {
            s.date: s
            for s in Session.objects.filter(
                campaign__slug=CAMPAIGN_SLUG, status=SessionStatus.SCHEDULED
            )
        }
        self.pairings: dict[int, list[Pairing]] = defaultdict(list)
        rows = (
            Pairing.objects.active().filter(unit__in=list(story.units)).select_related("community")
        )
        for pairing in sorted(rows, key=lambda p: p.community.code):
            self.pairings[pairing.unit_id].append(pairing)
        self.texts: dict[str, list[str]] = defaultdict(list)
        self.notes: dict[str, list[str]] = defaultdict(list)
        for row in read_csv("inspection-texts.csv"):
            if row["kind"] == "finding":
                self.texts[row["item"]].append(row["text"])
            else:
                self.notes[row["kind"]].append(row["text"])
        self.levels = _levels(list(story.units.values()))
        self.members: dict[int, list[User]] = {}
        through = InspectionGroup.members.through
        crews: dict[int, list[User]] = defaultdict(list)
        for link in through.objects.filter(inspectiongroup__in=story.groups).select_related("user"):
            crews[link.inspectiongroup_id].append(link.user)
        for group in story.groups:
            crew = sorted(crews[group.pk], key=lambda u: (u.pk != group.leader_id, u.username))
            self.members[group.pk] = crew
        self.problems = list(
            Problem.objects.filter(source=ProblemSource.INSPECTION)
            .exclude(state__in=[ProblemState.REJECTED, ProblemState.DUPLICATE])
            .select_related("category")
            .prefetch_related("dispatches")
            .order_by("number")
        )

    # -- the visits of a round --------------------------------------------------

    def visits(self, round_: InspectionRound) -> list[Visit]:
        story = self.story
        assigned = story.assignments.get(round_.pk, {})
        order = sorted(assigned, key=lambda pk: story.units[pk].code)
        position: dict[int, int] = {}  # unit → its place among its group's units
        counts: dict[int, int] = defaultdict(int)
        for unit_id in order:
            position[unit_id] = counts[assigned[unit_id].pk]
            counts[assigned[unit_id].pk] += 1
        visits = self._linked(round_, assigned, position)
        for unit_id in order:
            if unit_id in visits:
                continue
            unit, group, k = story.units[unit_id], assigned[unit_id], position[unit_id]
            rng = random.Random(f"{SEED}:{round_.number}:{unit.code}")  # noqa: S311 - demo data
            status = self._status(round_, group, k, rng)
            if status is not None:
                visits[unit_id] = self._visit(round_, unit, group, k, status, rng)
        for unit_id in order:
            visit = visits.get(unit_id)
            if visit is not None:
                seed = f"{SEED}:scores:{round_.number}:{visit.unit.code}"
                self._score(visit, random.Random(seed))  # noqa: S311 - demo data
        return [visits[u] for u in order if u in visits]

    def _linked(
        self,
        round_: InspectionRound,
        assigned: dict[int, InspectionGroup],
        position: dict[int, int],
    ) -> dict[int, Visit]:
        """Visits that found the ledger's inspection problems of the round's days."""
        last = min(round_.end, self.story.today)
        visits: dict[int, Visit] = {}
        for problem in self.problems:
            day = timezone.localtime(problem.created_at).date()
            if not round_.start <= day <= last:
                continue
            dispatched = sorted(
                (
                    self.story.units[d.unit_id]
                    for d in problem.dispatches.all()
                    if d.unit_id in assigned
                ),
                key=lambda u: u.code,
            )
            for unit in dispatched:
                if not self._paired(unit, problem.community_id, day):
                    continue
                visit = visits.get(unit.pk)
                if visit is None:
                    group = assigned[unit.pk]
                    visit = Visit(
                        round=round_,
                        unit=unit,
                        group=group,
                        inspector=self._inspector(round_, group, position[unit.pk]),
                        status=InspectionStatus.SUBMITTED,
                        date=day,
                        community_id=problem.community_id,
                        at=problem.created_at,
                    )
                    visits[unit.pk] = visit
                elif (visit.date, visit.community_id) != (day, problem.community_id):
                    continue  # the unit was inspected elsewhere that round
                item = ITEM_OF_CATEGORY.get(problem.category.code, DEFAULT_ITEM)
                visit.findings.append(PlannedFinding(item, problem.description, problem))
                visit.at = min(visit.at, problem.created_at)
                break
        return visits

    def _status(
        self, round_: InspectionRound, group: InspectionGroup, k: int, rng: random.Random
    ) -> str | None:
        """Rounds that ended are done; the open one is under way."""
        if round_.end < self.story.today:
            return InspectionStatus.SUBMITTED
        index = self.story.groups.index(group)
        if index == 0:
            if k < LOGIN_SUBMITTED:
                return InspectionStatus.SUBMITTED
            return InspectionStatus.DRAFT if k < LOGIN_SUBMITTED + LOGIN_DRAFTS else None
        done = PROGRESS_FIRST + PROGRESS_STEP * index
        x = rng.random()
        if x < done:
            return InspectionStatus.SUBMITTED
        return InspectionStatus.DRAFT if x < done + DRAFT_SHARE else None

    def _visit(
        self,
        round_: InspectionRound,
        unit: Unit,
        group: InspectionGroup,
        k: int,
        status: str,
        rng: random.Random,
    ) -> Visit:
        today, now = self.story.today, self.story.now
        if status == InspectionStatus.DRAFT:
            day = self._workday_back(today)
            at = min(_local(day, rng.uniform(9, 17)), now - dt.timedelta(minutes=10))
        else:
            last = min(round_.end, today - dt.timedelta(days=1))
            days = [
                round_.start + dt.timedelta(days=n) for n in range((last - round_.start).days + 1)
            ]
            fridays = [d for d in days if d in self.sessions]
            if fridays and rng.random() < SESSION_SHARE:
                day = rng.choice(fridays)
                at = _local(day, rng.uniform(17.4, 18.6))
            else:
                day = rng.choice([d for d in days if self.calendar.is_workday(d)] or days)
                at = _local(day, rng.uniform(10, 17))
        paired = [p for p in self.pairings[unit.pk] if _valid_on(p, day)]
        community = rng.choice(paired).community_id if paired else None
        kind = "session" if day in self.sessions else "note"
        notes = ""
        if rng.random() < 0.6:
            notes = rng.choice(self.notes[kind]).format(n=rng.randint(5, 15))
        return Visit(
            round=round_,
            unit=unit,
            group=group,
            inspector=self._inspector(round_, group, k),
            status=status,
            date=day,
            community_id=community,
            at=at,
            notes=notes,
        )

    def _inspector(self, round_: InspectionRound, group: InspectionGroup, k: int) -> User | None:
        """Who fills it in: the group's inspectors in turn; in the open round the demo
        login does all of its group's (so its drafts are its own)."""
        crew = self.members.get(group.pk) or []
        login = self.story.login
        if login is not None and login in crew and round_.end >= self.story.today:
            return login
        return crew[(k + round_.number) % len(crew)] if crew else None

    def _paired(self, unit: Unit, community_id: int, day: dt.date) -> bool:
        return any(
            p.community_id == community_id and _valid_on(p, day) for p in self.pairings[unit.pk]
        )

    def _workday_back(self, day: dt.date) -> dt.date:
        while not self.calendar.is_workday(day):
            day -= dt.timedelta(days=1)
        return day

    # -- scores -----------------------------------------------------------------

    def _score(self, visit: Visit, rng: random.Random) -> None:
        """Item scores at the unit's level this round, as the form accepts them: an item
        that needs evidence keeps its full score (or passes) unless a finding on it
        (with a photo, see ``inspections_rows.write``) says why; what a finding names scores low."""
        items = list(self.items[visit.round.template_id].values())
        level = self.levels[visit.unit.pk] + ROUND_GAIN * (visit.round.number - 1)
        level = _clamp(level + rng.gauss(0, 0.035), 0.3, 0.99)
        submitted = visit.status == InspectionStatus.SUBMITTED
        # A weak point is written down now and then, more often the weaker the unit.
        chance = FINDING_BASE + FINDING_SLOPE * max(0.0, LEVEL_MEAN - level)
        if submitted and not visit.findings and rng.random() < chance:
            code = self._weak_point(items, rng)
            visit.findings.append(PlannedFinding(code, rng.choice(self.texts[code])))
        flagged = {f.item for f in visit.findings}
        for item in items:
            maximum = item.max_score or Decimal(0)  # scored items have one (a constraint)
            if item.kind == ItemKind.CHECK:
                if item.evidence_required or item.code in flagged:
                    passed = item.code not in flagged
                else:
                    passed = rng.random() < 0.55 + 0.45 * level
                visit.scores[item.code] = (None, passed)
            elif item.code in flagged:
                low = _half(maximum * Decimal(str(rng.uniform(0.4, 0.65))))
                visit.scores[item.code] = (low, None)
            elif item.evidence_required:
                visit.scores[item.code] = (maximum, None)
            else:
                share = _clamp(level + rng.gauss(0, 0.07), 0.2, 1.0)
                visit.scores[item.code] = (_half(maximum * Decimal(str(share))), None)
        if not submitted:
            # Saved as the inspector types: the first items only.
            keep = {item.code for item in items[: rng.randint(3, 8)]}
            visit.scores = {c: s for c, s in visit.scores.items() if c in keep}

    def _weak_point(self, items: list[ChecklistItem], rng: random.Random) -> str:
        """The item a finding without rectification names: now and then one that needs
        evidence (the finding then has a photo), else one scored on the inspector's word."""
        named = [item for item in items if self.texts.get(item.code)]
        evidence = [item for item in named if item.evidence_required]
        others = [item for item in named if not item.evidence_required]
        pool = evidence if evidence and (not others or rng.random() < EVIDENCE_SHARE) else others
        return rng.choice(pool).code


def _levels(units: list[Unit]) -> dict[int, float]:
    """Each unit's steady level: a few weak units, the units the newspaper named and a
    few others at the top, the rest around the mean."""
    rng = random.Random(SEED)  # noqa: S311 - reproducible demo data, not secrets
    ordered = sorted(units, key=lambda u: u.code)
    named = [u for u in ordered if u.short_name in (*STRONG_NAMED, DEMO_UNIT_SHORT_NAME)]
    others = [u for u in ordered if u not in named]
    may_be_weak = [
        u for u in others if u.short_name not in NEVER_WEAK and not u.short_name.startswith("市委")
    ]
    weak = rng.sample(may_be_weak, WEAK_UNITS)
    strong = named + rng.sample([u for u in others if u not in weak], STRONG_OTHERS)
    levels = {}
    for unit in ordered:
        if unit in weak:
            levels[unit.pk] = rng.uniform(*LEVEL_WEAK)
        elif unit in strong:
            levels[unit.pk] = rng.uniform(*LEVEL_STRONG)
        else:
            levels[unit.pk] = _clamp(rng.gauss(LEVEL_MEAN, LEVEL_SPREAD), *LEVEL_USUAL)
    return levels


# --- small helpers --------------------------------------------------------------


def _half(value: Decimal) -> Decimal:
    """Rounded to the nearest half point, as inspectors score."""
    return (value / HALF).quantize(Decimal(1)) * HALF


def _clamp(value: float, low: float, high: float) -> float:
    return max(low, min(high, value))


def _valid_on(pairing: Pairing, day: dt.date) -> bool:
    return pairing.start <= day and (pairing.end is None or pairing.end >= day)


def _local(day: dt.date, hour: float) -> dt.datetime:
    naive = dt.datetime.combine(day, dt.time()) + dt.timedelta(hours=hour)
    return timezone.make_aware(naive.replace(second=0, microsecond=0))
