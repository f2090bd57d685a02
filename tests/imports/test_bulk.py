"""Bulk writes: rows and their history go in fast, inside the caller's transaction."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.db import IntegrityError, transaction

from gongzhi.activities.models import Attendance, Contribution
from gongzhi.campaigns.models import Campaign, Session
from gongzhi.imports import bulk
from tests.factories import World
from tests.imports import fixtures_activities

campaign = fixtures_activities.campaign
make_session = fixtures_activities.make_session

pytestmark = pytest.mark.django_db

FIELDS = ("session_id", "unit_id", "community_id", "headcount", "leader_name", "start_time")


@pytest.fixture
def session(make_session: Callable[..., Session]) -> Session:
    return make_session(dt.date(2021, 9, 10))


def _rows(world: World, session: Session) -> list[tuple[Any, ...]]:
    return [
        (session.pk, world.unit_a.pk, world.community_a1.pk, 45, "王主任", dt.time(14, 30)),
        (session.pk, world.unit_b.pk, world.community_b1.pk, 35, "", None),
        (session.pk, world.unit_free.pk, world.community_a2.pk, 20, "李局长", dt.time(15, 0)),
    ]


def test_inserted_rows_read_back_with_their_ids_in_order(world: World, session: Session) -> None:
    note = bulk.HistoryNote(world.users["office"].pk, bulk.import_reason("attendance.xlsx"))

    ids = bulk.insert_rows(Attendance, FIELDS, _rows(world, session), note=note)

    saved = {a.pk: a for a in Attendance.objects.filter(pk__in=ids)}
    assert [saved[pk].headcount for pk in ids] == [45, 35, 20]
    first = saved[ids[0]]
    assert first.unit_id == world.unit_a.pk
    assert first.leader_name == "王主任"
    assert first.start_time == dt.time(14, 30)
    assert first.status == "submitted"  # the model default
    assert first.expected is True
    assert first.created_at == note.date


def test_each_inserted_row_gets_a_created_history_row_naming_user_and_file(
    world: World, session: Session
) -> None:
    office = world.users["office"]
    note = bulk.HistoryNote(office.pk, bulk.import_reason("attendance.xlsx"))

    ids = bulk.insert_rows(Attendance, FIELDS, _rows(world, session), note=note)

    history = Attendance.history.filter(id__in=ids)
    assert history.count() == 3
    record = history.get(id=ids[1])
    assert record.history_type == "+"
    assert record.history_user == office
    assert record.history_change_reason == "imported from attendance.xlsx"
    assert record.history_date == note.date
    assert record.headcount == 35


def test_updated_rows_change_only_the_given_fields_and_record_a_changed_history_row(
    world: World, session: Session
) -> None:
    office = world.users["office"]
    ids = bulk.insert_rows(Attendance, FIELDS, _rows(world, session), note=None)
    before = Attendance.objects.get(pk=ids[0])
    later = bulk.HistoryNote(
        office.pk, "imported from fix.xlsx", before.updated_at.replace(year=2030)
    )

    bulk.update_rows(Attendance, ("headcount", "leader_name"), [(ids[0], 46, "赵书记")], note=later)

    after = Attendance.objects.get(pk=ids[0])
    assert (after.headcount, after.leader_name, after.start_time) == (46, "赵书记", dt.time(14, 30))
    assert after.updated_at == later.date
    assert Attendance.objects.get(pk=ids[1]).headcount == 35
    record = Attendance.history.get(id=ids[0])
    assert (record.history_type, record.headcount, record.history_user) == ("~", 46, office)


def test_money_and_dates_of_contributions_are_stored_exactly(world: World) -> None:
    note = bulk.HistoryNote(world.users["office"].pk, "imported from funds.csv")
    rows = [
        (world.unit_a.pk, world.community_a1.pk, dt.date(2021, 9, 10), 8_000_000, "垃圾清运"),
        (world.unit_b.pk, world.community_b1.pk, dt.date(2021, 9, 24), 123_456_789_01, ""),
    ]

    ids = bulk.insert_rows(
        Contribution, ("unit_id", "community_id", "date", "amount_fen", "purpose"), rows, note=note
    )

    first, second = (Contribution.objects.get(pk=pk) for pk in ids)
    assert (first.date, first.amount_fen, first.purpose) == (
        dt.date(2021, 9, 10),
        8_000_000,
        "垃圾清运",
    )
    assert second.amount_fen == 123_456_789_01
    assert first.archived_at is None
    assert Contribution.history.filter(id__in=ids, history_type="+").count() == 2


def test_many_rows_go_in_over_several_batches(world: World, session: Session) -> None:
    units = [world.unit_a, world.unit_b, world.unit_free]
    communities = [world.community_a1, world.community_a2, world.community_b1, world.community_b2]
    rows = [
        (session.pk, u.pk, c.pk, 1 + i, "", None)
        for i, (u, c) in enumerate((u, c) for u in units for c in communities)
    ]
    days = [dt.date(2022, 1, 7) + dt.timedelta(days=7 * k) for k in range(60)]
    sessions = [Session.objects.create(**_session_values(session, d)) for d in days]
    rows += [(s.pk, u.pk, world.community_a1.pk, 3, "", None) for s in sessions for u in units]

    ids = bulk.insert_rows(Attendance, FIELDS, rows, note=bulk.HistoryNote(None, "bulk"))

    assert len(set(ids)) == len(rows) == 12 + 180
    assert Attendance.objects.count() == len(rows)
    assert Attendance.history.count() == len(rows)


def test_a_refused_row_rolls_back_every_row_of_the_caller_s_transaction(
    world: World, session: Session
) -> None:
    rows = _rows(world, session)
    rows.append(rows[0])  # the same session, unit and community twice

    with pytest.raises(IntegrityError), transaction.atomic():
        bulk.insert_rows(Attendance, FIELDS, rows, note=bulk.HistoryNote(None, "bulk"))

    assert Attendance.objects.count() == 0
    assert Attendance.history.count() == 0


def test_nothing_given_writes_nothing(world: World) -> None:
    assert bulk.insert_rows(Attendance, FIELDS, [], note=None) == []
    bulk.update_rows(Attendance, ("headcount",), [], note=None)
    assert Attendance.history.count() == 0


def _session_values(template: Session, day: dt.date) -> dict[str, Any]:
    return {
        "campaign_id": template.campaign_id,
        "slot_date": day,
        "date": day,
        "start_time": template.start_time,
        "end_time": template.end_time,
        "status": template.status,
    }


def test_json_columns_are_written_as_json(campaign: Campaign) -> None:
    day = dt.date(2021, 10, 1)
    fields = ("campaign_id", "slot_date", "date", "start_time", "end_time", "status")
    rows = [
        (
            campaign.pk,
            day,
            day + dt.timedelta(days=1),
            dt.time(14, 30),
            dt.time(17, 30),
            "scheduled",
        )
    ]

    (pk,) = bulk.insert_rows(
        Session, (*fields, "reason_params"), [(*rows[0], {"name": "国庆节"})], note=None
    )

    session = Session.objects.get(pk=pk)
    assert session.reason_params == {"name": "国庆节"}
    assert (session.date, session.start_time) == (dt.date(2021, 10, 2), dt.time(14, 30))
