"""Tiny server-side SVG maps of area polygons: enough to see a tree's shape without any map
library or tile server (the pages for the closed loop add Leaflet)."""

from __future__ import annotations

import math

import shapely
from shapely.geometry import shape


def svg_for_areas(areas, *, max_points: int = 60000) -> dict | None:
    polys = [(a, shape(a.geometry)) for a in areas if a.geometry]
    if not polys:
        return None
    minx = min(g.bounds[0] for _, g in polys)
    miny = min(g.bounds[1] for _, g in polys)
    maxx = max(g.bounds[2] for _, g in polys)
    maxy = max(g.bounds[3] for _, g in polys)
    kx = math.cos(math.radians((miny + maxy) / 2))  # keep shapes undistorted at this latitude
    span = max((maxx - minx) * kx, maxy - miny) or 1.0
    tolerance = span / 800
    paths = []
    for a, g in polys:
        g = shapely.simplify(g, tolerance, preserve_topology=True)
        parts = getattr(g, "geoms", [g])
        d = []
        for p in parts:
            for ring in [p.exterior, *p.interiors]:
                pts = " ".join(f"{(x - minx) * kx * 1000 / span:.1f},{y * 1000 / span:.1f}" for x, y in ring.coords)
                d.append("M" + pts + "Z")
        paths.append({"id": a.id, "name": a.name, "d": " ".join(d)})
    vb = f"0 {-maxy * 1000 / span:.1f} {(maxx - minx) * kx * 1000 / span:.1f} {(maxy - miny) * 1000 / span:.1f}"
    return {"viewbox": vb, "paths": paths}
