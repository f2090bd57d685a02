"""Seeding the default checklist and the ranking rules (idempotent)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from gongzhi.inspections.checklist_default import DEFAULT_TEMPLATE_NAME, default_criteria


def seed_default_template(apps: Any = None) -> Any:
    """The current version of the default checklist, creating version 1 if there is none.

    ``apps`` is a migration's app registry (or ``None`` for the real models).
    """
    if apps is None:
        from django.apps import apps as real_apps

        apps = real_apps
    template_model = apps.get_model("inspections", "ChecklistTemplate")
    criterion_model = apps.get_model("inspections", "Criterion")
    item_model = apps.get_model("inspections", "ChecklistItem")
    existing = template_model.objects.filter(name=DEFAULT_TEMPLATE_NAME, is_current=True).first()
    if existing is not None:
        return existing
    template = template_model.objects.create(name=DEFAULT_TEMPLATE_NAME, version=1, is_current=True)
    for position, criterion in enumerate(default_criteria(), start=1):
        row = criterion_model.objects.create(
            template=template, code=criterion["code"], name=criterion["name"], ordering=position
        )
        item_model.objects.bulk_create(
            [
                item_model(
                    criterion=row,
                    code=item["code"],
                    text=item["text"],
                    kind=item["kind"],
                    max_score=(
                        Decimal(str(item["max_score"])) if item["max_score"] is not None else None
                    ),
                    evidence_required=item["evidence_required"],
                    guidance=item["guidance"],
                    ordering=index,
                )
                for index, item in enumerate(criterion["items"], start=1)
            ]
        )
    return template


def ranking_rules(apps: Any = None) -> Any:
    """The one row of ranking rules, created with the defaults when missing."""
    if apps is None:
        from django.apps import apps as real_apps

        apps = real_apps
    model = apps.get_model("inspections", "RankingRules")
    rules = model.objects.order_by("pk").first()
    return rules if rules is not None else model.objects.create()
