"""The funds pages: the ledger, the phone form with its amount read back, detail, edit,
archive, and the totals with their CSV."""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from gongzhi.activities.models import Contribution
from tests.activities.fixtures_funds import DAY, make_old, receipt, record
from tests.factories import PairingFactory, UnitFactory, World

pytestmark = pytest.mark.django_db


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _form(world: World, **values: Any) -> dict[str, Any]:
    data = {
        "unit": world.unit_a.code,
        "community": world.community_a1.code,
        "date": DAY.isoformat(),
        "amount": "8万",
        "purpose": "清理垃圾死角",
        "problem_numbers": "",
    }
    data.update(values)
    return data


# --- the ledger -----------------------------------------------------------------------


def test_the_ledger_lists_the_readers_contributions_with_their_total(world: World) -> None:
    record(world, amount="8万")
    record(world, amount="0.5")
    record(
        world,
        user=world.users["office"],
        unit_code=world.unit_b.code,
        community_code=world.community_b1.code,
        amount="5万",
    )
    page = _client(world.users["community"]).get(reverse("activities:funds"))
    assert page.status_code == 200
    text = page.content.decode()
    assert "80,000.00" in text
    assert "0.50" in text
    assert "50,000.00" not in text
    assert "80,000.50 yuan" in text


def test_the_ledger_filters_by_unit_and_period_and_refuses_a_reversed_period(
    world: World,
) -> None:
    office = world.users["office"]
    record(world, user=office, amount="1万")
    record(world, user=office, amount="2万", date=dt.date(2021, 10, 8))
    client = _client(office)
    url = reverse("activities:funds")
    page = client.get(url, {"unit": world.unit_a.code, "start": "2021-10-01"})
    assert "20,000.00" in page.content.decode()
    assert "10,000.00" not in page.content.decode()
    bad = client.get(url, {"start": "2021-10-31", "end": "2021-10-01"})
    assert bad.status_code == 400
    assert "The end comes before the start." in bad.content.decode()


def test_the_ledger_costs_the_same_queries_for_3_or_30_rows(
    world: World, django_assert_max_num_queries: Any
) -> None:
    office = world.users["office"]
    client = _client(office)
    for n in range(3):
        record(world, user=office, amount=f"{n + 1}万")
    url = reverse("activities:funds")
    with django_assert_max_num_queries(20) as few:
        client.get(url)
    for n in range(27):
        record(world, user=office, amount=f"{n + 10}万")
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get(url)
    assert page.content.decode().count('data-id="') == 30


def test_the_ledger_pages_with_a_next_link(world: World, settings: Any) -> None:
    settings.PAGE_SIZE = 2
    office = world.users["office"]
    for n in range(3):
        record(world, user=office, amount=f"{n + 1}万")
    client = _client(office)
    first = client.get(reverse("activities:funds"))
    assert first.content.decode().count('data-id="') == 2
    next_url = first.context["next_url"]
    second = client.get(reverse("activities:funds") + next_url)
    assert second.content.decode().count('data-id="') == 1


# --- recording ------------------------------------------------------------------------


def test_the_liaison_form_offers_only_their_unit_and_paired_communities(world: World) -> None:
    page = _client(world.users["unit"]).get(reverse("activities:funds_new"))
    assert page.status_code == 200
    form = page.context["form"]
    assert [code for code, _name in form.fields["unit"].choices] == [world.unit_a.code]
    assert [code for code, _name in form.fields["community"].choices if code] == [
        world.community_a1.code
    ]
    assert 'hx-get="/sessions/funds/amount/"' in page.content.decode()


def test_the_liaison_records_8_wan_on_the_phone_form(world: World) -> None:
    client = _client(world.users["unit"])
    response = client.post(
        reverse("activities:funds_new"), {**_form(world), "receipts": [receipt()]}
    )
    contribution = Contribution.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse(
        "activities:funds_detail", kwargs={"pk": contribution.pk}
    )
    assert contribution.amount_fen == 8_000_000
    assert contribution.photos.count() == 1
    detail = client.get(response["Location"]).content.decode()
    assert "80,000.00" in detail
    assert "8万元" in detail


