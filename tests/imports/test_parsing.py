"""Cell parsers: what people type in spreadsheets, read deliberately."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gongzhi.imports import parsing
from gongzhi.imports.base import CellError
from tests.factories import make_credit_code


@pytest.mark.parametrize(
    "raw",
    [
        "2021年9月10日",
        "2021年09月10号",
        "2021/9/10",
        "2021-09-10",
        "2021.9.10",
        "20210910",
        "２０２１-０９-１０",
        "2021-09-10 00:00:00",
        dt.date(2021, 9, 10),
        dt.datetime(2021, 9, 10, 14, 30),
        44449.0,
        20210910.0,
    ],
)
def test_dates_in_every_common_form_read_as_the_same_day(raw: object) -> None:
    assert parsing.date(raw) == dt.date(2021, 9, 10)


@pytest.mark.parametrize("raw", ["2021-02-30", "九月十日", "10/9/2021", "2021-09", 44449.5, True])
def test_what_is_not_a_date_is_refused_with_the_forms_to_use(raw: object) -> None:
    with pytest.raises(CellError) as exc:
        parsing.date(raw)
    assert "2021" in exc.value.message


@given(st.dates(min_value=parsing.EARLIEST, max_value=parsing.LATEST))
def test_every_written_form_of_a_date_reads_back_as_that_date(day: dt.date) -> None:
    for text in (
        f"{day.year}年{day.month}月{day.day}日",
        f"{day.year}/{day.month}/{day.day}",
        day.isoformat(),
        day.strftime("%Y%m%d"),
        f"{day.year}.{day.month}.{day.day}",
    ):
        assert parsing.date(text) == day


@pytest.mark.parametrize("raw", ["1999-12-31", "0001-01-01", "2100-01-01", "9999-12-31 23:59"])
def test_a_date_outside_this_century_is_refused_naming_the_range(raw: str) -> None:
    for parse in (parsing.date, parsing.datetime):
        with pytest.raises(CellError) as exc:
            parse(raw)
        assert "2000-01-01" in exc.value.message


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2021-09-10 09:31:22", dt.datetime(2021, 9, 10, 9, 31, 22)),
        ("2021/9/10 9:31", dt.datetime(2021, 9, 10, 9, 31)),
        ("2021年9月10日 9时31分", dt.datetime(2021, 9, 10, 9, 31)),
        ("2021-09-10", dt.datetime(2021, 9, 10)),
        (dt.datetime(2021, 9, 10, 9, 31), dt.datetime(2021, 9, 10, 9, 31)),
    ],
)
def test_date_times_are_read_in_the_city_s_time_zone(raw: object, expected: dt.datetime) -> None:
    value = parsing.datetime(raw)
    assert value.tzinfo is not None
    assert value.replace(tzinfo=None) == expected
    assert value.utcoffset() == dt.timedelta(hours=8)


@pytest.mark.parametrize(
    ("raw", "fen"),
    [
        ("8万", 8_000_000),
        ("80,000.00", 8_000_000),
        (80000.0, 8_000_000),
        (12.5, 1250),
        ("¥1,250", 125_000),
    ],
)
def test_money_is_read_into_fen(raw: object, fen: int) -> None:
    assert parsing.money(raw) == fen


@pytest.mark.parametrize("raw", ["八万", "1e9", "12.345", 12.345, "-5"])
def test_unclear_money_is_refused(raw: object) -> None:
    with pytest.raises(CellError):
        parsing.money(raw)


def test_whole_numbers_come_from_floats_only_when_they_are_whole() -> None:
    read = parsing.integer()
    assert read(35.0) == 35
    assert read("35") == 35
    assert read("1,200") == 1200
    for bad in (35.5, "35.5", "abc", True, -1):
        with pytest.raises(CellError):
            read(bad)


def test_whole_numbers_respect_their_bounds() -> None:
    with pytest.raises(CellError, match="at most 10"):
        parsing.integer(0, 10)(11)


@pytest.mark.parametrize("raw", ["是", "Y", "yes", "TRUE", "1", 1.0, True, "√"])
def test_yes_in_its_forms(raw: object) -> None:
    assert parsing.yes_no(raw) is True


@pytest.mark.parametrize("raw", ["否", "n", "No", "false", "0", 0.0, False])
def test_no_in_its_forms(raw: object) -> None:
    assert parsing.yes_no(raw) is False


def test_neither_yes_nor_no_is_refused() -> None:
    with pytest.raises(CellError, match="是"):
        parsing.yes_no("maybe")


def test_credit_codes_have_their_check_digit_verified() -> None:
    code = make_credit_code(4242)
    assert parsing.credit_code(code.lower()) == code
    wrong = code[:17] + ("0" if code[17] != "0" else "1")
    with pytest.raises(CellError, match="check digit"):
        parsing.credit_code(wrong)


def test_a_dropdown_entry_gives_the_code_before_the_name() -> None:
    code = make_credit_code(4243)
    assert parsing.unit_ref(f"{code} 随州市统计局") == code
    assert parsing.community_ref("421303001001 白云社区") == "421303001001"
    assert parsing.community_ref(421303001001.0) == "421303001001"


def test_division_codes_have_the_right_length_and_digits_only() -> None:
    with pytest.raises(CellError, match="12 digits"):
        parsing.community_code("42130300100")
    with pytest.raises(CellError, match="only digits"):
        parsing.community_code("42130300100A")


def test_id_card_numbers_have_their_check_character_verified() -> None:
    assert parsing.id_number("11010519491231002x") == "11010519491231002X"
    with pytest.raises(CellError, match="check character"):
        parsing.id_number("110105194912310021")


def test_phone_numbers_keep_their_digits_and_mobiles_have_eleven() -> None:
    assert parsing.phone(13800000000.0) == "13800000000"
    assert parsing.phone("0722-3200000") == "0722-3200000"
    with pytest.raises(CellError, match="11 digits"):
        parsing.phone("1380000000")
    with pytest.raises(CellError):
        parsing.phone("call me")


def test_text_keeps_formulas_as_typed_and_long_digit_strings_whole() -> None:
    read = parsing.text(40)
    assert read('=HYPERLINK("http://x")') == '=HYPERLINK("http://x")'
    assert read(2021091000123.0) == "2021091000123"
    with pytest.raises(CellError, match="At most 40"):
        read("x" * 41)


def test_choices_accept_the_written_and_the_stored_value() -> None:
    read = parsing.choice({"机关": "agency", "企业": "enterprise"})
    assert read("机关") == "agency"
    assert read("Agency") == "agency"
    with pytest.raises(CellError, match="机关"):
        read("学校")


def test_times_of_day() -> None:
    assert parsing.time("14:30") == dt.time(14, 30)
    assert parsing.time("14时30分") == dt.time(14, 30)
    assert parsing.time(0.5) == dt.time(12, 0)
    with pytest.raises(CellError):
        parsing.time("25:00")


@given(st.integers(min_value=0, max_value=2_000_000_000))
def test_whole_numbers_read_the_same_from_a_number_cell_and_from_text(n: int) -> None:
    read = parsing.integer()
    assert read(float(n)) == read(str(n)) == read(f"{n:,}") == n


@given(st.integers(min_value=1, max_value=10**11))
def test_money_in_fen_reads_the_same_from_yuan_text_and_from_wan(fen: int) -> None:
    yuan = f"{fen // 100}.{fen % 100:02d}"
    assert parsing.money(yuan) == fen
    if fen % 100 == 0 and (fen // 100) % 10_000 == 0:
        assert parsing.money(f"{fen // 100 // 10_000}万") == fen
