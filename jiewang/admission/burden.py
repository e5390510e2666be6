"""The burden report (减负): what was pushed down to grids in a month, per grid, per grid worker
and per pusher (department, town offices, district).

Definitions (docs/admission.md):

* A push *reaches* grids: a grid's or micro-grid's push reaches that grid; a village/community's
  push reaches every current grid of it (community tasks end up on its grids).
* Per row: ``pushed`` = pushes made in the month (local time) reaching it; ``admitted`` (let
  through by the list), ``approved`` (held, then approved), ``held`` (still held), ``refused``;
  ``delivered`` = admitted + approved; ``done`` = delivered tasks whose event is closed or rated.
* ``hours`` = the hours asked of grid workers: for each delivered push, its expected hours per
  grid (the cited item's, or the pusher's estimate for an approved one) × the grids it reaches.
  A grid's hours are shared evenly by its active grid workers (so the workers' hours add up to
  the grids' where every grid has a worker).
* Per pusher: the same counts over its pushes, hours summed over the grids they reached.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils import timezone

from jiewang.accounts.choices import Role
from jiewang.accounts.models import RoleGrant
from jiewang.areas.choices import AreaLevel
from jiewang.areas.models import Area
from jiewang.core.errors import NotFound, PermissionDenied, ValidationFailed
from jiewang.core.scope import Action, restrict, user_grants

from .choices import PusherKind, PushStatus
from .models import PushRequest
from .permissions import BURDEN_READERS

DONE = ("closed", "rated")
COLUMNS = ("pushed", "admitted", "approved", "held", "refused", "delivered", "done")


@dataclass
class Row:
    key: str
    name: str
    parent: str = ""
    counts: dict = field(default_factory=lambda: dict.fromkeys(COLUMNS, 0))
    hours: Decimal = Decimal(0)

    def add(self, push: PushRequest, hours: Decimal) -> None:
        self.counts["pushed"] += 1
        self.counts[push.status] += 1
        if push.status in (PushStatus.ADMITTED, PushStatus.APPROVED):
            self.counts["delivered"] += 1
            self.hours += hours
            if push.event is not None and push.event.status in DONE:
                self.counts["done"] += 1

    def as_dict(self) -> dict:
        return {"key": self.key, "name": self.name, "parent": self.parent, **self.counts,
                "hours": float(round(self.hours, 2))}


@dataclass
class BurdenReport:
    area: Area
    month: dt.date
    grids: list[Row]
    workers: list[Row]
    pushers: list[Row]
    total: Row


def month_bounds(month: dt.date) -> tuple[dt.datetime, dt.datetime]:
    start = timezone.make_aware(dt.datetime(month.year, month.month, 1))
    nxt = dt.date(month.year + (month.month == 12), month.month % 12 + 1, 1)
    return start, timezone.make_aware(dt.datetime(nxt.year, nxt.month, 1))


def parse_month(value: str | None) -> dt.date:
    if not value:
        today = timezone.localdate()
        return today.replace(day=1)
    try:
        y, m = (int(x) for x in value.split("-")[:2])
        if not 2000 <= y <= 2100:
            raise ValueError(y)
        return dt.date(y, m, 1)
    except (ValueError, TypeError):
        raise ValidationFailed("月份格式应为 YYYY-MM / The month is YYYY-MM.", code="validation_failed",
                               fields={"month": value[:20]}) from None


def ensure_reader(user, area: Area) -> None:
    """404 for an area the user cannot see; 403 without a burden reader's grant over it."""
    if not restrict(Area.objects.filter(pk=area.pk), user, Action.VIEW).exists():
        raise NotFound("区域不存在 / Area not found.", code="area.not_found")
    if user.is_superuser or any(g.role in BURDEN_READERS and area.path.startswith(g.path) for g in user_grants(user)):
        return
    raise PermissionDenied("您无权查看该区域的减负报表 / You may not read this area's burden report.",
                           code="permission_denied")


def default_area(user) -> Area | None:
    for g in user_grants(user):
        if g.role in BURDEN_READERS:
            return Area.objects.filter(pk=g.area_id).first()
    return Area.objects.filter(parent__isnull=True).order_by("id").first() if user.is_superuser else None


