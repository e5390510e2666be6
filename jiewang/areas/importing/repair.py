"""Turning one GeoJSON geometry of a boundary file into a valid (Multi)Polygon, or refusing it.

Rules (each applied repair is reported with the area before and after, in m²):

* ``dropped_z`` — 3D (or 4D) positions keep only lon/lat.
* ``removed_duplicate_points`` — consecutive repeated positions are removed.
* ``closed_ring`` — a ring whose last position differs from its first is closed.
* ``dropped_degenerate_ring`` — a hole (or an outer ring of a MultiPolygon part) with fewer than
  three distinct positions is dropped; if nothing is left the feature is ``import.empty``.
* ``dropped_non_polygonal`` — a GeometryCollection keeps only its polygons.
* ``made_valid`` — an invalid geometry (self-intersection, overlapping parts, …) is rebuilt with
  ``shapely.make_valid`` (linework method, keeps every edge), keeping the polygonal parts only.
* ``snapped_to_grid`` — coordinates are snapped to a 1e-7° grid (≈1 cm) with
  ``shapely.set_precision``; reported only when that removed points or changed the shape.
* ``dropped_slivers`` / ``filled_small_holes`` — parts and holes smaller than
  ``max(SLIVER_SHARE × area, SLIVER_MIN_M2)`` are dropped / filled (self-intersection debris).

All repairs together may change the area by at most ``AREA_REPAIR_TOLERANCE`` (1%) of the area as
shipped (GEOS's area of the raw geometry); otherwise the feature is ``import.irreparable``. A raw
area of zero (e.g. a symmetric bowtie, whose two lobes cancel out) cannot be compared, so it is
irreparable too: the intended shape cannot be told apart from another. Out-of-range coordinates
are never "repaired" (swapped lon/lat is a guess): ``import.out_of_range``.
"""

from __future__ import annotations

import math

import shapely
from shapely.geometry import MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry
from shapely.validation import explain_validity

from ..geometry import m2_per_deg2, polygonal_part

AREA_REPAIR_TOLERANCE = 0.01  # largest relative area change all repairs together may cause
PRECISION_GRID = 1e-7  # degrees, ≈1 cm
SLIVER_SHARE = 1e-5  # parts/holes below this share of the feature's area are debris
SLIVER_MIN_M2 = 1.0  # … and anything below 1 m²

NOT_AREAL_TYPES = ("Point", "MultiPoint", "LineString", "MultiLineString")


class FeatureRejected(Exception):
    """A geometry that cannot be imported. ``code`` is a stable ``import.*`` code."""

    def __init__(self, code: str, message: str, **detail):
        super().__init__(message)
        self.code = code
        self.message = message
        self.detail = detail


def _round(x: float) -> float:
    return round(float(x), 2)


class _Repairs:
    """Collects the repairs of one feature, measuring areas with one scale (the feature's
    latitude) so that before/after are comparable."""

    def __init__(self):
        self.items: list[dict] = []
        self.scale = 1.0

    def add(self, kind: str, detail: str, before: float, after: float, **extra) -> None:
        self.items.append({
            "kind": kind, "detail": detail, "area_before_m2": _round(before * self.scale),
            "area_after_m2": _round(after * self.scale), **extra,
        })


def _position(pos, state: dict) -> tuple[float, float]:
    if not isinstance(pos, (list, tuple)) or len(pos) < 2:
        raise FeatureRejected("import.malformed_geometry",
                              f"坐标格式错误 / A position must be [lon, lat], got {pos!r:.60}.")
    for v in pos:
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
            raise FeatureRejected("import.malformed_geometry",
                                  f"坐标不是有限数值 / Coordinates must be finite numbers, got {pos!r:.60}.")
    if len(pos) > 2:
        state["z"] += 1
    lon, lat = float(pos[0]), float(pos[1])
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        raise FeatureRejected("import.out_of_range",
                              f"坐标超出经纬度范围 / Position ({lon}, {lat}) is outside lon/lat range; "
                              "the file must be WGS84 lon/lat (EPSG:4326), not projected metres "
                              "or lat/lon order.", position=[lon, lat])
    return lon, lat


