"""Volunteer hours: only certified hours count; the member's page, the unit's page, the export."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import openpyxl
import pytest
from django.test import Client
from django.urls import reverse

from gongzhi.activities import queries_checkin as queries
from gongzhi.activities.models import CheckIn
from gongzhi.campaigns.models import Session, SessionStatus
from gongzhi.units.models import Member
from tests.activities.fixtures_checkin import (  # noqa: F401 - fixtures
    SESSION_DAY,
    make_checkin_fixture,
    make_member_fixture,
    member_fixture,
    session_fixture,
)
from tests.factories import World, make_user

LATER = SESSION_DAY + dt.timedelta(days=14)


@pytest.fixture
def later(make_session: Callable[..., Session]) -> Session:
    return make_session(LATER)


# --- the figure --------------------------------------------------------------------------


def test_only_certified_hours_count(
    session: Session, later: Session, member: Member, make_checkin: Callable[..., CheckIn]
) -> None:
    make_checkin(session, member, hours="2.75", certified=True)
    make_checkin(later, member, hours="3", certified=False)
    year = (dt.date(2026, 1, 1), dt.date(2026, 12, 31))
    assert queries.volunteer_hours(member, *year) == Decimal("2.75")


def test_hours_count_by_session_date_with_both_ends_included(
    session: Session, later: Session, member: Member, make_checkin: Callable[..., CheckIn]
) -> None:
    make_checkin(session, member, hours="2", certified=True)
    make_checkin(later, member, hours="3", certified=True)
    assert queries.volunteer_hours(member, SESSION_DAY, LATER) == Decimal("5")
    assert queries.volunteer_hours(member, SESSION_DAY + dt.timedelta(days=1), LATER) == 3
    assert queries.volunteer_hours(member, SESSION_DAY, LATER - dt.timedelta(days=1)) == 2


def test_a_cancelled_session_counts_nowhere(
    session: Session, member: Member, make_checkin: Callable[..., CheckIn]
) -> None:
    make_checkin(session, member, hours="2", certified=True)
    Session.objects.filter(pk=session.pk).update(status=SessionStatus.CANCELLED)
    assert queries.volunteer_hours(member, SESSION_DAY, SESSION_DAY) == 0


# --- the member's page -------------------------------------------------------------------------


def test_a_member_sees_certified_and_pending_hours_per_month(
    world: World,
    session: Session,
    later: Session,
    member: Member,
    make_checkin: Callable[..., CheckIn],
    client: Client,
) -> None:
    make_checkin(session, member, hours="2.5", certified=True)
    make_checkin(later, member, hours="3", certified=False)
    client.force_login(world.users["member"])
    response = client.get(
        reverse("activities:my_checkins"), {"start": "2026-01-01", "end": "2026-12-31"}
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert 'data-testid="certified-hours">2.50<' in body
    assert 'data-testid="pending-hours">3.00<' in body
    assert [(m.month, m.certified, m.pending) for m in response.context["months"]] == [
        (dt.date(2026, 3, 1), Decimal("2.50"), Decimal("3.00"))
    ]
    assert body.count("data-checkin=") == 2


def test_a_member_checks_out_from_their_page(
    world: World,
    session: Session,
    member: Member,
    make_checkin: Callable[..., CheckIn],
    client: Client,
) -> None:
    make_checkin(session, member)
    client.force_login(world.users["member"])
    response = client.get(reverse("activities:my_checkins"), {"start": "2026-01-01"})
    assert 'data-testid="checkout-form"' in response.content.decode()


def test_a_bad_period_is_named_and_the_year_shown(
    world: World, member: Member, client: Client
) -> None:
    client.force_login(world.users["member"])
    response = client.get(reverse("activities:my_checkins"), {"start": "2026-13-01"})
    assert response.status_code == 400
    assert 'data-field-error="start"' in response.content.decode()


def test_a_login_without_a_member_record_has_no_hours_page(world: World, client: Client) -> None:
    client.force_login(world.users["unit"])
    assert client.get(reverse("activities:my_checkins")).status_code == 403


# --- the unit's page -----------------------------------------------------------------------------


@pytest.fixture
def hours_world(
    world: World,
    session: Session,
    member: Member,
    make_member: Callable[..., Member],
    make_checkin: Callable[..., CheckIn],
) -> dict[str, Member]:
    other = make_member("李四")
    elsewhere = make_member("赵六", unit=world.unit_b)
    make_checkin(session, member, hours="3", certified=True)
    make_checkin(session, other, hours="1.5", certified=False)
    make_checkin(session, elsewhere, hours="2", certified=True, community=world.community_b1)
    return {"member": member, "other": other, "elsewhere": elsewhere}


def hours_url(**params: str) -> str:
    query = "&".join(
        f"{k}={v}" for k, v in {"start": "2026-01-01", "end": "2026-06-30", **params}.items()
    )
    return reverse("activities:unit_hours") + "?" + query


def test_a_unit_liaison_sees_their_members_hours_with_id_numbers_masked(
    world: World, hours_world: dict[str, Member], client: Client
) -> None:
    client.force_login(world.users["unit"])
    response = client.get(hours_url())
    assert response.status_code == 200
    rows = {r["member"].name: r for r in response.context["rows"]}
    assert set(rows) == {"张三", "李四"}
    assert rows["张三"]["member"].certified_hours == Decimal("3")
    assert rows["李四"]["member"].pending_hours == Decimal("1.5")
    body = response.content.decode()
    assert "420***********1234" in body
    assert "420101199001011234" not in body
    assert body.count('data-testid="issue"') == 1  # only 张三 has certified hours


def test_the_office_sees_every_unit_and_can_pick_one(
    world: World, hours_world: dict[str, Member], client: Client
) -> None:
    client.force_login(world.users["office"])
    everyone = client.get(hours_url())
    assert {r["member"].name for r in everyone.context["rows"]} == {"张三", "李四", "赵六"}
    one = client.get(hours_url(unit=world.unit_b.code))
    assert [r["member"].name for r in one.context["rows"]] == ["赵六"]


@pytest.mark.parametrize("role", ["community", "street", "inspector", "member"])
def test_others_do_not_get_members_hours(
    world: World, hours_world: dict[str, Member], client: Client, role: str
) -> None:
    client.force_login(world.users[role])
    assert client.get(hours_url()).status_code == 403


def test_the_unit_page_costs_the_same_queries_for_many_members(
    world: World,
    session: Session,
    make_member: Callable[..., Member],
    make_checkin: Callable[..., CheckIn],
    client: Client,
    django_assert_max_num_queries: Any,
) -> None:
    client.force_login(world.users["unit"])
    make_checkin(session, make_member("甲"), hours="2", certified=True)
    with django_assert_max_num_queries(12) as few:
        client.get(hours_url())
    for n in range(15):
        make_checkin(session, make_member(f"乙{n}"), hours="2", certified=True)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(hours_url())
    assert len(response.context["rows"]) == 16


# --- the export for the national volunteer information system ------------------------------------


def export(client: Client, fmt: str, **params: str) -> Any:
    query = {"start": "2026-01-01", "end": "2026-06-30", "format": fmt, **params}
    return client.get(reverse("activities:hours_export"), query)


def read_csv(response: Any) -> list[list[str]]:
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def test_the_csv_export_holds_certified_records_with_full_identity(
    world: World, hours_world: dict[str, Member], client: Client
) -> None:
    client.force_login(world.users["unit"])
    response = export(client, "csv")
    assert response.status_code == 200
    assert response["Content-Disposition"] == (
        'attachment; filename="volunteer-hours-20260101-20260630.csv"'
    )
    rows = read_csv(response)
    assert rows[0] == [
        "Name",
        "ID card number",
        "Volunteer number",
        "Service date",
        "Hours",
        "Service content",
        "Organisation (community)",
        "Unit",
    ]
    assert rows[1:] == [
        [
            "张三",
            "420101199001011234",
            "ZY-0001",
            "2026-03-13",
            "3",
            "周五环境治理活动",
            "白云社区",
            world.unit_a.name,
        ]
    ]


def test_the_export_cannot_smuggle_a_formula_into_a_spreadsheet(
    world: World,
    session: Session,
    make_member: Callable[..., Member],
    make_checkin: Callable[..., CheckIn],
    client: Client,
) -> None:
    evil = make_member('=HYPERLINK("http://x.example","点我")', volunteer_code="+1+1")
    make_checkin(session, evil, hours="2", certified=True)
    client.force_login(world.users["office"])
    row = read_csv(export(client, "csv"))[1]
    assert row[0] == '\'=HYPERLINK("http://x.example","点我")'
    assert row[2] == "'+1+1"
    sheet = openpyxl.load_workbook(io.BytesIO(export(client, "xlsx").content)).active
    assert sheet is not None
    cells = list(next(sheet.iter_rows(min_row=2, max_row=2)))
    assert all(c.data_type == "s" for c in cells)
    assert cells[0].value == '\'=HYPERLINK("http://x.example","点我")'
    assert cells[1].value == evil.id_number  # the ID number keeps every digit, as text


def test_the_xlsx_export_matches_the_csv(
    world: World, hours_world: dict[str, Member], client: Client
) -> None:
    client.force_login(world.users["office"])
    csv_rows = read_csv(export(client, "csv"))
    sheet = openpyxl.load_workbook(io.BytesIO(export(client, "xlsx").content)).active
    assert sheet is not None
    xlsx_rows = [[c.value for c in row] for row in sheet.iter_rows()]
    assert xlsx_rows == csv_rows
    assert {r[0] for r in csv_rows[1:]} == {"张三", "赵六"}


def test_the_liaison_exports_their_members_only_and_leaders_may_not_export(
    world: World, hours_world: dict[str, Member], client: Client
) -> None:
    client.force_login(world.users["unit"])
    assert {r[0] for r in read_csv(export(client, "csv"))[1:]} == {"张三"}
    client.force_login(world.users["leader"])
    assert export(client, "csv").status_code == 403
    client.force_login(make_user("someone"))
    assert export(client, "csv").status_code == 403


def test_an_export_with_a_bad_date_names_it(
    world: World, hours_world: dict[str, Member], client: Client
) -> None:
    client.force_login(world.users["office"])
    response = export(client, "csv", end="2026-02-30")
    assert response.status_code == 400
    assert 'data-field-error="end"' in response.content.decode()
