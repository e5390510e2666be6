"""The demo seeds one early-warning rule of each kind over the demo town (a --force reseed
replaces them); its keyword rule fires on a new event's text."""

from io import StringIO

import pytest
from django.core.management import call_command

from shapely.geometry import shape

from jiewang.areas.choices import AreaLevel
from jiewang.areas.models import Area
from jiewang.demo.seeding import seed_demo
from jiewang.warning.choices import RuleKind
from jiewang.warning.models import Alert, WarningRule
from jiewang.warning.testing import evaluate, report


@pytest.mark.django_db
def test_the_demo_town_has_a_rule_of_every_kind_and_force_replaces_them():
    from jiewang.accounts.models import RoleGrant

    result = seed_demo(scale="small", seed=1)
    town = RoleGrant.objects.get(user__username="town_leader", role="town_leader").area
    rules = WarningRule.objects.all()
    assert result.counts["warning rules"] == len(RuleKind.values)
    assert sorted(r.kind for r in rules) == sorted(RuleKind.values)
    assert all(r.area_id == town.id and r.enabled for r in rules)
    call_command("seed_demo", "--scale", "small", "--seed", "2", "--history", "0", "--force", stdout=StringIO())
    assert WarningRule.objects.count() == len(RuleKind.values)
    town = RoleGrant.objects.get(user__username="town_leader", role="town_leader").area
    grid = Area.objects.filter(path__startswith=town.path, level=AreaLevel.GRID).order_by("code").first()
    point = shape(grid.geometry).representative_point()
    report(title="工地农民工讨薪", at=(point.x, point.y))
    assert [a.kind for a in evaluate()] == ["keyword"]
    assert Alert.objects.get().rule.area_id == town.id
