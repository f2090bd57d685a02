"""The extra questions on the staff report form and the public report page, and their
answers on the problem's page and the public follow page."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from gongzhi.problems import services
from gongzhi.problems.models import Category, Problem, ProblemEvent
from tests.factories import World

CREATE = reverse("problems:create")
REPORT = "/report/"


@pytest.fixture(autouse=True)
def _fresh_throttle() -> Iterator[None]:
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def asked(categories: None) -> Category:
    """垃圾死角 with one question of each kind, the first one required."""
    category = Category.objects.get(code="garbage_dead_corner")
    category.extra_questions = [
        {
            "code": "volume",
            "description": "大致数量",
            "datatype": "singlevaluelist",
            "required": True,
            "values": [{"key": "small", "name": "少量"}, {"key": "large", "name": "大量"}],
        },
        {
            "code": "kinds",
            "description": "垃圾种类",
            "datatype": "multivaluelist",
            "required": False,
            "values": [{"key": "food", "name": "厨余"}, {"key": "box", "name": "纸箱"}],
        },
        {"code": "bags", "description": "袋数", "datatype": "number", "required": False},
        {"code": "where", "description": "具体位置", "datatype": "text", "required": False},
    ]
    category.save()
    return category


def _staff_form(**fields: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "category": "garbage_dead_corner",
        "source": "community_patrol",
        "description": "三号楼墙角堆满垃圾",
        "priority": "normal",
        "is_public": "on",
    }
    values.update(fields)
    return values


def _public_form(**values: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "category_code": "garbage_dead_corner",
        "description": "墙角堆满垃圾",
        "community_code": "",
        "lat": "",
        "lng": "",
        "address": "",
        "reporter_name": "",
        "reporter_phone": "",
        "website": "",
    }
    data.update(values)
    return data


def _field_errors(html: str, name: str) -> list[str]:
    return re.findall(rf'data-field-error="{re.escape(name)}">([^<]*)<', html)


def _group(html: str, category: str) -> str:
    """The opening tag of a category's group of questions."""
    match = re.search(rf'<fieldset[^>]*data-category="{category}"[^>]*>', html)
    assert match, f"no questions for {category}"
    return match.group(0)


def _nothing_written() -> bool:
    return not (Problem.objects.exists() or ProblemEvent.objects.exists())


# --- the staff report form --------------------------------------------------------------


def test_the_staff_form_holds_each_categorys_questions_in_a_hidden_group(
    world: World, asked: Category, client: Client
) -> None:
    client.force_login(world.users["community"])
    html = client.get(CREATE).content.decode()
    group = _group(html, "garbage_dead_corner")
    assert "hidden" in group and "disabled" in group  # not sent until chosen
    assert "大致数量" in html and 'value="large"' in html and ">大量<" in html
    assert 'name="extra_bags"' in html and 'inputmode="decimal"' in html
    assert _group(html, "dead_branches_weeds")  # seeded: the location question
    assert 'data-category="illegal_parking"' not in html  # asks nothing more
    assert "problems-pages.js" in html


def test_the_staff_report_stores_the_answers_and_the_problem_page_shows_them(
    world: World, asked: Category, client: Client
) -> None:
    client.force_login(world.users["community"])
    response = client.post(
        CREATE,
        _staff_form(
            community=world.community_a1.code,
            extra_volume="large",
            extra_kinds=["food", "box"],
            extra_bags="3",
            extra_where="3号楼 王五家门口",
        ),
    )
    assert response.status_code == 302
    problem = Problem.objects.get()
    assert problem.extra_answers == {
        "volume": "large",
        "kinds": ["food", "box"],
        "bags": 3,
        "where": "3号楼 王五家门口",
    }
    html = client.get(response["Location"]).content.decode()
    assert re.search(r">大致数量</dt><dd[^>]*data-testid=\"answer-volume\">大量</dd>", html)
    assert 'data-testid="answer-kinds">厨余、纸箱<' in html
    assert 'data-testid="answer-bags">3<' in html
    assert 'data-testid="answer-where">3号楼 王五家门口<' in html  # staff read free text


