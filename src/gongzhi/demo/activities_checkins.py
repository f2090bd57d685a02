"""Demo check-ins: the members of the units paired with the demo community check in
at the sessions their unit attended, check out, and the community certifies their
hours ("whoever organises records, whoever records certifies").

The demo member login is one of them, so it has volunteer hours to show, and,
once the check-in services exist, a certificate of volunteer service hours for
everything up to the end of last year. A certificate states the volunteer's
identity, so these members get fictional ID card numbers (with a valid check
character) and volunteer numbers.

Check-ins of the last two weeks are not certified yet: community staff have work.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import random
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.utils import timezone

from gongzhi.activities.models import CheckIn, VolunteerCertificate
from gongzhi.demo.activities_attendance import REFERENCE_START, Key
from gongzhi.demo.rows import sync_rows
from gongzhi.units.models import Member

if TYPE_CHECKING:
    from gongzhi.demo.activities import DemoSessions

SEED = 20210709
CHECKED_IN_SHARE = 0.85
CERTIFIED_SHARE = 0.95
#: Check-ins land within this many metres of the community's centre (outlines: 200 m).
SPREAD_M = 120
METRES_PER_DEGREE = 111_320
_QUARTER = dt.timedelta(minutes=15)
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


@dataclass(frozen=True)
class CheckinsLoaded:
    check_ins: int
    certificates: int


def load(ctx: DemoSessions, attendance: dict[Key, int]) -> CheckinsLoaded:
    """Write the missing check-ins of the demo community's units' members, their identity,
    and the demo member's certificate."""
    units = sorted(
        {ctx.units[p.unit_id] for p in ctx.pairings if p.community_id == ctx.demo_community.pk},
        key=lambda u: u.code,
    )
    members = sorted(
        Member.objects.active().filter(unit__in=units).select_related("unit", "user"),
        key=lambda m: (m.unit.code, m.name),
    )
    _give_identity(members)
    at: dict[tuple[int, int], list[int]] = defaultdict(list)  # (session, unit) → communities
    for session_id, unit_id, community_id in sorted(
        attendance, key=lambda k: (k[0], k[1], ctx.communities[k[2]].code)
    ):
        at[(session_id, unit_id)].append(community_id)
    staff = ctx.users.get("community")
    rows: list[dict[str, Any]] = []
    for session in ctx.held:
        rng = random.Random(f"{SEED}:{session.slot_date.isoformat()}")  # noqa: S311 - demo data
        by_unit: dict[int, int] = defaultdict(int)
        for member in members:
            k = by_unit[member.unit_id]
            by_unit[member.unit_id] += 1
            row = _check_in(ctx, rng, session, member)
            places = at.get((session.pk, member.unit_id), [])
            if row is not None and places:
                community = ctx.communities[places[k % len(places)]]
                row.update(_place(rng, community.centre_lat, community.centre_lng))
                row["community_id"] = community.pk
                if row["certified_at"] and community == ctx.demo_community and staff:
                    row["certified_by_id"] = staff.pk
                rows.append(row)
    found = sync_rows(
        CheckIn,
        rows,
        key=lambda r: (r["session_id"], r["member_id"]),
        existing=CheckIn.objects.filter(session__in=ctx.held, member__in=members),
    )
    return CheckinsLoaded(check_ins=len(found), certificates=_certificate(ctx, members))


def _check_in(
    ctx: DemoSessions, rng: random.Random, session: Any, member: Member
) -> dict[str, Any] | None:
    comes = rng.random() < CHECKED_IN_SHARE
    start = _local(session.date, session.start_time) + dt.timedelta(minutes=rng.randint(-20, 10))
    end = _local(session.date, session.end_time) + dt.timedelta(minutes=rng.randint(-25, 5))
    certified_after = dt.timedelta(days=rng.randint(1, 5), minutes=rng.randint(540, 1020))
    certifies = rng.random() < CERTIFIED_SHARE
    accuracy = rng.choice((5.0, 8.0, 10.0, 15.0, 20.0, 30.0))
    if not comes:
        return None
    recent = session.date >= ctx.waiting_from
    certified_at = None
    if certifies and not recent:
        certified_at = timezone.make_aware(dt.datetime.combine(session.date, dt.time())) + (
            certified_after
        )
    return {
        "session_id": session.pk,
        "member_id": member.pk,
        "unit_id": member.unit_id,
        "checked_in_at": start,
        "accuracy_m": accuracy,
        "checked_out_at": end,
        "hours": _hours(end - start),
        "certified_at": certified_at,
        "certified_by_id": None,
    }


def _place(rng: random.Random, lat: float | None, lng: float | None) -> dict[str, Any]:
    """Where the member checked in and out: near the community's centre."""
    points: list[tuple[float | None, float | None]] = []
    for _ in range(2):
        angle, radius = rng.uniform(0, 2 * math.pi), rng.uniform(0, SPREAD_M)
        if lat is None or lng is None:
            points.append((None, None))
            continue
        dlat = radius * math.sin(angle) / METRES_PER_DEGREE
        dlng = radius * math.cos(angle) / (METRES_PER_DEGREE * math.cos(math.radians(lat)))
        points.append((round(lat + dlat, 6), round(lng + dlng, 6)))
    (lat_in, lng_in), (lat_out, lng_out) = points
    return {"lat": lat_in, "lng": lng_in, "out_lat": lat_out, "out_lng": lng_out}


def _hours(span: dt.timedelta) -> Decimal:
    """Rounded down to the quarter hour, as check-out does."""
    return (Decimal(span // _QUARTER) / 4).quantize(Decimal("0.01"))


def _give_identity(members: list[Member]) -> None:
    """Fictional ID card numbers and volunteer numbers, which a certificate states."""
    rows = [
        {"unit_id": m.unit_id, "name": m.name, **_identity(m.unit.code, m.name)} for m in members
    ]
    sync_rows(Member, rows, key=lambda r: (r["unit_id"], r["name"]), existing=members)


def _identity(unit_code: str, name: str) -> dict[str, str]:
    digest = int.from_bytes(hashlib.sha256(f"{unit_code}:{name}".encode()).digest()[:8], "big")
    born = dt.date(1970, 1, 1) + dt.timedelta(days=digest % (28 * 365))
    body = f"421303{born:%Y%m%d}{digest % 997:03d}"
    check = "10X98765432"[sum(int(d) * w for d, w in zip(body, _ID_WEIGHTS, strict=True)) % 11]
    return {"id_number": body + check, "volunteer_code": f"4213{digest % 10**10:010d}"}


def _certificate(ctx: DemoSessions, members: list[Member]) -> int:
    """The demo member's certificate for everything up to the end of last year, issued
    through the check-in services once (when they exist)."""
    member = next((m for m in members if m.user and m.user.username == "member"), None)
    if member is None:
        return 0
    issued = VolunteerCertificate.objects.filter(member=member).count()
    office = ctx.users.get("office")
    try:
        from gongzhi.activities.services_checkin import certificate_issue
    except ImportError:  # the check-in services come with the same issue
        return issued
    if issued or office is None:
        return issued
    end = dt.date(ctx.today.year - 1, 12, 31)
    certified = CheckIn.objects.filter(
        member=member,
        certified_at__isnull=False,
        session__date__gte=REFERENCE_START,
        session__date__lte=end,
    )
    if not certified.exists():  # loaded in the campaign's first year: nothing to certify yet
        return 0
    certificate_issue(office, member.pk, REFERENCE_START, end, today=ctx.today)
    return 1


def _local(day: dt.date, at: dt.time) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, at))
