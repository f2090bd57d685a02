"""Money as people type it and as bulletins write it (gongzhi.core.money)."""

from __future__ import annotations

import doctest

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from gongzhi.core import money
from gongzhi.core.money import (
    MAX_FEN,
    format_wan,
    format_yuan,
    official_count,
    official_round,
    parse_money,
)


def _refusal(text: str) -> ValidationError:
    with pytest.raises(ValidationError) as info:
        parse_money(text)
    return info.value


@pytest.mark.parametrize(
    ("text", "fen"),
    [
        ("8万", 8_000_000),
        ("8.5万", 8_500_000),
        ("8万元", 8_000_000),
        ("80000", 8_000_000),
        ("80,000.00", 8_000_000),
        ("¥80,000", 8_000_000),
        ("￥80,000", 8_000_000),
        ("80000元", 8_000_000),
        ("人民币80000元", 8_000_000),
        ("0.5", 50),
        ("0.01", 1),
        ("12.30", 1_230),
        ("  60000 ", 6_000_000),
        ("８万", 8_000_000),
        ("８０，０００．００", 8_000_000),
        ("1,234,567.89", 123_456_789),
        ("1.5亿", 15_000_000_000),
        ("10亿元", 100_000_000_000),
        ("8.12345万", 8_123_450),
    ],
)
def test_the_usual_ways_of_writing_an_amount_are_read_exactly(text: str, fen: int) -> None:
    assert parse_money(text) == fen


@pytest.mark.parametrize(
    ("text", "code", "words"),
    [
        ("八万", "chinese_numerals", "digits"),
        ("捌万元", "chinese_numerals", "digits"),
        ("-5", "not_positive", "more than zero"),
        ("−5", "not_positive", "more than zero"),
        ("0", "not_positive", "more than zero"),
        ("0.00万", "not_positive", "more than zero"),
        ("1e9", "exponent", "exponent"),
        ("1E5万", "exponent", "exponent"),
        ("12.345", "too_precise", "two decimal places"),
        ("8.1234567万", "too_precise", "two decimal places"),
        ("", "required", "Enter an amount"),
        ("   ", "required", "Enter an amount"),
        ("abc", "invalid", "digits"),
        ("NaN", "not_finite", "digits"),
        ("inf", "not_finite", "digits"),
        ("Infinity", "not_finite", "digits"),
        ("11亿", "too_large", "1,000,000,000"),
        ("1000000000.01", "too_large", "1,000,000,000"),
        ("9" * 400, "too_large", "1,000,000,000"),
        ("1." + "1" * 400, "too_precise", "two decimal places"),
        ("8万万", "unit_twice", "once"),
        ("8元万", "unit_twice", "once"),
        ("80,00", "grouping", "groups of three"),
        ("8.5.1", "invalid", "digits"),
        ("万", "invalid", "digits"),
    ],
)
def test_unclear_amounts_are_refused_with_a_message_saying_what_to_write(
    text: str, code: str, words: str
) -> None:
    error = _refusal(text)
    assert error.code == code
    assert words in error.messages[0]


@pytest.mark.parametrize(
    ("fen", "text"),
    [(8_000_000, "80,000.00"), (50, "0.50"), (1, "0.01"), (0, "0.00"), (-123_456, "-1,234.56")],
)
def test_format_yuan_writes_fen_exactly_with_separators(fen: int, text: str) -> None:
    assert format_yuan(fen) == text


@pytest.mark.parametrize(
    ("fen", "text"),
    [
        (8_000_000, "8万元"),
        (8_500_000, "8.5万元"),
        (6_000_000, "6万元"),
        (300_450_000, "300.45万元"),
        (500_000, "5000元"),
        (1_250, "12.5元"),
    ],
)
def test_format_wan_writes_the_official_unit_exactly(fen: int, text: str) -> None:
    assert format_wan(fen) == text


@pytest.mark.parametrize(
    ("fen", "text"),
    [
        (300_450_000, "300余万元"),  # 3,004,500.00 yuan: the published 300余万元
        (309_999_999, "300余万元"),
        (300_000_000, "300万元"),
        (8_000_000, "8万元"),
        (8_530_000, "8.5万余元"),
        (12_345_600, "12万余元"),
        (634_500, "6300余元"),
        (4_500, "45元"),
        (1_234, "12.34元"),
        (15_000_000_000, "1.5亿元"),
        (15_600_000_000, "1.5亿余元"),
    ],
)
def test_official_round_keeps_two_leading_digits_and_writes_yu(fen: int, text: str) -> None:
    assert official_round(fen) == text


@pytest.mark.parametrize(
    ("n", "text"),
    [
        (6_345, "6300余人次"),  # the published 6300余人次
        (6_399, "6300余人次"),
        (6_300, "6300人次"),
        (45, "45人次"),
        (126, "120余人次"),
        (12_345, "1.2万余人次"),
        (63_000, "6.3万人次"),
        (0, "0人次"),
    ],
)
def test_official_count_follows_the_same_rule(n: int, text: str) -> None:
    assert official_count(n) == text


def test_official_count_takes_its_unit() -> None:
    assert official_count(6_345, unit="人") == "6300余人"


def test_official_figures_are_never_negative() -> None:
    with pytest.raises(ValueError):
        official_round(-1)


def test_the_examples_in_the_docstrings_hold() -> None:
    result = doctest.testmod(money)
    assert result.attempted >= 10
    assert result.failed == 0


FEN = st.integers(min_value=1, max_value=MAX_FEN)


@given(FEN)
def test_format_yuan_reads_back_to_the_same_fen(fen: int) -> None:
    assert parse_money(format_yuan(fen)) == fen


@given(FEN)
def test_format_wan_reads_back_to_the_same_fen(fen: int) -> None:
    assert parse_money(format_wan(fen)) == fen


@given(FEN)
def test_plain_yuan_with_a_currency_sign_reads_back(fen: int) -> None:
    text = "¥" + format_yuan(fen).replace(",", "")
    assert parse_money(text) == fen


@given(st.integers(min_value=1, max_value=MAX_FEN))
def test_official_round_never_claims_more_than_there_is(fen: int) -> None:
    text = official_round(fen)
    digits = text.replace("余", "").replace("元", "")
    stated = parse_money(digits + "元") if digits[-1].isdigit() else parse_money(digits)
    assert stated <= fen
    assert ("余" in text) == (stated != fen)
    # Two leading digits kept: what was cut off is less than a tenth of what is stated.
    assert (fen - stated) * 10 < stated


@given(st.text(max_size=30))
def test_any_text_is_read_or_refused_with_a_message_never_crashing(text: str) -> None:
    try:
        fen = parse_money(text)
    except ValidationError as exc:
        assert exc.messages and exc.code
    else:
        assert 0 < fen <= MAX_FEN
