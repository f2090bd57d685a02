"""The REST resource ``bulletins``: list, read, draft, change, issue, documents, brief."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from gongzhi.campaigns.models import Session
from gongzhi.stats import services_bulletins as services
from gongzhi.stats.models import Bulletin, BulletinStatus
from tests.factories import World
from tests.stats.fixtures_bulletins import (  # noqa: F401 - fixtures
    activity_fixture,
    campaign_fixture,
    make_draft_fixture,
    quick_documents_fixture,
    september_fixture,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("quick_documents")]

MakeDraft = Callable[..., Bulletin]
URL = "/api/v1/bulletins"


@pytest.fixture
def office(world: World, api_client: Callable[[Any], Client]) -> Client:
    return api_client(world.users["office"])


def send(client: Client, method: str, url: str, body: Any) -> Any:
    return getattr(client, method)(url, json.dumps(body), content_type="application/json")


def body(**changes: Any) -> dict[str, Any]:
    return {
        "start": "2021-07-01",
        "end": "2021-10-31",
        "exclude_jurisdiction": ["421303"],
        "title": "关于全市周五环境治理活动开展情况的通报",
        "issuer": "随州市创城工作指挥部办公室",
        "number": "随创城办〔2021〕12号",
        **changes,
    }


def test_the_office_drafts_a_bulletin(office: Client, activity: Any, september: Session) -> None:
    response = send(office, "post", URL, body(session_date="2021-09-10"))
    assert response.status_code == 201
    answer = response.json()
    assert answer["status"] == "draft"
    assert answer["filters"]["exclude_jurisdiction"] == ["421303"]
    assert answer["filters"]["jurisdiction"] == []
    assert answer["session_date"] == "2021-09-10"
    assert answer["differences"] is None
    assert answer["figures"]
    assert Bulletin.objects.get().session == september


@pytest.mark.parametrize(
    ("changes", "field", "status"),
    [
        ({"start": "2021-13-01"}, "start", 400),
        ({"end": "2021-06-30"}, "end", 400),
        ({"exclude_jurisdiction": ["999999"]}, "exclude_jurisdiction", 400),
        ({"unit": ["91421300MA4000000X"]}, "unit", 400),
        ({"session_date": "2021-09-11"}, "session_date", 400),
        ({"session_date": "2021-07-09", "start": "2021-09-01"}, "session_date", 400),
        ({"title": ""}, "title", 400),
        ({"title": 12}, "title", 422),
        ({"unit": "91421300MA4000000X"}, "unit", 422),
    ],
)
def test_bad_input_is_refused_naming_the_field_and_saves_nothing(
    office: Client, campaign: Any, changes: dict[str, Any], field: str, status: int
) -> None:
    response = send(office, "post", URL, body(**changes))
    assert response.status_code == status
    assert field in response.json()["errors"]
    assert not Bulletin.objects.exists()


def test_only_the_office_drafts(
    world: World, api_client: Callable[[Any], Client], campaign: Any
) -> None:
    response = send(api_client(world.users["leader"]), "post", URL, body())
    assert response.status_code == 403
    assert not Bulletin.objects.exists()


def test_the_list_pages_by_cursor_and_a_liaison_sees_issued_ones_only(
    world: World, api_client: Callable[[Any], Client], office: Client, make_draft: MakeDraft
) -> None:
    issued = services.bulletin_issue(user=world.users["office"], bulletin=make_draft())
    drafts = [make_draft(number="") for _ in range(2)]
    first = office.get(URL, {"limit": 2}).json()
    assert [b["id"] for b in first["items"]] == [issued.pk, drafts[0].pk]
    rest = office.get(URL, {"limit": 2, "cursor": first["next"]}).json()
    assert [b["id"] for b in rest["items"]] == [drafts[1].pk]
    assert rest["next"] is None
    assert [b["id"] for b in office.get(URL, {"status": "issued"}).json()["items"]] == [issued.pk]
    liaison = api_client(world.users["unit"]).get(URL).json()
    assert [b["id"] for b in liaison["items"]] == [issued.pk]
    assert api_client(world.users["unit"]).get(f"{URL}/{drafts[0].pk}").status_code == 404


def test_a_draft_changes_with_patch_and_with_post(office: Client, make_draft: MakeDraft) -> None:
    row = make_draft()
    patched = send(office, "patch", f"{URL}/{row.pk}", {"title": "九月份通报", "end": "2021-09-30"})
    assert patched.status_code == 200
    assert patched.json()["title"] == "九月份通报"
    assert patched.json()["end"] == "2021-09-30"
    assert patched.json()["filters"]["jurisdiction"] == ["municipal"]
    posted = send(office, "post", f"{URL}/{row.pk}", {"exclude_jurisdiction": ["421303"]})
    assert posted.json()["filters"]["exclude_jurisdiction"] == ["421303"]
    assert posted.json()["title"] == "九月份通报"


def test_a_bad_change_names_the_field(office: Client, make_draft: MakeDraft) -> None:
    row = make_draft()
    response = send(office, "patch", f"{URL}/{row.pk}", {"start": "2022-01-01"})
    assert response.status_code == 400
    assert "end" in response.json()["errors"]


def test_issuing_answers_the_frozen_bulletin_and_issuing_again_is_a_conflict(
    office: Client, make_draft: MakeDraft
) -> None:
    row = make_draft()
    response = office.post(f"{URL}/{row.pk}/issue")
    assert response.status_code == 200
    answer = response.json()
    assert answer["status"] == "issued"
    assert answer["issued_by"] == "office"
    assert answer["differences"] == []
    again = office.post(f"{URL}/{row.pk}/issue")
    assert again.status_code == 409
    assert "never changes" in again.json()["detail"]
    changed = send(office, "patch", f"{URL}/{row.pk}", {"title": "改过的标题"})
    assert changed.status_code == 409
    assert "status" in changed.json()["errors"]


def test_issuing_without_a_number_is_a_400_naming_it(office: Client, make_draft: MakeDraft) -> None:
    row = make_draft(number="")
    response = office.post(f"{URL}/{row.pk}/issue")
    assert response.status_code == 400
    assert response.json()["errors"]["number"]
    row.refresh_from_db()
    assert row.status == BulletinStatus.DRAFT


def test_the_documents_and_the_brief_download(
    office: Client, make_draft: MakeDraft, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.undo()  # the real documents
    row = make_draft()
    docx = office.get(f"{URL}/{row.pk}/docx")
    assert docx.status_code == 200
    assert docx["Content-Type"].endswith("wordprocessingml.document")
    assert docx.content.startswith(b"PK")
    pdf = office.get(f"{URL}/{row.pk}/pdf")
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    brief = office.get(f"{URL}/{row.pk}/brief")
    assert "据统计" in brief.json()["text"]


def test_the_openapi_schema_declares_the_documents_as_files(office: Client) -> None:
    schema = office.get("/api/v1/openapi.json").json()
    docx = schema["paths"]["/api/v1/bulletins/{bulletin_id}/docx"]["get"]["responses"]["200"]
    assert (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document" in docx["content"]
    )
