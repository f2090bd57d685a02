"""Reading, storing, sharing and naming the filters of the figures."""

from __future__ import annotations

import datetime as dt
from urllib.parse import parse_qs

import pytest
from django.core.exceptions import ValidationError
from django.http import QueryDict
from hypothesis import given
from hypothesis import strategies as st

from gongzhi.stats.figures import MUNICIPAL, StatsFilter
from gongzhi.stats.filters import (
    exclusion_note,
    filter_from_json,
    filter_names,
    filter_to_json,
    parse_filter,
    to_query,
)
from tests.stats.fixtures_figures import GAOXIN, ZENGDU, FigureCity

JULY_1, AUGUST_31 = dt.date(2021, 7, 1), dt.date(2021, 8, 31)


def errors_of(data: object, **kwargs: object) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as caught:
        parse_filter(data, **kwargs)  # type: ignore[arg-type]
    return dict(caught.value.message_dict)


def test_a_query_string_with_repeated_parameters_becomes_a_filter(city: FigureCity) -> None:
    query = QueryDict(
        f"start=2021-07-01&end=2021-08-31&exclude_jurisdiction={ZENGDU}"
        f"&exclude_jurisdiction={GAOXIN}&district={ZENGDU}&unit={city.m1.code.lower()}"
        "&category=piled_debris&jurisdiction=Municipal"
    )
    f = parse_filter(query)
    assert f == StatsFilter(
        start=JULY_1,
        end=AUGUST_31,
        jurisdictions=(MUNICIPAL,),
        exclude_jurisdictions=(ZENGDU, GAOXIN),
        districts=(ZENGDU,),
        units=(city.m1.code,),
        categories=("piled_debris",),
    )


def test_comma_separated_codes_and_repeats_are_read_once_each(city: FigureCity) -> None:
    f = parse_filter(
        {"start": "2021-07-01", "end": "2021-08-31", "district": [f"{ZENGDU},{GAOXIN}", ZENGDU]}
    )
    assert f.districts == (ZENGDU, GAOXIN)


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({"end": "2021-08-31"}, {"start": ["This parameter is required (a date as YYYY-MM-DD)."]}),
        ({"start": "2021-7-1", "end": "2021-08-31"}, {"start": ["Enter a date as YYYY-MM-DD."]}),
        ({"start": "2021-02-30", "end": "2021-08-31"}, {"start": ["Enter a date as YYYY-MM-DD."]}),
        (
            {"start": "2021-09-01", "end": "2021-08-31"},
            {"end": ["The end date lies before the start date."]},
        ),
        (
            {"start": "2010-01-01", "end": "2021-08-31"},
            {"end": ["The period is too long: at most five years."]},
        ),
        (
            {"start": ["2021-07-01", "2021-07-02"], "end": "2021-08-31"},
            {"start": ["Give one date only."]},
        ),
    ],
)
def test_a_bad_period_is_refused_naming_the_parameter(
    db: None, data: dict[str, object], expected: dict[str, list[str]]
) -> None:
    assert errors_of(data) == expected


def test_unknown_codes_are_refused_naming_each_parameter(city: FigureCity) -> None:
    errors = errors_of(
        {
            "start": "2021-07-01",
            "end": "2021-08-31",
            "jurisdiction": ["municipal", "999999"],
            "exclude_district": "421300",
            "unit": "91420000000000000X",
            "community": "421303001999",
            "category": "unicorns",
        }
    )
    assert errors == {
        "jurisdiction": ["Unknown district code: 999999."],
        "exclude_district": ["Unknown district code: 421300."],
        "unit": ["Unknown unit code: 91420000000000000X."],
        "community": ["Unknown community code: 421303001999."],
        "category": ["Unknown category: unicorns."],
    }


def test_municipal_is_not_a_district_of_communities(city: FigureCity) -> None:
    errors = errors_of({"start": "2021-07-01", "end": "2021-08-31", "district": "municipal"})
    assert errors == {
        "district": ["Communities are chosen by district code; municipal applies to units."]
    }


def test_pages_may_give_a_default_period(db: None) -> None:
    f = parse_filter(QueryDict(""), default_start=JULY_1, default_end=AUGUST_31)
    assert (f.start, f.end) == (JULY_1, AUGUST_31)


