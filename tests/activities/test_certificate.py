"""Certificates of volunteer service hours (志愿服务时长证明): issue, DOCX, PDF, command."""

from __future__ import annotations

import datetime as dt
import io
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import docx
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import CommandError, call_command
from django.http import Http404
from django.test import Client
from django.urls import reverse
from docx.oxml.ns import qn

from gongzhi.activities import certificates
from gongzhi.activities import services_checkin as services
from gongzhi.activities.models import CheckIn, VolunteerCertificate
from gongzhi.campaigns.models import Session
from gongzhi.units.models import Member
from tests.activities.fixtures_checkin import (  # noqa: F401 - fixtures
    SESSION_DAY,
    make_checkin_fixture,
    make_member_fixture,
    member_fixture,
    session_fixture,
)
from tests.factories import World

ISSUE_DAY = dt.date(2026, 4, 1)
PERIOD = ("2026-01-01", "2026-03-31")


@pytest.fixture
def served(
    session: Session,
    make_session: Callable[..., Session],
    member: Member,
    make_checkin: Callable[..., CheckIn],
    world: World,
) -> Member:
    """张三 served twice (2.5 h and 3 h certified) and once more not yet certified."""
    make_checkin(session, member, hours="2.5", certified=True)
    make_checkin(
        make_session(dt.date(2026, 3, 27)),
        member,
        hours="3",
        certified=True,
        community=world.community_a2,
    )
    make_checkin(make_session(dt.date(2026, 2, 27)), member, hours="3")
    return member


def issue(user: Any, member: Member, start: str = PERIOD[0], end: str = PERIOD[1]) -> Any:
    return services.certificate_issue(user, member.pk, start, end, today=ISSUE_DAY)


@pytest.fixture
def certificate(world: World, served: Member) -> VolunteerCertificate:
    return issue(world.users["unit"], served)


# --- issuing -----------------------------------------------------------------------------


def test_the_unit_liaison_issues_a_certificate_of_certified_hours(
    world: World, certificate: VolunteerCertificate, served: Member
) -> None:
    assert certificate.number == "ZYSC2026-000001"
    assert certificate.member == served
    assert str(certificate.hours) == "5.50"
    assert certificate.issued_on == ISSUE_DAY
    assert certificate.issued_by == world.users["unit"]
    content = certificate.content
    assert {k: content[k] for k in ("name", "id_number", "volunteer_code", "start", "end")} == {
        "name": "张三",
        "id_number": "420101199001011234",
        "volunteer_code": "ZY-0001",
        "start": "2026-01-01",
        "end": "2026-03-31",
    }
    assert (content["hours"], content["sessions"]) == ("5.5", 2)
    assert content["communities"] == ["白云社区", "青云社区"]
    assert content["activities"] == ["周五环境治理活动"]
    assert [r["date"] for r in content["records"]] == ["2026-03-13", "2026-03-27"]
    assert content["issuer"] == "社区环境共治平台"
    assert content["issued_on"] == "2026-04-01"


def test_numbers_follow_each_other_and_start_again_each_year(world: World, served: Member) -> None:
    first = issue(world.users["office"], served)
    second = issue(world.users["office"], served)
    next_year = services.certificate_issue(
        world.users["office"], served.pk, *PERIOD, today=dt.date(2027, 1, 5)
    )
    assert [first.number, second.number, next_year.number] == [
        "ZYSC2026-000001",
        "ZYSC2026-000002",
        "ZYSC2027-000001",
    ]


def test_the_issuer_and_the_prefix_are_settings(
    world: World, served: Member, settings: Any
) -> None:
    settings.VOLUNTEER_CERT_ISSUER = "随州市创建全国文明城市工作指挥部办公室"
    settings.VOLUNTEER_CERT_PREFIX = "SZ"
    certificate = issue(world.users["office"], served)
    assert certificate.number == "SZ2026-000001"
    assert certificate.issuer == "随州市创建全国文明城市工作指挥部办公室"


