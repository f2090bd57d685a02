"""Checklist versions: editing makes a new version, rounds keep theirs, and the rules a
checklist must follow; the checklist pages and their editor."""

from __future__ import annotations

import copy
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse

from gongzhi.inspections import queries
from gongzhi.inspections.models import (
    ChecklistItem,
    ChecklistTemplate,
    Inspection,
    InspectionRound,
    ItemScore,
)
from gongzhi.inspections.seed import seed_default_template
from gongzhi.inspections.services_checklists import template_edit
from tests.factories import World
from tests.inspections.fixtures_inspect import (  # noqa: F401 - fixtures
    client_of_fixture,
    complete_fixture,
    round1_fixture,
)


def data_of(template: ChecklistTemplate) -> list[dict[str, Any]]:
    return copy.deepcopy(queries.template_as_data(template))


def edit(user: Any, template: ChecklistTemplate, criteria: Any) -> ChecklistTemplate:
    return template_edit(user=user, template_id=template.pk, criteria=criteria)


def moved_points(template: ChecklistTemplate) -> list[dict[str, Any]]:
    """The default checklist with 5 points moved from feedback to a new scored item."""
    data = data_of(template)
    results = data[2]["items"]
    feedback = next(i for i in results if i["code"] == "feedback")
    feedback["max_score"] = Decimal(10)
    results.append(
        {
            "code": "greenery",
            "text": "无毁绿种菜",
            "kind": "scored",
            "max_score": "5",
            "guidance": "",
            "evidence_required": True,
        }
    )
    return data


def test_editing_makes_a_new_current_version_based_on_the_old(
    world: World, template: ChecklistTemplate
) -> None:
    new = edit(world.users["office"], template, moved_points(template))
    template.refresh_from_db()
    assert (new.version, new.based_on, new.is_current, new.created_by) == (
        2,
        template,
        True,
        world.users["office"],
    )
    assert not template.is_current
    assert seed_default_template() == new  # rounds created now use version 2
    greenery = ChecklistItem.objects.get(criterion__template=new, code="greenery")
    assert (greenery.max_score, greenery.evidence_required) == (Decimal(5), True)
    assert ChecklistItem.objects.get(criterion__template=template, code="feedback").max_score == 15


def test_a_round_keeps_its_version_and_its_scores_when_the_checklist_is_edited(
    world: World,
    template: ChecklistTemplate,
    complete: Callable[..., Inspection],
    round1: InspectionRound,
) -> None:
    from gongzhi.inspections.services import inspection_submit

    complete(scores={"feedback": "12"})
    done = inspection_submit(
        user=world.users["inspector"], round_number=1, unit_code=world.unit_a.code
    )
    before = sorted(
        ItemScore.objects.filter(inspection=done).values_list("item_id", "score", "passed")
    )

    edit(world.users["office"], template, moved_points(template))
    round1.refresh_from_db()
    done.refresh_from_db()
    assert round1.template == template and round1.template.version == 1
    assert (
        sorted(ItemScore.objects.filter(inspection=done).values_list("item_id", "score", "passed"))
        == before
    )
    assert done.total_score == Decimal(97)
    codes = [i.code for i in queries.template_items(queries.template_criteria(round1.template))]
    assert "greenery" not in codes and "feedback" in codes


def _break(
    change: Callable[[list[dict[str, Any]]], None],
) -> Callable[[list[dict[str, Any]]], None]:
    return change


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        (lambda d: d[1].update(code="awareness"), "criteria.1.code", "used twice"),
        (lambda d: d[2]["items"][0].update(code="plan"), "criteria.2.items.0.code", "used twice"),
        (
            lambda d: d[0]["items"][0].update(max_score=None),
            "criteria.0.items.0.max_score",
            "above 0",
        ),
        (
            lambda d: d[0]["items"][0].update(max_score="0"),
            "criteria.0.items.0.max_score",
            "above 0",
        ),
        (
            lambda d: d[0]["items"][0].update(max_score="7.3"),
            "criteria.0.items.0.max_score",
            "half",
        ),
        (
            lambda d: d[2]["items"][-1].update(max_score="5"),
            "criteria.2.items.5.max_score",
            "no maximum",
        ),
        (
            lambda d: d[0]["items"][0].update(kind="stars"),
            "criteria.0.items.0.kind",
            "scored or check",
        ),
        (lambda d: d[0]["items"][0].update(text=" "), "criteria.0.items.0.text", "required"),
        (lambda d: d[0]["items"][0].update(code="plan one"), "criteria.0.items.0.code", "letters"),
        (lambda d: d[1].update(items=[]), "criteria.1.items", "at least one item"),
        (lambda d: d[0]["items"][0].update(max_score="15"), "criteria", "add up to 105"),
        (lambda d: d.clear(), "criteria", "at least one criterion"),
    ],
)
def test_a_checklist_that_breaks_the_rules_is_refused_by_place(
    world: World,
    template: ChecklistTemplate,
    change: Callable[[list[dict[str, Any]]], None],
    field: str,
    message: str,
) -> None:
    data = data_of(template)
    change(data)
    with pytest.raises(ValidationError) as info:
        edit(world.users["office"], template, data)
    errors = info.value.message_dict
    assert field in errors, errors
    assert message in " ".join(errors[field])
    assert ChecklistTemplate.objects.count() == 1


