"""Admin of the ledger: Open311 keys shown once, read-only problems, categories and the ladder."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from django.contrib.auth.models import Permission
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse

from gongzhi.problems.models import (
    Category,
    EscalationKind,
    EscalationStep,
    Open311Client,
    Problem,
    ProblemSource,
    ProblemState,
)
from tests.factories import World, make_user
from tests.problems.open311_support import outlined_community, post, report_fields

KEY_RE = re.compile(r"\bo311_[A-Za-z0-9_-]{20,}")


@pytest.fixture
def root(db: None) -> Any:
    user = make_user("root")
    user.is_staff = user.is_superuser = True
    user.save()
    return user


@pytest.fixture
def admin_client(root: Any) -> Client:
    client = Client()
    client.force_login(root)
    return client


def staff(user: Any, *codenames: str) -> Client:
    user.is_staff = True
    user.save()
    user.user_permissions.add(*Permission.objects.filter(codename__in=codenames))
    client = Client()
    client.force_login(user)
    return client


def shown_keys(response: Any) -> list[str]:
    return [k for m in get_messages(response.wsgi_request) for k in KEY_RE.findall(str(m))]


# --- Open311 clients -------------------------------------------------------------------


def test_a_new_client_shows_its_key_once_and_the_key_authenticates_a_post(
    admin_client: Client, world: World, categories: None
) -> None:
    outlined_community(world)
    response = admin_client.post(
        reverse("admin:problems_open311client_add"),
        {"name": "12345 热线", "source": ProblemSource.HOTLINE_12345, "is_active": "on"},
        follow=True,
    )
    assert response.status_code == 200
    [key] = shown_keys(response)
    client = Open311Client.objects.get()
    assert client.key_hash == Open311Client.hash_key(key) and key not in client.key_hash
    assert client.prefix == key[:8]
    # Shown once: the list and the change page do not carry it.
    for page in (
        admin_client.get(reverse("admin:problems_open311client_changelist")),
        admin_client.get(reverse("admin:problems_open311client_change", args=[client.pk])),
    ):
        assert key not in page.content.decode()
        assert client.prefix in page.content.decode()
    answer = post(Client(), **report_fields(key))
    assert answer.status_code == 200, answer.content
    assert Problem.objects.get().source == ProblemSource.HOTLINE_12345


def test_saving_a_client_again_keeps_its_key(admin_client: Client) -> None:
    admin_client.post(
        reverse("admin:problems_open311client_add"),
        {"name": "市民通", "source": ProblemSource.RESIDENT_REPORT, "is_active": "on"},
        follow=True,
    )
    client = Open311Client.objects.get()
    response = admin_client.post(
        reverse("admin:problems_open311client_change", args=[client.pk]),
        {"name": "随州市民通", "source": ProblemSource.RESIDENT_REPORT, "is_active": "on"},
        follow=True,
    )
    assert shown_keys(response) == []
    changed = Open311Client.objects.get()
    assert (changed.name, changed.key_hash) == ("随州市民通", client.key_hash)


def test_regenerating_a_key_retires_the_old_one(
    admin_client: Client, world: World, categories: None
) -> None:
    outlined_community(world)
    admin_client.post(
        reverse("admin:problems_open311client_add"),
        {"name": "市民通", "source": ProblemSource.RESIDENT_REPORT, "is_active": "on"},
        follow=True,
    )
    old_hash = Open311Client.objects.get().key_hash
    response = admin_client.post(
        reverse("admin:problems_open311client_changelist"),
        {"action": "regenerate_key", "_selected_action": [Open311Client.objects.get().pk]},
        follow=True,
    )
    [key] = shown_keys(response)
    assert Open311Client.objects.get().key_hash == Open311Client.hash_key(key) != old_hash
    assert post(Client(), **report_fields("o311_old-key-is-gone")).status_code == 403
    assert post(Client(), **report_fields(key)).status_code == 200


def test_only_the_office_issues_keys(world: World) -> None:
    client = staff(
        world.users["community"], "add_open311client", "view_open311client", "change_open311client"
    )
    assert client.get(reverse("admin:problems_open311client_add")).status_code == 403
    response = client.post(
        reverse("admin:problems_open311client_add"),
        {"name": "偷偷的", "source": ProblemSource.RESIDENT_REPORT, "is_active": "on"},
    )
    assert response.status_code == 403
    assert not Open311Client.objects.exists()


# --- problems ----------------------------------------------------------------------------


def test_the_problem_admin_reads_but_never_writes(admin_client: Client, make_problem: Any) -> None:
    problem = make_problem(ProblemState.DISPATCHED, reporter_phone="13912345678")
    problem.follow_token = "secret-follow-token"
    problem.save()
    change = reverse("admin:problems_problem_change", args=[problem.pk])
    page = admin_client.get(change)
    assert page.status_code == 200
    text = page.content.decode()
    assert problem.number in text
    assert "13912345678" not in text and "secret-follow-token" not in text
    assert 'name="_save"' not in text
    admin_client.post(change, {"description": "改掉", "state": "closed"})
    problem.refresh_from_db()
    assert (problem.description, problem.state) == ("楼下堆满杂物", ProblemState.DISPATCHED)
    assert admin_client.get(reverse("admin:problems_problem_add")).status_code == 403
    delete = reverse("admin:problems_problem_delete", args=[problem.pk])
    assert admin_client.post(delete, {"post": "yes"}).status_code == 403
    assert Problem.objects.filter(pk=problem.pk).exists()


def test_the_problem_admin_searches_by_number_within_the_users_scope(
    world: World, make_problem: Any
) -> None:
    mine = make_problem(ProblemState.REPORTED)
    elsewhere = make_problem(ProblemState.REPORTED, community=world.community_b1)
    client = staff(world.users["community"], "view_problem")
    changelist = reverse("admin:problems_problem_changelist")
    listed = client.get(changelist).context["cl"].result_list
    assert list(listed) == [mine]
    found = client.get(changelist, {"q": mine.number}).context["cl"].result_list
    assert list(found) == [mine]
    assert client.get(changelist, {"q": elsewhere.number}).context["cl"].result_list.count() == 0
    # Out of scope: the admin answers as if it did not exist.
    response = client.get(reverse("admin:problems_problem_change", args=[elsewhere.pk]))
    assert response.status_code == 302 and response["Location"] == reverse("admin:index")


# --- categories and the escalation ladder ------------------------------------------------


def _category_form(category: Category, **changes: Any) -> dict[str, Any]:
    data = {
        "name": category.name,
        "group": category.group,
        "description": category.description,
        "deadline_working_days": category.deadline_working_days,
        "responsible_unit_kinds": json.dumps(category.responsible_unit_kinds),
        "extra_questions": json.dumps(category.extra_questions, ensure_ascii=False),
        "resident_reportable": "on" if category.resident_reportable else "",
        "ordering": category.ordering,
    }
    data.update(changes)
    return data


@pytest.mark.parametrize(
    ("questions", "fragment"),
    [
        ([{"description": "无代码"}], "Question 1 needs a code"),
        ([{"code": "a"}, {"code": "a"}], "Question 2 repeats the code “a”"),
        ([{"code": "a", "datatype": "colour"}], "Question 1: the datatype must be one of"),
        ([{"code": "a", "datatype": "singlevaluelist"}], "Question 1: a list needs values"),
        ([{"code": "a", "required": "yes"}], "Question 1: required must be true or false"),
        ({"code": "a"}, "Give a list of questions."),
    ],
)
def test_a_malformed_extra_question_is_refused_naming_it(
    admin_client: Client, categories: None, questions: Any, fragment: str
) -> None:
    category = Category.objects.get(code="illegal_parking")
    response = admin_client.post(
        reverse("admin:problems_category_change", args=[category.pk]),
        _category_form(category, extra_questions=json.dumps(questions, ensure_ascii=False)),
    )
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors["extra_questions"]
    assert any(fragment in e for e in errors)
    category.refresh_from_db()
    assert category.extra_questions == []


def test_a_category_is_renamed_and_given_questions_but_keeps_its_code(
    admin_client: Client, categories: None, client: Client
) -> None:
    category = Category.objects.get(code="illegal_parking")
    question = {
        "code": "plate",
        "description": "车牌号",
        "datatype": "string",
        "required": True,
        "values": [],
    }
    response = admin_client.post(
        reverse("admin:problems_category_change", args=[category.pk]),
        _category_form(
            category, name="乱停车", code="parking", extra_questions=json.dumps([question])
        ),
    )
    assert response.status_code == 302
    category.refresh_from_db()
    assert (category.code, category.name) == ("illegal_parking", "乱停车")
    definition = client.get(
        reverse("open311:service", kwargs={"code": "illegal_parking", "fmt": "json"})
    )
    assert json.loads(definition.content)["attributes"][0]["code"] == "plate"


def test_category_names_are_editable_in_the_list_filtered_by_group(
    admin_client: Client, categories: None
) -> None:
    changelist = reverse("admin:problems_category_changelist")
    listed = admin_client.get(changelist, {"group__exact": "four_cleanups"}).context["cl"]
    assert {c.code for c in listed.result_list} == {
        "garbage_dead_corner",
        "piled_debris",
        "dead_branches_weeds",
        "illegal_flyers",
    }
    category = Category.objects.get(code="piled_debris")
    response = admin_client.post(
        changelist,
        {
            "form-TOTAL_FORMS": "1",
            "form-INITIAL_FORMS": "1",
            "form-0-id": category.pk,
            "form-0-name": "乱堆乱放",
            "_save": "Save",
        },
    )
    assert response.status_code == 302
    category.refresh_from_db()
    assert category.name == "乱堆乱放"


def test_only_the_office_changes_categories_and_steps(world: World, categories: None) -> None:
    client = staff(world.users["district"], "view_category", "change_category")
    category = Category.objects.get(code="piled_debris")
    response = client.post(
        reverse("admin:problems_category_change", args=[category.pk]),
        _category_form(category, name="改名"),
    )
    assert response.status_code == 403
    category.refresh_from_db()
    assert category.name == "乱堆乱放杂物"


def test_escalation_steps_are_edited_in_the_admin(admin_client: Client) -> None:
    response = admin_client.post(
        reverse("admin:problems_escalationstep_add"),
        {
            "kind": EscalationKind.CHASE,
            "name": "测试催办",
            "offset_working_days": "1",
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    step = EscalationStep.objects.get(name="测试催办")
    response = admin_client.post(
        reverse("admin:problems_escalationstep_change", args=[step.pk]),
        {"kind": EscalationKind.CHASE, "name": "测试催办", "offset_working_days": "2"},
    )
    assert response.status_code == 302
    step.refresh_from_db()
    assert (step.offset_working_days, step.is_active) == (2, False)
    assert (
        admin_client.get(
            reverse("admin:problems_escalationstep_delete", args=[step.pk])
        ).status_code
        == 403
    )
