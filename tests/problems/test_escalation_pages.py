"""The escalation page and the per-unit table: who sees them, what they show, the CSV."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from gongzhi.problems import views_escalation
from gongzhi.problems.models import Dispatch, Problem, ProblemState
from tests.factories import UnitFactory, World

MakeProblem = Callable[..., Problem]


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def overdue(world: World, make_problem: MakeProblem) -> dict[str, Problem]:
    """One overdue problem in each district (deadlines long past, whatever today is)."""
    in_a = make_problem(
        ProblemState.DISPATCHED, deadline=dt.date(2026, 3, 2), escalation_kind="chase"
    )
    in_b = make_problem(
        ProblemState.DISPATCHED, deadline=dt.date(2026, 3, 2), community=world.community_b1
    )
    Dispatch.objects.filter(problem=in_b).update(unit=world.unit_b)
    return {"a": in_a, "b": in_b}


# --- the escalation page ------------------------------------------------------------


@pytest.mark.parametrize("role", ["office", "leader"])
def test_the_office_and_leaders_see_every_overdue_problem(
    world: World, overdue: dict[str, Problem], role: str
) -> None:
    response = client_for(world.users[role]).get(reverse("problems:escalation"))
    assert response.status_code == 200
    html = response.content.decode()
    assert overdue["a"].number in html
    assert overdue["b"].number in html
    assert reverse("problems:detail", args=[overdue["a"].number]) in html


def test_a_district_officer_sees_only_their_district(
    world: World, overdue: dict[str, Problem]
) -> None:
    response = client_for(world.users["district"]).get(reverse("problems:escalation"))
    assert response.status_code == 200
    html = response.content.decode()
    assert overdue["a"].number in html
    assert overdue["b"].number not in html


@pytest.mark.parametrize("role", ["street", "community", "unit", "inspector", "member", "nobody"])
def test_other_roles_are_refused_the_escalation_pages(world: World, role: str) -> None:
    client = client_for(world.users[role])
    assert client.get(reverse("problems:escalation")).status_code == 403
    assert client.get(reverse("problems:unit_table")).status_code == 403


def test_an_anonymous_visitor_is_sent_to_log_in(db: None) -> None:
    response = Client().get(reverse("problems:escalation"))
    assert response.status_code == 302
    assert "/login/" in response["Location"]


def test_the_kind_filter_keeps_problems_of_that_kind(
    world: World, overdue: dict[str, Problem]
) -> None:
    client = client_for(world.users["office"])
    html = client.get(reverse("problems:escalation"), {"kind": "chase"}).content.decode()
    assert overdue["a"].number in html
    assert overdue["b"].number not in html
    html = client.get(reverse("problems:escalation"), {"kind": "none"}).content.decode()
    assert overdue["a"].number not in html
    assert overdue["b"].number in html


def test_the_district_filter_keeps_problems_of_that_district(
    world: World, overdue: dict[str, Problem]
) -> None:
    response = client_for(world.users["office"]).get(
        reverse("problems:escalation"), {"district": world.district_b.code}
    )
    html = response.content.decode()
    assert overdue["b"].number in html
    assert overdue["a"].number not in html


def test_a_district_outside_the_officers_scope_is_refused_by_name(
    world: World, overdue: dict[str, Problem]
) -> None:
    response = client_for(world.users["district"]).get(
        reverse("problems:escalation"), {"district": world.district_b.code, "kind": "loud"}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert 'data-field-error="district"' in html
    assert 'data-field-error="kind"' in html
    assert overdue["b"].number not in html


def test_the_escalation_page_costs_the_same_queries_for_more_problems(
    world: World,
    make_problem: MakeProblem,
    overdue: dict[str, Problem],
    django_assert_max_num_queries: Any,
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(world.users["office"])
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("problems:escalation"))
    for day in range(1, 21):
        problem = make_problem(ProblemState.DISPATCHED, deadline=dt.date(2026, 4, day))
        Dispatch.objects.create(problem=problem, unit=UnitFactory())
    with django_assert_max_num_queries(len(few)):
        response = client.get(reverse("problems:escalation"))
    assert response.content.decode().count("data-number=") >= 22


# --- the per-unit table ---------------------------------------------------------------


@pytest.fixture
def dispatched(world: World, make_problem: MakeProblem) -> dict[str, Problem]:
    """This year's problems: two for unit A (one closed on time), one for unit B in district B."""
    today = timezone.localdate()
    deadline = dt.date(today.year, 12, 31)
    closed = make_problem(ProblemState.CLOSED, deadline=deadline)
    Problem.objects.filter(pk=closed.pk).update(handled_at=closed.created_at)
    working = make_problem(ProblemState.IN_PROGRESS, deadline=deadline)
    in_b = make_problem(ProblemState.DISPATCHED, deadline=deadline, community=world.community_b1)
    Dispatch.objects.filter(problem=in_b).update(unit=world.unit_b)
    return {"closed": closed, "working": working, "b": in_b}


