"""Seed the default escalation ladder (督办): reminder, chase notice, written criticism.

Idempotent: a step is created only if no step of its kind exists yet, so a
ladder the office has already configured (renamed, moved, deactivated) is
left as it is. Names are data, in Chinese.
"""

from django.db import migrations

DEFAULT_STEPS = (
    # kind, name, working days after the deadline (negative: before)
    ("reminder", "到期前提醒", -1),
    ("chase", "催办通知", 1),
    ("criticism", "列入书面批评", 6),
)


def seed_steps(apps, schema_editor):
    EscalationStep = apps.get_model("problems", "EscalationStep")
    have = set(EscalationStep.objects.values_list("kind", flat=True))
    EscalationStep.objects.bulk_create(
        [
            EscalationStep(kind=kind, name=name, offset_working_days=offset, is_active=True)
            for kind, name, offset in DEFAULT_STEPS
            if kind not in have
        ]
    )


class Migration(migrations.Migration):
    dependencies = [
        ("problems", "0002_photos_open311_escalation"),
    ]

    operations = [
        migrations.RunPython(seed_steps, migrations.RunPython.noop),
    ]
