"""The inspection pages: the form that saves as the inspector types, submitting with the
list of what is missing, the read-only page with its history, the office's correction,
findings with photos, and who sees what."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from gongzhi.inspections import services
from gongzhi.inspections.models import (
    Assignment,
    Finding,
    FindingPhoto,
    Inspection,
    InspectionGroup,
    InspectionRound,
    InspectionStatus,
    ItemScore,
    RoundStatus,
)
from tests.core.photo_samples import camera_jpeg
from tests.factories import PairingFactory, World
from tests.inspections.fixtures_inspect import (  # noqa: F401 - fixtures
    DAY,
    client_of_fixture,
    complete_fixture,
    full_answers,
    round1_fixture,
    seeded_fixture,
)

HTMX = {"HTTP_HX_REQUEST": "true"}


def url(name: str, world: World, round_number: int = 1) -> str:
    return reverse(f"inspections:{name}", args=[round_number, world.unit_a.code])


def submit(world: World) -> Inspection:
    return services.inspection_submit(
        user=world.users["inspector"], round_number=1, unit_code=world.unit_a.code
    )


def test_the_form_shows_the_checklist_with_the_paired_communities_first(
    world: World, round1: InspectionRound, client_of: Callable[[str], Client]
) -> None:
    PairingFactory(unit=world.unit_a, community=world.community_b2)
    response = client_of("inspector").get(url("inspection_form", world))
    assert response.status_code == 200
    body = response.content.decode()
    for text in (
        "思想认识到位",
        "制定本单位下沉工作方案并专题部署",
        "无垃圾死角",
        "查看方案、会议记录",
    ):
        assert text in body
    assert 'name="answer-plan"' in body and 'max="10"' in body
    assert 'id="answer-no_flyers-yes"' in body and 'id="answer-no_flyers-no"' in body
    assert 'hx-trigger="change delay:500ms' in body
    paired = body.index("Paired with the unit")
    others = body.index("Other communities")
    assert paired < body.index(world.community_a1.name) < others
    assert paired < body.index(world.community_b2.name) < others
    assert others < body.index(world.community_a2.name)
    assert 'data-testid="save-state" data-state="new"' in body


def test_the_draft_is_saved_as_the_inspector_types(
    world: World, round1: InspectionRound, client_of: Callable[[str], Client]
) -> None:
    client = client_of("inspector")
    response = client.post(
        url("inspection_save", world),
        {
            "date": "2021-07-09",
            "community_code": world.community_a1.code,
            "session_id": "",
            "notes": "",
            "answer-plan": "8",
            "comment-plan": "方案未专题部署",
            "answer-no_flyers": "yes",
        },
        **HTMX,
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert 'data-state="saved"' in body and "Saved " in body
    assert 'id="missing"' in body and 'hx-swap-oob="true"' in body
    assert 'data-missing-field="scores.leader_led"' in body
    assert 'data-missing-field="date"' not in body
    assert '<strong id="running-total" data-testid="total" hx-swap-oob="true">8</strong>' in body
    inspection = Inspection.objects.get()
    assert (inspection.date, inspection.community, inspection.status) == (
        DAY,
        world.community_a1,
        InspectionStatus.DRAFT,
    )
    rows = {r.item.code: r for r in ItemScore.objects.filter(inspection=inspection)}
    assert rows["plan"].comment == "方案未专题部署" and rows["no_flyers"].passed is True

    # Coming back to the form shows the saved draft.
    page = client.get(url("inspection_form", world)).content.decode()
    assert 'name="answer-plan" id="answer-plan" min="0" max="10" step="0.5"' in page
    assert 'value="8"' in page and 'value="方案未专题部署"' in page
    assert 'id="answer-no_flyers-yes" value="yes" autocomplete="off" checked' in page


def test_a_refused_save_says_why_and_saves_nothing(
    world: World, round1: InspectionRound, client_of: Callable[[str], Client]
) -> None:
    response = client_of("inspector").post(
        url("inspection_save", world), {"answer-plan": "12", "notes": "x"}, **HTMX
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert 'data-state="refused"' in body and "takes 0 to 10 points" in body
    assert not Inspection.objects.exists()
    response = client_of("leader").post(url("inspection_save", world), {"notes": "x"}, **HTMX)
    assert response.status_code == 403 and "Only the inspectors" in response.content.decode()
    assert client_of("unit").post(url("inspection_save", world), {"notes": "x"}).status_code == 404


def test_submitting_an_incomplete_form_lists_what_is_missing_and_keeps_the_draft(
    world: World, round1: InspectionRound, client_of: Callable[[str], Client]
) -> None:
    response = client_of("inspector").post(
        url("inspection_form", world),
        {"action": "submit", "answer-plan": "10", "date": "2021-07-09"},
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "Nothing was submitted" in body
    assert "“主要领导或分管领导带队参加活动” is not answered." in body
    assert 'data-item="leader_led" data-missing' in body
    assert "Choose the community visited." in body
    inspection = Inspection.objects.get()
    assert inspection.status == InspectionStatus.DRAFT and inspection.date == DAY
    assert ItemScore.objects.get(inspection=inspection).score == 10


def test_the_buttons_save_the_draft_or_submit_it_without_script(
    world: World, round1: InspectionRound, template: object, client_of: Callable[[str], Client]
) -> None:
    client = client_of("inspector")
    answers = {f"answer-{code}": value for code, value in full_answers(template).items()}  # type: ignore[arg-type]
    head = {"date": "2021-07-09", "community_code": world.community_a1.code}
    response = client.post(url("inspection_form", world), {"action": "save", **head})
    assert response.status_code == 302 and response["Location"] == url("inspection_form", world)
    response = client.post(
        url("inspection_form", world), {"action": "submit", **head, **answers}, follow=True
    )
    assert response.redirect_chain[-1][0] == url("inspection_detail", world)
    body = response.content.decode()
    assert "is submitted" in body and 'data-status="submitted"' in body
    assert 'data-grade="excellent"' in body and "100 / 100" in body


def test_a_submitted_inspection_opens_read_only_with_its_history(
    world: World, complete: Callable[..., Inspection], client_of: Callable[[str], Client]
) -> None:
    complete(scores={"feedback": "10"})
    submit(world)
    client = client_of("inspector")
    response = client.get(url("inspection_form", world))
    assert response.status_code == 302 and response["Location"] == url("inspection_detail", world)
    page = client.get(url("inspection_detail", world)).content.decode()
    assert 'data-testid="edit"' not in page and 'data-testid="correct"' not in page
    assert "95 / 100" in page and 'data-grade="excellent"' in page
    assert 'data-testid="history"' in page
    locked = client.post(url("inspection_save", world), {"answer-plan": "1"}, **HTMX)
    assert locked.status_code == 403 and "locked" in locked.content.decode()


def test_the_office_corrects_on_its_page_and_the_history_shows_the_reason(
    world: World, complete: Callable[..., Inspection], client_of: Callable[[str], Client]
) -> None:
    complete()
    submit(world)
    client = client_of("office")
    detail = client.get(url("inspection_detail", world)).content.decode()
    assert 'data-testid="correct"' in detail
    page = client.get(url("inspection_correct", world))
    assert page.status_code == 200
    form = {
        "date": "2021-07-09",
        "community_code": world.community_a1.code,
        "session_id": "",
        "notes": "",
        **{
            f"answer-{c}": v
            for c, v in full_answers(Inspection.objects.get().round.template).items()
        },
    }
    missing_reason = client.post(url("inspection_correct", world), {**form, "answer-feedback": "9"})
    assert missing_reason.status_code == 400
    assert Inspection.objects.get().total_score == 100
    response = client.post(
        url("inspection_correct", world), {**form, "answer-feedback": "9", "reason": "复核更正"}
    )
    assert response.status_code == 302
    inspection = Inspection.objects.get()
    assert (inspection.total_score, inspection.grade) == (94, "excellent")
    page = client.get(url("inspection_detail", world)).content.decode()
    assert "reason: 复核更正" in page
    assert client_of("inspector").get(url("inspection_correct", world)).status_code == 403


def test_a_finding_with_a_photo_is_added_through_htmx(
    world: World,
    round1: InspectionRound,
    seeded: None,
    client_of: Callable[[str], Client],
    tmp_path: object,
) -> None:
    client = client_of("inspector")
    photo = ("finding.jpg", camera_jpeg(), "image/jpeg")
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = client.post(
        url("finding_add", world),
        {
            "finding-text": "楼道小广告未清理",
            "finding-item_code": "no_flyers",
            "finding-demands_rectification": "on",
            "finding-category_code": "illegal_flyers",
            "finding-photos": [SimpleUploadedFile(*photo)],
        },
        **HTMX,
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert 'id="findings"' in body and "楼道小广告未清理" in body
    assert "rectification: " in body and 'id="missing" data-testid="missing"' in body
    finding = Finding.objects.get()
    photo_row = FindingPhoto.objects.get(finding=finding)
    thumb = reverse("inspections:finding_photo", args=[photo_row.pk, "thumb"])
    assert thumb in body
    assert client.get(thumb).status_code == 200
    assert (
        client.get(
            reverse("inspections:finding_photo", args=[photo_row.pk, "original"])
        ).status_code
        == 200
    )

    refused = client.post(
        url("finding_add", world),
        {"finding-text": "x", "finding-demands_rectification": "on"},
        **HTMX,
    )
    assert refused.status_code == 400
    assert 'data-field-error="category_code"' in refused.content.decode()

    removed = client.post(
        reverse("inspections:finding_delete", args=[1, world.unit_a.code, finding.pk]), **HTMX
    )
    assert removed.status_code == 200 and "No findings." in removed.content.decode()
    assert not Finding.objects.exists()


def test_finding_photos_follow_the_inspection_s_scope(
    world: World,
    complete: Callable[..., Inspection],
    seeded: None,
    client_of: Callable[[str], Client],
) -> None:
    complete()
    finding = services.finding_add(
        user=world.users["inspector"],
        round_number=1,
        unit_code=world.unit_a.code,
        text="x",
        photos=[camera_jpeg()],
    )
    photo = finding.photos.get()

    def get(role: str, kind: str) -> int:
        return (
            client_of(role)
            .get(reverse("inspections:finding_photo", args=[photo.pk, kind]))
            .status_code
        )

    assert get("unit", "thumb") == 404  # a draft: not the unit's yet
    submit(world)
    assert (get("unit", "thumb"), get("unit", "public"), get("unit", "original")) == (200, 200, 404)
    assert (get("leader", "original"), get("district", "thumb"), get("member", "thumb")) == (
        200,
        404,
        404,
    )
    assert get("office", "exif") == 404


@pytest.mark.parametrize(
    ("role", "draft", "submitted"),
    [
        ("office", 200, 200),
        ("leader", 200, 200),
        ("inspector", 200, 200),
        ("inspector2", 404, 404),
        ("unit", 404, 200),
        ("district", 404, 404),
        ("community", 404, 404),
        ("member", 404, 404),
    ],
)
def test_who_sees_the_inspection_page(
    world: World,
    complete: Callable[..., Inspection],
    groups: list[InspectionGroup],
    role: str,
    draft: int,
    submitted: int,
) -> None:
    complete()
    client = Client()
    user = groups[1].leader if role == "inspector2" else world.users[role]
    client.force_login(user)
    assert client.get(url("inspection_detail", world)).status_code == draft
    submit(world)
    assert client.get(url("inspection_detail", world)).status_code == submitted


def test_a_leader_reads_but_does_not_fill_in_and_nothing_yet_is_404(
    world: World, round1: InspectionRound, client_of: Callable[[str], Client]
) -> None:
    assert client_of("leader").get(url("inspection_form", world)).status_code == 403
    assert client_of("leader").get(url("inspection_detail", world)).status_code == 404
    redirect = client_of("inspector").get(url("inspection_detail", world))
    assert redirect.status_code == 302 and redirect["Location"] == url("inspection_form", world)
    assert client_of("inspector").get(url("inspection_form", world, 9)).status_code == 404


def test_a_closed_round_shows_the_inspector_their_draft_read_only(
    world: World, complete: Callable[..., Inspection], client_of: Callable[[str], Client]
) -> None:
    complete()
    InspectionRound.objects.filter(number=1).update(status=RoundStatus.CLOSED)
    response = client_of("inspector").get(url("inspection_form", world))
    assert response.status_code == 302 and response["Location"] == url("inspection_detail", world)
    assert client_of("inspector").get(response["Location"]).status_code == 200


def _more(
    world: World, groups: list[InspectionGroup], make_round: Callable[..., InspectionRound], n: int
) -> None:
    """``n`` more findings with photos in round 2's draft, and ``n`` in round 1 (submitted)."""
    for number in (1, 2):
        for _ in range(n):
            services.finding_add(
                user=world.users["office"],
                round_number=number,
                unit_code=world.unit_a.code,
                text="发现",
                demands_rectification=True,
                category_code="piled_debris",
                photos=[camera_jpeg()],
                reason="补录" if number == 1 else "",
            )


