"""The demo's Friday sessions: the published figures, read through the software's own queries,
and records that keep the rules (held sessions only, paired units, reasons, certified hours)."""

from __future__ import annotations

import datetime as dt
import io
import re
from collections import defaultdict
from itertools import combinations
from typing import Any

import docx
import pytest
from django.apps import apps
from django.core.management import call_command
from django.utils import timezone

from gongzhi.activities.models import (
    Absence,
    ActivityPhoto,
    Attendance,
    AttendanceStatus,
    AttendanceTask,
    CheckIn,
    Contribution,
    EvidenceFlag,
    FlagKind,
    SessionPlan,
    VolunteerCertificate,
)
from gongzhi.activities.queries import held_attendance, person_times, plans_for
from gongzhi.activities.queries_checkin import volunteer_hours
from gongzhi.activities.queries_evidence import hash_distance_limit
from gongzhi.activities.queries_funds import funds_fen
from gongzhi.activities.services_checkin import distance_outside_m
from gongzhi.activities.validation import allowed_measures
from gongzhi.campaigns.models import Session, SessionStatus
from gongzhi.core.models import User
from gongzhi.core.photos import hash_distance
from gongzhi.demo.accounts import DEMO_COMMUNITY
from gongzhi.demo.activities import unconfirmed_from
from gongzhi.demo.loader import load_demo
from gongzhi.problems.models import Category
from gongzhi.units.models import Member, Pairing, Unit
from tests.activities.test_certificate import pdffonts

JULY, OCTOBER_END = dt.date(2021, 7, 1), dt.date(2021, 10, 31)
FIRST_SEPTEMBER = dt.date(2021, 9, 10)
PUBLISHED_HEADCOUNTS = {
    "市市场监管局": 45,
    "市水利和湖泊局": 35,
    "市住建局": 22,
    "市财政局": 20,
    "市统计局": 20,
    "市城管执法委": 126,
}
PUBLISHED_FUNDS_YUAN = {
    "市卫健委": 80_000,
    "市机关事务服务中心": 60_000,
    "市政协办": 50_000,
    "国网随州供电公司": 50_000,
}
FEN = 100


def _code(short_name: str) -> str:
    return Unit.objects.get(short_name=short_name).code


def _paired_on() -> dict[tuple[int, int], list[tuple[dt.date, dt.date | None]]]:
    periods: dict[tuple[int, int], list[tuple[dt.date, dt.date | None]]] = defaultdict(list)
    for unit_id, community_id, start, end in Pairing.objects.active().values_list(
        "unit_id", "community_id", "start", "end"
    ):
        periods[(unit_id, community_id)].append((start, end))
    return periods


def _was_paired(periods: list[tuple[dt.date, dt.date | None]], day: dt.date) -> bool:
    return any(start <= day and (end is None or day <= end) for start, end in periods)


def _waiting_from() -> dt.date:
    """From this session date on, the community has not confirmed or certified yet."""
    today = timezone.localdate()
    last = Attendance.objects.filter(session__date__lt=today).order_by("-session__date")
    return unconfirmed_from(today, last.values_list("session__date", flat=True).first())


# --- the published figures ----------------------------------------------------------------


@pytest.mark.parametrize(("unit", "headcount"), list(PUBLISHED_HEADCOUNTS.items()))
def test_the_first_september_session_has_the_published_headcount_of_each_unit(
    demo_city: dict[str, Any], db: None, unit: str, headcount: int
) -> None:
    code = _code(unit)
    assert person_times(FIRST_SEPTEMBER, FIRST_SEPTEMBER, unit_code=code) == headcount


def test_units_paired_with_two_communities_share_their_headcount_between_them(
    demo_city: dict[str, Any], db: None
) -> None:
    rows = held_attendance(FIRST_SEPTEMBER, FIRST_SEPTEMBER).filter(unit__short_name="市统计局")
    headcounts = sorted(rows.values_list("headcount", flat=True))
    assert len(headcounts) == 2
    assert sum(headcounts) == PUBLISHED_HEADCOUNTS["市统计局"]


def test_municipal_person_times_from_july_to_october_2021_are_6300_odd(
    demo_city: dict[str, Any], db: None
) -> None:
    assert 6_300 <= person_times(JULY, OCTOBER_END, municipal_only=True) <= 6_399


