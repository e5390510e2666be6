"""Is a point inside a grid, within a tolerance? The check every track point and check-in goes
through.

A grid's :class:`Fence` is its current boundary projected to metres (an equirectangular frame at
the grid's latitude: a few centimetres of error across a grid) and buffered outward by
``PATROL_OUTSIDE_TOLERANCE_M`` (default 30 m: a phone's GPS error in streets), both *prepared*
(shapely's index on the polygon's edges), so a batch of points is one vectorised
``intersects_xy`` call. Fences are cached per process by grid and the grid row's ``version`` and
``updated_at`` (every area service write moves them), so a redrawn boundary is seen at the next
batch with no polling and no query beyond the patrol's own row.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass

import numpy as np
import shapely
from django.conf import settings
from shapely.affinity import affine_transform

from jiewang.areas.geometry import geometry_from_geojson

M_PER_DEG_LAT = 110_540.0
M_PER_DEG_LON_EQUATOR = 111_320.0
_lock = threading.Lock()
_cache: dict[int, tuple[tuple, Fence]] = {}
MAX_CACHED = 4096  # fences kept per process (a town's grids many times over)


def tolerance_m() -> float:
    return float(getattr(settings, "PATROL_OUTSIDE_TOLERANCE_M", 30.0))


@dataclass(frozen=True)
class Fence:
    """A grid's boundary in metres (``inner``) and the same buffered by the tolerance (``outer``)."""

    kx: float
    ky: float
    inner: object
    outer: object
    tolerance_m: float

    def outside(self, lons, lats) -> np.ndarray:
        """A boolean per point: beyond the tolerance outside the grid."""
        xs = np.asarray(lons, dtype=float) * self.kx
        ys = np.asarray(lats, dtype=float) * self.ky
        return ~shapely.intersects_xy(self.outer, xs, ys)

    def distance_m(self, lons, lats) -> np.ndarray:
        """Metres from each point to the grid (0 inside)."""
        xs = np.asarray(lons, dtype=float) * self.kx
        ys = np.asarray(lats, dtype=float) * self.ky
        return shapely.distance(self.inner, shapely.points(xs, ys))

    def path_length_m(self, lons, lats) -> float:
        """The length of the polyline through the points, in metres."""
        if len(lons) < 2:
            return 0.0
        xs = np.asarray(lons, dtype=float) * self.kx
        ys = np.asarray(lats, dtype=float) * self.ky
        return float(np.hypot(np.diff(xs), np.diff(ys)).sum())


class NoFence:
    """A grid without a boundary: nothing can be judged outside it."""

    tolerance_m = 0.0
    kx, ky = M_PER_DEG_LON_EQUATOR * math.cos(math.radians(30)), M_PER_DEG_LAT

    def outside(self, lons, lats):
        return np.zeros(len(lons), dtype=bool)

    def distance_m(self, lons, lats):
        return np.zeros(len(lons))

    path_length_m = Fence.path_length_m


def build(geometry: dict | None, tol: float) -> Fence | NoFence:
    if not geometry:
        return NoFence()
    shape = geometry_from_geojson(geometry)
    lat0 = shape.centroid.y
    kx, ky = M_PER_DEG_LON_EQUATOR * math.cos(math.radians(lat0)), M_PER_DEG_LAT
    inner = affine_transform(shape, [kx, 0, 0, ky, 0, 0])
    outer = inner.buffer(tol) if tol > 0 else inner
    shapely.prepare(inner)
    shapely.prepare(outer)
    return Fence(kx, ky, inner, outer, tol)


def fence_for(grid_id: int, *, version: int, updated_at, load_geometry) -> Fence | NoFence:
    """The grid's fence, from the cache when the grid row is unchanged; ``load_geometry()`` reads
    the boundary only when it must be (re)built."""
    tol = tolerance_m()
    key = (version, updated_at, tol)
    hit = _cache.get(grid_id)
    if hit is not None and hit[0] == key:
        return hit[1]
    fence = build(load_geometry(), tol)
    with _lock:
        if len(_cache) >= MAX_CACHED:
            _cache.clear()
        _cache[grid_id] = (key, fence)
    return fence


def fence_of_area(area) -> Fence | NoFence:
    return fence_for(area.pk, version=area.version, updated_at=area.updated_at, load_geometry=lambda: area.geometry)


def forget() -> None:
    _cache.clear()
