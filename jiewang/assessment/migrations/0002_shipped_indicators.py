from django.db import migrations


def load(apps, schema_editor):
    from jiewang.assessment.seed_data import load as load_rows

    load_rows(apps.get_model("assessment", "Indicator"))


class Migration(migrations.Migration):
    dependencies = [("assessment", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