def test_units_of_zengdu_and_the_high_tech_zone_attend_but_the_municipal_figure_leaves_them_out(
    demo_city: dict[str, Any], db: None
) -> None:
    held = held_attendance(JULY, OCTOBER_END)
    for district in ("421303", "421390"):  # 曾都区, 随州高新区
        assert held.filter(unit__jurisdiction__code=district).exists(), district
    district_units = sum(
        held.filter(unit__jurisdiction__isnull=False).values_list("headcount", flat=True)
    )
    everyone = person_times(JULY, OCTOBER_END)
    assert everyone - person_times(JULY, OCTOBER_END, municipal_only=True) == district_units > 0


def test_funds_from_july_to_october_2021_are_300_odd_wan_yuan_with_or_without_district_units(
    demo_city: dict[str, Any], db: None
) -> None:
    everyone = funds_fen(JULY, OCTOBER_END)
    municipal = funds_fen(JULY, OCTOBER_END, municipal_only=True)
    for total in (everyone, municipal):
        assert 3_000_000 * FEN <= total <= 3_099_999 * FEN
    assert everyone > municipal  # the district units spent something too


@pytest.mark.parametrize(("unit", "yuan"), list(PUBLISHED_FUNDS_YUAN.items()))
def test_the_units_named_in_the_report_have_their_published_funds(
    demo_city: dict[str, Any], db: None, unit: str, yuan: int
) -> None:
    assert funds_fen(JULY, OCTOBER_END, unit_code=_code(unit)) == yuan * FEN


def test_contributions_go_to_communities_the_unit_is_paired_with_on_that_date(
    demo_city: dict[str, Any], db: None
) -> None:
    periods = _paired_on()
    rows = Contribution.objects.active().values_list("unit_id", "community_id", "date")
    assert rows.filter(date__gt=OCTOBER_END).exists()  # the years after the report too
    for unit_id, community_id, day in rows:
        assert _was_paired(periods[(unit_id, community_id)], day), (unit_id, community_id, day)


# --- the rules the records keep ----------------------------------------------------------


def test_every_session_held_so_far_has_attendance_and_no_later_one(
    demo_city: dict[str, Any], db: None
) -> None:
    today = timezone.localdate()
    held = Session.objects.filter(
        campaign__slug="friday", status=SessionStatus.SCHEDULED, date__lt=today
    )
    assert held.count() > 100
    assert not held.filter(attendances__isnull=True).exists()
    assert not Attendance.objects.filter(session__date__gte=today).exists()


def test_no_attendance_or_check_in_on_a_cancelled_session(
    demo_city: dict[str, Any], db: None
) -> None:
    cancelled = Session.objects.filter(campaign__slug="friday", status=SessionStatus.CANCELLED)
    assert cancelled.exists()
    assert all(s.cancel_reason and s.cancelled_by is not None for s in cancelled)
    assert not Attendance.objects.filter(session__in=cancelled).exists()
    assert not CheckIn.objects.filter(session__in=cancelled).exists()
    assert not Absence.objects.filter(session__in=cancelled).exists()


def test_attendance_is_only_of_units_paired_that_day_or_added_with_a_reason(
    demo_city: dict[str, Any], db: None
) -> None:
    periods = _paired_on()
    added = 0
    rows = Attendance.objects.values_list(
        "session__date", "unit_id", "community_id", "expected", "added_reason"
    )
    for day, unit_id, community_id, expected, reason in rows:
        paired = _was_paired(periods[(unit_id, community_id)], day)
        assert expected == paired, (day, unit_id, community_id)
        if not paired:
            assert reason.strip()
            added += 1
    assert added >= 1


def test_a_few_units_are_absent_some_weeks_and_say_why(demo_city: dict[str, Any], db: None) -> None:
    periods = _paired_on()
    absences = list(
        Absence.objects.values_list(
            "session_id", "session__date", "unit_id", "community_id", "reason"
        )
    )
    present = set(Attendance.objects.values_list("session_id", "unit_id", "community_id"))
    assert 0 < len(absences) < len(present) * 0.1
    assert len({row[0] for row in absences}) >= 20  # spread over many weeks
    for session_id, day, unit_id, community_id, reason in absences:
        assert reason.strip()
        assert _was_paired(periods[(unit_id, community_id)], day)
        assert (session_id, unit_id, community_id) not in present
    in_report = [row for row in absences if JULY <= row[1] <= OCTOBER_END]
    assert in_report


