"""The demo ledger (DESIGN.md section 8): problems in every category, source and state.

Hundreds of problems are written with bulk inserts, not through the services
(one transaction per problem would be far too slow). Each problem follows a
valid path through ``workflow.TABLE``: :meth:`_Plan.act` makes the field
changes ``services.problem_transition`` makes and records one event per step,
at the times of the story: July to October 2021, the first months of the
campaign, plus the last weeks before today, so the ledger has current open,
overdue and escalated problems.

Deterministic (a seeded ``random.Random``) and matched by public number: a
second run writes nothing. Two Open311 clients with fixed, documented keys
exist in the demo data only.
"""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import hashlib
import io
import math
import random
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.files.base import ContentFile
from django.db import models
from django.utils import timezone
from PIL import Image, ImageDraw, ImageFont, ImageOps

from gongzhi.areas.models import Community, Compound
from gongzhi.campaigns.holidays import HolidayCalendar, load_calendar
from gongzhi.core import photos as photo_lib
from gongzhi.core.models import User
from gongzhi.demo.accounts import DEMO_COMMUNITY, DEMO_UNIT_SHORT_NAME
from gongzhi.demo.data import read_csv
from gongzhi.demo.names import person_name
from gongzhi.problems import queries, services, services_escalation
from gongzhi.problems.models import (
    Category,
    Dispatch,
    Escalation,
    Open311Client,
    PendingRequest,
    Priority,
    Problem,
    ProblemCounter,
    ProblemEvent,
    ProblemPhoto,
    ProblemSource,
    ProblemState,
    Satisfaction,
)
from gongzhi.problems.workflow import TRANSITIONS, Actor
from gongzhi.units.models import Pairing, Unit

#: The api_key of the demo's Open311 client (a residents' app). Demo data only.
DEMO_OPEN311_KEY = "demo-open311-key"
#: The api_key of the demo's 12345 hotline system; its requests are hotline cases.
DEMO_12345_KEY = "demo-12345-key"
OPEN311_CLIENTS = (
    ("演示 Open311 客户端", DEMO_OPEN311_KEY, ProblemSource.RESIDENT_REPORT),
    ("12345 热线系统（演示）", DEMO_12345_KEY, ProblemSource.HOTLINE_12345),
)

SEED = 20210709
CAMPAIGN_START = dt.date(2021, 7, 1)
CAMPAIGN_DAYS = 123  # to 2021-10-31
CAMPAIGN_PROBLEMS = 480
RECENT_DAYS = 30
PHOTOS_PER_KIND = 5  # "after" photos on handle events, and photos on report events
BATCH = 500
_DAY = dt.timedelta(days=1)

S = ProblemState
SOURCE_WEIGHTS = {
    ProblemSource.GRASSROOTS_VISIT: 30,
    ProblemSource.COMMUNITY_PATROL: 25,
    ProblemSource.RESIDENT_REPORT: 20,
    ProblemSource.INSPECTION: 10,
    ProblemSource.HOTLINE_12345: 10,
    ProblemSource.OTHER: 5,
}
PUBLIC_SOURCES = (ProblemSource.RESIDENT_REPORT, ProblemSource.HOTLINE_12345)
PRIORITIES = [Priority.NORMAL] * 15 + [Priority.HIGH] * 3 + [Priority.LOW, Priority.URGENT]
RATINGS = [Satisfaction.SATISFIED] * 15 + [Satisfaction.BASICALLY_SATISFIED] * 4
RATINGS += [Satisfaction.DISSATISFIED] * 2

