"""Helpers of the funds tests: recording a contribution, a problem to link, an old entry."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from gongzhi.activities import services_funds
from gongzhi.activities.models import Contribution
from gongzhi.areas.models import Community
from gongzhi.problems.models import Category, Problem
from tests.core.photo_samples import camera_jpeg
from tests.factories import World

#: The first September 2021 session: unit_a is paired with community_a1 since 2021-07-01.
DAY = dt.date(2021, 9, 10)

_numbers = itertools.count(1)


def record(world: World, user: Any = None, **values: Any) -> Contribution:
    """A contribution through the service; by default unit_a's liaison gives 8万 to
    community_a1 on :data:`DAY`."""
    arguments: dict[str, Any] = {
        "user": user or world.users["unit"],
        "unit_code": world.unit_a.code,
        "community_code": world.community_a1.code,
        "date": DAY,
        "amount": "8万",
        "purpose": "清理垃圾死角",
        "allow_duplicate": True,
    }
    arguments.update(values)
    return services_funds.contribution_record(**arguments)


def make_old(contribution: Contribution, days: int = 31) -> Contribution:
    """Pretend ``contribution`` was entered ``days`` days ago (past the edit window)."""
    Contribution.objects.filter(pk=contribution.pk).update(
        created_at=timezone.now() - dt.timedelta(days=days)
    )
    contribution.refresh_from_db()
    return contribution


def make_problem(community: Community, **fields: Any) -> Problem:
    """A problem in ``community`` (visible to its community staff and the office)."""
    category, _created = Category.objects.get_or_create(
        code="piled_debris",
        defaults={"name": "乱堆乱放杂物", "group": "four_cleanups", "deadline_working_days": 3},
    )
    values: dict[str, Any] = {
        "number": f"2021-8{next(_numbers):05d}",
        "description": "楼道堆放杂物",
        "category": category,
        "source": "community_patrol",
        "community": community,
        "state": "accepted",
    }
    values.update(fields)
    return Problem.objects.create(**values)


def receipt(name: str = "receipt.jpg", raw: bytes | None = None) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, raw if raw is not None else camera_jpeg(), "image/jpeg")
