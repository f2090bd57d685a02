"""The admin of the Friday sessions reads; writes go through the services."""

from __future__ import annotations

from django.test import Client
from django.urls import reverse

from gongzhi.activities import services
from gongzhi.activities.models import Attendance
from gongzhi.campaigns.models import Session
from tests.activities.fixtures_attendance import held_fixture  # noqa: F401 - fixture
from tests.factories import World


def admin_client(world: World, role: str) -> Client:
    user = world.users[role]
    user.is_staff = True
    user.save()
    client = Client()
    client.force_login(user)
    return client


def test_the_office_reads_attendance_and_its_history_but_cannot_change_it(
    world: World, held: Session
) -> None:
    attendance = services.attendance_record(
        user=world.users["unit"],
        session_id=held.pk,
        unit_code=world.unit_a.code,
        community_code=world.community_a1.code,
        headcount=12,
    )
    client = admin_client(world, "office")
    listing = client.get(reverse("admin:activities_attendance_changelist"))
    assert listing.status_code == 200 and str(world.unit_a) in listing.content.decode()
    change = reverse("admin:activities_attendance_change", args=[attendance.pk])
    assert client.get(change).status_code == 200
    assert client.post(change, {"headcount": "99"}).status_code == 403
    version = attendance.history.first()
    assert version is not None
    past = reverse(
        "admin:activities_attendance_simple_history", args=[attendance.pk, version.history_id]
    )
    assert client.get(past).status_code == 200
    assert client.post(past, {"headcount": "99"}).status_code == 403
    assert client.get(reverse("admin:activities_attendance_add")).status_code == 403
    attendance.refresh_from_db()
    assert Attendance.objects.get().headcount == 12


def test_other_staff_do_not_see_the_sessions_in_the_admin(world: World, held: Session) -> None:
    client = admin_client(world, "community")
    assert client.get(reverse("admin:activities_attendance_changelist")).status_code == 403
