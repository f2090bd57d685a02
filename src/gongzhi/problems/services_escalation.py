"""The escalation ladder (督办): reminders, chase notices and written criticism of
overdue problems, applied every working morning (``tasks.escalation_daily``) or by
``gongzhi escalate``. Writes its own events; the ladder's steps are data
(:class:`EscalationStep`)."""

from __future__ import annotations

import datetime as dt
import functools
import operator

from django.db import IntegrityError, transaction
from django.db.models import Exists, F, OuterRef

from gongzhi.campaigns.holidays import load_calendar
from gongzhi.problems import queries
from gongzhi.problems.models import (
    NOT_OVERDUE_STATES,
    Escalation,
    EscalationKind,
    EscalationStep,
    Problem,
    ProblemEvent,
)
from gongzhi.problems.services import _today, shift_working_days

#: ``ProblemEvent.actor_role`` of what the system does by itself (the daily ladder run).
SYSTEM_ROLE = "system"

#: The kinds of the ladder from mild to severe; a problem shows the most severe applied.
ESCALATION_SEVERITY: dict[str, int] = {
    EscalationKind.REMINDER: 1,
    EscalationKind.CHASE: 2,
    EscalationKind.CRITICISM: 3,
}


def escalation_run(*, on: dt.date | None = None) -> dict[str, int]:
    """Apply the escalation ladder on ``on`` (default today); returns new escalations per kind.

    A step applies to a problem that is not handled, closed, rejected,
    duplicate or parked, has a deadline, and for which ``on`` is at or after
    the deadline moved by the step's ``offset_working_days`` (campaign
    calendar; negative offsets count back). Each step applies once per
    deadline: an ``Escalation`` row plus a ``ProblemEvent`` (action
    ``escalate``, actor ``system``, the step's name as the note) in the
    problem's history, and ``Problem.escalation_kind`` becomes the most severe
    kind applied for the current deadline. If the daily run was missed, the
    next run applies every step that has come due, in ladder order.

    The run does not bump ``Problem.version``: an escalation is not a user's
    change, so it must not make anyone's open form stale. It is idempotent
    and costs the same number of queries whatever the number of problems
    (bulk writes; thresholds computed once per distinct deadline). Two runs
    at once cannot both write a step: the loser's transaction fails on the
    unique constraint and is retried once, finding nothing left to do.
    """
    day = on or _today()
    for attempt in (1, 2):
        try:
            with transaction.atomic():
                return _escalation_apply(day)
        except IntegrityError:
            if attempt == 2:
                raise
    raise AssertionError("unreachable")  # pragma: no cover


def _escalation_apply(on: dt.date) -> dict[str, int]:
    counts = dict.fromkeys(EscalationKind.values, 0)
    steps = list(
        EscalationStep.objects.filter(is_active=True).order_by("offset_working_days", "id")
    )
    if not steps:
        return counts
    earliest = min(step.offset_working_days for step in steps)
    # No step can be due for a deadline later than this (generous: holiday weeks).
    latest_deadline = on + dt.timedelta(days=max(0, -earliest) * 3 + 14)
    missing_a_step = functools.reduce(
        operator.or_,
        [
            ~Exists(
                Escalation.objects.filter(
                    problem=OuterRef("pk"), step_id=step.pk, deadline=OuterRef("deadline")
                )
            )
            for step in steps
        ],
    )
    candidates = (
        Problem.objects.filter(deadline__isnull=False, deadline__lte=latest_deadline)
        .exclude(state__in=NOT_OVERDUE_STATES)
        .filter(missing_a_step)
        .order_by()
    )
    rows: list[tuple[int, str, dt.date, str]] = [
        (pk, state, deadline, kind)
        for pk, state, deadline, kind in candidates.select_for_update().values_list(
            "pk", "state", "deadline", "escalation_kind"
        )
        if deadline is not None
    ]
    if not rows:
        return counts
    applied: dict[int, set[tuple[int, str]]] = {}
    for problem_id, step_id, kind in Escalation.objects.filter(
        problem__in=candidates.values("pk"), deadline=F("problem__deadline")
    ).values_list("problem_id", "step_id", "kind"):
        applied.setdefault(problem_id, set()).add((step_id, kind))

    deadlines = {row[2] for row in rows}
    calendar = load_calendar(min(deadlines).year, max(max(deadlines), on).year)
    due_steps: dict[dt.date, list[EscalationStep]] = {}
    overdue_by: dict[dt.date, int] = {}
    for deadline in deadlines:
        due_steps[deadline] = [
            step
            for step in steps
            if on >= shift_working_days(deadline, step.offset_working_days, calendar)
        ]
        overdue_by[deadline] = queries.working_days_after(deadline, on, calendar)

    events: list[ProblemEvent] = []
    pending: list[tuple[int, dt.date, EscalationStep]] = []
    new_kind: dict[str, list[int]] = {}
    for problem_id, state, deadline, current_kind in rows:
        done = applied.get(problem_id, set())
        done_steps = {step_id for step_id, _kind in done}
        kinds = {kind for _step, kind in done}
        for step in due_steps[deadline]:
            if step.pk in done_steps:
                continue
            kinds.add(step.kind)
            pending.append((problem_id, deadline, step))
            events.append(
                ProblemEvent(
                    problem_id=problem_id,
                    action="escalate",
                    from_state=state,
                    to_state=state,
                    actor=None,
                    actor_role=SYSTEM_ROLE,
                    note=step.name,
                    data={
                        "kind": step.kind,
                        "step": step.pk,
                        "name": step.name,
                        "deadline": deadline.isoformat(),
                        "working_days_overdue": overdue_by[deadline],
                    },
                )
            )
        if kinds:
            highest = max(kinds, key=lambda k: ESCALATION_SEVERITY.get(k, 0))
            if highest != current_kind:
                new_kind.setdefault(highest, []).append(problem_id)
    if not events:
        return counts
    events = ProblemEvent.objects.bulk_create(events)
    Escalation.objects.bulk_create(
        [
            Escalation(
                problem_id=problem_id,
                step=step,
                kind=step.kind,
                deadline=deadline,
                on=on,
                event=event,
            )
            for (problem_id, deadline, step), event in zip(pending, events, strict=True)
        ]
    )
    for kind, ids in new_kind.items():
        for start in range(0, len(ids), 500):
            # No version bump and no updated_at: not a user's change (see the docstring).
            Problem.objects.filter(pk__in=ids[start : start + 500]).update(escalation_kind=kind)
    for _problem_id, _deadline, step in pending:
        counts[step.kind] = counts.get(step.kind, 0) + 1
    return counts
