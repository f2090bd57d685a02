"""The extra questions of a category (Open311 attributes): checking answers, asking them
in a form, and showing them.

A category's ``extra_questions`` is a list of ``{code, description, datatype,
required, values}`` (see :class:`~gongzhi.problems.models.Category`). Every door
that takes answers (the staff report form, the public report page, Open311)
checks them with :func:`clean_extra_answers`, so an answer means the same
wherever it came from: a list answer is one of the question's keys, a number
is stored as a number, a date-time as ISO 8601 with its offset.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gongzhi.core.forms import BootstrapForm
from gongzhi.problems.models import Category

LIST_TYPES = ("singlevaluelist", "multivaluelist")
#: Datatypes whose answers hold nothing personal, so the public follow page may show them.
PUBLIC_TYPES = (*LIST_TYPES, "number")
#: The longest answer to a free-text question.
MAX_ANSWER = 500
#: Form fields of the answers are named ``extra_<code>``.
FIELD_PREFIX = "extra_"

#: A W3C date-time with its offset, or a whole day.
W3C_RE = re.compile(
    r"^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2}))?$", re.ASCII
)
#: The same, the offset optional (then the city's time) and a space allowed for the ``T``.
LOCAL_RE = re.compile(
    r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2})?)?$", re.ASCII
)

#: What a form says about a refused answer, by the error's code. Open311 words the same
#: codes its own way (``open311._attribute_error``).
MESSAGES = {
    "required": _("“%(question)s” needs an answer."),
    "one_value": _("“%(question)s” takes one answer only."),
    "invalid_choice": _("“%(value)s” is not one of the answers to “%(question)s”."),
    "invalid_number": _("“%(question)s”: “%(value)s” is not a number."),
    "invalid_datetime": _("“%(question)s”: give a date and time, e.g. 2026-05-01 09:30."),
    "max_length": _("“%(question)s”: write at most %(n)d characters."),
}


def field_name(code: str) -> str:
    """The form field (and error key) of the answer to the question ``code``."""
    return f"{FIELD_PREFIX}{code}"


def questions_of(category: Category) -> list[dict[str, Any]]:
    """The well-formed extra questions (the admin refuses others; old rows may hold them)."""
    questions = category.extra_questions if isinstance(category.extra_questions, list) else []
    return [q for q in questions if isinstance(q, dict) and q.get("code")]


def values_of(question: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The choices of a list question, as ``{key, name}``."""
    if question.get("datatype") not in LIST_TYPES or not isinstance(question.get("values"), list):
        return []
    return [
        {"key": v.get("key"), "name": v.get("name")}
        for v in question["values"]
        if isinstance(v, dict)
    ]


def parse_w3c(raw: str, *, end: bool = False, local_times: bool = False) -> dt.datetime:
    """A W3C date-time with its offset, or a whole day in the city's time (its end if ``end``).

    With ``local_times`` the offset may be left out (what a browser's
    ``datetime-local`` input sends): the time is then the city's. Raises
    ``ValueError`` for anything else.
    """
    pattern = LOCAL_RE if local_times else W3C_RE
    if not pattern.match(raw) or not 1900 <= int(raw[:4]) <= 2999:
        raise ValueError(raw)
    moment = dt.datetime.fromisoformat(raw)
    if moment.tzinfo is None:
        moment = timezone.make_aware(moment, timezone.get_default_timezone())
    if end and len(raw) == len("2026-05-01"):
        moment += dt.timedelta(days=1, microseconds=-1)
    return moment


def _refusal(code: str, question: Mapping[str, Any], **params: Any) -> ValidationError:
    params["question"] = str(question.get("description") or question["code"])
    return ValidationError(MESSAGES[code], code=code, params=params)


