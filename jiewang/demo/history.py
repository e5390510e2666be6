"""A year (or ``months``) of past events for the demo city, made by the real services.

:func:`generate_history` replays the past as a discrete-event simulation. Each event is a
*story*: a scenario function of :mod:`jiewang.demo.scenarios` (one per outcome path, chosen by
weight), written as a generator that calls the services (intake, the registry's actions,
dispatching, whistles, extensions, supervision) and yields the moment of its next step. The
simulation keeps every story in one queue ordered by time and, before each step, moves the
clock there:

* **The clock.** ``time-machine`` moves the process's clock (``datetime.now``, ``time.time``,
  hence ``timezone.now()`` and every ``default=timezone.now`` column) to the step's moment and
  holds it (no tick), so a step's event row, activities, clocks, assignments, notifications and
  audit rows all carry the same past moment. ``time.monotonic`` and ``perf_counter`` are left
  alone (the locator's revision checks and the progress bar keep working).
* **The sweeper.** Before a step at ``t`` the simulation runs ``deadline_sweep`` at every moment
  a clock became due before ``t`` (the earliest warn/due/ladder moment, rounded up to
  :data:`SWEEP_EVERY`, never past ``t``), so warnings, overdue marks, 催办, 督办, automatic
  escalation of a late acceptance and missed report-ins happen by the real rules, in order
  with the steps. The next due moment is one indexed ``MIN`` per clock state, kept up to date
  after each step from the clocks started since (their ids only grow).
* **The duty's alarms.** Urgent and major events alarm the town's duty at intake (the real
  hook); before a step the simulation also runs the duty's ``alarm_sweep`` at the minute each
  unanswered alarm's next rung falls due, so the alarms nobody answers climb to the commander and
  the district by the real rules.
* **Today.** Stories run until the seed moment (real "now"); a story whose next step falls
  after it stays where it is, so the last weeks' events are open in every state, with their
  clocks running, warned or overdue as the sweep at "now" leaves them. Scenarios can also be
  *halted* in a given state (:data:`jiewang.demo.scenarios.BACKLOG`) so that every queue has
  work whatever the draw.

Arrivals: per grid and day a Poisson draw with mean ``rate`` events per grid and week, weighted
by the grid's households, busier on working days than on weekends and holidays, and by month
(flood season up, Spring Festival down). Everything is drawn from ``numpy``/``random`` generators
seeded by ``seed``, and the stories run one at a time in a fixed order: the same seed and the
same "now" give the same history.

Who acts: the demo logins on their own branch (so ``grid_worker`` finds their own past work),
elsewhere one staff user per grid (``gw`` + code, the bulk grid workers' names), community
(``cs``), town (``op`` operator, ``ld`` leader, ``cm`` commander, ``dl`` duty leader), post
(``ps`` + town code + the post's number), board (``bl`` + town code + 1-4), district (``da``) and
department (``ds`` + district code + department code), all with unusable passwords; residents report anonymously
(named, with a phone) except the demo ``resident`` in their own grid.
"""

from __future__ import annotations

import datetime as dt
import heapq
import random
import secrets
import time
from collections import Counter
from dataclasses import dataclass, field

import numpy as np
import shapely
from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.db import transaction
from django.db.models import Max, Min
from django.utils import timezone

from jiewang.accounts.choices import Role
from jiewang.accounts.models import Department, Post, RoleGrant, User
from jiewang.areas.choices import AreaLevel
from jiewang.areas.geometry import geometry_from_geojson
from jiewang.areas.models import Area
from jiewang.core.errors import ApplicationError
from jiewang.events.models import Deadline, DeadlineState, Event, MatterCategory

from . import names

SWEEP_EVERY = dt.timedelta(hours=2)
POINTS_PER_GRID = 24
# Staff made for the history: prefix + the area's code (departments: + the department's code).
STAFF_PREFIXES = {AreaLevel.GRID: "gw", AreaLevel.COMMUNITY: "cs", AreaLevel.TOWN: "op",
                  AreaLevel.DISTRICT: "da"}
