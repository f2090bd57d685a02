"""Contributions: who may record them where, validation, the edit window, archiving with
history, and the totals they add up to."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from gongzhi.activities import queries_funds, services_funds
from gongzhi.activities.models import ActivityPhoto, Contribution
from gongzhi.activities.queries_funds import FundsFilter, funds_fen
from gongzhi.units.models import Pairing
from tests.activities.fixtures_funds import DAY, make_old, make_problem, receipt, record
from tests.core.photo_samples import truncated
from tests.factories import World

pytestmark = pytest.mark.django_db


def _errors(exc: pytest.ExceptionInfo[ValidationError]) -> dict[str, list[str]]:
    return exc.value.message_dict


# --- recording ------------------------------------------------------------------------


def test_a_unit_liaison_records_8_wan_for_a_paired_community(world: World) -> None:
    contribution = record(world, amount="8万")
    assert contribution.amount_fen == 8_000_000
    assert contribution.unit == world.unit_a
    assert contribution.community == world.community_a1
    assert contribution.entered_by == world.users["unit"]
    assert contribution.history.count() == 1


def test_an_int_amount_is_taken_as_fen(world: World) -> None:
    assert record(world, amount=123).amount_fen == 123


def test_a_liaison_cannot_record_for_a_community_the_unit_is_not_paired_with(
    world: World,
) -> None:
    with pytest.raises(ValidationError) as exc:
        record(world, community_code=world.community_a2.code)
    assert "was not paired with 青云社区" in _errors(exc)["community_code"][0]
    assert not Contribution.objects.exists()


def test_a_liaison_cannot_record_before_the_pairing_started(world: World) -> None:
    with pytest.raises(ValidationError) as exc:
        record(world, date=dt.date(2021, 6, 30))
    assert "community_code" in _errors(exc)


def test_an_ended_pairing_no_longer_lets_the_liaison_record_after_its_end(world: World) -> None:
    Pairing.objects.filter(pk=world.pairing_a.pk).update(end=dt.date(2021, 8, 31))
    with pytest.raises(ValidationError):
        record(world, date=DAY)
    assert record(world, date=dt.date(2021, 8, 31)).pk


def test_a_liaison_naming_another_unit_finds_no_such_unit(world: World) -> None:
    with pytest.raises(ValidationError) as exc:
        record(world, unit_code=world.unit_b.code, community_code=world.community_b1.code)
    assert "No unit with the code" in _errors(exc)["unit_code"][0]


def test_the_office_records_for_any_unit_and_any_community(world: World) -> None:
    contribution = record(
        world,
        user=world.users["office"],
        unit_code=world.unit_free.code,
        community_code=world.community_b2.code,
        amount="50,000.00",
    )
    assert contribution.amount_fen == 5_000_000


@pytest.mark.parametrize(
    "role", ["leader", "district", "street", "community", "inspector", "member", "nobody"]
)
def test_other_roles_may_not_record_contributions(world: World, role: str) -> None:
    with pytest.raises(PermissionDenied):
        record(world, user=world.users[role])
    assert not Contribution.objects.exists()


@pytest.mark.parametrize(
    ("amount", "words"),
    [
        ("八万", "digits"),
        ("-5", "more than zero"),
        ("0", "more than zero"),
        ("1e9", "exponent"),
        ("12.345", "two decimal places"),
        ("11亿", "too large"),
        (0, "more than zero"),
        (10**20, "too large"),
    ],
)
def test_an_unclear_amount_is_refused_on_the_amount_field_and_nothing_is_written(
    world: World, amount: object, words: str
) -> None:
    with pytest.raises(ValidationError) as exc:
        record(world, amount=amount)
    assert words in _errors(exc)["amount"][0]
    assert not Contribution.objects.exists()


def test_a_date_in_the_future_is_refused(world: World) -> None:
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    with pytest.raises(ValidationError) as exc:
        record(world, date=tomorrow)
    assert "future" in _errors(exc)["date"][0]


def test_a_date_as_text_is_read_and_a_bad_one_is_refused(world: World) -> None:
    assert record(world, date="2021-09-10").date == DAY
    with pytest.raises(ValidationError) as exc:
        record(world, date="2021-13-01")
    assert "YYYY-MM-DD" in _errors(exc)["date"][0]


def test_every_bad_field_is_named_at_once(world: World) -> None:
    with pytest.raises(ValidationError) as exc:
        record(
            world,
            user=world.users["office"],
            community_code="999999999999",
            amount="abc",
            date=timezone.localdate() + dt.timedelta(days=3),
            purpose="x" * 201,
        )
    assert set(_errors(exc)) == {"community_code", "amount", "date", "purpose"}


def test_the_same_entry_twice_is_refused_as_a_probable_double_entry(world: World) -> None:
    first = record(world, allow_duplicate=False)
    with pytest.raises(ValidationError) as exc:
        record(world, allow_duplicate=False)
    assert f"no. {first.pk}" in _errors(exc)["allow_duplicate"][0]
    assert Contribution.objects.count() == 1
    record(world, allow_duplicate=True)
    assert Contribution.objects.count() == 2


def test_an_archived_twin_is_no_double_entry(world: World) -> None:
    first = record(world, allow_duplicate=False)
    services_funds.contribution_archive(user=world.users["unit"], contribution=first)
    assert record(world, allow_duplicate=False).pk != first.pk


def test_linked_problems_must_exist_lie_in_the_community_and_be_visible(world: World) -> None:
    here = make_problem(world.community_a1)
    elsewhere = make_problem(world.community_a2)
    office = world.users["office"]
    contribution = record(world, user=office, problem_numbers=f"{here.number}、 ")
    assert list(contribution.problems.all()) == [here]
    with pytest.raises(ValidationError) as exc:
        record(world, user=office, problem_numbers=[elsewhere.number, "2099-000001"])
    messages = _errors(exc)["problem_numbers"]
    assert any("lies in 青云社区" in m for m in messages)
    assert any("2099-000001" in m for m in messages)
    # A liaison sees only problems dispatched to their unit: others read as unknown.
    with pytest.raises(ValidationError):
        record(world, problem_numbers=[here.number])


def test_receipt_photos_are_stored_with_the_contribution(world: World) -> None:
    contribution = record(world, receipts=[receipt()])
    photo = ActivityPhoto.objects.get()
    assert photo.contribution == contribution
    assert photo.kind == "receipt"
    assert photo.unit == world.unit_a


def test_a_damaged_receipt_refuses_the_whole_entry_naming_the_file(world: World) -> None:
    from tests.core.photo_samples import camera_jpeg

    with pytest.raises(ValidationError) as exc:
        record(world, receipts=[receipt(), receipt("broken.jpg", truncated(camera_jpeg()))])
    assert "broken.jpg" in _errors(exc)["receipts"][0]
    assert not Contribution.objects.exists()
    assert not ActivityPhoto.objects.exists()


# --- changing and archiving -----------------------------------------------------------


def test_the_liaison_changes_an_entry_inside_the_edit_window(world: World) -> None:
    contribution = record(world)
    services_funds.contribution_update(
        user=world.users["unit"], contribution=contribution, amount="8.5万"
    )
    contribution.refresh_from_db()
    assert contribution.amount_fen == 8_500_000


def test_after_the_edit_window_the_liaison_is_refused_and_told_to_ask_the_office(
    world: World,
) -> None:
    contribution = make_old(record(world))
    with pytest.raises(PermissionDenied, match="only the city office"):
        services_funds.contribution_update(
            user=world.users["unit"], contribution=contribution, amount="1万"
        )
    with pytest.raises(PermissionDenied):
        services_funds.contribution_archive(user=world.users["unit"], contribution=contribution)
    contribution.refresh_from_db()
    assert contribution.amount_fen == 8_000_000
    assert contribution.archived_at is None


def test_the_edit_window_is_a_setting(world: World, settings: object) -> None:
    settings.CONTRIBUTION_EDIT_DAYS = 7  # type: ignore[attr-defined]
    contribution = make_old(record(world), days=8)
    assert not services_funds.may_change(world.users["unit"], contribution)
    settings.CONTRIBUTION_EDIT_DAYS = 10  # type: ignore[attr-defined]
    assert services_funds.may_change(world.users["unit"], contribution)


def test_after_the_window_the_office_corrects_only_with_a_reason_kept_in_history(
    world: World,
) -> None:
    office = world.users["office"]
    contribution = make_old(record(world))
    with pytest.raises(ValidationError) as exc:
        services_funds.contribution_update(user=office, contribution=contribution, amount="6万")
    assert "reason" in _errors(exc)
    services_funds.contribution_update(
        user=office, contribution=contribution, amount="6万", reason="收据金额为6万元"
    )
    history = queries_funds.contribution_history(contribution)
    assert history[0].kind == "changed"
    assert history[0].reason == "收据金额为6万元"
    assert history[0].who == office
    assert [(c.field, c.old, c.new) for c in history[0].changes] == [
        ("amount_fen", 8_000_000, 6_000_000)
    ]


def test_another_units_liaison_may_not_change_it(world: World) -> None:
    contribution = record(world)
    world.users["unit"].grants.update(unit=world.unit_b)
    from gongzhi.core.scoping import forget_scope

    forget_scope(world.users["unit"])
    with pytest.raises(PermissionDenied):
        services_funds.contribution_update(
            user=world.users["unit"], contribution=contribution, purpose="x"
        )


def test_moving_an_entry_to_an_unpaired_community_is_refused_for_the_liaison(
    world: World,
) -> None:
    contribution = record(world)
    with pytest.raises(ValidationError) as exc:
        services_funds.contribution_update(
            user=world.users["unit"],
            contribution=contribution,
            community_code=world.community_a2.code,
        )
    assert "community_code" in _errors(exc)


def test_archiving_takes_it_out_of_the_totals_and_keeps_its_history(world: World) -> None:
    contribution = record(world)
    record(world, amount="2万")
    assert funds_fen(DAY, DAY) == 10_000_000
    office = world.users["office"]
    make_old(contribution)
    with pytest.raises(ValidationError):
        services_funds.contribution_archive(user=office, contribution=contribution)
    services_funds.contribution_archive(user=office, contribution=contribution, reason="重复录入")
    contribution.refresh_from_db()
    assert contribution.archived_at is not None
    assert Contribution.objects.filter(pk=contribution.pk).exists()
    assert funds_fen(DAY, DAY) == 2_000_000
    history = queries_funds.contribution_history(contribution)
    assert [(h.kind, h.reason) for h in history] == [("archived", "重复录入"), ("created", "")]


def test_the_liaison_archives_without_a_reason_inside_the_window(world: World) -> None:
    contribution = record(world)
    services_funds.contribution_archive(user=world.users["unit"], contribution=contribution)
    history = queries_funds.contribution_history(contribution)
    assert [h.kind for h in history] == ["archived", "created"]
    assert history[0].reason == ""


def test_only_the_office_restores_and_an_archived_entry_is_not_changed(world: World) -> None:
    contribution = record(world)
    services_funds.contribution_archive(user=world.users["unit"], contribution=contribution)
    with pytest.raises(PermissionDenied):
        services_funds.contribution_restore(user=world.users["unit"], contribution=contribution)
    with pytest.raises(ValidationError):
        services_funds.contribution_update(
            user=world.users["office"], contribution=contribution, amount="1万"
        )
    services_funds.contribution_restore(user=world.users["office"], contribution=contribution)
    assert funds_fen(DAY, DAY) == 8_000_000
    assert queries_funds.contribution_history(contribution)[0].kind == "restored"


def test_the_history_shows_linked_problems_before_and_after_a_change(world: World) -> None:
    first = make_problem(world.community_a1)
    second = make_problem(world.community_a1)
    office = world.users["office"]
    contribution = record(world, user=office, problem_numbers=[first.number])
    services_funds.contribution_update(
        user=office, contribution=contribution, problem_numbers=[first.number, second.number]
    )
    latest = queries_funds.contribution_history(contribution)[0]
    assert [(c.field, c.old, c.new) for c in latest.changes] == [
        ("problems", [first.number], sorted([first.number, second.number]))
    ]
    assert contribution.history.count() == 2


def test_receipts_added_later_are_kept_with_the_earlier_ones(world: World) -> None:
    contribution = record(world, receipts=[receipt()])
    services_funds.contribution_update(
        user=world.users["unit"], contribution=contribution, receipts=[receipt("second.jpg")]
    )
    assert contribution.photos.count() == 2


# --- reading --------------------------------------------------------------------------


@pytest.fixture
def spread(world: World) -> dict[str, Contribution]:
    """A contribution in each of community a1 (unit_a), b1 (unit_b) and a2 (unit_b)."""
    office = world.users["office"]
    return {
        "a1": record(world, amount="8万"),
        "b1": record(
            world,
            user=office,
            unit_code=world.unit_b.code,
            community_code=world.community_b1.code,
            amount="5万",
        ),
        "a2": record(
            world,
            user=office,
            unit_code=world.unit_b.code,
            community_code=world.community_a2.code,
            amount="3万",
            date=dt.date(2021, 10, 8),
        ),
    }


@pytest.mark.parametrize(
    ("role", "seen"),
    [
        ("office", {"a1", "b1", "a2"}),
        ("leader", {"a1", "b1", "a2"}),
        ("district", {"a1", "a2"}),
        ("street", {"a1", "a2"}),
        ("community", {"a1"}),
        ("unit", {"a1"}),
        ("inspector", set()),
        ("member", set()),
        ("nobody", set()),
    ],
)
def test_each_role_reads_the_contributions_of_its_scope(
    world: World, spread: dict[str, Contribution], role: str, seen: set[str]
) -> None:
    visible = set(
        queries_funds.contributions_visible_to(world.users[role]).values_list("pk", flat=True)
    )
    assert visible == {spread[key].pk for key in seen}


def test_a_district_officer_also_reads_the_contributions_of_its_own_units(
    world: World, spread: dict[str, Contribution]
) -> None:
    from gongzhi.core.models import Role, RoleGrant
    from tests.factories import make_user

    officer = make_user("district_b")
    RoleGrant.objects.create(user=officer, role=Role.DISTRICT, district=world.district_b)
    visible = set(queries_funds.contributions_visible_to(officer).values_list("pk", flat=True))
    # b1 lies in district B; unit_b (district B) also gave in a2, in district A.
    assert visible == {spread["b1"].pk, spread["a2"].pk}


def test_totals_add_up_exactly_by_unit_community_and_month(
    world: World, spread: dict[str, Contribution]
) -> None:
    record(world, amount="0.01")
    archived = record(world, amount="100万")
    services_funds.contribution_archive(user=world.users["office"], contribution=archived)
    qs = queries_funds.contributions_filtered(world.users["office"], FundsFilter())
    totals = queries_funds.totals_of(qs)
    assert (totals.count, totals.fen) == (4, 16_000_001)
    assert [(t.key, t.count, t.fen) for t in totals.by_unit] == [
        (world.unit_a.code, 2, 8_000_001),
        (world.unit_b.code, 2, 8_000_000),
    ]
    assert [(t.key, t.fen) for t in totals.by_community] == [
        (world.community_a1.code, 8_000_001),
        (world.community_b1.code, 5_000_000),
        (world.community_a2.code, 3_000_000),
    ]
    assert [(t.key, t.count, t.fen) for t in totals.by_month] == [
        ("2021-09", 3, 13_000_001),
        ("2021-10", 1, 3_000_000),
    ]
    assert funds_fen(dt.date(2021, 7, 1), dt.date(2021, 10, 31)) == totals.fen
    assert funds_fen(dt.date(2021, 7, 1), dt.date(2021, 10, 31), municipal_only=True) == 8_000_001


def test_totals_follow_the_readers_scope_and_filter(
    world: World, spread: dict[str, Contribution]
) -> None:
    community = world.users["community"]
    assert queries_funds.totals_of(
        queries_funds.contributions_filtered(community, FundsFilter())
    ).fen == (8_000_000)
    office = world.users["office"]
    october = FundsFilter(start=dt.date(2021, 10, 1), end=dt.date(2021, 10, 31))
    assert (
        queries_funds.totals_of(queries_funds.contributions_filtered(office, october)).fen
        == 3_000_000
    )
    by_unit = FundsFilter(unit=world.unit_b.code.lower())
    assert (
        queries_funds.totals_of(queries_funds.contributions_filtered(office, by_unit)).fen
        == 8_000_000
    )


def test_keyset_pages_run_newest_date_first_without_gaps_or_repeats(world: World) -> None:
    office = world.users["office"]
    days = [dt.date(2021, 9, 10), dt.date(2021, 9, 24), dt.date(2021, 9, 10), dt.date(2021, 8, 13)]
    made = [record(world, user=office, date=day, amount=f"{n + 1}万") for n, day in enumerate(days)]
    qs = queries_funds.contributions_filtered(office, FundsFilter())
    seen: list[int] = []
    cursor = None
    while True:
        page = queries_funds.contributions_page(qs, cursor=cursor, limit=1)
        seen.extend(c.pk for c in page.items)
        cursor = page.next_cursor
        if cursor is None:
            break
    expected = sorted(made, key=lambda c: (c.date, c.pk), reverse=True)
    assert seen == [c.pk for c in expected]


def test_a_malformed_cursor_reads_as_the_first_page(world: World) -> None:
    record(world)
    qs = queries_funds.contributions_filtered(world.users["office"], FundsFilter())
    for cursor in ("garbage", "MjAyMS0wOS0xMHx4", "fA"):
        assert len(queries_funds.contributions_page(qs, cursor=cursor).items) == 1
