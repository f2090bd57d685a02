"""Person-times, sessions, participation, funds and the tables, against the hand-built city
(the answers are worked out in ``fixtures_figures``)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from fractions import Fraction
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gongzhi.activities.models import Attendance
from gongzhi.core.scoping import scope_of
from gongzhi.stats import figures
from gongzhi.stats.figures import MUNICIPAL, Participation, StatsFilter
from tests.stats.fixtures_figures import GAOXIN, PERIOD, ZENGDU, FigureCity, add_units


def period(**kwargs: object) -> StatsFilter:
    return dataclasses.replace(PERIOD, **kwargs)  # type: ignore[arg-type]


# --- person-times ----------------------------------------------------------------------


def test_person_times_add_up_held_sessions_with_the_corrected_headcount(city: FigureCity) -> None:
    # 22 + 29 (12 corrected to 14) + 17; the cancelled session's 20 and September's 100 are out.
    assert figures.person_times(PERIOD) == 68


def test_a_cancelled_session_counts_nowhere(city: FigureCity) -> None:
    only_s3 = period(start=dt.date(2021, 8, 13), end=dt.date(2021, 8, 13))
    assert figures.person_times(only_s3) == 0
    assert figures.sessions_held(only_s3) == 0
    assert figures.session_table(city.sessions["S3"].pk, PERIOD) == []


def test_municipal_units_only_is_the_same_as_excluding_both_districts(city: FigureCity) -> None:
    municipal = figures.person_times(period(jurisdictions=(MUNICIPAL,)))
    excluded = figures.person_times(period(exclude_jurisdictions=(ZENGDU, GAOXIN)))
    assert municipal == excluded == 44


def test_person_times_of_one_districts_units_or_communities(city: FigureCity) -> None:
    assert figures.person_times(period(jurisdictions=(ZENGDU,))) == 11
    assert figures.person_times(period(exclude_jurisdictions=(ZENGDU,))) == 57
    assert figures.person_times(period(districts=(ZENGDU,))) == 47
    assert figures.person_times(period(exclude_districts=(ZENGDU,))) == 21


def test_person_times_of_one_unit_and_one_community(city: FigureCity) -> None:
    assert figures.person_times(period(units=(city.m1.code,))) == 10 + 14 + 3 + 9
    assert figures.person_times(period(communities=(city.c3.code,))) == 7 + 8 + 4 + 2


def test_a_later_office_correction_changes_person_times(city: FigureCity) -> None:
    from gongzhi.activities import services

    services.attendance_correct(
        user=city.users["office"],
        attendance_id=city.attendance["S4-M1"].pk,
        reason="补录",
        headcount=19,
    )
    assert figures.person_times(PERIOD) == 78


# --- sessions and participation ----------------------------------------------------------


def test_sessions_held_leave_out_the_cancelled_one_and_those_outside_the_period(
    city: FigureCity,
) -> None:
    assert figures.sessions_held(PERIOD) == 3


def test_participation_counts_units_expected_from_their_pairing_on_the_session_date(
    city: FigureCity,
) -> None:
    series = figures.session_series(PERIOD)
    assert [(p.date.isoformat(), p.person_times) for p in series] == [
        ("2021-07-09", 22),
        ("2021-07-23", 29),
        ("2021-08-27", 17),
    ]
    # M2 is paired from 07-15 and G1 until 07-31; G1 attending on 08-27 is not expected.
    assert [p.participation for p in series] == [
        Participation(3, 3),
        Participation(4, 3),
        Participation(3, 2),
    ]
    total = figures.participation(PERIOD)
    assert total == Participation(units_expected=10, units_attended=8)
    assert total.rate == Fraction(4, 5)


def test_participation_of_municipal_units(city: FigureCity) -> None:
    assert figures.participation(period(jurisdictions=(MUNICIPAL,))) == Participation(5, 4)


def test_participation_of_a_community_counts_its_pairings_only(city: FigureCity) -> None:
    # C3: S1 G1 came; S2 M2 and G1 came; S4 M2 expected and absent.
    assert figures.participation(period(communities=(city.c3.code,))) == Participation(4, 3)


def test_an_archived_pairing_is_not_expected(city: FigureCity) -> None:
    from django.utils import timezone

    from gongzhi.units.models import Pairing

    Pairing.objects.filter(unit=city.z1).update(archived_at=timezone.now())
    # Z1 was expected at all three sessions and came to two.
    assert figures.participation(PERIOD) == Participation(7, 6)


def test_a_campaign_of_some_communities_counts_only_where_it_reaches(city: FigureCity) -> None:
    from gongzhi.campaigns.models import Campaign, Session

    east = Campaign.objects.create(
        slug="east", name="东城专项整治", start=dt.date(2021, 7, 1), nth=[3]
    )
    east.communities.add(city.c3)
    Session.objects.create(
        campaign=east,
        slot_date=dt.date(2021, 7, 16),
        date=dt.date(2021, 7, 16),
        start_time=dt.time(9, 0),
        end_time=dt.time(11, 0),
    )
    assert figures.sessions_held(PERIOD) == 4
    assert figures.sessions_held(period(districts=(ZENGDU,))) == 3
    assert figures.sessions_held(period(districts=(GAOXIN,))) == 4
    assert figures.sessions_held(PERIOD, scope_of(city.users["street"])) == 3
    assert figures.sessions_held(PERIOD, scope_of(city.users["community"])) == 4
    # On 07-16 only C3's pairings are expected: M2 (paired from 07-15) and G1; nobody came.
    point = next(p for p in figures.session_series(PERIOD) if p.date == dt.date(2021, 7, 16))
    assert (point.person_times, point.participation) == (0, Participation(2, 0))


def test_no_session_means_no_rate(city: FigureCity) -> None:
    empty = period(start=dt.date(2021, 6, 1), end=dt.date(2021, 6, 30))
    assert figures.participation(empty).rate is None


# --- funds -------------------------------------------------------------------------------


def test_funds_add_up_active_contributions_by_their_date(city: FigureCity) -> None:
    assert figures.funds_fen(PERIOD) == 9_500_050
    assert figures.funds_fen(period(jurisdictions=(MUNICIPAL,))) == 8_500_050
    assert figures.funds_fen(period(exclude_districts=(GAOXIN,))) == 9_000_000


def test_funds_by_month_list_every_month_of_the_period(city: FigureCity) -> None:
    assert figures.funds_by_month(period(end=dt.date(2021, 9, 30))) == [
        (dt.date(2021, 7, 1), 8_000_000),
        (dt.date(2021, 8, 1), 1_500_050),
        (dt.date(2021, 9, 1), 0),
    ]


# --- tables ------------------------------------------------------------------------------


def test_the_units_table_counts_distinct_sessions_and_lists_paired_units_with_zeros(
    city: FigureCity,
) -> None:
    rows = {u.unit_name: u for u in figures.by_unit(PERIOD)}
    assert set(rows) == {"市市场监管局", "市住建局", "曾都区住建局", "高新区城管局"}
    m1 = rows["市市场监管局"]
    assert (m1.person_times, m1.sessions_attended, m1.funds_fen) == (36, 3, 8_000_000)
    assert (rows["市住建局"].person_times, rows["市住建局"].sessions_attended) == (8, 1)
    assert rows["市住建局"].funds_fen == 500_050
    assert (rows["高新区城管局"].person_times, rows["高新区城管局"].sessions_attended) == (13, 3)
    assert [u.unit_name for u in figures.by_unit(PERIOD)][0] == "市市场监管局"


def test_the_units_table_keeps_only_the_filtered_units(city: FigureCity) -> None:
    names = [u.unit_name for u in figures.by_unit(period(jurisdictions=(MUNICIPAL,)))]
    assert names == ["市市场监管局", "市住建局"]


def test_a_unit_paired_but_idle_shows_with_zeros(city: FigureCity) -> None:
    september = period(start=dt.date(2021, 9, 1), end=dt.date(2021, 9, 30))
    rows = {u.unit_name: u for u in figures.by_unit(september)}
    assert rows["市住建局"].person_times == 0
    assert "高新区城管局" not in rows  # its pairing ended in July


def test_the_communities_table(city: FigureCity) -> None:
    rows = {c.community_name: c for c in figures.by_community(PERIOD)}
    c1, c2, c3 = rows["白云社区"], rows["青云社区"], rows["东城社区"]
    assert (c1.person_times, c1.units_attended, c1.funds_fen) == (33, 1, 8_000_000)
    assert (c2.person_times, c2.units_attended, c2.funds_fen) == (14, 2, 1_000_000)
    assert (c3.person_times, c3.units_attended, c3.funds_fen) == (21, 2, 500_050)
    assert (c1.problems_reported, c1.problems_closed) == (3, 2)
    assert (c2.problems_reported, c2.problems_closed) == (2, 1)
    assert (c3.problems_reported, c3.problems_closed) == (3, 0)


def test_the_session_table_sums_a_units_communities(city: FigureCity) -> None:
    rows = figures.session_table(city.sessions["S2"].pk, PERIOD)
    assert [(r.unit_name, r.headcount, r.communities) for r in rows] == [
        ("市市场监管局", 17, 2),
        ("市住建局", 8, 1),
        ("高新区城管局", 4, 1),
    ]
    assert rows[0].leader_name == "李科长"


def test_the_session_table_keeps_the_leader_and_who_led(city: FigureCity) -> None:
    rows = figures.session_table(city.sessions["S1"].pk, period(jurisdictions=(MUNICIPAL,)))
    assert [(r.unit_name, r.headcount, r.leader_name, r.principal_leader_led) for r in rows] == [
        ("市市场监管局", 10, "王局长", True)
    ]


# --- the summary -------------------------------------------------------------------------


def test_the_summary_holds_every_headline_figure(city: FigureCity) -> None:
    s = figures.summary(PERIOD)
    assert (s.person_times, s.sessions_held, s.funds_fen) == (68, 3, 9_500_050)
    assert s.participation == Participation(10, 8)
    assert s.problems.reported == 8
    assert sum(u.person_times for u in s.by_unit) == 68


def test_the_summary_takes_nine_queries_whatever_the_number_of_units(
    city: FigureCity, django_assert_num_queries: Any
) -> None:
    with django_assert_num_queries(9):
        figures.summary(PERIOD)
    add_units(city, 25)
    with django_assert_num_queries(9):
        s = figures.summary(PERIOD)
    assert (s.person_times, len(s.by_unit)) == (68 + 75, 29)
    with django_assert_num_queries(1):
        figures.by_unit(PERIOD)


# --- scope -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "people", "funds"),
    [
        ("office", 68, 9_500_050),
        ("leader", 68, 9_500_050),
        # 曾都区: its communities C1, C2 (47) plus its unit Z1 wherever it went (already in).
        ("district", 47, 9_000_000),
        ("street", 47, 9_000_000),
        ("community", 21, 500_050),  # C3
        ("unit", 36, 8_000_000),  # M1 wherever it went
        ("inspector", 0, 0),
        ("member", 0, 0),
        ("nobody", 0, 0),
    ],
)
def test_each_reader_counts_only_what_their_scope_reaches(
    city: FigureCity, who: str, people: int, funds: int
) -> None:
    scope = scope_of(city.users[who])
    assert figures.person_times(PERIOD, scope) == people
    assert figures.funds_fen(PERIOD, scope) == funds


def test_a_district_officer_also_counts_the_units_of_their_district_elsewhere(
    city: FigureCity,
) -> None:
    Attendance.objects.create(
        session=city.sessions["S4"], unit=city.z1, community=city.c3, headcount=4, expected=False
    )
    assert figures.person_times(PERIOD, scope_of(city.users["district"])) == 47 + 4
    assert figures.person_times(PERIOD, scope_of(city.users["street"])) == 47


def test_a_unit_liaison_sees_their_units_row_only(city: FigureCity) -> None:
    rows = figures.by_unit(PERIOD, scope_of(city.users["unit"]))
    assert [(u.unit_name, u.person_times) for u in rows] == [("市市场监管局", 36)]


def test_community_staff_see_their_community_in_the_communities_table(city: FigureCity) -> None:
    rows = figures.by_community(PERIOD, scope_of(city.users["community"]))
    assert [(c.community_name, c.person_times) for c in rows] == [("东城社区", 21)]


# --- properties --------------------------------------------------------------------------

JURISDICTIONS = (MUNICIPAL, ZENGDU, GAOXIN)


@settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    chosen=st.sets(st.sampled_from(JURISDICTIONS), min_size=1),
    start=st.dates(dt.date(2021, 6, 25), dt.date(2021, 9, 15)),
    days=st.integers(0, 90),
)
def test_units_of_some_jurisdictions_plus_all_the_others_add_up_to_everyone(
    city: FigureCity, chosen: set[str], start: dt.date, days: int
) -> None:
    f = StatsFilter(start=start, end=start + dt.timedelta(days=days))
    only = dataclasses.replace(f, jurisdictions=tuple(sorted(chosen)))
    others = dataclasses.replace(f, exclude_jurisdictions=tuple(sorted(chosen)))
    whole = figures.person_times(f)
    assert figures.person_times(only) + figures.person_times(others) == whole
    assert figures.funds_fen(only) + figures.funds_fen(others) == figures.funds_fen(f)
    expected = figures.participation(f).units_expected
    assert (
        figures.participation(only).units_expected + figures.participation(others).units_expected
        == expected
    )


@settings(max_examples=10, deadline=None, suppress_health_check=list(HealthCheck))
@given(start=st.dates(dt.date(2021, 6, 25), dt.date(2021, 9, 15)), days=st.integers(0, 90))
def test_the_tables_add_up_to_the_headline_figures(
    city: FigureCity, start: dt.date, days: int
) -> None:
    f = StatsFilter(start=start, end=start + dt.timedelta(days=days))
    people, funds = figures.person_times(f), figures.funds_fen(f)
    assert sum(u.person_times for u in figures.by_unit(f)) == people
    assert sum(c.person_times for c in figures.by_community(f)) == people
    assert sum(u.funds_fen for u in figures.by_unit(f)) == funds
    assert sum(fen for _month, fen in figures.funds_by_month(f)) == funds
    assert sum(p.person_times for p in figures.session_series(f)) == people


@settings(max_examples=10, deadline=None, suppress_health_check=list(HealthCheck))
@given(chosen=st.sets(st.sampled_from((ZENGDU, GAOXIN)), min_size=1))
def test_communities_of_some_districts_plus_the_others_add_up_to_everyone(
    city: FigureCity, chosen: set[str]
) -> None:
    only = period(districts=tuple(sorted(chosen)))
    others = period(exclude_districts=tuple(sorted(chosen)))
    for figure in (figures.person_times, figures.funds_fen):
        assert figure(only) + figure(others) == figure(PERIOD)
    reported = figures.problem_figures(only).reported + figures.problem_figures(others).reported
    assert reported == figures.problem_figures(PERIOD).reported
    # (Participation is not additive here: a unit paired on both sides counts once.)
