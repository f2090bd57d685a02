"""Writing the demo's inspections (planned by ``inspections_scores``): the rows with
their history, item scores, findings and their photos, and the reporters of the
problems the findings raised."""

from __future__ import annotations

import datetime as dt
import functools
import io
import random
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.utils import timezone
from PIL import Image, ImageDraw, ImageFont, ImageOps
from simple_history.utils import bulk_create_with_history

from gongzhi.campaigns.models import Session
from gongzhi.core import photos as photo_lib
from gongzhi.core.models import User
from gongzhi.core.photo_store import store_photo
from gongzhi.demo.problems import _explicit_timestamps
from gongzhi.inspections.models import (
    ChecklistItem,
    Finding,
    FindingPhoto,
    Grade,
    Inspection,
    InspectionGroup,
    InspectionRound,
    InspectionStatus,
    ItemScore,
)
from gongzhi.problems.models import Problem, ProblemEvent, ProblemState
from gongzhi.units.models import Unit

BATCH = 500
PHOTO_SIZE = (320, 240)
PHOTO_SHAPES = 14
#: Rectification problems in these states are settled; any other is not yet rectified.
SETTLED = (ProblemState.CLOSED, ProblemState.REJECTED, ProblemState.DUPLICATE)

Scores = dict[str, tuple[Decimal | None, bool | None]]  # item code → (score, passed)


@dataclass(frozen=True)
class Written:
    """The demo's inspection rows now in the database (all of them, not only new ones)."""

    submitted: int
    drafts: int
    findings: int
    rectifications: int
    rectifications_open: int


@dataclass
class PlannedFinding:
    """A finding to write: on the item coded ``item``, raising ``problem`` if any."""

    item: str
    text: str
    problem: Problem | None = None


@dataclass
class Visit:
    """One inspection to write."""

    round: InspectionRound
    unit: Unit
    group: InspectionGroup
    inspector: User | None
    status: str
    date: dt.date
    community_id: int | None
    at: dt.datetime  # submitted (or last saved, for a draft)
    findings: list[PlannedFinding] = field(default_factory=list)
    notes: str = ""
    scores: Scores = field(default_factory=dict)


def write(
    visits: list[Visit],
    *,
    items: dict[int, dict[str, ChecklistItem]],
    sessions: dict[dt.date, Session],
    rules: Any,
) -> None:
    """Write ``visits`` (new ones): ``items`` by template and code, the campaign's
    ``sessions`` by date, the ranking ``rules`` that grade them."""
    # A problem already linked to another finding stays there: this one keeps its text
    # (and photo) without raising it again.
    taken = set(Finding.objects.filter(problem__isnull=False).values_list("problem_id", flat=True))
    for planned in (f for visit in visits for f in visit.findings):
        if planned.problem is not None and planned.problem.pk in taken:
            planned.problem = None
    rows = []
    for visit in visits:
        submitted = visit.status == InspectionStatus.SUBMITTED
        total = total_of(visit.scores) if submitted else None
        row = Inspection(
            round=visit.round,
            unit=visit.unit,
            group=visit.group,
            inspector=visit.inspector,
            date=visit.date,
            community_id=visit.community_id,
            session_id=sessions[visit.date].pk if visit.date in sessions else None,
            status=visit.status,
            total_score=total,
            grade=grade_of(total, rules) if total is not None else "",
            notes=visit.notes,
            submitted_at=visit.at if submitted else None,
            updated_at=visit.at,
        )
        row._history_date = visit.at  # type: ignore[attr-defined]
        row._history_user = visit.inspector  # type: ignore[attr-defined]
        rows.append(row)
    with _explicit_timestamps(Inspection, Finding, FindingPhoto):
        bulk_create_with_history(rows, Inspection, batch_size=BATCH)
        scores: list[ItemScore] = []
        findings: list[Finding] = []
        for visit, row in zip(visits, rows, strict=True):
            by_code = items[visit.round.template_id]
            for code, (score, passed) in visit.scores.items():
                scores.append(
                    ItemScore(inspection=row, item=by_code[code], score=score, passed=passed)
                )
            for n, plan in enumerate(visit.findings):
                findings.append(
                    Finding(
                        inspection=row,
                        item=by_code.get(plan.item),
                        text=plan.text,
                        demands_rectification=plan.problem is not None,
                        category=plan.problem.category if plan.problem else None,
                        problem=plan.problem,
                        created_at=visit.at - dt.timedelta(minutes=5 * (len(visit.findings) - n)),
                    )
                )
        ItemScore.objects.bulk_create(scores, batch_size=BATCH)
        Finding.objects.bulk_create(findings, batch_size=BATCH)
        inspectors = {row.pk: visit.inspector for visit, row in zip(visits, rows, strict=True)}
        for finding in findings:
            if finding.item is not None and finding.item.evidence_required:
                _photo(finding, inspectors[finding.inspection_id])