CLOSE = ("accept", "dispatch", "start", "handle", "verify_pass")
WORK = ("accept", "dispatch", "start")
# Paths of the campaign months (weight, actions); a closed one may get a rating after.
CAMPAIGN_PATHS: list[tuple[int, tuple[str, ...]]] = [
    (62, CLOSE),
    (12, ("accept", "dispatch", "handle", "verify_pass")),
    (5, (*CLOSE[:4], "verify_fail", "start", "handle", "verify_pass")),
    (5, (*WORK, "request_extension", "approve_extension", "handle", "verify_pass")),
    (2, (*WORK, "request_extension", "reject_extension", "handle", "verify_pass")),
    (2, (*WORK, "request_park", "reject_park", "handle", "verify_pass")),
    (3, (*WORK, "request_park", "approve_park")),
    (5, ("reject",)),
    (4, ("duplicate",)),
]
# The last weeks: (count, actions, days ago the report came in, overdue by now).
RECENT_PATHS: list[tuple[int, tuple[str, ...], tuple[int, int], bool]] = [
    (5, (), (0, 3), False),
    (3, ("accept",), (0, 3), False),
    (2, ("reject",), (1, 10), False),
    (3, ("accept", "dispatch"), (0, 2), False),
    (4, ("accept", "dispatch"), (16, 30), True),
    (3, WORK, (1, 3), False),
    (4, WORK, (16, 30), True),
    (2, (*WORK, "request_extension"), (3, 8), False),
    (1, (*WORK, "request_park"), (5, 12), False),
    (1, (*WORK, "request_extension", "approve_extension"), (6, 12), False),
    (1, (*WORK, "request_park", "approve_park"), (8, 20), False),
    (5, CLOSE[:4], (2, 10), False),
    (6, CLOSE, (8, 25), False),
    (2, (*CLOSE[:4], "verify_fail"), (6, 14), False),
    (1, (*CLOSE[:4], "verify_fail", "start"), (8, 16), False),
    (1, (*CLOSE, "rate:dissatisfied"), (10, 20), False),
    (1, (*CLOSE, "callback:satisfied"), (10, 20), False),
    (3, ("duplicate",), (0, 0), False),
]
# Hours an action takes after the one before (handle is timed against the deadline).
DELAY_HOURS = {
    "accept": (1, 20),
    "reject": (2, 30),
    "mark_duplicate": (1, 24),
    "dispatch": (0.5, 20),
    "start": (2, 40),
    "request_extension": (20, 60),
    "approve_extension": (3, 24),
    "reject_extension": (3, 24),
    "request_park": (20, 60),
    "approve_park": (4, 48),
    "reject_park": (4, 48),
    "verify_pass": (4, 48),
    "verify_fail": (4, 30),
    "rate": (12, 96),
    "callback": (24, 120),
}


@dataclass(frozen=True)
class ProblemsLoaded:
    """What :func:`load_problems` found or wrote."""

    problems: int  # demo problems in the database
    created: int  # of them written by this run
    open_now: int  # not closed, rejected, duplicate or parked
    overdue: int  # deadline before today, not yet handled
    escalations: int  # escalation steps applied by this run
    open311_key: str


def load_problems(
    communities: dict[str, Community], units: dict[str, Unit], *, today: dt.date | None = None
) -> ProblemsLoaded:
    """Seed the categories, write the missing demo problems, the Open311 clients,
    the number counters, and run the escalation ladder over the last weeks."""
    services.categories_seed()
    now = timezone.now()
    today = today or timezone.localdate(now)
    plans = _Builder(communities, units, today=today, now=now).plans()
    numbers = [p.number for p in plans]
    existing = dict(Problem.objects.filter(number__in=numbers).values_list("number", "pk"))
    new = [p for p in plans if p.number not in existing]
    if new:
        _write(new, existing)
    _sync_counters(numbers)
    _sync_open311_clients()
    escalations = _escalate(today, now, replay=bool(new))
    demo = Problem.objects.filter(number__in=numbers)
    return ProblemsLoaded(
        problems=len(existing) + len(new),
        created=len(new),
        open_now=demo.exclude(state__in=[S.CLOSED, S.REJECTED, S.DUPLICATE, S.PARKED]).count(),
        overdue=demo.filter(deadline__lt=today, state__in=[S.DISPATCHED, S.IN_PROGRESS]).count(),
        escalations=escalations,
        open311_key=DEMO_OPEN311_KEY,
    )


# --- one problem and its path ---------------------------------------------------


