"""A problem's page: its facts, the actions each role gets, taking them, the timeline,
and the answer when someone else acted first."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from gongzhi.problems import services, services_escalation
from gongzhi.problems.models import Dispatch, Problem, ProblemEvent, ProblemPhoto
from tests.core.photo_samples import camera_jpeg, noisy_jpeg
from tests.factories import World


def page_url(problem: Problem) -> str:
    return reverse("problems:detail", kwargs={"number": problem.number})


def act(client: Client, problem: Problem, action: str, **fields: Any) -> Any:
    """Post one action's form, on the version the problem has now unless told."""
    data = {"action": action, "version": Problem.objects.get(pk=problem.pk).version, **fields}
    return client.post(reverse("problems:transition", kwargs={"number": problem.number}), data)


def offered(response: Any) -> set[str]:
    return {form.transition.action for form in response.context["forms"]}


def photo(name: str = "done.jpg", data: bytes | None = None) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data or camera_jpeg(), content_type="image/jpeg")


@pytest.fixture
def reported(world: World, categories: None) -> Problem:
    """A problem reported through the service, so its timeline starts with the report."""
    return services.problem_report(
        user=world.users["community"],
        category_code="garbage_dead_corner",
        source="community_patrol",
        description="三号楼墙角堆满垃圾",
        community_code=world.community_a1.code,
        reporter_name="王五",
        reporter_phone="13800001111",
        photos=[camera_jpeg()],
    )


# --- actions per role -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("state", "role", "expected"),
    [
        ("reported", "community", {"accept", "reject", "mark_duplicate"}),
        ("reported", "office", {"accept", "reject", "mark_duplicate"}),
        ("reported", "leader", set()),
        ("accepted", "street", {"dispatch", "mark_duplicate"}),
        ("dispatched", "unit", {"start", "handle", "request_extension", "request_park"}),
        ("dispatched", "office", set()),
        ("handled", "district", {"verify_pass", "verify_fail"}),
        ("handled", "unit", set()),
        ("closed", "community", {"callback"}),
        ("closed", "street", set()),
    ],
)
def test_each_role_is_offered_the_actions_of_the_workflow_table(
    world: World,
    make_problem: Callable[..., Problem],
    client: Client,
    state: str,
    role: str,
    expected: set[str],
) -> None:
    problem = make_problem(state)
    client.force_login(world.users[role])
    response = client.get(page_url(problem))
    assert response.status_code == 200
    assert offered(response) == expected
    text = response.content.decode()
    for action in expected:
        assert f'data-action="{action}"' in text


def test_a_pending_request_offers_the_office_its_decision_and_no_second_request(
    world: World, make_problem: Callable[..., Problem], client: Client
) -> None:
    problem = make_problem("dispatched", pending_request="park")
    client.force_login(world.users["office"])
    assert offered(client.get(page_url(problem))) == {"approve_park", "reject_park"}
    client.force_login(world.users["unit"])
    assert offered(client.get(page_url(problem))) == {"start", "handle"}


def test_a_rated_problem_offers_no_second_call_back(
    world: World, make_problem: Callable[..., Problem], client: Client
) -> None:
    problem = make_problem("closed", satisfaction="satisfied")
    client.force_login(world.users["community"])
    assert offered(client.get(page_url(problem))) == set()


def test_each_form_asks_for_what_its_action_needs(
    world: World, make_problem: Callable[..., Problem], client: Client
) -> None:
    client.force_login(world.users["unit"])
    forms = {
        f.transition.action: f
        for f in client.get(page_url(make_problem("dispatched"))).context["forms"]
    }
    assert set(forms["handle"].fields) == {"action", "version", "note", "photos"}
    assert forms["handle"].needed == {"note", "photos"}
    assert set(forms["request_extension"].fields) == {"action", "version", "note", "deadline"}
    assert set(forms["start"].fields) == {"action", "version", "note"}


