"""A fictional Chongqing-sized city, generated from a seed: the demo and benchmark data.

:func:`generate_city` is pure (no database): it returns a :class:`CityPlan`, the nodes of the area
tree in parent-before-child order with codes, names, households, population and boundaries.

How it is built, in two stages:

1. **Skeleton** (:func:`_skeleton`, cheap, no geometry). How many children each node has is
   apportioned from fixed totals per scale (e.g. 1,031 towns, 11,000 villages/communities and
   62,000 grids at ``city`` scale, the figures of Chongqing's reform) with random weights, so the
   per-level counts are exact and known without building any geometry. Urban core districts get
   fewer, denser towns made mostly of 街道 with 社区 whose grids hold 300–500 households; rural
   districts and counties get 镇/乡 made of 村 whose grids are natural villages of ~60–260
   households. Urban streets get a handful of dedicated grids (学校/医院/企业/园区…).
2. **Geometry**, level by level, vectorised over all parents of a level: seeds are spread in each
   parent by a few k-means rounds over random candidate points (so cells are compact), the
   Voronoi diagram of each parent's seeds (``shapely.voronoi_polygons`` with ``extend_to`` and
   ``ordered``) is clipped to the parent, and any cell part cut off from its seed by a concave
   parent is merged into the neighbour it shares most boundary with. The cells therefore tile
   their parent exactly (to float precision), without overlap. The work is done in a local km
   plane (so cells are not stretched) and moved to WGS84 lon/lat around (106.5, 29.5) at the end.

Grids are then numbered west→east, north→south within their community (rows about one grid
high), which gives the 15-digit unit-grid codes.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from collections.abc import Callable

import numpy as np
import shapely
from shapely.geometry import Polygon
from shapely.geometry.base import BaseGeometry

from jiewang.areas.choices import AreaLevel, GridType

from . import names

LON0, LAT0 = 106.5, 29.5
KM_PER_DEG_LAT = 111.19508
KM_PER_DEG_LON = KM_PER_DEG_LAT * math.cos(math.radians(LAT0))

Progress = Callable[[str, int, int], None]  # (stage, done, total)


@dataclass(frozen=True)
class ScaleSpec:
    """Totals of one scale. Districts are ``urban`` (core, dense) + ``outer`` (区) + ``counties``."""

    radius_km: float
    urban: int
    outer: int
    counties: int
    towns: int
    communities: int
    grids: int
    dedicated_per_street: tuple[int, int]  # dedicated grids per urban street, [lo, hi]


SCALES: dict[str, ScaleSpec] = {
    # Chongqing: 38 districts/counties, 1,031 towns/streets, ~11,000 villages/communities,
    # ~62,000 grids.
    "city": ScaleSpec(radius_km=162.0, urban=9, outer=17, counties=12, towns=1031,
                      communities=11000, grids=62000, dedicated_per_street=(3, 6)),
    # For tests: builds and seeds in well under a second or two.
    "small": ScaleSpec(radius_km=20.0, urban=1, outer=0, counties=1, towns=4, communities=12,
                       grids=60, dedicated_per_street=(2, 3)),
}


@dataclass(slots=True)
class PlanNode:
    """One area of the plan. ``index``/``parent`` are positions in :attr:`CityPlan.nodes`."""

    index: int
    level: int
    code: str
    name: str
    parent: int  # -1 for the root
    parent_code: str | None
    kind: str = ""  # 市, 区, 县, 街道, 镇, 乡, 社区, 村, 网格
    urban: bool = False  # in an urban core district
    population: int = 0
    households: int = 0
    grid_type: str = ""
    geometry: BaseGeometry | None = None
    children: list[int] = field(default_factory=list)


@dataclass
class CityPlan:
    scale: str
    seed: int
    nodes: list[PlanNode]
    timings: dict[str, float] = field(default_factory=dict)  # seconds per generation stage

    @property
    def root(self) -> PlanNode:
        return self.nodes[0]

    def level(self, level: int) -> list[PlanNode]:
        return [n for n in self.nodes if n.level == level]

    def counts(self) -> dict[int, int]:
        out: dict[int, int] = {}
        for n in self.nodes:
            out[n.level] = out.get(n.level, 0) + 1
        return out

    def children(self, node: PlanNode) -> list[PlanNode]:
        return [self.nodes[i] for i in node.children]


# --- Stage 1: the skeleton ---------------------------------------------------------------------


def apportion(total: int, weights, minimum: int = 1) -> np.ndarray:
    """Split ``total`` into integers proportional to ``weights``, each at least ``minimum``
    (largest-remainder method; deterministic)."""
    w = np.asarray(weights, dtype=float)
    n = len(w)
    if total < minimum * n:
        raise ValueError(f"cannot give {n} nodes at least {minimum} of {total}")
    rest = total - minimum * n
    quota = w / w.sum() * rest
    base = np.floor(quota).astype(np.int64)
    short = rest - int(base.sum())
    if short:
        order = np.argsort(-(quota - base), kind="stable")
        base[order[:short]] += 1
    return base + minimum


def _skeleton(scale: str, seed: int) -> CityPlan:
    spec = SCALES[scale]
    rng = np.random.default_rng([seed, 1])
    nodes: list[PlanNode] = []

    def add(level, code, name, parent: PlanNode | None, **kw) -> PlanNode:
        node = PlanNode(len(nodes), int(level), code, name, parent.index if parent else -1,
                        parent.code if parent else None, **kw)
        nodes.append(node)
        if parent is not None:
            parent.children.append(node.index)
        return node

    city = add(AreaLevel.CITY, names.CITY_CODE, names.CITY_NAME, None, kind="市")

    # Districts: urban core first (500101…), then outer districts, then counties (500221…).
    district_names: set[str] = set()
    districts = []
    n_districts = spec.urban + spec.outer + spec.counties
    for i in range(n_districts):
        county = i >= spec.urban + spec.outer
        code = f"5002{21 + i - spec.urban - spec.outer:02d}" if county else f"5001{1 + i:02d}"
        name = names.district_name(rng, district_names, county=county)
        districts.append(add(AreaLevel.DISTRICT, code, name, city, kind="县" if county else "区",
                             urban=i < spec.urban))

    # Towns: urban districts get fewer (they are small but dense).
    w = np.where([d.urban for d in districts], rng.uniform(0.35, 0.6, n_districts),
                 rng.uniform(0.75, 1.25, n_districts))
    town_counts = apportion(spec.towns, w, minimum=2 if spec.towns >= 2 * n_districts else 1)
    towns = []
    for d, k in zip(districts, town_counts, strict=False):
        taken: set[str] = set()
        kinds = []
        for j in range(int(k)):
            if j == 0:
                kinds.append("街道")  # the district seat
            elif d.urban:
                kinds.append("街道" if rng.random() < 0.85 else "镇")
            elif d.kind == "区":
                kinds.append("街道" if rng.random() < 0.3 else "镇")
            else:
                r = rng.random()
                kinds.append("街道" if r < 0.08 else ("乡" if r < 0.28 else "镇"))
        # GB/T 10114 style: streets 001–, towns 101–, townships 201–.
        seq = {"街道": 0, "镇": 100, "乡": 200}
        for kind in kinds:
            seq[kind] += 1
            towns.append(add(AreaLevel.TOWN, f"{d.code}{seq[kind]:03d}",
                             names.town_name(rng, taken, kind=kind), d, kind=kind, urban=d.urban))

    # Villages/communities.
    w = rng.uniform(0.75, 1.25, len(towns)) * np.where([t.kind == "街道" for t in towns], 0.95, 1.0)
    comm_counts = apportion(spec.communities, w,
                            minimum=2 if spec.communities >= 2 * len(towns) else 1)
    communities = []
    for t, k in zip(towns, comm_counts, strict=False):
        taken = set()
        kinds = []
        for j in range(int(k)):
            if t.kind == "街道":
                kinds.append("社区" if (j == 0 or rng.random() < 0.9) else "村")
            elif t.kind == "镇":
                kinds.append("社区" if j < 1 + int(rng.random() < 0.5) else "村")
            else:
                kinds.append("社区" if (j == 0 and rng.random() < 0.3) else "村")
        # Statistical-code style: 社区 (居委会) 001–, 村 (村委会) 201–.
        seq = {"社区": 0, "村": 200}
        for kind in kinds:
            seq[kind] += 1
            communities.append(add(AreaLevel.COMMUNITY, f"{t.code}{seq[kind]:03d}",
                                   names.community_name(rng, taken, kind=kind), t, kind=kind,
                                   urban=t.urban))

    # Grids: urban communities hold more, smaller-household-count-per-area grids.
    factor = np.array([1.35 if c.urban and c.kind == "社区" else (1.1 if c.kind == "社区" else 0.95)
                       for c in communities])
    w = rng.uniform(0.7, 1.3, len(communities)) * factor
    grid_counts = apportion(spec.grids, w, minimum=1)

    # Dedicated grids: a handful per urban street, at most one per community, never a
    # community's only grid.
    dedicated: dict[int, str] = {}  # community index -> grid type
    dtypes = [GridType.SCHOOL, GridType.HOSPITAL, GridType.ENTERPRISE, GridType.PARK,
              GridType.ELDERLY_HOME, GridType.OFFICE_BUILDING, GridType.MARKET, GridType.SCHOOL,
              GridType.OTHER_DEDICATED]
    comm_pos = {c.index: i for i, c in enumerate(communities)}
    for t in towns:
        if not (t.urban and t.kind == "街道"):
            continue
        eligible = [ci for ci in t.children if grid_counts[comm_pos[ci]] >= 2]
        lo, hi = spec.dedicated_per_street
        k = min(int(rng.integers(lo, hi + 1)), len(eligible))
        for ci in rng.choice(eligible, size=k, replace=False) if k else []:
            dedicated[int(ci)] = str(dtypes[rng.integers(len(dtypes))])

    institutions: dict[int, set[str]] = {}  # institution names, unique within a town
    for c, k in zip(communities, grid_counts, strict=False):
        town = nodes[c.parent]
        place = town.name.removesuffix("街道").removesuffix("镇").removesuffix("乡")
        taken = institutions.setdefault(town.index, set())
        dtype = dedicated.get(c.index)
        slot = int(rng.integers(int(k))) if dtype else -1
        for j in range(int(k)):
            if j == slot:
                hh = int(rng.integers(0, 16))
                pop = int(rng.integers({"school": 800, "hospital": 300}.get(dtype, 150),
                                       {"school": 3000, "hospital": 1500}.get(dtype, 1200)))
                name = names.institution_name(rng, taken, grid_type=dtype, place=place)
                gtype = dtype
            else:
                if c.urban and c.kind == "社区":
                    hh = int(rng.integers(300, 501))
                elif c.kind == "社区":
                    hh = int(rng.integers(180, 351))
                else:
                    hh = int(rng.integers(50, 231))  # a natural village
                pop = int(round(hh * rng.uniform(2.2, 2.8)))
                name = ""  # named with its number once numbered
                gtype = GridType.COMPREHENSIVE
            add(AreaLevel.GRID, "", name, c, kind="网格", urban=c.urban, households=hh,
                population=pop, grid_type=str(gtype))

    # Sum households and population up the tree (children come after their parent).
    for n in reversed(nodes):
        if n.parent >= 0:
            p = nodes[n.parent]
            p.households += n.households
            p.population += n.population
    plan = CityPlan(scale, seed, nodes)
    _number_grids(plan, order=None)
    return plan


def _number_grids(plan: CityPlan, order: dict[int, list[int]] | None) -> None:
    """Give grids their codes and names: ``order[community] = grid indexes in reading order``
    (default: as created)."""
    nodes = plan.nodes
    for c in plan.level(AreaLevel.COMMUNITY):
        seq = order[c.index] if order is not None else c.children
        c.children = list(seq)
        for number, gi in enumerate(seq, start=1):
            g = nodes[gi]
            g.code = f"{c.code}{number:03d}"
            g.parent_code = c.code
            if g.grid_type == GridType.COMPREHENSIVE:
                g.name = names.grid_name(c.name, number)


# --- Stage 2: geometry ---------------------------------------------------------------------------


def _city_outline(rng: np.random.Generator, radius: float) -> Polygon:
    """An irregular blob of about ``radius`` km: a circle with a few low harmonics."""
    theta = np.linspace(0, 2 * np.pi, 240, endpoint=False)
    r = np.ones_like(theta)
    for k in range(2, 7):
        r += rng.uniform(0.02, 0.12) / k * 2 * np.cos(k * theta + rng.uniform(0, 2 * np.pi))
    r *= radius
    return Polygon(np.column_stack([r * np.cos(theta), r * np.sin(theta)]))


def _candidates(parents: np.ndarray, counts: np.ndarray, rng: np.random.Generator,
                per_seed: int = 14) -> list[np.ndarray]:
    """Random points inside each parent (vectorised over parents): about ``per_seed`` per seed."""
    out: list[np.ndarray | None] = [None] * len(parents)
    want = np.maximum(counts * per_seed, 40)
    todo = np.flatnonzero(counts > 1)
    bounds = shapely.bounds(parents)
    fill = shapely.area(parents) / np.maximum(
        (bounds[:, 2] - bounds[:, 0]) * (bounds[:, 3] - bounds[:, 1]), 1e-300)
    boost = 1.3
    while len(todo):
        draws = np.ceil(want[todo] / np.clip(fill[todo], 0.02, 1.0) * boost).astype(np.int64)
        idx = np.repeat(todo, draws)
        b = bounds[idx]
        x = b[:, 0] + rng.random(len(idx)) * (b[:, 2] - b[:, 0])
        y = b[:, 1] + rng.random(len(idx)) * (b[:, 3] - b[:, 1])
        inside = shapely.contains_xy(parents[idx], x, y)
        idx, x, y = idx[inside], x[inside], y[inside]
        starts = np.searchsorted(idx, todo, side="left")
        ends = np.searchsorted(idx, todo, side="right")
        again = []
        for p, s, e in zip(todo, starts, ends, strict=False):
            if e - s >= max(counts[p] * 3, counts[p] + 2):
                out[p] = np.column_stack([x[s:e], y[s:e]])
            else:
                again.append(p)
        todo = np.array(again, dtype=np.int64)
        boost *= 2
    return out


def _kmeans_seeds(pts: np.ndarray, n: int, rng: np.random.Generator, iters: int = 8) -> np.ndarray:
    """``n`` well-spread seeds among ``pts`` (all inside the parent): a few Lloyd rounds on the
    candidate cloud, then each seed snapped to a candidate of its own cluster, so every seed lies
    inside the parent and the seeds are distinct."""
    c = pts[rng.choice(len(pts), n, replace=False)].copy()
    for _ in range(iters):
        d = ((pts[:, None, :] - c[None, :, :]) ** 2).sum(-1)
        lab = d.argmin(1)
        cnt = np.bincount(lab, minlength=n)
        sx = np.bincount(lab, weights=pts[:, 0], minlength=n)
        sy = np.bincount(lab, weights=pts[:, 1], minlength=n)
        ok = cnt > 0
        c[ok, 0] = sx[ok] / cnt[ok]
        c[ok, 1] = sy[ok] / cnt[ok]
    d = ((pts[:, None, :] - c[None, :, :]) ** 2).sum(-1)
    lab = d.argmin(1)
    d[lab[:, None] != np.arange(n)[None, :]] = np.inf
    pick = d.argmin(0)
    empty = np.isinf(d[pick, np.arange(n)])
    if empty.any():  # a cluster lost all its points: give it unused candidates
        unused = np.setdiff1d(np.arange(len(pts)), pick[~empty])
        pick[empty] = rng.choice(unused, int(empty.sum()), replace=False)
    return pts[pick]


def _district_seeds(city: BaseGeometry, spec: ScaleSpec, rng: np.random.Generator,
                    pts: np.ndarray) -> np.ndarray:
    """Urban districts packed around the centre, the rest spread over the remaining land."""
    n = spec.urban + spec.outer + spec.counties
    if spec.urban <= 1 or n <= 2:
        seeds = _kmeans_seeds(pts, n, rng)
        # Put the urban district(s) first: the seeds nearest the centre.
        order = np.argsort((seeds**2).sum(1), kind="stable")
        return seeds[order]
    ring = spec.radius_km * 0.06
    urban = [np.array([rng.uniform(-2, 2), rng.uniform(-2, 2)])]
    for k in range(spec.urban - 1):
        a = 2 * np.pi * k / (spec.urban - 1) + rng.uniform(-0.25, 0.25)
        r = ring * rng.uniform(0.85, 1.15)
        urban.append(np.array([r * np.cos(a), r * np.sin(a)]))
    core = spec.radius_km * 0.2
    outside = pts[(pts**2).sum(1) > core**2]
    rural = _kmeans_seeds(outside, n - spec.urban, rng)
    # Outer districts (区) nearer the core than counties (县).
    rural = rural[np.argsort((rural**2).sum(1), kind="stable")]
    return np.vstack([np.array(urban), rural])


def _polygonal_parts(geom: BaseGeometry) -> list[BaseGeometry]:
    return [p for p in shapely.get_parts(shapely.get_parts(geom))
            if p.geom_type == "Polygon" and not p.is_empty and p.area > 0]


def _fix_cells(cells: np.ndarray, seeds: np.ndarray) -> np.ndarray:
    """Make each clipped cell the single polygon around its seed: parts cut off from the seed
    (a concave parent) go to the sibling sharing the longest boundary with them."""
    n = len(cells)
    bad = [i for i in range(n) if cells[i].geom_type != "Polygon" or cells[i].is_empty]
    if not bad:
        return cells
    cells = cells.copy()
    orphans: list[BaseGeometry] = []
    for i in bad:
        parts = _polygonal_parts(cells[i])
        pt = shapely.points(seeds[i])
        home = [p for p in parts if p.intersects(pt)]
        keep = home[0] if home else max(parts, key=lambda p: p.area)
        cells[i] = keep
        orphans.extend(p for p in parts if p is not keep)
    for orphan in orphans:
        shared = shapely.length(shapely.intersection(orphan.boundary, shapely.boundary(cells)))
        j = int(np.argmax(shared))
        if shared[j] <= 0:
            j = int(np.argmin(shapely.distance(orphan, cells)))
        merged = shapely.union(cells[j], orphan)
        parts = _polygonal_parts(merged)
        cells[j] = parts[0] if len(parts) == 1 else shapely.multipolygons(parts)
    return cells


def _tessellate(parents: np.ndarray, counts: np.ndarray, rng: np.random.Generator,
                seeds_for: Callable[[int, np.ndarray], np.ndarray] | None = None,
                progress: Progress | None = None, stage: str = "") -> list[list[BaseGeometry]]:
    """Cells of each parent: ``counts[p]`` cells tiling ``parents[p]``, in seed order."""
    shapely.prepare(parents)
    cands = _candidates(parents, counts, rng)
    seeds: list[np.ndarray] = []
    for p, n in enumerate(counts):
        if n <= 1:
            inner = shapely.point_on_surface(parents[p])
            seeds.append(shapely.get_coordinates(inner)[:1])
        elif seeds_for is not None:
            seeds.append(seeds_for(p, cands[p]))
        else:
            seeds.append(_kmeans_seeds(cands[p], int(n), rng))
        if progress and (p % 200 == 0 or p == len(counts) - 1):
            progress(stage, p + 1, 2 * len(counts))
    multi = np.flatnonzero(counts > 1)
    result: list[list[BaseGeometry]] = [[parents[p]] for p in range(len(parents))]
    if len(multi):
        coords = np.vstack([seeds[p] for p in multi])
        owner = np.repeat(np.arange(len(multi)), [len(seeds[p]) for p in multi])
        mps = shapely.multipoints(coords, indices=owner)
        vor = shapely.voronoi_polygons(mps, extend_to=parents[multi], ordered=True)
        cells, cidx = shapely.get_parts(vor, return_index=True)
        if len(cells) != len(coords) or not np.array_equal(cidx, owner):
            raise RuntimeError("Voronoi diagram lost a seed")
        clipped = shapely.intersection(cells, parents[multi][cidx])
        start = 0
        for k, p in enumerate(multi):
            n = len(seeds[p])
            result[p] = list(_fix_cells(clipped[start:start + n], seeds[p]))
            start += n
            if progress and (k % 200 == 0 or k == len(multi) - 1):
                progress(stage, len(counts) + int((k + 1) / len(multi) * len(counts)),
                         2 * len(counts))
    return result


def _to_lonlat(coords: np.ndarray) -> np.ndarray:
    out = np.empty_like(coords)
    out[:, 0] = LON0 + coords[:, 0] / KM_PER_DEG_LON
    out[:, 1] = LAT0 + coords[:, 1] / KM_PER_DEG_LAT
    return out


def generate_city(scale: str, seed: int, *, geometry: bool = True,
                  progress: Progress | None = None) -> CityPlan:
    """The demo city of ``scale`` (``small`` or ``city``), identical for the same ``seed``.
    ``geometry=False`` builds only the skeleton (codes, names, counts, households) in about a
    second even at city scale; grids are then numbered in creation order."""
    if scale not in SCALES:
        raise ValueError(f"unknown scale {scale!r}; one of {sorted(SCALES)}")
    t0 = time.perf_counter()
    plan = _skeleton(scale, seed)
    plan.timings["skeleton"] = time.perf_counter() - t0
    if not geometry:
        return plan
    spec = SCALES[scale]
    rng = np.random.default_rng([seed, 2])
    nodes = plan.nodes
    nodes[0].geometry = _city_outline(rng, spec.radius_km)
    for level in (AreaLevel.DISTRICT, AreaLevel.TOWN, AreaLevel.COMMUNITY, AreaLevel.GRID):
        parents_nodes = plan.level(level - 1)
        parents = np.array([p.geometry for p in parents_nodes], dtype=object)
        counts = np.array([len(p.children) for p in parents_nodes], dtype=np.int64)
        seeds_for = None
        if level == AreaLevel.DISTRICT:
            def seeds_for(p, pts, parents=parents):
                return _district_seeds(parents[p], spec, rng, pts)
        stage = f"geometry:{AreaLevel(level).name.lower()}"
        t0 = time.perf_counter()
        cells = _tessellate(parents, counts, rng, seeds_for, progress, stage)
        for pn, pcells in zip(parents_nodes, cells, strict=False):
            for ci, cell in zip(pn.children, pcells, strict=False):
                nodes[ci].geometry = cell
        plan.timings[stage] = time.perf_counter() - t0
    t0 = time.perf_counter()
    # To WGS84 lon/lat, all geometries in one vectorised call.
    geoms = shapely.transform(np.array([n.geometry for n in nodes], dtype=object), _to_lonlat)
    for n, g in zip(nodes, geoms, strict=False):
        n.geometry = g
    # Number grids in reading order (in lon/lat, as stored): rows about one grid high,
    # north→south, then west→east within a row.
    order: dict[int, list[int]] = {}
    for c in plan.level(AreaLevel.COMMUNITY):
        kids = c.children
        if len(kids) == 1:
            order[c.index] = list(kids)
            continue
        cent = shapely.get_coordinates(shapely.centroid([nodes[g].geometry for g in kids]))
        band = math.sqrt(c.geometry.area / len(kids))
        top = c.geometry.bounds[3]
        row = np.floor((top - cent[:, 1]) / band)
        order[c.index] = [kids[i] for i in np.lexsort((cent[:, 0], row))]
    _number_grids(plan, order)
    plan.timings["geometry:numbering+lonlat"] = time.perf_counter() - t0
    if progress:
        progress("geometry:done", 1, 1)
    return plan
