"""The situation at a glance (态势) of one area, read from the rollups (plus small, bounded live
queries for what the rollups do not hold: overdue assignments and pending report-ins).

Definitions (docs/architecture.md, "Rollups" and "The situation"):

- *new* in a period: events reported in it (Asia/Shanghai days), voided and merged ones excluded;
- *closed*: events whose status is closed or rated and whose ``closed_at`` falls in the period
  (an event sent back for redo is no longer closed, and counts again when it closes again);
- *overdue* in a period: events reported in it that carry the overdue mark (``is_overdue``: a
  handling or acceptance clock ran out), voided ones excluded, whatever else their status;
  *overdue now*: unfinished events (not voided, closed or rated) with it; *open now*: unfinished;
- *on-time closure rate* (按期办结率): closed in the period without the overdue mark / closed in the
  period; ``None`` when nothing closed;
- *satisfaction rate* (满意率): (满意 + 0.9 × 基本满意) / rated, over the events closed in the
  period that have a rating (return visit or the reporter's own); ``None`` without ratings.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Sum
from django.utils import timezone

from jiewang.accounts.choices import BoardKind, Role
from jiewang.areas.choices import AreaLevel
from jiewang.areas.models import Area
from jiewang.core.errors import NotFound, PermissionDenied
from jiewang.core.scope import user_grants
from jiewang.events.models import MatterCategory

from .models import Rollup, RollupDay, RollupMonth
from .services.rollups import UNFINISHED

# Who sees the situation of the areas under their grants. Department staff read only the events
# of their department and residents their own reports: neither sees an area's totals.
SITUATION_ROLES = frozenset(Role.values) - {Role.DEPARTMENT_STAFF, Role.RESIDENT}
TREND_DAYS = (30, 90, 365)
TOP_LIMIT = 10
CATEGORY_LIMIT = 20
LIVE_LIMIT = 10


def situation_roots(user) -> list[Area]:
    """The areas whose situation ``user`` may read (with everything below them), broadest first."""
    if user.is_superuser:
        return list(Area.objects.current().filter(parent__isnull=True).order_by("code")[:20])
    ids = {g.area_id for g in user_grants(user) if g.role in SITUATION_ROLES}
    return sorted(Area.objects.current().filter(id__in=ids), key=lambda a: (a.level, a.path))


def situation_area(*, user, area_id: int | None = None) -> Area:
    """The area asked for if ``user`` may read its situation (404 otherwise), else the user's
    broadest one; 403 for a user with no role that reads a situation."""
    roots = situation_roots(user)
    if not roots and not user.is_superuser:
        raise PermissionDenied("无权查看态势 / You may not view the situation.", code="permission_denied")
    if area_id is None:
        if not roots:
            raise NotFound("区域不存在 / Area not found.", code="area.not_found")
        return roots[0]
    area = Area.objects.current().filter(pk=area_id).first()
    if area is None or not (user.is_superuser or any(area.path.startswith(r.path) for r in roots)):
        raise NotFound("区域不存在 / Area not found.", code="area.not_found")
    return area


def _local_today() -> dt.date:
    return timezone.localtime(timezone.now(), timezone.get_default_timezone()).date()


# Sums of the three figures by which the breakdowns are shown; "new" leaves voided events out.
FIGURES = {"new": Sum("new") - Sum("voided"), "closed": Sum("closed"), "overdue": Sum("overdue")}


def _figures(row: dict | None) -> dict:
    row = row or {}
    return {k: row.get(k) or 0 for k in FIGURES}


def _breakdown(column: str, month_qs, today_qs, order_by_new: bool = False, limit: int | None = None) -> list:
    """[(key, {"today": figures, "month": figures})] grouped by ``column``."""
    month = month_qs.values(column).annotate(**FIGURES).order_by()
    if order_by_new:
        month = month.order_by("-new", column)[:limit]
    month = {r[column]: r for r in month}
    today = {r[column]: r for r in today_qs.filter(**{f"{column}__in": list(month)} if limit else {})
             .values(column).annotate(**FIGURES).order_by()}
    return [(k, {"today": _figures(today.get(k)), "month": _figures(v)}) for k, v in month.items()]


def _rate(num, den) -> float | None:
    return round(num / den, 4) if den else None


def _period(qs) -> dict:
    r = qs.aggregate(new=Sum("new"), voided=Sum("voided"), closed=Sum("closed"), overdue=Sum("overdue"),
                     on_time=Sum("closed_on_time"), rated=Sum("rated"), satisfied=Sum("satisfied"),
                     basically=Sum("basically"))
    r = {k: v or 0 for k, v in r.items()}
    return {"new": r["new"] - r["voided"], "closed": r["closed"], "overdue": r["overdue"],
            "closed_on_time": r["on_time"], "rated": r["rated"], "satisfied": r["satisfied"],
            "basically_satisfied": r["basically"], "on_time_rate": _rate(r["on_time"], r["closed"]),
            "satisfaction_rate": _rate(r["satisfied"] + 0.9 * r["basically"], r["rated"])}


def situation(*, user, area_id: int | None = None, days: int = 30) -> dict:
    """The situation of an area (see the module docstring for every number's definition). Reads:
    RollupDay for today, the stocks and the trend; RollupMonth for the month, its boards,
    categories, child areas and top grids; Rollup (every dimension) for today's boards and
    categories only."""
    area = situation_area(user=user, area_id=area_id)
    if days not in TREND_DAYS:
        days = 30
    today = _local_today()
    month_start = today.replace(day=1)
    day_own = RollupDay.objects.filter(area_id=area.id)
    month_own = RollupMonth.objects.filter(area_id=area.id, month=month_start)
    today_full = Rollup.objects.filter(area_id=area.id, day=today)
    stock = day_own.filter(open__gt=0).aggregate(open=Sum("open"), overdue=Sum("open_overdue"))

    boards = dict(_breakdown("board_kind", month_own, today_full))
    by_board = [{"board": k, "label": str(label), **boards.get(k, {"today": _figures(None), "month": _figures(None)})}
                for k, label in BoardKind.choices]

    cats = _breakdown("category_id", month_own, today_full, order_by_new=True, limit=CATEGORY_LIMIT)
    names = dict(MatterCategory.objects.filter(id__in=[k for k, _ in cats]).values_list("id", "name"))
    by_category = [{"category_id": k, "name": names.get(k, ""), **v} for k, v in cats]

    children = list(Area.objects.current().filter(parent=area).order_by("code").values("id", "name", "level"))
    child_ids = [c["id"] for c in children]
    kids_month = {r["area_id"]: r for r in RollupMonth.objects.filter(area_id__in=child_ids, month=month_start)
                  .values("area_id").annotate(**FIGURES).order_by()}
    kids_today = {r["area_id"]: r for r in RollupDay.objects.filter(area_id__in=child_ids, day=today)
                  .values("area_id").annotate(**FIGURES).order_by()}
    kid_stock = {r["area_id"]: r for r in RollupDay.objects.filter(area_id__in=child_ids, open__gt=0)
                 .values("area_id").annotate(open=Sum("open"), overdue=Sum("open_overdue")).order_by()}
    by_area = [{"area_id": c["id"], "name": c["name"], "today": _figures(kids_today.get(c["id"])),
                "month": _figures(kids_month.get(c["id"])),
                "open_now": (kid_stock.get(c["id"]) or {}).get("open") or 0,
                "overdue_now": (kid_stock.get(c["id"]) or {}).get("overdue") or 0} for c in children]

    grids = RollupMonth.objects.filter(level=AreaLevel.GRID, month=month_start, area_path__startswith=area.path)
    top = list(grids.values("area_id").annotate(new=Sum("new") - Sum("voided"), overdue=Sum("overdue"))
               .filter(new__gt=0).order_by("-new", "-overdue", "area_id")[:TOP_LIMIT])
    grid_names = dict(Area.objects.filter(id__in=[t["area_id"] for t in top]).values_list("id", "name"))
    top_grids = [{"area_id": t["area_id"], "name": grid_names.get(t["area_id"], ""), "new": t["new"],
                  "overdue": t["overdue"] or 0} for t in top]

    since = today - dt.timedelta(days=days - 1)
    series = {r["day"]: r for r in day_own.filter(day__gte=since, day__lte=today)
              .values("day", "new", "voided", "closed", "overdue")}
    trend = []
    for i in range(days):
        d = since + dt.timedelta(days=i)
        r = series.get(d)
        trend.append({"day": d.isoformat(), "new": r["new"] - r["voided"] if r else 0,
                      "closed": r["closed"] if r else 0, "overdue": r["overdue"] if r else 0})

    return {
        "area": {"id": area.id, "name": area.name, "level": area.level, "code": area.code},
        "today": today.isoformat(), "month_start": month_start.isoformat(),
        "now": {"open": stock["open"] or 0, "overdue": stock["overdue"] or 0},
        "periods": {"today": _period(day_own.filter(day=today)), "month": _period(month_own)},
        "by_board": by_board, "by_category": by_category, "by_area": by_area, "top_grids": top_grids,
        "overdue_units": overdue_units(area), "whistles_pending": whistles_pending(area),
        "trend": {"days": days, "series": trend},
    }


def overdue_units(area: Area) -> list[dict]:
    """Departments and posts holding open assignments (lead or assisting) on open events of the
    area that carry the overdue mark, most first (a live, bounded query)."""
    from jiewang.dispatching.models import OPEN_ASSIGNMENT, Assignment

    rows = Assignment.objects.filter(status__in=OPEN_ASSIGNMENT, event__area_path__startswith=area.path,
                                     event__is_overdue=True, event__status__in=UNFINISHED) \
        .values("department_id", "department__name", "post_id", "post__name") \
        .annotate(n=Count("event_id", distinct=True)).order_by("-n", "department_id", "post_id")[:LIVE_LIMIT]
    return [{"kind": "department" if r["department_id"] else "post",
             "id": r["department_id"] or r["post_id"], "name": r["department__name"] or r["post__name"] or "",
             "overdue": r["n"]} for r in rows]


def whistles_pending(area: Area) -> dict:
    """Summonses of open whistles of the area not reported in yet (哨声未应): how many, and the
    oldest deadlines first."""
    from jiewang.dispatching.models import SummonsStatus, WhistleSummons

    qs = WhistleSummons.objects.filter(status=SummonsStatus.SUMMONED, whistle__closed_at__isnull=True,
                                       whistle__event__area_path__startswith=area.path)
    rows = qs.select_related("whistle__event", "department").order_by("whistle__report_in_due_at", "id")[:LIVE_LIMIT]
    return {"count": qs.count(),
            "rows": [{"event": s.whistle.event.number, "title": s.whistle.event.title, "department": s.department.name,
                      "due_at": s.whistle.report_in_due_at.isoformat()} for s in rows]}
