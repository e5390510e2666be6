"""The demo city's grid people ("1+3+N", 网格力量; see ``jiewang.staffing``).

Every grid gets a full-time grid worker (专职网格员): the bulk grid worker account ``gw<code>``
when the city was seeded with ``--grid-workers``, the demo login ``grid_worker`` on its grid,
otherwise a profile without an account. Where the demo logins work (the whole city at the small
scale, the demo town at the city scale) grids also get the rest of "1+3+N": a grid head (网格长:
a cadre of the community, who heads several of its grids), part-time workers on every other grid,
an instructor (网格指导员: a cadre of the town, one per five grids), micro-grid leads where there are
micro-grids, and N forces (in-service party members, the community police officer, property
staff, volunteers). Two grids of the demo community are left without a full-time worker (their
worker left a few days ago: history kept) so that the flag shows on the community's and the
town's pages and in their inboxes. Written in bulk (62,000 grids at the city scale), deterministic
for a seed.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
from django.db import connection
from django.utils import timezone

from jiewang.accounts.models import User
from jiewang.areas.choices import AreaLevel
from jiewang.areas.models import Area

from . import names

BATCH = 2000
UNSTAFFED_IN_DEMO_COMMUNITY = 2
FORCES = [("party_member", "在职党员", ["区税务局", "区教委", "区卫健委", "国网供电公司"]),
          ("property", "物业", ["鸿福物业", "金域物业", "安居物业"]),
          ("volunteer", "志愿者", ["社区志愿服务队", "退休党员志愿队"])]


def _phone(rng) -> str:
    return "1" + str(rng.choice([38, 39, 58, 77, 86])) + f"{int(rng.integers(0, 10**8)):08d}"


def _start(rng, today: dt.date, earliest: dt.date) -> dt.date:
    span = max((today - dt.timedelta(days=30) - earliest).days, 1)
    return earliest + dt.timedelta(days=int(rng.integers(0, span)))


def seed_staffing(*, plan, root_id: int) -> dict[str, int]:
    """Write the demo city's people and assignments; returns the counts for the seed's report."""
    from jiewang.staffing.models import GridMember, Person
    from jiewang.staffing.services.flags import run_daily

    from .seeding import GRID_WORKER_PREFIX, VALID_FROM, _demo_branch

    rng = np.random.default_rng([plan.seed, 11])
    today = timezone.localdate()
    root = Area.objects.get(pk=root_id)
    branch = _demo_branch(plan)
    full_scope = root.path if plan.scale == "small" else Area.objects.get(
        path__startswith=root.path, level=AreaLevel.TOWN, code=branch[AreaLevel.TOWN].code).path
    areas = list(Area.objects.filter(path__startswith=root.path, level__gte=AreaLevel.TOWN)
                 .values_list("id", "level", "code", "name", "path", "parent_id").order_by("path"))
    by_id = {a[0]: a for a in areas}
    grids = [a for a in areas if a[1] == AreaLevel.GRID]
    accounts = dict(User.objects.filter(username__startswith=GRID_WORKER_PREFIX).values_list("username", "id"))
    accounts.update(User.objects.filter(username="grid_worker").values_list("username", "id"))
    demo_grid_code, demo_community_code = branch[AreaLevel.GRID].code, branch[AreaLevel.COMMUNITY].code
    demo_community = [g for g in grids if by_id[g[5]][2] == demo_community_code and g[2] != demo_grid_code]
    unstaffed = {g[0] for g in demo_community[:UNSTAFFED_IN_DEMO_COMMUNITY]}

    people: list[Person] = []
    members: list[tuple[int, int, str, dt.date, dt.date | None, str]] = []  # person idx, grid, kind, start, end, why

    def person(name, area_id, unit="", user_id=None) -> int:
        a = by_id[area_id]
        people.append(Person(name=name, area_id=area_id, area_path=a[4], unit=unit, user_id=user_id,
                             work_phone=_phone(rng), personal_phone=_phone(rng) if rng.random() < 0.6 else ""))
        return len(people) - 1

    def serve(p, grid, kind, start=None, end=None, why=""):
        members.append((p, grid[0], kind, start or _start(rng, today, VALID_FROM), end, why))

    heads: dict[int, int] = {}  # community id -> its head (one cadre heads the community's grids)
    instructors: dict[int, tuple[int, int]] = {}  # town id -> (person, grids served)
    police: dict[int, int] = {}  # community id -> its police officer (社区民警)
    for grid in grids:
        community = by_id[grid[5]]
        town = by_id[community[5]]
        is_demo = grid[2] == demo_grid_code
        username = "grid_worker" if is_demo else f"{GRID_WORKER_PREFIX}{grid[2]}"
        worker = person(names.person_name(rng), community[0], f"{community[3]}网格工作站", accounts.get(username))
        if grid[0] in unstaffed:  # left a few days ago: the flag shows, the history too
            serve(worker, grid, "full_time", end=today - dt.timedelta(days=int(rng.integers(2, 6))), why="辞职")
        else:
            serve(worker, grid, "full_time")
        if not grid[4].startswith(full_scope):
            continue
        if is_demo:  # the demo grid's history: an earlier worker, moved to other work
            earlier = person(names.person_name(rng), community[0], f"{community[3]}网格工作站")
            serve(earlier, grid, "full_time", start=VALID_FROM, end=VALID_FROM + dt.timedelta(days=200), why="调岗")
            if f"{GRID_WORKER_PREFIX}{grid[2]}" in accounts:
                serve(person(names.person_name(rng), community[0], f"{community[3]}网格工作站",
                             accounts[f"{GRID_WORKER_PREFIX}{grid[2]}"]), grid, "part_time")
        if community[0] not in heads:
            heads[community[0]] = person(names.person_name(rng), community[0], f"{community[3]}党委")
            police[community[0]] = person(names.person_name(rng), town[0], f"{town[3]}派出所")
        serve(heads[community[0]], grid, "grid_head")
        serve(police[community[0]], grid, "police")
        inst = instructors.get(town[0])
        if inst is None or inst[1] >= 5:
            inst = (person(names.person_name(rng), town[0], f"{town[3]}办事处"), 0)
        instructors[town[0]] = (inst[0], inst[1] + 1)
        serve(inst[0], grid, "instructor")
        if rng.random() < 0.5:
            serve(person(names.person_name(rng), community[0], f"{community[3]}居委会"), grid, "part_time")
        for kind, _label, units in FORCES:
            for _ in range(int(rng.integers(0, 3))):
                serve(person(names.person_name(rng), community[0], str(rng.choice(units))), grid, kind)
    for micro in (a for a in areas if a[1] == AreaLevel.MICROGRID and a[4].startswith(full_scope)):
        serve(person(names.person_name(rng), by_id[by_id[micro[5]][5]][0], "楼栋长"), micro, "micro_lead")

    for start in range(0, len(people), BATCH):
        Person.objects.bulk_create(people[start:start + BATCH], batch_size=BATCH)
    if any(p.pk is None for p in people):  # a backend that does not return ids: match by insertion order
        ids = list(Person.objects.filter(area_path__startswith=root.path).order_by("id").values_list("id", flat=True))
        for p, pk in zip(people, ids[-len(people):], strict=True):
            p.pk = p.id = pk
    path_of = {a[0]: a[4] for a in areas}
    rows = [GridMember(person_id=people[p].pk, grid_id=g, grid_path=path_of[g], kind=kind, start_date=s,
                       end_date=e, end_reason=why, ended_at=timezone.now() if e else None)
            for p, g, kind, s, e, why in members]
    GridMember.objects.bulk_create(rows, batch_size=BATCH)
    flags = run_daily()
    return {"grid people": len(people), "grid assignments": len(rows), "unstaffed grids flagged": flags}


def delete_demo_staffing(root: Area) -> None:
    """Before the areas and the bulk grid workers they name: the demo city's people and flags."""
    from jiewang.staffing.models import GridMember, Person, UnstaffedFlag

    UnstaffedFlag.objects.filter(grid_path__startswith=root.path)._raw_delete(connection.alias)
    GridMember.objects.filter(grid_path__startswith=root.path)._raw_delete(connection.alias)
    GridMember.objects.filter(person__area_path__startswith=root.path).delete()
    Person.objects.filter(area_path__startswith=root.path)._raw_delete(connection.alias)