@dataclass
class _Plan:
    """A problem to write, built up by replaying its workflow path."""

    number: str
    fields: dict[str, Any]
    category: Category
    reported_at: dt.datetime
    units: list[Unit]
    to_community: bool
    events: list[ProblemEvent] = field(default_factory=list)
    original: _Plan | None = None
    dispatched_at: dt.datetime | None = None

    @property
    def state(self) -> str:
        return str(self.fields["state"])

    def act(
        self,
        action: str,
        at: dt.datetime,
        *,
        actor: User | None,
        role: str,
        note: str = "",
        deadline: dt.date | None = None,
        rating: str = "",
    ) -> None:
        """Take ``action`` as ``services.problem_transition`` would, checked against the table."""
        t = TRANSITIONS[action]
        f = self.fields
        if self.state not in t.from_states or role not in t.actors:
            raise ValueError(f"{self.number}: {role} cannot {action} from {self.state}")
        if (t.needs_pending and f["pending_request"] != t.needs_pending) or (
            t.sets_pending and f["pending_request"]
        ):
            raise ValueError(f"{self.number}: {action} does not fit the pending request")
        new_state = t.to_state or self.state
        data: dict[str, Any] = {}
        if action == "mark_duplicate" and self.original is not None:
            data["duplicate_of"] = self.original.number  # numbered later: see _Builder.plans
        elif action == "dispatch":
            codes = sorted(u.code for u in self.units)
            f.update(deadline=deadline, dispatched_to_community=self.to_community)
            data.update(unit_codes=codes, to_community=self.to_community, deadline=str(deadline))
            data["deadline_given"] = False
            self.dispatched_at = at
        elif action == "request_extension":
            f["requested_deadline"] = deadline
            data.update(requested_deadline=str(deadline), deadline=str(f["deadline"]))
        elif action == "approve_extension":
            data.update(old_deadline=str(f["deadline"]), deadline=str(f["requested_deadline"]))
            f.update(deadline=f["requested_deadline"], requested_deadline=None)
        elif action in ("reject_extension", "reject_park"):
            f["requested_deadline"] = None
        elif action == "handle":
            f["handled_at"] = at
        elif action == "verify_pass":
            f["closed_at"] = at
        elif action == "verify_fail":
            f.update(rework_count=f["rework_count"] + 1, handled_at=None)
            data["rework"] = f["rework_count"]
        elif action in ("rate", "callback"):
            data["rating"] = rating
            f["satisfaction"] = rating
            if rating == Satisfaction.DISSATISFIED and not f["reopened_by_rating"]:
                new_state = S.DISPATCHED
                f.update(reopened_by_rating=True, closed_at=None, handled_at=None)
                data.update(reopened=True, deadline=str(deadline))
                f["deadline"] = deadline
        if t.sets_pending:
            f["pending_request"] = t.sets_pending
        elif t.needs_pending or (t.to_state is not None and f["pending_request"]):
            f["pending_request"] = PendingRequest.NONE
        self.events.append(
            ProblemEvent(
                action=action,
                from_state=self.state,
                to_state=new_state,
                actor=actor,
                actor_role=role,
                at=at,
                note=note,
                data=data,
            )
        )
        f.update(state=new_state, version=f["version"] + 1, updated_at=at)


# --- building the plans ---------------------------------------------------------


