"""The demo city's grid people (jiewang/demo/staffing.py): every grid a full-time worker but the
two left unstaffed in the demo community (flagged, their community and town told), the rest of
"1+3+N" where the demo logins work, the bulk grid worker accounts linked, and --force replacing it."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from jiewang.accounts.models import User
from jiewang.areas.choices import AreaLevel
from jiewang.areas.models import Area
from jiewang.demo.seeding import seed_demo
from jiewang.notifications.models import Notification
from jiewang.staffing.models import GridMember, Person, UnstaffedFlag
from jiewang.staffing.selectors import my_grid_ids, unstaffed_grids

pytestmark = pytest.mark.django_db


def test_demo_city_is_staffed_but_two_grids_and_they_are_flagged():
    result = seed_demo(scale="small", seed=6, grid_workers=True)
    grids = Area.objects.filter(level=AreaLevel.GRID)
    unstaffed = list(unstaffed_grids())
    assert len(unstaffed) == 2 and result.counts["unstaffed grids flagged"] == 2
    community_staff = User.objects.get(username="community_staff")
    community = community_staff.role_grants.get().area
    assert {g.parent_id for g in unstaffed} == {community.pk}
    assert set(UnstaffedFlag.objects.values_list("grid_id", flat=True)) == {g.pk for g in unstaffed}
    told = set(Notification.objects.filter(kind="staffing.unstaffed").values_list("recipient__username", flat=True))
    assert told == {"community_staff", "town_operator", "town_leader"}
    # The unstaffed grids keep their history: a full-time worker who left.
    for g in unstaffed:
        assert GridMember.objects.filter(grid=g, kind="full_time", end_date__isnull=False).exists()
    # 1+3+N at the small scale everywhere: a head, an instructor and police in every grid.
    for kind in ("grid_head", "instructor", "police"):
        assert set(GridMember.objects.active().filter(kind=kind).values_list("grid_id", flat=True)) == \
            set(grids.values_list("pk", flat=True))
    # The bulk grid workers are the full-time workers of their grids; the demo login of its grid.
    worker = User.objects.get(username="grid_worker")
    demo_grid = worker.role_grants.get().area
    assert GridMember.objects.active().get(grid=demo_grid, kind="full_time").person.user == worker
    assert my_grid_ids(worker)[0] == demo_grid.pk
    gw = Person.objects.filter(user__username__regex=r"^gw[0-9]{15}$")
    assert gw.count() == 60
    phones = Person.objects.exclude(work_phone="")
    assert phones.count() == Person.objects.count()
    call_command("seed_demo", "--scale", "small", "--seed", "6", "--history", "0", "--force", stdout=StringIO())
    assert Person.objects.filter(user__isnull=False).count() == 1  # only the demo login: no bulk workers now
    assert len(list(unstaffed_grids())) == 2
