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

#: The package's holiday names (its English), made translatable. The keys are
#: what is stored; the text is chosen in the reader's language at display.
PACKAGE_NAMES: dict[str, str | Promise] = {
    # Translators: 元旦
    "New Year's Day": _("New Year's Day"),
    # Translators: 春节
    "Spring Festival": _("Spring Festival"),
    # Translators: 清明节
    "Tomb-sweeping Day": _("Tomb-sweeping Day"),
    # Translators: 劳动节
    "Labour Day": _("Labour Day"),
    # Translators: 端午节
    "Dragon Boat Festival": _("Dragon Boat Festival"),
    # Translators: 国庆节
    "National Day": _("National Day"),
    # Translators: 中秋节
    "Mid-autumn Festival": _("Mid-Autumn Festival"),
    # Translators: 中国人民抗日战争暨世界反法西斯战争胜利70周年纪念日 (2015-09-03)
    "Anti-Fascist 70th Day": _("Anti-Fascist War Victory Day"),
}


def display_name(key: str, *, makeup: bool = False) -> str:
    """A holiday's name in the active language.

    ``key`` is what the calendar holds: one of the package's names (translated
    through :data:`PACKAGE_NAMES`) or the name the office typed (shown as is).
    An empty key reads "Holiday" (or "Make-up working day").
    """
    if key in PACKAGE_NAMES:
        return str(PACKAGE_NAMES[key])
    if key:
        return key
    return str(_("Make-up working day") if makeup else _("Holiday"))


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

    def holiday_key(self, day: dt.date) -> str:
        """The stored name of the holiday a day belongs to (untranslated), or ``""``."""
        if day in self.days_off:
            return self.days_off[day]
        return self.makeup_workdays.get(day, "")

    def holiday_name(self, day: dt.date) -> str:
        """The holiday a day belongs to (also for make-up days) in the active language."""
        if day in self.days_off:
            return display_name(self.days_off[day])
        if day in self.makeup_workdays:
            return display_name(self.makeup_workdays[day], makeup=True)
        return ""


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
                days_off[day] = str(name)
        for day, name in chinese_calendar.workdays.items():
            if day.year in from_package:
                makeup[day] = str(name)
    for day, is_day_off, name in office_dates:
        if day.year not in office:
            continue
        if is_day_off:
            days_off[day] = name
        elif day.isoweekday() >= 6:
            makeup[day] = name
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
