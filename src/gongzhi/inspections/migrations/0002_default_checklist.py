from django.db import migrations


def seed(apps, schema_editor):
    from gongzhi.inspections.seed import ranking_rules, seed_default_template

    seed_default_template(apps)
    ranking_rules(apps)


class Migration(migrations.Migration):
    dependencies = [("inspections", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