def _answer(question: Mapping[str, Any], values: list[str], local_times: bool) -> Any:
    """One answer, checked against its datatype and converted (raises ``ValidationError``)."""
    datatype = question.get("datatype", "string")
    if datatype != "multivaluelist" and len(values) > 1:
        raise _refusal("one_value", question)
    if datatype in LIST_TYPES:
        keys = [str(v["key"]) for v in values_of(question)]
        for value in values:
            if value not in keys:
                raise _refusal("invalid_choice", question, value=value, keys=", ".join(keys))
        return values if datatype == "multivaluelist" else values[0]
    value = values[0]
    if datatype == "number":
        try:
            number = float(value)
        except ValueError:
            number = math.nan
        if not math.isfinite(number):
            raise _refusal("invalid_number", question, value=value)
        return int(number) if number.is_integer() and "." not in value else number
    if datatype == "datetime":
        try:
            return parse_w3c(value, local_times=local_times).isoformat()
        except ValueError:
            raise _refusal("invalid_datetime", question, value=value) from None
    if len(value) > MAX_ANSWER:
        raise _refusal("max_length", question, n=MAX_ANSWER)
    return value


def clean_extra_answers(
    category: Category,
    raw: Mapping[str, str | Sequence[str]],
    *,
    local_times: bool = True,
) -> dict[str, Any]:
    """The answers to ``category``'s questions, checked and converted, by question code.

    ``raw`` maps a question's code to what was given (one string or several);
    blanks count as not given and codes the category does not ask are ignored.
    A required question needs an answer, a list answer must be one of the
    question's keys (several only for a multivaluelist), a number a finite
    number, a date-time a W3C date-time (see :func:`parse_w3c` for
    ``local_times``), free text at most :data:`MAX_ANSWER` characters.

    Raises ``ValidationError`` keyed ``extra_<code>`` with one error per
    refused question, in question order; the error's ``code`` says what is wrong.
    """
    errors: dict[str, ValidationError] = {}
    answers: dict[str, Any] = {}
    for question in questions_of(category):
        code = str(question["code"])
        given = raw.get(code) or []
        listed = [given] if isinstance(given, str) else list(given)
        values = [v.strip() for v in listed if isinstance(v, str) and v.strip()]
        if not values:
            if question.get("required"):
                errors[field_name(code)] = _refusal("required", question)
            continue
        try:
            answers[code] = _answer(question, values, local_times)
        except ValidationError as refused:
            errors[field_name(code)] = refused
    if errors:
        raise ValidationError(errors)
    return answers


# --- showing answers -------------------------------------------------------------------


@dataclass(frozen=True)
class AnswerRow:
    code: str
    question: str
    answer: str


def _answer_text(question: Mapping[str, Any], value: Any) -> str:
    datatype = question.get("datatype", "string")
    if datatype in LIST_TYPES:
        names = {str(v["key"]): str(v["name"] or v["key"]) for v in values_of(question)}
        chosen = value if isinstance(value, list) else [value]
        # A key the question no longer offers is shown as it was stored.
        return "、".join(names.get(str(key), str(key)) for key in chosen)
    if datatype == "datetime" and isinstance(value, str):
        try:
            moment = dt.datetime.fromisoformat(value)
        except ValueError:
            return value
        if timezone.is_aware(moment):
            moment = timezone.localtime(moment)
        return moment.strftime("%Y-%m-%d %H:%M")
    return str(value)


def answer_rows(
    category: Category, answers: Mapping[str, Any] | None, *, public: bool = False
) -> list[AnswerRow]:
    """The answers of a problem as question → answer, in the category's question order.

    ``public`` keeps only list and number answers: free text may hold private
    details (a name, a flat number). Stored keys that are no question of the
    category (Open311 keeps a reporter's email and media_url there) are left out.
    """
    if not isinstance(answers, Mapping):
        return []
    rows = []
    for question in questions_of(category):
        code = str(question["code"])
        value = answers.get(code)
        if value is None or value == "" or value == []:
            continue
        if public and question.get("datatype", "string") not in PUBLIC_TYPES:
            continue
        question_text = str(question.get("description") or code)
        rows.append(AnswerRow(code, question_text, _answer_text(question, value)))
    return rows