def _ring(coords, state: dict) -> list[tuple[float, float]] | None:
    """A cleaned, closed ring, or None if it has fewer than three distinct positions."""
    if not isinstance(coords, (list, tuple)):
        raise FeatureRejected("import.malformed_geometry", "环格式错误 / A ring must be a list of positions.")
    pts: list[tuple[float, float]] = []
    for pos in coords:
        p = _position(pos, state)
        if pts and pts[-1] == p:
            state["duplicates"] += 1
            continue
        pts.append(p)
    if len(pts) >= 2 and pts[0] != pts[-1]:
        state["unclosed"] += 1
        pts.append(pts[0])
    if len(set(pts)) < 3:
        return None
    return pts


def _polygon(rings, state: dict) -> Polygon | None:
    if not isinstance(rings, (list, tuple)):
        raise FeatureRejected("import.malformed_geometry", "多边形格式错误 / A polygon must be a list of rings.")
    if not rings:  # an empty Polygon is valid GeoJSON; it just has no area
        return None
    shell = _ring(rings[0], state)
    if shell is None:
        state["degenerate"] += 1 + (len(rings) - 1)
        return None
    holes = []
    for r in rings[1:]:
        h = _ring(r, state)
        if h is None:
            state["degenerate"] += 1
        else:
            holes.append(h)
    return Polygon(shell, holes)


def _collect(obj, state: dict, depth: int = 0) -> list[Polygon]:
    if not isinstance(obj, dict):
        raise FeatureRejected("import.missing_geometry", "缺少几何 / The feature has no geometry.")
    gtype = obj.get("type")
    if gtype == "Polygon":
        p = _polygon(obj.get("coordinates"), state)
        return [p] if p is not None else []
    if gtype == "MultiPolygon":
        coords = obj.get("coordinates")
        if not isinstance(coords, (list, tuple)):
            raise FeatureRejected("import.malformed_geometry", "多多边形格式错误 / Malformed MultiPolygon.")
        return [p for p in (_polygon(c, state) for c in coords) if p is not None]
    if gtype == "GeometryCollection" and depth < 5:
        polys: list[Polygon] = []
        for g in obj.get("geometries") or []:
            if isinstance(g, dict) and g.get("type") in NOT_AREAL_TYPES:
                state["non_polygonal"] += 1
                continue
            polys.extend(_collect(g, state, depth + 1))
        return polys
    if gtype in NOT_AREAL_TYPES:
        raise FeatureRejected("import.not_areal",
                              f"不是面状几何 / A {gtype} has no area; a boundary must be a Polygon or MultiPolygon.",
                              geometry_type=gtype)
    raise FeatureRejected("import.malformed_geometry", f"未知几何类型 / Unknown geometry type {gtype!r:.40}.")


def _drop_slivers(geom: BaseGeometry, threshold: float) -> tuple[BaseGeometry, int, float, int, float]:
    kept, n_parts, a_parts, n_holes, a_holes = [], 0, 0.0, 0, 0.0
    for part in shapely.get_parts(geom):
        if part.area < threshold:
            n_parts += 1
            a_parts += part.area
            continue
        holes = []
        for ring in part.interiors:
            ha = Polygon(ring).area
            if ha < threshold:
                n_holes += 1
                a_holes += ha
            else:
                holes.append(ring)
        kept.append(Polygon(part.exterior, holes) if n_holes else part)
    out = Polygon() if not kept else kept[0] if len(kept) == 1 else MultiPolygon(kept)
    return out, n_parts, a_parts, n_holes, a_holes