class _Builder:
    """Makes every demo problem's plan, the same on every run (for the same ``today``)."""

    def __init__(
        self,
        communities: dict[str, Community],
        units: dict[str, Unit],
        *,
        today: dt.date,
        now: dt.datetime,
    ) -> None:
        self.rng = random.Random(SEED)  # noqa: S311 - reproducible demo data, not secrets
        self.today, self.now = today, now
        self.communities = sorted(communities.values(), key=lambda c: c.code)
        self.demo_community = communities[DEMO_COMMUNITY]
        self.compounds: dict[int, list[Compound]] = defaultdict(list)
        for compound in Compound.objects.active().filter(community__in=self.communities):
            self.compounds[compound.community_id].append(compound)
        by_pk = {u.pk: u for u in units.values()}
        self.paired: dict[int, list[Unit]] = defaultdict(list)
        pairings = Pairing.objects.active().filter(community__in=self.communities)
        for unit_id, community_id in pairings.values_list("unit_id", "community_id"):
            if unit_id in by_pk:
                self.paired[community_id].append(by_pk[unit_id])
        for paired in self.paired.values():
            paired.sort(key=lambda u: u.code)
        self.demo_unit = next(u for u in units.values() if u.short_name == DEMO_UNIT_SHORT_NAME)
        users = User.objects.filter(username__in=["office", "community", "unit", "inspector"])
        self.users = {u.username: u for u in users}
        self.texts: dict[str, list[tuple[str, str]]] = defaultdict(list)
        for row in read_csv("problem-texts.csv"):
            self.texts[row["category"]].append((row["title"], row["detail"]))
        # The seeded categories (by code: the office may reorder or add others).
        self.categories = list(Category.objects.filter(code__in=self.texts).order_by("code"))
        self.notes: dict[str, list[str]] = defaultdict(list)
        for row in read_csv("problem-notes.csv"):
            self.notes[row["kind"]].append(row["text"])
        self._deadlines: dict[tuple[int, dt.date], dt.date] = {}
        self._calendars: dict[int, HolidayCalendar] = {}
        self.serial = 0

    def plans(self) -> list[_Plan]:
        plans = self._campaign() + self._recent()
        plans.sort(key=lambda p: p.reported_at)
        last: dict[int, int] = defaultdict(int)
        for plan in plans:
            year = timezone.localtime(plan.reported_at).year
            last[year] += 1
            plan.number = plan.fields["number"] = f"{year}-{last[year]:06d}"
            digest = hashlib.sha256(f"gongzhi-demo-problem:{plan.number}".encode()).digest()
            plan.fields["follow_token"] = base64.urlsafe_b64encode(digest[:24]).decode()
            for event in plan.events:
                if event.action == "mark_duplicate" and plan.original is not None:
                    event.data["duplicate_of"] = plan.original.number
        return plans

    def _campaign(self) -> list[_Plan]:
        rng = self.rng
        plans: list[_Plan] = []
        duplicates = 0
        weights = [w for w, _ in CAMPAIGN_PATHS]
        sources = list(SOURCE_WEIGHTS)
        for i in range(CAMPAIGN_PROBLEMS):
            category = self.categories[i % len(self.categories)] if i < 44 else None
            category = category or rng.choice(self.categories)
            source = sources[i] if i < len(sources) else None
            source = source or rng.choices(sources, list(SOURCE_WEIGHTS.values()))[0]
            community = self._community(0.08)
            day = CAMPAIGN_START + dt.timedelta(days=rng.randrange(CAMPAIGN_DAYS))
            if source == ProblemSource.GRASSROOTS_VISIT and rng.random() < 0.6:
                # Cadres collect problems on the Friday afternoons they visit.
                day -= dt.timedelta(days=(day.weekday() - 4) % 7)
                day = max(day, dt.date(2021, 7, 9))
                at = _local(day, rng.uniform(14.5, 17.5))
            else:
                at = _local(day, rng.uniform(8, 19))
            (path,) = rng.choices([p for _, p in CAMPAIGN_PATHS], weights)
            if path == ("duplicate",):
                duplicates += 1
                continue
            plan = self._plan(category, source, community, at)
            self._run(plan, path + self._rating(plan, path), limit=self.now)
            plans.append(plan)
        # Reported again within days: the duplicates stay inside the campaign months.
        end = _local(CAMPAIGN_START + dt.timedelta(days=CAMPAIGN_DAYS - 5), 0)
        closed = [p for p in plans if p.state == S.CLOSED and p.reported_at < end]
        for original in rng.sample(closed, duplicates):
            plans.append(self._duplicate(original, rng.uniform(20, 90)))
        return plans

    def _recent(self) -> list[_Plan]:
        rng = self.rng
        plans: list[_Plan] = []
        short = [c for c in self.categories if c.deadline_working_days <= 5]
        limit = self.now - dt.timedelta(minutes=5)
        for count, path, (newest, oldest), overdue in RECENT_PATHS:
            for k in range(count):
                if path == ("duplicate",):
                    # An open original, reported long enough ago for a second report since.
                    open_ones = [
                        p
                        for p in plans
                        if p.state in (S.DISPATCHED, S.IN_PROGRESS)
                        and p.reported_at < limit - dt.timedelta(days=2)
                    ]
                    original = rng.choice(open_ones)
                    hours = min(rng.uniform(12, 60), _hours(limit - original.reported_at) / 2)
                    plans.append(self._duplicate(original, hours))
                    continue
                category = rng.choice(short if overdue else self.categories)
                source = rng.choices(list(SOURCE_WEIGHTS), list(SOURCE_WEIGHTS.values()))[0]
                day = self.today - dt.timedelta(days=rng.randint(newest, oldest))
                at = min(_local(day, rng.uniform(8, 18)), limit - dt.timedelta(hours=len(path)))
                # One of each kind in the community of the demo logins, so they have work.
                community = self.demo_community if k == 0 else self._community(0.3)
                plan = self._plan(category, source, community, at)
                self._run(plan, path, limit=limit)
                plans.append(plan)
        return plans

    def _community(self, demo_share: float) -> Community:
        if self.rng.random() < demo_share:
            return self.demo_community
        return self.rng.choice(self.communities)

    def _plan(
        self, category: Category, source: str, community: Community, at: dt.datetime
    ) -> _Plan:
        rng = self.rng
        self.serial += 1
        n = self.serial
        if not category.resident_reportable and source in PUBLIC_SOURCES:
            source = ProblemSource.GRASSROOTS_VISIT  # residents cannot report these
        compounds = self.compounds.get(community.pk, [])
        compound = rng.choice(compounds) if compounds and rng.random() < 0.85 else None
        place = compound.name if compound else community.name
        title, detail = rng.choice(self.texts[category.code])
        values = {
            "c": place,
            "b": rng.randint(1, 18),
            "u": rng.randint(1, 4),
            "n": rng.randint(2, 9),
        }
        address = place
        if "{u}" in title + detail:
            address += "{b}栋{u}单元".format(**values)
        elif "{b}" in title + detail:
            address += "{b}栋".format(**values)
        answers: dict[str, Any] = {}
        questions = {q["code"] for q in category.extra_questions}
        if "location_detail" in questions and address != place:
            answers["location_detail"] = address.removeprefix(place)
        if "volume" in questions and rng.random() < 0.7:
            answers["volume"] = rng.choice(["small", "medium", "large"])
        anonymous = source in PUBLIC_SOURCES and rng.random() < 0.2
        has_reporter = source != ProblemSource.OTHER or rng.random() < 0.5
        user = self._reporting_user(source, community)
        lat = lng = None
        if source != ProblemSource.HOTLINE_12345 or rng.random() < 0.5:
            lat, lng = self._point_in(community, rng.uniform(0, 110))
        fields: dict[str, Any] = {
            "number": "",
            "title": title.format(**values)[:120],
            "description": detail.format(**values),
            "category": category,
            "source": source,
            "reporter_name": "" if anonymous or not has_reporter else person_name(3000 + n),
            "reporter_phone": "" if anonymous or not has_reporter else _phone(n),
            "reporter_anonymous": anonymous,
            "community": community,
            "compound": compound,
            "address": address,
            "lat": lat,
            "lng": lng,
            "priority": rng.choice(PRIORITIES),
            "state": S.REPORTED,
            "deadline": None,
            "dispatched_to_community": False,
            "pending_request": PendingRequest.NONE,
            "requested_deadline": None,
            "satisfaction": "",
            "reopened_by_rating": False,
            "rework_count": 0,
            "is_public": source != ProblemSource.INSPECTION or rng.random() < 0.5,
            "extra_answers": answers,
            "version": 1,
            "created_by": user,
            "created_at": at,
            "updated_at": at,
            "handled_at": None,
            "closed_at": None,
        }
        units, to_community = self._targets(community)
        plan = _Plan("", fields, category, at, units, to_community)
        plan.events.append(
            ProblemEvent(
                action="report",
                from_state="",
                to_state=S.REPORTED,
                actor=user,
                actor_role=Actor.REPORTER if source in PUBLIC_SOURCES else "",
                at=at,
            )
        )
        return plan

    def _reporting_user(self, source: str, community: Community) -> User | None:
        if source == ProblemSource.INSPECTION:
            return self.users.get("inspector")
        if source == ProblemSource.COMMUNITY_PATROL and community == self.demo_community:
            return self.users.get("community")
        return None

    def _point_in(self, community: Community, radius_m: float) -> tuple[float | None, float | None]:
        if community.centre_lat is None or community.centre_lng is None:
            return None, None
        angle = self.rng.uniform(0, 2 * math.pi)
        dlat = radius_m * math.sin(angle) / 111_320
        dlng = radius_m * math.cos(angle) / (111_320 * math.cos(math.radians(community.centre_lat)))
        return round(community.centre_lat + dlat, 6), round(community.centre_lng + dlng, 6)

    def _targets(self, community: Community) -> tuple[list[Unit], bool]:
        """Units paired with the community (the demo unit in its community) and/or it."""
        rng = self.rng
        paired = self.paired.get(community.pk, [])
        if community == self.demo_community and self.demo_unit in paired:
            return [self.demo_unit], rng.random() < 0.1  # the demo's unit login has work
        if not paired or rng.random() < 0.12:
            return [], True
        units = rng.sample(paired, 2 if len(paired) > 1 and rng.random() < 0.2 else 1)
        return units, rng.random() < 0.1

    def _rating(self, plan: _Plan, path: tuple[str, ...]) -> tuple[str, ...]:
        """A rating after closing: by the reporter, or recorded on the call-back."""
        rng = self.rng
        if path[-1] != "verify_pass" or plan.fields["source"] == ProblemSource.INSPECTION:
            return ()
        public = plan.fields["source"] in PUBLIC_SOURCES
        if public and rng.random() < 0.4:
            return (f"rate:{rng.choice(RATINGS)}",)
        if plan.fields["reporter_phone"] and rng.random() < 0.6:
            rating = rng.choice(RATINGS)
            # A dissatisfied rating reopens it once; it is then handled again.
            tail = ("start", "handle", "verify_pass") if rating == Satisfaction.DISSATISFIED else ()
            return (f"callback:{rating}", *tail)
        return ()

    def _duplicate(self, original: _Plan, hours_later: float) -> _Plan:
        """The same problem reported again nearby, then marked a duplicate of ``original``."""
        rng = self.rng
        f = original.fields
        later = original.reported_at + dt.timedelta(hours=hours_later)
        at = _office_hours(later.replace(second=0, microsecond=0), rng)
        source = rng.choice(PUBLIC_SOURCES if f["category"].resident_reportable else ["other"])
        plan = self._plan(original.category, source, f["community"], at)
        plan.original = original
        plan.fields.update(compound=f["compound"], address=f["address"], title=f["title"])
        plan.fields["description"] = "又有居民反映：" + f["description"]
        if f["lat"] is not None:  # about 10 m away: within the suggestions' 50 m
            plan.fields.update(lat=round(f["lat"] + rng.uniform(-9e-5, 9e-5), 6), lng=f["lng"])
        path = ("mark_duplicate",) if rng.random() < 0.6 else ("accept", "mark_duplicate")
        limit = min(self.now - dt.timedelta(minutes=5), at + dt.timedelta(days=3))
        self._run(plan, path, limit=limit)
        return plan

    # -- replaying a path -------------------------------------------------------

    def _run(self, plan: _Plan, path: Sequence[str], *, limit: dt.datetime) -> None:
        at = plan.reported_at
        for position, step in enumerate(path):
            action, _, rating = step.partition(":")
            later = self._time_of(plan, action, at)
            # Leave room for the steps still to come before ``limit`` (now, for recent ones).
            latest = limit - dt.timedelta(minutes=10 * (len(path) - position))
            at = max(at + dt.timedelta(minutes=1), min(later, latest))
            self._act(plan, action, at, rating)

    def _time_of(self, plan: _Plan, action: str, after: dt.datetime) -> dt.datetime:
        rng = self.rng
        if action == "handle":
            deadline = plan.fields["deadline"]
            if rng.random() < 0.85:  # on time
                end = _local(deadline, 17)
                hours = max(4.0, rng.uniform(4, max(4.0, _hours(end - after))))
            else:
                hours = _hours(_local(deadline, 17) - after) + rng.uniform(20, 140)
            return _office_hours(after + dt.timedelta(hours=hours), rng)
        low, high = DELAY_HOURS[action]
        return _office_hours(after + dt.timedelta(hours=rng.uniform(low, high)), rng)

    def _act(self, plan: _Plan, action: str, at: dt.datetime, rating: str) -> None:
        rng = self.rng
        actor, role = self._actor(plan, action)
        deadline = None
        day = timezone.localtime(at).date()
        if action == "dispatch" or (action in ("rate", "callback") and rating == "dissatisfied"):
            deadline = self._deadline(plan.category, day)
        elif action == "request_extension":
            deadline = plan.fields["deadline"] + dt.timedelta(days=rng.randint(5, 12))
        kind = f"{action}:{rating}" if rating else action
        notes = self.notes.get(kind) or self.notes.get(action) or [""]
        note = rng.choice(notes).format(n=rng.randint(3, 20))
        plan.act(action, at, actor=actor, role=role, note=note, deadline=deadline, rating=rating)

    def _actor(self, plan: _Plan, action: str) -> tuple[User | None, str]:
        """Who acts: the demo logins where the demo's scope covers it, else by role only."""
        t = TRANSITIONS[action]
        here = plan.fields["community"] == self.demo_community
        if action == "rate":
            return None, Actor.REPORTER
        if t.actors == (Actor.OFFICE,):
            return self.users.get("office"), Actor.OFFICE
        if Actor.UNIT in t.actors:
            if self.demo_unit in plan.units:
                return self.users.get("unit"), Actor.UNIT
            if plan.units:
                return None, Actor.UNIT
        return (self.users.get("community") if here else None), Actor.COMMUNITY

    def _deadline(self, category: Category, day: dt.date) -> dt.date:
        """``services.deadline_for(category, day)``, with one holiday calendar per year
        instead of one per call (two queries each): the same working days, far faster."""
        key = (category.pk, day)
        if key not in self._deadlines:
            if day.year not in self._calendars:
                self._calendars[day.year] = load_calendar(day.year, day.year + 1)
            calendar = self._calendars[day.year]
            self._deadlines[key] = services.add_working_days(
                day, category.deadline_working_days, calendar
            )
        return self._deadlines[key]