LEADER_PREFIX, DEPARTMENT_PREFIX = "ld", "ds"
# The town's commander (指挥长), duty leader (值班长), post staff (+ the post's number in the town) and
# board leaders (+ the board's number 1-4).
COMMANDER_PREFIX, DUTY_LEADER_PREFIX, POST_PREFIX, BOARD_PREFIX = "cm", "dl", "ps", "bl"
HISTORY_STAFF_RE = (r"^(gw[0-9]{15}|cs[0-9]{12}|op[0-9]{9}|ld[0-9]{9}|da[0-9]{6}|ds[0-9]{6}[a-z0-9-]+"
                    r"|cm[0-9]{9}|dl[0-9]{9}|ps[0-9]{11}|bl[0-9]{10})$")
# The default rate, in events per grid and week. Every step goes through the real services (about
# 5 ms of CPU per step on SQLite, six steps per event, plus the sweeps), so the small city's whole
# seed stays under 30 s (0.07 since the town's own loop added tasks, whistle requests, alarms and
# the duty); at the city scale the history covers the demo town only (seeding.py).
DEFAULT_RATE = {"small": 0.07, "city": 0.1}
DEFAULT_MONTHS = 12
# Month → relative volume (flood season up, Spring Festival and the National Day week down).
SEASON = {1: 0.85, 2: 0.7, 3: 0.95, 4: 1.0, 5: 1.05, 6: 1.2, 7: 1.3, 8: 1.25, 9: 1.05, 10: 0.9,
          11: 1.0, 12: 0.9}
WORKDAY_SHARE = 1.25  # a working day's volume relative to the weekly mean day; weekends get the rest


@dataclass
class GridInfo:
    """A grid the history reports in: its chain of areas and points inside it (WGS84)."""

    id: int
    code: str
    name: str
    community_id: int
    town_id: int
    district_id: int
    households: int
    points: list[tuple[float, float]]


@dataclass
class HistoryResult:
    months: int = 0
    rate: float = 0.0
    grids: int = 0
    events: int = 0
    stories: Counter = field(default_factory=Counter)  # scenario -> stories started
    steps: int = 0
    sweeps: int = 0
    alarm_sweeps: int = 0
    interrupted: Counter = field(default_factory=Counter)  # "scenario: code" -> count
    statuses: dict = field(default_factory=dict)
    seconds: float = 0.0
    first_id: int | None = None
    last_id: int | None = None
    until: dt.datetime | None = None

    def as_dict(self) -> dict:
        return {"months": self.months, "rate": self.rate, "grids": self.grids, "events": self.events,
                "stories": dict(self.stories), "interrupted": dict(self.interrupted),
                "statuses": self.statuses, "first_id": self.first_id, "last_id": self.last_id,
                "until": self.until.isoformat() if self.until else None}


# --- The clock -----------------------------------------------------------------------------------


class PastClock:
    """The process's clock held at a past moment (``time-machine``, no tick); :meth:`move_to`
    moves it. Use as a context manager: the real clock is back on exit, whatever happened."""

    def __init__(self, start: dt.datetime):
        import time_machine

        self._travel = time_machine.travel(start, tick=False)
        self._coords = None
        self.at = start

    def __enter__(self) -> PastClock:
        self._coords = self._travel.start()
        return self

    def __exit__(self, *exc) -> None:
        self._travel.stop()

    def move_to(self, at: dt.datetime) -> None:
        if at != self.at:
            self._coords.move_to(at)
            self.at = at


# --- The cast ------------------------------------------------------------------------------------


