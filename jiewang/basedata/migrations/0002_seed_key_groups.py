"""The key groups (重点人群) every deployment starts with (GB/T 31000's special groups and the
groups a grid cares for), with their default risk grade and visit frequency; editable afterwards."""

from django.db import migrations

# code, Chinese name, English name, default risk, visit every N days, sensitive
KEY_GROUPS = [
    ("elderly_alone", "独居老人", "Elderly living alone", "low", 30, False),
    ("disabled", "残疾人", "Disabled person", "low", 90, False),
    ("low_income", "低保对象", "Low-income (dibao) recipient", "low", 90, False),
    ("left_behind_child", "留守儿童", "Left-behind child", "low", 30, False),
    ("released", "刑满释放人员", "Released prisoner", "medium", 30, True),
    ("community_correction", "社区矫正对象", "Person under community correction", "high", 7, True),
    ("mental_illness", "严重精神障碍患者", "Person with severe mental illness", "high", 14, True),
    ("drug_user", "吸毒人员", "Drug user", "high", 14, True),
    ("key_youth", "重点青少年", "Key youth", "medium", 30, True),
]


def seed(apps, schema_editor):
    KeyGroup = apps.get_model("basedata", "KeyGroup")
    for order, (code, name, name_en, risk, days, sensitive) in enumerate(KEY_GROUPS, start=1):
        KeyGroup.objects.update_or_create(code=code, defaults=dict(
            name=name, name_en=name_en, default_risk=risk, visit_days=days, sensitive=sensitive, order=order))


def unseed(apps, schema_editor):
    apps.get_model("basedata", "KeyGroup").objects.filter(code__in=[g[0] for g in KEY_GROUPS]).delete()


class Migration(migrations.Migration):
    dependencies = [("basedata", "0001_initial")]
    operations = [migrations.RunPython(seed, unseed)]