def test_a_filter_survives_json_without_its_period(city: FigureCity) -> None:
    f = StatsFilter(
        start=JULY_1,
        end=AUGUST_31,
        exclude_jurisdictions=(ZENGDU, GAOXIN),
        communities=(city.c1.code,),
    )
    stored = filter_to_json(f, with_period=False)
    assert stored == {"exclude_jurisdiction": [ZENGDU, GAOXIN], "community": [city.c1.code]}
    assert filter_from_json(stored, start=JULY_1, end=AUGUST_31) == f
    assert filter_from_json(filter_to_json(f)) == f


def test_a_shared_link_gives_back_the_same_filter(city: FigureCity) -> None:
    f = StatsFilter(start=JULY_1, end=AUGUST_31, jurisdictions=(MUNICIPAL, ZENGDU))
    query = to_query(f)
    assert parse_qs(query)["jurisdiction"] == [MUNICIPAL, ZENGDU]
    assert parse_filter(QueryDict(query)) == f


codes = st.lists(st.sampled_from([MUNICIPAL, ZENGDU, GAOXIN]), unique=True, max_size=3)


@given(
    start=st.dates(dt.date(2020, 1, 1), dt.date(2024, 12, 31)),
    days=st.integers(0, 400),
    jurisdictions=codes,
    excluded=codes,
)
def test_to_query_and_back_is_the_identity(
    start: dt.date, days: int, jurisdictions: list[str], excluded: list[str]
) -> None:
    f = StatsFilter(
        start=start,
        end=start + dt.timedelta(days=days),
        jurisdictions=tuple(jurisdictions),
        exclude_jurisdictions=tuple(excluded),
    )
    assert parse_filter(QueryDict(to_query(f)), check_codes=False) == f
    assert filter_from_json(filter_to_json(f)) == f


def test_the_names_of_what_a_filter_selects(city: FigureCity) -> None:
    f = StatsFilter(
        start=JULY_1,
        end=AUGUST_31,
        jurisdictions=(MUNICIPAL,),
        exclude_jurisdictions=(ZENGDU, GAOXIN),
        exclude_districts=(GAOXIN,),
        units=(city.m1.code,),
        communities=(city.c1.code,),
        categories=("piled_debris",),
    )
    names = filter_names(f)
    assert names.jurisdictions == ("市直",)
    assert names.exclude_jurisdictions == ("曾都区", "随州高新区")
    assert names.exclude_districts == ("随州高新区",)
    assert (names.units, names.communities) == (("市市场监管局",), ("白云社区",))
    assert names.categories == ("乱堆乱放杂物",)
    assert names.excludes_anything


def test_the_exclusion_note_in_official_style(city: FigureCity) -> None:
    units = StatsFilter(start=JULY_1, end=AUGUST_31, exclude_jurisdictions=(ZENGDU, GAOXIN))
    assert exclusion_note(units) == "（不含曾都区、随州高新区所属单位）"
    both = StatsFilter(
        start=JULY_1, end=AUGUST_31, exclude_jurisdictions=(ZENGDU,), exclude_districts=(GAOXIN,)
    )
    assert exclusion_note(both) == "（不含曾都区所属单位，随州高新区辖区社区）"
    assert exclusion_note(StatsFilter(start=JULY_1, end=AUGUST_31)) == ""


@pytest.mark.parametrize(
    ("start", "end", "param"),
    [("9999-12-30", "9999-12-31", "start"), ("0001-01-01", "0001-01-02", "end")],
)
def test_dates_at_the_ends_of_the_calendar_are_refused_naming_them(
    start: str, end: str, param: str
) -> None:
    with pytest.raises(ValidationError) as refused:
        parse_filter({"start": start, "end": end}, check_codes=False)
    assert "2000-01-01" in refused.value.message_dict[param][0]


def test_a_nul_in_a_code_is_an_unknown_code_not_a_database_error(db: None) -> None:
    with pytest.raises(ValidationError) as refused:
        parse_filter({"start": "2021-07-01", "end": "2021-10-31", "unit": "abc\x00"})
    assert "unit" in refused.value.message_dict
