"""Recording attendance: who may record what, when, with which tasks, problems and photos."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import Http404

from gongzhi.activities import services
from gongzhi.activities.models import Absence, Attendance, AttendanceStatus
from gongzhi.activities.permissions import is_locked
from gongzhi.activities.services_plans import absence_record
from gongzhi.campaigns.models import Session, SessionStatus
from gongzhi.core.models import Role
from gongzhi.problems.models import Problem, ProblemEvent, ProblemState
from tests.activities.fixtures_attendance import (  # noqa: F401 - fixtures
    days_ago,
    held_fixture,
    ledger_problem_fixture,
    seeded_fixture,
)
from tests.core.photo_samples import camera_jpeg, truncated
from tests.factories import PairingFactory, UnitFactory, World, make_user


def record(world: World, session: Session, role: str = "unit", **values: Any) -> Attendance:
    body: dict[str, Any] = {
        "session_id": session.pk,
        "unit_code": world.unit_a.code,
        "community_code": world.community_a1.code,
        "headcount": 12,
    }
    body.update(values)
    return services.attendance_record(user=world.users[role], **body)


def field_errors(exc: pytest.ExceptionInfo[ValidationError]) -> dict[str, list[str]]:
    return exc.value.message_dict


# --- who, where, when ------------------------------------------------------------------


def test_a_unit_liaison_records_its_turn_out_in_its_paired_community(
    world: World, held: Session
) -> None:
    attendance = record(
        world, held, leader_name="王局长", leader_rank="局长", principal_leader_led=True
    )
    assert (attendance.headcount, attendance.expected) == (12, True)
    assert attendance.status == AttendanceStatus.SUBMITTED
    assert attendance.entered_by == world.users["unit"]
    assert attendance.principal_leader_led and attendance.leader_rank == "局长"


def test_a_liaison_cannot_record_where_its_unit_is_not_paired_that_day(
    world: World, held: Session
) -> None:
    with pytest.raises(ValidationError) as refused:
        record(world, held, community_code=world.community_a2.code)
    assert (
        "only the community or the city office can add it" in field_errors(refused)["unit_code"][0]
    )
    with pytest.raises(PermissionDenied):
        record(world, held, unit_code=world.unit_b.code, community_code=world.community_b1.code)
    assert not Attendance.objects.exists()


def test_a_pairing_that_ended_before_the_session_does_not_make_the_unit_expected(
    world: World, held: Session
) -> None:
    world.pairing_a.end = held.date - dt.timedelta(days=1)
    world.pairing_a.save()
    with pytest.raises(ValidationError) as refused:
        record(world, held)
    assert "unit_code" in field_errors(refused)


def test_the_community_adds_a_unit_not_paired_only_with_a_reason(
    world: World, held: Session
) -> None:
    with pytest.raises(ValidationError) as refused:
        record(world, held, role="community", unit_code=world.unit_free.code)
    assert "say why it is added" in field_errors(refused)["added_reason"][0]
    assert not Attendance.objects.exists()
    added = record(
        world, held, role="community", unit_code=world.unit_free.code, added_reason="临时支援"
    )
    assert (added.expected, added.added_reason) == (False, "临时支援")


def test_staff_of_another_area_cannot_record_there(world: World, held: Session) -> None:
    outsider = make_user("community_b1", Role.COMMUNITY, community=world.community_b1)
    with pytest.raises(PermissionDenied):
        services.attendance_record(
            user=outsider,
            session_id=held.pk,
            unit_code=world.unit_a.code,
            community_code=world.community_a1.code,
            headcount=3,
        )


@pytest.mark.parametrize("role", ["leader", "inspector", "member"])
def test_readers_record_nothing(world: World, held: Session, role: str) -> None:
    with pytest.raises(PermissionDenied):
        record(world, held, role=role)


def test_someone_without_a_role_does_not_see_the_session(world: World, held: Session) -> None:
    with pytest.raises(Http404):
        record(world, held, role="nobody")


@pytest.mark.parametrize("role", ["unit", "community", "office"])
def test_attendance_on_a_cancelled_session_is_refused(
    world: World, make_session: Callable[..., Session], role: str
) -> None:
    cancelled = make_session(days_ago(2), status=SessionStatus.CANCELLED)
    with pytest.raises(ValidationError) as refused:
        record(world, cancelled, role=role)
    assert "cancelled" in field_errors(refused)["session_id"][0]
    assert not Attendance.objects.exists()


@pytest.mark.parametrize("role", ["unit", "office"])
def test_a_session_that_has_not_taken_place_is_refused(
    world: World, make_session: Callable[..., Session], role: str
) -> None:
    tomorrow = make_session(days_ago(-1))
    with pytest.raises(ValidationError) as refused:
        record(world, tomorrow, role=role)
    assert "has not taken place yet" in field_errors(refused)["session_id"][0]


def test_a_community_outside_the_sessions_campaign_is_refused(world: World, held: Session) -> None:
    held.campaign.communities.remove(world.community_a1)
    with pytest.raises(ValidationError) as refused:
        record(world, held, role="office")
    assert "community_code" in field_errors(refused)


def test_unknown_codes_are_named(world: World, held: Session) -> None:
    with pytest.raises(ValidationError) as refused:
        record(world, held, unit_code="91420000NOTACODE0", community_code="4213")
    assert set(field_errors(refused)) == {"unit_code", "community_code"}


# --- the edit window ----------------------------------------------------------------------


def test_attendance_locks_after_the_edit_window(
    world: World, make_session: Callable[..., Session]
) -> None:
    last_day = make_session(days_ago(7))
    too_late = make_session(days_ago(8))
    attendance = record(world, last_day)
    assert not is_locked(attendance)
    with pytest.raises(ValidationError) as refused:
        record(world, too_late)
    assert "ask the city office for a correction" in field_errors(refused)["__all__"][0]
    with pytest.raises(ValidationError):
        record(world, too_late, role="community")
    assert Attendance.objects.count() == 1


def test_the_edit_window_is_a_setting(
    world: World, make_session: Callable[..., Session], settings: Any
) -> None:
    settings.ATTENDANCE_EDIT_DAYS = 10
    attendance = record(world, make_session(days_ago(8)))
    assert attendance.pk and not is_locked(attendance)
    settings.ATTENDANCE_EDIT_DAYS = 3
    assert is_locked(attendance)
    with pytest.raises(ValidationError):
        services.attendance_update(
            user=world.users["unit"], attendance_id=attendance.pk, headcount=5
        )
    attendance.refresh_from_db()
    assert attendance.headcount == 12


def test_the_office_backfills_a_session_long_past_for_any_unit(
    world: World, make_session: Callable[..., Session]
) -> None:
    long_ago = make_session(dt.date(2021, 9, 10))
    paired = record(world, long_ago, role="office", headcount=45)
    assert paired.expected and paired.headcount == 45
    with pytest.raises(ValidationError):
        record(world, long_ago, role="office", unit_code=world.unit_free.code)
    added = record(
        world, long_ago, role="office", unit_code=world.unit_free.code, added_reason="补录台账"
    )
    assert not added.expected


def test_a_correction_by_the_office_leaves_history_with_its_reason(
    world: World, make_session: Callable[..., Session]
) -> None:
    session = make_session(days_ago(30))
    attendance = record(world, session, role="office", headcount=45)
    office = world.users["office"]
    with pytest.raises(ValidationError) as refused:
        services.attendance_update(user=office, attendance_id=attendance.pk, headcount=46)
    assert "correct it with a reason" in field_errors(refused)["__all__"][0]
    with pytest.raises(ValidationError) as refused:
        services.attendance_correct(
            user=office, attendance_id=attendance.pk, reason="", headcount=46
        )
    assert "reason" in field_errors(refused)
    with pytest.raises(PermissionDenied):
        services.attendance_correct(
            user=world.users["community"], attendance_id=attendance.pk, reason="x", headcount=46
        )
    services.attendance_correct(
        user=office, attendance_id=attendance.pk, reason="核对签到表，少报1人", headcount=46
    )
    attendance.refresh_from_db()
    assert attendance.headcount == 46
    latest = attendance.history.first()
    assert latest is not None
    assert (latest.history_change_reason, latest.history_user) == ("核对签到表，少报1人", office)
    assert [h.headcount for h in attendance.history.all()][:2] == [46, 45]


def test_a_reason_longer_than_the_history_keeps_is_refused(world: World, held: Session) -> None:
    attendance = record(world, held)
    with pytest.raises(ValidationError) as refused:
        services.attendance_correct(
            user=world.users["office"], attendance_id=attendance.pk, reason="长" * 101, headcount=3
        )
    assert "at most 100 characters" in field_errors(refused)["reason"][0]


# --- updating and confirming --------------------------------------------------------------


def test_recording_again_updates_the_same_attendance(world: World, held: Session) -> None:
    first = record(world, held, headcount=12)
    second = record(world, held, headcount=15, leader_name="李处长")
    assert first.pk == second.pk and Attendance.objects.count() == 1
    second.refresh_from_db()
    assert (second.headcount, second.leader_name) == (15, "李处长")


def test_community_staff_of_the_community_confirm_and_no_one_else(
    world: World, held: Session
) -> None:
    attendance = record(world, held)
    for role in ("unit", "office", "street", "district", "leader"):
        with pytest.raises(PermissionDenied):
            services.attendance_confirm(user=world.users[role], attendance_id=attendance.pk)
    other = make_user("community_a2", Role.COMMUNITY, community=world.community_a2)
    with pytest.raises(Http404):
        services.attendance_confirm(user=other, attendance_id=attendance.pk)
    confirmed = services.attendance_confirm(
        user=world.users["community"], attendance_id=attendance.pk
    )
    assert confirmed.status == AttendanceStatus.CONFIRMED
    assert confirmed.confirmed_by == world.users["community"] and confirmed.confirmed_at


def test_a_change_by_the_unit_after_confirmation_asks_for_it_again(
    world: World, held: Session
) -> None:
    attendance = record(world, held)
    services.attendance_confirm(user=world.users["community"], attendance_id=attendance.pk)
    services.attendance_update(
        user=world.users["community"], attendance_id=attendance.pk, notes="ok"
    )
    attendance.refresh_from_db()
    assert attendance.status == AttendanceStatus.CONFIRMED
    services.attendance_update(user=world.users["unit"], attendance_id=attendance.pk, headcount=20)
    attendance.refresh_from_db()
    assert attendance.status == AttendanceStatus.SUBMITTED and attendance.confirmed_by is None


def test_another_units_liaison_does_not_see_the_attendance(world: World, held: Session) -> None:
    attendance = record(world, held)
    liaison_b = make_user("unit_b", Role.UNIT, unit=world.unit_b)
    with pytest.raises(Http404):
        services.attendance_update(user=liaison_b, attendance_id=attendance.pk, headcount=1)


# --- values -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("headcount", "message"),
    [
        (0, "At least 1 person"),
        (-3, "At least 1 person"),
        (2001, "at most 2000"),
        (True, "at least 1"),
        ("3.5", "whole number"),
        (None, "at least 1"),
    ],
)
def test_the_headcount_is_a_sane_whole_number(
    world: World, held: Session, headcount: Any, message: str
) -> None:
    with pytest.raises(ValidationError) as refused:
        record(world, held, headcount=headcount)
    assert message in field_errors(refused)["headcount"][0]
    assert not Attendance.objects.exists()


def test_the_end_comes_after_the_start(world: World, held: Session) -> None:
    with pytest.raises(ValidationError) as refused:
        record(world, held, start_time="17:30", end_time="14:30")
    assert "end_time" in field_errors(refused)
    with pytest.raises(ValidationError) as refused:
        record(world, held, start_time="half past two")
    assert "HH:MM" in field_errors(refused)["start_time"][0]
    ok = record(world, held, start_time="14:30", end_time="17:00")
    assert (ok.start_time, ok.end_time) == (dt.time(14, 30), dt.time(17, 0))


@pytest.mark.parametrize(
    ("row", "field", "message"),
    [
        (
            {"category_code": "dead_branches_weeds", "quantity": "3", "measure": "tonnes"},
            "measure",
            "square metres",
        ),
        (
            {"category_code": "illegal_flyers", "quantity": "3", "measure": "tonnes"},
            "measure",
            "places, sheets",
        ),
        (
            {"category_code": "garbage_dead_corner", "quantity": "0", "measure": "tonnes"},
            "quantity",
            "more than 0",
        ),
        (
            {"category_code": "garbage_dead_corner", "quantity": "-2", "measure": "tonnes"},
            "quantity",
            "more than 0",
        ),
        (
            {"category_code": "garbage_dead_corner", "quantity": "lots", "measure": "tonnes"},
            "quantity",
            "as a number",
        ),
        (
            {"category_code": "garbage_dead_corner", "quantity": "1.234", "measure": "tonnes"},
            "quantity",
            "2 decimals",
        ),
        (
            {"category_code": "no_such", "quantity": "1", "measure": "items"},
            "category_code",
            "Choose a category",
        ),
    ],
)
def test_each_task_is_counted_in_its_categorys_own_measure(
    world: World, held: Session, seeded: None, row: dict[str, Any], field: str, message: str
) -> None:
    good = {"category_code": "illegal_flyers", "quantity": "120", "measure": "sheets"}
    with pytest.raises(ValidationError) as refused:
        record(world, held, tasks=[good, row])
    errors = field_errors(refused)
    assert list(errors) == [f"tasks.1.{field}"]
    assert message in errors[f"tasks.1.{field}"][0]
    assert not Attendance.objects.exists()


def test_tasks_are_stored_with_their_measures(world: World, held: Session, seeded: None) -> None:
    attendance = record(
        world,
        held,
        tasks=[
            {"category_code": "illegal_flyers", "quantity": "120", "measure": "sheets"},
            {"category_code": "garbage_dead_corner", "quantity": "2.5", "measure": "tonnes"},
            {"category_code": "greenery_vegetable_plots", "quantity": "3", "measure": "places"},
        ],
    )
    stored = [(t.category.code, str(t.quantity), t.measure) for t in attendance.tasks.all()]
    assert stored == [
        ("illegal_flyers", "120.00", "sheets"),
        ("garbage_dead_corner", "2.50", "tonnes"),
        ("greenery_vegetable_plots", "3.00", "places"),
    ]
    again = record(
        world,
        held,
        tasks=[
            {"category_code": "dead_branches_weeds", "quantity": 40, "measure": "square_metres"}
        ],
    )
    assert [t.category.code for t in again.tasks.all()] == ["dead_branches_weeds"]


def test_the_same_category_and_measure_twice_is_refused(
    world: World, held: Session, seeded: None
) -> None:
    row = {"category_code": "illegal_flyers", "quantity": "1", "measure": "sheets"}
    with pytest.raises(ValidationError) as refused:
        record(world, held, tasks=[row, row])
    assert "add them up" in field_errors(refused)["tasks.1.measure"][0]


# --- problems -----------------------------------------------------------------------------


def test_linking_a_problem_dispatched_to_the_unit_starts_its_handling(
    world: World, held: Session, ledger_problem: Callable[..., Problem]
) -> None:
    dispatched = ledger_problem(ProblemState.DISPATCHED)
    working = ledger_problem(ProblemState.IN_PROGRESS)
    attendance = record(world, held, problem_numbers=[dispatched.number, working.number])
    assert set(attendance.problems.all()) == {dispatched, working}
    dispatched.refresh_from_db()
    working.refresh_from_db()
    assert dispatched.state == ProblemState.IN_PROGRESS
    assert working.state == ProblemState.IN_PROGRESS
    event = ProblemEvent.objects.get(problem=dispatched, action="start")
    assert event.actor == world.users["unit"]
    assert held.date.isoformat() in event.note
    assert not ProblemEvent.objects.filter(problem=working, action="start").exists()


def test_problems_must_be_of_the_community_and_visible(
    world: World, held: Session, ledger_problem: Callable[..., Problem]
) -> None:
    elsewhere = ledger_problem(ProblemState.DISPATCHED, community=world.community_a2)
    rejected = ledger_problem(ProblemState.REJECTED)
    with pytest.raises(ValidationError) as refused:
        record(world, held, problem_numbers=[elsewhere.number, "2099-000001", rejected.number])
    messages = " ".join(field_errors(refused)["problem_numbers"])
    assert elsewhere.number in messages and "2099-000001" in messages
    assert rejected.number in messages
    elsewhere.refresh_from_db()
    assert elsewhere.state == ProblemState.DISPATCHED


# --- photos -------------------------------------------------------------------------------


def _jpeg(name: str, raw: bytes | None = None) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, raw or camera_jpeg(), content_type="image/jpeg")


def test_before_and_after_photos_are_stored_with_the_attendance(
    world: World, held: Session
) -> None:
    attendance = record(
        world, held, photos_before=[_jpeg("a.jpg")], photos_after=[_jpeg("b.jpg"), _jpeg("c.jpg")]
    )
    kinds = sorted(p.kind for p in attendance.photos.all())
    assert kinds == ["after", "after", "before"]
    photo = attendance.photos.first()
    assert photo is not None and photo.session_id == held.pk and photo.unit_id == world.unit_a.pk


def test_a_damaged_photo_is_named_and_nothing_is_written(world: World, held: Session) -> None:
    with pytest.raises(ValidationError) as refused:
        record(
            world,
            held,
            photos_before=[_jpeg("ok.jpg")],
            photos_after=[_jpeg("broken.jpg", truncated(camera_jpeg()))],
        )
    errors = field_errors(refused)
    assert list(errors) == ["photos_after"] and "broken.jpg" in errors["photos_after"][0]
    assert not Attendance.objects.exists()


# --- absences -----------------------------------------------------------------------------


def test_an_expected_unit_states_its_absence_and_coming_after_all_clears_it(
    world: World, held: Session
) -> None:
    absence = absence_record(
        user=world.users["unit"],
        session_id=held.pk,
        unit_code=world.unit_a.code,
        community_code=world.community_a1.code,
        reason="全局参加防汛值守",
    )
    assert absence.reason == "全局参加防汛值守"
    record(world, held)
    assert not Absence.objects.exists()
    with pytest.raises(ValidationError) as refused:
        absence_record(
            user=world.users["community"],
            session_id=held.pk,
            unit_code=world.unit_a.code,
            community_code=world.community_a1.code,
            reason="未到",
        )
    assert "is recorded" in field_errors(refused)["unit_code"][0]


def test_an_absence_needs_a_reason_and_an_expected_unit(world: World, held: Session) -> None:
    with pytest.raises(ValidationError) as refused:
        absence_record(
            user=world.users["community"],
            session_id=held.pk,
            unit_code=world.unit_free.code,
            community_code=world.community_a1.code,
            reason=" ",
        )
    assert set(field_errors(refused)) == {"reason", "unit_code"}


def test_overview_lists_present_absent_with_reason_and_missing(world: World, held: Session) -> None:
    from gongzhi.activities.queries import session_overview

    away = UnitFactory(name="随州市水利和湖泊局")
    silent = UnitFactory(name="随州市住房和城乡建设局")
    PairingFactory(unit=away, community=world.community_a1)
    PairingFactory(unit=silent, community=world.community_a1)
    record(world, held, headcount=45)
    record(
        world,
        held,
        role="community",
        unit_code=world.unit_free.code,
        headcount=3,
        added_reason="支援",
    )
    absence_record(
        user=world.users["community"],
        session_id=held.pk,
        unit_code=away.code,
        community_code=world.community_a1.code,
        reason="单位集中学习",
    )
    [a1] = session_overview(held, world.community_a1)
    statuses = {row.unit.name: (row.status, row.expected) for row in a1.rows}
    assert statuses == {
        "随州市市场监督管理局": ("present", True),
        "随州市水利和湖泊局": ("absent", True),
        "随州市住房和城乡建设局": ("missing", True),
        "随州市统计局": ("present", False),
    }
    absent = next(row for row in a1.rows if row.status == "absent")
    assert absent.absence is not None and absent.absence.reason == "单位集中学习"
    assert (a1.expected, a1.present, a1.absent, a1.missing, a1.headcount) == (3, 2, 1, 1, 48)
