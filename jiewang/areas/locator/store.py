"""Where a built locator index lives: one directory per boundary revision, shared by processes.

Why on disk: building the index for a city (~62,000 grids) takes seconds, and every web worker
needs it. The first process that needs revision N (usually the worker, via
:func:`jiewang.areas.locator.locator_rebuild_if_stale`) builds it once, under an exclusive
``fcntl`` lock so that concurrent processes never build twice, into a temporary directory that is
renamed into place (so a reader sees a whole index or none). Every other process memory-maps the
arrays (``np.load(mmap_mode="r")``), so all workers of a machine share one copy of the pages;
only the polygons (needed for exact tests near boundaries) are parsed per process, from WKB.

Layout: ``<LOCATOR_INDEX_DIR>/rev-<N>-near<M>/`` with ``meta.json``, ``ids.npy``, ``cells.npy``,
``off.npy``, ``cands.npy``, ``polygons.wkb`` + ``wkb_off.npy`` and ``paths.json`` (each leaf's
materialized path, so that ancestors are one query). ``M`` is the snap distance the index was
built for: changing ``LOCATOR_NEAREST_METERS`` selects (and builds) another directory.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import shutil
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import shapely
from shapely.geometry import shape

from .index import LocatorIndex, build_index

logger = logging.getLogger("jiewang.areas.locator")

FORMAT_VERSION = 1
KEEP_REVISIONS = 3
#: How many indexes this process has built (tests check that rebuilds happen only when needed).
build_count = 0


def index_dir(base: Path, revision: int, near_m: float) -> Path:
    return Path(base) / f"rev-{int(revision)}-near{near_m:g}"


@contextmanager
def build_lock(base: Path):
    """Exclusive, cross-process lock for building into ``base``."""
    base = Path(base)
    base.mkdir(parents=True, exist_ok=True)
    with open(base / ".build.lock", "a+") as fh:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)


def leaves_from_db():
    """(ids, polygons, paths) of the current leaf areas, ascending id.

    A leaf is a current area with a geometry and no current child with a geometry: normally the
    grids (or micro-grids), but the districts if the tree stops there. "Child" is read as any
    descendant (found from the paths), so that grids under towns/communities drawn without
    boundaries are still the leaves, rather than the district above them."""
    from jiewang.areas.models import Area

    rows = list(Area.objects.current().filter(geometry__isnull=False)
                .values_list("id", "parent_id", "path", "geometry").order_by("id"))
    with_geo_children = set()
    for _area_id, _parent, path, _g in rows:
        with_geo_children.update(int(x) for x in (path or "").strip("/").split("/")[:-1] if x)
    ids, polys, paths = [], [], []
    for area_id, _parent, path, geometry in rows:
        if area_id in with_geo_children or not geometry:
            continue
        try:
            geom = shape(geometry)
        except Exception:  # malformed boundary stored directly: skip it rather than fail all
            logger.warning("locator: area %s has an unreadable geometry, skipped", area_id)
            continue
        if geom.is_empty:
            continue
        ids.append(area_id)
        polys.append(geom)
        paths.append(path)
    return np.array(ids, dtype=np.int64), polys, paths


def save_index(index: LocatorIndex, target: Path, *, paths: list[str], revision: int) -> None:
    """Write ``index`` to ``target`` atomically (temporary directory, then rename)."""
    target = Path(target)
    tmp = Path(tempfile.mkdtemp(prefix=".tmp-", dir=target.parent))
    try:
        np.save(tmp / "ids.npy", np.asarray(index.ids, dtype=np.int64))
        np.save(tmp / "cells.npy", np.asarray(index.cells, dtype=np.int32))
        np.save(tmp / "off.npy", np.asarray(index.off, dtype=np.int64))
        np.save(tmp / "cands.npy", np.asarray(index.cands, dtype=np.int32))
        wkbs = shapely.to_wkb(index.polygons) if len(index.polygons) else np.array([], dtype=object)
        lengths = np.array([len(b) for b in wkbs], dtype=np.int64)
        wkb_off = np.zeros(lengths.size + 1, dtype=np.int64)
        np.cumsum(lengths, out=wkb_off[1:])
        with open(tmp / "polygons.wkb", "wb") as fh:
            for b in wkbs:
                fh.write(b)
        np.save(tmp / "wkb_off.npy", wkb_off)
        (tmp / "paths.json").write_text(json.dumps(paths))
        meta = {
            "format": FORMAT_VERSION, "revision": int(revision), "x0": index.x0, "y0": index.y0,
            "inv_dx": index.inv_dx, "inv_dy": index.inv_dy, "nx": index.nx, "ny": index.ny,
            "near_m": index.near_m, "stats": index.stats,
        }
        (tmp / "meta.json").write_text(json.dumps(meta, indent=1))
        os.chmod(tmp, 0o755)
        os.rename(tmp, target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def load_index(target: Path) -> tuple[LocatorIndex, list[str], dict]:
    """Load a saved index; the arrays are memory-mapped read-only (shared between processes)."""
    target = Path(target)
    meta = json.loads((target / "meta.json").read_text())
    arrays = {name: np.load(target / f"{name}.npy", mmap_mode="r")
              for name in ("ids", "cells", "off", "cands", "wkb_off")}
    data = (target / "polygons.wkb").read_bytes()
    o = arrays["wkb_off"]
    polys = shapely.from_wkb([data[o[i]:o[i + 1]] for i in range(len(o) - 1)])
    polys = np.asarray(polys, dtype=object)
    paths = json.loads((target / "paths.json").read_text())
    index = LocatorIndex(
        ids=arrays["ids"], polygons=polys, cells=arrays["cells"], off=arrays["off"],
        cands=arrays["cands"], x0=meta["x0"], y0=meta["y0"], inv_dx=meta["inv_dx"],
        inv_dy=meta["inv_dy"], nx=meta["nx"], ny=meta["ny"], near_m=meta["near_m"],
        stats=meta.get("stats", {}),
    )
    return index, paths, meta


def ensure_index(base: Path, revision: int, near_m: float) -> tuple[Path, bool]:
    """The directory of the index for ``revision``, building it (once, across processes) if it
    does not exist yet. Returns (directory, built by this call)."""
    global build_count
    target = index_dir(base, revision, near_m)
    if (target / "meta.json").exists():
        return target, False
    with build_lock(base):
        if (target / "meta.json").exists():  # another process built it while we waited
            return target, False
        started = time.perf_counter()
        ids, polys, paths = leaves_from_db()
        index = build_index(ids, polys, near_m=near_m)
        save_index(index, target, paths=paths, revision=revision)
        build_count += 1
        logger.info("locator: built revision %s (%s leaves) in %.1f s", revision, len(ids),
                    time.perf_counter() - started)
        _prune(base, keep=target)
    return target, True


def _prune(base: Path, keep: Path) -> None:
    """Remove all but the newest few index directories (processes that still map an old one
    keep their pages: unlinking a mapped file is safe on POSIX)."""
    dirs = sorted((p for p in Path(base).glob("rev-*") if p.is_dir() and p != keep),
                  key=lambda p: p.stat().st_mtime, reverse=True)
    for old in dirs[KEEP_REVISIONS - 1:]:
        shutil.rmtree(old, ignore_errors=True)
