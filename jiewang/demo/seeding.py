"""Writing a generated demo city (:mod:`jiewang.demo.citygen`) to the database, fast.

:func:`seed_demo` is the one entry point (``manage.py seed_demo`` calls it). It is a bulk loader,
not a chain of per-row services: 74,000 areas through ``area_create`` would take an hour, so it
writes with ``bulk_create`` level by level (a child's parent is always inserted first, which the
area-level trigger requires), sets ``path`` with one SQL ``UPDATE`` per level, and records the
side effects the services would have: one :class:`AreaBoundary` per area, one
:class:`BoundaryRevision` bump and one ``demo.seed`` audit row for the whole load. Everything runs
in one transaction, so a failed load leaves nothing behind.

Idempotence and ``--force``: when the demo root (code ``500000`` with no parent) exists, nothing
is written unless ``force``. ``force`` deletes the demo city and reseeds it, and refuses (writing
nothing) unless the database holds only demo data: every area is in the demo tree, every user is
a demo login, and no model outside the areas/accounts/audit apps (and Django's own bookkeeping:
sessions, admin log, axes) has any row — real events or patrols are never thrown away by a demo
command. Audit rows are kept (the trail is append-only). The demo history
(:mod:`jiewang.demo.history`, written after the city commits) is replaced too, but only as
seeded: its events are the ones its ``demo.history`` audit row names and nobody has acted on
them since (no activity after the history's end); its staff users go with it.

Bulk grid workers (``grid_workers=True``, ``--grid-workers``): one per grid, username ``gw`` + the
grid's code, unusable password, bulk created; --force deletes them with the demo city.

Demo logins: one user per role on one branch of the tree (an urban district, its first street,
that street's first community, its first comprehensive grid), all with the password
:data:`DEMO_PASSWORD`, hashed once with the configured hasher (Argon2 is deliberately slow) and
the same hash reused for every demo user. A demo username that already exists is left untouched
(its password is not reset); it only receives its role grant.
"""

from __future__ import annotations

import datetime as dt
import json
import secrets
import time
from dataclasses import dataclass, field

import numpy as np
import shapely
from django.apps import apps
from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX, make_password
from django.db import connection, transaction
from django.utils import timezone

from jiewang.accounts.choices import Role
from jiewang.accounts.models import Board, Department, Post, RoleGrant, User
from jiewang.areas.choices import AreaLevel, GridType
from jiewang.areas.geometry import bbox_fields, polygonal_part
from jiewang.areas.models import Area, AreaBoundary, BoundaryRevision
from jiewang.audit.services import audit_record
from jiewang.core.errors import Conflict

from . import names
from .basedata import delete_basedata, seed_basedata, untouched_reasons as basedata_untouched
from .admission import delete_admission, seed_admission
from .bulletins import seed_last_month_bulletin
from .citygen import CityPlan, PlanNode, Progress, generate_city
from .supervision import seed_supervision
from .warning_rules import delete_warning_rules, seed_warning_rules

DEMO_PASSWORD = "jiewang-demo-2026"
DEMO_ROOT_CODE = names.CITY_CODE
# The reform's start ("党建扎桩·治理结网", July 2023): demo areas are valid from then.
VALID_FROM = dt.date(2023, 7, 1)
COORD_DECIMALS = 7  # ≈ 1 cm
BATCH = 2000
# Apps whose rows a --force reseed may replace or keep; any other app holding rows blocks it.
FORCE_OK_APPS = {"areas", "accounts", "audit", "demo", "auth", "contenttypes", "sessions",
                 "admin", "axes", "messages", "staticfiles",
                 "party"}  # the demo town's party data (jiewang.demo.party), replaced with the city


@dataclass(frozen=True)
class DemoUser:
    username: str
    role: str  # a Role value, or "superuser"
    display_name: str
    level: int  # the level of the area the role is granted on