def _photo(finding: Finding, inspector: User | None) -> None:
    """The photo that shows what a finding on an item needing evidence says."""
    inspection = finding.inspection
    name = f"{inspection.round.number}-{inspection.unit.code}-{finding.item.code}"  # type: ignore[union-attr]
    raw = _demo_jpeg(name, timezone.localtime(finding.created_at))
    photo = FindingPhoto(finding=finding, created_at=finding.created_at)
    store_photo(photo, raw, photo_lib.inspect_photo(raw), inspector)


def _demo_jpeg(name: str, at: dt.datetime) -> bytes:
    """A small picture: a tinted gradient with some clutter on it and a caption."""
    rng = random.Random(name)  # noqa: S311 - reproducible demo data, not secrets
    tint = (rng.randint(90, 200), rng.randint(70, 160), rng.randint(40, 120))
    image = ImageOps.colorize(_gradient(), black=tint, white=(235, 235, 220))
    draw = ImageDraw.Draw(image)
    width, height = PHOTO_SIZE
    for _ in range(PHOTO_SHAPES):
        x, y = rng.randrange(width), rng.randrange(height - 60)
        w, h = rng.randint(10, 90), rng.randint(10, 60)
        colour = tuple(rng.randint(20, 230) for _c in range(3))
        draw.rectangle((x, y, x + w, y + h), fill=colour)
    draw.text((12, height - 34), f"{at:%Y-%m-%d %H:%M}", fill="white", font=_font())
    out = io.BytesIO()
    image.save(out, "JPEG", quality=80)
    return out.getvalue()


@functools.cache
def _gradient() -> Image.Image:
    return Image.linear_gradient("L").resize(PHOTO_SIZE)


@functools.cache
def _font() -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    return ImageFont.load_default(size=22)


def name_reporters(rounds: list[InspectionRound]) -> None:
    """A linked problem was reported by the inspector of the inspection that found it."""
    links = Finding.objects.filter(
        inspection__round__in=rounds, problem__isnull=False, inspection__inspector__isnull=False
    ).values_list("problem_id", "inspection__inspector_id")
    wanted = dict(links)
    if not wanted:
        return
    problems = [
        p
        for p in Problem.objects.filter(pk__in=list(wanted)).only("pk", "created_by_id")
        if p.created_by_id != wanted[p.pk]
    ]
    for problem in problems:
        problem.created_by_id = wanted[problem.pk]
    Problem.objects.bulk_update(problems, ["created_by"], batch_size=BATCH)
    reports = [
        e
        for e in ProblemEvent.objects.filter(problem_id__in=list(wanted), action="report").only(
            "pk", "problem_id", "actor_id"
        )
        if e.actor_id != wanted[e.problem_id]
    ]
    for event in reports:
        event.actor_id = wanted[event.problem_id]
    ProblemEvent.objects.bulk_update(reports, ["actor"], batch_size=BATCH)


def count(rounds: list[InspectionRound]) -> Written:
    inspections = Inspection.objects.filter(round__in=rounds)
    findings = Finding.objects.filter(inspection__round__in=rounds)
    rectifications = findings.filter(problem__isnull=False)
    return Written(
        submitted=inspections.filter(status=InspectionStatus.SUBMITTED).count(),
        drafts=inspections.filter(status=InspectionStatus.DRAFT).count(),
        findings=findings.count(),
        rectifications=rectifications.count(),
        rectifications_open=rectifications.exclude(problem__state__in=SETTLED).count(),
    )


def grade_of(total: Decimal, rules: Any) -> str:
    """The grade of a total by the ranking rules' thresholds."""
    if total >= rules.excellent_min:
        return Grade.EXCELLENT
    if total >= rules.good_min:
        return Grade.GOOD
    if total >= rules.fair_min:
        return Grade.FAIR
    return Grade.POOR


def total_of(scores: Scores) -> Decimal:
    """The sum of the scored items (checks count in the achievement rate)."""
    return sum((s for s, _passed in scores.values() if s is not None), Decimal(0))
