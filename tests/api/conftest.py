"""Fixtures of the API fuzz tests: the small city with a campaign, and tokens per role."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.utils import timezone

from gongzhi.activities.models import Attendance, CheckIn, Contribution
from gongzhi.campaigns import services as campaign_services
from gongzhi.core import services as core_services
from gongzhi.imports.models import ImportJob, ImportStatus
from gongzhi.stats.models import Bulletin
from tests.factories import CompoundFactory, World


@pytest.fixture
def fuzz_world(world: World) -> dict[str, list[Any]]:
    """The world plus a compound and a campaign with sessions: the values a lookup may hit."""
    compound = CompoundFactory(community=world.community_a1)
    campaign = campaign_services.campaign_create(
        user=world.users["office"],
        values={
            "slug": "friday",
            "name": "周五环境治理活动",
            "start": "2026-01-01",
            "weekday": 5,
            "nth": [2, 4],
            "mode": "nth_weekday",
            "start_time": "14:30",
            "end_time": "17:30",
            "holiday_policy": "skip",
            "community_codes": [world.community_a1.code, world.community_b1.code],
        },
    )
    campaign_services.campaign_sessions_sync(
        user=None, campaign=campaign, until=dt.date(2026, 3, 31), confirm=True
    )
    first = campaign.sessions.order_by("date").first()
    assert first is not None
    attendance = Attendance.objects.create(
        session=first, unit=world.unit_a, community=world.community_a1, headcount=12
    )
    member = world.unit_a.members.first()
    assert member is not None
    check_in = CheckIn.objects.create(
        session=first,
        community=world.community_a1,
        member=member,
        unit=world.unit_a,
        checked_in_at=timezone.make_aware(dt.datetime.combine(first.date, dt.time(14, 35))),
    )
    contribution = Contribution.objects.create(
        unit=world.unit_a,
        community=world.community_a1,
        date=first.date,
        amount_fen=8_000_000,
    )
    bulletin = Bulletin.objects.create(
        title="关于周五环境治理活动开展情况的通报",
        issuer="随州市创城工作指挥部办公室",
        start=first.date,
        end=first.date,
        session=first,
        created_by=world.users["office"],
    )
    job = ImportJob.objects.create(
        kind="units",
        original_name="units.xlsx",
        file=SimpleUploadedFile("units.xlsx", b"not read"),
        status=ImportStatus.REFUSED,
        errors=[{"row": 2, "field": "名称", "message": "empty"}],
        created_by=world.users["office"],
    )
    return {
        "bulletin_ids": [bulletin.pk],
        "import_job_ids": [job.pk],
        "attendance_ids": [attendance.pk],
        "checkin_ids": [check_in.pk],
        "contribution_ids": [contribution.pk],
        "district_codes": [world.district_a.code, world.district_b.code],
        "street_codes": [world.street_a.code, world.street_b.code],
        "community_codes": [world.community_a1.code, world.community_b2.code],
        "unit_codes": [world.unit_a.code, world.unit_b.code, world.unit_free.code],
        "compound_ids": [compound.pk],
        "pairing_ids": [world.pairing_a.pk, world.pairing_b.pk],
        "member_ids": list(world.unit_a.members.values_list("pk", flat=True)),
        "session_ids": list(campaign.sessions.values_list("pk", flat=True)[:3]),
        "slugs": [campaign.slug],
    }


def bearer(user: Any) -> dict[str, str]:
    key = core_services.api_token_create(user=user, name="fuzz")
    return {"Authorization": f"Bearer {key}"}


@pytest.fixture
def office_headers(world: World) -> dict[str, str]:
    return bearer(world.users["office"])


@pytest.fixture
def liaison_headers(world: World) -> dict[str, str]:
    return bearer(world.users["unit"])


@pytest.fixture
def wsgi_keeps_connection() -> Iterator[None]:
    """Keep the test's database connection open across in-process WSGI requests.

    Django's WSGI handler closes "old" connections at the start and end of every
    request; inside a test's transaction that closes the PostgreSQL connection
    (Django's own test client switches this off the same way).
    """
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)
