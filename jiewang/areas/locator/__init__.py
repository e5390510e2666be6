"""The locator: which area does a point fall in?

Residents report events with a map point, grid workers check in on patrol, the Open311 facade
receives lat/long: each needs "the grid (and so the community, town, district) at this point",
thousands of times a second at peak, on ~62,000 grid polygons for a large city. The locator
answers it from an in-memory raster index over the *leaf* polygons (see :mod:`.index`), rebuilt
only when a boundary changes (:class:`~jiewang.areas.models.BoundaryRevision`) and shared by all
processes through memory-mapped files (see :mod:`.store`), and with the leaf's whole chain of
ancestors (:class:`~.chains.AreaChain`: id, level, code, name, path of each), cached per process
and forgotten when an area's code, name, parent or validity changes (see :mod:`.chains`).

Public API (HTTP endpoints and services build on these names):

* :func:`get_locator` — the process-wide :class:`Locator`, reloaded when the boundary revision
  moves, its chains dropped when the chain revision moves;
* :meth:`Locator.locate` / :meth:`Locator.locate_many` — the leaf of one point / numpy batches;
* :meth:`Locator.locate_chain` / :meth:`Locator.locate_chains` — the same with each leaf's chain;
  :meth:`Locator.chain` / :meth:`Locator.chains` — the chain of leaf ids;
* :func:`locate_chain`, :func:`locate_with_ancestors` — one point on the process-wide locator;
* :func:`forget_chains` — called by the area services when a chain may have changed;
* :func:`locator_rebuild_if_stale` — for the background worker;
* :func:`build_index` — the pure index builder (no database), used by the benchmark.

A point covered by no leaf snaps to the nearest leaf within ``settings.LOCATOR_NEAREST_METERS``
(default 50 m; GPS fixes at a grid's edge are often a few metres off), reported as "nearest"
with the distance; further away the answer is "outside" with no area — never a wrong grid.
Coordinates may be WGS84 or GCJ-02 (Chinese map SDKs), see :mod:`.coords`.
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass
from numbers import Real
from pathlib import Path

import numpy as np
from django.conf import settings
from django.db import transaction

from jiewang.core.errors import ValidationFailed

from . import store
from .chains import AreaChain, ChainCache
from .coords import CRS_CHOICES, CRS_GCJ02, gcj02_to_wgs84, gcj02_to_wgs84_many
from .index import LocatorIndex, build_index

__all__ = [
    "STATUS_INSIDE", "STATUS_NEAREST", "STATUS_OUTSIDE", "STATUS_NAMES", "AreaChain", "LocateResult", "Locator",
    "LocatorIndex", "build_index", "forget_chains", "get_locator", "locate_chain", "locate_with_ancestors",
    "locator_rebuild_if_stale", "reset_locator",
]

STATUS_INSIDE = 0
STATUS_NEAREST = 1
STATUS_OUTSIDE = 2
STATUS_NAMES = ("inside", "nearest", "outside")

INVALID_CODE = "locate.invalid_coordinates"


@dataclass(frozen=True, slots=True)
class LocateResult:
    """The answer for one point: the leaf area covering it ("inside", distance 0), the nearest
    leaf within the snap distance ("nearest", distance in metres), or none ("outside")."""

    area_id: int | None
    status: str
    distance_m: float | None


_OUTSIDE = LocateResult(None, "outside", None)


def _invalid(message: str) -> ValidationFailed:
    return ValidationFailed(f"坐标无效 / Invalid coordinates: {message}", code=INVALID_CODE)


def _check_crs(crs: str) -> None:
    if crs not in CRS_CHOICES:
        raise ValidationFailed(f"未知坐标系 / Unknown coordinate system {crs!r}; one of "
                               f"{', '.join(CRS_CHOICES)}.", code="locate.invalid_crs")


class Locator:
    """A loaded index for one boundary revision, with the id and path of every leaf, and the
    chains of the leaves read so far (:class:`~.chains.ChainCache`)."""

    def __init__(self, index: LocatorIndex, *, paths: list[str] | None = None,
                 revision: int | None = None, path: Path | None = None):
        self.index = index
        self.revision = revision
        self.path = path
        self.paths = paths or []
        self._ids = index.ids.tolist()  # Python ints for the single-point path
        self.chain_cache = ChainCache(self.leaf_path)

    def locate(self, lon, lat, crs: str = "wgs84") -> LocateResult:
        """The leaf area at (lon, lat); see :class:`LocateResult`."""
        if (type(lon) is not float or type(lat) is not float) and not (
                isinstance(lon, Real) and isinstance(lat, Real)
                and not isinstance(lon, bool) and not isinstance(lat, bool)):
            raise _invalid("lon/lat must be numbers")
        lon = float(lon)
        lat = float(lat)
        if not (-180.0 <= lon <= 180.0 and -90.0 <= lat <= 90.0):  # also false for NaN
            raise _invalid("lon must be in [-180, 180], lat in [-90, 90]")
        if crs != "wgs84":
            _check_crs(crs)
            lon, lat = gcj02_to_wgs84(lon, lat)
        leaf, dist = self.index.lookup(lon, lat)
        if leaf < 0:
            return _OUTSIDE
        if dist == 0.0:
            return LocateResult(self._ids[leaf], "inside", 0.0)
        return LocateResult(self._ids[leaf], "nearest", dist)

    def locate_many(self, lons, lats, crs: str = "wgs84") -> tuple[np.ndarray, np.ndarray]:
        """Batch version: (area ids int64, -1 for none; status codes uint8, ``STATUS_*``)."""
        _check_crs(crs)
        try:
            x, y = np.asarray(lons), np.asarray(lats)
            if x.dtype.kind not in "iuf" or y.dtype.kind not in "iuf":
                raise TypeError(f"dtype {x.dtype}/{y.dtype}")
            x = x.astype(np.float64, copy=False)
            y = y.astype(np.float64, copy=False)
        except (TypeError, ValueError) as exc:
            raise _invalid("lon/lat must be numbers") from exc
        if x.ndim != 1 or x.shape != y.shape:
            raise _invalid("lons and lats must be one-dimensional and of equal length")
        if not (np.all((x >= -180.0) & (x <= 180.0)) and np.all((y >= -90.0) & (y <= 90.0))):
            raise _invalid("lon must be in [-180, 180], lat in [-90, 90] (and not NaN)")
        if crs == CRS_GCJ02:
            x, y = gcj02_to_wgs84_many(x, y)
        leaf, snapped, _dist = self.index.lookup_many(x, y)
        ids = np.where(leaf >= 0, np.asarray(self.index.ids)[np.maximum(leaf, 0)], -1)
        status = np.full(x.size, STATUS_OUTSIDE, dtype=np.uint8)
        status[leaf >= 0] = STATUS_INSIDE
        status[snapped] = STATUS_NEAREST
        return ids.astype(np.int64), status

    def chain(self, area_id: int) -> AreaChain | None:
        """The chain of leaf ``area_id`` (cached; one statement when not)."""
        return self.chain_cache.get(area_id)

    def chains(self, area_ids) -> dict[int, AreaChain]:
        """The chains of leaf ids, by id; the uncached ones read together."""
        return self.chain_cache.get_many(area_ids)

    def locate_chain(self, lon, lat, crs: str = "wgs84") -> tuple[LocateResult, AreaChain | None]:
        """:meth:`locate` and the located leaf's chain (None when outside)."""
        result = self.locate(lon, lat, crs)
        if result.area_id is None:
            return result, None
        return result, self.chain_cache.get(result.area_id)

    def locate_chains(self, lons, lats, crs: str = "wgs84") -> tuple[np.ndarray, np.ndarray, list]:
        """:meth:`locate_many` and, for each point, its leaf's chain (None when outside)."""
        ids, status = self.locate_many(lons, lats, crs)
        found = self.chains(int(i) for i in np.unique(ids) if i >= 0)
        return ids, status, [found.get(i) for i in ids.tolist()]

    def leaf_path(self, area_id: int) -> str | None:
        """The materialized path of a leaf when the index was built."""
        i = int(np.searchsorted(self.index.ids, area_id))
        if i < len(self._ids) and self._ids[i] == area_id and i < len(self.paths):
            return self.paths[i]
        return None


