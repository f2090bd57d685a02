"""The demo's supervision (DESIGN.md section 8): 10 inspection groups, 4 rounds over the
102 municipal units in 2021, and the round open now.

The story:

- 第一督导组 … 第十督导组, three inspectors each. The inspectors are fictional cadres
  seconded from municipal units (a Member row of their own unit, so the assignment
  never sends a group to a unit one of its members works at); only the demo
  ``inspector`` login can log in: it leads 第一督导组.
- Rounds 1 to 4 (July, August, September and October 2021, closed): every
  municipal unit assigned to one group per round (loads of 10 or 11, never the
  same group two rounds running, never a member's own unit) and inspected by it
  (``inspections_scores``).
- Round 5, open now (from about a month ago to a few weeks ahead), assigned the
  same way: some groups are well on, the demo login's group has a few submitted,
  two drafts, and the rest still to do.

Written with bulk inserts, deterministic, and matched by natural keys (usernames,
group names, round numbers, round × unit): a second run writes nothing. Rows the
office may change in the demo (assignments, inspections, round 5's dates, a
round's checklist) are created when missing and otherwise left as they are.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.hashers import make_password
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from gongzhi.core.models import Role, RoleGrant, User
from gongzhi.demo import inspections_scores
from gongzhi.demo.accounts import DEMO_COMMUNITY, DEMO_INSPECTION_GROUP
from gongzhi.demo.names import mobile, person_name
from gongzhi.demo.rows import sync_rows
from gongzhi.inspections.models import (
    Assignment,
    InspectionGroup,
    InspectionRound,
    RoundStatus,
)
from gongzhi.inspections.seed import seed_default_template
from gongzhi.units.models import Member, Pairing, Unit

NUMERALS = "一二三四五六七八九十"
#: 第一督导组 … 第十督导组; the first is the demo login's.
GROUPS = [DEMO_INSPECTION_GROUP] + [f"第{n}督导组" for n in NUMERALS[1:]]
#: Fictional inspectors ``inspector01`` …; the demo login makes the third of group 1.
INSPECTORS = 29
PER_GROUP = 3
#: Rounds of 2021: (number, name, start, end), all closed.
ROUNDS_2021: list[tuple[int, str, dt.date, dt.date]] = [
    (1, "2021年第一轮督导检查", dt.date(2021, 7, 1), dt.date(2021, 7, 31)),
    (2, "2021年第二轮督导检查", dt.date(2021, 8, 1), dt.date(2021, 8, 31)),
    (3, "2021年第三轮督导检查", dt.date(2021, 9, 1), dt.date(2021, 9, 30)),
    (4, "2021年第四轮督导检查", dt.date(2021, 10, 1), dt.date(2021, 10, 31)),
]
#: The round open now: it started this many days ago and ends this many days ahead.
CURRENT_ROUND = 5
CURRENT_STARTED_DAYS_AGO = 32
CURRENT_ENDS_IN_DAYS = 24
#: Each round moves every unit this many groups on, so no unit meets the same group twice
#: running (the rotation used when ``gongzhi.inspections.assignment`` is not there).
ROTATION_STEP = 3
NAME_OFFSET = 600  # fictional names of inspectors: person_name(NAME_OFFSET + n)


@dataclass(frozen=True)
class InspectionsLoaded:
    """What :func:`load_inspections` found or wrote (demo rows, all of them)."""

    groups: int
    inspectors: int
    rounds: int
    assignments: int
    submitted: int
    drafts: int
    findings: int
    rectifications: int  # findings' ledger problems
    rectifications_open: int  # of them not closed (parked, dispatched, in progress …)


def load_inspections(
    communities: dict[str, Any], units: dict[str, Unit], *, today: dt.date | None = None
) -> InspectionsLoaded:
    """Write the missing groups, inspectors, rounds, assignments and inspections."""
    now = timezone.now()
    today = today or timezone.localdate(now)
    municipal = sorted((u for u in units.values() if u.jurisdiction_id is None), key=_code)
    login = User.objects.filter(username="inspector").first()
    inspectors = _load_inspectors(municipal, communities)
    groups = _load_groups(inspectors, login)
    rounds = _load_rounds(today)
    own = _own_units(groups)
    assignments = _load_assignments(rounds, groups, municipal, own)
    written = inspections_scores.load(
        inspections_scores.Story(
            rounds=rounds,
            assignments=assignments,
            groups=groups,
            units={u.pk: u for u in municipal},
            login=login,
            today=today,
            now=now,
        )
    )
    return InspectionsLoaded(
        groups=len(groups),
        inspectors=len(inspectors) + (1 if login else 0),
        rounds=len(rounds),
        assignments=sum(len(a) for a in assignments.values()),
        submitted=written.submitted,
        drafts=written.drafts,
        findings=written.findings,
        rectifications=written.rectifications,
        rectifications_open=written.rectifications_open,
    )


# --- inspectors and groups ------------------------------------------------------


def _load_inspectors(municipal: list[Unit], communities: dict[str, Any]) -> list[User]:
    """The fictional inspectors with an inspector grant and unusable passwords, each a
    member of the municipal unit they are seconded from."""
    usernames = [f"inspector{n:02d}" for n in range(1, INSPECTORS + 1)]
    existing = {u.username: u for u in User.objects.filter(username__in=usernames)}
    missing = [
        User(
            username=name,
            display_name=person_name(NAME_OFFSET + n),
            password=make_password(None),
        )
        for n, name in enumerate(usernames, start=1)
        if name not in existing
    ]
    if missing:
        User.objects.bulk_create(missing)
        existing.update({u.username: u for u in User.objects.filter(username__in=usernames)})
    users = [existing[name] for name in usernames]
    changed = []
    for n, user in enumerate(users, start=1):
        wanted = person_name(NAME_OFFSET + n)
        if user.display_name != wanted or not user.is_active:
            user.display_name, user.is_active = wanted, True
            changed.append(user)
    if changed:
        User.objects.bulk_update(changed, ["display_name", "is_active"])
    granted = set(
        RoleGrant.objects.filter(
            user__in=users, role=Role.INSPECTOR, revoked_at__isnull=True
        ).values_list("user_id", flat=True)
    )
    RoleGrant.objects.bulk_create(
        [RoleGrant(user=u, role=Role.INSPECTOR) for u in users if u.pk not in granted]
    )
    _load_home_units(users, municipal, communities)
    return users


def _load_home_units(users: list[User], municipal: list[Unit], communities: dict[str, Any]) -> None:
    """Each inspector is a member of a municipal unit. Units paired with the demo
    community are left out (their members' check-ins are part of the Friday story), and
    so is a unit with a member of the same name (members are matched by unit and name)."""
    demo = communities[DEMO_COMMUNITY]
    busy = set(Pairing.objects.filter(community=demo).values_list("unit_id", flat=True))
    homes = [u for u in municipal if u.pk not in busy]
    taken: dict[int, set[str]] = defaultdict(set)
    others = Member.objects.filter(unit__in=homes).exclude(user__in=users)
    for unit_id, name in others.values_list("unit_id", "name"):
        taken[unit_id].add(name)
    rows = []
    for n, user in enumerate(users, start=1):
        start = n * 7
        home = next(
            homes[(start + k) % len(homes)]
            for k in range(len(homes))
            if user.display_name not in taken[homes[(start + k) % len(homes)].pk]
        )
        taken[home.pk].add(user.display_name)
        rows.append(
            {
                "unit_id": home.pk,
                "name": user.display_name,
                "phone": mobile(9000 + n),
                "is_party_member": True,
                "user_id": user.pk,
            }
        )
    sync_rows(
        Member,
        rows,
        key=lambda r: r["user_id"],
        existing=Member.objects.filter(user__in=users),
    )


def _load_groups(inspectors: list[User], login: User | None) -> list[InspectionGroup]:
    """The ten groups; the demo login leads the first with two fictional inspectors."""
    crews: list[list[User]] = [
        ([login] if login else []) + inspectors[: PER_GROUP - 1],
        *(
            inspectors[start : start + PER_GROUP]
            for start in range(PER_GROUP - 1, len(inspectors), PER_GROUP)
        ),
    ]
    rows = [
        {"name": name, "leader_id": crew[0].pk if crew else None, "is_active": True}
        for name, crew in zip(GROUPS, crews, strict=True)
    ]
    found = sync_rows(
        InspectionGroup,
        rows,
        key=lambda r: r["name"],
        existing=InspectionGroup.objects.filter(name__in=GROUPS),
    )
    groups = [found[name] for name in GROUPS]
    have: dict[int, set[int]] = defaultdict(set)
    through = InspectionGroup.members.through
    for group_id, user_id in through.objects.filter(inspectiongroup__in=groups).values_list(
        "inspectiongroup_id", "user_id"
    ):
        have[group_id].add(user_id)
    for group, crew in zip(groups, crews, strict=True):
        missing = [u for u in crew if u.pk not in have[group.pk]]
        if missing:  # few rows: the m2m history records each change
            group.members.add(*missing)
    return groups


def _own_units(groups: list[InspectionGroup]) -> dict[int, set[int]]:
    """Group id → the units its members belong to (as members or unit liaisons)."""
    through = InspectionGroup.members.through
    members: dict[int, set[int]] = defaultdict(set)
    for group_id, user_id in through.objects.filter(inspectiongroup__in=groups).values_list(
        "inspectiongroup_id", "user_id"
    ):
        members[group_id].add(user_id)
    unit_of: dict[int, set[int]] = defaultdict(set)
    for user_id, unit_id in (
        Member.objects.active().filter(user__isnull=False).values_list("user_id", "unit_id")
    ):
        unit_of[user_id].add(unit_id)
    grants = RoleGrant.objects.filter(role=Role.UNIT, revoked_at__isnull=True, unit__isnull=False)
    for user_id, unit_id in grants.values_list("user_id", "unit_id"):
        unit_of[user_id].add(unit_id)
    return {g.pk: {u for user in members[g.pk] for u in unit_of[user]} for g in groups}


# --- rounds and assignments -----------------------------------------------------


def _load_rounds(today: dt.date) -> list[InspectionRound]:
    """Rounds 1–4 as the story has them; round 5 created once, around ``today``."""
    template = seed_default_template()
    fields: dict[int, dict[str, Any]] = {
        number: {"name": name, "start": start, "end": end, "status": RoundStatus.CLOSED}
        for number, name, start, end in ROUNDS_2021
    }
    start = today - dt.timedelta(days=CURRENT_STARTED_DAYS_AGO)
    fields[CURRENT_ROUND] = {
        "name": f"{start.year}年第五轮督导检查",
        "start": start,
        "end": today + dt.timedelta(days=CURRENT_ENDS_IN_DAYS),
        "status": RoundStatus.OPEN,
    }
    existing = {r.number: r for r in InspectionRound.objects.filter(number__in=list(fields))}
    new = []
    for number, values in fields.items():
        round_ = existing.get(number)
        if round_ is None:
            round_ = InspectionRound(number=number, template=template, **values)
            announced = values["start"] - dt.timedelta(days=3)
            round_._history_date = timezone.make_aware(  # type: ignore[attr-defined]
                dt.datetime.combine(announced, dt.time(9))
            )
            new.append(round_)
            existing[number] = round_
        elif number != CURRENT_ROUND:
            changed = [k for k, v in values.items() if getattr(round_, k) != v]
            for name in changed:
                setattr(round_, name, values[name])
            if changed:
                round_.save(update_fields=changed)
    if new:
        bulk_create_with_history(new, InspectionRound)
    return [existing[number] for number in sorted(fields)]


def _load_assignments(
    rounds: list[InspectionRound],
    groups: list[InspectionGroup],
    units: list[Unit],
    own: dict[int, set[int]],
) -> dict[int, dict[int, InspectionGroup]]:
    """Round id → unit id → group: the rows there are, plus the missing ones planned by
    the balanced assignment (from the previous round's rows)."""
    by_pk = {g.pk: g for g in groups}
    existing: dict[int, dict[int, int]] = defaultdict(dict)
    for round_id, unit_id, group_id in Assignment.objects.filter(round__in=rounds).values_list(
        "round_id", "unit_id", "group_id"
    ):
        existing[round_id][unit_id] = group_id
    result: dict[int, dict[int, InspectionGroup]] = {}
    previous: dict[int, int] | None = None
    new = []
    for round_ in rounds:
        have = existing[round_.pk]
        missing = [u for u in units if u.pk not in have]
        if missing:
            planned = assign_units(
                [u.pk for u in units], [g.pk for g in groups], previous, own, round_.number
            )
            day = timezone.make_aware(
                dt.datetime.combine(round_.start - dt.timedelta(days=2), dt.time(10))
            )
            for unit in missing:
                row = Assignment(round=round_, unit=unit, group=by_pk[planned[unit.pk]])
                row._history_date = day  # type: ignore[attr-defined]
                new.append(row)
                have[unit.pk] = planned[unit.pk]
        result[round_.pk] = {u: by_pk[g] for u, g in have.items() if g in by_pk}
        previous = dict(have)
    if new:
        bulk_create_with_history(new, Assignment, batch_size=500)
    return result


def assign_units(
    units: Sequence[int],
    groups: Sequence[int],
    previous: dict[int, int] | None,
    own: dict[int, set[int]],
    number: int,
) -> dict[int, int]:
    """Unit → group for one round: the balanced assignment of ``inspections.assignment``
    when it is there, else a rotation that keeps the same rules."""
    try:
        from gongzhi.inspections.assignment import assign
    except ImportError:
        return rotate(units, groups, previous, own, shift=number * ROTATION_STEP)
    return dict(assign(list(units), list(groups), previous=previous, own_unit=own, seed=number))


def rotate(
    units: Sequence[int],
    groups: Sequence[int],
    previous: dict[int, int] | None,
    own: dict[int, set[int]],
    *,
    shift: int,
) -> dict[int, int]:
    """Deal the units round the groups from ``shift`` on (loads differ by at most one),
    then swap pairs of units until no group has a member's own unit or last round's
    unit (a swap keeps the loads)."""
    previous = previous or {}
    plan = {u: groups[(i + shift) % len(groups)] for i, u in enumerate(units)}

    def fits(unit: int, group: int) -> bool:
        return unit not in own.get(group, set()) and previous.get(unit) != group

    for unit in units:
        if fits(unit, plan[unit]):
            continue
        partner = next(
            (
                other
                for other in units
                if plan[other] != plan[unit] and fits(unit, plan[other]) and fits(other, plan[unit])
            ),
            None,
        )
        if partner is not None:
            plan[unit], plan[partner] = plan[partner], plan[unit]
        elif unit in own.get(plan[unit], set()):
            raise ValueError(f"unit {unit}: every group has a member from it")
    return plan


def _code(unit: Unit) -> str:
    return unit.code