def test_the_dispatch_form_lists_paired_units_first_and_shows_the_default_deadline(
    world: World, make_problem: Callable[..., Problem], client: Client
) -> None:
    problem = make_problem("accepted")
    client.force_login(world.users["community"])
    [form] = [
        f
        for f in client.get(page_url(problem)).context["forms"]
        if f.transition.action == "dispatch"
    ]
    (_paired_label, paired), (_others_label, others) = form.fields["unit_codes"].choices
    assert [code for code, _ in paired] == [world.unit_a.code]
    assert {code for code, _ in others} == {world.unit_b.code, world.unit_free.code}
    default = services.deadline_for(problem.category, timezone.localdate())
    assert default.isoformat() in form.fields["deadline"].help_text


# --- facts -------------------------------------------------------------------------------


def test_the_reporter_phone_is_masked_for_a_unit_liaison(
    world: World, make_problem: Callable[..., Problem], client: Client
) -> None:
    problem = make_problem("dispatched")
    client.force_login(world.users["unit"])
    text = client.get(page_url(problem)).content.decode()
    assert "139****5678" in text and "13912345678" not in text
    client.force_login(world.users["community"])
    text = client.get(page_url(problem)).content.decode()
    assert "13912345678" in text


def test_an_anonymous_report_shows_no_contact(
    world: World, make_problem: Callable[..., Problem], client: Client
) -> None:
    problem = make_problem("reported", reporter_anonymous=True, reporter_phone="")
    client.force_login(world.users["office"])
    reporter = client.get(page_url(problem)).content.decode()
    assert 'data-testid="reporter">anonymous<' in reporter


def test_the_page_shows_deadline_overdue_units_and_rework(
    world: World, make_problem: Callable[..., Problem], client: Client
) -> None:
    problem = make_problem(
        "dispatched",
        deadline=timezone.localdate() - dt.timedelta(days=1),
        rework_count=2,
        dispatched_to_community=True,
    )
    client.force_login(world.users["street"])
    text = client.get(page_url(problem)).content.decode()
    assert "overdue 1 day" in text
    assert f"{world.unit_a.name}, the community" in text
    assert "2 times" in text


# --- taking actions ----------------------------------------------------------------------


def test_a_problem_goes_from_report_to_closed_through_its_page(
    world: World, reported: Problem, client: Client
) -> None:
    community, unit = world.users["community"], world.users["unit"]
    client.force_login(community)
    response = act(client, reported, "accept", note="属实")
    assert response.status_code == 302
    assert response["Location"] == page_url(reported) + "#timeline"
    response = act(
        client, reported, "dispatch", unit_codes=[world.unit_a.code], deadline="2099-01-08"
    )
    assert response.status_code == 302
    reported.refresh_from_db()
    assert reported.state == "dispatched"
    assert reported.deadline == dt.date(2099, 1, 8)
    assert list(Dispatch.objects.filter(problem=reported).values_list("unit", flat=True)) == [
        world.unit_a.pk
    ]

    client.force_login(unit)
    response = act(client, reported, "handle", note="已清理干净", photos=[photo()])
    assert response.status_code == 302
    handled = ProblemEvent.objects.get(problem=reported, action="handle")
    assert handled.photos.count() == 1

    client.force_login(community)
    assert act(client, reported, "verify_pass").status_code == 302
    reported.refresh_from_db()
    assert reported.state == "closed"

    page = client.get(page_url(reported))
    assert "Done: Verification passed." in page.content.decode()
    timeline = page.context["timeline"]
    assert [str(row["label"]) for row in timeline] == [
        "Reported",
        "Accepted",
        "Dispatched",
        "Reported as handled",
        "Verification passed",
    ]
    dispatched = timeline[2]
    assert (dispatched["from_label"], dispatched["to_label"]) == ("Accepted", "Dispatched")
    assert {"label": "Units", "value": world.unit_a.name} in dispatched["details"]
    assert {"label": "Deadline", "value": "2099-01-08"} in dispatched["details"]
    assert timeline[3]["actor"] == str(unit)
    assert timeline[3]["role"] == "Unit liaison of a dispatched unit"
    text = page.content.decode()
    assert "已清理干净" in text and "属实" in text
    handled_photo = handled.photos.get()
    assert reverse("problems:photo", args=[handled_photo.pk, "thumb"]) in text
    assert reverse("problems:photo", args=[handled_photo.pk, "original"]) in text