def test_only_the_office_edits_the_current_version_and_only_with_a_change(
    world: World, template: ChecklistTemplate
) -> None:
    for key in ("leader", "inspector", "district"):
        with pytest.raises(PermissionDenied):
            edit(world.users[key], template, moved_points(template))
    with pytest.raises(ValidationError, match="Nothing changed"):
        edit(world.users["office"], template, data_of(template))
    new = edit(world.users["office"], template, moved_points(template))
    with pytest.raises(ValidationError, match="edit version 2"):
        edit(world.users["office"], template, moved_points(template))
    assert new.version == 2 and ChecklistTemplate.objects.count() == 2


# --- pages ------------------------------------------------------------------------------------


def _post_rows(template: ChecklistTemplate, **overrides: str) -> dict[str, str]:
    """The editor's POST for ``template`` as shown, with some inputs changed."""
    data: dict[str, str] = {}
    for i, criterion in enumerate(queries.template_as_data(template)):
        data[f"criterion-{i}-code"] = criterion["code"]
        data[f"criterion-{i}-name"] = criterion["name"]
        for j, item in enumerate(criterion["items"]):
            prefix = f"item-{i}-{j}-"
            data[prefix + "code"] = item["code"]
            data[prefix + "text"] = item["text"]
            data[prefix + "kind"] = item["kind"]
            data[prefix + "max_score"] = (
                "" if item["max_score"] is None else f"{item['max_score'].normalize():f}"
            )
            data[prefix + "guidance"] = item["guidance"]
            if item["evidence_required"]:
                data[prefix + "evidence_required"] = "on"
    # The blank rows the page adds are posted too, and ignored.
    data.update({"item-0-9-code": "", "item-0-9-text": "", "item-0-9-kind": "scored"})
    data.update({"criterion-7-code": "", "criterion-7-name": ""})
    data.update(overrides)
    return data


def test_the_office_edits_a_checklist_on_its_page(
    world: World, template: ChecklistTemplate, client_of: Callable[[str], Client]
) -> None:
    client = client_of("office")
    url = reverse("inspections:checklist_edit", args=[template.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert 'name="item-0-0-code" value="plan"' in page.content.decode()

    response = client.post(
        url,
        _post_rows(
            template,
            **{
                "item-2-1-max_score": "10",
                "item-2-7-code": "greenery",
                "item-2-7-text": "无毁绿种菜",
                "item-2-7-kind": "scored",
                "item-2-7-max_score": "5",
            },
        ),
    )
    new = ChecklistTemplate.objects.get(is_current=True)
    assert response.status_code == 302 and response["Location"] == reverse(
        "inspections:checklist_detail", args=[new.pk]
    )
    assert new.version == 2
    assert [i.code for i in queries.template_items(queries.template_criteria(new))][
        -1
    ] == "greenery"
    shown = client.get(response["Location"]).content.decode()
    assert "无毁绿种菜" in shown and "version 2" in shown


def test_the_editor_shows_each_error_next_to_its_row(
    world: World, template: ChecklistTemplate, client_of: Callable[[str], Client]
) -> None:
    client = client_of("office")
    url = reverse("inspections:checklist_edit", args=[template.pk])
    response = client.post(url, _post_rows(template, **{"item-1-2-max_score": "7.3"}))
    assert response.status_code == 400
    body = response.content.decode()
    assert 'data-field-error="item-1-2-max_score"' in body
    assert 'name="item-1-2-max_score" value="7.3"' in body  # what was typed stays
    response = client.post(url, _post_rows(template, **{"item-1-3-max_score": "4"}))
    assert response.status_code == 400
    assert "add up to 99" in response.content.decode()
    assert ChecklistTemplate.objects.count() == 1


@pytest.mark.parametrize(
    ("role", "detail", "edit_page"),
    [
        ("office", 200, 200),
        ("leader", 200, 403),
        ("inspector", 200, 403),
        ("unit", 200, 403),
        ("member", 404, 404),
    ],
)
def test_who_reads_and_who_edits_checklists(
    world: World,
    template: ChecklistTemplate,
    client_of: Callable[[str], Client],
    role: str,
    detail: int,
    edit_page: int,
) -> None:
    client = client_of(role)
    assert (
        client.get(reverse("inspections:checklist_detail", args=[template.pk])).status_code
        == detail
    )
    assert (
        client.get(reverse("inspections:checklist_edit", args=[template.pk])).status_code
        == edit_page
    )


def test_an_old_version_shows_as_such_and_its_editor_leads_to_the_current(
    world: World, template: ChecklistTemplate, client_of: Callable[[str], Client]
) -> None:
    new = edit(world.users["office"], template, moved_points(template))
    client = client_of("office")
    old_page = client.get(
        reverse("inspections:checklist_detail", args=[template.pk])
    ).content.decode()
    assert "earlier version" in old_page and "used by 0 rounds" in old_page
    response = client.get(reverse("inspections:checklist_edit", args=[template.pk]))
    assert response["Location"] == reverse("inspections:checklist_edit", args=[new.pk])
    listing = client.get(reverse("inspections:checklist_list")).content.decode()
    assert "version 2" in listing
