from django.db import migrations


def load(apps, schema_editor):
    from jiewang.supervision.indicators import load as load_rows

    load_rows(apps.get_model("assessment", "Indicator"))


def unload(apps, schema_editor):
    from jiewang.supervision.indicators import CODES

    apps.get_model("assessment", "Indicator").objects.filter(code__in=CODES).delete()


class Migration(migrations.Migration):
    dependencies = [("supervision", "0001_initial"), ("assessment", "0002_shipped_indicators")]

    operations = [migrations.RunPython(load, unload)]