@pytest.mark.parametrize("role", ["leader", "member"])
def test_those_who_see_the_member_but_may_not_issue_get_403(
    world: World, served: Member, role: str
) -> None:
    with pytest.raises(PermissionDenied):
        issue(world.users[role], served)
    assert not VolunteerCertificate.objects.exists()


def test_a_member_outside_scope_is_404(
    world: World, make_member: Callable[..., Member], make_checkin: Callable[..., CheckIn]
) -> None:
    elsewhere = make_member("赵六", unit=world.unit_b)
    with pytest.raises(Http404):
        issue(world.users["unit"], elsewhere)
    with pytest.raises(Http404):
        issue(world.users["community"], elsewhere)


@pytest.mark.parametrize(
    ("start", "end", "field", "text"),
    [
        ("2026-03-31", "2026-01-01", "end", "must not lie before"),
        ("2026-01-01", "2026-12-31", "end", "end today at the latest"),
        ("2026/01/01", "2026-03-31", "start", "YYYY-MM-DD"),
        ("2026-04-01", "2026-04-01", "__all__", "no certified volunteer hours"),
    ],
)
def test_a_bad_period_is_refused_naming_the_field(
    world: World, served: Member, start: str, end: str, field: str, text: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        issue(world.users["unit"], served, start, end)
    assert text in " ".join(caught.value.message_dict[field])
    assert not VolunteerCertificate.objects.exists()


def test_a_member_without_an_id_number_is_refused_saying_so(world: World, served: Member) -> None:
    Member.objects.filter(pk=served.pk).update(id_number="")
    with pytest.raises(ValidationError) as caught:
        issue(world.users["unit"], served)
    assert "has no ID card number" in caught.value.message_dict["member_id"][0]


def test_an_issued_certificate_does_not_change_when_the_records_do(
    world: World, certificate: VolunteerCertificate, served: Member
) -> None:
    Member.objects.filter(pk=served.pk).update(name="张三丰")
    CheckIn.objects.update(certified_at=None)
    document = docx.Document(io.BytesIO(certificates.render_docx(certificate)))
    text = "\n".join(p.text for p in document.paragraphs)
    assert "兹证明张三（" in text and "5.5小时" in text


# --- DOCX ------------------------------------------------------------------------------------


def docx_text(body: bytes) -> tuple[str, list[list[str]], Any]:
    document = docx.Document(io.BytesIO(body))
    text = "\n".join(p.text for p in document.paragraphs)
    tables = [[c.text for c in row.cells] for t in document.tables for row in t.rows]
    return text, tables, document


def test_the_docx_opens_and_states_every_field_order_67_asks_for(
    certificate: VolunteerCertificate,
) -> None:
    text, rows, document = docx_text(certificates.render_docx(certificate))
    assert "志愿服务时长证明" in text
    assert "编号：ZYSC2026-000001" in text
    assert "兹证明张三（公民身份号码：420101199001011234，志愿者编号：ZY-0001）" in text
    assert "于2026年1月1日至2026年3月31日期间" in text
    assert "累计志愿服务时长5.5小时" in text
    assert "在白云社区、青云社区开展志愿服务共2次" in text
    assert "出具组织：社区环境共治平台" in text
    assert "出具日期：2026年4月1日" in text
    assert rows[1:] == [
        ["1", "2026年3月13日", "周五环境治理活动", "白云社区", "2.5", "2026年3月14日"],
        ["2", "2026年3月27日", "周五环境治理活动", "青云社区", "3", "2026年3月28日"],
    ]
    fonts = {
        run._element.rPr.rFonts.get(qn("w:eastAsia"))
        for paragraph in document.paragraphs
        for run in paragraph.runs
        if run.text
    }
    assert fonts <= {certificates.DOCX_BODY_FONT, certificates.DOCX_TITLE_FONT} and fonts


def test_text_in_the_docx_is_escaped_not_read_as_markup(world: World, served: Member) -> None:
    Member.objects.filter(pk=served.pk).update(name="张<三>&{{ issuer }}")
    served.refresh_from_db()
    text, _rows, _doc = docx_text(certificates.render_docx(issue(world.users["unit"], served)))
    assert "兹证明张<三>&{{ issuer }}（" in text


def test_the_office_may_use_its_own_word_template(
    certificate: VolunteerCertificate, settings: Any, tmp_path: Path
) -> None:
    own = docx.Document()
    own.add_paragraph("本单位证明：{{ name }}，{{ hours }}小时，编号{{ number }}")
    path = tmp_path / "own.docx"
    own.save(str(path))
    settings.VOLUNTEER_CERT_DOCX_TEMPLATE = str(path)
    text, _rows, _doc = docx_text(certificates.render_docx(certificate))
    assert text == "本单位证明：张三，5.5小时，编号ZYSC2026-000001"


def test_the_bundled_word_template_is_rebuilt_when_missing(
    certificate: VolunteerCertificate, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    missing = tmp_path / "templates" / "volunteer_hours.docx"
    monkeypatch.setattr(certificates, "DOCX_TEMPLATE", missing)
    text, _rows, _doc = docx_text(certificates.render_docx(certificate))
    assert "累计志愿服务时长5.5小时" in text
    assert missing.exists()


# --- PDF --------------------------------------------------------------------------------------


def pdffonts(path: Path) -> list[list[str]]:
    tool = shutil.which("pdffonts")
    assert tool, "pdffonts (poppler-utils) is needed to check the fonts of PDFs"
    command = [tool, str(path)]
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout  # noqa: S603
    return [line.split() for line in out.splitlines()[2:] if line.strip()]


def test_the_pdf_embeds_only_noto_cjk_sc_fonts(
    certificate: VolunteerCertificate, tmp_path: Path
) -> None:
    path = tmp_path / "certificate.pdf"
    path.write_bytes(certificates.render_pdf(certificate))
    fonts = pdffonts(path)
    assert fonts
    for row in fonts:
        name = row[0].split("+", 1)[-1]
        assert name.startswith(
            ("Noto-Serif-CJK-SC", "Noto-Sans-CJK-SC", "NotoSerifCJKsc", "NotoSansCJKsc")
        ), row
        emb = row[-5]  # columns: name, type…, encoding, emb, sub, uni, object ID (2 fields)
        assert emb == "yes", row
    text = subprocess.run(  # noqa: S603 - poppler's tool on our own file
        [shutil.which("pdftotext") or "pdftotext", str(path), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    compact = "".join(text.split())
    assert "志愿服务时长证明" in compact
    assert "ZYSC2026-000001" in compact
    assert "420101199001011234" in compact
    assert "累计志愿服务时长5.5小时" in compact


def test_a_missing_font_is_named_instead_of_printing_wrong_glyphs(
    certificate: VolunteerCertificate, settings: Any
) -> None:
    settings.CERTIFICATE_PDF_FONT = "Noto Serif CJK ZZ"
    with pytest.raises(certificates.FontMissing) as caught:
        certificates.render_pdf(certificate)
    assert '"Noto Serif CJK ZZ"' in str(caught.value)
    assert "fonts-noto-cjk" in str(caught.value)


def test_the_font_check_knows_the_installed_noto_cjk_sc_fonts() -> None:
    assert certificates.check_pdf_font("Noto Serif CJK SC") == "Noto Serif CJK SC"
    with pytest.raises(certificates.FontMissing):
        certificates.check_pdf_font("No Such Font 42")


# --- pages -------------------------------------------------------------------------------------


def test_the_certificate_page_masks_the_id_number(
    world: World, certificate: VolunteerCertificate, client: Client
) -> None:
    client.force_login(world.users["member"])
    response = client.get(reverse("activities:certificate_detail", args=[certificate.number]))
    assert response.status_code == 200
    body = response.content.decode()
    assert "420***********1234" in body and "420101199001011234" not in body
    assert "ZYSC2026-000001" in body


@pytest.mark.parametrize("role", ["member", "unit", "office"])
def test_the_member_their_liaison_and_the_office_download_both_formats(
    world: World, certificate: VolunteerCertificate, client: Client, role: str
) -> None:
    client.force_login(world.users[role])
    word = client.get(reverse("activities:certificate_docx", args=[certificate.number]))
    assert word.status_code == 200
    assert word["Content-Disposition"] == 'attachment; filename="ZYSC2026-000001.docx"'
    assert "420101199001011234" in docx_text(word.content)[0]
    pdf = client.get(reverse("activities:certificate_pdf", args=[certificate.number]))
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")


@pytest.mark.parametrize("role", ["community", "street", "inspector", "nobody"])
def test_nobody_else_sees_a_certificate(
    world: World, certificate: VolunteerCertificate, client: Client, role: str
) -> None:
    client.force_login(world.users[role])
    for name in ("certificate_detail", "certificate_docx", "certificate_pdf"):
        assert (
            client.get(reverse(f"activities:{name}", args=[certificate.number])).status_code == 404
        )


def test_the_pdf_page_says_which_font_is_missing(
    world: World, certificate: VolunteerCertificate, client: Client, settings: Any
) -> None:
    settings.CERTIFICATE_PDF_FONT = "Noto Serif CJK ZZ"
    client.force_login(world.users["unit"])
    response = client.get(reverse("activities:certificate_pdf", args=[certificate.number]))
    assert response.status_code == 503
    assert "Noto Serif CJK ZZ" in response.content.decode()


def test_the_liaison_issues_from_the_hours_page(
    world: World, served: Member, client: Client
) -> None:
    client.force_login(world.users["unit"])
    response = client.post(
        reverse("activities:certificate_issue", args=[served.pk]),
        {"start": "2026-01-01", "end": "2026-03-31"},
        follow=True,
    )
    certificate = VolunteerCertificate.objects.get()
    assert response.redirect_chain[-1][0] == reverse(
        "activities:certificate_detail", args=[certificate.number]
    )
    assert f"Certificate {certificate.number} is issued." in response.content.decode()


def test_a_refused_issue_on_the_page_names_the_member_and_the_reason(
    world: World, served: Member, client: Client
) -> None:
    client.force_login(world.users["unit"])
    response = client.post(
        reverse("activities:certificate_issue", args=[served.pk]),
        {"start": "2025-01-01", "end": "2025-12-31"},
        follow=True,
    )
    assert "张三: 张三 has no certified volunteer hours" in response.content.decode()
    bad = client.post(
        reverse("activities:certificate_issue", args=[served.pk]),
        {"start": "yesterday", "end": "2026-03-31"},
        follow=True,
    )
    assert "Service from: Enter a valid date." in bad.content.decode()
    assert not VolunteerCertificate.objects.exists()


# --- the command -------------------------------------------------------------------------------


@pytest.mark.parametrize("suffix", ["docx", "pdf"])
def test_the_command_writes_the_certificate(
    certificate: VolunteerCertificate, tmp_path: Path, suffix: str
) -> None:
    out = tmp_path / f"cert.{suffix}"
    stdout = io.StringIO()
    call_command("certificate", certificate.number, "--out", str(out), stdout=stdout)
    assert out.exists()
    assert certificate.number in stdout.getvalue()
    if suffix == "docx":
        assert "张三" in docx_text(out.read_bytes())[0]
    else:
        assert out.read_bytes().startswith(b"%PDF")


def test_the_command_names_a_missing_font(
    certificate: VolunteerCertificate, tmp_path: Path, settings: Any
) -> None:
    settings.CERTIFICATE_PDF_FONT = "Noto Serif CJK ZZ"
    with pytest.raises(CommandError, match="Noto Serif CJK ZZ"):
        call_command("certificate", certificate.number, "--out", str(tmp_path / "c.pdf"))
    assert not (tmp_path / "c.pdf").exists()


def test_the_command_refuses_an_unknown_number_or_format(
    certificate: VolunteerCertificate, tmp_path: Path
) -> None:
    with pytest.raises(CommandError, match="No certificate ZYSC2026-999999"):
        call_command("certificate", "ZYSC2026-999999", "--out", str(tmp_path / "c.pdf"))
    with pytest.raises(CommandError, match=r"\.docx or \.pdf"):
        call_command("certificate", certificate.number, "--out", str(tmp_path / "c.txt"))
