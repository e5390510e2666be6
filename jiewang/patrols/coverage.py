"""Coverage (巡查走访覆盖): how much of what the rules ask was done in a month, per grid worker,
grid, community, town and up. Definitions (docs/patrols.md):

* **households** (户数) — houses of base data in residential use (self-occupied or rented) in the
  grid; **visited** — of those, the distinct houses with at least one visit in the month (a key
  person's visit counts for their house). **Visit coverage** (走访覆盖率) = visited / households
  (``None`` without households). The same formula is the assessment's ``visit_coverage``.
* **patrol days** — distinct days with a patrol of the grid in the month; **due** — what the
  grid's active ``patrol`` rule asks up to the end of the month or today, whichever is first:
  working days / every (unit working day), weeks begun / every (week), 1 / every (month); no rule:
  nothing due. **Patrol rate** = min(days, due) / due.
* **buildings checked** (楼栋巡查) — the "every building once a week" rule: of the grid's buildings
  (楼栋 of base data), the distinct ones named by a check-in made inside the grid (not flagged
  ``outside``) in the week, Monday to Sunday, of the last day counted (today in the current month;
  cut at the month's end). **Building coverage** = buildings checked / buildings (``None``
  without buildings). The assessment's ``building_coverage`` counts the same over its period.
* **key persons overdue** — active key persons (active residents) whose last visit (or, never
  visited, the start of their membership) lies more than their ``visit_days`` before now.

An area's figures are the sums of its grids' (computed in one pass of GROUP BY queries over the
subtree, then added up along the paths); a worker's are their own visits and patrol days over the
households of the grids they hold a grid-worker grant on.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Max
from django.utils import timezone

from jiewang.accounts.choices import Role
from jiewang.accounts.models import RoleGrant
from jiewang.areas.choices import GRID_LEVELS
from jiewang.areas.models import Area
from jiewang.basedata.choices import HouseUse
from jiewang.basedata.models import Building, House, KeyPerson
from jiewang.core import worktime
from jiewang.core.errors import NotFound, ValidationFailed
from jiewang.core.scope import user_grants

from .choices import PatrolRuleKind, RuleUnit
from .models import CheckIn, Patrol, PatrolRule, Visit
from .permissions import READERS, WORKERS

# Houses that are households (户): lived in by their owners or by tenants.
RESIDENTIAL = (HouseUse.SELF_OCCUPIED, HouseUse.RENTED)


@dataclass
class Figures:
    """The coverage figures of one member (an area or a worker)."""

    id: int
    name: str
    level: int = 0
    path: str = ""
    households: int = 0
    visited: int = 0
    buildings: int = 0
    buildings_checked: int = 0
    patrol_days: int = 0
    patrol_days_due: float = 0.0
    key_persons: int = 0
    overdue: int = 0
    grids: list[int] = field(default_factory=list)

    @property
    def visit_rate(self) -> float | None:
        return round(self.visited / self.households, 4) if self.households else None

    @property
    def building_rate(self) -> float | None:
        return round(self.buildings_checked / self.buildings, 4) if self.buildings else None

    @property
    def patrol_rate(self) -> float | None:
        if not self.patrol_days_due:
            return None
        return round(min(self.patrol_days, self.patrol_days_due) / self.patrol_days_due, 4)

    def add(self, other: Figures) -> None:
        self.households += other.households
        self.visited += other.visited
        self.buildings += other.buildings
        self.buildings_checked += other.buildings_checked
        self.patrol_days += other.patrol_days
        self.patrol_days_due += other.patrol_days_due
        self.key_persons += other.key_persons
        self.overdue += other.overdue

    def as_dict(self) -> dict:
        return {"id": self.id, "name": self.name, "level": self.level, "households": self.households,
                "visited": self.visited, "visit_rate": self.visit_rate, "buildings": self.buildings,
                "buildings_checked": self.buildings_checked, "building_rate": self.building_rate,
                "patrol_days": self.patrol_days,
                "patrol_days_due": round(self.patrol_days_due, 2), "patrol_rate": self.patrol_rate,
                "key_persons": self.key_persons, "overdue": self.overdue}


@dataclass(frozen=True)
class Month:
    first: dt.date
    last: dt.date  # the last day counted: the month's end or today
    start: dt.datetime
    end: dt.datetime  # exclusive

    @property
    def label(self) -> str:
        return f"{self.first:%Y-%m}"

    @property
    def week(self) -> tuple[dt.datetime, dt.datetime]:
        """The week buildings are counted in: Monday to Sunday of the last day counted, cut at the
        month's end ([start, end))."""
        monday = self.last - dt.timedelta(days=self.last.weekday())
        start = dt.datetime.combine(monday, dt.time(), self.start.tzinfo)
        return start, min(start + dt.timedelta(days=7), self.end)

    @property
    def week_label(self) -> str:
        start, end = self.week
        return f"{start.date():%Y-%m-%d}/{(end - dt.timedelta(days=1)).date():%Y-%m-%d}"