def rows_of(html: str) -> list[str]:
    return [part.split('"', 1)[0] for part in html.split('data-unit="')[1:]]


def test_the_unit_table_shows_this_years_figures_per_unit(
    world: World, dispatched: dict[str, Problem]
) -> None:
    response = client_for(world.users["office"]).get(reverse("problems:unit_table"))
    assert response.status_code == 200
    html = response.content.decode()
    assert rows_of(html) == sorted([world.unit_a.code, world.unit_b.code])
    assert "50.0%" in html  # unit A: 1 of 2 closed
    assert "100.0%" in html  # unit A: on time


def test_a_district_officer_sees_units_with_problems_in_their_district(
    world: World, dispatched: dict[str, Problem]
) -> None:
    html = client_for(world.users["district"]).get(reverse("problems:unit_table")).content.decode()
    assert rows_of(html) == [world.unit_a.code]


def test_the_unit_table_sorts_by_a_column_both_ways(
    world: World, dispatched: dict[str, Problem]
) -> None:
    client = client_for(world.users["office"])
    url = reverse("problems:unit_table")
    most = rows_of(client.get(url, {"sort": "-dispatched"}).content.decode())
    assert most == [world.unit_a.code, world.unit_b.code]
    fewest = rows_of(client.get(url, {"sort": "dispatched"}).content.decode())
    assert fewest == [world.unit_b.code, world.unit_a.code]
    # Unit B has closed nothing: no on-time rate, listed last either way.
    assert rows_of(client.get(url, {"sort": "on_time_rate"}).content.decode())[-1] == (
        world.unit_b.code
    )
    assert rows_of(client.get(url, {"sort": "-on_time_rate"}).content.decode())[-1] == (
        world.unit_b.code
    )


def test_a_period_ending_before_it_starts_is_refused_on_the_end_field(world: World) -> None:
    response = client_for(world.users["office"]).get(
        reverse("problems:unit_table"), {"start": "2026-10-31", "end": "2026-10-01"}
    )
    assert response.status_code == 400
    assert 'data-field-error="end"' in response.content.decode()
    assert "must not lie before the start date" in response.content.decode()


def test_a_malformed_date_is_refused_on_its_field(world: World) -> None:
    response = client_for(world.users["office"]).get(
        reverse("problems:unit_table"), {"start": "2026-13-01"}
    )
    assert response.status_code == 400
    assert 'data-field-error="start"' in response.content.decode()


def test_the_csv_download_has_a_header_and_a_row_per_unit(
    world: World, dispatched: dict[str, Problem]
) -> None:
    response = client_for(world.users["office"]).get(
        reverse("problems:unit_table"), {"format": "csv", "sort": "-dispatched"}
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows[0][:3] == ["Credit code", "Unit", "Dispatched"]
    assert rows[1][0] == world.unit_a.code
    assert rows[1][2:8] == ["2", "1", "0", "1", "0", "50.0"]


def test_the_csv_cannot_smuggle_a_formula_into_a_spreadsheet(
    world: World, make_problem: MakeProblem
) -> None:
    names = ['=HYPERLINK("http://x")', "+1+1", "-2+3", "@SUM(A1)", "\t=1"]
    for name in names:
        unit = UnitFactory(name=name)
        problem = make_problem(ProblemState.DISPATCHED, deadline=dt.date(2026, 12, 31))
        Dispatch.objects.filter(problem=problem).update(unit=unit)
    response = client_for(world.users["office"]).get(
        reverse("problems:unit_table"), {"format": "csv"}
    )
    rows = list(csv.reader(io.StringIO(response.content.decode().lstrip("\ufeff"))))
    assert sorted(row[1] for row in rows[1:]) == sorted("'" + name for name in names)


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ("=1+1", "'=1+1"),
        ("+86", "'+86"),
        ("-5", "'-5"),
        ("@cmd", "'@cmd"),
        ("\rx", "'\rx"),
        ("市统计局", "市统计局"),
        ("", ""),
        (-5, -5),
    ],
)
def test_csv_cells_starting_with_a_formula_character_get_an_apostrophe(
    value: Any, cell: Any
) -> None:
    assert views_escalation.csv_cell(value) == cell