class Cast:
    """Who acts in the history: the demo logins on their branch, history staff elsewhere."""

    def __init__(self, users: dict[str, User], departments: dict[tuple[int, str], Department],
                 city_departments: dict[str, Department], resident: User | None, resident_grid: int | None,
                 posts: dict[int, list] | None = None):
        self.users = users
        self.posts = posts or {}  # town id -> its posts (with their board), by id
        self.demo_town: int | None = None  # the demo logins' town
        self.departments = departments  # (district id, code) -> department
        self.city_departments = city_departments
        self.resident = resident
        self.resident_grid = resident_grid

    def _get(self, key: str) -> User:
        return self.users[key]

    def grid_worker(self, grid: GridInfo) -> User:
        return self._get(f"grid:{grid.id}")

    def community_staff(self, grid: GridInfo) -> User:
        return self._get(f"community:{grid.community_id}")

    def operator(self, grid: GridInfo) -> User:
        return self._get(f"town:{grid.town_id}")

    def leader(self, grid: GridInfo) -> User:
        return self._get(f"leader:{grid.town_id}")

    def district_admin(self, grid: GridInfo) -> User:
        return self._get(f"district:{grid.district_id}")

    def staff_of(self, dept: Department) -> User:
        return self._get(f"department:{dept.pk}")

    def handler_staff(self, assignment) -> User:
        """Who signs for and handles ``assignment`` for its handler: the department's or post's
        staff, or the community staff / grid worker of the area it was sent down to."""
        if assignment.department_id:
            return self._get(f"department:{assignment.department_id}")
        if assignment.post_id:
            return self._get(f"post:{assignment.post_id}")
        return self.users.get(f"grid:{assignment.area_id}") or self._get(f"community:{assignment.area_id}")

    def commander(self, town_id: int) -> User:
        return self._get(f"commander:{town_id}")

    def duty_leader(self, town_id: int) -> User:
        return self._get(f"duty:{town_id}")

    def town_leader(self, town_id: int) -> User:
        return self._get(f"leader:{town_id}")

    def town_operator(self, town_id: int) -> User:
        return self._get(f"town:{town_id}")

    def board_leader(self, post) -> User:
        return self._get(f"board:{post.board_id}")

    def town_posts(self, grid: GridInfo) -> list:
        return self.posts.get(grid.town_id, [])

    def department(self, grid: GridInfo, code: str) -> Department | None:
        return self.departments.get((grid.district_id, code))

    def district_departments(self, grid: GridInfo) -> list[Department]:
        return [d for (district, _code), d in sorted(self.departments.items()) if district == grid.district_id]