def test_the_unit_liaison_gets_no_link_to_originals(
    world: World, make_problem: Callable[..., Problem], client: Client
) -> None:
    problem = make_problem("dispatched")
    services.problem_transition(
        user=world.users["unit"],
        problem_number=problem.number,
        action="handle",
        expected_version=1,
        note="done",
        photos=[camera_jpeg()],
    )
    client.force_login(world.users["unit"])
    text = client.get(page_url(problem)).content.decode()
    stored = ProblemPhoto.objects.get(problem=problem)
    assert reverse("problems:photo", args=[stored.pk, "thumb"]) in text
    assert reverse("problems:photo", args=[stored.pk, "original"]) not in text
    assert 'data-testid="original"' not in text


def test_a_dispatch_without_units_is_refused_next_to_the_units(
    world: World, make_problem: Callable[..., Problem], client: Client
) -> None:
    problem = make_problem("accepted")
    client.force_login(world.users["community"])
    response = act(client, problem, "dispatch", note="请尽快")
    assert response.status_code == 400
    [form] = [f for f in response.context["forms"] if f.transition.action == "dispatch"]
    assert form.errors["unit_codes"] == ["Choose at least one unit, or dispatch to the community."]
    assert 'data-field-error="unit_codes"' in response.content.decode()
    problem.refresh_from_db()
    assert (problem.state, problem.version) == ("accepted", 1)
    assert not ProblemEvent.objects.filter(problem=problem).exists()


def test_handling_without_a_photo_keeps_the_note_and_writes_nothing(
    world: World, make_problem: Callable[..., Problem], client: Client
) -> None:
    problem = make_problem("in_progress")
    client.force_login(world.users["unit"])
    response = act(client, problem, "handle", note="已清理")
    assert response.status_code == 400
    [form] = [f for f in response.context["forms"] if f.transition.action == "handle"]
    assert form.errors["photos"] == ["Attach at least one photo."]
    assert "已清理</textarea>" in response.content.decode()
    assert Problem.objects.get(pk=problem.pk).state == "in_progress"


def test_an_unknown_unit_code_is_refused(
    world: World, make_problem: Callable[..., Problem], client: Client
) -> None:
    problem = make_problem("accepted")
    client.force_login(world.users["office"])
    response = act(client, problem, "dispatch", unit_codes=["91420000MA0000000X"])
    assert response.status_code == 400
    assert Problem.objects.get(pk=problem.pk).state == "accepted"


def test_marking_a_duplicate_offers_the_nearby_original_and_links_both_ways(
    world: World, make_problem: Callable[..., Problem], client: Client
) -> None:
    original = make_problem("dispatched", lat=31.6900, lng=113.3800)
    copy = make_problem("reported", lat=31.6901, lng=113.3801)
    client.force_login(world.users["community"])
    [form] = [
        f
        for f in client.get(page_url(copy)).context["forms"]
        if f.transition.action == "mark_duplicate"
    ]
    assert form.fields["duplicate_of"].initial == original.number
    response = act(client, copy, "mark_duplicate", duplicate_of=original.number)
    assert response.status_code == 302
    copy_page = client.get(page_url(copy)).content.decode()
    assert f'href="{page_url(original)}"' in copy_page
    original_page = client.get(page_url(original))
    assert [p.number for p in original_page.context["duplicates"]] == [copy.number]


def test_a_wrong_state_is_explained_above_the_form(
    world: World, make_problem: Callable[..., Problem], client: Client
) -> None:
    problem = make_problem("dispatched")
    client.force_login(world.users["community"])
    response = act(client, problem, "accept")
    assert response.status_code == 400
    assert "You cannot accept a problem that is dispatched." in response.content.decode()


def test_a_role_that_may_not_take_the_action_gets_403(
    world: World, make_problem: Callable[..., Problem], client: Client
) -> None:
    handled = make_problem("handled")
    client.force_login(world.users["unit"])
    assert act(client, handled, "verify_pass").status_code == 403
    client.force_login(world.users["leader"])
    assert act(client, make_problem("reported"), "accept").status_code == 403
    assert Problem.objects.get(pk=handled.pk).state == "handled"