def month_of(label: str | None = None, today: dt.date | None = None) -> Month:
    today = today or timezone.localdate()
    if label:
        try:
            first = dt.datetime.strptime(label, "%Y-%m").date()
        except ValueError:
            raise ValidationFailed("月份格式为 YYYY-MM / The month is YYYY-MM.", code="validation_failed",
                                   fields={"month": "YYYY-MM"}) from None
        if not 2000 <= first.year <= 2100:
            raise ValidationFailed("月份超出范围 / Month out of range.", code="validation_failed",
                                   fields={"month": "2000–2100"})
    else:
        first = today.replace(day=1)
    nxt = (first.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    last = min(nxt - dt.timedelta(days=1), today)
    tz = timezone.get_current_timezone()
    return Month(first, last, dt.datetime.combine(first, dt.time(), tz), dt.datetime.combine(nxt, dt.time(), tz))


def patrol_days_due(every: int, unit: str, month: Month) -> float:
    """What a patrol rule asks in the month, counted up to ``month.last``."""
    if month.last < month.first:
        return 0.0
    days = [month.first + dt.timedelta(days=i) for i in range((month.last - month.first).days + 1)]
    if unit == RuleUnit.WORKING_DAY:
        return sum(1 for d in days if worktime.is_workday(d)) / every
    if unit == RuleUnit.WEEK:
        return len({d.isocalendar()[:2] for d in days}) / every
    return 1.0 / every


def _grid_figures(under: str, month: Month, now: dt.datetime) -> dict[int, Figures]:
    """Every current grid under the path with its figures (a handful of GROUP BY queries): the
    households and visits of :func:`_grid_counts`, then patrols, buildings and key persons."""
    grids = _grid_counts(under, month, named=True)
    for gid, n in (Patrol.objects.filter(area_path__startswith=under, day__gte=month.first, day__lte=month.last)
                   .values_list("grid_id").annotate(n=Count("day", distinct=True)).order_by()):
        if gid in grids:
            grids[gid].patrol_days = n
    for gid, n in (Building.objects.filter(area_path__startswith=under).values_list("grid_id")
                   .annotate(n=Count("id")).order_by()):
        if gid in grids:
            grids[gid].buildings = n
    for gid, n in _buildings_checked(under, *month.week):
        if gid in grids:
            grids[gid].buildings_checked = n
    due_cache: dict[tuple, float] = {}
    for gid, every, unit in (PatrolRule.objects.filter(area_path__startswith=under, kind=PatrolRuleKind.PATROL,
                                                       is_active=True).values_list("grid_id", "every", "unit")):
        if gid in grids:
            if (every, unit) not in due_cache:
                due_cache[(every, unit)] = patrol_days_due(every, unit, month)
            grids[gid].patrol_days_due = due_cache[(every, unit)]
    for gid, total, late in _key_persons(under, now):
        if gid in grids:
            grids[gid].key_persons, grids[gid].overdue = total, late
    return grids


def _buildings_checked(under: str, start: dt.datetime, end: dt.datetime, by=("building__grid_id",), **filters):
    """(*``by``, distinct buildings checked in) for the check-ins made inside the grid (not
    flagged ``outside``) in [start, end) at buildings under the path."""
    return (CheckIn.objects.filter(building__area_path__startswith=under, outside=False, at__gte=start, at__lt=end,
                                   **filters)
            .values_list(*by).annotate(n=Count("building_id", distinct=True)).order_by())


def _key_persons(under: str, now: dt.datetime) -> list[tuple[int, int, int]]:
    """(grid, active key persons, overdue) per grid."""
    last = dict(Visit.objects.filter(area_path__startswith=under, key_person__isnull=False)
                .values_list("key_person_id").annotate(last=Max("visited_at")).order_by())
    tz = timezone.get_current_timezone()
    counts: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for pk, gid, days, since, kept in (KeyPerson.objects.filter(area_path__startswith=under, ended_at__isnull=True,
                                                                 resident__is_active=True)
                                       .values_list("pk", "grid_id", "visit_days", "since", "last_visited_at")):
        c = counts[gid]
        c[0] += 1
        seen = max([t for t in (last.get(pk), kept) if t is not None], default=None)
        seen = seen or dt.datetime.combine(since, dt.time(), tz)
        if seen + dt.timedelta(days=days) < now:
            c[1] += 1
    return [(gid, c[0], c[1]) for gid, c in counts.items()]


def overdue_key_persons(*, user, area: Area, now: dt.datetime | None = None, limit: int = 200) -> list[dict]:
    """The key persons under ``area`` overdue for a visit, most overdue first (listed through base
    data's selector, so members of sensitive groups only where the user may unmask)."""
    from jiewang.basedata.selectors import key_person_list

    ensure_reader(user, area)
    now = now or timezone.now()
    tz = timezone.get_current_timezone()
    kps = list(key_person_list(user=user, under=area.path).select_related("resident__house__address", "group", "grid"))
    last = dict(Visit.objects.filter(key_person_id__in=[k.pk for k in kps]).values_list("key_person_id")
                .annotate(last=Max("visited_at")).order_by())
    out = []
    for k in kps:
        seen = max([t for t in (last.get(k.pk), k.last_visited_at) if t is not None], default=None)
        due = (seen or dt.datetime.combine(k.since, dt.time(), tz)) + dt.timedelta(days=k.visit_days)
        if due < now:
            out.append({"key_person_id": k.pk, "name": k.resident.name, "group": k.group.name,
                        "grid_id": k.grid_id, "grid": k.grid.name, "address": k.resident.house.address.text,
                        "house_id": k.resident.house_id, "last_visited_at": seen, "due_at": due,
                        "days_overdue": (now - due).days, "visit_days": k.visit_days})
    out.sort(key=lambda r: r["due_at"])
    return out[:limit]


def ensure_reader(user, area: Area) -> None:
    """Coverage of an area is read by those who hold a reading role on it or above (a grid worker:
    their own grids); an ancestor of a grant is not enough (404)."""
    if user is None or not getattr(user, "is_authenticated", False):
        raise NotFound("区域不存在 / Area not found.", code="area.not_found")
    if user.is_superuser:
        return
    if any(g.role in READERS | WORKERS and area.path.startswith(g.path) for g in user_grants(user)):
        return
    raise NotFound("区域不存在 / Area not found.", code="area.not_found")


def coverage_report(*, user, area: Area, month: str | None = None, now: dt.datetime | None = None) -> dict:
    """The coverage of ``area`` in a month: its own figures, each child area's, and each grid
    worker's under it (workers: for a community or a grid)."""
    ensure_reader(user, area)
    m = month_of(month)
    now = now or timezone.now()
    grids = _grid_figures(area.path, m, now)
    total = Figures(area.pk, area.name, area.level, area.path)
    children = {pk: Figures(pk, name, level, path) for pk, name, level, path in Area.objects.filter(
        parent=area, valid_to__isnull=True).values_list("pk", "name", "level", "path")}
    child_of_path = {c.path: c for c in children.values()}
    depth = area.path.count("/")  # a child's path has one more id
    for g in grids.values():
        total.add(g)
        if g.id in children:
            children[g.id].add(g)
            continue
        prefix = "/".join(g.path.split("/")[:depth + 1]) + "/"
        child = child_of_path.get(prefix)
        if child is not None:
            child.add(g)
    workers = worker_figures(area, m, grids) if area.level >= 4 else []
    return {"area": total, "month": m, "children": sorted(children.values(), key=lambda f: f.path),
            "workers": workers}


def worker_figures(area: Area, month: Month, grids: dict[int, Figures]) -> list[Figures]:
    """Per grid worker under ``area``: their own visits and patrol days over their grids' due."""
    rows = (RoleGrant.objects.active().filter(role=Role.GRID_WORKER, area__path__startswith=area.path)
            .values_list("user_id", "user__display_name", "user__username", "area_id"))
    people: dict[int, Figures] = {}
    for uid, display, username, gid in rows:
        f = people.setdefault(uid, Figures(uid, display or username))
        if gid in grids and gid not in f.grids:
            f.grids.append(gid)
            f.households += grids[gid].households
            f.buildings += grids[gid].buildings
            f.key_persons += grids[gid].key_persons
            f.overdue += grids[gid].overdue
            f.patrol_days_due = max(f.patrol_days_due, grids[gid].patrol_days_due)
    if not people:
        return []
    for uid, n in (Visit.objects.filter(worker_id__in=list(people), area_path__startswith=area.path,
                                        visited_at__gte=month.start, visited_at__lt=month.end,
                                        house__use__in=RESIDENTIAL)
                   .values_list("worker_id").annotate(n=Count("house_id", distinct=True)).order_by()):
        people[uid].visited = n
    for uid, n in (Patrol.objects.filter(worker_id__in=list(people), area_path__startswith=area.path,
                                         day__gte=month.first, day__lte=month.last)
                   .values_list("worker_id").annotate(n=Count("day", distinct=True)).order_by()):
        people[uid].patrol_days = n
    for uid, gid, n in _buildings_checked(area.path, *month.week, ("patrol__worker_id", "building__grid_id"),
                                          patrol__worker_id__in=list(people)):
        if gid in people[uid].grids:  # their own grids' buildings only
            people[uid].buildings_checked += n
    return sorted(people.values(), key=lambda f: f.name)


def _month(start: dt.datetime, end: dt.datetime) -> Month:
    return Month(timezone.localdate(start), timezone.localdate(end - dt.timedelta(microseconds=1)), start, end)


def visit_coverage_counts(area_path: str, start: dt.datetime, end: dt.datetime, population: str) -> dict:
    """{member: (visited, households)} for the assessment (see :mod:`jiewang.patrols.assessment`)."""
    m = _month(start, end)
    grids = _grid_figures(area_path, m, end)
    if population == "grid_worker":
        area = Area.objects.filter(path=area_path).first()
        if area is None:
            return {}
        return {f.id: (float(f.visited), float(f.households)) for f in worker_figures(area, m, grids)}
    return _by_population(grids.values(), population, "visited", "households")


def building_coverage_counts(area_path: str, start: dt.datetime, end: dt.datetime, population: str) -> dict:
    """{member: (buildings checked in the period, buildings)} for the assessment: the distinct
    buildings named by a check-in inside the grid in [start, end) over the buildings."""
    grids: dict[int, Figures] = {pk: Figures(pk, "", 0, path) for pk, path in Area.objects.filter(
        path__startswith=area_path, level__in=list(GRID_LEVELS), valid_to__isnull=True).values_list("pk", "path")}
    for gid, n in (Building.objects.filter(area_path__startswith=area_path).values_list("grid_id")
                   .annotate(n=Count("id")).order_by()):
        if gid in grids:
            grids[gid].buildings = n
    for gid, n in _buildings_checked(area_path, start, end):
        if gid in grids:
            grids[gid].buildings_checked = n
    if population != "grid_worker":
        return _by_population(grids.values(), population, "buildings_checked", "buildings")
    mine: dict[int, set[int]] = defaultdict(set)
    for uid, gid in (RoleGrant.objects.active().filter(role=Role.GRID_WORKER, area__path__startswith=area_path)
                     .values_list("user_id", "area_id")):
        if gid in grids:
            mine[uid].add(gid)
    out = {uid: [0.0, float(sum(grids[g].buildings for g in gs))] for uid, gs in mine.items()}
    for uid, gid, n in _buildings_checked(area_path, start, end, ("patrol__worker_id", "building__grid_id"),
                                          patrol__worker_id__in=list(mine)):
        if gid in mine[uid]:
            out[uid][0] += n
    return {k: tuple(v) for k, v in out.items()}


def _by_population(grids, population: str, numerator: str, denominator: str) -> dict:
    """Grid figures added up per member of the population (grid, community, town)."""
    out: dict[int, list[float]] = defaultdict(lambda: [0.0, 0.0])
    level = {"grid": None, "community": 4, "town": 3}[population]
    for g in grids:
        if level is None:
            key = g.id
        else:
            ids = [int(x) for x in g.path.strip("/").split("/")]
            if len(ids) < level:
                continue
            key = ids[level - 1]
        out[key][0] += getattr(g, numerator)
        out[key][1] += getattr(g, denominator)
    return {k: tuple(v) for k, v in out.items()}


def _grid_counts(under: str, month: Month, named: bool = False) -> dict[int, Figures]:
    """Every current grid under the path with its households and households visited in the month
    (with its name and level when ``named``: the pages show them, the assessment does not)."""
    areas = Area.objects.filter(path__startswith=under, level__in=list(GRID_LEVELS), valid_to__isnull=True)
    if named:
        grids = {pk: Figures(pk, name, level, path) for pk, name, level, path in
                 areas.values_list("pk", "name", "level", "path")}
    else:
        grids = {pk: Figures(pk, "", 0, path) for pk, path in areas.values_list("pk", "path")}
    for gid, n in (House.objects.filter(area_path__startswith=under, use__in=RESIDENTIAL)
                   .values_list("grid_id").annotate(n=Count("id")).order_by()):
        if gid in grids:
            grids[gid].households = n
    for gid, n in (Visit.objects.filter(area_path__startswith=under, visited_at__gte=month.start,
                                        visited_at__lt=month.end, house__use__in=RESIDENTIAL)
                   .values_list("grid_id").annotate(n=Count("house_id", distinct=True)).order_by()):
        if gid in grids:
            grids[gid].visited = n
    return grids


class CoverageFrame:
    """:func:`visit_coverage_counts` of every area under a root at once (the assessment's shared
    frame: a month computed for every town and district): the grids' figures, the grid workers'
    grants and their visits read once for the root, grouped by area node. The same numbers as the
    per-area function."""

    def __init__(self, root_path: str, start: dt.datetime, end: dt.datetime):
        from jiewang.assessment.formulas import by_node

        m = _month(start, end)
        self.grids = by_node(_grid_counts(root_path, m).values(), lambda g: g.path)
        grants = (RoleGrant.objects.active().filter(role=Role.GRID_WORKER, area__path__startswith=root_path)
                  .values_list("user_id", "area_id", "area__path"))
        self.grants = by_node(grants, lambda r: r[2], lambda r: (r[0], r[1]))
        visits = (Visit.objects.filter(area_path__startswith=root_path, visited_at__gte=m.start,
                                       visited_at__lt=m.end, house__use__in=RESIDENTIAL)
                  .values_list("worker_id", "house_id", "area_path").distinct())
        self.visits = by_node(visits, lambda r: r[2], lambda r: (r[0], r[1]))

    def counts(self, area_id: int, population: str) -> dict:
        grids = self.grids.get(area_id, [])
        out: dict[int, list[float]] = defaultdict(lambda: [0.0, 0.0])
        if population == "grid_worker":
            households = {g.id: g.households for g in grids}
            held: dict[int, set] = {}
            for uid, gid in self.grants.get(area_id, []):
                mine = held.setdefault(uid, set())
                out[uid]  # every grid worker under the area, with data or not
                if gid in households and gid not in mine:
                    mine.add(gid)
                    out[uid][1] += households[gid]
            seen: dict[int, set] = defaultdict(set)
            for uid, house in self.visits.get(area_id, []):
                if uid in held:
                    seen[uid].add(house)
            for uid, houses in seen.items():
                out[uid][0] = float(len(houses))
            return {k: (float(v[0]), float(v[1])) for k, v in out.items()}
        level = {"grid": None, "community": 4, "town": 3}[population]
        for g in grids:
            if level is None:
                key = g.id
            else:
                ids = [int(x) for x in g.path.strip("/").split("/")]
                if len(ids) < level:
                    continue
                key = ids[level - 1]
            out[key][0] += g.visited
            out[key][1] += g.households
        return {k: tuple(v) for k, v in out.items()}


class BuildingCoverageFrame:
    """:func:`building_coverage_counts` of every area under a root at once (the assessment's
    shared frame, like :class:`CoverageFrame`): the current grids, their buildings, the distinct
    buildings checked in at inside the grid in the period — per grid and per (worker, grid) — and
    the grid workers' grants, each read in one GROUP BY for the root and grouped by area node. The
    buildings and check-ins are grouped by the building's own path as well, so that an area's sums
    take exactly the rows its own queries (``building__area_path`` under the area) would. The same
    numbers as the per-area function."""

    def __init__(self, root_path: str, start: dt.datetime, end: dt.datetime):
        from jiewang.assessment.formulas import by_node

        def members(path: str) -> tuple[int | None, int | None]:  # (community, town) as _by_population has them
            ids = [int(x) for x in path.strip("/").split("/")]
            return ids[3] if len(ids) >= 4 else None, ids[2] if len(ids) >= 3 else None

        grids = Area.objects.filter(path__startswith=root_path, level__in=list(GRID_LEVELS),
                                    valid_to__isnull=True).values_list("pk", "path")
        self.grids = by_node(grids, lambda r: r[1], lambda r: (r[0], *members(r[1])))  # (grid, community, town)
        buildings = (Building.objects.filter(area_path__startswith=root_path).values_list("grid_id", "area_path")
                     .annotate(n=Count("id")).order_by())
        self.buildings = by_node(buildings, lambda r: r[1], lambda r: (r[0], r[2]))  # (grid, buildings)
        checked = _buildings_checked(root_path, start, end, ("building__grid_id", "building__area_path"))
        self.checked = by_node(checked, lambda r: r[1], lambda r: (r[0], r[2]))  # (grid, checked)
        grants = (RoleGrant.objects.active().filter(role=Role.GRID_WORKER, area__path__startswith=root_path)
                  .values_list("user_id", "area_id", "area__path"))
        self.grants = by_node(grants, lambda r: r[2], lambda r: (r[0], r[1]))  # (worker, grid)
        mine = _buildings_checked(root_path, start, end, ("patrol__worker_id", "building__grid_id",
                                                          "building__area_path"))
        self.mine = by_node(mine, lambda r: r[2], lambda r: (r[0], r[1], r[3]))  # (worker, grid, checked)
        self._area: tuple[int | None, list, dict, dict] = (None, [], {}, {})

    def _of(self, area_id: int) -> tuple[list, dict, dict]:
        """The area's grids, and buildings and buildings checked per grid (kept for the area's
        next population: the engine asks for each population of one area in a row)."""
        if self._area[0] != area_id:
            grids = self.grids.get(area_id, [])
            built: dict[int, int] = defaultdict(int)
            for gid, n in self.buildings.get(area_id, ()):
                built[gid] += n
            checked: dict[int, int] = defaultdict(int)
            for gid, n in self.checked.get(area_id, ()):
                checked[gid] += n
            self._area = (area_id, grids, built, checked)
        return self._area[1:]

    def counts(self, area_id: int, population: str) -> dict:
        grids, built, checked = self._of(area_id)
        if population != "grid_worker":
            k = {"grid": 0, "community": 1, "town": 2}[population]
            out: dict[int, list[float]] = defaultdict(lambda: [0.0, 0.0])
            for g in grids:
                key = g[k]
                if key is None:
                    continue
                out[key][0] += checked.get(g[0], 0)
                out[key][1] += built.get(g[0], 0)
            return {key: tuple(v) for key, v in out.items()}
        ids = {g[0] for g in grids}
        mine: dict[int, set[int]] = {}
        for uid, gid in self.grants.get(area_id, ()):
            if gid in ids:  # grid workers with a grant on a current grid of the area, checked in or not
                mine.setdefault(uid, set()).add(gid)
        workers = {uid: [0.0, float(sum(built.get(g, 0) for g in gs))] for uid, gs in mine.items()}
        for uid, gid, n in self.mine.get(area_id, ()):
            if gid in mine.get(uid, ()):  # their own grids' buildings only
                workers[uid][0] += n
        return {uid: tuple(v) for uid, v in workers.items()}
