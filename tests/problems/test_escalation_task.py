"""The daily huey task at 08:00 Shanghai time, and the ``escalate`` command."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable, Iterator
from zoneinfo import ZoneInfo

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone
from huey.contrib.djhuey import HUEY

from gongzhi.problems import tasks
from gongzhi.problems.models import Escalation, Problem, ProblemState
from tests.factories import World

MakeProblem = Callable[..., Problem]


@pytest.fixture
def long_overdue(world: World, make_problem: MakeProblem) -> Problem:
    """A problem 30 days past its deadline today: every step of the ladder is due."""
    return make_problem(
        ProblemState.DISPATCHED, deadline=timezone.localdate() - dt.timedelta(days=30)
    )


@pytest.fixture
def immediate_huey() -> Iterator[None]:
    before = HUEY.immediate
    HUEY.immediate = True
    try:
        yield
    finally:
        HUEY.immediate = before


def test_the_daily_task_runs_the_ladder_for_today(long_overdue: Problem) -> None:
    assert tasks.escalation_daily.call_local() == {"reminder": 1, "chase": 1, "criticism": 1}
    assert set(long_overdue.escalations.values_list("on", flat=True)) == {timezone.localdate()}


def test_the_daily_task_runs_through_the_queue(long_overdue: Problem, immediate_huey: None) -> None:
    tasks.escalation_daily()  # periodic tasks keep no result; look at what it wrote
    assert Escalation.objects.filter(problem=long_overdue).count() == 3


def _periodic_names(timestamp: dt.datetime) -> set[str]:
    return {type(task).__name__ for task in HUEY.read_periodic(timestamp)}


def test_the_task_is_due_at_eight_in_the_morning_shanghai_time() -> None:
    # The queue keeps UTC, so it asks at 00:00 UTC, which is 08:00 in Shanghai.
    assert HUEY.utc
    name = tasks.escalation_daily.task_class.__name__
    assert name in _periodic_names(dt.datetime(2026, 10, 8, 0, 0))
    assert name not in _periodic_names(dt.datetime(2026, 10, 8, 8, 0))
    assert name not in _periodic_names(dt.datetime(2026, 10, 8, 0, 1))


def test_with_a_local_time_queue_the_schedule_still_means_shanghai_time() -> None:
    validate = tasks.local_crontab(hour=8, utc=False)
    eight_in_shanghai = dt.datetime(2026, 10, 8, 8, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    worker_local = eight_in_shanghai.astimezone().replace(tzinfo=None)
    assert validate(worker_local)
    assert not validate(worker_local + dt.timedelta(hours=1))


def test_the_command_prints_the_counts_per_kind(world: World, make_problem: MakeProblem) -> None:
    make_problem(ProblemState.DISPATCHED, deadline=dt.date(2026, 9, 30))
    out = io.StringIO()
    call_command("escalate", "--on", "2026-10-08", "--language", "en", stdout=out)
    assert out.getvalue().splitlines() == [
        "Reminder: 1",
        "Chase notice (催办): 1",
        "Listed for written criticism: 0",
        "2 escalations applied.",
    ]


def test_the_command_refuses_a_date_it_cannot_read(db: None) -> None:
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("escalate", "--on", "8 October")
