"""Fixtures of the import tests: the small city of ``tests.factories`` and its users."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from gongzhi.imports import tasks
from tests.factories import World


@pytest.fixture
def office(world: World) -> Any:
    return world.users["office"]


@pytest.fixture
def queued(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[tuple[int, str]]]:
    """Background imports are recorded instead of queued: ``(job id, language)``.

    Run one with ``tasks.import_job_task.call_local(job_id, language)``.
    """
    calls: list[tuple[int, str]] = []

    def record(job_id: int, language: str) -> None:
        calls.append((job_id, language))

    monkeypatch.setattr(tasks, "import_job_task", _Recorder(record, tasks.import_job_task))
    yield calls


class _Recorder:
    """Stands in for the huey task: calling it records; ``call_local`` still runs it."""

    def __init__(self, record: Callable[[int, str], None], task: Any) -> None:
        self._record = record
        self.call_local = task.call_local

    def __call__(self, job_id: int, language: str) -> None:
        self._record(job_id, language)
