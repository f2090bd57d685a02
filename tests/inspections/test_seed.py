"""The default checklist and ranking rules seeded by the migrations."""

from __future__ import annotations

from decimal import Decimal

from gongzhi.inspections.checklist_default import DEFAULT_TEMPLATE_NAME
from gongzhi.inspections.models import ChecklistItem, ChecklistTemplate, ItemKind, RankingRules
from gongzhi.inspections.seed import ranking_rules, seed_default_template


def test_the_default_checklist_has_the_three_criteria_worth_100_points(db: None) -> None:
    template = ChecklistTemplate.objects.get(name=DEFAULT_TEMPLATE_NAME, is_current=True)
    assert [c.name for c in template.criteria.all()] == [
        "思想认识到位",
        "组织实施到位",
        "整治成效到位",
    ]
    items = ChecklistItem.objects.filter(criterion__template=template)
    assert sum(i.max_score or 0 for i in items if i.kind == ItemKind.SCORED) == Decimal(100)
    assert {i.text for i in items if i.kind == ItemKind.CHECK} >= {"无乱张贴、乱涂画", "无垃圾死角"}


def test_seeding_again_creates_nothing(db: None) -> None:
    before = (ChecklistTemplate.objects.count(), ChecklistItem.objects.count())
    assert seed_default_template().version == 1
    assert ranking_rules() == RankingRules.objects.get()
    assert (ChecklistTemplate.objects.count(), ChecklistItem.objects.count()) == before
