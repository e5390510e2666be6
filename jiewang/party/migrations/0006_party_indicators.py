"""The assessment's party indicators (双报到率, 微心愿办结率, 三张清单匹配率) for communities and towns,
weight 0; the formulas are registered by jiewang.party.formulas."""

from django.db import migrations


def load(apps, schema_editor):
    from jiewang.party.indicators import load as load_rows

    load_rows(apps.get_model("assessment", "Indicator"))


def unload(apps, schema_editor):
    from jiewang.party.indicators import CODES

    apps.get_model("assessment", "Indicator").objects.filter(code__in=CODES).delete()


class Migration(migrations.Migration):
    dependencies = [("party", "0005_member_transfer_home_community_wish_photo"),
                    ("assessment", "0002_shipped_indicators")]

    operations = [migrations.RunPython(load, unload)]
