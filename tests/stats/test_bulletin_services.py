"""The bulletin's lifecycle through its services: draft, change, issue, archive."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from gongzhi.campaigns.models import Session, SessionStatus
from gongzhi.core.documents import FontMissing
from gongzhi.stats import bulletin as document
from gongzhi.stats import services_bulletins as services
from gongzhi.stats.models import Bulletin, BulletinStatus
from tests.factories import World
from tests.stats.fixtures_bulletins import (  # noqa: F401 - fixtures
    activity_fixture,
    campaign_fixture,
    make_draft_fixture,
    municipal_filter,
    quick_documents_fixture,
    september_fixture,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("quick_documents")]

MakeDraft = Callable[..., Bulletin]


def field_errors(exc: pytest.ExceptionInfo[ValidationError]) -> dict[str, list[str]]:
    return exc.value.message_dict


# --- drafts -------------------------------------------------------------------------------


def test_the_office_drafts_a_bulletin_with_its_period_filters_and_session(
    world: World, make_draft: MakeDraft, september: Session
) -> None:
    row = make_draft(session=september)
    row.refresh_from_db()
    assert row.status == BulletinStatus.DRAFT
    assert (row.start, row.end) == (dt.date(2021, 7, 1), dt.date(2021, 10, 31))
    assert row.filters == {"jurisdiction": ["municipal"]}
    assert row.session == september
    assert row.figures is None
    assert services.filter_of(row) == municipal_filter()
    assert row.history.first().history_user == world.users["office"]


def test_a_new_draft_takes_the_issuer_of_the_last_bulletin_when_none_is_given(
    make_draft: MakeDraft,
) -> None:
    make_draft(issuer="随州市创城工作指挥部办公室")
    assert make_draft(issuer="").issuer == "随州市创城工作指挥部办公室"


def test_the_issuer_setting_comes_before_the_last_bulletin(
    make_draft: MakeDraft, settings: Any
) -> None:
    make_draft(issuer="随州市创城工作指挥部办公室")
    settings.BULLETIN_ISSUER = "随州市创建全国文明城市工作领导小组办公室"
    assert make_draft(issuer="").issuer == "随州市创建全国文明城市工作领导小组办公室"


@pytest.mark.parametrize("role", ["leader", "district", "unit", "inspector", "member", "nobody"])
def test_only_the_city_office_drafts_bulletins(
    world: World, make_draft: MakeDraft, role: str
) -> None:
    with pytest.raises(PermissionDenied):
        make_draft(user=world.users[role])
    assert not Bulletin.objects.exists()


def test_a_draft_needs_a_title_and_an_issuer_named_as_their_fields(
    make_draft: MakeDraft, settings: Any
) -> None:
    settings.BULLETIN_ISSUER = ""
    with pytest.raises(ValidationError) as exc:
        make_draft(title="  ", issuer="")
    assert set(field_errors(exc)) == {"title", "issuer"}
    assert not Bulletin.objects.exists()


def test_a_period_ending_before_it_starts_is_refused_on_the_end(make_draft: MakeDraft) -> None:
    backwards = dataclasses.replace(municipal_filter(), end=dt.date(2021, 6, 30))
    with pytest.raises(ValidationError) as exc:
        make_draft(filter=backwards)
    assert "end" in field_errors(exc)


def test_the_participation_table_cannot_come_from_a_cancelled_session(
    make_draft: MakeDraft, september: Session
) -> None:
    september.status = SessionStatus.CANCELLED
    september.save()
    with pytest.raises(ValidationError) as exc:
        make_draft(session=september)
    assert field_errors(exc)["session"] == [
        "The session of 2021-09-10 was not held; choose a held session."
    ]


def test_the_participation_table_cannot_come_from_a_session_outside_the_period(
    make_draft: MakeDraft, september: Session
) -> None:
    july = municipal_filter(dt.date(2021, 7, 1), dt.date(2021, 7, 31))
    with pytest.raises(ValidationError) as exc:
        make_draft(filter=july, session=september)
    assert "outside the period" in field_errors(exc)["session"][0]


def test_a_draft_changes_and_keeps_what_was_not_given(world: World, make_draft: MakeDraft) -> None:
    row = make_draft()
    services.bulletin_update(
        user=world.users["office"],
        bulletin=row,
        title="关于9月份周五环境治理活动的通报",
        filter=municipal_filter(dt.date(2021, 9, 1), dt.date(2021, 9, 30)),
    )
    row.refresh_from_db()
    assert row.title == "关于9月份周五环境治理活动的通报"
    assert (row.start, row.end) == (dt.date(2021, 9, 1), dt.date(2021, 9, 30))
    assert row.number == "随创城办〔2021〕12号"
    assert row.history.count() == 2


def test_a_refused_change_changes_nothing(world: World, make_draft: MakeDraft) -> None:
    row = make_draft()
    with pytest.raises(ValidationError) as exc:
        services.bulletin_update(user=world.users["office"], bulletin=row, title="", number="x")
    assert "title" in field_errors(exc)
    row.refresh_from_db()
    assert row.number == "随创城办〔2021〕12号"


def test_archived_drafts_leave_the_list_and_come_back(world: World, make_draft: MakeDraft) -> None:
    row = make_draft()
    services.bulletin_archive(user=world.users["office"], bulletin=row)
    assert not Bulletin.objects.active().exists()
    with pytest.raises(ValidationError) as exc:
        services.bulletin_issue(user=world.users["office"], bulletin=row)
    assert "archived" in field_errors(exc)["status"][0]
    services.bulletin_restore(user=world.users["office"], bulletin=row)
    assert Bulletin.objects.active().get() == row


# --- issuing ------------------------------------------------------------------------------


def test_issuing_freezes_the_figures_and_stores_both_documents(
    world: World, make_draft: MakeDraft
) -> None:
    row = services.bulletin_issue(user=world.users["office"], bulletin=make_draft())
    row.refresh_from_db()
    assert row.status == BulletinStatus.ISSUED
    assert row.issued_by == world.users["office"]
    assert row.issued_at is not None
    assert row.figures
    assert row.docx.name.endswith(".docx")
    assert row.pdf.name.endswith(".pdf")
    with row.docx.open("rb") as handle:
        assert handle.read().startswith("DOCX 随创城办〔2021〕12号".encode())
    assert row.history.first().history_user == world.users["office"]


def test_issuing_needs_a_document_number(world: World, make_draft: MakeDraft) -> None:
    row = make_draft(number="")
    with pytest.raises(ValidationError) as exc:
        services.bulletin_issue(user=world.users["office"], bulletin=row)
    assert field_errors(exc)["number"] == ["A bulletin needs its document number to be issued."]
    row.refresh_from_db()
    assert row.status == BulletinStatus.DRAFT
    assert not row.docx


def test_two_issued_bulletins_cannot_share_a_number(world: World, make_draft: MakeDraft) -> None:
    office = world.users["office"]
    services.bulletin_issue(user=office, bulletin=make_draft())
    second = make_draft()  # a draft may carry the number meanwhile
    with pytest.raises(ValidationError) as exc:
        services.bulletin_issue(user=office, bulletin=second)
    assert field_errors(exc)["number"] == [
        "Another issued bulletin already has the number 随创城办〔2021〕12号."
    ]
    second.refresh_from_db()
    assert second.status == BulletinStatus.DRAFT


def test_an_issued_bulletin_is_never_issued_again_nor_changed(
    world: World, make_draft: MakeDraft
) -> None:
    office = world.users["office"]
    row = services.bulletin_issue(user=office, bulletin=make_draft())
    issued_at = row.issued_at
    with pytest.raises(services.AlreadyIssued):
        services.bulletin_issue(user=office, bulletin=row)
    with pytest.raises(services.AlreadyIssued) as exc:
        services.bulletin_update(user=office, bulletin=row, title="改过的标题")
    assert "never changes" in exc.value.message_dict["status"][0]
    with pytest.raises(services.AlreadyIssued):
        services.bulletin_archive(user=office, bulletin=row)
    row.refresh_from_db()
    assert row.issued_at == issued_at
    assert row.title == "关于全市周五环境治理活动开展情况的通报"


def test_only_the_city_office_issues(world: World, make_draft: MakeDraft) -> None:
    row = make_draft()
    with pytest.raises(PermissionDenied):
        services.bulletin_issue(user=world.users["leader"], bulletin=row)
    row.refresh_from_db()
    assert row.status == BulletinStatus.DRAFT


def test_issuing_is_refused_naming_the_missing_font_and_stores_nothing(
    world: World, make_draft: MakeDraft, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_font(spec: Any, figures: Any) -> bytes:
        raise FontMissing("Noto Serif CJK SC")

    monkeypatch.setattr(document, "render_pdf", no_font)
    row = make_draft()
    with pytest.raises(ValidationError) as exc:
        services.bulletin_issue(user=world.users["office"], bulletin=row)
    message = exc.value.message_dict["__all__"][0]
    assert "Noto Serif CJK SC" in message
    assert "apt-get install fonts-noto-cjk" in message
    row.refresh_from_db()
    assert row.status == BulletinStatus.DRAFT
    assert row.figures is None
    assert not row.docx


def test_issuing_with_a_broken_word_template_is_refused_naming_it(
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
    with pytest.raises(ValidationError) as exc:
        services.bulletin_issue(user=world.users["office"], bulletin=row)
    assert str(broken) in exc.value.message_dict["__all__"][0]
    row.refresh_from_db()
    assert row.status == BulletinStatus.DRAFT
