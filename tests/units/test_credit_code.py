"""The unified social credit code validator (GB 32100): pure function tests."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from gongzhi.core.codes import (
    CREDIT_CODE_ALPHABET,
    credit_code_check_char,
    normalise_code,
    validate_credit_code,
)


def _code(first17: str) -> str:
    return first17 + credit_code_check_char(first17)


def _error(value: str) -> ValidationError:
    with pytest.raises(ValidationError) as info:
        validate_credit_code(value)
    return info.value


@pytest.mark.parametrize("code", [_code("91350100M000100Y4"), _code("12421300MB1543210")])
def test_valid_codes_pass(code: str) -> None:
    validate_credit_code(code)


def test_a_well_known_code_is_valid() -> None:
    validate_credit_code("91350100M000100Y43")


def test_a_wrong_check_digit_is_refused_and_the_right_one_named() -> None:
    good = _code("91350100M000100Y4")
    wrong = good[:17] + ("0" if good[17] != "0" else "1")
    error = _error(wrong)
    assert error.code == "check_digit"
    assert good[17] in error.messages[0]


@pytest.mark.parametrize("value", ["91350100M000100Y4", "91350100M000100Y433", ""])
def test_a_code_of_the_wrong_length_is_refused_with_its_length(value: str) -> None:
    error = _error(value)
    assert error.code == "length"
    assert str(len(value)) in error.messages[0]


@pytest.mark.parametrize("letter", ["I", "O", "Z", "S", "V"])
def test_letters_outside_the_alphabet_are_refused_by_name(letter: str) -> None:
    value = "91350100M000100" + letter + "43"
    error = _error(value)
    assert error.code == "characters"
    assert letter in error.messages[0]


def test_lower_case_is_refused_raw_but_accepted_after_normalisation() -> None:
    good = _code("91350100M000100Y4")
    typed = "  " + good.lower() + " "
    with pytest.raises(ValidationError):
        validate_credit_code(typed)
    validate_credit_code(normalise_code(typed))


ALPHABET = st.sampled_from(CREDIT_CODE_ALPHABET)


@given(st.lists(ALPHABET, min_size=17, max_size=17).map("".join))
def test_any_17_characters_with_their_computed_check_char_validate(first17: str) -> None:
    validate_credit_code(first17 + credit_code_check_char(first17))


@given(
    st.lists(ALPHABET, min_size=17, max_size=17).map("".join),
    st.integers(min_value=0, max_value=17),
    st.integers(min_value=1, max_value=30),
)
def test_changing_any_one_character_breaks_the_code(first17: str, index: int, shift: int) -> None:
    code = first17 + credit_code_check_char(first17)
    replaced = CREDIT_CODE_ALPHABET[(CREDIT_CODE_ALPHABET.index(code[index]) + shift) % 31]
    broken = code[:index] + replaced + code[index + 1 :]
    with pytest.raises(ValidationError):
        validate_credit_code(broken)