def _local(day: dt.date, hour: float) -> dt.datetime:
    naive = dt.datetime.combine(day, dt.time()) + dt.timedelta(hours=hour)
    return timezone.make_aware(naive.replace(second=0, microsecond=0))


def _hours(delta: dt.timedelta) -> float:
    return delta.total_seconds() / 3600


def _office_hours(at: dt.datetime, rng: random.Random) -> dt.datetime:
    """Move a time outside 08:00–19:00 to the next morning."""
    local = timezone.localtime(at)
    if 8 <= local.hour < 19:
        return at
    day = local.date() + dt.timedelta(days=1 if local.hour >= 19 else 0)
    return _local(day, rng.uniform(8, 10))


def _phone(n: int) -> str:
    """A fictional mobile number, 138 and eight digits, different for each ``n``."""
    return f"138{(n * 7_919_361 + 20_210_701) % 100_000_000:08d}"


# --- writing --------------------------------------------------------------------


@contextlib.contextmanager
def _explicit_timestamps(*model_classes: type[models.Model]) -> Iterator[None]:
    """Let bulk inserts keep the story's timestamps instead of ``auto_now(_add)``.

    Only the demo loader, in its own transaction, ever enters this.
    """
    saved = []
    for model in model_classes:
        for f in model._meta.concrete_fields:
            if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
                saved.append((f, f.auto_now, f.auto_now_add))  # type: ignore[attr-defined]
                f.auto_now = f.auto_now_add = False  # type: ignore[attr-defined]
    try:
        yield
    finally:
        for f, auto_now, auto_now_add in saved:
            f.auto_now, f.auto_now_add = auto_now, auto_now_add  # type: ignore[attr-defined]


