"""The assessment indicator 走访覆盖率 (visit coverage = households visited / households) for grids
and grid workers, shown in the ``general`` scheme with weight 0 (in the breakdown, not in the
composite) until a district decides to score it: set a weight in the admin. The formula is
registered by jiewang.patrols.assessment."""

from django.db import migrations

ROWS = [
    ("grid.visit_coverage", "走访覆盖率", "general", "visit_coverage", "grid", 0.9, 0.0, "higher"),
    ("gw.visit_coverage", "走访覆盖率", "general", "visit_coverage", "grid_worker", 0.9, 0.0, "higher"),
]


def load(apps, schema_editor):
    Indicator = apps.get_model("assessment", "Indicator")
    for order, (code, name, scheme, formula, population, target, weight, direction) in enumerate(ROWS, start=200):
        Indicator.objects.update_or_create(code=code, defaults=dict(
            name=name, scheme=scheme, formula=formula, population=population, target=target, weight=weight,
            direction=direction, order=order))


def unload(apps, schema_editor):
    apps.get_model("assessment", "Indicator").objects.filter(code__in=[r[0] for r in ROWS]).delete()


class Migration(migrations.Migration):
    dependencies = [("patrols", "0002_visit"), ("assessment", "0002_shipped_indicators")]

    operations = [migrations.RunPython(load, unload)]
