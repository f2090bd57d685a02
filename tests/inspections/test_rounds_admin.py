"""The admin of inspections: the office reads everything, edits groups, rounds and the
ranking rules through their services, and past versions are for reading only."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.apps import apps
from django.test import Client
from django.urls import reverse

from gongzhi.core.models import User
from gongzhi.inspections import services_rounds
from gongzhi.inspections.models import (
    Inspection,
    InspectionGroup,
    InspectionRound,
    RoundStatus,
)
from gongzhi.inspections.seed import ranking_rules
from tests.factories import World

MakeRound = Callable[..., InspectionRound]

MODELS = [
    "checklisttemplate",
    "criterion",
    "checklistitem",
    "inspectiongroup",
    "inspectionround",
    "assignment",
    "inspection",
    "itemscore",
    "finding",
    "findingphoto",
    "rankingrules",
]


def staff(user: User) -> Client:
    user.is_staff = True
    user.save()
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def planned(world: World, groups: list[InspectionGroup], make_round: MakeRound) -> InspectionRound:
    row = make_round(1, status=RoundStatus.PLANNED)
    services_rounds.round_assign(user=world.users["office"], round_=row)
    Inspection.objects.create(round=row, unit=world.unit_a, group=groups[0])
    ranking_rules()
    return row


@pytest.mark.parametrize("model", MODELS)
def test_the_office_reads_every_inspection_model_in_the_admin(
    world: World, planned: InspectionRound, model: str
) -> None:
    client = staff(world.users["office"])
    assert client.get(reverse(f"admin:inspections_{model}_changelist")).status_code == 200
    row = apps.get_model("inspections", model).objects.first()
    if row is not None:
        assert (
            client.get(reverse(f"admin:inspections_{model}_change", args=[row.pk])).status_code
            == 200
        )
    leader = staff(world.users["leader"])
    assert leader.get(reverse(f"admin:inspections_{model}_changelist")).status_code == 403


def test_nothing_is_deleted_from_the_admin(world: World, planned: InspectionRound) -> None:
    client = staff(world.users["office"])
    page = client.get(reverse("admin:inspections_inspectionround_changelist"))
    actions = dict(page.context["action_form"].fields["action"].choices)
    assert "delete_selected" not in actions and "open_selected" in actions
    url = reverse("admin:inspections_inspectionround_delete", args=[planned.pk])
    assert client.get(url).status_code == 403


def test_a_group_saved_in_the_admin_goes_through_the_service(world: World) -> None:
    client = staff(world.users["office"])
    url = reverse("admin:inspections_inspectiongroup_add")
    refused = client.post(
        url, {"name": "组", "leader": world.users["leader"].pk, "is_active": "on"}
    )
    assert refused.status_code == 200
    assert "leader does not hold the inspector role." in refused.content.decode()
    assert not InspectionGroup.objects.exists()
    saved = client.post(
        url, {"name": "组", "leader": world.users["inspector"].pk, "is_active": "on"}
    )
    assert saved.status_code == 302
    group = InspectionGroup.objects.get()
    assert list(group.members.all()) == [world.users["inspector"]], "the leader is a member"
    assert group.history.first().history_user == world.users["office"]


def test_a_round_added_in_the_admin_takes_the_default_checklist(
    world: World, template: object
) -> None:
    client = staff(world.users["office"])
    response = client.post(
        reverse("admin:inspections_inspectionround_add"),
        {"number": 4, "name": "第四轮", "start": "2021-10-01", "end": "2021-10-31"},
    )
    assert response.status_code == 302
    assert InspectionRound.objects.get(number=4).template == template


def test_the_open_action_reports_a_refusal(
    world: World, planned: InspectionRound, make_round: MakeRound
) -> None:
    empty = make_round(2, status=RoundStatus.PLANNED)
    client = staff(world.users["office"])
    page = client.post(
        reverse("admin:inspections_inspectionround_changelist"),
        {"action": "open_selected", "_selected_action": [planned.pk, empty.pk]},
        follow=True,
    )
    messages = [str(m) for m in page.context["messages"]]
    assert "Round 2: Round 1 is still open: close it first." in messages
    planned.refresh_from_db()
    assert planned.status == RoundStatus.OPEN


def test_ranking_rules_change_through_their_service(world: World, planned: InspectionRound) -> None:
    rules = ranking_rules()
    client = staff(world.users["office"])
    values = {
        "excellent_min": "95",
        "good_min": "80",
        "fair_min": "60",
        "min_inspections": 1,
        "cumulative_min_inspections": 2,
        "red_top": 10,
        "red_min_rectification": "0.9",
        "black_bottom": 10,
        "black_max_rectification": "0.85",
    }
    url = reverse("admin:inspections_rankingrules_change", args=[rules.pk])
    refused = client.post(url, {**values, "good_min": "99"})
    assert refused.status_code == 200
    assert client.post(url, values).status_code == 302
    rules.refresh_from_db()
    assert (rules.excellent_min, rules.updated_by) == (95, world.users["office"])


def test_past_versions_are_for_reading_only(world: World, groups: list[InspectionGroup]) -> None:
    group = groups[0]
    services_rounds.group_save(
        user=world.users["office"], group=group, name="改名组", leader=group.leader, members=[]
    )
    record = group.history.last()
    client = staff(world.users["office"])
    url = reverse(
        "admin:inspections_inspectiongroup_simple_history",
        args=[group.pk, record.history_id],
    )
    assert client.get(url).status_code == 200
    assert client.post(url, {"name": "第1督导组"}).status_code == 403
    group.refresh_from_db()
    assert group.name == "改名组"
