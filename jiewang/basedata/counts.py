"""The counts that are retyped today (户数、人口、重点人群 per grid and per community), computed
from base data: one selector for the page, the API and the Excel export.

Definitions (active rows only):

* households (户数): houses with at least one resident living there;
* people (人口): residents living here, in total and by type (registered 户籍, floating 流动,
  overseas 境外);
* key persons (重点人员): open memberships of residents living here, per key group (a person in
  two groups counts in both).

Rows: every grid under the area, a subtotal per community (when the area is above the community),
and the total of the area.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count

from jiewang.areas.choices import GRID_LEVELS, AreaLevel
from jiewang.areas.models import Area
from jiewang.core.errors import NotFound

from .choices import ResidentType
from .models import KeyGroup, KeyPerson, Resident


@dataclass
class CountRow:
    area_id: int
    code: str
    name: str
    level: int
    households: int = 0
    people: int = 0
    by_type: dict = field(default_factory=lambda: {k: 0 for k in ResidentType.values})
    key: dict = field(default_factory=dict)  # group code → count

    def add(self, other: CountRow) -> None:
        self.households += other.households
        self.people += other.people
        for k, n in other.by_type.items():
            self.by_type[k] += n
        for k, n in other.key.items():
            self.key[k] = self.key.get(k, 0) + n


@dataclass
class CountReport:
    area: Area
    groups: list  # KeyGroup rows, in order
    rows: list  # CountRow: per community, its grids after it, then the total last
    total: CountRow


def report(*, user, area: Area) -> CountReport:
    """The counts of ``area`` (which the user must be able to read base data of)."""
    if not _reads_area(user, area):
        raise NotFound("区域不存在 / Area not found.", code="area.not_found")
    grids = list(Area.objects.filter(path__startswith=area.path, level__in=GRID_LEVELS).order_by("path"))
    if area.level in GRID_LEVELS:
        grids = [area]
    per_grid = {g.pk: CountRow(g.pk, g.code, g.name, g.level) for g in grids}
    residents = Resident.objects.filter(area_path__startswith=area.path, is_active=True)
    for grid_id, kind, n in residents.values_list("grid_id", "kind").annotate(n=Count("id")).order_by():
        if grid_id in per_grid:
            per_grid[grid_id].by_type[kind] += n
            per_grid[grid_id].people += n
    for grid_id, n in (residents.values_list("grid_id").annotate(n=Count("house_id", distinct=True)).order_by()):
        if grid_id in per_grid:
            per_grid[grid_id].households = n
    groups = list(KeyGroup.objects.all())
    key = (KeyPerson.objects.filter(area_path__startswith=area.path, ended_at__isnull=True, resident__is_active=True)
           .values_list("grid_id", "group__code").annotate(n=Count("id")).order_by())
    for grid_id, code, n in key:
        if grid_id in per_grid:
            per_grid[grid_id].key[code] = n
    # communities: subtotals
    by_parent = defaultdict(list)
    for g in grids:
        by_parent[g.parent_id].append(per_grid[g.pk])
    communities = {c.pk: c for c in Area.objects.filter(pk__in=list(by_parent), level=AreaLevel.COMMUNITY)}
    rows = []
    total = CountRow(area.pk, area.code, area.name, area.level)
    for parent_id, grid_rows in by_parent.items():
        community = communities.get(parent_id)
        if community is not None and area.level < AreaLevel.COMMUNITY:  # a community asked: its total
            sub = CountRow(community.pk, community.code, community.name, community.level)
            for r in grid_rows:
                sub.add(r)
            rows.append(sub)
        rows.extend(grid_rows)
        for r in grid_rows:
            total.add(r)
    return CountReport(area, groups, rows, total)


def _reads_area(user, area: Area) -> bool:
    from .permissions import READERS
    from .services.common import held_roles

    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return user.is_superuser or bool(held_roles(user, area.path) & READERS)


def workbook(rep: CountReport) -> bytes:
    """The report as .xlsx (Chinese headers)."""
    import io

    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("基础数据统计")
    ws.append(["编码", "名称", "户数", "人口", "户籍人口", "流动人口", "境外人员", *[g.name for g in rep.groups]])
    for r in [*rep.rows, rep.total]:
        ws.append([r.code, r.name, r.households, r.people, r.by_type["registered"], r.by_type["floating"],
                   r.by_type["overseas"], *[r.key.get(g.code, 0) for g in rep.groups]])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
