"""The holiday calendar: statutory days off and weekend make-up working days (调休).

Two sources, the office's wins: the ``chinese-calendar`` package, which knows
the years it was released for, and the admin-edited tables ``HolidayYear`` +
``HolidayDate``. A ``HolidayYear`` row says the office entered that year
completely, so the package's data for that year is ignored. A year is *known*
if the office entered it, or the package knows it and the office did not;
sessions in an unknown year are provisional (DESIGN.md section 4).

:func:`load_calendar` reads the tables for a range of years in two queries, so
asking about any number of dates costs nothing more.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

import chinese_calendar
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

#: The package's holiday names, made translatable.
PACKAGE_NAMES: dict[str, str | Promise] = {
    "New Year's Day": _("New Year's Day"),
    "Spring Festival": _("Spring Festival"),
    "Tomb-sweeping Day": _("Tomb-sweeping Day"),
    "Labour Day": _("Labour Day"),
    "Dragon Boat Festival": _("Dragon Boat Festival"),
    "National Day": _("National Day"),
    "Mid-autumn Festival": _("Mid-Autumn Festival"),
    "Anti-Fascist 70th Day": _("Anti-Fascist War Victory Day"),
}


def package_years() -> range:
    """The years the installed chinese-calendar package has data for."""
    years = {d.year for d in chinese_calendar.holidays}
    return range(min(years), max(years) + 1)


def package_knows_year(year: int) -> bool:
    """Whether the package can answer for ``year`` (probed, never guessed)."""
    try:
        chinese_calendar.get_holiday_detail(dt.date(year, 6, 1))
    except NotImplementedError:
        return False
    return True


@dataclass(frozen=True)
class HolidayCalendar:
    """Days off and make-up working days for a set of known years.

    ``days_off`` holds statutory holidays (any weekday); ``makeup_workdays``
    holds weekend days that are working days. A plain weekend day is a day off.
    """

    days_off: dict[dt.date, str] = field(default_factory=dict)
    makeup_workdays: dict[dt.date, str] = field(default_factory=dict)
    known_years: frozenset[int] = frozenset()

    def knows_year(self, year: int) -> bool:
        return year in self.known_years

    def is_holiday(self, day: dt.date) -> bool:
        """A statutory day off (not merely a weekend)."""
        return day in self.days_off

    def is_makeup_workday(self, day: dt.date) -> bool:
        """A weekend day made a working day (调休)."""
        return day in self.makeup_workdays

    def is_day_off(self, day: dt.date) -> bool:
        if day in self.makeup_workdays:
            return False
        return day in self.days_off or day.isoweekday() >= 6

    def is_workday(self, day: dt.date) -> bool:
        """A weekday that is not a holiday, or a weekend make-up working day."""
        return not self.is_day_off(day)

    def holiday_name(self, day: dt.date) -> str:
        """The holiday a day belongs to (also for make-up days), or ``""``."""
        return str(self.days_off.get(day) or self.makeup_workdays.get(day) or "")


def calendar_from_data(
    *,
    package_years_wanted: Iterable[int],
    office_years: Iterable[int],
    office_dates: Iterable[tuple[dt.date, bool, str]],
) -> HolidayCalendar:
    """Build a calendar from package years and the office's entries (pure)."""
    office = set(office_years)
    days_off: dict[dt.date, str] = {}
    makeup: dict[dt.date, str] = {}
    known = set(office)
    from_package = {y for y in package_years_wanted if y not in office and package_knows_year(y)}
    known |= from_package
    if from_package:
        for day, name in chinese_calendar.holidays.items():
            if day.year in from_package:
                days_off[day] = str(PACKAGE_NAMES.get(str(name), str(name)))
        for day, name in chinese_calendar.workdays.items():
            if day.year in from_package:
                makeup[day] = str(PACKAGE_NAMES.get(str(name), str(name)))
    for day, is_day_off, name in office_dates:
        if day.year not in office:
            continue
        if is_day_off:
            days_off[day] = name or str(_("Holiday"))
        elif day.isoweekday() >= 6:
            makeup[day] = name or str(_("Make-up working day"))
    return HolidayCalendar(days_off=days_off, makeup_workdays=makeup, known_years=frozenset(known))


def load_calendar(first_year: int, last_year: int | None = None) -> HolidayCalendar:
    """The calendar for ``first_year``…``last_year`` (inclusive): two queries in all.

    One year on either side is included so moves across New Year resolve.
    """
    from gongzhi.campaigns.models import HolidayDate, HolidayYear

    last = last_year if last_year is not None else first_year
    years = range(first_year - 1, last + 2)
    office_years = set(
        HolidayYear.objects.filter(year__gte=years[0], year__lte=years[-1]).values_list(
            "year", flat=True
        )
    )
    office_dates: list[tuple[dt.date, bool, str]] = []
    if office_years:
        office_dates = list(
            HolidayDate.objects.filter(
                date__gte=dt.date(min(office_years), 1, 1),
                date__lte=dt.date(max(office_years), 12, 31),
            ).values_list("date", "is_day_off", "name")
        )
    return calendar_from_data(
        package_years_wanted=years, office_years=office_years, office_dates=office_dates
    )
