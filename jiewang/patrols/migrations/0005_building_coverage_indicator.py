"""The assessment indicator 楼栋巡查覆盖率 (building coverage = buildings checked in at during a
patrol in the period / buildings, the "every building once a week" rule) for grids and grid
workers, shown in the ``general`` scheme with weight 0 (in the breakdown, not in the composite)
until a district decides to score it. The formula is registered by jiewang.patrols.assessment."""

from django.db import migrations

ROWS = [
    ("grid.building_coverage", "楼栋巡查覆盖率", "general", "building_coverage", "grid", 0.9, 0.0, "higher"),
    ("gw.building_coverage", "楼栋巡查覆盖率", "general", "building_coverage", "grid_worker", 0.9, 0.0, "higher"),
]


def load(apps, schema_editor):
    Indicator = apps.get_model("assessment", "Indicator")
    for order, (code, name, scheme, formula, population, target, weight, direction) in enumerate(ROWS, start=210):
        Indicator.objects.update_or_create(code=code, defaults=dict(
            name=name, scheme=scheme, formula=formula, population=population, target=target, weight=weight,
            direction=direction, order=order))


def unload(apps, schema_editor):
    apps.get_model("assessment", "Indicator").objects.filter(code__in=[r[0] for r in ROWS]).delete()


class Migration(migrations.Migration):
    dependencies = [("patrols", "0004_checkin_building")]

    operations = [migrations.RunPython(load, unload)]