DEMO_USERS: list[DemoUser] = [
    DemoUser("admin", "superuser", "系统管理员", AreaLevel.CITY),
    DemoUser("district_admin", Role.DISTRICT_ADMIN, "区县管理员", AreaLevel.DISTRICT),
    DemoUser("town_leader", Role.TOWN_LEADER, "镇街领导", AreaLevel.TOWN),
    DemoUser("town_operator", Role.TOWN_OPERATOR, "指挥中心值班员", AreaLevel.TOWN),
    DemoUser("commander", Role.COMMANDER, "指挥长", AreaLevel.TOWN),
    DemoUser("duty_leader", Role.DUTY_LEADER, "值班长", AreaLevel.TOWN),
    DemoUser("community_staff", Role.COMMUNITY_STAFF, "社区工作人员", AreaLevel.COMMUNITY),
    DemoUser("grid_worker", Role.GRID_WORKER, "网格员", AreaLevel.GRID),
    DemoUser("department_staff", Role.DEPARTMENT_STAFF, "部门工作人员", AreaLevel.DISTRICT),
    DemoUser("post_staff", Role.POST_STAFF, "综合执法大队工作人员", AreaLevel.TOWN),
    DemoUser("board_leader", Role.BOARD_LEADER, "平安法治板块分管领导", AreaLevel.TOWN),
    DemoUser("resident", Role.RESIDENT, "居民", AreaLevel.GRID),
    DemoUser("party_staff", Role.PARTY_STAFF, "街道党建办工作人员", AreaLevel.TOWN),
    # An in-service party member (a teacher) living in the demo grid: a resident whose account is linked
    # to a member (jiewang.demo.party), reported in to the demo community.
    DemoUser("party_member", Role.RESIDENT, "在职党员李老师", AreaLevel.GRID),
]
GRID_WORKER_PREFIX = "gw"  # bulk grid workers: gw + the grid's 15-digit code
GRID_WORKER_RE = r"^gw[0-9]{15}$"
DEMO_DEPARTMENT_SUFFIX = "城市管理局"  # department_staff works for the district's 城市管理局
DEMO_POST = "综合执法大队"  # post_staff holds this post of the demo town; board_leader leads its board


@dataclass
class DemoLogin:
    """One row of the demo-login table."""

    username: str
    password: str
    role: str
    role_label: str
    area_name: str
    area_code: str
    department: str = ""


@dataclass
class SeedResult:
    created: bool
    message: str
    scale: str = ""
    seed: int = 0
    counts: dict[str, int] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)
    logins: list[DemoLogin] = field(default_factory=list)
    repaired_geometries: int = 0
    root_id: int | None = None
    history: object = None  # a jiewang.demo.history.HistoryResult when history was generated


def demo_root() -> Area | None:
    return Area.objects.filter(parent__isnull=True, code=DEMO_ROOT_CODE).first()


# --- Entry point ---------------------------------------------------------------------------------


