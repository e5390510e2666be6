"""The demo city's patrols and visits (巡查走访; see ``jiewang.patrols``), so that the grid worker's
start screen, the patrol screen and the coverage pages show something on first start.

In the demo town: patrol rules on every grid (patrol every working day, check in at every
building once a week, visit every household once a month). In the demo community, for each grid
with a grid worker: a patrol (with a short GPS track inside the grid and two or three check-ins at
its buildings) on most working days of the last four weeks, and visits to about 60 % of the grid's households and to half of its key persons
when base data is there (``jiewang.demo.basedata``, seeded before); the demo login
``grid_worker`` has a patrol under way (40 minutes, two check-ins). Written in bulk, deterministic
for a seed; :func:`delete_demo_patrols` removes it all before the areas on ``--force``.
"""

from __future__ import annotations

import datetime as dt
import random
import uuid

from django.utils import timezone
from shapely.geometry import shape

from jiewang.accounts.choices import Role
from jiewang.accounts.models import RoleGrant
from jiewang.areas.models import Area
from jiewang.core import worktime
from jiewang.patrols.models import CheckIn, Patrol, PatrolRule, TrackBatch, TrackPoint, Visit
from jiewang.patrols.services.rules import DEFAULT_RULES

MODELS = (CheckIn, TrackPoint, TrackBatch, Visit, Patrol, PatrolRule)


def _walk(rng, grid, start: dt.datetime, n: int) -> list[tuple]:
    """``n`` fixes a minute apart, a random walk from a point inside the grid, kept inside it."""
    poly = shape(grid.geometry) if grid.geometry else None
    if poly is None:
        return []
    p = poly.representative_point()
    x, y, out = p.x, p.y, []
    for i in range(n):
        nx, ny = x + rng.uniform(-4e-4, 4e-4), y + rng.uniform(-4e-4, 4e-4)
        if poly.contains(type(p)(nx, ny)):
            x, y = nx, ny
        out.append((start + dt.timedelta(minutes=i), round(x, 7), round(y, 7)))
    return out


def _patrol(rng, worker_id, grid, start: dt.datetime, n: int, ongoing: bool = False):
    fixes = _walk(rng, grid, start, n)
    patrol = Patrol.objects.create(
        worker_id=worker_id, grid=grid, area_path=grid.path, started_at=start, day=timezone.localdate(start),
        status="ongoing" if ongoing else "ended", ended_at=None if ongoing else start + dt.timedelta(minutes=n),
        point_count=len(fixes), client_id=str(uuid.UUID(int=rng.getrandbits(128))))
    if fixes:
        batch = TrackBatch.objects.create(patrol=patrol, client_id=str(uuid.UUID(int=rng.getrandbits(128))),
                                          received_at=fixes[-1][0], point_count=len(fixes))
        TrackPoint.objects.bulk_create([TrackPoint(patrol=patrol, batch=batch, recorded_at=t, lon=x, lat=y,
                                                   accuracy_m=8.0) for t, x, y in fixes])
        Patrol.objects.filter(pk=patrol.pk).update(last_point_at=fixes[-1][0], last_lon=fixes[-1][1],
                                                   last_lat=fixes[-1][2], distance_m=60.0 * len(fixes))
    return patrol, fixes


