"""Fixtures of the bulletin tests: a campaign with attendance and funds in 2021, drafts,
and quick stand-ins for rendering the documents where a test does not read them."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from typing import Any

import pytest

from gongzhi.activities.models import Attendance, Contribution
from gongzhi.campaigns import services as campaign_services
from gongzhi.campaigns.models import Campaign, Session
from gongzhi.stats import bulletin as document
from gongzhi.stats import services_bulletins as services
from gongzhi.stats.bulletin import BulletinSpec
from gongzhi.stats.figures import MUNICIPAL, StatsFilter
from gongzhi.stats.models import Bulletin
from tests.factories import World

SEPTEMBER_10 = dt.date(2021, 9, 10)
PERIOD = (dt.date(2021, 7, 1), dt.date(2021, 10, 31))


def make_campaign(world: World) -> Campaign:
    """The Friday campaign from July 2021 in the world's communities, sessions to October."""
    row = campaign_services.campaign_create(
        user=world.users["office"],
        values={
            "slug": "friday",
            "name": "周五环境治理活动",
            "start": "2021-07-01",
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
        user=None, campaign=row, until=dt.date(2021, 10, 31), confirm=True
    )
    return row


@pytest.fixture(name="campaign")
def campaign_fixture(world: World) -> Campaign:
    return make_campaign(world)


@pytest.fixture(name="september")
def september_fixture(campaign: Campaign) -> Session:
    """The first session of September 2021 (10 September)."""
    return Session.objects.get(campaign=campaign, date=SEPTEMBER_10)


def make_activity(world: World, september: Session) -> dict[str, Any]:
    """市市场监管局 brought 45 people on 10 September and spent 8万; the district unit 20."""
    own = Attendance.objects.create(
        session=september, unit=world.unit_a, community=world.community_a1, headcount=45
    )
    other = Attendance.objects.create(
        session=september, unit=world.unit_b, community=world.community_b1, headcount=20
    )
    funds = Contribution.objects.create(
        unit=world.unit_a,
        community=world.community_a1,
        date=SEPTEMBER_10,
        amount_fen=8_000_000,
    )
    return {"attendance": own, "district_attendance": other, "contribution": funds}


@pytest.fixture(name="activity")
def activity_fixture(world: World, september: Session) -> dict[str, Any]:
    return make_activity(world, september)


def municipal_filter(start: dt.date = PERIOD[0], end: dt.date = PERIOD[1]) -> StatsFilter:
    return StatsFilter(start=start, end=end, jurisdictions=(MUNICIPAL,))


@pytest.fixture(name="make_draft")
def make_draft_fixture(world: World, activity: dict[str, Any]) -> Callable[..., Bulletin]:
    """``make_draft(**changes)``: a draft of July–October 2021, municipal units only."""

    def make(**values: Any) -> Bulletin:
        arguments: dict[str, Any] = {
            "user": world.users["office"],
            "filter": municipal_filter(),
            "title": "关于全市周五环境治理活动开展情况的通报",
            "issuer": "随州市创城工作指挥部办公室",
            "number": "随创城办〔2021〕12号",
            **values,
        }
        return services.bulletin_create(**arguments)

    return make


# --- the documents ------------------------------------------------------------------------


def _quick_document(kind: str) -> Callable[[BulletinSpec, dict[str, Any]], bytes]:
    def render(spec: BulletinSpec, figures: dict[str, Any]) -> bytes:
        return f"{kind} {spec.number} {json.dumps(figures, sort_keys=True)}".encode()

    return render


@pytest.fixture(name="quick_documents")
def quick_documents_fixture(monkeypatch: pytest.MonkeyPatch) -> None:
    """DOCX and PDF as a line of text holding the figures: the lifecycle tests that do not
    read the documents skip rendering them (a second or two each). The figures, the
    differences and the brief stay the real ones."""
    monkeypatch.setattr(document, "render_docx", _quick_document("DOCX"))
    monkeypatch.setattr(document, "render_pdf", _quick_document("PDF"))