# --- the process-wide locator -----------------------------------------------------------------

_lock = threading.Lock()
# chains: the chain revision the locator's chains were read at (None: unknown, drop at next check)
_state: dict = {"locator": None, "key": None, "checked": -math.inf, "chains": None}


def _settings():
    base = Path(settings.LOCATOR_INDEX_DIR)
    near_m = float(getattr(settings, "LOCATOR_NEAREST_METERS", 50.0))
    every = float(getattr(settings, "LOCATOR_REVISION_CHECK_SECONDS", 2.0))
    return base, near_m, every


def get_locator(refresh: bool = False) -> Locator:
    """The process-wide :class:`Locator`.

    Checks :class:`BoundaryRevision` (one row, one query) at most every
    ``LOCATOR_REVISION_CHECK_SECONDS`` (default 2 s; ``refresh=True`` forces the check). When the
    boundary revision moved, it loads the saved index for the new revision — building it first if
    no process has yet; when the chain revision moved, it drops the cached chains."""
    from jiewang.areas.models import BoundaryRevision

    base, near_m, every = _settings()
    loc = _state["locator"]
    now = time.monotonic()
    if (loc is not None and not refresh and now - _state["checked"] < every
            and _state["key"][0] == str(base) and _state["key"][2] == near_m):
        return loc
    with _lock:
        revision, chain_revision = BoundaryRevision.current_pair()
        key = (str(base), revision, near_m)
        if _state["key"] != key or _state["locator"] is None:
            target, _built = store.ensure_index(base, revision, near_m)
            index, paths, _meta = store.load_index(target)
            _state["locator"] = Locator(index, paths=paths, revision=revision, path=target)
            _state["key"] = key
        elif _state["chains"] != chain_revision:
            _state["locator"].chain_cache.clear()
        _state["chains"] = chain_revision
        _state["checked"] = time.monotonic()
        return _state["locator"]