def _write(plans: list[_Plan], existing: dict[str, int]) -> None:
    with _explicit_timestamps(Problem, ProblemEvent, Dispatch, ProblemPhoto):
        objects = [Problem(**plan.fields) for plan in plans]
        Problem.objects.bulk_create(objects, batch_size=BATCH)
        pks = dict(existing) | {obj.number: obj.pk for obj in objects}
        duplicates = []
        for plan, obj in zip(plans, objects, strict=True):
            if plan.original is not None:
                obj.duplicate_of_id = pks[plan.original.number]
                duplicates.append(obj)
        Problem.objects.bulk_update(duplicates, ["duplicate_of"], batch_size=BATCH)
        Dispatch.objects.bulk_create(
            [
                Dispatch(problem=obj, unit=unit, dispatched_at=plan.dispatched_at)
                for plan, obj in zip(plans, objects, strict=True)
                if plan.dispatched_at is not None
                for unit in plan.units
            ],
            batch_size=BATCH,
        )
        events = []
        for plan, obj in zip(plans, objects, strict=True):
            for event in plan.events:
                event.problem = obj
                events.append(event)
        ProblemEvent.objects.bulk_create(events, batch_size=BATCH)
        _write_photos(plans)


def _write_photos(plans: list[_Plan]) -> None:
    """A few generated photos: "after" photos of handle events, and photos of reports."""
    # Newest first, the demo logins' community first: the photos the demo shows first.
    order = sorted(plans, key=lambda p: p.number, reverse=True)
    order.sort(key=lambda p: p.fields["community"].code != DEMO_COMMUNITY)
    handles = [e for p in order for e in p.events if e.action == "handle"][:PHOTOS_PER_KIND]
    reports = [
        p.events[0]
        for p in order
        if p.fields["source"] == ProblemSource.RESIDENT_REPORT and p.events[0] not in handles
    ][:PHOTOS_PER_KIND]
    by_problem = {p.number: p for p in plans}
    for event in handles + reports:
        plan = by_problem[event.problem.number]
        raw = _demo_jpeg(plan.number, after=event.action == "handle")
        info = photo_lib.inspect_photo(raw)
        stem = f"demo-{plan.number}-{event.action}"
        photo = ProblemPhoto(
            problem=event.problem,
            event=event,
            format=info.format,
            width=info.width,
            height=info.height,
            size_bytes=info.size_bytes,
            sha256=info.sha256,
            uploaded_by=event.actor,
            created_at=event.at,
        )
        photo.original.save(f"{stem}.jpg", ContentFile(raw), save=False)
        photo.public.save(f"{stem}.jpg", ContentFile(photo_lib.public_copy(raw)), save=False)
        photo.thumb.save(f"{stem}.jpg", ContentFile(photo_lib.thumbnail(raw)), save=False)
        photo.save()
        event.data = {**event.data, "photos": [photo.pk]}
        event.save(update_fields=["data"])


