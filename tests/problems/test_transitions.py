"""Evidence, rework, ratings, pending requests and the events transitions write."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from django.core.exceptions import ValidationError

from gongzhi.problems import services
from gongzhi.problems.models import PendingRequest, Problem, ProblemEvent, ProblemState
from tests.core.photo_samples import camera_jpeg
from tests.factories import World

S = ProblemState


def _act(user: object, problem: Problem, action: str, **kw: object) -> Problem:
    return services.problem_transition(
        user=user,
        problem_number=problem.number,
        action=action,
        expected_version=Problem.objects.get(pk=problem.pk).version,
        **kw,  # type: ignore[arg-type]
    )


@pytest.mark.parametrize(
    ("state", "action", "field", "given"),
    [
        (S.REPORTED, "reject", "note", {}),
        (S.ACCEPTED, "mark_duplicate", "duplicate_of", {}),
        (S.ACCEPTED, "dispatch", "unit_codes", {}),
        (S.IN_PROGRESS, "handle", "note", {"photos": [camera_jpeg()]}),
        (S.IN_PROGRESS, "handle", "photos", {"note": "已清理"}),
        (S.HANDLED, "verify_fail", "note", {}),
        (S.DISPATCHED, "request_extension", "deadline", {"note": "工程量大"}),
        (S.DISPATCHED, "request_extension", "note", {"deadline": dt.date(2026, 12, 31)}),
        (S.DISPATCHED, "request_park", "note", {}),
        (S.CLOSED, "callback", "rating", {}),
    ],
)
def test_missing_evidence_is_refused_naming_the_field(
    world: World,
    make_problem: Callable[..., Problem],
    state: str,
    action: str,
    field: str,
    given: dict[str, object],
) -> None:
    problem = make_problem(state)
    user = world.users["unit" if action.startswith(("handle", "request")) else "community"]
    with pytest.raises(ValidationError) as refused:
        _act(user, problem, action, **given)
    assert field in refused.value.message_dict
    problem.refresh_from_db()
    assert (problem.state, problem.version) == (state, 1)
    assert not ProblemEvent.objects.filter(problem=problem).exists()


def test_handling_records_the_note_and_photos_in_the_event(
    world: World, make_problem: Callable[..., Problem]
) -> None:
    problem = make_problem(S.IN_PROGRESS)
    _act(
        world.users["unit"], problem, "handle", note="已清运", photos=[camera_jpeg(), camera_jpeg()]
    )
    event = ProblemEvent.objects.get(problem=problem)
    assert event.note == "已清运"
    assert event.data["photos"] == sorted(event.photos.values_list("pk", flat=True))
    assert event.photos.count() == 2
    assert event.actor_role == "unit"


def test_dispatch_sets_units_and_a_working_day_deadline(
    world: World, make_problem: Callable[..., Problem], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(services, "_today", lambda: dt.date(2026, 9, 30))
    problem = make_problem(S.ACCEPTED)  # piled_debris: 3 working days
    result = _act(world.users["community"], problem, "dispatch", unit_codes=[world.unit_a.code])
    assert result.state == S.DISPATCHED
    assert result.deadline == dt.date(2026, 10, 10)
    assert list(result.dispatched_units.all()) == [world.unit_a]
    assert ProblemEvent.objects.get(problem=problem).data["unit_codes"] == [world.unit_a.code]


def test_dispatch_to_an_unknown_unit_names_the_code(
    world: World, make_problem: Callable[..., Problem]
) -> None:
    problem = make_problem(S.ACCEPTED)
    with pytest.raises(ValidationError, match="NOPE"):
        _act(world.users["community"], problem, "dispatch", unit_codes=["NOPE"])


def test_failed_verification_sends_it_back_and_counts_a_rework(
    world: World, make_problem: Callable[..., Problem]
) -> None:
    problem = make_problem(S.HANDLED)
    result = _act(world.users["community"], problem, "verify_fail", note="仍有垃圾")
    assert result.state == S.DISPATCHED
    assert result.rework_count == 1


def test_extension_is_requested_by_the_unit_and_approved_by_the_office(
    world: World, make_problem: Callable[..., Problem]
) -> None:
    problem = make_problem(S.DISPATCHED)
    asked = _act(
        world.users["unit"],
        problem,
        "request_extension",
        note="需要协调",
        deadline=dt.date(2026, 10, 20),
    )
    assert asked.pending_request == PendingRequest.EXTENSION
    assert asked.deadline == dt.date(2026, 10, 10)
    with pytest.raises(ValidationError, match="already waiting"):
        _act(world.users["unit"], problem, "request_park", note="无法解决")
    granted = _act(world.users["office"], problem, "approve_extension")
    assert granted.deadline == dt.date(2026, 10, 20)
    assert granted.pending_request == PendingRequest.NONE


def test_an_extension_must_move_the_deadline_later(
    world: World, make_problem: Callable[..., Problem]
) -> None:
    problem = make_problem(S.DISPATCHED)
    with pytest.raises(ValidationError, match="later"):
        _act(
            world.users["unit"],
            problem,
            "request_extension",
            note="x",
            deadline=dt.date(2026, 10, 1),
        )


def test_approving_without_a_request_is_refused(
    world: World, make_problem: Callable[..., Problem]
) -> None:
    problem = make_problem(S.DISPATCHED)
    with pytest.raises(ValidationError, match="no pending request"):
        _act(world.users["office"], problem, "approve_park")


def test_parking_needs_the_offices_approval(
    world: World, make_problem: Callable[..., Problem]
) -> None:
    problem = make_problem(S.IN_PROGRESS)
    _act(world.users["unit"], problem, "request_park", note="需财政资金")
    assert _act(world.users["office"], problem, "approve_park").state == S.PARKED


def test_dissatisfied_rating_reopens_once_only(
    world: World, make_problem: Callable[..., Problem]
) -> None:
    problem = make_problem(S.CLOSED)
    reopened = _act(None, problem, "rate", rating="dissatisfied")
    assert reopened.state == S.DISPATCHED
    assert reopened.reopened_by_rating
    assert reopened.satisfaction == "dissatisfied"
    Problem.objects.filter(pk=problem.pk).update(state=S.HANDLED)
    closed_again = _act(world.users["community"], problem, "verify_pass")
    assert closed_again.satisfaction == ""  # a new closing may be rated again
    again = _act(None, problem, "rate", rating="dissatisfied")
    assert again.state == S.CLOSED
    assert again.satisfaction == "dissatisfied"


def test_a_result_is_rated_only_once(world: World, make_problem: Callable[..., Problem]) -> None:
    problem = make_problem(S.CLOSED)
    _act(world.users["community"], problem, "callback", rating="satisfied")
    with pytest.raises(ValidationError, match="already been rated"):
        _act(None, problem, "rate", rating="basically_satisfied")


def test_a_duplicate_points_at_its_original(
    world: World, make_problem: Callable[..., Problem]
) -> None:
    original = make_problem(S.DISPATCHED)
    copy = make_problem(S.REPORTED)
    result = _act(world.users["community"], copy, "mark_duplicate", duplicate_of=original.number)
    assert result.state == S.DUPLICATE
    assert result.duplicate_of == original
    with pytest.raises(ValidationError, match="No other problem"):
        _act(world.users["community"], make_problem(), "mark_duplicate", duplicate_of="2026-1")


def test_an_unknown_action_is_refused(world: World, make_problem: Callable[..., Problem]) -> None:
    with pytest.raises(ValidationError, match="Unknown action"):
        _act(world.users["office"], make_problem(), "explode")


def test_the_table_offers_each_actor_only_its_own_buttons() -> None:
    from gongzhi.problems.workflow import actions_from

    assert actions_from(S.HANDLED, {"unit"}) == []
    assert actions_from(S.HANDLED, {"community"}) == ["verify_pass", "verify_fail"]
    assert "approve_park" in actions_from(S.IN_PROGRESS, {"office"})
    assert actions_from(S.CLOSED, {"reporter"}) == ["rate"]
