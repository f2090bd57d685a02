"""The holiday calendar: the package's years, and the office's entries that override them."""

from __future__ import annotations

import datetime as dt

import pytest

from gongzhi.campaigns.holidays import calendar_from_data, load_calendar
from gongzhi.campaigns.models import HolidayDate, HolidayYear

D = dt.date


def test_the_package_knows_2026_national_day_and_its_make_up_saturday() -> None:
    cal = calendar_from_data(package_years_wanted=[2026], office_years=[], office_dates=[])
    assert cal.knows_year(2026) and not cal.knows_year(2027)
    assert cal.is_day_off(D(2026, 10, 1)) and cal.holiday_name(D(2026, 10, 1)) == "National Day"
    assert cal.is_makeup_workday(D(2026, 10, 10)) and cal.is_workday(D(2026, 10, 10))
    assert cal.is_workday(D(2026, 10, 9))
    assert cal.is_day_off(D(2026, 10, 11))  # an ordinary Sunday
    assert cal.holiday_name(D(2026, 10, 9)) == ""


def test_an_unknown_year_has_only_weekends_off() -> None:
    cal = calendar_from_data(package_years_wanted=[2027], office_years=[], office_dates=[])
    assert not cal.knows_year(2027)
    assert cal.is_workday(D(2027, 10, 1))  # a Friday: no data says otherwise


@pytest.mark.django_db
def test_a_year_the_office_entered_replaces_the_package_for_that_year(
    django_assert_num_queries: object,
) -> None:
    HolidayYear.objects.create(year=2026, notice="test")
    HolidayDate.objects.create(date=D(2026, 10, 9), is_day_off=True, name="国庆节")
    with django_assert_num_queries(2):  # type: ignore[operator]
        cal = load_calendar(2026, 2027)
    assert cal.knows_year(2026)
    assert cal.is_day_off(D(2026, 10, 9)) and cal.holiday_name(D(2026, 10, 9)) == "国庆节"
    assert not cal.is_day_off(D(2026, 10, 1))  # the package's holiday no longer counts
    assert cal.knows_year(2025) and cal.is_day_off(D(2025, 10, 1))  # other years: the package
    for day in (D(2026, 1, 2), D(2026, 5, 4), D(2026, 12, 31)):
        cal.is_workday(day)  # asking costs no query


@pytest.mark.django_db
def test_the_office_can_enter_a_year_the_package_does_not_know() -> None:
    HolidayYear.objects.create(year=2027)
    HolidayDate.objects.create(date=D(2027, 2, 7), is_day_off=False, name="春节")
    cal = load_calendar(2027)
    assert cal.knows_year(2027)
    assert cal.is_makeup_workday(D(2027, 2, 7))
