"""The situation map (态势地图): the sub-areas of one area (the communities of a town, the grids of
a community, the towns of a district) each with the situation figures of the rollups, and the one
*metric* the user picked to colour them (a choropleth on the command center and the big screen).

Every figure has the definition :mod:`jiewang.stats.selectors` gives it (docs/situation-map.md):

- ``new_today`` / ``new_month``: events reported today / this month, voided ones excluded;
- ``open`` / ``overdue``: unfinished events now / unfinished ones with the overdue mark;
- ``on_time_rate``: closed this month without the overdue mark / closed this month (None: none
  closed);
- ``satisfaction_rate``: (满意 + 0.9 × 基本满意) / rated, over the events closed this month;
- ``per_1000_households``: new this month × 1000 / the sub-area's households (None without a
  household count). An area's households are its own figure, or when that is 0 the sum of the
  grids below it.

Read from RollupMonth (the month), RollupDay (today), RollupStock (the stocks) and the areas; one
query per table, whatever the number of sub-areas.
"""

from __future__ import annotations

from django.db.models import F, Sum
from django.utils.translation import gettext_lazy as _

from jiewang.areas.choices import AreaLevel
from jiewang.areas.models import Area
from jiewang.core.errors import ValidationFailed

from .models import RollupDay, RollupMonth, RollupStock
from .selectors import _local_today, _rate, situation_area, situation_roots

# metric -> (label, which end is better: "lower" for counts of trouble, "higher" for rates, kind)
METRICS = {
    "new_month": (_("New this month"), "lower", "count"),
    "new_today": (_("New today"), "lower", "count"),
    "open": (_("Open now"), "lower", "count"),
    "overdue": (_("Overdue now"), "lower", "count"),
    "on_time_rate": (_("On-time closure rate (month)"), "higher", "rate"),
    "satisfaction_rate": (_("Satisfaction rate (month)"), "higher", "rate"),
    "per_1000_households": (_("New this month per 1,000 households"), "lower", "ratio"),
}
DEFAULT_METRIC = "new_month"
MAP_MAX_AREAS = 3000


def metric_choices() -> list[dict]:
    return [{"value": k, "label": str(label), "better": better, "kind": kind}
            for k, (label, better, kind) in METRICS.items()]


def _check_metric(metric: str) -> str:
    if metric not in METRICS:
        raise ValidationFailed("指标无效 / Unknown metric.", code="validation_failed",
                               fields={"metric": ", ".join(METRICS)})
    return metric


def _households(children: list[dict]) -> dict[int, int]:
    """{child id: households}: its own figure, else the sum over the grids below it."""
    out = {c["id"]: c["households"] for c in children}
    missing = [c for c in children if not c["households"]]
    if missing:
        grids = Area.objects.current().filter(level=AreaLevel.GRID)
        for c in missing:
            out[c["id"]] = grids.filter(path__startswith=c["path"]).aggregate(n=Sum("households"))["n"] or 0
    return out


def _parent_in_scope(user, area: Area) -> dict | None:
    """The parent of ``area`` when the user may read its situation too (the map's way back up)."""
    if area.parent_id is None:
        return None
    roots = situation_roots(user)
    parent = Area.objects.current().filter(pk=area.parent_id).only("id", "name", "path").first()
    if parent is None or not (user.is_superuser or any(parent.path.startswith(r.path) for r in roots)):
        return None
    return {"id": parent.id, "name": parent.name}


def situation_map(*, user, area_id: int | None = None, metric: str = DEFAULT_METRIC) -> dict:
    """The sub-areas of the area (or the area itself when it has none) with their figures and the
    value of ``metric``; the GeoJSON to draw them from; the range of the values for the legend."""
    metric = _check_metric(metric)
    area = situation_area(user=user, area_id=area_id)
    full = Area.objects.current().filter(pk=area.pk).values("min_lon", "min_lat", "max_lon", "max_lat").first()
    rows = list(Area.objects.current().filter(parent_id=area.id).order_by("code")
                .values("id", "name", "level", "path", "households")[:MAP_MAX_AREAS + 1])
    too_large = len(rows) > MAP_MAX_AREAS
    if too_large:
        rows = []
    own = not rows and not too_large
    if own:
        rows = list(Area.objects.current().filter(pk=area.id).values("id", "name", "level", "path", "households"))
    ids = [r["id"] for r in rows]
    today = _local_today()
    month_start = today.replace(day=1)
    month = {r["area_id"]: r for r in RollupMonth.objects.filter(area_id__in=ids, month=month_start)
             .values("area_id").annotate(new=Sum("new"), voided=Sum("voided"), closed=Sum("closed"),
                                         closed_on_time=Sum("closed_on_time"), rated=Sum("rated"),
                                         satisfied=Sum("satisfied"), basically=Sum("basically")).order_by()}
    day = {r["area_id"]: r for r in RollupDay.objects.filter(area_id__in=ids, day=today)
           .values("area_id", "new", "voided")}
    stock = {r["area_id"]: r for r in RollupStock.objects.filter(area_id__in=ids)
             .values("area_id", "open", overdue=F("open_overdue"))}
    households = _households(rows)
    has_children = set(Area.objects.current().filter(parent_id__in=ids).values_list("parent_id", flat=True)
                       .distinct()) if not own else set()

    areas = []
    for r in rows:
        m = month.get(r["id"]) or {}
        d = day.get(r["id"]) or {}
        s = stock.get(r["id"]) or {}
        new_month = (m.get("new") or 0) - (m.get("voided") or 0)
        hh = households.get(r["id"]) or 0
        figures = {
            "new_month": new_month,
            "new_today": (d.get("new") or 0) - (d.get("voided") or 0),
            "open": s.get("open") or 0,
            "overdue": s.get("overdue") or 0,
            "on_time_rate": _rate(m.get("closed_on_time") or 0, m.get("closed") or 0),
            "satisfaction_rate": _rate((m.get("satisfied") or 0) + 0.9 * (m.get("basically") or 0),
                                       m.get("rated") or 0),
            "per_1000_households": round(new_month * 1000 / hh, 2) if hh else None,
        }
        areas.append({"area_id": r["id"], "name": r["name"], "level": AreaLevel(r["level"]).name.lower(),
                      "households": hh, "drillable": r["id"] in has_children,
                      "value": figures[metric], "figures": figures})
    values = [a["value"] for a in areas if a["value"] is not None]
    label, better, kind = METRICS[metric]
    return {
        "area": {"id": area.id, "name": area.name, "level": AreaLevel(area.level).name.lower()},
        "parent": _parent_in_scope(user, area),
        "metric": {"value": metric, "label": str(label), "better": better, "kind": kind},
        "metrics": metric_choices(),
        "geojson_url": None if too_large else f"/api/areas/{area.id}/geojson",
        "too_large": too_large,
        "bbox": [full["min_lon"], full["min_lat"], full["max_lon"], full["max_lat"]] if full else None,
        "min": min(values) if values else None, "max": max(values) if values else None,
        "areas": areas,
    }