def test_older_attendance_is_mostly_confirmed_and_the_latest_only_submitted(
    demo_city: dict[str, Any], db: None
) -> None:
    recent = _waiting_from()
    confirmed = Attendance.objects.filter(status=AttendanceStatus.CONFIRMED)
    submitted = Attendance.objects.filter(status=AttendanceStatus.SUBMITTED)
    assert confirmed.count() > submitted.count() > 0
    assert not confirmed.filter(confirmed_at__isnull=True).exists()
    assert not confirmed.filter(session__date__gte=recent).exists()
    assert submitted.filter(session__date__lt=recent).exists()  # some are still waiting
    community = User.objects.get(username="community")
    here = confirmed.filter(community__code=DEMO_COMMUNITY)
    assert here.exists()
    assert set(here.values_list("confirmed_by", flat=True)) == {community.pk}


def test_the_tasks_done_use_the_measures_of_their_category(
    demo_city: dict[str, Any], db: None
) -> None:
    tasks = AttendanceTask.objects.all()
    assert tasks.count() >= Attendance.objects.count()
    assert not tasks.filter(quantity__lte=0).exists()
    used = set(tasks.values_list("category_id", "measure").distinct())
    categories = Category.objects.in_bulk({category_id for category_id, _m in used})
    for category_id, measure in used:
        assert measure in allowed_measures(categories[category_id]), (category_id, measure)


# --- photos and evidence flags ---------------------------------------------------------------


def test_about_a_dozen_photos_prove_attendance_and_their_files_exist(
    demo_city: dict[str, Any], db: None
) -> None:
    photos = list(ActivityPhoto.objects.all())
    assert 10 <= len(photos) <= 15
    for photo in photos:
        assert photo.attendance is not None and photo.session_id == photo.attendance.session_id
        for copy in (photo.original, photo.public, photo.thumb):
            assert copy.storage.exists(copy.name)
    assert demo_city["activity_photos"] == len(photos)


def test_the_evidence_checks_flag_the_reused_photos_and_the_one_taken_weeks_before(
    demo_city: dict[str, Any], db: None
) -> None:
    flags = {
        (f.kind, f.photo.unit.short_name, f.photo.session.date if f.photo.session else None): f
        for f in EvidenceFlag.objects.select_related("photo__unit", "photo__session", "other")
    }
    reused = [f for (kind, *_rest), f in flags.items() if kind == FlagKind.REUSED]
    assert {f.photo.unit.short_name for f in reused} == {"市城管执法委", "市中医医院"}
    for flag in reused:
        assert flag.other is not None
        assert flag.other.session_id != flag.photo.session_id
        assert flag.distance <= hash_distance_limit()
    time_far = [f for (kind, *_rest), f in flags.items() if kind == FlagKind.TIME_FAR]
    assert [(f.photo.unit.short_name, f.distance) for f in time_far] == [("市水利和湖泊局", 45)]
    assert demo_city["evidence_flags"] == len(flags)


def test_photos_that_are_not_copies_are_far_apart_for_the_perceptual_hash(
    demo_city: dict[str, Any], db: None
) -> None:
    copies = set(
        EvidenceFlag.objects.filter(kind=FlagKind.REUSED).values_list("photo_id", "other_id")
    )
    photos = list(ActivityPhoto.objects.all())
    for a, b in combinations(photos, 2):
        near = hash_distance(a.phash, b.phash) <= hash_distance_limit()
        assert near == ((a.pk, b.pk) in copies or (b.pk, a.pk) in copies)


# --- check-ins, volunteer hours, certificate -------------------------------------------------


def test_the_demo_member_has_certified_hours_and_a_certificate_for_them(
    demo_city: dict[str, Any], db: None
) -> None:
    member = Member.objects.get(user__username="member")
    assert len(member.id_number) == 18 and member.volunteer_code
    certificate = VolunteerCertificate.objects.get(member=member)
    hours = volunteer_hours(member, certificate.start, certificate.end)
    assert hours == certificate.hours > 100
    assert certificate.content["id_number"] == member.id_number
    assert volunteer_hours(member, JULY, timezone.localdate()) > hours


def test_check_ins_of_the_latest_sessions_wait_for_the_community_to_certify_them(
    demo_city: dict[str, Any], db: None
) -> None:
    recent = _waiting_from()
    rows = CheckIn.objects.all()
    assert rows.filter(session__date__gte=recent).exists()
    assert not rows.filter(session__date__gte=recent, certified_at__isnull=False).exists()
    older = rows.filter(session__date__lt=recent)
    assert older.filter(certified_at__isnull=False).count() > older.count() * 0.9
    community = User.objects.get(username="community")
    ours = older.filter(community__code=DEMO_COMMUNITY, certified_at__isnull=False)
    assert set(ours.values_list("certified_by", flat=True)) == {community.pk}