# --- asking them in a form -------------------------------------------------------------


class AnswerInput(forms.Widget):
    """Reads every value sent under the name (a multivaluelist sends several)."""

    def value_from_datadict(self, data: Any, files: Any, name: str) -> list[str]:
        if hasattr(data, "getlist"):
            return [str(v) for v in data.getlist(name)]
        value = data.get(name)
        if value is None:
            return []
        return [str(v) for v in value] if isinstance(value, list | tuple) else [str(value)]

    def value_omitted_from_data(self, data: Any, files: Any, name: str) -> bool:
        return False


class AnswerField(forms.Field):
    """What was given for one question, as strings; :func:`clean_extra_answers` judges it."""

    widget = AnswerInput

    def __init__(self, **kwargs: Any) -> None:
        kwargs["required"] = False
        super().__init__(**kwargs)

    def clean(self, value: Any) -> list[str]:
        return list(value or [])


@dataclass
class QuestionInput:
    """One question as the form template draws it."""

    name: str
    id: str
    label: str
    datatype: str
    required: bool
    value: str = ""
    max_length: int = MAX_ANSWER
    options: list[tuple[str, str, bool]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


@dataclass
class QuestionGroup:
    """The questions of one category; only the active group is shown and sent."""

    category: str
    questions: list[QuestionInput]
    active: bool


class ExtraQuestionsForm(BootstrapForm):
    """A report form that asks the chosen category's extra questions.

    The page holds the questions of every category in hidden groups and a
    script shows the chosen one (:attr:`question_groups`); only the enabled
    group is sent. ``cleaned_data["extra_answers"]`` holds the checked
    answers, and a refused one is an error on ``extra_<code>``.
    """

    #: The name of the form's category field.
    category_field = "category"

    def setup_questions(self, categories: Iterable[Category]) -> None:
        """Call from ``__init__`` with the categories the form offers."""
        self.question_categories = [c for c in categories if questions_of(c)]
        raw = self.data.get(self.category_field) if self.is_bound else None
        chosen = str(raw or self.initial.get(self.category_field) or "").strip()
        self.chosen_category = next((c for c in self.question_categories if c.code == chosen), None)
        if self.chosen_category is not None:
            for question in questions_of(self.chosen_category):
                self.fields[field_name(str(question["code"]))] = AnswerField(
                    label=question.get("description") or question["code"]
                )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        data["extra_answers"] = {}
        category = self.chosen_category
        if category is None:
            return data
        raw = {
            str(q["code"]): data.get(field_name(str(q["code"]))) or []
            for q in questions_of(category)
        }
        try:
            data["extra_answers"] = clean_extra_answers(category, raw)
        except ValidationError as refused:
            for name, errors in refused.error_dict.items():
                self.add_error(name, errors)
        return data

    @property
    def question_groups(self) -> list[QuestionGroup]:
        chosen = self.chosen_category
        groups = []
        for category in self.question_categories:
            active = chosen is not None and category.code == chosen.code
            groups.append(
                QuestionGroup(
                    category=category.code,
                    questions=[self._input(category, q, active) for q in questions_of(category)],
                    active=active,
                )
            )
        return groups

    def _input(
        self, category: Category, question: Mapping[str, Any], active: bool
    ) -> QuestionInput:
        code = str(question["code"])
        name = field_name(code)
        given: list[str] = []
        errors: list[str] = []
        if active and self.is_bound:
            given = AnswerInput().value_from_datadict(self.data, self.files, name)
            errors = [str(e) for e in self.errors.get(name, [])]
        return QuestionInput(
            name=name,
            id=f"id_{name}_{category.code}",
            label=str(question.get("description") or code),
            datatype=str(question.get("datatype") or "string"),
            required=bool(question.get("required")),
            value=given[0] if given else "",
            options=[
                (str(v["key"]), str(v["name"] or v["key"]), str(v["key"]) in given)
                for v in values_of(question)
            ],
            errors=errors,
        )