def test_the_form_costs_the_same_queries_whatever_the_findings(
    world: World,
    complete: Callable[..., Inspection],
    seeded: None,
    groups: list[InspectionGroup],
    make_round: Callable[..., InspectionRound],
    client_of: Callable[[str], Client],
) -> None:
    complete()
    submit(world)
    round2 = make_round(2, start=InspectionRound.objects.get(number=1).start)
    Assignment.objects.create(round=round2, unit=world.unit_a, group=groups[0])
    client = client_of("inspector")
    _more(world, groups, make_round, 1)
    page = url("inspection_form", world, 2)
    client.get(page)
    with CaptureQueriesContext(connection) as few:
        assert client.get(page).status_code == 200
    _more(world, groups, make_round, 4)
    with CaptureQueriesContext(connection) as many:
        body = client.get(page).content.decode()
    assert body.count("data-finding=") == 5 and body.count("data-rectified=") == 5
    assert len(many) == len(few), [q["sql"] for q in many.captured_queries]
    with CaptureQueriesContext(connection) as detail_few:
        client.get(url("inspection_detail", world, 2))
    _more(world, groups, make_round, 2)
    with CaptureQueriesContext(connection) as detail_many:
        client.get(url("inspection_detail", world, 2))
    assert len(detail_many) == len(detail_few)
