"""Checking and showing the answers to a category's extra questions (extra_questions.py)."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError

from gongzhi.problems.extra_questions import answer_rows, clean_extra_answers, parse_w3c
from gongzhi.problems.models import Category

QUESTIONS: list[dict[str, Any]] = [
    {
        "code": "volume",
        "description": "大致数量",
        "datatype": "singlevaluelist",
        "required": True,
        "values": [{"key": "small", "name": "少量"}, {"key": "large", "name": "大量"}],
    },
    {
        "code": "kinds",
        "description": "种类",
        "datatype": "multivaluelist",
        "required": False,
        "values": [{"key": "food", "name": "厨余"}, {"key": "box", "name": "纸箱"}],
    },
    {"code": "bags", "description": "袋数", "datatype": "number", "required": False},
    {"code": "seen", "description": "发现时间", "datatype": "datetime", "required": False},
    {"code": "where", "description": "具体位置", "datatype": "string", "required": False},
    {"code": "notes", "description": "补充说明", "datatype": "text", "required": False},
]


def category(questions: Any = None) -> Category:
    return Category(
        code="garbage_dead_corner",
        name="垃圾死角",
        extra_questions=QUESTIONS if questions is None else questions,
    )


def refusals(raw: dict[str, Any], **kwargs: Any) -> dict[str, list[ValidationError]]:
    with pytest.raises(ValidationError) as refused:
        clean_extra_answers(category(), raw, **kwargs)
    return refused.value.error_dict


def test_answers_are_checked_and_converted_by_their_datatype() -> None:
    answers = clean_extra_answers(
        category(),
        {
            "volume": " large ",
            "kinds": ["food", "box"],
            "bags": "3",
            "seen": "2026-05-01T09:30",
            "where": "3号楼东侧",
            "notes": "第一行\n第二行",
        },
    )
    assert answers == {
        "volume": "large",
        "kinds": ["food", "box"],
        "bags": 3,
        "seen": "2026-05-01T09:30:00+08:00",  # a browser's local time is the city's
        "where": "3号楼东侧",
        "notes": "第一行\n第二行",
    }


def test_blank_optional_answers_are_left_out_and_decimals_stay_decimals() -> None:
    answers = clean_extra_answers(
        category(), {"volume": "small", "bags": "2.5", "where": "   ", "kinds": ["", " "]}
    )
    assert answers == {"volume": "small", "bags": 2.5}


@pytest.mark.parametrize("blank", [None, "", "   ", [], ["", "  "]])
def test_a_required_question_left_blank_is_refused_naming_it(blank: Any) -> None:
    raw = {} if blank is None else {"volume": blank}
    errors = refusals(raw)
    assert list(errors) == ["extra_volume"]
    [error] = errors["extra_volume"]
    assert error.code == "required"
    assert error.messages == ["“大致数量” needs an answer."]


def test_a_list_answer_must_be_one_of_the_keys() -> None:
    [error] = refusals({"volume": "huge"})["extra_volume"]
    assert error.code == "invalid_choice"
    assert error.messages == ["“huge” is not one of the answers to “大致数量”."]
    # The name is what people read; the key is what is sent.
    assert refusals({"volume": "大量"})["extra_volume"][0].code == "invalid_choice"
    [error] = refusals({"volume": "small", "kinds": ["food", "plastic"]})["extra_kinds"]
    assert error.messages == ["“plastic” is not one of the answers to “种类”."]


@pytest.mark.parametrize("value", ["many", "3袋", "nan", "inf", "-inf", "1e400", "1,5"])
def test_a_number_must_be_a_finite_number(value: str) -> None:
    [error] = refusals({"volume": "small", "bags": value})["extra_bags"]
    assert error.code == "invalid_number"
    assert error.messages == [f"“袋数”: “{value}” is not a number."]


def test_only_a_multivaluelist_takes_several_answers() -> None:
    answers = clean_extra_answers(category(), {"volume": ["small"], "kinds": ["box", "food"]})
    assert answers["kinds"] == ["box", "food"]
    [error] = refusals({"volume": ["small", "large"]})["extra_volume"]
    assert error.code == "one_value"
    assert error.messages == ["“大致数量” takes one answer only."]
    assert refusals({"volume": "small", "bags": ["1", "2"]})["extra_bags"][0].code == "one_value"


def test_codes_the_category_does_not_ask_are_ignored() -> None:
    answers = clean_extra_answers(category(), {"volume": "small", "colour": "red", "": "x"})
    assert answers == {"volume": "small"}


def test_every_refused_question_is_named_at_once_in_question_order() -> None:
    errors = refusals({"kinds": ["glass"], "bags": "some", "seen": "yesterday"})
    assert list(errors) == ["extra_volume", "extra_kinds", "extra_bags", "extra_seen"]
    assert errors["extra_seen"][0].messages == [
        "“发现时间”: give a date and time, e.g. 2026-05-01 09:30."
    ]


def test_a_free_text_answer_is_at_most_500_characters() -> None:
    assert clean_extra_answers(category(), {"volume": "small", "where": "楼" * 500})["where"]
    [error] = refusals({"volume": "small", "notes": "楼" * 501})["extra_notes"]
    assert error.code == "max_length"
    assert error.messages == ["“补充说明”: write at most 500 characters."]


@pytest.mark.parametrize(
    ("raw", "local_times", "expected"),
    [
        ("2026-05-01", False, "2026-05-01T00:00:00+08:00"),
        ("2026-05-01T09:30:00Z", False, "2026-05-01T09:30:00+00:00"),
        ("2026-05-01T09:30+08:00", False, "2026-05-01T09:30:00+08:00"),
        ("2026-05-01T09:30", True, "2026-05-01T09:30:00+08:00"),
        ("2026-05-01 09:30", True, "2026-05-01T09:30:00+08:00"),
    ],
)
def test_date_times_are_read_with_their_offset_or_in_the_citys_time(
    raw: str, local_times: bool, expected: str
) -> None:
    assert parse_w3c(raw, local_times=local_times).isoformat() == expected


@pytest.mark.parametrize(
    "raw", ["2026-05-01T09:30", "2026-13-01", "1899-05-01", "01/05/2026", "2026-05-01T25:00Z"]
)
def test_open311_date_times_need_their_offset_and_a_real_date(raw: str) -> None:
    with pytest.raises(ValueError):
        parse_w3c(raw)
    errors = refusals({"volume": "small", "seen": raw}, local_times=False)
    assert errors["extra_seen"][0].code == "invalid_datetime"


def test_malformed_questions_are_skipped() -> None:
    broken = category([{"description": "no code"}, "not a question", QUESTIONS[2]])
    assert clean_extra_answers(broken, {"bags": "4"}) == {"bags": 4}
    assert clean_extra_answers(category({"not": "a list"}), {"bags": "4"}) == {}


# --- showing answers --------------------------------------------------------------------

STORED = {
    "volume": "large",
    "kinds": ["food", "box"],
    "bags": 3,
    "seen": "2026-05-01T01:30:00+00:00",
    "where": "3号楼 王五家门口",
    "email": "reporter@example.com",  # kept by Open311, no question of the category
}


def test_staff_read_every_answer_by_its_question_with_the_names_of_the_keys() -> None:
    rows = [(r.question, r.answer) for r in answer_rows(category(), STORED)]
    assert rows == [
        ("大致数量", "大量"),
        ("种类", "厨余、纸箱"),
        ("袋数", "3"),
        ("发现时间", "2026-05-01 09:30"),
        ("具体位置", "3号楼 王五家门口"),
    ]


def test_the_public_reads_only_list_and_number_answers() -> None:
    rows = [(r.question, r.answer) for r in answer_rows(category(), STORED, public=True)]
    assert rows == [("大致数量", "大量"), ("种类", "厨余、纸箱"), ("袋数", "3")]


def test_a_key_the_question_no_longer_offers_is_shown_as_stored() -> None:
    rows = answer_rows(category(), {"volume": "medium"})
    assert [(r.question, r.answer) for r in rows] == [("大致数量", "medium")]
    assert answer_rows(category(), None) == []