def _build_cast(root: Area, grids: list[GridInfo], rng: np.random.Generator) -> Cast:
    """Create (or reuse) one user per grid, community, town (operator and leader), district and
    district department of the history, each with its grant; the demo logins stand for their own
    areas. Bulk written: a few hundred rows at the small scale."""
    from .seeding import DEMO_USERS

    demo = {u.username: u for u in User.objects.filter(username__in=[d.username for d in DEMO_USERS])}
    by_pk = {u.pk: u for u in demo.values()}
    demo_grants = {(g.role, g.area_id): by_pk[g.user_id] for g in RoleGrant.objects.filter(user__in=list(demo.values()))}
    wanted: dict[str, tuple[str, str, int, Department | None]] = {}  # key -> (username, role, area, dept)
    area_codes = dict(Area.objects.filter(path__startswith=root.path, level__lte=AreaLevel.GRID)
                      .values_list("id", "code"))
    for g in grids:
        for key, level, area_id, role in (
                (f"grid:{g.id}", AreaLevel.GRID, g.id, Role.GRID_WORKER),
                (f"community:{g.community_id}", AreaLevel.COMMUNITY, g.community_id, Role.COMMUNITY_STAFF),
                (f"town:{g.town_id}", AreaLevel.TOWN, g.town_id, Role.TOWN_OPERATOR),
                (f"district:{g.district_id}", AreaLevel.DISTRICT, g.district_id, Role.DISTRICT_ADMIN)):
            wanted.setdefault(key, (STAFF_PREFIXES[level] + area_codes[area_id], role, area_id, None))
        wanted.setdefault(f"leader:{g.town_id}", (LEADER_PREFIX + area_codes[g.town_id], Role.TOWN_LEADER,
                                                  g.town_id, None))
        wanted.setdefault(f"commander:{g.town_id}", (COMMANDER_PREFIX + area_codes[g.town_id], Role.COMMANDER,
                                                     g.town_id, None))
        wanted.setdefault(f"duty:{g.town_id}", (DUTY_LEADER_PREFIX + area_codes[g.town_id], Role.DUTY_LEADER,
                                                g.town_id, None))
    # The towns' boards and posts: one staff member per post, one leader per board.
    town_ids = sorted({g.town_id for g in grids})
    posts: dict[int, list] = {}
    boards: dict[int, list] = {}
    for p in Post.objects.filter(board__town_id__in=town_ids).select_related("board").order_by("board__town_id", "id"):
        posts.setdefault(p.board.town_id, []).append(p)
        if p.board not in boards.setdefault(p.board.town_id, []):
            boards[p.board.town_id].append(p.board)
    extra: dict[str, object] = {}  # key -> the post or board its grant names
    for town_id in town_ids:
        for i, p in enumerate(posts.get(town_id, []), start=1):
            wanted[f"post:{p.pk}"] = (f"{POST_PREFIX}{area_codes[town_id]}{i:02d}", Role.POST_STAFF, town_id, None)
            extra[f"post:{p.pk}"] = p
        for i, b in enumerate(sorted(boards.get(town_id, []), key=lambda b: b.pk), start=1):
            wanted[f"board:{b.pk}"] = (f"{BOARD_PREFIX}{area_codes[town_id]}{i}", Role.BOARD_LEADER, town_id, None)
            extra[f"board:{b.pk}"] = b
    district_ids = sorted({g.district_id for g in grids})
    departments = {}
    for d in Department.objects.filter(area_id__in=district_ids, is_active=True).order_by("id"):
        departments[(d.area_id, d.code)] = d
        wanted[f"department:{d.pk}"] = (f"{DEPARTMENT_PREFIX}{area_codes[d.area_id]}{d.code}".lower(),
                                        Role.DEPARTMENT_STAFF, d.area_id, d)
    users: dict[str, User] = {}
    # The demo logins act on their own areas (department staff: for their own department).
    for key, (_username, role, area_id, _dept) in wanted.items():
        u = demo_grants.get((role, area_id))
        if u is not None and role not in (Role.DEPARTMENT_STAFF, Role.POST_STAFF, Role.BOARD_LEADER):
            users[key] = u
    for g in RoleGrant.objects.filter(user__in=list(demo.values()), role__in=[Role.POST_STAFF, Role.BOARD_LEADER]):
        key = f"post:{g.post_id}" if g.role == Role.POST_STAFF else f"board:{g.board_id}"
        if key in wanted:
            users[key] = by_pk[g.user_id]
    demo_dept = RoleGrant.objects.filter(user__username="department_staff", role=Role.DEPARTMENT_STAFF) \
        .values_list("department_id", flat=True).first()
    if demo_dept is not None and f"department:{demo_dept}" in wanted and "department_staff" in demo:
        users[f"department:{demo_dept}"] = demo["department_staff"]
    missing = {k: v for k, v in wanted.items() if k not in users}
    existing = {u.username: u for u in User.objects.filter(username__in=[v[0] for v in missing.values()])}
    new = [User(username=v[0], display_name=names.person_name(rng),
                password=UNUSABLE_PASSWORD_PREFIX + secrets.token_urlsafe(30))
           for v in missing.values() if v[0] not in existing]
    User.objects.bulk_create(new, batch_size=2000)
    by_name = {u.username: u for u in User.objects.filter(username__in=[v[0] for v in missing.values()])}
    have = set(RoleGrant.objects.filter(user__in=list(by_name.values())).values_list("user_id", "role", "area_id"))
    grants = []
    for key, (username, role, area_id, dept) in missing.items():
        u = by_name[username]
        users[key] = u
        if (u.pk, role, area_id) not in have:
            named = extra.get(key)
            grants.append(RoleGrant(user=u, role=role, area_id=area_id, department=dept,
                                    post=named if role == Role.POST_STAFF else None,
                                    board=named if role == Role.BOARD_LEADER else None))
    RoleGrant.objects.bulk_create(grants, batch_size=2000)
    city_departments = {d.code: d for d in Department.objects.filter(area=root, is_active=True)}
    resident = demo.get("resident")
    resident_grid = next((area_id for (role, area_id) in demo_grants if role == Role.RESIDENT), None)
    demo_town = next((area_id for (role, area_id) in demo_grants if role == Role.COMMANDER), None)
    cast = Cast(users, departments, city_departments, resident, resident_grid, posts)
    cast.demo_town = demo_town
    return cast