def reset_locator() -> None:
    """Forget the process-wide locator (tests)."""
    with _lock:
        _state.update(locator=None, key=None, checked=-math.inf, chains=None)


def _drop_chains() -> None:
    loc = _state["locator"]
    if loc is not None:
        loc.chain_cache.clear()
    _state["chains"] = None


def forget_chains() -> None:
    """Drop this process's chains now, at the next revision check and once the current
    transaction commits. The area services call it beside
    :meth:`BoundaryRevision.bump_chains <jiewang.areas.models.BoundaryRevision.bump_chains>`: the
    change is seen at once here, within ``LOCATOR_REVISION_CHECK_SECONDS`` in other processes;
    a chain another thread reads before the commit is dropped at the commit, and one read inside
    a transaction that is rolled back at the next check."""
    _drop_chains()
    transaction.on_commit(_drop_chains)


def locator_rebuild_if_stale() -> bool:
    """Build the index for the current boundary revision unless it is already on disk.
    Idempotent; returns whether this call built it. Called by the background worker so that web
    requests find the index ready."""
    from jiewang.areas.models import BoundaryRevision

    base, near_m, _every = _settings()
    _target, built = store.ensure_index(base, BoundaryRevision.current(), near_m)
    return built


def locate_chain(lon, lat, crs: str = "wgs84") -> tuple[LocateResult, AreaChain | None]:
    """(result, chain) on the process-wide locator: see :meth:`Locator.locate_chain`."""
    return get_locator().locate_chain(lon, lat, crs)


def locate_with_ancestors(lon, lat, crs: str = "wgs84"):
    """(result, [root, …, leaf]) — the located leaf with its ancestors, root first (the chain's
    areas: id, level, code, name, path); ``[]`` when the point is outside."""
    result, chain = get_locator().locate_chain(lon, lat, crs)
    return result, list(chain.areas) if chain is not None else []
