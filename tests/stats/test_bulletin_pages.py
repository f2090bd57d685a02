"""The bulletin pages: list, draft form, a bulletin's page, issuing, documents, brief."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from gongzhi.campaigns.models import Session
from gongzhi.core.documents import FontMissing
from gongzhi.stats import bulletin as document
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


def logged_in(world: World, role: str) -> Client:
    client = Client()
    client.force_login(world.users[role])
    return client


def issue(world: World, row: Bulletin) -> Bulletin:
    return services.bulletin_issue(user=world.users["office"], bulletin=row)


def form_data(world: World, **changes: Any) -> dict[str, Any]:
    return {
        "start": "2021-07-01",
        "end": "2021-10-31",
        "jurisdiction": ["municipal"],
        "exclude_jurisdiction": [],
        "unit": "",
        "community": "",
        "session": "",
        "number": "随创城办〔2021〕12号",
        "title": "关于全市周五环境治理活动开展情况的通报",
        "issuer": "随州市创城工作指挥部办公室",
        "problems_text": "",
        "requirements_text": "",
        **changes,
    }


# --- the list -----------------------------------------------------------------------------


def test_the_office_lists_drafts_and_issued_bulletins_newest_first(
    world: World, make_draft: MakeDraft, django_assert_max_num_queries: Any
) -> None:
    issued = issue(world, make_draft())
    draft = make_draft(number="", title="十月份通报")
    client = logged_in(world, "office")
    with django_assert_max_num_queries(8):
        response = client.get(reverse("stats:bulletin_list"))
    html = response.content.decode()
    assert response.status_code == 200
    assert html.index(f'data-bulletin="{draft.pk}"') < html.index(f'data-bulletin="{issued.pk}"')
    assert "随创城办〔2021〕12号" in html
    assert 'data-testid="new-bulletin"' in html


def test_the_list_narrows_to_one_status(world: World, make_draft: MakeDraft) -> None:
    issued = issue(world, make_draft())
    draft = make_draft(number="")
    html = logged_in(world, "leader").get(reverse("stats:bulletin_list"), {"status": "draft"})
    assert f'data-bulletin="{draft.pk}"' in html.content.decode()
    assert f'data-bulletin="{issued.pk}"' not in html.content.decode()


def test_a_unit_liaison_sees_issued_bulletins_only(world: World, make_draft: MakeDraft) -> None:
    issued = issue(world, make_draft())
    draft = make_draft(number="")
    client = logged_in(world, "unit")
    html = client.get(reverse("stats:bulletin_list")).content.decode()
    assert f'data-bulletin="{issued.pk}"' in html
    assert f'data-bulletin="{draft.pk}"' not in html
    assert "new-bulletin" not in html
    assert client.get(reverse("stats:bulletin", args=[draft.pk])).status_code == 404


def test_members_may_not_see_bulletins(world: World) -> None:
    assert logged_in(world, "member").get(reverse("stats:bulletin_list")).status_code == 403


def test_the_list_pages_on_to_older_bulletins(
    world: World, make_draft: MakeDraft, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("gongzhi.stats.views_bulletins.PER_PAGE", 2)
    rows = [make_draft(number="", title=f"第{n}期") for n in range(3)]
    client = logged_in(world, "office")
    first = client.get(reverse("stats:bulletin_list")).content.decode()
    assert f'data-bulletin="{rows[0].pk}"' not in first
    second = client.get(reverse("stats:bulletin_list"), {"before": rows[1].pk}).content.decode()
    assert f'data-bulletin="{rows[0].pk}"' in second
    assert 'data-testid="older"' not in second


# --- the form -----------------------------------------------------------------------------


def test_the_office_drafts_a_bulletin_on_the_form(world: World, september: Session) -> None:
    client = logged_in(world, "office")
    page = client.get(reverse("stats:bulletin_new"), {"start": "2021-09-01", "end": "2021-09-30"})
    assert page.status_code == 200
    assert "2021-09-10 · 周五环境治理活动" in page.content.decode()
    response = client.post(
        reverse("stats:bulletin_new"),
        form_data(world, session=str(september.pk), exclude_jurisdiction=["421303"]),
    )
    row = Bulletin.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("stats:bulletin", args=[row.pk])
    assert row.session == september
    assert row.filters == {"jurisdiction": ["municipal"], "exclude_jurisdiction": ["421303"]}


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"end": "2021-06-01"}, "end", "The end date lies before the start date."),
        ({"unit": "91421300MA4000000X"}, "unit", "Unknown unit code: 91421300MA4000000X."),
        ({"exclude_jurisdiction": ["999999"]}, "exclude_jurisdiction", "999999"),
        ({"title": ""}, "title", "This field is required."),
        ({"session": "999999"}, "session", "Select a valid choice."),
    ],
)
def test_the_form_refuses_bad_input_naming_the_field_and_saves_nothing(
    world: World, campaign: Any, changes: dict[str, Any], field: str, message: str
) -> None:
    response = logged_in(world, "office").post(
        reverse("stats:bulletin_new"), form_data(world, **changes)
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert f'data-error="{field}"' in html
    assert message in html
    assert not Bulletin.objects.exists()


def test_the_form_refuses_a_session_outside_the_period(world: World, september: Session) -> None:
    data = form_data(world, start="2021-07-01", end="2021-07-31", session=str(september.pk))
    response = logged_in(world, "office").post(reverse("stats:bulletin_new"), data)
    assert response.status_code == 400
    assert 'data-error="session"' in response.content.decode()


@pytest.mark.parametrize("role", ["leader", "unit"])
def test_only_the_office_opens_the_form(world: World, role: str) -> None:
    assert logged_in(world, role).get(reverse("stats:bulletin_new")).status_code == 403


def test_the_office_changes_a_draft(world: World, make_draft: MakeDraft) -> None:
    row = make_draft()
    client = logged_in(world, "office")
    page = client.get(reverse("stats:bulletin_edit", args=[row.pk]))
    assert "随创城办〔2021〕12号" in page.content.decode()
    response = client.post(
        reverse("stats:bulletin_edit", args=[row.pk]), form_data(world, title="九月份通报")
    )
    assert response.status_code == 302
    row.refresh_from_db()
    assert row.title == "九月份通报"


def test_an_issued_bulletin_cannot_be_changed_on_the_form(
    world: World, make_draft: MakeDraft
) -> None:
    row = issue(world, make_draft())
    client = logged_in(world, "office")
    response = client.post(
        reverse("stats:bulletin_edit", args=[row.pk]), form_data(world, title="改过的标题")
    )
    assert response.status_code == 302
    row.refresh_from_db()
    assert row.title == "关于全市周五环境治理活动开展情况的通报"
    page = client.get(response["Location"]).content.decode()
    assert "an issued bulletin never changes" in page


# --- a bulletin's page --------------------------------------------------------------------


def test_a_draft_shows_its_live_figures_and_the_office_s_actions(
    world: World, make_draft: MakeDraft, django_assert_max_num_queries: Any
) -> None:
    row = make_draft()
    client = logged_in(world, "office")
    with django_assert_max_num_queries(30):
        response = client.get(reverse("stats:bulletin", args=[row.pk]))
    html = response.content.decode()
    assert 'data-testid="draft-note"' in html
    assert 'data-testid="issue-bulletin"' in html
    assert 'data-testid="differences"' not in html
    assert "市直" in html  # the filter, named


def test_a_leader_reads_a_draft_but_has_no_actions(world: World, make_draft: MakeDraft) -> None:
    row = make_draft()
    html = logged_in(world, "leader").get(reverse("stats:bulletin", args=[row.pk])).content
    assert b'data-testid="draft-note"' in html
    assert b'data-testid="issue-bulletin"' not in html
    response = logged_in(world, "leader").post(reverse("stats:bulletin_issue", args=[row.pk]))
    assert response.status_code == 403
    row.refresh_from_db()
    assert row.status == BulletinStatus.DRAFT


def test_the_office_confirms_then_issues(
    world: World, make_draft: MakeDraft, django_assert_max_num_queries: Any
) -> None:
    row = make_draft()
    client = logged_in(world, "office")
    confirm = client.get(reverse("stats:bulletin_issue", args=[row.pk]))
    assert b'data-testid="confirm-issue"' in confirm.content
    row.refresh_from_db()
    assert row.status == BulletinStatus.DRAFT
    response = client.post(reverse("stats:bulletin_issue", args=[row.pk]))
    assert response.status_code == 302
    row.refresh_from_db()
    assert row.status == BulletinStatus.ISSUED
    with django_assert_max_num_queries(30):
        page = client.get(response["Location"]).content.decode()
    assert 'data-testid="issued-note"' in page
    assert 'data-testid="no-differences"' in page
    history = page[page.index('data-testid="history"') :]
    assert "draft → issued" in history


def test_issuing_without_a_number_shows_why(world: World, make_draft: MakeDraft) -> None:
    row = make_draft(number="")
    response = logged_in(world, "office").post(reverse("stats:bulletin_issue", args=[row.pk]))
    assert response.status_code == 400
    assert "A bulletin needs its document number to be issued." in response.content.decode()


def test_an_issued_bulletin_is_read_by_unit_liaisons_without_today_s_figures(
    world: World, make_draft: MakeDraft, django_assert_max_num_queries: Any
) -> None:
    row = issue(world, make_draft())
    client = logged_in(world, "unit")
    with django_assert_max_num_queries(8):
        response = client.get(reverse("stats:bulletin", args=[row.pk]))
    assert response.status_code == 200
    assert b'data-testid="issued-note"' in response.content
    assert b'data-testid="differences"' not in response.content


def test_a_draft_s_documents_download_as_docx_and_pdf_made_now(
    world: World, make_draft: MakeDraft, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.undo()  # the real documents
    row = make_draft()
    client = logged_in(world, "office")
    docx = client.get(reverse("stats:bulletin_docx", args=[row.pk]))
    pdf = client.get(reverse("stats:bulletin_pdf", args=[row.pk]))
    assert docx["Content-Type"].endswith("wordprocessingml.document")
    assert docx["Content-Disposition"].startswith("attachment;")
    assert docx.content.startswith(b"PK")
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")


def test_a_missing_pdf_font_is_named_on_the_page_instead_of_an_error(
    world: World, make_draft: MakeDraft, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_font(spec: Any, figures: Any) -> bytes:
        raise FontMissing("Noto Serif CJK SC")

    monkeypatch.setattr(document, "render_pdf", no_font)
    row = make_draft()
    client = logged_in(world, "office")
    response = client.get(reverse("stats:bulletin_pdf", args=[row.pk]), follow=True)
    assert "apt-get install fonts-noto-cjk" in response.content.decode()


def test_the_brief_page_shows_the_text_with_a_copy_button(
    world: World, make_draft: MakeDraft
) -> None:
    row = make_draft()
    response = logged_in(world, "office").get(reverse("stats:bulletin_brief", args=[row.pk]))
    html = response.content.decode()
    assert 'data-testid="copy-brief"' in html
    assert "据统计" in html


def test_the_office_archives_and_restores_a_draft(world: World, make_draft: MakeDraft) -> None:
    row = make_draft()
    client = logged_in(world, "office")
    client.post(reverse("stats:bulletin_archive", args=[row.pk]))
    listing = client.get(reverse("stats:bulletin_list")).content.decode()
    assert f'data-bulletin="{row.pk}"' not in listing
    client.post(reverse("stats:bulletin_restore", args=[row.pk]))
    listing = client.get(reverse("stats:bulletin_list")).content.decode()
    assert f'data-bulletin="{row.pk}"' in listing


def test_a_broken_word_template_is_named_on_the_page_instead_of_an_error(
    world: World,
    make_draft: MakeDraft,
    monkeypatch: pytest.MonkeyPatch,
    settings: Any,
    tmp_path: Any,
) -> None:
    monkeypatch.undo()  # the real documents
    broken = tmp_path / "bulletin.docx"
    broken.write_bytes(b"not a Word document")
    settings.BULLETIN_DOCX_TEMPLATE = str(broken)
    row = make_draft()
    response = logged_in(world, "office").get(
        reverse("stats:bulletin_docx", args=[row.pk]), follow=True
    )
    assert response.redirect_chain[-1][0] == reverse("stats:bulletin", args=[row.pk])
    assert "cannot be used" in response.content.decode()