# --- Grids, points and arrivals ------------------------------------------------------------------


def history_grids(root: Area, *, scope: Area | None = None) -> list[GridInfo]:
    """The grids of ``scope`` (default: the whole city under ``root``) with their chains and a
    few points inside each, for the locator to place events in that very grid."""
    base = scope or root
    areas = {a.id: a for a in Area.objects.filter(path__startswith=base.path).only(
        "id", "code", "name", "level", "parent_id", "households", "geometry", "path")}
    above = {a.id: a for a in Area.objects.filter(id__in=[int(x) for x in base.path.strip("/").split("/")])}
    areas.update(above)
    grids = sorted((a for a in areas.values() if a.level == AreaLevel.GRID), key=lambda a: a.code)
    rng = np.random.default_rng([len(grids), 7])
    out = []
    for g in grids:
        community = areas[g.parent_id]
        town = areas[community.parent_id]
        geom = geometry_from_geojson(g.geometry)
        shrunk = geom.buffer(-0.0002) if geom.area > 4e-7 else geom
        if shrunk.is_empty:
            shrunk = geom
        minx, miny, maxx, maxy = shrunk.bounds
        xs = rng.uniform(minx, maxx, POINTS_PER_GRID * 8)
        ys = rng.uniform(miny, maxy, POINTS_PER_GRID * 8)
        inside = shapely.contains_xy(shrunk, xs, ys)
        pts = [(round(float(x), 6), round(float(y), 6)) for x, y in zip(xs[inside], ys[inside], strict=True)]
        pts = pts[:POINTS_PER_GRID] or [shrunk.representative_point().coords[0]]
        out.append(GridInfo(g.id, g.code, g.name, community.id, town.id, town.parent_id, g.households or 1, pts))
    return out


def arrivals(grids: list[GridInfo], start: dt.date, end: dt.date, rate: float, seed: int) -> list[tuple[dt.date, int]]:
    """(day, grid index) of every event reported from ``start`` to ``end`` (inclusive): Poisson per
    grid and day, by households, working day and month."""
    from jiewang.core.worktime import is_workday

    rng = np.random.default_rng([seed, 11])
    weights = np.array([g.households for g in grids], dtype=float)
    weights = weights / weights.mean()
    days = [start + dt.timedelta(days=i) for i in range((end - start).days + 1)]
    weekend_share = (7 - 5 * WORKDAY_SHARE) / 2
    out = []
    for day in days:
        factor = (WORKDAY_SHARE if is_workday(day) else weekend_share) * SEASON[day.month]
        counts = rng.poisson(rate / 7 * factor * weights)
        for i in np.flatnonzero(counts):
            out.extend([(day, int(i))] * int(counts[i]))
    return out


# --- The simulation ------------------------------------------------------------------------------


class Halt(Exception):  # noqa: N818 - a control signal, not an error
    """Raised inside a story to stop it where it stands (a halted backlog story)."""