def test_bad_answers_on_the_staff_form_are_named_kept_and_nothing_is_written(
    world: World, asked: Category, client: Client
) -> None:
    client.force_login(world.users["community"])
    response = client.post(
        CREATE,
        _staff_form(community=world.community_a1.code, extra_bags="many", extra_where="3号楼"),
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert _nothing_written()
    assert "The problem was not recorded" in html
    assert _field_errors(html, "extra_volume") == ["“大致数量” needs an answer."]
    assert _field_errors(html, "extra_bags") == ["“袋数”: “many” is not a number."]
    group = _group(html, "garbage_dead_corner")
    assert "hidden" not in group and "disabled" not in group  # the chosen kind is shown
    assert 'name="extra_bags" id="id_extra_bags_garbage_dead_corner" value="many"' in html
    assert ">3号楼</textarea>" in html


def test_answers_to_a_category_that_asks_nothing_are_not_stored(
    world: World, asked: Category, client: Client
) -> None:
    client.force_login(world.users["community"])
    response = client.post(
        CREATE,
        _staff_form(
            category="illegal_parking", community=world.community_a1.code, extra_volume="huge"
        ),
    )
    assert response.status_code == 302
    assert Problem.objects.get().extra_answers == {}


# --- the public report page -------------------------------------------------------------


def test_the_public_page_asks_the_questions_of_resident_categories_only(
    world: World, asked: Category, client: Client
) -> None:
    Category.objects.filter(code="dead_branches_weeds").update(resident_reportable=False)
    html = client.get(REPORT).content.decode()
    assert "hidden" in _group(html, "garbage_dead_corner")
    # Phone-sized controls, like the rest of the page.
    assert 'id="id_extra_volume_garbage_dead_corner" class="form-select form-select-lg"' in html
    assert 'data-category="dead_branches_weeds"' not in html


def test_the_public_report_stores_the_answers(
    world: World, asked: Category, client: Client
) -> None:
    response = client.post(
        REPORT,
        _public_form(
            community_code=world.community_a1.code,
            extra_volume="small",
            extra_kinds="box",
            extra_bags="2.5",
        ),
    )
    assert response.status_code == 302
    assert Problem.objects.get().extra_answers == {"volume": "small", "kinds": ["box"], "bags": 2.5}


def test_a_bad_answer_on_the_public_page_is_named_kept_and_nothing_is_written(
    world: World, asked: Category, client: Client
) -> None:
    response = client.post(
        REPORT,
        _public_form(
            community_code=world.community_a1.code,
            extra_volume="huge",
            extra_kinds=["food"],
            extra_bags="4",
        ),
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert _nothing_written()
    assert "The report was not sent" in html
    assert _field_errors(html, "extra_volume") == [
        "“huge” is not one of the answers to “大致数量”."
    ]
    assert "hidden" not in _group(html, "garbage_dead_corner")
    assert 'value="food" id="id_extra_kinds_garbage_dead_corner_0" checked' in html
    assert 'id="id_extra_bags_garbage_dead_corner" value="4"' in html


def test_a_required_question_is_required_on_the_public_page(
    world: World, asked: Category, client: Client
) -> None:
    response = client.post(REPORT, _public_form(community_code=world.community_a1.code))
    assert response.status_code == 400
    assert _field_errors(response.content.decode(), "extra_volume") == [
        "“大致数量” needs an answer."
    ]
    assert _nothing_written()


# --- the public follow page -------------------------------------------------------------


def test_the_follow_page_shows_list_and_number_answers_but_never_free_text(
    world: World, asked: Category, client: Client
) -> None:
    problem = services.problem_report(
        user=None,
        category_code="garbage_dead_corner",
        source="resident_report",
        description="墙角堆满垃圾",
        community_code=world.community_a1.code,
        extra_answers={"volume": "large", "bags": 3, "where": "王五家门口"},
    )
    url = reverse("public:follow", args=(problem.number,))
    for query in ({}, {"token": problem.follow_token}):
        html = client.get(url, query).content.decode()
        assert re.search(r">大致数量</dt><dd[^>]*data-testid=\"answer-volume\">大量</dd>", html)
        assert 'data-testid="answer-bags">3<' in html
        assert "王五家门口" not in html and "具体位置" not in html
