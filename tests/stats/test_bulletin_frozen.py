"""An issued bulletin never changes: corrections of the data after issuing show up as
differences on its page and in the API, never in its figures or its documents."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from docx import Document

from gongzhi.activities.models import Attendance, Contribution
from gongzhi.campaigns.models import Session
from gongzhi.stats import services_bulletins as services
from gongzhi.stats.models import Bulletin
from tests.factories import World
from tests.stats.fixtures_bulletins import (  # noqa: F401 - fixtures
    SEPTEMBER_10,
    activity_fixture,
    campaign_fixture,
    make_draft_fixture,
    september_fixture,
)

pytestmark = pytest.mark.django_db

MakeDraft = Callable[..., Bulletin]


def stored(field: Any) -> bytes:
    with field.open("rb") as handle:
        data: bytes = handle.read()
    return data


@pytest.fixture
def issued(world: World, make_draft: MakeDraft, september: Session) -> Bulletin:
    return services.bulletin_issue(user=world.users["office"], bulletin=make_draft())


def correct_the_data(world: World, activity: dict[str, Any]) -> None:
    """The office corrects 市市场监管局's headcount (45 → 50) and books another 2万."""
    Attendance.objects.filter(pk=activity["attendance"].pk).update(headcount=50)
    Contribution.objects.create(
        unit=world.unit_a,
        community=world.community_a1,
        date=SEPTEMBER_10 + dt.timedelta(days=3),
        amount_fen=2_000_000,
    )


def test_an_issued_bulletin_keeps_its_figures_and_documents_after_the_data_changes(
    world: World, issued: Bulletin, activity: dict[str, Any]
) -> None:
    issued.refresh_from_db()
    figures, docx, pdf = issued.figures, stored(issued.docx), stored(issued.pdf)
    correct_the_data(world, activity)
    row = Bulletin.objects.get(pk=issued.pk)
    assert row.figures == figures
    assert stored(row.docx) == docx
    assert stored(row.pdf) == pdf
    client = Client()
    client.force_login(world.users["office"])
    assert client.get(reverse("stats:bulletin_docx", args=[row.pk])).content == docx
    assert client.get(reverse("stats:bulletin_pdf", args=[row.pk])).content == pdf


def test_the_page_lists_what_would_now_differ(
    world: World, issued: Bulletin, activity: dict[str, Any]
) -> None:
    client = Client()
    client.force_login(world.users["office"])
    before = client.get(reverse("stats:bulletin", args=[issued.pk])).content.decode()
    assert 'data-testid="no-differences"' in before
    correct_the_data(world, activity)
    html = client.get(reverse("stats:bulletin", args=[issued.pk])).content.decode()
    table = html[html.index('data-testid="differences-table"') :]
    table = table[: table.index("</table>")]
    assert "45" in table
    assert "50" in table
    assert 'data-testid="no-differences"' not in html


def test_the_api_gives_the_frozen_figures_and_the_differences(
    world: World,
    issued: Bulletin,
    activity: dict[str, Any],
    api_client: Callable[[Any], Client],
) -> None:
    office = api_client(world.users["office"])
    issued.refresh_from_db()
    correct_the_data(world, activity)
    answer = office.get(f"/api/v1/bulletins/{issued.pk}").json()
    assert answer["figures"] == issued.figures
    assert answer["differences"]
    assert any(c["was"] != c["now"] and "50" in c["now"] for c in answer["differences"])
    liaison = api_client(world.users["unit"]).get(f"/api/v1/bulletins/{issued.pk}").json()
    assert liaison["figures"] == issued.figures
    assert liaison["differences"] is None


def test_a_bulletin_issued_for_real_stores_a_docx_holding_its_figures(
    world: World, make_draft: MakeDraft, september: Session, activity: dict[str, Any]
) -> None:
    row = services.bulletin_issue(user=world.users["office"], bulletin=make_draft())
    row.refresh_from_db()
    document = Document(io.BytesIO(stored(row.docx)))
    text = "\n".join(p.text for p in document.paragraphs)
    cells = "\n".join(
        cell.text for table in document.tables for line in table.rows for cell in line.cells
    )
    assert "随创城办〔2021〕12号" in text
    assert "45" in text + cells
    assert stored(row.pdf).startswith(b"%PDF")
    correct_the_data(world, activity)
    row.refresh_from_db()
    again = Document(io.BytesIO(stored(row.docx)))
    assert "\n".join(p.text for p in again.paragraphs) == text