def seed_demo(*, scale: str = "small", seed: int = 1, force: bool = False,
              grid_workers: bool = False, progress: Progress | None = None,
              plan: CityPlan | None = None, history: int = 0,
              history_rate: float | None = None, now: dt.datetime | None = None,
              strict_history: bool = False) -> SeedResult:
    """Generate the demo city and write it. Does nothing if it exists (unless ``force``, see the
    module docstring). ``grid_workers`` also creates one grid worker per grid (username
    ``gw`` + the grid's 15-digit code, unusable password: for benchmarks and realistic lists, not
    for signing in). ``plan`` lets a caller pass an already generated plan.

    ``history`` months of past events (none by default here; ``manage.py seed_demo`` asks for
    :data:`jiewang.demo.history.DEFAULT_MONTHS`) are then generated through the services (:mod:`jiewang.demo.history`), ending at ``now``
    (default: the real current time), at ``history_rate`` events per grid and week; at the
    ``city`` scale only in the demo town (the one the demo logins work in)."""
    timings: dict[str, float] = {}
    root = demo_root()
    if root is not None and not force:
        return SeedResult(False, f"演示城市 {root.name} ({root.code}) 已存在，未做任何修改 / "
                                 "The demo city already exists; nothing written (use --force to "
                                 "replace it).", logins=demo_logins())
    if root is not None:
        _ensure_only_demo_data(root)
    t = time.perf_counter()
    if plan is None:
        plan = generate_city(scale, seed, progress=progress)
    timings.update({f"generate: {k}": v for k, v in plan.timings.items()})
    timings["generate (total)"] = time.perf_counter() - t
    with transaction.atomic():
        if root is not None:
            t = time.perf_counter()
            _delete_demo(root, progress)
            timings["delete old demo"] = time.perf_counter() - t
        result = _write(plan, progress, timings, grid_workers=grid_workers)
        from .staffing import seed_staffing

        result.counts.update(seed_staffing(plan=plan, root_id=result.root_id))  # 网格力量 (1+3+N)
        result.counts.update(seed_basedata(community=_demo_area(result.root_id, plan, AreaLevel.COMMUNITY), seed=plan.seed))
        from .patrols import seed_patrols

        result.counts.update(seed_patrols(seed=plan.seed))  # 巡查走访 (after the base data: visits need houses)
        from jiewang.events.services.catalog import catalog_seed

        result.counts["matter categories"] = catalog_seed()
        result.counts["duty items in force"] = seed_admission(Area.objects.get(pk=result.root_id))  # 职责事项准入
        result.timings = timings
        audit_record(actor=None, action="demo.seed", obj=Area.objects.get(pk=result.root_id),
                     data={"scale": plan.scale, "seed": plan.seed, "replaced": root is not None,
                           "grid_workers": grid_workers, "counts": result.counts})
    from .party import seed_party

    result.counts.update(seed_party(seed=plan.seed, now=now))
    # The history runs after the city committed: the locator's index of this boundary revision is
    # built from committed areas (a rolled-back city must not leave an index behind on disk).
    months = history
    if months > 0:
        from .history import generate_history

        t = time.perf_counter()
        new_root = Area.objects.get(pk=result.root_id)
        scope = _history_scope(new_root, plan) if plan.scale != "small" else None
        hist = generate_history(root=new_root, months=months, seed=plan.seed, rate=history_rate,
                                scale=plan.scale, scope=scope, now=now, strict=strict_history,
                                progress=progress)
        result.counts["supervision by hand"] = seed_supervision(until=hist.until)  # 限期督办 (demo/supervision.py)
        audit_record(actor=None, action="demo.history", obj=new_root, data=hist.as_dict())
        result.history = hist
        result.counts["history events"] = hist.events
        timings["history"] = time.perf_counter() - t
    seed_last_month_bulletin(Area.objects.get(pk=result.root_id))  # 月度通报, once the assessment exists
    result.counts["warning rules"] = seed_warning_rules()
    result.logins = demo_logins()
    return result


def _demo_area(root_id: int, plan: CityPlan, level: int) -> Area:
    """The area of the demo branch (where the demo logins work) at ``level``."""
    return Area.objects.get(path__startswith=Area.objects.get(pk=root_id).path, level=level,
                            code=_demo_branch(plan)[level].code)


def _history_scope(root: Area, plan: CityPlan) -> Area:
    """At the city scale the history covers the demo town, the street the demo logins work in
    (~90 grids): 62,000 grids, or even the 1,200 of its district, would take hours through the
    services."""
    town = _demo_branch(plan)[AreaLevel.TOWN]
    return Area.objects.get(path__startswith=root.path, level=AreaLevel.TOWN, code=town.code)


# --- Writing -------------------------------------------------------------------------------------


def _geojson_level(nodes: list[PlanNode]) -> tuple[list[dict], list, int]:
    """Rounded GeoJSON dicts (lists, not tuples) and the rounded shapely geometries of ``nodes``;
    the few geometries that rounding made invalid are repaired."""
    geoms = np.array([n.geometry for n in nodes], dtype=object)
    rounded = shapely.transform(geoms, lambda c: np.round(c, COORD_DECIMALS))
    bad = np.flatnonzero(~shapely.is_valid(rounded))
    for i in bad:
        rounded[i] = polygonal_part(shapely.make_valid(rounded[i]))
    texts = shapely.to_geojson(rounded)
    return [json.loads(s) for s in texts], list(rounded), len(bad)


def _progress(progress, stage, done, total):
    if progress:
        progress(stage, done, total)


