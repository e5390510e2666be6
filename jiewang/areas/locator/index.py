"""The locator's spatial index: which leaf polygon covers a point, answered from a raster.

What it answers (the *exact definition*): for a point (x, y) in WGS84 degrees, the answer is the
smallest leaf index ``i`` such that ``shapely.intersects_xy(polygons[i], x, y)`` — "covers", so a
point on a boundary counts, and a point on an edge shared by two leaves goes to the smaller
index. If no polygon covers the point, the answer is the nearest polygon within ``near_m`` metres
(ties: smallest index), else nothing. The index below returns exactly this, everywhere,
including on cell edges; only its speed differs from a brute-force loop.

Why a raster: a point-in-polygon test costs ~0.2–2 µs even with an R-tree in front of it, while
reading one array cell costs nanoseconds. Almost every point falls well inside one polygon, so we
precompute, for a grid of cells over all leaves, the cells that are wholly inside one polygon or
far from all of them; only the few points that fall near a boundary pay for an exact test.

Structure — a quadtree stored in one flat ``int32`` array ``cells``:

* The *root grid* is ``nx × ny`` cells over the leaves' bounding box (padded by more than
  ``near_m``), about two cells per leaf. A point's root cell is ``floor((x - x0) * inv_dx)``.
* A cell crossed by a boundary may be split into a *block* of 4 × 4 children, stored at
  ``cells[root + 16 * block : root + 16 * block + 16]``, recursively, until its side is below
  ``1/SIZE_RATIO`` of the smallest polygon touching it (or ``MAX_DEPTH``). Small urban grids thus
  get small cells and large rural grids large ones: the share of points needing an exact test is
  roughly the same everywhere (a few percent).
* A cell value ``v`` means: ``v >= 0`` wholly inside leaf ``v``; ``-1`` outside every polygon and
  more than ``near_m`` from all; ``-2`` outside every polygon but maybe within ``near_m`` (do the
  nearest search); odd ``v <= -3`` a *boundary cell* ``(-3 - v) // 2`` whose candidate polygons
  (every polygon meeting the cell, ascending) are ``cands[off[b]:off[b + 1]]``; even ``v <= -4``
  a block ``(-4 - v) // 2``.

Robust classification (why the fast path equals the exact definition on cell edges too): all
cell coordinates are computed as ``u = (x - x0) * inv_dx`` — the very float operations of a
lookup — and descending a level is ``(u - floor(u)) * 4``, which is exact in floating point. A
cell is called "wholly inside"/"outside" only if no polygon edge, rasterized conservatively in
these units with a margin of 1e-6 cell, comes near the cell's closed box; then every point that a
lookup can send to that cell lies in the same face of the polygon arrangement as the cell centre,
whose containing polygons are found with ``intersects_xy``. Everything else is a boundary cell and
gets the exact test. Edges are rasterized with numpy (a conservative supercover), so building
needs no per-cell GEOS box test.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import shapely

from .coords import meters_per_degree

K = 4  # a block splits a cell into K × K children
KK = K * K
MAX_DEPTH = 9
SIZE_RATIO = 4.0  # stop splitting when the cell side < (smallest touching polygon size) / this
ROOT_CELLS_PER_LEAF = 2.0
EPS = 1e-6  # safety margin, in cells of the level being rasterized

OUTSIDE = -1
NEAR = -2


def _polygonal(geom):
    """A valid, purely polygonal version of ``geom`` (make_valid + keep the polygonal parts)."""
    if geom is None or geom.is_empty:
        return None
    if not geom.is_valid:
        geom = shapely.make_valid(geom)
    if geom.geom_type in ("Polygon", "MultiPolygon"):
        return geom
    parts = [p for p in shapely.get_parts(geom) if p.geom_type in ("Polygon", "MultiPolygon")]
    parts = [q for p in parts for q in shapely.get_parts(p)]
    if not parts:
        return None
    return shapely.multipolygons(parts) if len(parts) > 1 else parts[0]


def _rasterize(u1, v1, u2, v2, c0, c1, r0, r1):
    """Cells (col, row, segment) whose closed box, grown by EPS, meets each segment.

    Coordinates are in cell units of one level; the window [c0, c1] × [r0, r1] (inclusive, per
    segment) limits the output. Conservative: a cell may be reported although the segment misses
    it by a hair (it then just becomes a boundary cell), never the other way round."""
    ulo = np.minimum(u1, u2)
    uhi = np.maximum(u1, u2)
    vlo = np.minimum(v1, v2)
    vhi = np.maximum(v1, v2)
    ca = np.maximum(np.floor(ulo - EPS), c0).astype(np.int64)
    cb = np.minimum(np.floor(uhi + EPS), c1).astype(np.int64)
    ncol = np.maximum(cb - ca + 1, 0)
    seg = np.repeat(np.arange(u1.size), ncol)
    col = np.repeat(ca, ncol) + (np.arange(seg.size) - np.repeat(np.cumsum(ncol) - ncol, ncol))
    # y-range of the segment over the column's x-interval, grown by 2·EPS in x (covers rounding)
    xa = np.maximum(col - 2 * EPS, ulo[seg])
    xb = np.minimum(col + 1 + 2 * EPS, uhi[seg])
    du = u2[seg] - u1[seg]
    dv = v2[seg] - v1[seg]
    flat = np.abs(du) < 1e-12
    with np.errstate(divide="ignore", invalid="ignore"):
        slope = np.where(flat, 0.0, dv / np.where(flat, 1.0, du))
    ya = v1[seg] + (xa - u1[seg]) * slope
    yb = v1[seg] + (xb - u1[seg]) * slope
    ylo = np.where(flat, vlo[seg], np.minimum(ya, yb))
    yhi = np.where(flat, vhi[seg], np.maximum(ya, yb))
    ylo = np.maximum(ylo, vlo[seg])
    yhi = np.minimum(yhi, vhi[seg])
    ra = np.maximum(np.floor(ylo - EPS), r0[seg]).astype(np.int64)
    rb = np.minimum(np.floor(yhi + EPS), r1[seg]).astype(np.int64)
    nrow = np.maximum(rb - ra + 1, 0)
    seg2 = np.repeat(seg, nrow)
    col2 = np.repeat(col, nrow)
    row2 = np.repeat(ra, nrow) + (np.arange(seg2.size) - np.repeat(np.cumsum(nrow) - nrow, nrow))
    return col2, row2, seg2


@dataclass
class LocatorIndex:
    """The built index (see the module docstring). Arrays may be memory-mapped files."""

    ids: np.ndarray  # int64, leaf index → area id
    polygons: np.ndarray  # object array of shapely geometries (prepared)
    cells: np.ndarray  # int32
    off: np.ndarray  # int64, CSR offsets of boundary cells' candidates
    cands: np.ndarray  # int32
    x0: float
    y0: float
    inv_dx: float
    inv_dy: float
    nx: int
    ny: int
    near_m: float
    stats: dict = field(default_factory=dict)

    def __post_init__(self):
        shapely.prepare(self.polygons)
        self.tree = shapely.STRtree(self.polygons)
        self.root = self.nx * self.ny
        # Python-level views for the single-point path: indexing a memoryview gives a plain int
        # without numpy scalar overhead, and shares the (memory-mapped) pages.
        self._cells_mv = memoryview(np.ascontiguousarray(self.cells))
        self._off_mv = memoryview(np.ascontiguousarray(self.off))
        self._cands_mv = memoryview(np.ascontiguousarray(self.cands))

    # --- single point ---------------------------------------------------------------------
    def lookup(self, x: float, y: float) -> tuple[int, float | None]:
        """(leaf index or -1, distance in metres or None) for one WGS84 point; the distance is
        0.0 for a covered point, the metres to the nearest leaf for a snapped one."""
        u = (x - self.x0) * self.inv_dx
        v = (y - self.y0) * self.inv_dy
        nx = self.nx
        if not (0.0 <= u < nx and 0.0 <= v < self.ny):
            return -1, None
        cx = int(u)
        cy = int(v)
        cells = self._cells_mv
        val = cells[cy * nx + cx]
        while val <= -3:
            if val & 1:  # boundary cell: exact test on its candidates, ascending
                b = (-3 - val) >> 1
                polys = self.polygons
                cands = self._cands_mv
                for k in range(self._off_mv[b], self._off_mv[b + 1]):
                    p = cands[k]
                    if shapely.intersects_xy(polys[p], x, y):
                        return p, 0.0
                return self._nearest(x, y)
            blk = (-4 - val) >> 1
            u = (u - cx) * 4.0
            v = (v - cy) * 4.0
            cx = int(u)
            cy = int(v)
            val = cells[self.root + 16 * blk + 4 * cy + cx]
        if val >= 0:
            return val, 0.0
        if val == NEAR:
            return self._nearest(x, y)
        return -1, None

    def _nearest(self, x: float, y: float) -> tuple[int, float | None]:
        """Nearest leaf within ``near_m`` metres of a point covered by none (local
        equirectangular projection at the point's latitude; ties → smallest index)."""
        if self.near_m <= 0:
            return -1, None
        m_lon, m_lat = meters_per_degree(y)
        m_lon = max(float(m_lon), 1e-6)
        m_lat = float(m_lat)
        hx = self.near_m / m_lon * 1.01 + 1e-9
        hy = self.near_m / m_lat * 1.01 + 1e-9
        cand = np.sort(self.tree.query(shapely.box(x - hx, y - hy, x + hx, y + hy)))
        best, best_d = -1, math.inf
        origin = shapely.Point(0.0, 0.0)
        for p in cand:
            piece = shapely.clip_by_rect(self.polygons[p], x - 2 * hx, y - 2 * hy,
                                         x + 2 * hx, y + 2 * hy)
            if piece.is_empty:
                continue
            local = shapely.transform(piece, lambda c: (c - (x, y)) * (m_lon, m_lat))
            d = shapely.distance(local, origin)
            if d < best_d:
                best, best_d = int(p), float(d)
        if best_d <= self.near_m:
            return best, best_d
        return -1, None

    # --- batches --------------------------------------------------------------------------
    def lookup_many(self, x: np.ndarray, y: np.ndarray, *, with_distance: bool = False):
        """Vectorized :meth:`lookup`: (leaf index int64, -1 for none; snapped mask bool;
        distances float64 if asked, NaN for none)."""
        x = np.ascontiguousarray(x, dtype=np.float64)
        y = np.ascontiguousarray(y, dtype=np.float64)
        n = x.size
        leaf = np.full(n, -1, dtype=np.int64)
        snapped = np.zeros(n, dtype=bool)
        dist = np.full(n, np.nan) if with_distance else None
        u = (x - self.x0) * self.inv_dx
        v = (y - self.y0) * self.inv_dy
        inb = (u >= 0.0) & (u < self.nx) & (v >= 0.0) & (v < self.ny)
        if inb.all():
            pos = None
        else:
            pos = np.flatnonzero(inb)
            u, v = u[pos], v[pos]
        cx = u.astype(np.int64)
        cy = v.astype(np.int64)
        val = self.cells[cy * self.nx + cx].astype(np.int64)
        sel = np.flatnonzero((val <= -4) & ((val & 1) == 0))
        if sel.size:
            uu, vv, ccx, ccy, vs = u[sel], v[sel], cx[sel], cy[sel], val[sel]
            while sel.size:
                blk = (-4 - vs) >> 1
                uu = (uu - ccx) * 4.0
                vv = (vv - ccy) * 4.0
                ccx = np.minimum(uu.astype(np.int64), 3)
                ccy = np.minimum(vv.astype(np.int64), 3)
                vs = self.cells[self.root + 16 * blk + 4 * ccy + ccx].astype(np.int64)
                val[sel] = vs
                keep = (vs <= -4) & ((vs & 1) == 0)
                if not keep.all():
                    sel, uu, vv, ccx, ccy, vs = (a[keep] for a in (sel, uu, vv, ccx, ccy, vs))
        res = np.where(val >= 0, val, -1)
        need_nearest = val == NEAR
        bsel = np.flatnonzero((val <= -3) & ((val & 1) == 1))
        if bsel.size:
            px = x[bsel] if pos is None else x[pos[bsel]]
            py = y[bsel] if pos is None else y[pos[bsel]]
            bid = (-3 - val[bsel]) >> 1
            lo = self.off[bid]
            hi = self.off[bid + 1]
            found = np.full(bsel.size, -1, dtype=np.int64)
            act = np.arange(bsel.size)
            r = 0
            while act.size:
                p = self.cands[lo[act] + r].astype(np.int64)
                hit = shapely.intersects_xy(self.polygons[p], px[act], py[act])
                found[act[hit]] = p[hit]
                r += 1
                act = act[~hit]
                act = act[lo[act] + r < hi[act]]
            res[bsel] = found
            need_nearest[bsel[found < 0]] = True
        if pos is None:
            leaf[:] = res
            near_idx = np.flatnonzero(need_nearest)
        else:
            leaf[pos] = res
            near_idx = pos[need_nearest]
        if with_distance:
            dist[leaf >= 0] = 0.0
        for i in near_idx:
            p, d = self._nearest(float(x[i]), float(y[i]))
            if p >= 0:
                leaf[i] = p
                snapped[i] = True
                if with_distance:
                    dist[i] = d
        return leaf, snapped, dist

    # --- the exact definition, for tests and the benchmark ---------------------------------
    def exact_many(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Covering leaf by the exact definition (STRtree + intersects_xy, smallest index);
        -1 where none covers. Ignores the nearest-within-``near_m`` rule."""
        x = np.asarray(x, dtype=np.float64)
        y = np.asarray(y, dtype=np.float64)
        pt_i, poly_i = self.tree.query(shapely.points(x, y), predicate="intersects")
        out = np.full(x.size, np.iinfo(np.int64).max, dtype=np.int64)
        np.minimum.at(out, pt_i, poly_i)
        out[out == np.iinfo(np.int64).max] = -1
        return out


def build_index(ids, polygons, *, near_m: float = 50.0, size_ratio: float = SIZE_RATIO,
                max_depth: int = MAX_DEPTH) -> LocatorIndex:
    """Build a :class:`LocatorIndex` from leaf ids and their WGS84 polygons (pure: no database).

    Invalid polygons are repaired (``make_valid``, polygonal parts kept); empty ones are refused.
    Leaf index ``i`` is the position in the inputs, so a tie on a shared edge goes to the leaf
    given first."""
    import time

    t_start = time.perf_counter()
    ids = np.asarray(ids, dtype=np.int64)
    polys = np.array([_polygonal(g) for g in polygons], dtype=object)
    if ids.size != polys.size:
        raise ValueError("ids and polygons differ in length")
    if any(g is None for g in polys):
        raise ValueError("every leaf needs a non-empty polygonal geometry")
    n = polys.size
    if n == 0:  # nothing to locate in: every point is outside
        return LocatorIndex(ids=ids, polygons=polys, cells=np.array([OUTSIDE], dtype=np.int32),
                            off=np.zeros(1, np.int64), cands=np.zeros(0, np.int32), x0=0.0,
                            y0=0.0, inv_dx=1.0, inv_dy=1.0, nx=1, ny=1, near_m=float(near_m),
                            stats={"leaves": 0, "build_seconds": 0.0})
    shapely.prepare(polys)
    bounds = shapely.bounds(polys)
    minx, miny = bounds[:, 0].min(), bounds[:, 1].min()
    maxx, maxy = bounds[:, 2].max(), bounds[:, 3].max()
    # Degree margins that exceed near_m metres everywhere in the bbox.
    far_lat = min(max(abs(miny), abs(maxy)), 89.0)
    m_lon_min = float(meters_per_degree(far_lat)[0])
    m_lat_min = float(meters_per_degree(0.0)[1])
    near_dx = near_m / m_lon_min * 1.01 + 1e-9
    near_dy = near_m / m_lat_min * 1.01 + 1e-9
    x0, y0 = minx - 2 * near_dx, miny - 2 * near_dy
    w, h = (maxx - minx) + 4 * near_dx, (maxy - miny) + 4 * near_dy
    side = math.sqrt(w * h / max(16.0, ROOT_CELLS_PER_LEAF * n))
    nx, ny = max(1, math.ceil(w / side)), max(1, math.ceil(h / side))
    dx0, dy0 = w / nx, h / ny
    inv_dx, inv_dy = 1.0 / dx0, 1.0 / dy0
    size = np.sqrt(shapely.area(polys))  # a polygon's "size", degrees

    # Edges, as segments in root-cell units computed exactly as lookups compute them.
    parts, part_poly = shapely.get_parts(polys, return_index=True)
    rings, ring_part = shapely.get_rings(parts, return_index=True)
    coords, ring_i = shapely.get_coordinates(rings, return_index=True)
    ok = ring_i[:-1] == ring_i[1:]
    a = np.flatnonzero(ok)
    seg_poly = part_poly[ring_part[ring_i[a]]].astype(np.int64)
    su = (coords[:, 0] - x0) * inv_dx
    sv = (coords[:, 1] - y0) * inv_dy
    su1, sv1, su2, sv2 = su[a], sv[a], su[a + 1], sv[a + 1]
    nseg = a.size

    tree = shapely.STRtree(polys)
    cell_vals = []  # per level, int64 arrays
    bnd_counts, bnd_cands = [], []
    n_bnd = 0
    n_blocks_before = 0  # blocks created at earlier levels

    # Level 0: every root cell.
    ccol = np.tile(np.arange(nx, dtype=np.int64), ny)
    crow = np.repeat(np.arange(ny, dtype=np.int64), nx)
    col, row, sg = _rasterize(su1, sv1, su2, sv2, np.zeros(nseg), np.full(nseg, nx - 1),
                              np.zeros(nseg), np.full(nseg, ny - 1))
    seg_cell = row * nx + col
    seg_id = sg
    centers_x = x0 + (ccol + 0.5) * dx0
    centers_y = y0 + (crow + 0.5) * dy0
    c_cell, c_poly = tree.query(shapely.points(centers_x, centers_y), predicate="intersects")
    level = 0
    scale = 1.0
    while True:
        ncell = ccol.size
        # touchers: (cell, polygon) whose edges meet the cell
        t_key = np.unique(seg_cell * n + seg_poly[seg_id])
        c_key = c_cell.astype(np.int64) * n + c_poly
        cand_key = np.union1d(t_key, c_key)
        cand_cell = cand_key // n
        cand_poly = cand_key % n
        touched = np.zeros(ncell, dtype=bool)
        touched[t_key // n] = True
        # min container per cell (used by untouched cells)
        inside = np.full(ncell, -1, dtype=np.int64)
        if c_key.size:
            first = np.full(ncell, n, dtype=np.int64)
            np.minimum.at(first, c_cell, c_poly)
            inside = np.where(first < n, first, -1)
        vals = np.where(inside >= 0, inside, OUTSIDE).astype(np.int64)
        # touched cells: split or make boundary cells
        cell_w = 1.0 / scale * dx0
        tk_cell = t_key // n
        tk_poly = t_key % n
        min_size = np.full(ncell, np.inf)
        np.minimum.at(min_size, tk_cell, size[tk_poly])
        split = touched & (min_size / size_ratio < cell_w) & (level < max_depth)
        bnd = touched & ~split
        # boundary cells, candidates ascending (cand_key is sorted by cell then polygon)
        b_cells = np.flatnonzero(bnd)
        b_ids = np.full(ncell, -1, dtype=np.int64)
        b_ids[b_cells] = n_bnd + np.arange(b_cells.size)
        vals[b_cells] = -3 - 2 * b_ids[b_cells]
        in_b = bnd[cand_cell]
        bnd_counts.append(np.bincount(cand_cell[in_b], minlength=ncell)[b_cells])
        bnd_cands.append(cand_poly[in_b].astype(np.int32))
        n_bnd += b_cells.size
        # untouched and outside: near or far?
        out_cells = np.flatnonzero(~touched & (inside < 0))
        if out_cells.size:
            ox = x0 + ccol[out_cells] / scale * dx0
            oy = y0 + crow[out_cells] / scale * dy0
            boxes = shapely.box(ox - near_dx, oy - near_dy, ox + cell_w + near_dx,
                                oy + dy0 / scale + near_dy)
            q_in, _q = tree.query(boxes, predicate="intersects")
            near = np.zeros(out_cells.size, dtype=bool)
            near[q_in] = True
            vals[out_cells[near]] = NEAR
        # split cells become blocks of the next level
        s_cells = np.flatnonzero(split)
        blk_local = np.full(ncell, -1, dtype=np.int64)
        blk_local[s_cells] = np.arange(s_cells.size)
        vals[s_cells] = -4 - 2 * (n_blocks_before + blk_local[s_cells])
        cell_vals.append(vals)
        if s_cells.size == 0:
            break
        # --- next level: 16 children per split cell ------------------------------------
        n_blocks_before += s_cells.size
        level += 1
        scale *= K
        pcol, prow = ccol[s_cells], crow[s_cells]
        j = np.arange(KK)
        ccol = (K * pcol[:, None] + (j % K)[None, :]).ravel()
        crow = (K * prow[:, None] + (j // K)[None, :]).ravel()
        # segments of split parents, rasterized within their parent's children
        keep = split[seg_cell]
        p_of = blk_local[seg_cell[keep]]
        sid = seg_id[keep]
        c0 = K * pcol[p_of]
        r0 = K * prow[p_of]
        col, row, sg = _rasterize(su1[sid] * scale, sv1[sid] * scale, su2[sid] * scale,
                                  sv2[sid] * scale, c0, c0 + K - 1, r0, r0 + K - 1)
        seg_id = sid[sg]
        seg_cell = p_of[sg] * KK + (row - r0[sg]) * K + (col - c0[sg])
        # centre tests against the parent's candidates
        par_of_cand = blk_local[cand_cell]
        m = par_of_cand >= 0
        pc_par = par_of_cand[m]
        pc_poly = cand_poly[m]
        pair_child = (pc_par[:, None] * KK + j[None, :]).ravel()
        pair_poly = np.repeat(pc_poly, KK)
        cx_deg = x0 + (ccol[pair_child] + 0.5) / scale * dx0
        cy_deg = y0 + (crow[pair_child] + 0.5) / scale * dy0
        hit = shapely.intersects_xy(polys[pair_poly], cx_deg, cy_deg)
        c_cell, c_poly = pair_child[hit], pair_poly[hit]

    cells = np.concatenate(cell_vals).astype(np.int32)
    counts = np.concatenate(bnd_counts) if bnd_counts else np.zeros(0, np.int64)
    off = np.zeros(counts.size + 1, dtype=np.int64)
    np.cumsum(counts, out=off[1:])
    cands = np.concatenate(bnd_cands) if bnd_cands else np.zeros(0, np.int32)
    stats = {
        "leaves": int(n), "segments": int(nseg), "root": [int(nx), int(ny)],
        "cells": int(cells.size), "blocks": int(n_blocks_before), "boundary_cells": int(n_bnd),
        "candidates": int(cands.size), "depth": int(level),
        "build_seconds": round(time.perf_counter() - t_start, 3),
    }
    return LocatorIndex(ids=ids, polygons=polys, cells=cells, off=off, cands=cands, x0=float(x0),
                        y0=float(y0), inv_dx=float(inv_dx), inv_dy=float(inv_dy), nx=int(nx),
                        ny=int(ny), near_m=float(near_m), stats=stats)
