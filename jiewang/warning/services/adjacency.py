"""Which grids neighbour which: grids whose boundaries touch, or lie within ``distance_m`` metres
of each other. Computed with shapely from the current boundaries of every grid (projected to
metres around the city's latitude) and cached per process for one ``BoundaryRevision.revision``:
a boundary change anywhere moves the revision and the next question recomputes."""

from __future__ import annotations

import math
import threading

from shapely import STRtree
from shapely.affinity import affine_transform

from jiewang.areas.choices import AreaLevel
from jiewang.areas.geometry import geometry_from_geojson
from jiewang.areas.models import Area, BoundaryRevision

_lock = threading.Lock()
_cache: dict[tuple[int, float], dict[int, frozenset[int]]] = {}
EPSILON_M = 0.01  # shared edges stored with rounding still touch


def _grids():
    rows = Area.objects.filter(level__in=[AreaLevel.GRID, AreaLevel.MICROGRID], valid_to__isnull=True,
                               geometry__isnull=False).values_list("id", "geometry")
    ids, shapes = [], []
    for pk, geo in rows:
        try:
            shapes.append(geometry_from_geojson(geo))
        except Exception:  # noqa: BLE001 - a broken stored boundary has no neighbours
            continue
        ids.append(pk)
    if not shapes:
        return ids, shapes
    lat0 = sum(s.centroid.y for s in shapes) / len(shapes)
    kx, ky = 111_320.0 * math.cos(math.radians(lat0)), 110_540.0
    return ids, [affine_transform(s, [kx, 0, 0, ky, 0, 0]) for s in shapes]


def _compute(distance_m: float) -> dict[int, frozenset[int]]:
    ids, shapes = _grids()
    tree = STRtree(shapes)
    reach = distance_m + EPSILON_M
    out: dict[int, frozenset[int]] = {}
    for i, shape in enumerate(shapes):
        near = tree.query(shape, predicate="dwithin", distance=reach)
        out[ids[i]] = frozenset(ids[j] for j in near if j != i)
    return out


def neighbours(grid_id: int, distance_m: float = 0.0, *, revision: int | None = None) -> frozenset[int]:
    """The grids neighbouring ``grid_id`` (not itself). ``revision``: the boundary revision the
    caller read (once per batch), else read here."""
    key = (BoundaryRevision.current() if revision is None else revision, float(distance_m))
    table = _cache.get(key)
    if table is None:
        with _lock:
            table = _cache.get(key)
            if table is None:
                table = _compute(distance_m)
                for old in [k for k in _cache if k[0] != key[0]]:
                    _cache.pop(old, None)
                _cache[key] = table
    return table.get(grid_id, frozenset())


def forget() -> None:
    _cache.clear()