def seed_patrols(*, seed: int = 1, now: dt.datetime | None = None) -> dict[str, int]:
    """Write the demo's patrols and visits where the demo login ``grid_worker`` works (its
    community, and rules over its town); returns the counts for the seed's report."""
    grant = RoleGrant.objects.active().filter(role=Role.GRID_WORKER, user__username="grid_worker") \
        .select_related("area__parent__parent").first()
    if grant is None or grant.area.parent is None or grant.area.parent.parent is None:
        return {}
    community, town = grant.area.parent, grant.area.parent.parent
    rng = random.Random(seed)
    now = now or timezone.now()
    today = timezone.localdate(now)
    grids = list(Area.objects.grids().filter(path__startswith=town.path, valid_to__isnull=True))
    PatrolRule.objects.bulk_create([PatrolRule(grid=g, area_path=g.path, kind=kind, every=every, unit=unit)
                                    for g in grids for kind, every, unit in DEFAULT_RULES])
    workers = dict(RoleGrant.objects.active().filter(role=Role.GRID_WORKER, area__path__startswith=community.path)
                   .values_list("area_id", "user_id"))
    demo_login = RoleGrant.objects.active().filter(role=Role.GRID_WORKER, user__username="grid_worker") \
        .values_list("area_id", "user_id").first()
    if demo_login:
        workers[demo_login[0]] = demo_login[1]
    # the working days of the last four weeks (the month before too: a demo started on the 1st
    # shows last month's work in the coverage pages)
    days = [d for d in (today - dt.timedelta(days=k) for k in range(28, 0, -1)) if worktime.is_workday(d)]
    tz = timezone.get_current_timezone()
    counts = {"patrols": 0, "visits": 0, "check-ins": 0}
    by_id = {g.pk: g for g in Area.objects.filter(pk__in=list(workers))}
    from jiewang.basedata.models import Building

    buildings: dict[int, list] = {}
    for b in Building.objects.filter(grid_id__in=list(workers)).order_by("pk"):
        buildings.setdefault(b.grid_id, []).append(b)
    for grid_id, user_id in sorted(workers.items()):
        grid = by_id.get(grid_id)
        if grid is None:
            continue
        for day in days:
            if rng.random() < 0.8:
                start = dt.datetime.combine(day, dt.time(9, rng.randint(0, 59)), tz)
                patrol, fixes = _patrol(rng, user_id, grid, start, rng.randint(20, 40))
                counts["patrols"] += 1
                counts["check-ins"] += _building_checkins(rng, patrol, fixes, buildings.get(grid_id, []))
        counts["visits"] += _visits(rng, user_id, grid, days or [today], tz)
    if demo_login and demo_login[0] in by_id:
        grid = by_id[demo_login[0]]
        patrol, fixes = _patrol(rng, demo_login[1], grid, now - dt.timedelta(minutes=40), 40, ongoing=True)
        for i, note in ((10, "3栋门口：消防通道畅通"), (30, "菜市场东门：流动摊点已劝离")):
            if i < len(fixes):
                CheckIn.objects.create(patrol=patrol, client_id=f"demo-{i}", at=fixes[i][0], lon=fixes[i][1],
                                       lat=fixes[i][2], note=note)
        counts["patrols"] += 1
    counts["patrol rules"] = len(grids) * len(DEFAULT_RULES)
    return counts


def _building_checkins(rng, patrol, fixes, buildings) -> int:
    """Two or three check-ins of a patrol, each at one of the grid's buildings (楼栋: the rule
    "every building once a week" counts them), at the time of a fix of the track."""
    if not fixes or not buildings:
        return 0
    picks = rng.sample(buildings, min(len(buildings), rng.randint(2, 3)))
    rows = []
    for i, b in enumerate(picks):
        t, lon, lat = fixes[min(len(fixes) - 1, (i + 1) * len(fixes) // (len(picks) + 1))]
        rows.append(CheckIn(patrol=patrol, client_id=f"demo-b{i}", at=t, lon=b.lon if b.lon is not None else lon,
                            lat=b.lat if b.lat is not None else lat, building=b,
                            note=f"{b.road}{b.number}{b.name}：巡查正常"))
    CheckIn.objects.bulk_create(rows)
    return len(rows)


def _visits(rng, user_id, grid, days, tz) -> int:
    from jiewang.basedata.models import House, KeyPerson

    from jiewang.patrols.coverage import RESIDENTIAL

    houses = list(House.objects.filter(grid=grid, use__in=RESIDENTIAL).values_list("pk", flat=True))
    kps = list(KeyPerson.objects.filter(grid=grid, ended_at__isnull=True).values_list("pk", "resident__house_id"))
    rows = []
    findings = ["家中一切正常", "老人身体较好，独自生活", "反映楼道灯不亮", "希望增加社区助餐服务", "租户信息已核实",
                "提醒注意燃气安全", "孩子上学有困难，需要帮扶"]
    for pk in houses:
        if rng.random() < 0.6:
            at = dt.datetime.combine(rng.choice(days), dt.time(rng.randint(9, 17), rng.randint(0, 59)), tz)
            rows.append(Visit(worker_id=user_id, grid=grid, area_path=grid.path, subject="household", house_id=pk,
                              visited_at=at, findings=rng.choice(findings)))
    for pk, house_id in kps:
        if rng.random() < 0.5:
            at = dt.datetime.combine(rng.choice(days), dt.time(rng.randint(9, 17), rng.randint(0, 59)), tz)
            rows.append(Visit(worker_id=user_id, grid=grid, area_path=grid.path, subject="key_person",
                              house_id=house_id, key_person_id=pk, visited_at=at, findings=rng.choice(findings)))
    Visit.objects.bulk_create(rows, batch_size=500)
    return len(rows)


def delete_demo_patrols(root: Area) -> None:
    """Everything the patrols hold under the demo city (children first), before its areas go."""
    for model in MODELS:
        field = "patrol__area_path" if model in (CheckIn, TrackPoint, TrackBatch) else "area_path"
        model.objects.filter(**{f"{field}__startswith": root.path}).delete()