def _write(plan: CityPlan, progress: Progress | None, timings: dict[str, float], *,
           grid_workers: bool = False) -> SeedResult:
    nodes = plan.nodes
    now = timezone.now()
    ids: dict[int, int] = {}  # plan index -> Area id
    repaired = 0
    counts: dict[str, int] = {}
    for level in AreaLevel:
        level_nodes = sorted(plan.level(level), key=lambda n: n.code)
        if not level_nodes:
            continue
        label = level.name.lower()
        t = time.perf_counter()
        gj, shapes, bad = _geojson_level(level_nodes)
        repaired += bad
        objs = [
            Area(level=int(level), code=n.code, name=n.name, parent_id=ids.get(n.parent),
                 grid_type=n.grid_type, population=n.population, households=n.households,
                 geometry=g, valid_from=VALID_FROM, path="", **bbox_fields(s))
            for n, g, s in zip(level_nodes, gj, shapes, strict=False)
        ]
        for start in range(0, len(objs), BATCH):
            Area.objects.bulk_create(objs[start:start + BATCH], batch_size=BATCH)
            _progress(progress, f"areas:{label}", min(start + BATCH, len(objs)), len(objs))
        if any(o.pk is None for o in objs):  # a backend that does not return ids
            parent_ids = {o.parent_id for o in objs}
            rows = Area.objects.filter(level=level, parent_id__in=parent_ids)
            got = {(p, c): i for p, c, i in rows.values_list("parent_id", "code", "id")}
            for o in objs:
                o.pk = o.id = got[(o.parent_id, o.code)]
        for n, o in zip(level_nodes, objs, strict=False):
            ids[n.index] = o.pk
        _set_paths(level, ids[0])
        boundaries = [AreaBoundary(area_id=o.pk, geometry=g, valid_from=now, reason="demo seed")
                      for o, g in zip(objs, gj, strict=False)]
        for start in range(0, len(boundaries), BATCH):
            AreaBoundary.objects.bulk_create(boundaries[start:start + BATCH], batch_size=BATCH)
            _progress(progress, f"boundaries:{label}", min(start + BATCH, len(objs)), len(objs))
        counts[label] = len(objs)
        timings[f"areas: {label}"] = time.perf_counter() - t

    t = time.perf_counter()
    towns = [n for n in nodes if n.level == AreaLevel.TOWN]
    n_boards, n_posts = _write_boards(towns, ids, progress)
    counts["boards"], counts["posts"] = n_boards, n_posts
    timings["boards and posts"] = time.perf_counter() - t

    t = time.perf_counter()
    depts = _write_departments(plan, ids)
    counts["departments"] = len(depts)
    timings["departments"] = time.perf_counter() - t

    t = time.perf_counter()
    counts["users"] = _write_users(plan, ids)
    counts["duty roster days"] = _write_roster(plan, ids)
    timings["users"] = time.perf_counter() - t

    if grid_workers:
        t = time.perf_counter()
        counts["grid workers"] = _write_grid_workers(plan, ids, progress)
        timings["grid workers"] = time.perf_counter() - t

    BoundaryRevision.bump()
    return SeedResult(True, "演示城市已生成 / Demo city seeded.", plan.scale, plan.seed,
                      counts=counts, repaired_geometries=repaired, root_id=ids[0])


def _set_paths(level: int, root_id: int) -> None:
    """path = parent's path + own id + "/", for the new rows of one level, in one statement."""
    table = Area._meta.db_table
    with connection.cursor() as cur:
        if level == AreaLevel.CITY:
            cur.execute(f"UPDATE {table} SET path = '/' || CAST(id AS TEXT) || '/' WHERE id = %s",
                        [root_id])
            return
        root_path = f"/{root_id}/"
        cur.execute(
            f"UPDATE {table} SET path ="
            f" (SELECT p.path FROM {table} p WHERE p.id = {table}.parent_id)"
            f" || CAST(id AS TEXT) || '/'"
            f" WHERE level = %s AND path = '' AND parent_id IN"
            f" (SELECT q.id FROM {table} q WHERE q.level = %s AND q.path LIKE %s)",
            [int(level), int(level) - 1, root_path + "%"],
        )


