"""Warnings about the imported areas against their parent and their siblings.

These are warnings, not rejections: real boundaries drawn by different offices rarely match
exactly, and the import should not fail on a few metres. They are reported when:

* ``import.outside_parent`` — the part of a new child outside its parent's boundary exceeds
  ``settings.AREA_OVERLAP_TOLERANCE`` of the child's area;
* ``import.sibling_overlap`` — two areas under the same parent (new/new, or new/current existing
  sibling) overlap by more than that share of the smaller one.

One is a rejection: a re-import that *moves* an existing area's boundary so that more than that
share lies outside its parent is ``import.moved_outside_parent`` — an existing area was placed
once, and a file that drags it out of its parent is more likely wrong than the tree — unless the
import allows it (``allow_outside_parent``), when it is the ``import.outside_parent`` warning and
the feature's report lists the ``outside_parent`` override.

Areas are in m² (local equal-area scaling at the feature's latitude). An STRtree over all new and
existing sibling geometries keeps a file of thousands of features fast.
"""

from __future__ import annotations

from dataclasses import dataclass

import shapely
from django.conf import settings
from shapely import STRtree
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

from ..geometry import m2_per_deg2
from ..models import Area


@dataclass
class Placed:
    """An accepted feature with its parent key and (for an update) the area it replaces."""

    geom: BaseGeometry
    parent: Area | None
    level: int
    report: object  # FeatureReport
    existing_id: int | None = None
    moves: bool = False  # an update that changes an existing area's boundary

    @property
    def parent_key(self):
        return self.parent.pk if self.parent is not None else None


def _geom_of(area: Area) -> BaseGeometry | None:
    if not area.geometry:
        return None
    try:
        g = shape(area.geometry)
    except Exception:  # a stored geometry should always parse; a warning check must not crash
        return None
    if not g.is_valid:
        g = shapely.make_valid(g)
    return g


def check_placement(items: list[Placed], *, tolerance: float | None = None,
                    allow_outside_parent: bool = False) -> None:
    """Append containment and overlap warnings to each item's report, and the
    ``import.moved_outside_parent`` error to an update that moves its area out of its parent."""
    if not items:
        return
    tol = settings.AREA_OVERLAP_TOLERANCE if tolerance is None else tolerance
    # --- children sticking out of their parent
    parent_geoms: dict[int, BaseGeometry | None] = {}
    for it in items:
        if it.parent is None:
            continue
        if it.parent.pk not in parent_geoms:
            parent_geoms[it.parent.pk] = _geom_of(it.parent)
        pg = parent_geoms[it.parent.pk]
        if pg is None or it.geom.area <= 0:
            continue
        outside = 0.0 if pg.contains(it.geom) else it.geom.difference(pg).area
        share = outside / it.geom.area
        if it.moves and "geometry" in it.report.diff:
            it.report.diff["geometry"]["outside_parent_share"] = round(share, 6)
        if share > tol:
            scale = m2_per_deg2(it.geom.centroid.y)
            detail = {"parent_code": it.parent.code, "outside_m2": round(outside * scale, 1), "share": round(share, 6)}
            if it.moves and not allow_outside_parent:
                it.report.error(
                    "import.moved_outside_parent",
                    f"新边界有 {share:.2%} 超出上级区域 {it.parent.code} / The new boundary would put {share:.2%} of "
                    f"the area ({outside * scale:,.0f} m²) outside its parent {it.parent.code}; allow it "
                    "explicitly if intended.", **detail)
                continue
            if it.moves:
                it.report.overrides.append("outside_parent")
            it.report.warn(
                "import.outside_parent",
                f"超出上级区域 {share:.2%} / {share:.2%} of the area ({outside * scale:,.0f} m²) lies outside "
                f"its parent {it.parent.code}.", **detail)
    # --- overlaps between siblings (same parent)
    replaced = {it.existing_id for it in items if it.existing_id}
    parent_ids = {it.parent_key for it in items if it.parent_key is not None}
    qs = Area.objects.current().filter(geometry__isnull=False).only("id", "code", "name", "parent_id", "geometry")
    ids = sorted(parent_ids)
    existing = [a for i in range(0, len(ids), 500) for a in qs.filter(parent_id__in=ids[i:i + 500])]
    root_levels = {it.level for it in items if it.parent is None}
    if root_levels:
        existing += list(qs.filter(parent__isnull=True, level__in=root_levels))
    existing = [a for a in existing if a.pk not in replaced]
    geoms: list[BaseGeometry] = [it.geom for it in items]
    keys: list = [it.parent_key for it in items]
    labels: list[tuple[str, str, bool]] = [(it.report.code, it.report.name, True) for it in items]
    for a in existing:
        g = _geom_of(a)
        if g is None or g.is_empty:
            continue
        geoms.append(g)
        keys.append(a.parent_id)
        labels.append((a.code, a.name, False))
    tree = STRtree(geoms)
    n_new = len(items)
    for i, it in enumerate(items):
        for j in sorted(int(x) for x in tree.query(it.geom, predicate="intersects")):
            if j == i or keys[j] != keys[i] or (j < n_new and j < i):
                continue
            inter = it.geom.intersection(geoms[j]).area
            smaller = min(it.geom.area, geoms[j].area)
            if smaller <= 0:
                continue
            share = inter / smaller
            if share <= tol:
                continue
            m2 = round(inter * m2_per_deg2(it.geom.centroid.y), 1)
            other_code, other_name, other_new = labels[j]
            what = "本次导入的" if other_new else "现有的"
            it.report.warn(
                "import.sibling_overlap",
                f"与{what}同级区域 {other_code} {other_name} 重叠 {m2:,.0f} m² / overlaps "
                f"{'new' if other_new else 'existing'} sibling {other_code} by {m2:,.0f} m² "
                f"({share:.2%} of the smaller).",
                other_code=other_code, other_is_new=other_new, overlap_m2=m2, share=round(share, 6),
            )
            if other_new:
                other = items[j]
                other.report.warn(
                    "import.sibling_overlap",
                    f"与本次导入的同级区域 {it.report.code} {it.report.name} 重叠 {m2:,.0f} m² / overlaps new "
                    f"sibling {it.report.code} by {m2:,.0f} m² ({share:.2%} of the smaller).",
                    other_code=it.report.code, other_is_new=True, overlap_m2=m2, share=round(share, 6),
                )