def test_an_unknown_action_is_refused(
    world: World, make_problem: Callable[..., Problem], client: Client
) -> None:
    problem = make_problem("reported")
    client.force_login(world.users["office"])
    response = act(client, problem, "teleport")
    assert response.status_code == 400
    assert "Unknown action “teleport”." in response.content.decode()


def test_the_action_page_answers_only_posts(
    world: World, make_problem: Callable[..., Problem], client: Client
) -> None:
    problem = make_problem("reported")
    client.force_login(world.users["office"])
    url = reverse("problems:transition", kwargs={"number": problem.number})
    assert client.get(url).status_code == 405


# --- someone else acted first ------------------------------------------------------------


def test_the_second_of_two_forms_on_the_same_version_is_told_and_keeps_its_note(
    world: World, make_problem: Callable[..., Problem], client: Client
) -> None:
    problem = make_problem("reported")
    client.force_login(world.users["community"])
    first = act(client, problem, "accept", version=1)
    assert first.status_code == 302
    client.force_login(world.users["street"])
    second = act(client, problem, "reject", version=1, note="不属于环境问题，转交物业")
    assert second.status_code == 409
    text = second.content.decode()
    assert f"Problem {problem.number} was changed by someone else" in text
    assert "It is now Accepted" in text
    assert "不属于环境问题，转交物业" in text
    problem.refresh_from_db()
    assert (problem.state, problem.version) == ("accepted", 2)
    assert list(problem.events.values_list("action", flat=True)) == ["accept"]


def test_after_a_conflict_the_same_action_is_ready_again_on_the_new_version(
    world: World, make_problem: Callable[..., Problem], client: Client
) -> None:
    problem = make_problem("dispatched")
    client.force_login(world.users["unit"])
    assert act(client, problem, "request_park", version=1, note="需要专项资金").status_code == 302
    client.force_login(world.users["community"])
    response = act(
        client,
        problem,
        "handle",
        version=1,
        note="社区已组织清理",
        photos=[photo("a.jpg", noisy_jpeg())],
    )
    assert response.status_code == 409
    [form] = [f for f in response.context["forms"] if f.transition.action == "handle"]
    assert form["note"].value() == "社区已组织清理"
    assert form["version"].value() == "2"
    assert "Attach your photos again" in response.content.decode()
    assert Problem.objects.get(pk=problem.pk).state == "dispatched"
    assert not ProblemPhoto.objects.filter(problem=problem).exists()


# --- cost ---------------------------------------------------------------------------------


def test_the_page_costs_the_same_queries_for_a_long_timeline(
    world: World,
    make_problem: Callable[..., Problem],
    client: Client,
    django_assert_max_num_queries: Any,
) -> None:
    problem = make_problem("dispatched")

    def note(n: int) -> None:
        ProblemEvent.objects.create(
            problem=problem,
            action="dispatch",
            from_state="accepted",
            to_state="dispatched",
            actor=world.users["community"],
            actor_role="community",
            note=f"第{n}次",
            data={"unit_codes": [world.unit_a.code], "deadline": "2099-01-01"},
        )

    note(0)
    client.force_login(world.users["community"])
    with CaptureQueriesContext(connection) as few:
        client.get(page_url(problem))
    for n in range(1, 20):
        note(n)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(page_url(problem))
    assert len(response.context["timeline"]) == 20


def test_the_escalation_ladder_shows_in_the_timeline_as_the_systems_doing(
    world: World, make_problem: Callable[..., Problem], client: Client
) -> None:
    problem = make_problem("dispatched", deadline=timezone.localdate() - dt.timedelta(days=14))
    assert sum(services_escalation.escalation_run().values()) > 0
    client.force_login(world.users["district"])
    response = client.get(page_url(problem))
    escalations = [row for row in response.context["timeline"] if row["event"].action == "escalate"]
    assert escalations
    assert {str(row["label"]) for row in escalations} == {"Escalated"}
    assert {row["actor"] for row in escalations} == {"The system (escalation ladder)"}
    assert {row["role"] for row in escalations} == {""}
    kinds = {
        str(d["value"]) for row in escalations for d in row["details"] if d["label"] == "Escalation"
    }
    assert "Chase notice (催办)" in kinds
    assert 'data-event="escalate"' in response.content.decode()
