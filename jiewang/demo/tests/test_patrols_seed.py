"""The demo city's patrols and visits (jiewang/demo/patrols.py): rules on every grid of the demo
town, past patrols of the demo community's grid workers, the demo login's patrol under way, and their
deletion before a --force reseed."""

from __future__ import annotations

import pytest
from django.db.models import F

from jiewang.areas.choices import AreaLevel
from jiewang.areas.models import Area
from jiewang.demo.seeding import seed_demo
from jiewang.patrols.models import CheckIn, Patrol, PatrolRule, TrackPoint

pytestmark = pytest.mark.django_db


def test_demo_city_has_patrols_and_rules_and_reseeds():
    seed_demo(scale="small", seed=3, history=0)
    ongoing = Patrol.objects.get(worker__username="grid_worker", status="ongoing")
    assert TrackPoint.objects.filter(patrol=ongoing).count() == ongoing.point_count == 40
    assert CheckIn.objects.filter(patrol=ongoing).count() == 2
    town = Area.objects.get(pk=ongoing.grid.ancestor_ids()[2])
    assert town.level == AreaLevel.TOWN
    grids = Area.objects.grids().filter(path__startswith=town.path).count()
    assert PatrolRule.objects.count() == 3 * grids
    # past patrols over the last four weeks check in at buildings of their own grid, so the rule
    # "every building once a week" has something to count from the first start, even on the 1st
    past = Patrol.objects.filter(status="ended")
    assert past.count() > 10 and past.dates("day", "day").count() > 10
    at_buildings = CheckIn.objects.filter(patrol__in=past, building__isnull=False)
    assert at_buildings.count() >= 2 * past.count()
    assert not at_buildings.exclude(building__grid_id=F("patrol__grid_id")).exists()
    # what a --force reseed runs before deleting the areas
    from jiewang.demo.patrols import MODELS, delete_demo_patrols

    delete_demo_patrols(Area.objects.get(parent__isnull=True))
    assert [m.objects.count() for m in MODELS] == [0] * len(MODELS)