@pytest.mark.parametrize(
    ("amount", "words"),
    [("八万", "digits"), ("-5", "more than zero"), ("1e9", "exponent"), ("12.345", "two decimal")],
)
def test_an_unclear_amount_is_shown_next_to_the_field_and_nothing_is_saved(
    world: World, amount: str, words: str
) -> None:
    response = _client(world.users["unit"]).post(
        reverse("activities:funds_new"), _form(world, amount=amount)
    )
    assert response.status_code == 400
    assert words in " ".join(response.context["form"].errors["amount"])
    assert 'data-field-error="amount"' in response.content.decode()
    assert not Contribution.objects.exists()


def test_a_refused_entry_shows_the_amount_it_read_back(world: World) -> None:
    response = _client(world.users["unit"]).post(
        reverse("activities:funds_new"),
        _form(
            world, amount="8.5万", date=(timezone.localdate() + dt.timedelta(days=2)).isoformat()
        ),
    )
    assert response.status_code == 400
    assert "= 85,000.00 yuan (8.5万元)" in response.content.decode()


def test_an_unpaired_community_is_refused_on_the_community_field(world: World) -> None:
    # Paired later: the form offers the community, the service refuses the date.
    PairingFactory(unit=world.unit_a, community=world.community_a2, start=dt.date(2022, 1, 1))
    liaison = _client(world.users["unit"])
    response = liaison.post(
        reverse("activities:funds_new"), _form(world, community=world.community_a2.code)
    )
    assert response.status_code == 400
    assert "was not paired" in " ".join(response.context["form"].errors["community"])
    assert not Contribution.objects.exists()


def test_a_double_entry_asks_for_confirmation_then_records(world: World) -> None:
    client = _client(world.users["unit"])
    url = reverse("activities:funds_new")
    client.post(url, _form(world))
    again = client.post(url, _form(world))
    assert again.status_code == 400
    assert 'name="allow_duplicate"' in again.content.decode()
    confirmed = client.post(url, {**_form(world), "allow_duplicate": "on"})
    assert confirmed.status_code == 302
    assert Contribution.objects.count() == 2


def test_the_amount_is_read_back_while_typing(world: World) -> None:
    client = _client(world.users["unit"])
    url = reverse("activities:funds_amount")
    assert "= 85,000.00 yuan (8.5万元)" in client.get(url, {"amount": "8.5万"}).content.decode()
    refused = client.get(url, {"amount": "八万"}).content.decode()
    assert "digits" in refused
    assert 'data-testid="amount-error"' in refused


def test_the_amount_is_read_back_in_chinese(world: World, chinese: None) -> None:
    client = _client(world.users["unit"])
    text = client.get(reverse("activities:funds_amount"), {"amount": "8万"}).content.decode()
    assert "80,000.00" in text


@pytest.mark.parametrize("role", ["community", "street", "leader", "member"])
def test_only_liaisons_and_the_office_open_the_form(world: World, role: str) -> None:
    assert _client(world.users[role]).get(reverse("activities:funds_new")).status_code == 403


# --- detail, edit, archive ------------------------------------------------------------


def test_a_contribution_out_of_scope_is_404(world: World) -> None:
    theirs = record(
        world,
        user=world.users["office"],
        unit_code=world.unit_b.code,
        community_code=world.community_b1.code,
    )
    client = _client(world.users["unit"])
    for name in ("funds_detail", "funds_edit", "funds_archive"):
        assert (
            client.get(reverse(f"activities:{name}", kwargs={"pk": theirs.pk})).status_code == 404
        )


def test_community_staff_read_but_may_not_change(world: World) -> None:
    contribution = record(world)
    client = _client(world.users["community"])
    detail = client.get(reverse("activities:funds_detail", kwargs={"pk": contribution.pk}))
    assert detail.status_code == 200
    assert 'data-testid="funds-edit"' not in detail.content.decode()
    edit = client.get(reverse("activities:funds_edit", kwargs={"pk": contribution.pk}))
    assert edit.status_code == 403


def test_the_liaison_edits_in_the_window_and_the_history_shows_the_change(world: World) -> None:
    contribution = record(world)
    client = _client(world.users["unit"])
    url = reverse("activities:funds_edit", kwargs={"pk": contribution.pk})
    form = client.get(url)
    assert form.context["form"]["amount"].value() == "80,000.00"
    assert "reason" not in form.context["form"].fields
    response = client.post(url, _form(world, amount="8.5万"))
    assert response.status_code == 302
    detail = client.get(response["Location"]).content.decode()
    assert "80,000.00 → 85,000.00" in detail