def _pusher_key(p: PushRequest) -> tuple[str, str]:
    if p.pusher_kind == PusherKind.DEPARTMENT and p.department is not None:
        return f"department:{p.department_id}", p.department.name
    if p.pusher_kind == PusherKind.TOWN:
        return f"town:{p.town_id}", f"{p.town.name} · 镇街科室"
    return "district", "区县"


def burden_report(*, user, area: Area, month: dt.date) -> BurdenReport:
    """The month's burden over ``area``'s subtree (a district, town or community)."""
    ensure_reader(user, area)
    start, end = month_bounds(month)
    grids = list(Area.objects.filter(path__startswith=area.path, level=AreaLevel.GRID, valid_to__isnull=True)
                 .select_related("parent").order_by("path"))
    grid_rows = {g.path: Row(f"grid:{g.pk}", g.name, g.parent.name if g.parent else "") for g in grids}
    pushes = list(PushRequest.objects.filter(area_path__startswith=area.path, pushed_at__gte=start, pushed_at__lt=end)
                  .select_related("event", "department", "town").order_by("id"))
    # community pushes may reach grids whose path starts with the community's; grid/micro-grid ones one grid.
    workers: dict[int, list[int]] = defaultdict(list)  # grid id -> worker ids
    names: dict[int, str] = {}
    for gr in (RoleGrant.objects.active().filter(role=Role.GRID_WORKER, area__path__startswith=area.path)
               .select_related("user", "area")):
        grid_path = next((p for p in grid_rows if gr.area.path.startswith(p)), None)
        if grid_path is not None:
            gid = int(grid_path.strip("/").split("/")[-1])
            if gr.user_id not in workers[gid]:
                workers[gid].append(gr.user_id)
            names[gr.user_id] = str(gr.user)
    worker_rows = {uid: Row(f"worker:{uid}", name) for uid, name in names.items()}
    pusher_rows: dict[str, Row] = {}
    total = Row("total", "合计")
    for p in pushes:
        reached = [path for path in grid_rows if path.startswith(p.area_path) or p.area_path.startswith(path)]
        key, name = _pusher_key(p)
        prow = pusher_rows.setdefault(key, Row(key, name))
        prow.add(p, p.expected_hours * len(reached))
        total.add(p, p.expected_hours * len(reached))
        for path in reached:
            grid_rows[path].add(p, p.expected_hours)
            gid = int(path.strip("/").split("/")[-1])
            staff = workers.get(gid, [])
            for uid in staff:
                worker_rows[uid].add(p, p.expected_hours / len(staff))
    for uid, row in worker_rows.items():
        grid_names = [g.name for g in grids if uid in workers.get(g.pk, [])]
        row.parent = "、".join(grid_names)
    return BurdenReport(area=area, month=month, grids=list(grid_rows.values()),
                        workers=sorted(worker_rows.values(), key=lambda r: (r.parent, r.name)),
                        pushers=sorted(pusher_rows.values(), key=lambda r: r.key), total=total)


def burden_xlsx(report: BurdenReport) -> bytes:
    """The report as an Excel workbook: one sheet each for grids, workers and pushers."""
    import io

    from openpyxl import Workbook

    wb = Workbook()
    head = ["名称 Name", "所属 Parent", "下派 Pushed", "准入 Admitted", "审核通过 Approved", "待审核 Held",
            "不予准入 Refused", "送达 Delivered", "完成 Done", "工时 Hours"]
    for i, (title, rows) in enumerate((("网格 Grids", report.grids), ("网格员 Workers", report.workers),
                                       ("下派单位 Pushers", report.pushers))):
        ws = wb.active if i == 0 else wb.create_sheet()
        ws.title = title
        ws.append([f"{report.area.name} {report.month:%Y-%m}"])
        ws.append(head)
        for r in [*rows, report.total] if i == 2 else rows:
            d = r.as_dict()
            ws.append([d["name"], d["parent"], *(d[c] for c in COLUMNS), d["hours"]])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