def test_members_check_in_inside_the_community_where_their_unit_attended(
    demo_city: dict[str, Any], db: None
) -> None:
    attended = set(Attendance.objects.values_list("session_id", "unit_id", "community_id"))
    rows = CheckIn.objects.select_related("community", "member")
    assert rows.values("member").distinct().count() >= 6
    for row in rows:
        assert row.unit_id == row.member.unit_id
        assert (row.session_id, row.unit_id, row.community_id) in attended
        assert row.lat is not None and row.lng is not None
        assert distance_outside_m(row.lat, row.lng, row.community.outline) == 0
        assert row.checked_out_at is not None and row.checked_out_at > row.checked_in_at
        assert row.hours is not None and row.hours > 0 and (row.hours * 4) % 1 == 0


# --- plans ahead ----------------------------------------------------------------------------


def test_the_community_and_unit_logins_see_plans_of_the_next_sessions(
    demo_city: dict[str, Any], db: None
) -> None:
    today = timezone.localdate()
    for username in ("community", "unit"):
        plans = plans_for(User.objects.get(username=username), start=today)
        assert plans.count() >= 3, username
        assert {p.community.code for p in plans} == {DEMO_COMMUNITY}
    first = plans_for(User.objects.get(username="community"), start=today).first()
    assert first is not None and first.tasks and first.meeting_point
    assert first.problems.exists()  # open problems of the community picked for the day
    street_plans = plans_for(User.objects.get(username="street"), start=today)
    assert street_plans.values("community").distinct().count() > 5


# --- loading again, and the summary -------------------------------------------------------------


def _activity_rows() -> dict[str, int]:
    labels = ("activities", "units", "campaigns")
    return {
        m._meta.label: m._default_manager.count()
        for m in apps.get_models()
        if m._meta.app_label in labels
    }


def test_loading_the_demo_again_writes_no_activity_rows(
    demo_city: dict[str, Any], db: None
) -> None:
    before = _activity_rows()
    summary = load_demo(io.StringIO())
    assert _activity_rows() == before
    for key in ("attendance", "absences", "check_ins", "contributions", "activity_photos"):
        assert summary[key] == demo_city[key], key
    assert summary["evidence_flags"] == demo_city["evidence_flags"]


def test_the_summary_counts_the_friday_records_and_prints_them(
    demo_city: dict[str, Any], db: None
) -> None:
    assert demo_city["attendance"] == Attendance.objects.count() > 10_000
    assert demo_city["absences"] == Absence.objects.count()
    assert demo_city["check_ins"] == CheckIn.objects.count()
    assert demo_city["contributions"] == Contribution.objects.count()
    assert demo_city["session_plans"] == SessionPlan.objects.count()
    assert demo_city["certificates"] == VolunteerCertificate.objects.count() == 1
    line = re.search(r"^Friday sessions: .*$", demo_city["output"], re.MULTILINE)
    assert line is not None
    text = line.group(0)
    assert f"{demo_city['attendance']} attendance records" in text
    assert f"{demo_city['absences']} absences" in text
    assert f"{demo_city['check_ins']} check-ins" in text
    assert f"{demo_city['contributions']} contributions" in text
    assert f"{demo_city['activity_photos']} photos ({demo_city['evidence_flags']} evidence" in text


def test_the_demo_members_certificate_renders_as_docx_and_pdf(
    demo_city: dict[str, Any], db: None, tmp_path: Any
) -> None:
    """The certificate of a demo member, through the `certificate` command."""
    member_user = User.objects.get(username="member")
    certificate = VolunteerCertificate.objects.get(member__user=member_user)
    hours = f"{certificate.hours.normalize():f}"
    docx_path, pdf_path = tmp_path / "c.docx", tmp_path / "c.pdf"
    call_command("certificate", certificate.number, "--out", str(docx_path), stdout=io.StringIO())
    call_command("certificate", certificate.number, "--out", str(pdf_path), stdout=io.StringIO())
    document = docx.Document(str(docx_path))
    text = "\n".join(p.text for p in document.paragraphs) + "\n".join(
        cell.text for table in document.tables for row in table.rows for cell in row.cells
    )
    for expected in (certificate.number, certificate.member.name, hours, "志愿服务时长证明"):
        assert expected in text, expected
    fonts = pdffonts(pdf_path)
    assert fonts and all("CJK" in row[0] and row[-5] == "yes" for row in fonts), fonts