def _demo_jpeg(number: str, *, after: bool) -> bytes:
    """A small JPEG: a coloured gradient with the problem's number on it."""
    shade = int(hashlib.sha256(number.encode()).hexdigest()[:2], 16)
    start = (40, 120 + shade % 100, 60) if after else (120 + shade % 100, 70, 40)
    gradient = Image.linear_gradient("L").resize((640, 480))
    image = ImageOps.colorize(gradient, black=start, white=(235, 235, 220))
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default(size=44)
    draw.text((32, 380), f"{number} {'after' if after else 'before'}", fill="white", font=font)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=80)
    return out.getvalue()


def _sync_counters(numbers: list[str]) -> None:
    """Each year's counter at least at the highest demo number, so new reports follow on."""
    highest: dict[int, int] = {}
    for number in numbers:
        year, serial = (int(x) for x in number.split("-"))
        highest[year] = max(highest.get(year, 0), serial)
    counters = {c.year: c for c in ProblemCounter.objects.filter(year__in=list(highest))}
    for year, last in highest.items():
        counter = counters.get(year)
        if counter is None:
            ProblemCounter.objects.create(year=year, last=last)
        elif counter.last < last:
            counter.last = last
            counter.save(update_fields=["last"])


def _sync_open311_clients() -> None:
    for name, key, source in OPEN311_CLIENTS:
        wanted = {
            "key_hash": Open311Client.hash_key(key),
            "prefix": key[:8],
            "source": source,
            "is_active": True,
        }
        client = Open311Client.objects.filter(name=name).first()
        if client is None:
            Open311Client.objects.create(name=name, **wanted)
            continue
        changed = [k for k, v in wanted.items() if getattr(client, k) != v]
        for k in changed:
            setattr(client, k, wanted[k])
        if changed:
            client.save(update_fields=changed)