def repair_geometry(obj) -> tuple[BaseGeometry, list[dict]]:
    """The repaired Polygon/MultiPolygon and the list of repairs; raises :class:`FeatureRejected`."""
    if obj is None:
        raise FeatureRejected("import.missing_geometry", "缺少几何 / The feature has no geometry.")
    state = {"z": 0, "duplicates": 0, "unclosed": 0, "degenerate": 0, "non_polygonal": 0}
    polys = _collect(obj, state)
    rep = _Repairs()
    if not polys:
        if state["non_polygonal"]:
            raise FeatureRejected("import.not_areal", "几何集合中没有面 / The GeometryCollection holds no polygon.")
        raise FeatureRejected("import.empty", "边界为空 / The boundary is empty (no ring with three distinct points).")
    raw = polys[0] if len(polys) == 1 else MultiPolygon(polys)
    shipped = raw.area  # GEOS area of the geometry as shipped (cleaning positions keeps it)
    c = raw.envelope.centroid
    rep.scale = m2_per_deg2(c.y)
    if state["z"]:
        rep.add("dropped_z", f"忽略高程 / dropped the 3rd coordinate of {state['z']} positions", shipped, shipped,
                count=state["z"])
    if state["duplicates"]:
        rep.add("removed_duplicate_points", f"删除重复点 / removed {state['duplicates']} repeated consecutive points",
                shipped, shipped, count=state["duplicates"])
    if state["unclosed"]:
        rep.add("closed_ring", f"闭合环 / closed {state['unclosed']} unclosed rings", shipped, shipped,
                count=state["unclosed"])
    if state["degenerate"]:
        rep.add("dropped_degenerate_ring", f"删除退化环 / dropped {state['degenerate']} rings with fewer than 3 "
                "distinct points", shipped, shipped, count=state["degenerate"])
    if state["non_polygonal"]:
        rep.add("dropped_non_polygonal", f"删除非面要素 / dropped {state['non_polygonal']} points/lines of the "
                "GeometryCollection", shipped, shipped, count=state["non_polygonal"])

    geom = raw
    if not geom.is_valid:
        reason = explain_validity(geom)
        fixed = polygonal_part(shapely.make_valid(geom))
        rep.add("made_valid", f"修复无效几何 / rebuilt an invalid geometry ({reason})", geom.area, fixed.area,
                reason=reason)
        geom = fixed
    if not geom.is_empty:
        snapped = polygonal_part(shapely.set_precision(geom, PRECISION_GRID))
        n_before, n_after = shapely.get_num_coordinates(geom), shapely.get_num_coordinates(snapped)
        if n_after != n_before or snapped.geom_type != geom.geom_type or len(shapely.get_parts(snapped)) != len(
                shapely.get_parts(geom)):
            rep.add("snapped_to_grid", f"坐标取整到1e-7度 / snapped to a {PRECISION_GRID}° grid, "
                    f"{n_before - n_after} points merged", geom.area, snapped.area, count=n_before - n_after)
        geom = snapped
    if geom.is_empty:
        raise FeatureRejected("import.empty", "边界没有面积 / The boundary has no area (it collapses to a line "
                              "or point).", area_m2=0.0)
    threshold = max(SLIVER_SHARE * geom.area, SLIVER_MIN_M2 / rep.scale)
    trimmed, n_parts, a_parts, n_holes, a_holes = _drop_slivers(geom, threshold)
    if trimmed.is_empty:
        raise FeatureRejected("import.empty", f"边界面积过小 / The boundary is smaller than {SLIVER_MIN_M2} m².",
                              area_m2=_round(geom.area * rep.scale))
    if n_parts:
        rep.add("dropped_slivers", f"删除碎片 / dropped {n_parts} sliver parts", geom.area, geom.area - a_parts,
                count=n_parts, removed_m2=_round(a_parts * rep.scale))
    if n_holes:
        rep.add("filled_small_holes", f"填充小孔 / filled {n_holes} tiny holes", geom.area - a_parts,
                trimmed.area, count=n_holes, removed_m2=_round(a_holes * rep.scale))
    geom = trimmed
    if not geom.is_valid:  # should not happen after make_valid + set_precision; never store invalid
        geom = polygonal_part(shapely.make_valid(geom))
    final = geom.area
    if shipped <= 0:
        raise FeatureRejected(
            "import.irreparable",
            "无法修复：原始面积为零（如对称的蝴蝶结形）/ Irreparable: the geometry as shipped has zero area "
            "(its self-intersecting lobes cancel out, e.g. a bowtie), so no repair can be checked against it.",
            area_before_m2=0.0, area_after_m2=_round(final * rep.scale), repairs=rep.items)
    change = abs(final - shipped) / shipped
    if change > AREA_REPAIR_TOLERANCE:
        raise FeatureRejected(
            "import.irreparable",
            f"无法修复：修复会使面积改变 {change:.1%} / Irreparable: repairing would change the area by "
            f"{change:.1%} (more than {AREA_REPAIR_TOLERANCE:.0%}).",
            area_before_m2=_round(shipped * rep.scale), area_after_m2=_round(final * rep.scale),
            relative_change=round(change, 6), repairs=rep.items)
    if not geom.is_valid or geom.geom_type not in ("Polygon", "MultiPolygon"):
        raise FeatureRejected("import.irreparable", "无法修复 / The geometry could not be made valid.")
    return geom, rep.items