def _write_boards(towns: list[PlanNode], ids: dict[int, int], progress) -> tuple[int, int]:
    from jiewang.accounts.board_seed import BOARD_NAMES, TOWN_POSTS

    boards = [Board(town_id=ids[t.index], kind=kind, name=name)
              for t in towns for kind, name in BOARD_NAMES.items()]
    for start in range(0, len(boards), BATCH):
        Board.objects.bulk_create(boards[start:start + BATCH], batch_size=BATCH)
        _progress(progress, "boards", min(start + BATCH, len(boards)), len(boards))
    if any(b.pk is None for b in boards):
        got = {(tw, k): i for tw, k, i in Board.objects.filter(
            town_id__in=[ids[t.index] for t in towns]).values_list("town_id", "kind", "id")}
        for b in boards:
            b.pk = b.id = got[(b.town_id, b.kind)]
    posts = [Post(board_id=b.pk, name=pname, duties=duties)
             for b in boards for pname, duties in TOWN_POSTS[b.kind]]
    for start in range(0, len(posts), BATCH):
        Post.objects.bulk_create(posts[start:start + BATCH], batch_size=BATCH)
        _progress(progress, "posts", min(start + BATCH, len(posts)), len(posts))
    return len(boards), len(posts)


def _write_departments(plan: CityPlan, ids: dict[int, int]) -> list[Department]:
    depts = [Department(area_id=ids[0], name=name, code=f"{plan.root.code}-{k:02d}", phone=f"023-6{k:02d}12345")
             for k, name in enumerate(names.CITY_DEPARTMENTS, start=1)]
    from jiewang.events.catalog_data import DISTRICT_DEPARTMENTS

    for d in plan.level(AreaLevel.DISTRICT):
        # The matter catalog routes by department code (the same code in every district): 城市管理局
        # of 江北区 is "江北区城市管理局" with code "cgj".
        for k, (code, name) in enumerate(DISTRICT_DEPARTMENTS, start=1):
            depts.append(Department(area_id=ids[d.index], name=d.name + name,
                                    code=code, phone=f"023-{d.code[-3:]}{k:02d}123"))
    Department.objects.bulk_create(depts, batch_size=BATCH)
    return depts


def _demo_branch(plan: CityPlan) -> dict[int, PlanNode]:
    """The areas the demo logins work on: the first urban district, its first street (街道), the
    street's first 社区, and that community's first comprehensive grid."""
    nodes = plan.nodes
    district = min((n for n in plan.level(AreaLevel.DISTRICT) if n.urban),
                   key=lambda n: n.code, default=plan.level(AreaLevel.DISTRICT)[0])
    towns = sorted((nodes[i] for i in district.children), key=lambda n: n.code)
    town = next((t for t in towns if t.kind == "街道" and len(t.children) > 0), towns[0])
    comms = sorted((nodes[i] for i in town.children), key=lambda n: n.code)
    community = next((c for c in comms if c.kind == "社区"), comms[0])
    grids = sorted((nodes[i] for i in community.children), key=lambda n: n.code)
    grid = next((g for g in grids if g.grid_type == GridType.COMPREHENSIVE), grids[0])
    return {AreaLevel.CITY: plan.root, AreaLevel.DISTRICT: district, AreaLevel.TOWN: town,
            AreaLevel.COMMUNITY: community, AreaLevel.GRID: grid}


def _write_users(plan: CityPlan, ids: dict[int, int]) -> int:
    branch = _demo_branch(plan)
    district_id = ids[branch[AreaLevel.DISTRICT].index]
    dept = Department.objects.get(area_id=district_id,
                                  name=branch[AreaLevel.DISTRICT].name + DEMO_DEPARTMENT_SUFFIX)
    town_id = ids[branch[AreaLevel.TOWN].index]
    post = Post.objects.select_related("board").get(board__town_id=town_id, name=DEMO_POST)
    usernames = [d.username for d in DEMO_USERS]
    existing = set(User.objects.filter(username__in=usernames).values_list("username", flat=True))
    password = make_password(DEMO_PASSWORD)  # once: Argon2 is slow on purpose
    new = [User(username=d.username, display_name=d.display_name, password=password,
                is_superuser=d.role == "superuser", is_staff=d.role == "superuser")
           for d in DEMO_USERS if d.username not in existing]
    User.objects.bulk_create(new)
    users = {u.username: u for u in User.objects.filter(username__in=usernames)}
    grants = []
    for d in DEMO_USERS:
        if d.role == "superuser":
            continue
        area_id = ids[branch[d.level].index]
        user = users[d.username]
        if not RoleGrant.objects.filter(user=user, role=d.role, area_id=area_id).exists():
            grants.append(RoleGrant(user=users[d.username], role=d.role, area_id=area_id,
                                    department=dept if d.role == Role.DEPARTMENT_STAFF else None,
                                    post=post if d.role == Role.POST_STAFF else None,
                                    board=post.board if d.role == Role.BOARD_LEADER else None))
    RoleGrant.objects.bulk_create(grants)
    return len(new)


