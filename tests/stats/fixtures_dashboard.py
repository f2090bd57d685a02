"""Helpers of the dashboard tests, on top of the hand-built city of ``fixtures_figures``
(the ``city`` fixture of ``tests/stats/conftest.py``).

Its figures for July–August 2021 (worked out there): person-times 68, municipal
units 44; funds 9,500,050 fen, municipal 8,500,050; 3 sessions held; problems
reported 8, closed 3.
"""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import openpyxl
from django.test import Client

from gongzhi.activities.models import Attendance, Contribution
from gongzhi.problems.models import Dispatch, Problem, ProblemState
from gongzhi.units.models import Pairing, Unit, UnitKind
from tests.factories import make_credit_code
from tests.stats.fixtures_figures import FigureCity, at

PERIOD = {"start": "2021-07-01", "end": "2021-08-31"}


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def workbook(content: bytes, **kwargs: Any) -> Any:
    return openpyxl.load_workbook(io.BytesIO(content), **kwargs)


def grow(city: FigureCity, n: int, *, serial: int = 0) -> list[Unit]:
    """Add ``n`` municipal units paired with C1, each bringing 2 people to S1, giving
    100 yuan in July and having one problem dispatched to it, with a map pin."""
    units = []
    for i in range(n):
        unit = Unit.objects.create(
            code=make_credit_code(),
            name=f"随州市测试单位{serial + i}",
            kind=UnitKind.INSTITUTION,
        )
        Pairing.objects.create(unit=unit, community=city.c1, start=dt.date(2021, 1, 1))
        Attendance.objects.create(
            session=city.sessions["S1"], unit=unit, community=city.c1, headcount=2
        )
        Contribution.objects.create(
            unit=unit, community=city.c1, date=dt.date(2021, 7, 20), amount_fen=10_000
        )
        problem = Problem.objects.create(
            number=f"2021-8{serial + i:05d}",
            description="grown",
            community=city.c1,
            category=city.cat_a,
            source="resident_report",
            state=ProblemState.DISPATCHED,
            lat=31.69 + i * 0.001,
            lng=113.38,
        )
        Problem.objects.filter(pk=problem.pk).update(created_at=at(7, 20))
        Dispatch.objects.create(problem=problem, unit=unit)
        units.append(unit)
    return units


def pin(city: FigureCity, *keys: str) -> None:
    """Give the named problems of the city a place on the map."""
    for i, key in enumerate(keys):
        Problem.objects.filter(pk=city.problems[key].pk).update(lat=31.7 + i * 0.01, lng=113.37)