def test_after_the_window_the_liaison_cannot_open_the_edit_page(world: World) -> None:
    contribution = make_old(record(world))
    client = _client(world.users["unit"])
    assert (
        client.get(reverse("activities:funds_edit", kwargs={"pk": contribution.pk})).status_code
        == 403
    )
    detail = client.get(reverse("activities:funds_detail", kwargs={"pk": contribution.pk}))
    assert "only the city office can correct it" in detail.content.decode()


def test_the_office_corrects_an_old_entry_with_a_reason(world: World) -> None:
    contribution = make_old(record(world))
    client = _client(world.users["office"])
    url = reverse("activities:funds_edit", kwargs={"pk": contribution.pk})
    missing = client.post(url, _form(world, amount="6万"))
    assert missing.status_code == 400
    assert "reason" in missing.context["form"].errors
    done = client.post(url, {**_form(world, amount="6万"), "reason": "按收据更正"})
    assert done.status_code == 302
    detail = client.get(done["Location"]).content.decode()
    assert "按收据更正" in detail
    assert "60,000.00" in detail


def test_archiving_asks_the_office_for_a_reason_after_the_window(world: World) -> None:
    contribution = make_old(record(world))
    client = _client(world.users["office"])
    url = reverse("activities:funds_archive", kwargs={"pk": contribution.pk})
    assert client.post(url, {"reason": ""}).status_code == 400
    contribution.refresh_from_db()
    assert contribution.archived_at is None
    assert client.post(url, {"reason": "重复录入"}).status_code == 302
    contribution.refresh_from_db()
    assert contribution.archived_at is not None
    detail = client.get(reverse("activities:funds_detail", kwargs={"pk": contribution.pk}))
    assert "重复录入" in detail.content.decode()
    assert 'data-testid="funds-restore"' in detail.content.decode()
    restore = reverse("activities:funds_restore", kwargs={"pk": contribution.pk})
    assert client.post(restore).status_code == 302
    contribution.refresh_from_db()
    assert contribution.archived_at is None


def test_the_liaison_archives_inside_the_window_without_a_reason(world: World) -> None:
    contribution = record(world)
    client = _client(world.users["unit"])
    url = reverse("activities:funds_archive", kwargs={"pk": contribution.pk})
    assert client.post(url, {}).status_code == 302
    assert Contribution.objects.active().count() == 0
    restore = reverse("activities:funds_restore", kwargs={"pk": contribution.pk})
    assert client.post(restore).status_code == 403


# --- totals ---------------------------------------------------------------------------


def test_the_totals_page_shows_units_and_communities_exactly(world: World) -> None:
    office = world.users["office"]
    record(world, user=office, amount="8万")
    record(world, user=office, amount="0.01")
    page = _client(office).get(reverse("activities:funds_totals"))
    assert page.status_code == 200
    text = page.content.decode()
    assert "80,000.01" in text
    assert world.unit_a.name in text
    assert world.community_a1.name in text


def test_the_totals_csv_is_exact_and_safe_from_formulas(world: World) -> None:
    office = world.users["office"]
    sly = UnitFactory(name='=HYPERLINK("http://x")', short_name="")
    PairingFactory(unit=sly, community=world.community_a1)
    record(world, user=office, unit_code=sly.code, amount="1万")
    record(world, user=office, amount="8万")
    response = _client(office).get(
        reverse("activities:funds_totals"), {"format": "csv", "by": "unit"}
    )
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[1] == [world.unit_a.code, world.unit_a.name, "1", "80000.00", "8000000"]
    assert rows[2][1] == '\'=HYPERLINK("http://x")'
    assert rows[-1][2:] == ["2", "90000.00", "9000000"]


def test_the_totals_csv_by_month_and_by_community(world: World) -> None:
    office = world.users["office"]
    record(world, user=office, amount="8万")
    record(world, user=office, amount="2万", date=dt.date(2021, 10, 8))
    client = _client(office)
    url = reverse("activities:funds_totals")
    months = list(
        csv.reader(
            io.StringIO(
                client.get(url, {"format": "csv", "by": "month"}).content.decode("utf-8-sig")
            )
        )
    )
    assert [row[0] for row in months[1:-1]] == ["2021-09", "2021-10"]
    communities = list(
        csv.reader(
            io.StringIO(
                client.get(url, {"format": "csv", "by": "community"}).content.decode("utf-8-sig")
            )
        )
    )
    assert communities[1][:2] == [world.community_a1.code, world.community_a1.name]
