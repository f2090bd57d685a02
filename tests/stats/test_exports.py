"""Every table exports to xlsx with the page's filters: the dashboards' tables, the funds
totals, the escalation tables and the ranking. Each file is opened with openpyxl."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.urls import reverse

from gongzhi.inspections.models import InspectionGroup, InspectionRound, RoundStatus
from gongzhi.inspections.seed import seed_default_template
from gongzhi.units.models import Unit
from tests.factories import make_user
from tests.inspections.fixtures_rankings import inspect
from tests.stats.fixtures_dashboard import PERIOD, client_for, workbook
from tests.stats.fixtures_figures import GAOXIN, ZENGDU, FigureCity

pytestmark = pytest.mark.django_db


def export(city: FigureCity, table: str, role: str = "office", **params: Any) -> Any:
    response = client_for(city.users[role]).get(
        reverse("stats:export", kwargs={"table": table}), {**PERIOD, **params}
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    return response


def column(sheet: Any, heading: str) -> list[Any]:
    """The data cells under ``heading`` (row 3), without the totals row."""
    headings = [c.value for c in sheet[3]]
    index = headings.index(heading) + 1
    last = sheet.max_row
    if str(sheet.cell(row=last, column=1).value or "").startswith("Total"):
        last -= 1
    return [sheet.cell(row=r, column=index).value for r in range(4, last + 1)]


def totals_row(sheet: Any) -> list[Any]:
    return [c.value for c in sheet[sheet.max_row]]


# --- the dashboards' tables ----------------------------------------------------------------


def test_the_units_table_has_headings_formats_and_a_totals_row_equal_to_the_sum(
    city: FigureCity,
) -> None:
    response = export(city, "units")
    assert 'filename="units-20210701-20210831.xlsx"' in response["Content-Disposition"]
    sheet = workbook(response.content).worksheets[0]
    assert [c.value for c in sheet[3]] == [
        "Rank",
        "Credit code",
        "Unit",
        "Person-times",
        "Sessions attended",
        "Funds (yuan)",
    ]
    assert sheet.freeze_panes == "A4"
    assert column(sheet, "Unit") == ["市市场监管局", "高新区城管局", "曾都区住建局", "市住建局"]
    assert column(sheet, "Person-times") == [36, 13, 11, 8]
    assert sheet["D4"].number_format == "#,##0"
    assert sheet["F4"].number_format == "#,##0.00"
    values = workbook(response.content, data_only=True).worksheets[0]
    total = totals_row(values)
    assert total[0] == "Total"
    assert total[3] == 68 == sum(column(values, "Person-times"))
    assert total[5] == 95000.5 == sum(column(values, "Funds (yuan)"))
    assert totals_row(sheet)[3] == "=SUM(D4:D7)"


def test_the_export_applies_and_states_the_filters(city: FigureCity) -> None:
    response = export(city, "units", exclude_jurisdiction=[ZENGDU, GAOXIN])
    book = workbook(response.content, data_only=True)
    sheet = book.worksheets[0]
    assert column(sheet, "Unit") == ["市市场监管局", "市住建局"]
    assert totals_row(sheet)[3] == 44
    assert "Period: 2021-07-01 – 2021-10-31" not in sheet["A2"].value
    assert "Period: 2021-07-01 – 2021-08-31" in sheet["A2"].value
    assert "Units excluded: Units of 曾都区, Units of 随州高新区" in sheet["A2"].value
    filters = {row[0].value: row[1].value for row in book["Filters"].iter_rows(min_row=2)}
    assert filters["Units excluded"] == "Units of 曾都区, Units of 随州高新区"


def test_the_communities_table_states_rates_as_percentages(city: FigureCity) -> None:
    sheet = workbook(export(city, "communities").content, data_only=True).worksheets[0]
    assert column(sheet, "Community") == ["白云社区", "青云社区", "东城社区"]
    assert column(sheet, "Person-times") == [33, 14, 21]
    assert column(sheet, "Problems reported") == [3, 2, 3]
    rates = column(sheet, "Closure rate")
    assert rates[0] == pytest.approx(2 / 3)
    assert sheet["H4"].number_format == "0.0%"
    total = totals_row(sheet)
    assert total[2] == 68
    assert total[7] == pytest.approx(3 / 8)


def test_the_sessions_and_funds_tables_cover_the_period(city: FigureCity) -> None:
    sessions = workbook(export(city, "sessions").content, data_only=True).worksheets[0]
    assert column(sessions, "Date") == [
        dt.datetime(2021, 7, 9),
        dt.datetime(2021, 7, 23),
        dt.datetime(2021, 8, 27),
    ]
    assert column(sessions, "Person-times") == [22, 29, 17]
    assert totals_row(sessions)[1] == 68
    assert totals_row(sessions)[4] == pytest.approx(0.8)
    funds = workbook(export(city, "funds").content, data_only=True).worksheets[0]
    assert column(funds, "Month") == ["2021-07", "2021-08"]
    assert totals_row(funds)[1] == 95000.5


def test_the_problems_export_has_the_counts_rates_and_a_total_by_state(city: FigureCity) -> None:
    book = workbook(export(city, "problems").content, data_only=True)
    headline = {row[0].value: row[1].value for row in book["Problems"].iter_rows(min_row=4)}
    assert headline == {"Reported": 8, "Accepted": 5, "Closed": 3}
    rates = {row[0].value: row[1].value for row in book["Rates"].iter_rows(min_row=4)}
    assert rates["Closure rate"] == pytest.approx(0.6)
    assert book["Rates"]["B4"].number_format == "0.0%"
    states = book["Problems by state"]
    assert (
        dict(zip(column(states, "State"), column(states, "Problems"), strict=True))["Closed"] == 3
    )
    assert totals_row(states)[1] == 8


def test_the_overview_export_holds_every_table_of_the_page(city: FigureCity) -> None:
    book = workbook(export(city, "overview").content)
    assert book.sheetnames[:4] == ["Units", "Sessions", "Funds by month", "Problems by category"]
    assert "Problems by state" in book.sheetnames
    assert book.sheetnames[-1] == "Filters"


def test_a_unit_name_that_looks_like_a_formula_stays_text(city: FigureCity) -> None:
    Unit.objects.filter(pk=city.m2.pk).update(short_name='=HYPERLINK("http://evil","x")')
    sheet = workbook(export(city, "units").content).worksheets[0]
    cells = [c for row in sheet.iter_rows(min_row=4) for c in row if c.column == 3]
    evil = [c for c in cells if str(c.value).startswith("=HYPERLINK")]
    assert len(evil) == 1
    assert evil[0].data_type == "s"


def test_the_export_keeps_to_the_readers_scope(city: FigureCity) -> None:
    sheet = workbook(export(city, "units", role="community").content).worksheets[0]
    # Community staff of 东城社区 (C3): the units that came there.
    assert set(column(sheet, "Unit")) == {"高新区城管局", "市住建局"}


def test_an_unknown_table_is_404_and_a_wrong_filter_400(city: FigureCity) -> None:
    client = client_for(city.users["office"])
    assert client.get(reverse("stats:export", kwargs={"table": "secrets"})).status_code == 404
    bad = client.get(
        reverse("stats:export", kwargs={"table": "units"}), {"start": "2021-09-01", "end": "x"}
    )
    assert bad.status_code == 400
    assert "end" in bad.content.decode()


# --- the other pages' tables ---------------------------------------------------------------


def test_the_funds_totals_export_by_unit_with_a_totals_row(city: FigureCity) -> None:
    client = client_for(city.users["office"])
    url = reverse("activities:funds_totals")
    page = client.get(url, PERIOD).content.decode()
    assert 'data-testid="xlsx-unit"' in page
    response = client.get(url, {**PERIOD, "format": "xlsx", "by": "unit"})
    assert response.status_code == 200
    assert 'filename="funds-by-unit-20210701-20210831.xlsx"' in response["Content-Disposition"]
    sheet = workbook(response.content, data_only=True).worksheets[0]
    assert [c.value for c in sheet[3]] == [
        "Credit code",
        "Unit",
        "Contributions",
        "Amount (yuan)",
    ]
    amounts = column(sheet, "Amount (yuan)")
    assert totals_row(sheet)[3] == sum(amounts) == 95000.5
    assert "From: 2021-07-01" in sheet["A2"].value
    everything = workbook(client.get(url, {**PERIOD, "format": "xlsx"}).content)
    assert everything.sheetnames == ["By unit", "By community", "By month", "Filters"]
    # The CSV download still works.
    csv = client.get(url, {**PERIOD, "format": "csv", "by": "unit"})
    assert csv["Content-Type"].startswith("text/csv")


def test_the_per_unit_escalation_table_exports_with_overall_rates(city: FigureCity) -> None:
    client = client_for(city.users["office"])
    url = reverse("problems:unit_table")
    # The default period (this year) holds the dispatches, made today.
    response = client.get(url, {"format": "xlsx"})
    assert response.status_code == 200
    sheet = workbook(response.content, data_only=True).worksheets[0]
    dispatched = column(sheet, "Dispatched")
    total = totals_row(sheet)
    assert total[2] == sum(dispatched) == 7  # P1 P2 P3 P8 P9, and P4 to two units
    assert sheet["H4"].number_format == "0.0%"
    closed = total[3] + total[4]
    assert total[7] == pytest.approx(closed / total[2])
    assert client.get(url, {**PERIOD, "format": "csv"})["Content-Type"].startswith("text/csv")


def test_the_overdue_export_counts_a_problem_of_two_units_once_in_its_total(
    city: FigureCity,
) -> None:
    # P4 is dispatched to 市住建局 and 高新区城管局, deadline 2021-08-10: overdue today.
    response = client_for(city.users["office"]).get(
        reverse("problems:escalation"), {"format": "xlsx"}
    )
    assert response.status_code == 200
    book = workbook(response.content)
    groups = book.worksheets[0]
    assert sorted(column(groups, "Unit or community")) == ["市住建局", "高新区城管局"]
    assert column(groups, "Overdue") == [1, 1]
    assert totals_row(groups)[:3] == ["Total (distinct problems)", None, 1]
    listed = book.worksheets[1]
    assert column(listed, "Number") == [city.problems["P4"].number]


def test_the_ranking_exports_with_its_lists(city: FigureCity) -> None:
    template = seed_default_template()
    inspector = make_user("inspector-b", "inspector")
    group = InspectionGroup.objects.create(name="第1督导组", leader=inspector)
    round_ = InspectionRound.objects.create(
        number=1,
        start=dt.date(2021, 7, 1),
        end=dt.date(2021, 7, 28),
        template=template,
        status=RoundStatus.CLOSED,
    )
    inspect(round_, city.m1, group, 90)
    inspect(round_, city.m2, group, 70)
    client = client_for(city.users["office"])
    url = reverse("inspections:ranking")
    assert 'data-testid="ranking-xlsx"' in client.get(url, {"round": 1}).content.decode()
    response = client.get(url, {"round": 1, "format": "xlsx"})
    assert response.status_code == 200
    assert 'filename="ranking-round-1.xlsx"' in response["Content-Disposition"]
    book = workbook(response.content)
    ranking = book.worksheets[0]
    assert column(ranking, "Unit")[:2] == [city.m1.name, city.m2.name]
    assert column(ranking, "Total")[:2] == [90, 70]
    assert "Red list" in book.sheetnames and "Black list" in book.sheetnames
