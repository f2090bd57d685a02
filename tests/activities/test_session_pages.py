"""The session pages: the list, a session per community, the unit's entry form,
confirming, correcting, absences and the photos, per role."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from gongzhi.activities import services
from gongzhi.activities.models import (
    Absence,
    ActivityPhoto,
    Attendance,
    AttendanceStatus,
    AttendanceTask,
)
from gongzhi.campaigns.models import Session
from gongzhi.core.models import Role
from gongzhi.core.navigation import navigation_for
from gongzhi.problems.models import Category
from tests.activities.fixtures_attendance import (  # noqa: F401 - fixtures
    client_of_fixture,
    days_ago,
    held_fixture,
    seeded_fixture,
)
from tests.core.photo_samples import camera_jpeg
from tests.factories import PairingFactory, UnitFactory, World, make_user

Clients = Callable[[str], Client]


def record(world: World, session: Session, **values: Any) -> Attendance:
    body: dict[str, Any] = {
        "session_id": session.pk,
        "unit_code": world.unit_a.code,
        "community_code": world.community_a1.code,
        "headcount": 12,
    }
    body.update(values)
    return services.attendance_record(user=world.users["unit"], **body)


def form_url(session: Session, community: Any) -> str:
    return reverse("activities:attendance_form", args=[session.pk, community.code])


def detail_url(session: Session) -> str:
    return reverse("activities:session_detail", args=[session.pk])


# --- the list and the menu ---------------------------------------------------------------


def test_the_menu_offers_sessions_to_staff_units_and_inspectors_only(world: World) -> None:
    for role in ("office", "leader", "district", "street", "community", "unit", "inspector"):
        assert "activities:session_list" in {i["name"] for i in navigation_for(world.users[role])}
    assert "activities:session_list" not in {
        i["name"] for i in navigation_for(world.users["member"])
    }


def test_the_list_shows_held_sessions_with_figures_in_the_users_scope(
    world: World, held: Session, make_session: Callable[..., Session], client_of: Clients
) -> None:
    make_session(days_ago(-5))
    record(world, held, headcount=45)
    page = client_of("community").get(reverse("activities:session_list"))
    text = page.content.decode()
    assert page.status_code == 200
    assert 'data-testid="upcoming"' in text
    assert 'data-testid="headcount">45<' in text and 'data-testid="present">1<' in text
    # Community b1 has no attendance in the scope of its own staff.
    other = make_user("community_b1", Role.COMMUNITY, community=world.community_b1)
    client = Client()
    client.force_login(other)
    assert (
        'data-testid="headcount">0<'
        in client.get(reverse("activities:session_list")).content.decode()
    )


def test_the_list_counts_units_expected_in_the_campaigns_communities_per_scope(
    world: World, held: Session, client_of: Clients
) -> None:
    PairingFactory(unit=UnitFactory(), community=world.community_b2, end=days_ago(30))
    outside = PairingFactory(unit=UnitFactory(), community=world.community_a2)
    held.campaign.communities.remove(world.community_a2)
    Absence.objects.create(
        session=held, unit=world.unit_b, community=world.community_b1, reason="x"
    )

    def figures(role: str) -> tuple[str, str]:
        text = client_of(role).get(reverse("activities:session_list")).content.decode()
        expected = text.split('data-testid="expected">')[1].split("<")[0]
        absent = text.split('data-testid="absent">')[1].split("<")[0]
        return expected, absent

    assert figures("office") == ("2", "1")  # a1 and b1; not the ended pairing, not a2
    assert figures("community") == ("1", "0")
    assert figures("unit") == ("1", "0")
    assert outside.pk


def test_the_list_costs_the_same_queries_whatever_the_number_of_sessions(
    world: World,
    make_session: Callable[..., Session],
    client_of: Clients,
    django_assert_max_num_queries: Any,
) -> None:
    client = client_of("street")
    for n in range(1, 4):
        make_session(days_ago(n))
    client.get(reverse("activities:session_list"))
    with django_assert_max_num_queries(15) as few:
        client.get(reverse("activities:session_list"))
    for n in range(4, 16):
        make_session(days_ago(n))
    with django_assert_max_num_queries(len(few.captured_queries)):
        text = client.get(reverse("activities:session_list")).content.decode()
    assert text.count('data-testid="expected"') == 15


@pytest.mark.parametrize(("role", "status"), [("member", 403), ("nobody", 403)])
def test_members_and_people_without_a_role_do_not_see_the_sessions(
    world: World, held: Session, client_of: Clients, role: str, status: int
) -> None:
    assert client_of(role).get(reverse("activities:session_list")).status_code == status
    assert client_of(role).get(detail_url(held)).status_code in (403, 404)


def test_anonymous_visitors_are_sent_to_log_in(held: Session) -> None:
    response = Client().get(detail_url(held))
    assert response.status_code == 302 and "/login/" in response["Location"]


# --- one session --------------------------------------------------------------------------


def test_each_role_sees_the_communities_of_its_scope(
    world: World, held: Session, client_of: Clients
) -> None:
    def communities(role: str) -> set[str]:
        text = client_of(role).get(detail_url(held)).content.decode()
        codes = {
            c.code
            for c in (
                world.community_a1,
                world.community_a2,
                world.community_b1,
                world.community_b2,
            )
        }
        return {code for code in codes if f'data-community="{code}"' in text}

    a1, a2 = world.community_a1.code, world.community_a2.code
    assert communities("office") == {a1, a2, world.community_b1.code, world.community_b2.code}
    assert communities("street") == {a1, a2}
    assert communities("community") == {a1}
    assert communities("unit") == {a1}
    assert communities("inspector") == set()


def test_the_session_page_shows_present_absent_and_missing_units(
    world: World, held: Session, client_of: Clients
) -> None:
    away = UnitFactory(name="随州市水利和湖泊局", short_name="市水利和湖泊局")
    silent = UnitFactory(name="随州市财政局", short_name="市财政局")
    PairingFactory(unit=away, community=world.community_a1)
    PairingFactory(unit=silent, community=world.community_a1)
    record(world, held, headcount=45, leader_name="王五", principal_leader_led=True)
    Absence.objects.create(session=held, unit=away, community=world.community_a1, reason="防汛值守")
    text = client_of("community").get(detail_url(held)).content.decode()
    assert f'data-unit="{world.unit_a.code}" data-status="present"' in text
    assert f'data-unit="{away.code}" data-status="absent"' in text and "防汛值守" in text
    assert f'data-unit="{silent.code}" data-status="missing"' in text
    assert "1 present of 3 expected · 45 person-times" in text
    assert "王五" in text


def test_a_unit_liaison_sees_only_its_own_units_row(
    world: World, held: Session, client_of: Clients
) -> None:
    other = UnitFactory(name="随州市统计局二")
    PairingFactory(unit=other, community=world.community_a1)
    text = client_of("unit").get(detail_url(held)).content.decode()
    assert f'data-unit="{world.unit_a.code}"' in text
    assert f'data-unit="{other.code}"' not in text


def test_the_session_page_costs_the_same_queries_whatever_the_number_of_units(
    world: World,
    held: Session,
    seeded: None,
    client_of: Clients,
    django_assert_max_num_queries: Any,
) -> None:
    client = client_of("office")
    category = Category.objects.get(code="illegal_flyers")

    def add_units(n: int) -> None:
        for _ in range(n):
            unit = UnitFactory()
            PairingFactory(unit=unit, community=world.community_a1)
            attendance = Attendance.objects.create(
                session=held, unit=unit, community=world.community_a1, headcount=5
            )
            AttendanceTask.objects.create(
                attendance=attendance, category=category, quantity=3, measure="sheets"
            )
            Absence.objects.create(
                session=held, unit=UnitFactory(), community=world.community_a2, reason="x"
            )

    add_units(2)
    client.get(detail_url(held))  # warm caches (content types, sessions)
    with django_assert_max_num_queries(20) as few:
        client.get(detail_url(held))
    add_units(15)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(detail_url(held))
    assert response.content.decode().count('data-status="present"') == 17


def test_an_unknown_session_is_404(world: World, client_of: Clients) -> None:
    assert (
        client_of("office").get(reverse("activities:session_detail", args=[999999])).status_code
        == 404
    )


# --- the entry form -----------------------------------------------------------------------


def _jpeg(name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, camera_jpeg(), content_type="image/jpeg")


def test_a_liaison_enters_attendance_with_tasks_and_photos_on_the_form(
    world: World, held: Session, seeded: None, client_of: Clients
) -> None:
    client = client_of("unit")
    page = client.get(form_url(held, world.community_a1))
    assert page.status_code == 200 and world.unit_a.code in page.content.decode()
    response = client.post(
        form_url(held, world.community_a1),
        {
            "unit": world.unit_a.code,
            "headcount": "45",
            "leader_name": "王五",
            "leader_rank": "局长",
            "principal_leader_led": "on",
            "start_time": "14:30",
            "end_time": "17:30",
            "task_category": ["illegal_flyers", "dead_branches_weeds", ""],
            "task_quantity": ["120", "30", ""],
            "task_measure": ["sheets", "square_metres", "items"],
            "photos_before": [_jpeg("before.jpg")],
            "photos_after": [_jpeg("after.jpg")],
        },
    )
    attendance = Attendance.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("activities:attendance_detail", args=[attendance.pk])
    assert (attendance.headcount, attendance.principal_leader_led) == (45, True)
    assert [t.measure for t in attendance.tasks.all()] == ["sheets", "square_metres"]
    assert sorted(p.kind for p in attendance.photos.all()) == ["after", "before"]
    detail = client.get(response["Location"]).content.decode()
    assert 'data-testid="headcount">45<' in detail and "120 " in detail


def test_refused_input_comes_back_on_the_form_with_nothing_written(
    world: World, held: Session, seeded: None, client_of: Clients
) -> None:
    response = client_of("unit").post(
        form_url(held, world.community_a1),
        {
            "unit": world.unit_a.code,
            "headcount": "0",
            "task_category": ["dead_branches_weeds"],
            "task_quantity": ["30"],
            "task_measure": ["tonnes"],
        },
    )
    text = response.content.decode()
    assert response.status_code == 400
    assert "At least 1 person must have come." in text
    assert "is measured in square metres" in text
    assert not Attendance.objects.exists()


def test_a_unit_not_expected_in_a_community_cannot_open_its_form(
    world: World, held: Session, client_of: Clients
) -> None:
    assert client_of("unit").get(form_url(held, world.community_b1)).status_code == 404
    # a2 lies in the unit's scope of nothing: not paired there that day.
    PairingFactory(unit=world.unit_free, community=world.community_a2)
    assert client_of("unit").get(form_url(held, world.community_a2)).status_code == 404


def test_the_community_adds_a_unit_not_paired_with_a_reason_on_the_form(
    world: World, held: Session, client_of: Clients
) -> None:
    url = form_url(held, world.community_a1)
    client = client_of("community")
    body = {"unit": "__other__", "other_unit_code": world.unit_free.code, "headcount": "3"}
    response = client.post(url, body)
    assert response.status_code == 400 and "say why it is added" in response.content.decode()
    response = client.post(url, {**body, "added_reason": "临时支援"})
    assert response.status_code == 302
    assert Attendance.objects.get(unit=world.unit_free).added_reason == "临时支援"


def test_the_form_says_why_a_cancelled_or_locked_session_cannot_be_entered(
    world: World, make_session: Callable[..., Session], client_of: Clients
) -> None:
    cancelled = make_session(days_ago(3), status="cancelled")
    old = make_session(days_ago(20))
    text = client_of("unit").get(form_url(cancelled, world.community_a1)).content.decode()
    assert 'data-testid="closed"' in text and "cancelled" in text
    text = client_of("unit").get(form_url(old, world.community_a1)).content.decode()
    assert "ask the city office for a correction" in text


# --- confirming, correcting, absences -----------------------------------------------------


def test_community_staff_confirm_from_the_session_page(
    world: World, held: Session, client_of: Clients
) -> None:
    attendance = record(world, held)
    url = reverse("activities:attendance_confirm", args=[attendance.pk])
    assert 'data-testid="confirm"' not in client_of("unit").get(detail_url(held)).content.decode()
    assert client_of("unit").post(url).status_code == 403
    assert client_of("office").post(url).status_code == 403
    other = make_user("community_a2", Role.COMMUNITY, community=world.community_a2)
    outsider = Client()
    outsider.force_login(other)
    assert outsider.post(url).status_code == 404
    client = client_of("community")
    assert 'data-testid="confirm"' in client.get(detail_url(held)).content.decode()
    response = client.post(url, {"next": detail_url(held)})
    assert response.status_code == 302 and response["Location"] == detail_url(held)
    attendance.refresh_from_db()
    assert attendance.status == AttendanceStatus.CONFIRMED
    assert client.post(url, {"next": "https://evil.example/"})["Location"].startswith("/sessions/")


def test_the_office_corrects_with_a_reason_shown_in_the_history(
    world: World, make_session: Callable[..., Session], client_of: Clients
) -> None:
    attendance = record(world, make_session(days_ago(3)), headcount=12)
    url = reverse("activities:attendance_correct", args=[attendance.pk])
    assert client_of("unit").get(url).status_code == 403
    client = client_of("office")
    assert client.post(url, {"reason": "", "headcount": "13"}).status_code == 400
    response = client.post(url, {"reason": "按签到表更正", "headcount": "13"})
    assert response.status_code == 302
    attendance.refresh_from_db()
    assert attendance.headcount == 13
    text = client.get(response["Location"]).content.decode()
    assert "按签到表更正" in text and 'data-testid="history"' in text


def test_an_absence_is_recorded_on_its_form_and_shown_on_the_session(
    world: World, held: Session, client_of: Clients
) -> None:
    url = reverse("activities:absence_form", args=[held.pk, world.community_a1.code])
    client = client_of("unit")
    assert client.post(url, {"unit": world.unit_a.code, "reason": ""}).status_code == 400
    response = client.post(url, {"unit": world.unit_a.code, "reason": "全局参加抗洪"})
    assert response.status_code == 302
    text = client.get(response["Location"]).content.decode()
    assert (
        f'data-unit="{world.unit_a.code}" data-status="absent"' in text and "全局参加抗洪" in text
    )


# --- photos -------------------------------------------------------------------------------


def test_photos_are_served_by_role_and_originals_to_area_staff_only(
    world: World, held: Session, client_of: Clients
) -> None:
    attendance = record(world, held, photos_after=[_jpeg("after.jpg")])
    photo = ActivityPhoto.objects.get(attendance=attendance)

    def status(role: str, kind: str) -> int:
        return client_of(role).get(reverse("activities:photo", args=[photo.pk, kind])).status_code

    assert status("unit", "thumb") == 200 and status("community", "public") == 200
    assert status("community", "original") == 200 and status("office", "original") == 200
    assert status("unit", "original") == 404
    assert status("inspector", "thumb") == 404
    assert status("office", "exif") == 404
    liaison_b = make_user("unit_b", Role.UNIT, unit=world.unit_b)
    client = Client()
    client.force_login(liaison_b)
    assert client.get(reverse("activities:photo", args=[photo.pk, "thumb"])).status_code == 404
