"""Benchmark of the locator (point → leaf grid) on city-scale data, against plain shapely.

Run: ``.venv/bin/python -m bench.locator_bench [--scale city|small] [--points N] [--no-write]``

What it measures, all in one process pinned to ONE core (``os.sched_setaffinity(0, {0})``), on
the same polygons in the same run:

* build: seconds for :func:`jiewang.areas.locator.build_index` on all leaf polygons;
* single lookups/s: ``Locator.locate`` (the public call: validation, lookup, result object) on
  random points of the bounding box and on points inside grids, vs a loop of
  ``STRtree.query(Point, predicate="intersects")`` (+ smallest index);
* batch points/s: ``Locator.locate_many`` on ``--points`` points, vs one bulk
  ``STRtree.query(points, predicate="intersects")``;
* exactness: answers compared with the exact definition (``intersects_xy``, smallest index) on
  random points, points inside grids, grid vertices and points on grid edges — mismatches must
  be 0.

Data: the ~62,000 grids of the demo city (``jiewang.demo.citygen.generate_city(scale, seed)``)
when that module is importable (``--source auto``, the default); otherwise, or with
``--source standin``, its own stand-in: Voronoi cells of clustered seeds (dense urban cores,
sparse countryside) over a ~300 km × 300 km region around lon 106.5, lat 29.5, clipped to an
irregular city outline (``--scale small``: 5,000 grids).
It then writes the "Locator" section of BENCHMARKS.md (between its markers).
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
import os
import platform
import re
import sys
import time
from pathlib import Path

import numpy as np
import shapely

ROOT = Path(__file__).resolve().parent.parent
SCALES = {"city": 62_000, "small": 5_000}
BEGIN, END = "<!-- locator:begin -->", "<!-- locator:end -->"
LON0, LAT0 = 106.5, 29.5


def standin_city(n: int, seed: int = 1):
    """``n`` grid polygons: Voronoi cells of clustered seeds inside an irregular ~300 km outline."""
    rng = np.random.default_rng(seed)
    k_lon = 1.0 / math.cos(math.radians(LAT0))
    t = np.linspace(0, 2 * np.pi, 720, endpoint=False)
    r = 1.25 * (1 + 0.12 * np.sin(3 * t + 1) + 0.07 * np.sin(7 * t) + 0.04 * np.sin(13 * t + 2))
    outline = shapely.Polygon(np.c_[LON0 + r * np.cos(t) * k_lon, LAT0 + r * np.sin(t)])
    minx, miny, maxx, maxy = outline.bounds
    centres = np.c_[rng.uniform(minx + 0.4, maxx - 0.4, 40), rng.uniform(miny + 0.4, maxy - 0.4, 40)]
    pts = []
    while sum(map(len, pts)) < n:
        m = 4 * n
        urban = rng.random(m) < 0.6
        c = centres[rng.integers(0, len(centres), m)]
        spread = rng.choice([0.02, 0.05, 0.12], m)
        xy = np.where(urban[:, None], c + rng.normal(0, 1, (m, 2)) * spread[:, None] * [k_lon, 1],
                      np.c_[rng.uniform(minx, maxx, m), rng.uniform(miny, maxy, m)])
        xy = np.round(xy, 7)
        pts.append(xy[shapely.contains_xy(outline, xy[:, 0], xy[:, 1])])
    seeds = np.unique(np.concatenate(pts), axis=0)
    seeds = seeds[rng.permutation(len(seeds))[:n]]
    cells = shapely.get_parts(shapely.voronoi_polygons(
        shapely.multipoints(seeds), extend_to=shapely.box(minx - 1, miny - 1, maxx + 1, maxy + 1)))
    cells = shapely.intersection(cells, outline)
    cells = shapely.set_precision(cells, 1e-7)  # as stored (7 decimals)
    keep = np.isin(shapely.get_type_id(cells), [3, 6]) & ~shapely.is_empty(cells)
    return cells[keep]


def citygen_grids(scale: str, seed: int):
    """Grid polygons from ``jiewang.demo.citygen.generate_city`` if its output is recognisable."""
    from jiewang.demo.citygen import generate_city  # noqa: PLC0415

    from jiewang.areas.choices import AreaLevel  # noqa: PLC0415

    plan = generate_city(scale, seed)
    geoms = [node.geometry for node in plan.level(AreaLevel.GRID) if node.geometry is not None]
    return np.array(geoms, dtype=object)


def points_inside(polys, n, rng):
    """``n`` points, each inside a random grid (every grid equally likely)."""
    out_x, out_y = [], []
    bounds = shapely.bounds(polys)
    while sum(map(len, out_x)) < n:
        g = rng.integers(0, len(polys), 2 * n)
        x = rng.uniform(bounds[g, 0], bounds[g, 2])
        y = rng.uniform(bounds[g, 1], bounds[g, 3])
        ok = shapely.intersects_xy(polys[g], x, y)
        out_x.append(x[ok])
        out_y.append(y[ok])
    return np.concatenate(out_x)[:n], np.concatenate(out_y)[:n]


def rate(fn, n, repeat=3):
    best = math.inf
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
    return n / best


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scale", choices=sorted(SCALES), default="city")
    ap.add_argument("--points", type=int, default=1_000_000)
    ap.add_argument("--single", type=int, default=100_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--source", choices=["auto", "standin", "citygen"], default="auto",
                    help="auto: the demo generator if importable, else the stand-in")
    ap.add_argument("--no-write", action="store_true", help="do not update BENCHMARKS.md")
    args = ap.parse_args(argv)
    os.sched_setaffinity(0, {0})
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from jiewang.areas.locator import Locator, build_index

    rng = np.random.default_rng(args.seed)
    t = time.perf_counter()
    use_citygen = args.source == "citygen"
    if args.source == "auto":
        try:
            import jiewang.demo.citygen  # noqa: F401, PLC0415

            use_citygen = True
        except ImportError:
            use_citygen = False
    if use_citygen:
        polys = citygen_grids(args.scale, args.seed)
        source = f"grids of `jiewang.demo.citygen.generate_city({args.scale!r}, {args.seed})`"
    else:
        polys = standin_city(SCALES[args.scale], args.seed)
        source = "stand-in Voronoi city (clustered seeds, ~300 km, clipped)"
    gen_s = time.perf_counter() - t
    n = len(polys)
    print(f"{n} grid polygons ({source}), generated in {gen_s:.1f} s; pinned to CPU 0")

    t = time.perf_counter()
    index = build_index(np.arange(1, n + 1), polys, near_m=50.0)
    build_s = time.perf_counter() - t
    print(f"build: {build_s:.1f} s  {index.stats}")
    locator = Locator(index)
    tree = shapely.STRtree(polys)
    minx, miny, maxx, maxy = shapely.total_bounds(polys)

    bx, by = rng.uniform(minx, maxx, args.points), rng.uniform(miny, maxy, args.points)
    gx, gy = points_inside(polys, args.points, rng)
    ns = args.single
    rows = []

    def single_ours(x, y):
        xs, ys = x[:ns].tolist(), y[:ns].tolist()
        locate = locator.locate
        return lambda: [locate(a, b) for a, b in zip(xs, ys, strict=True)]

    def single_base(x, y):
        pts = shapely.points(x[:ns], y[:ns]).tolist()
        query = tree.query
        return lambda: [(lambda r: r.min() if r.size else -1)(query(p, predicate="intersects"))
                        for p in pts]

    for label, x, y in (("random points in the bbox", bx, by), ("points inside grids", gx, gy)):
        ours = rate(single_ours(x, y), ns)
        base = rate(single_base(x, y), ns, repeat=1)
        rows.append((f"single lookups/s, {label}", ours, base))
    for label, x, y in (("random points in the bbox", bx, by), ("points inside grids", gx, gy)):
        ours = rate(lambda x=x, y=y: locator.locate_many(x, y), x.size)
        pts = shapely.points(x, y)
        base = rate(lambda pts=pts: tree.query(pts, predicate="intersects"), x.size, repeat=1)
        rows.append((f"batch points/s ({x.size:,}), {label}", ours, base))

    # exactness on a sample: random, inside, vertices, points on edges
    m = min(200_000, args.points)
    v = shapely.get_coordinates(polys)
    v = v[rng.choice(len(v), min(m, len(v)), replace=False)]
    rings = shapely.get_exterior_ring(shapely.get_parts(polys))
    ring_pick = rings[rng.integers(0, len(rings), m // 4)]
    on_edge = shapely.get_coordinates(shapely.line_interpolate_point(ring_pick, rng.random(m // 4), normalized=True))
    sx = np.concatenate([bx[:m], gx[:m], v[:, 0], on_edge[:, 0]])
    sy = np.concatenate([by[:m], gy[:m], v[:, 1], on_edge[:, 1]])
    leaf, snapped, _ = index.lookup_many(sx, sy)
    exact = index.exact_many(sx, sy)
    mism_batch = int(((leaf != exact) & ~snapped).sum() + (snapped & (exact >= 0)).sum())
    k = 20_000
    pick = rng.choice(sx.size, k, replace=False)
    single = np.array([index.lookup(a, b)[0] for a, b in zip(sx[pick], sy[pick], strict=True)])
    mism_single = int((single != leaf[pick]).sum())
    checked = sx.size + k
    print(f"exactness: {sx.size:,} batch + {k:,} single answers checked, mismatches "
          f"{mism_batch} + {mism_single}")

    print()
    print(f"{'measure':58s} {'locator':>14s} {'STRtree':>14s} {'ratio':>7s}")
    for label, ours, base in rows:
        print(f"{label:58s} {ours:14,.0f} {base:14,.0f} {ours / base:6.1f}x")
    if not args.no_write:
        write_section(rows, build_s, n, source, index.stats, mism_batch + mism_single, checked)
    return 0 if mism_batch + mism_single == 0 else 1


def write_section(rows, build_s, n, source, stats, mismatches, checked):
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    lines = [
        BEGIN,
        "## Locator",
        "",
        "Point → leaf grid (`jiewang.areas.locator`), `python -m bench.locator_bench --scale city`.",
        f"Date {dt.date.today().isoformat()}; machine: {os.cpu_count()} cores ({cpu}), "
        f"Python {platform.python_version()}, shapely {shapely.__version__}, numpy {np.__version__}; "
        "the benchmark pins itself to ONE core (`os.sched_setaffinity(0, {0})`).",
        f"Data: {n:,} grid polygons, {source}. Baseline: plain shapely `STRtree` "
        "(`query(point, predicate=\"intersects\")` per point; one bulk `query(points, …)`).",
        "",
        "| measure | locator | baseline (STRtree) | ratio | target |",
        "|---|---:|---:|---:|---:|",
        f"| index build (s) | {build_s:.1f} | – | – | well under 60–120 |",
    ]
    for label, ours, base in rows:
        target = "≥ 50,000" if label.startswith("single") else "≥ 1,000,000"
        lines.append(f"| {label} | {ours:,.0f} | {base:,.0f} | {ours / base:.1f}× | {target} |")
    lines += [
        f"| mismatches vs exact `intersects_xy` test ({checked:,} answers: random, inside, "
        f"vertices, on edges) | {mismatches} | – | – | 0 |",
        "",
        f"Index: {stats.get('cells', 0):,} cells ({stats.get('blocks', 0):,} 4×4 blocks, depth "
        f"{stats.get('depth')}), {stats.get('boundary_cells', 0):,} boundary cells with "
        f"{stats.get('candidates', 0):,} candidates. Single lookups go through the public "
        "`Locator.locate` (validation and result object included).",
        END,
    ]
    section = "\n".join(lines)
    path = ROOT / "BENCHMARKS.md"
    if path.exists():
        text = path.read_text()
    else:
        text = ("# Benchmarks\n\nMeasured figures of the performance-critical parts, each against "
                "a plain baseline, on generated city-scale data. Each section is written by its "
                "benchmark under `bench/`; re-run it to update.\n\n")
    if BEGIN in text and END in text:
        text = re.sub(re.escape(BEGIN) + ".*?" + re.escape(END), lambda _m: section, text,
                      flags=re.S)
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    path.write_text(text)
    print(f"updated {path}")


if __name__ == "__main__":
    sys.exit(main())