class Simulation:
    """The queue of stories, the clock and the sweeper (see the module docstring)."""

    def __init__(self, *, clock: PastClock, end: dt.datetime, result: HistoryResult, strict: bool = False):
        self.clock, self.end, self.strict, self.result = clock, end, strict, result
        self._queue: list = []
        self._seq = 0
        self._last_clock_id = Deadline.objects.aggregate(m=Max("id"))["m"] or 0
        self._due: dt.datetime | None = self._next_due_full()
        self._alarm_due: dt.datetime | None = self._next_alarm()

    def spawn(self, at: dt.datetime, story) -> None:
        self._seq += 1
        heapq.heappush(self._queue, (at, self._seq, story))

    # The sweeper's next moment: the earliest clock to warn, fall due or climb the ladder.
    def _next_due_full(self) -> dt.datetime | None:
        s = DeadlineState
        moments = [
            Deadline.objects.filter(state=s.RUNNING).aggregate(m=Min("warn_at"))["m"],
            Deadline.objects.filter(state=s.WARNED).aggregate(m=Min("due_at"))["m"],
            Deadline.objects.filter(state=s.OVERDUE, stage__lt=3, next_step_at__isnull=False)
            .exclude(kind__in=["report_in", "rate"]).aggregate(m=Min("next_step_at"))["m"],
        ]
        moments = [m for m in moments if m is not None]
        return min(moments) if moments else None

    def _note_new_clocks(self) -> None:
        got = Deadline.objects.filter(id__gt=self._last_clock_id).aggregate(m=Min("warn_at"), top=Max("id"))
        if got["top"] is None:
            return
        self._last_clock_id = got["top"]
        if got["m"] is not None and (self._due is None or got["m"] < self._due):
            self._due = got["m"]

    def touch(self) -> None:
        """A step changed running clocks in place (resumed them): recompute the next due moment."""
        self._due = self._next_due_full()

    @staticmethod
    def _next_alarm() -> dt.datetime | None:
        """The next rung of an unanswered duty alarm (the duty's own clock, not a Deadline)."""
        from jiewang.duty.choices import AlarmState
        from jiewang.duty.models import Alarm

        return Alarm.objects.filter(state=AlarmState.OPEN, next_step_at__isnull=False) \
            .aggregate(m=Min("next_step_at"))["m"]

    def sweep_until(self, t: dt.datetime) -> None:
        """Run the deadline sweep and the duty's alarm sweep at every past moment they had work,
        in time order, up to ``t``."""
        from jiewang.duty.services.alarms import alarm_sweep
        from jiewang.events.services.sweep import deadline_sweep

        while True:
            due = self._due if self._due is not None and self._due <= t else None
            alarm = self._alarm_due if self._alarm_due is not None and self._alarm_due <= t else None
            if due is None and alarm is None:
                return
            if alarm is not None and (due is None or alarm <= due):
                # The worker's duty.alarm_sweep runs every few seconds: at the rung's minute.
                rounded = dt.datetime.fromtimestamp(-(-alarm.timestamp() // 60) * 60, tz=dt.UTC)
                moment = min(max(rounded, self.clock.at), t)
                self.clock.move_to(moment)
                alarm_sweep(moment)
                self.result.alarm_sweeps += 1
                self._alarm_due = self._next_alarm()
                continue
            step = SWEEP_EVERY.total_seconds()
            rounded = dt.datetime.fromtimestamp(-(-due.timestamp() // step) * step, tz=dt.UTC)
            moment = min(max(rounded, self.clock.at), t)
            self.clock.move_to(moment)
            deadline_sweep(moment)
            self.result.sweeps += 1
            self._last_clock_id = Deadline.objects.aggregate(m=Max("id"))["m"] or 0
            self._due = self._next_due_full()

    def run(self, progress=None) -> None:
        total = len(self._queue)
        done = 0
        while self._queue:
            at, _seq, story = heapq.heappop(self._queue)
            if at > self.end:
                story.close()
                continue
            self.sweep_until(at)
            self.clock.move_to(at)
            try:
                with transaction.atomic():  # a step that fails leaves nothing behind
                    try:
                        nxt = story.step()
                    except (StopIteration, Halt):  # the story ended (or halted) after this step
                        nxt = None
            except ApplicationError as exc:
                self.result.interrupted[f"{story.scenario}: {exc.code}"] += 1
                if self.strict:
                    raise
                continue
            finally:
                self.result.steps += 1
                self._note_new_clocks()
                self._alarm_due = self._next_alarm()
            if story.moved_clocks:
                story.moved_clocks = False
                self.touch()
            if nxt is None:
                done += 1
                if progress and done % 50 == 0:
                    progress("history", done, total)
                continue
            self.spawn(max(nxt, at), story)
        self.sweep_until(self.end)
        self.clock.move_to(self.end)
        from jiewang.events.services.sweep import deadline_sweep

        deadline_sweep(self.end)
        self.result.sweeps += 1
        from jiewang.duty.services.alarms import alarm_sweep

        alarm_sweep(self.end)
        if progress:
            progress("history", total, total)


# --- Entry point ---------------------------------------------------------------------------------


def generate_history(*, root: Area, months: int = DEFAULT_MONTHS, seed: int = 1, rate: float | None = None,
                     scale: str = "small", scope: Area | None = None, now: dt.datetime | None = None,
                     progress=None, strict: bool = False) -> HistoryResult:
    """Write ``months`` of past events in the grids of ``scope`` (default: the whole city) through
    the services, ending at ``now`` (default: the real current time). In one transaction."""
    from . import scenarios

    started = time.perf_counter()
    end = (now or timezone.now()).astimezone(dt.UTC).replace(microsecond=0)
    rate = DEFAULT_RATE.get(scale, 0.3) if rate is None else rate
    result = HistoryResult(months=months, rate=rate, until=end)
    if months <= 0:
        return result
    first_day = (timezone.localtime(end) - dt.timedelta(days=round(months * 30.44))).date()
    last_day = timezone.localtime(end).date()
    from jiewang.areas.locator import get_locator

    # The city was just written: intake must not locate with a locator loaded before it (a process
    # checks the boundary revision only every few seconds).
    get_locator(refresh=True)
    with transaction.atomic():
        grids = history_grids(root, scope=scope)
        cast = _build_cast(root, grids, np.random.default_rng([seed, 5]))
        categories = {c.code: c for c in MatterCategory.objects.filter(is_active=True, parent__isnull=False)}
        before = Event.objects.aggregate(m=Max("id"))["m"] or 0
        plan = arrivals(grids, first_day, last_day, rate, seed)
        pick = random.Random(f"{seed}:history")
        start_moment = dt.datetime.combine(first_day, dt.time(0, 0), tzinfo=timezone.get_current_timezone())
        with PastClock(start_moment) as clock:
            sim = Simulation(clock=clock, end=end, result=result, strict=strict)
            world = scenarios.World(sim=sim, cast=cast, categories=categories, end=end)
            for n, (day, gi) in enumerate(plan):
                story = scenarios.draw(world, grids[gi], day, random.Random(f"{seed}:{n}"), pick)
                sim.spawn(story.start, story)
                result.stories[story.scenario] += 1
            for story in scenarios.task_stories(world, grids, first_day, last_day, random.Random(f"{seed}:tasks")):
                sim.spawn(story.start, story)
                result.stories[story.scenario] += 1
            demo_town = cast.demo_town
            log_towns = {demo_town} if demo_town is not None else set()
            for story in scenarios.duty_stories(world, grids, random.Random(f"{seed}:duty"), log_towns):
                sim.spawn(story.start, story)
                result.stories[story.scenario] += 1
            for story in scenarios.backlog(world, grids, random.Random(f"{seed}:backlog")):
                sim.spawn(story.start, story)
                result.stories[story.scenario + " (open today)"] += 1
            sim.run(progress)
        _settle_inbox(end)
        new = Event.objects.filter(id__gt=before)
        result.events = new.count()
        result.first_id = new.aggregate(m=Min("id"))["m"]
        result.last_id = new.aggregate(m=Max("id"))["m"]
        result.statuses = dict(Counter(new.values_list("status", flat=True)))
        result.grids = len(grids)
    result.seconds = time.perf_counter() - started
    return result


def _settle_inbox(end: dt.datetime) -> None:
    """People read their inbox: notifications older than two days are read (two hours after they
    came); text messages of the past were sent when they were queued."""
    from django.db.models import F

    from jiewang.notifications.models import Notification, OutboundMessage, OutboundStatus

    Notification.objects.filter(read_at__isnull=True, created_at__lt=end - dt.timedelta(days=2)) \
        .update(read_at=F("created_at") + dt.timedelta(hours=2))
    OutboundMessage.objects.filter(status=OutboundStatus.PENDING, created_at__lt=end - dt.timedelta(hours=1)) \
        .update(status=OutboundStatus.SENT, sent_at=F("created_at"), attempts=1)
