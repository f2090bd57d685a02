"""The escalation ladder (督办): reminder, chase notice, written criticism, on working days."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from gongzhi.problems import services, services_escalation
from gongzhi.problems.models import (
    Escalation,
    EscalationKind,
    EscalationStep,
    Problem,
    ProblemEvent,
    ProblemState,
)
from tests.factories import World

MakeProblem = Callable[..., Problem]

# National Day 2026: 1–7 October are off, Saturday 10 October is a make-up working day.
EVE_OF_NATIONAL_DAY = dt.date(2026, 9, 30)


def run(day: dt.date) -> dict[str, int]:
    return services_escalation.escalation_run(on=day)


def kinds_of(problem: Problem) -> list[str]:
    return list(problem.escalations.order_by("on", "id").values_list("kind", flat=True))


def test_the_default_ladder_is_seeded_by_the_migration(db: None) -> None:
    steps = list(EscalationStep.objects.values_list("kind", "name", "offset_working_days"))
    assert steps == [
        ("reminder", "到期前提醒", -1),
        ("chase", "催办通知", 1),
        ("criticism", "列入书面批评", 6),
    ]


def test_each_step_comes_on_its_working_day_across_national_day(
    world: World, make_problem: MakeProblem
) -> None:
    problem = make_problem(ProblemState.DISPATCHED, deadline=EVE_OF_NATIONAL_DAY)
    expected = {
        dt.date(2026, 9, 28): [],
        dt.date(2026, 9, 29): ["reminder"],  # the working day before the deadline
        dt.date(2026, 9, 30): ["reminder"],
        dt.date(2026, 10, 7): ["reminder"],  # still the holiday
        dt.date(2026, 10, 8): ["reminder", "chase"],  # the first working day after it
        dt.date(2026, 10, 13): ["reminder", "chase"],
        # 6 working days after: 8, 9, 10 (make-up Saturday), 12, 13, 14 October.
        dt.date(2026, 10, 14): ["reminder", "chase", "criticism"],
    }
    for day, kinds in expected.items():
        run(day)
        assert kinds_of(problem) == kinds, day
    problem.refresh_from_db()
    assert problem.escalation_kind == EscalationKind.CRITICISM


def test_the_reminder_before_a_deadline_after_the_holiday_comes_before_it(
    world: World, make_problem: MakeProblem
) -> None:
    problem = make_problem(ProblemState.IN_PROGRESS, deadline=dt.date(2026, 10, 8))
    assert run(dt.date(2026, 9, 29)) == {"reminder": 0, "chase": 0, "criticism": 0}
    assert run(EVE_OF_NATIONAL_DAY) == {"reminder": 1, "chase": 0, "criticism": 0}
    problem.refresh_from_db()
    assert problem.escalation_kind == EscalationKind.REMINDER


def test_a_step_is_never_applied_twice_for_the_same_deadline(
    world: World, make_problem: MakeProblem
) -> None:
    problem = make_problem(ProblemState.DISPATCHED, deadline=EVE_OF_NATIONAL_DAY)
    first = run(dt.date(2026, 10, 8))
    assert first == {"reminder": 1, "chase": 1, "criticism": 0}
    assert run(dt.date(2026, 10, 8)) == {"reminder": 0, "chase": 0, "criticism": 0}
    assert run(dt.date(2026, 10, 9)) == {"reminder": 0, "chase": 0, "criticism": 0}
    assert problem.escalations.count() == 2
    assert problem.events.filter(action="escalate").count() == 2


def test_a_missed_run_catches_up_with_every_step_in_ladder_order(
    world: World, make_problem: MakeProblem
) -> None:
    problem = make_problem(ProblemState.DISPATCHED, deadline=EVE_OF_NATIONAL_DAY)
    assert run(dt.date(2026, 10, 20)) == {"reminder": 1, "chase": 1, "criticism": 1}
    notes = list(problem.events.filter(action="escalate").values_list("note", flat=True))
    assert notes == ["到期前提醒", "催办通知", "列入书面批评"]


def test_each_escalation_is_an_event_of_the_system_in_the_history(
    world: World, make_problem: MakeProblem
) -> None:
    problem = make_problem(ProblemState.IN_PROGRESS, deadline=EVE_OF_NATIONAL_DAY)
    run(dt.date(2026, 10, 8))
    event = problem.events.get(action="escalate", note="催办通知")
    chase = EscalationStep.objects.get(kind="chase")
    assert event.actor is None
    assert event.actor_role == "system"
    assert event.from_state == event.to_state == ProblemState.IN_PROGRESS
    assert event.data == {
        "kind": "chase",
        "step": chase.pk,
        "name": "催办通知",
        "deadline": "2026-09-30",
        "working_days_overdue": 1,
    }
    escalation = problem.escalations.get(kind="chase")
    assert escalation.event == event
    assert escalation.on == dt.date(2026, 10, 8)
    assert escalation.deadline == EVE_OF_NATIONAL_DAY
    reminder = problem.events.get(action="escalate", note="到期前提醒")
    assert reminder.data["working_days_overdue"] == 1  # applied on 8 October too


def test_an_escalation_does_not_make_an_open_form_stale(
    world: World, make_problem: MakeProblem
) -> None:
    problem = make_problem(ProblemState.DISPATCHED, deadline=EVE_OF_NATIONAL_DAY)
    version = problem.version
    run(dt.date(2026, 10, 8))
    problem.refresh_from_db()
    assert problem.version == version
    # The unit's form, opened before the run, still goes through.
    services.problem_transition(
        user=world.users["unit"],
        problem_number=problem.number,
        action="start",
        expected_version=version,
    )


@pytest.mark.parametrize(
    "state",
    [
        ProblemState.HANDLED,
        ProblemState.CLOSED,
        ProblemState.PARKED,
        ProblemState.REJECTED,
        ProblemState.DUPLICATE,
    ],
)
def test_handled_closed_parked_and_ended_problems_are_not_escalated(
    world: World, make_problem: MakeProblem, state: str
) -> None:
    problem = make_problem(state, deadline=EVE_OF_NATIONAL_DAY)
    assert run(dt.date(2026, 10, 20)) == {"reminder": 0, "chase": 0, "criticism": 0}
    assert not problem.escalations.exists()
    assert not problem.events.filter(action="escalate").exists()


def test_a_problem_without_a_deadline_is_not_escalated(
    world: World, make_problem: MakeProblem
) -> None:
    make_problem(ProblemState.ACCEPTED)
    assert sum(run(dt.date(2026, 10, 20)).values()) == 0


def test_an_approved_extension_starts_the_ladder_again(
    world: World, make_problem: MakeProblem
) -> None:
    problem = make_problem(ProblemState.IN_PROGRESS, deadline=EVE_OF_NATIONAL_DAY)
    run(dt.date(2026, 10, 8))
    problem.refresh_from_db()
    assert problem.escalation_kind == EscalationKind.CHASE
    problem = services.problem_transition(
        user=world.users["unit"],
        problem_number=problem.number,
        action="request_extension",
        expected_version=problem.version,
        note="材料未到",
        deadline=dt.date(2026, 10, 20),
    )
    problem = services.problem_transition(
        user=world.users["office"],
        problem_number=problem.number,
        action="approve_extension",
        expected_version=problem.version,
    )
    assert problem.deadline == dt.date(2026, 10, 20)
    assert problem.escalation_kind == ""
    # The new deadline gets its own reminder (the working day before 20 October) …
    assert run(dt.date(2026, 10, 16)) == {"reminder": 0, "chase": 0, "criticism": 0}
    assert run(dt.date(2026, 10, 19)) == {"reminder": 1, "chase": 0, "criticism": 0}
    problem.refresh_from_db()
    assert problem.escalation_kind == EscalationKind.REMINDER
    # … and the old deadline's escalations stay in the history.
    assert list(problem.escalations.values_list("deadline", "kind")) == [
        (EVE_OF_NATIONAL_DAY, "reminder"),
        (EVE_OF_NATIONAL_DAY, "chase"),
        (dt.date(2026, 10, 20), "reminder"),
    ]


def test_a_failed_verification_keeps_the_deadline_and_where_the_ladder_was(
    world: World, make_problem: MakeProblem
) -> None:
    problem = make_problem(ProblemState.IN_PROGRESS, deadline=EVE_OF_NATIONAL_DAY)
    run(dt.date(2026, 10, 8))
    Problem.objects.filter(pk=problem.pk).update(state=ProblemState.HANDLED)
    problem.refresh_from_db()
    problem = services.problem_transition(
        user=world.users["community"],
        problem_number=problem.number,
        action="verify_fail",
        expected_version=problem.version,
        note="仍有杂物",
    )
    assert problem.deadline == EVE_OF_NATIONAL_DAY
    assert problem.escalation_kind == EscalationKind.CHASE
    assert problem.rework_count == 1
    assert run(dt.date(2026, 10, 9)) == {"reminder": 0, "chase": 0, "criticism": 0}
    assert run(dt.date(2026, 10, 14)) == {"reminder": 0, "chase": 0, "criticism": 1}


def test_a_deactivated_step_is_skipped(world: World, make_problem: MakeProblem) -> None:
    EscalationStep.objects.filter(kind="reminder").update(is_active=False)
    problem = make_problem(ProblemState.DISPATCHED, deadline=EVE_OF_NATIONAL_DAY)
    assert run(dt.date(2026, 10, 8)) == {"reminder": 0, "chase": 1, "criticism": 0}
    assert kinds_of(problem) == ["chase"]


def test_a_changed_offset_moves_the_step(world: World, make_problem: MakeProblem) -> None:
    EscalationStep.objects.filter(kind="chase").update(offset_working_days=2)
    problem = make_problem(ProblemState.DISPATCHED, deadline=EVE_OF_NATIONAL_DAY)
    run(dt.date(2026, 10, 8))
    assert kinds_of(problem) == ["reminder"]
    run(dt.date(2026, 10, 9))
    assert kinds_of(problem) == ["reminder", "chase"]


def test_an_added_step_of_a_kind_already_applied_keeps_the_most_severe_kind(
    world: World, make_problem: MakeProblem
) -> None:
    EscalationStep.objects.create(kind="chase", name="二次催办", offset_working_days=8)
    problem = make_problem(ProblemState.DISPATCHED, deadline=EVE_OF_NATIONAL_DAY)
    run(dt.date(2026, 10, 14))
    problem.refresh_from_db()
    assert problem.escalation_kind == EscalationKind.CRITICISM
    assert run(dt.date(2026, 10, 16)) == {"reminder": 0, "chase": 1, "criticism": 0}
    problem.refresh_from_db()
    assert problem.escalation_kind == EscalationKind.CRITICISM


def test_with_no_active_step_nothing_happens(world: World, make_problem: MakeProblem) -> None:
    EscalationStep.objects.update(is_active=False)
    make_problem(ProblemState.DISPATCHED, deadline=EVE_OF_NATIONAL_DAY)
    assert run(dt.date(2026, 10, 20)) == {"reminder": 0, "chase": 0, "criticism": 0}
    assert not Escalation.objects.exists()


def test_the_number_of_queries_does_not_grow_with_the_number_of_problems(
    world: World, make_problem: MakeProblem
) -> None:
    day = dt.date(2026, 10, 20)
    for offset in range(2):
        make_problem(ProblemState.DISPATCHED, deadline=dt.date(2026, 9, 1 + offset))
    with CaptureQueriesContext(connection) as few:
        assert run(day) == {"reminder": 2, "chase": 2, "criticism": 2}
    for offset in range(30):
        make_problem(ProblemState.IN_PROGRESS, deadline=dt.date(2026, 8, 1 + offset))
    with CaptureQueriesContext(connection) as many:
        assert run(day) == {"reminder": 30, "chase": 30, "criticism": 30}
    assert len(many) == len(few)
    assert ProblemEvent.objects.filter(action="escalate").count() == 96