def _escalate(today: dt.date, now: dt.datetime, *, replay: bool) -> int:
    """Run the escalation ladder as the daily task would have (``replay``: on each
    working day of the last weeks, else today only), so overdue problems show
    reminders, chase notices and criticism."""
    run = services_escalation.escalation_run
    last_id = Escalation.objects.order_by("-id").values_list("id", flat=True).first() or 0
    calendar = load_calendar(today.year - 1, today.year)
    days = [today - dt.timedelta(days=n) for n in range(RECENT_DAYS, 0, -1)] if replay else []
    # Steps fall due on working days only, so the runs of the other days find nothing.
    for day in [d for d in days if calendar.is_workday(d)] + [today]:
        run(on=day)
    applied = list(Escalation.objects.filter(id__gt=last_id).select_related("event"))
    _date_escalations(applied, today, now, calendar)
    return len(applied)


def _date_escalations(
    applied: list[Escalation], today: dt.date, now: dt.datetime, calendar: HolidayCalendar
) -> None:
    """Give the escalations replayed for past days the times the daily 08:00 run would have.

    The replay sees each problem as it is now; a problem that was handled and then
    failed verification was not overdue-able while it waited as handled, so its
    steps come at the first run after it went back to work, with the state it had
    then.
    """
    history: dict[int, list[tuple[dt.datetime, str, str]]] = defaultdict(list)
    rows = (
        ProblemEvent.objects.filter(problem_id__in={e.problem_id for e in applied})
        .exclude(action="escalate")
        .order_by("at", "id")
        .values_list("problem_id", "at", "from_state", "to_state")
    )
    for problem_id, at, from_state, to_state in rows:
        history[problem_id].append((at, from_state, to_state))
    working = (S.DISPATCHED, S.IN_PROGRESS)
    events = []
    for escalation in applied:
        event = escalation.event
        past = history[escalation.problem_id]
        if event is None or not past:
            continue
        entered = max(at for at, a, b in past if b in working and a not in working)
        at = _local(escalation.on, 8)
        if at < entered:
            day = timezone.localtime(entered).date()
            at = _local(day if timezone.localtime(entered).hour < 8 else day + _DAY, 8)
            escalation.on = min(timezone.localtime(at).date(), today)
            event.data["working_days_overdue"] = queries.working_days_after(
                escalation.deadline, escalation.on, calendar
            )
        event.at = min(at, now)
        event.from_state = event.to_state = [b for t, _a, b in past if t <= event.at][-1]
        events.append(event)
    Escalation.objects.bulk_update(applied, ["on"], batch_size=BATCH)
    ProblemEvent.objects.bulk_update(events, ["at", "from_state", "to_state", "data"], BATCH)