def _write_roster(plan: CityPlan, ids: dict[int, int]) -> int:
    """The demo town's duty roster (值班表) for this month and the coming week: the duty leader on
    weekdays, the town leader at weekends (领导带班), the center's operator every day."""
    from jiewang.duty.models import DutyDay
    from jiewang.duty.services.common import local_date

    town_id = ids[_demo_branch(plan)[AreaLevel.TOWN].index]
    users = dict(User.objects.filter(username__in=["duty_leader", "town_leader", "town_operator"])
                 .values_list("username", "id"))
    today = local_date()
    day, last = today.replace(day=1), max((today.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
                                         - dt.timedelta(days=1), today + dt.timedelta(days=7))
    days = []
    while day <= last:
        if not DutyDay.objects.filter(town_id=town_id, date=day).exists():
            days.append(DutyDay(town_id=town_id, date=day,
                                leader_id=users["duty_leader" if day.weekday() < 5 else "town_leader"]))
        day += dt.timedelta(days=1)
    DutyDay.objects.bulk_create(days)
    through = DutyDay.operators.through
    through.objects.bulk_create([through(dutyday_id=d.pk, user_id=users["town_operator"])
                                 for d in DutyDay.objects.filter(town_id=town_id, date__in=[d.date for d in days])])
    return len(days)


def _write_grid_workers(plan: CityPlan, ids: dict[int, int], progress) -> int:
    """One full-time grid worker (专职网格员) per grid, bulk created with unusable passwords."""
    rng = np.random.default_rng([plan.seed, 3])
    grids = sorted(plan.level(AreaLevel.GRID), key=lambda n: n.code)
    total = 0
    for start in range(0, len(grids), BATCH):
        chunk = grids[start:start + BATCH]
        # What make_password(None) stores, minus its per-character random.choice cost.
        users = [User(username=f"{GRID_WORKER_PREFIX}{g.code}", display_name=names.person_name(rng),
                      password=UNUSABLE_PASSWORD_PREFIX + secrets.token_urlsafe(30))
                 for g in chunk]
        User.objects.bulk_create(users, batch_size=BATCH)
        if any(u.pk is None for u in users):
            got = dict(User.objects.filter(username__in=[u.username for u in users])
                       .values_list("username", "id"))
            for u in users:
                u.pk = u.id = got[u.username]
        RoleGrant.objects.bulk_create(
            [RoleGrant(user_id=u.pk, role=Role.GRID_WORKER, area_id=ids[g.index])
             for u, g in zip(users, chunk, strict=False)], batch_size=BATCH)
        total += len(users)
        _progress(progress, "grid workers", total, len(grids))
    return total


# --- Replacing (--force) -------------------------------------------------------------------------


# Configuration that a reseed keeps as it is (the catalog is seeded idempotently).
FORCE_OK_MODELS = {"events.mattercategory", "core.workdayoverride",
                   "duty.dutyday",  # the demo town's roster, replaced with the city
                   "duty.alarm",  # alarms of the history's urgent events of the last day, deleted with it
                   "warning.warningcursor",  # the early warning's high-water marks (made by its migration)
                   "warning.warningrule", "warning.alert",  # the demo's rules and their alerts (warning_rules.py)
                   "assessment.indicator",  # the shipped indicators (made by the assessment's migration)
                   "stats.rollupmark",  # the rollups' high-water mark
                   # the grid people seeded with the city (jiewang/demo/staffing.py), replaced with it
                   "staffing.person", "staffing.gridmember", "staffing.unstaffedflag",
                   "basedata.keygroup",  # the key groups (made by the base data's migration)
                   # the demo's duty admission lists and pushes (jiewang.demo.admission), deleted with it
                   "admission.dutylist", "admission.dutyitem", "admission.pushrequest", "admission.taskrecord",
                   # the patrols and visits seeded with the city (jiewang/demo/patrols.py), replaced with it
                   "patrols.patrolrule", "patrols.patrol", "patrols.trackbatch", "patrols.trackpoint",
                   "patrols.checkin", "patrols.visit"}


# Apps whose rows the demo history writes: a --force reseed replaces them when they are exactly
# the recorded history, untouched since (see _history_untouched).
HISTORY_APPS = {"events", "dispatching", "notifications", "duty", "supervision"}


def _history_untouched(root: Area) -> list[str]:
    """Why the events in the database are not just the demo history as seeded (empty: they are).
    The ``demo.history`` audit row records the history's event ids and its end; anything beyond
    (another event, an activity after the end) is someone's real work."""
    from jiewang.audit.models import AuditEntry
    from jiewang.events.models import Event, EventActivity

    if not Event.objects.exists():
        return []
    entry = AuditEntry.objects.filter(action="demo.history", object_id=str(root.pk)).order_by("-id").first()
    data = entry.data if entry else {}
    if not data.get("first_id") or not data.get("until"):
        return ["events that are not the demo history"]
    reasons = []
    if Event.objects.exclude(id__range=(data["first_id"], data["last_id"])).exists():
        reasons.append("events other than the demo history")
    if EventActivity.objects.filter(at__gt=dt.datetime.fromisoformat(data["until"])).exists():
        reasons.append("work on the demo events since they were seeded")
    return reasons


def _ensure_only_demo_data(root: Area) -> None:
    """Refuse a --force reseed unless the database holds nothing but the demo city (and its
    history, untouched)."""
    from .history import HISTORY_STAFF_RE

    reasons = []
    if Area.objects.exclude(path__startswith=root.path).exists():
        reasons.append("areas outside the demo city")
    usernames = [d.username for d in DEMO_USERS]
    if User.objects.exclude(username__in=usernames).exclude(username__regex=GRID_WORKER_RE) \
            .exclude(username__regex=HISTORY_STAFF_RE).exists():
        reasons.append("users other than the demo logins")
    history = _history_untouched(root)
    reasons += history
    for model in apps.get_models():
        if model._meta.app_label in FORCE_OK_APPS or model._meta.proxy or not model._meta.managed:
            continue
        if model._meta.label_lower in FORCE_OK_MODELS:
            continue
        if model._meta.app_label in HISTORY_APPS and not history:
            continue
        if model._meta.app_label == "basedata" and not basedata_untouched():  # the demo's, as seeded
            continue
        if model._default_manager.exists():
            reasons.append(f"{model._meta.label} rows")
    if reasons:
        raise Conflict("数据库中存在非演示数据，拒绝覆盖 / Refusing --force: the database holds "
                       f"non-demo data ({', '.join(reasons)}).", code="demo.not_only_demo",
                       fields={"reasons": reasons})


def _delete_demo_history() -> None:
    """The history's rows (checked to be nothing else by _ensure_only_demo_data), children first,
    as plain DELETEs."""
    from jiewang.dispatching.models import Assignment, ExtensionRequest, Whistle, WhistleRequest, WhistleSummons
    from jiewang.duty.models import DutyHandover, DutyLogEntry
    from jiewang.events.models import (ChecklistItem, Deadline, Event, EventActivity, EventNumberSequence,
                                       EventPhoto)
    from jiewang.notifications.models import Notification, OutboundMessage
    from jiewang.supervision.models import SupervisionEntry

    for model in (SupervisionEntry, DutyLogEntry, DutyHandover, WhistleRequest.departments.through, WhistleRequest,
                  WhistleSummons, Whistle, ExtensionRequest, Assignment, EventPhoto, ChecklistItem, Deadline, EventActivity,
                  Event, EventNumberSequence, Notification, OutboundMessage):
        model.objects.all()._raw_delete(connection.alias)


def _delete_demo(root: Area, progress) -> None:
    from jiewang.duty.models import Alarm, DutyDay

    from .history import HISTORY_STAFF_RE
    from .party import delete_party_demo

    delete_party_demo()  # before the areas and users it names
    from .staffing import delete_demo_staffing

    delete_demo_staffing(root)  # before the areas and the grid workers its rows name
    from .patrols import delete_demo_patrols

    delete_demo_patrols(root)  # patrols and visits: before the areas, the houses and the workers

    delete_admission(root)  # pushes name the history's events and the city's areas
    # Alarms of the history's last day (urgent events raise them live): before the events.
    Alarm.objects.filter(town__path__startswith=root.path).delete()
    delete_warning_rules(root)  # the demo's rules and the alerts they raised
    _delete_demo_history()
    delete_basedata()
    subtree = Area.objects.filter(path__startswith=root.path)
    DutyDay.objects.filter(town__in=subtree).delete()  # before the users it names (the history's too)
    # History staff are named on audit rows: the collector sets those to NULL.
    User.objects.filter(username__regex=HISTORY_STAFF_RE).exclude(username__regex=GRID_WORKER_RE).delete()
    RoleGrant.objects.filter(area__in=subtree).delete()
    User.objects.filter(username__in=[d.username for d in DEMO_USERS]).delete()
    # Bulk grid workers never sign in; those who acted in the history are named on audit rows
    # (whistle requests), which keep the row without them. Nothing else refers to them: a plain DELETE.
    from jiewang.audit.models import AuditEntry

    AuditEntry.objects.filter(actor__username__regex=GRID_WORKER_RE).update(actor=None)
    User.objects.filter(username__regex=GRID_WORKER_RE)._raw_delete(connection.alias)
    Department.objects.filter(area__in=subtree).delete()
    Post.objects.filter(board__town__in=subtree).delete()
    Board.objects.filter(town__in=subtree).delete()
    AreaBoundary.objects.filter(area__in=subtree).delete()
    for level in sorted(AreaLevel, reverse=True):
        # Children first (the parent key is PROTECT). A plain DELETE, not the collector: nothing
        # else refers to these rows any more (_ensure_only_demo_data checked the other apps).
        ids = list(subtree.filter(level=level).values_list("id", flat=True))
        for start in range(0, len(ids), 5000):
            Area.objects.filter(id__in=ids[start:start + 5000])._raw_delete(connection.alias)
        _progress(progress, "delete old demo", int(AreaLevel.MICROGRID) - level + 1, len(AreaLevel))


# --- The logins table ----------------------------------------------------------------------------


def demo_logins() -> list[DemoLogin]:
    """The demo logins present in the database, one per role, with the area each works on.
    ``password`` is :data:`DEMO_PASSWORD`, or ``"(unchanged)"`` for a pre-existing account whose
    password is not the demo one."""
    from django.contrib.auth.hashers import check_password

    usernames = [d.username for d in DEMO_USERS]
    users = {u.username: u for u in User.objects.filter(username__in=usernames)}
    grants: dict[int, list[RoleGrant]] = {}
    for g in (RoleGrant.objects.active().filter(user__in=list(users.values()))
              .select_related("area", "department", "post", "board")):
        grants.setdefault(g.user_id, []).append(g)
    root = demo_root()
    verdict: dict[str, bool] = {}  # one hash check per distinct hash (demo users share one)
    rows = []
    for d in DEMO_USERS:
        u = users.get(d.username)
        if u is None:
            continue
        if u.password not in verdict:
            verdict[u.password] = check_password(DEMO_PASSWORD, u.password)
        pw = DEMO_PASSWORD if verdict[u.password] else "(unchanged)"
        if d.role == "superuser":
            rows.append(DemoLogin(d.username, pw, "superuser", "系统管理员 / Superuser",
                                  root.name if root else "", root.code if root else ""))
            continue
        g = next((g for g in grants.get(u.pk, []) if g.role == d.role), None)
        if g is None:
            continue
        rows.append(DemoLogin(d.username, pw, d.role, str(Role(d.role).label), g.area.name,
                              g.area.code, g.department.name if g.department else
                              g.post.name if g.post else g.board.name if g.board else ""))
    return rows
