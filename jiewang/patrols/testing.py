"""Test helpers of patrols and visits: a second grid's worker, points and batches, and the fuzz
world (tests/test_api_fuzz.py)."""

from __future__ import annotations

import uuid

from django.utils import timezone

# Inside 甲社区第1网格 (lon 106.0–106.125, lat 29.0–29.5 in jiewang/core/testing.py), ~19 m east of
# its edge (inside the 30 m tolerance), and ~485 m east of it (outside).
INSIDE, NEAR_EDGE, OUTSIDE = (106.06, 29.2), (106.1252, 29.2), (106.13, 29.2)


def other_grid_worker(tree):
    """A grid worker of 乙社区第1网格 (another community's grid)."""
    from jiewang.accounts.choices import Role
    from jiewang.accounts.models import RoleGrant, User

    u = User.objects.create_user("other_grid_worker", password="pw-other-2026", display_name="李四")
    RoleGrant.objects.create(user=u, role=Role.GRID_WORKER, area=tree.g3)
    return u


def start(worker, grid):
    from .services.patrols import patrol_start

    return patrol_start(actor=worker, grid=grid)[0]


def point(lon_lat, seconds_ago: float = 10.0, acc: float | None = 5.0) -> dict:
    t = int((timezone.now().timestamp() - seconds_ago) * 1000)
    return {"t": t, "lon": lon_lat[0], "lat": lon_lat[1], "acc": acc}


def batch(*points, batch_id: str | None = None) -> dict:
    return {"batch_id": batch_id or str(uuid.uuid4()), "points": list(points)}


def second_grid_worker(tree):
    """Another grid worker of 甲社区第1网格 (the permission matrix starts a patrol as them)."""
    from jiewang.accounts.choices import Role
    from jiewang.accounts.models import RoleGrant, User

    u = User.objects.create_user("grid_worker2", password="pw-gw2-2026", display_name="赵六")
    RoleGrant.objects.create(user=u, role=Role.GRID_WORKER, area=tree.g1)
    return u


def patrols_world(tree, people, loop) -> dict:
    """A rule, a patrol (with a batch and a check-in at a building) and a visit of the grid worker in
    甲社区第1网格 (a house of its own), for the permission matrix and the API fuzz run."""
    import datetime as dt

    from jiewang.basedata.testing import house_at

    from .services.visits import visit_record

    from .services.patrols import checkin_add
    from .services.rules import rule_create
    from .services.track import track_batch_add

    rule = rule_create(actor=None, grid=tree.g1, kind="patrol", every=1, unit="working_day")
    patrol = start(people.grid_worker, tree.g1)
    patrol.started_at = timezone.now() - dt.timedelta(minutes=30)
    patrol.save(update_fields=["started_at"])
    track_batch_add(actor=people.grid_worker, patrol=patrol, client_id="fuzz-1", points=[point(INSIDE)])
    house = house_at(tree.g1, road="巡查路", number="1号", room="909")
    checkin_add(actor=people.grid_worker, patrol=patrol, client_id="fuzz-c1", at=timezone.now(), lon=INSIDE[0],
                lat=INSIDE[1], building_id=house.address.building_id)
    visit, _ = visit_record(actor=people.grid_worker, house=house, findings="路灯不亮", lon=INSIDE[0], lat=INSIDE[1])
    return {"rule_id": rule.pk, "patrol_id": patrol.pk, "visit_id": visit.pk, "house_id_patrols": house.pk,
            "building_id_patrols": house.address.building_id}
