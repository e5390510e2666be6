"""The locator: exactness of the raster index against brute force, snapping, GCJ-02, and the
rebuild-once / share-the-files life cycle."""

from __future__ import annotations

import math
import threading

import numpy as np
import pytest
import shapely
from hypothesis import HealthCheck, given, settings as hsettings, strategies as st
from shapely.geometry import box, mapping

from jiewang.areas import locator as loc
from jiewang.areas.choices import AreaLevel
from jiewang.areas.locator import coords, store
from jiewang.areas.locator.index import build_index
from jiewang.areas.models import BoundaryRevision
from jiewang.areas.services import area_create, area_set_boundary
from jiewang.core.errors import ValidationFailed

LON0, LAT0 = 106.5, 29.5


def brute(polys, x, y):
    """The exact definition: smallest index whose polygon covers the point, else -1."""
    for i, p in enumerate(polys):
        if shapely.intersects_xy(p, x, y):
            return i
    return -1


def make_tiling(n=6, step=0.01, jitter=0.003, seed=3):
    """A jittered n×n quad tiling with shared edges (each quad split in two triangles on odd
    cells), plus one polygon overlapping others and one with a hole."""
    rng = np.random.default_rng(seed)
    gx = np.arange(n + 1) * step + LON0
    gy = np.arange(n + 1) * step + LAT0
    X, Y = np.meshgrid(gx, gy, indexing="ij")
    X[1:-1, 1:-1] += rng.uniform(-jitter, jitter, (n - 1, n - 1))
    Y[1:-1, 1:-1] += rng.uniform(-jitter, jitter, (n - 1, n - 1))
    polys = []
    for i in range(n):
        for j in range(n):
            a, b = (X[i, j], Y[i, j]), (X[i + 1, j], Y[i + 1, j])
            c, d = (X[i + 1, j + 1], Y[i + 1, j + 1]), (X[i, j + 1], Y[i, j + 1])
            if (i + j) % 2:
                polys += [shapely.Polygon([a, b, c]), shapely.Polygon([a, c, d])]
            else:
                polys.append(shapely.Polygon([a, b, c, d]))
    # an overlapping square (later index: loses ties to nothing, wins where alone)
    polys.append(box(LON0 + 0.021, LAT0 + 0.021, LON0 + 0.0345, LAT0 + 0.0345))
    # a detached polygon with a hole east of the tiling
    polys.append(box(LON0 + 0.07, LAT0, LON0 + 0.09, LAT0 + 0.02).difference(
        box(LON0 + 0.075, LAT0 + 0.005, LON0 + 0.085, LAT0 + 0.015)))
    return polys


@pytest.fixture(scope="module")
def tiling():
    polys = make_tiling()
    index = build_index(np.arange(len(polys)) + 100, polys, near_m=50.0)
    return polys, index


def special_points(polys, index, rng):
    """Vertices, points on edges, and points on root and child cell edges."""
    xs, ys = [], []
    coords_ = shapely.get_coordinates(polys)
    xs += list(coords_[:, 0])
    ys += list(coords_[:, 1])
    for p in polys[:30]:
        ring = shapely.get_exterior_ring(p)
        for t in rng.uniform(0, 1, 5):
            pt = shapely.line_interpolate_point(ring, t, normalized=True)
            xs.append(pt.x)
            ys.append(pt.y)
    dx, dy = 1 / index.inv_dx, 1 / index.inv_dy
    for level in (1, 4, 16, 64):
        for _ in range(200):
            i = rng.integers(0, index.nx * level + 1)
            xs.append(index.x0 + i * dx / level)
            ys.append(rng.uniform(index.y0, index.y0 + index.ny * dy))
            j = rng.integers(0, index.ny * level + 1)
            xs.append(rng.uniform(index.x0, index.x0 + index.nx * dx))
            ys.append(index.y0 + j * dy / level)
    return np.array(xs), np.array(ys)


def test_index_matches_brute_force_on_random_and_special_points(tiling):
    polys, index = tiling
    rng = np.random.default_rng(7)
    bx = np.concatenate([rng.uniform(LON0 - 0.01, LON0 + 0.1, 3000)])
    by = np.concatenate([rng.uniform(LAT0 - 0.01, LAT0 + 0.07, 3000)])
    sx, sy = special_points(polys, index, rng)
    x, y = np.concatenate([bx, sx]), np.concatenate([by, sy])
    expected = np.array([brute(polys, a, b) for a, b in zip(x, y, strict=False)])
    leaf, snapped, _ = index.lookup_many(x, y)
    covered = ~snapped
    assert np.array_equal(leaf[covered], expected[covered])
    assert (expected[snapped] == -1).all()  # snapping only ever happens outside every polygon
    single = np.array([index.lookup(a, b)[0] for a, b in zip(x, y, strict=False)])
    assert np.array_equal(single, leaf)
    assert np.array_equal(index.exact_many(x, y), expected)
    # the special points really hit boundaries, so the test exercises the exact path
    assert (shapely.intersects_xy(shapely.boundary(shapely.union_all(polys)), sx, sy)).sum() > 50
    assert index.stats["boundary_cells"] > 0 and index.stats["blocks"] > 0


def test_shared_edge_goes_to_smallest_index(tiling):
    polys, index = tiling
    # a point exactly on an axis-parallel shared edge belongs to both squares: the first wins
    a, b = box(LON0, LAT0, LON0 + 0.01, LAT0 + 0.01), box(LON0 + 0.01, LAT0, LON0 + 0.02, LAT0 + 0.01)
    for order, expected in (([a, b], 0), ([b, a], 0)):
        two = build_index(np.array([1, 2]), order)
        x, y = LON0 + 0.01, LAT0 + 0.00123
        assert all(shapely.intersects_xy(p, x, y) for p in order)
        assert two.lookup(x, y) == (expected, 0.0)
        assert two.lookup_many(np.array([x]), np.array([y]))[0].tolist() == [expected]
    # an interior vertex of the jittered tiling is shared by several polygons
    vx, vy = shapely.get_coordinates(polys[0])[2]
    owners = [i for i, p in enumerate(polys) if shapely.intersects_xy(p, vx, vy)]
    assert len(owners) >= 3
    assert index.lookup(vx, vy) == (owners[0], 0.0)
    # in the overlap of the extra square (highest tiling index) the tiling cell wins
    over = len(polys) - 2
    x, y = LON0 + 0.0344, LAT0 + 0.0344
    assert index.lookup(x, y)[0] == brute(polys, x, y) != over


@hsettings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_index_exact_property(tiling, data):
    polys, index = tiling
    kind = data.draw(st.sampled_from(["any", "vertex", "edge", "celledge"]))
    if kind == "any":
        x = data.draw(st.floats(LON0 - 0.02, LON0 + 0.1))
        y = data.draw(st.floats(LAT0 - 0.02, LAT0 + 0.08))
    elif kind == "vertex":
        c = shapely.get_coordinates(polys)
        x, y = c[data.draw(st.integers(0, len(c) - 1))]
    elif kind == "edge":
        p = polys[data.draw(st.integers(0, len(polys) - 1))]
        pt = shapely.line_interpolate_point(shapely.get_exterior_ring(p),
                                            data.draw(st.floats(0, 1)), normalized=True)
        x, y = pt.x, pt.y
    else:
        level = data.draw(st.sampled_from([1, 4, 16, 64, 256]))
        x = index.x0 + data.draw(st.integers(0, index.nx * level)) / index.inv_dx / level
        y = data.draw(st.floats(LAT0 - 0.01, LAT0 + 0.07))
        if data.draw(st.booleans()):
            x, y = y - LAT0 + LON0, index.y0 + data.draw(st.integers(0, index.ny * level)) / index.inv_dy / level
    expected = brute(polys, x, y)
    got, dist = index.lookup(x, y)
    if expected >= 0:
        assert (got, dist) == (expected, 0.0)
    else:
        assert got == -1 or dist > 0
    assert index.lookup_many(np.array([x]), np.array([y]))[0][0] == got


def test_nearest_and_outside_in_metres():
    square = box(LON0, LAT0, LON0 + 0.01, LAT0 + 0.01)
    index = build_index(np.array([7]), [square], near_m=50.0)
    m_lon, m_lat = coords.meters_per_degree(LAT0 + 0.005)
    x_30m = LON0 + 0.01 + 30.0 / m_lon
    leaf, dist = index.lookup(x_30m, LAT0 + 0.005)
    assert leaf == 0 and dist == pytest.approx(30.0, abs=0.05)
    # 45 m north: a degree of latitude is longer than one of longitude here
    leaf, dist = index.lookup(LON0 + 0.005, LAT0 + 0.01 + 45.0 / float(m_lat))
    assert leaf == 0 and dist == pytest.approx(45.0, abs=0.05)
    assert index.lookup(LON0 + 0.01 + 60.0 / m_lon, LAT0 + 0.005) == (-1, None)
    # 45 m of longitude-degrees is > 50 m east-west at this latitude? no: it is 45/m_lat in lat
    # units, i.e. less than 50 m — but 0.00050° of longitude is ~48 m, of latitude ~55 m
    assert index.lookup(LON0 + 0.005, LAT0 + 0.01 + 0.0005)[0] == -1
    assert index.lookup(LON0 + 0.01 + 0.0005, LAT0 + 0.005)[0] == 0
    leaf, snapped, dist = index.lookup_many(np.array([x_30m, LON0 + 1, LON0 + 0.005]),
                                            np.array([LAT0 + 0.005, LAT0, LAT0 + 0.005]),
                                            with_distance=True)
    assert leaf.tolist() == [0, -1, 0] and snapped.tolist() == [True, False, False]
    assert dist[0] == pytest.approx(30.0, abs=0.05) and math.isnan(dist[1]) and dist[2] == 0


def test_nearest_zero_distance_disables_snapping():
    index = build_index(np.array([7]), [box(LON0, LAT0, LON0 + 0.01, LAT0 + 0.01)], near_m=0.0)
    assert index.lookup(LON0 + 0.01 + 1e-6, LAT0 + 0.005) == (-1, None)


def test_gcj02_reference_pair_and_round_trip():
    assert coords.wgs84_to_gcj02(116.404, 39.915) == pytest.approx(
        (116.41024449916938, 39.91640428150164), abs=1e-12)
    lon, lat = coords.gcj02_to_wgs84(116.41024449916938, 39.91640428150164)
    assert abs(lon - 116.404) < 1e-7 and abs(lat - 39.915) < 1e-7
    rng = np.random.default_rng(0)
    lons, lats = rng.uniform(73, 135, 5000), rng.uniform(18, 53, 5000)
    glon, glat = coords.wgs84_to_gcj02_many(lons, lats)
    offset = np.hypot(glon - lons, glat - lats)
    assert offset.min() > 1e-4  # the offset is real (hundreds of metres)
    wlon, wlat = coords.gcj02_to_wgs84_many(glon, glat)
    assert np.abs(wlon - lons).max() < 1e-7 and np.abs(wlat - lats).max() < 1e-7
    assert coords.wgs84_to_gcj02(lons[3], lats[3]) == (glon[3], glat[3])
    assert coords.gcj02_to_wgs84(glon[3], glat[3]) == pytest.approx((wlon[3], wlat[3]), abs=1e-9)
    # outside China: no offset
    assert coords.wgs84_to_gcj02(2.35, 48.85) == (2.35, 48.85)
    assert coords.gcj02_to_wgs84(2.35, 48.85) == (2.35, 48.85)


# --- with the database -----------------------------------------------------------------------


@pytest.fixture
def index_dir(tmp_path, settings):
    settings.LOCATOR_INDEX_DIR = tmp_path / "locator"
    settings.LOCATOR_NEAREST_METERS = 50
    loc.reset_locator()
    yield settings.LOCATOR_INDEX_DIR
    loc.reset_locator()


def sq(x, y, size=0.01):
    return mapping(box(LON0 + x, LAT0 + y, LON0 + x + size, LAT0 + y + size))


@pytest.fixture
def small_tree(db):
    district = area_create(actor=None, parent=None, level=AreaLevel.DISTRICT, code="500101",
                           name="D", geometry=sq(0, 0, 0.02))
    town = area_create(actor=None, parent=district, level=AreaLevel.TOWN, code="500101001", name="T")
    community = area_create(actor=None, parent=town, level=AreaLevel.COMMUNITY, code="500101001001",
                            name="C")
    grids = [area_create(actor=None, parent=community, level=AreaLevel.GRID, code=f"500101001001{i + 1:03d}",
                         name=f"G{i}", geometry=sq(0.01 * (i % 2), 0.01 * (i // 2)))
             for i in range(4)]
    return district, town, community, grids


@pytest.mark.django_db
def test_locate_returns_the_leaf_and_ancestors(index_dir, small_tree, django_assert_num_queries):
    district, town, community, grids = small_tree
    locator = loc.get_locator(refresh=True)
    r = locator.locate(LON0 + 0.015, LAT0 + 0.005)
    assert r == loc.LocateResult(grids[1].id, "inside", 0.0)
    # the shared corner of the four grids goes to the smallest id
    assert locator.locate(LON0 + 0.01, LAT0 + 0.01).area_id == grids[0].id
    with django_assert_num_queries(1):
        result, chain = loc.locate_with_ancestors(LON0 + 0.005, LAT0 + 0.015)
    assert result.area_id == grids[2].id
    assert [a.id for a in chain] == [district.id, town.id, community.id, grids[2].id]
    result, chain = loc.locate_with_ancestors(LON0 + 1, LAT0)
    assert result == loc.LocateResult(None, "outside", None) and chain == []
    ids, status = locator.locate_many([LON0 + 0.015, LON0 + 0.0201, LON0 + 1], [LAT0 + 0.015] * 3)
    assert ids.tolist() == [grids[3].id, grids[3].id, -1]
    assert status.tolist() == [loc.STATUS_INSIDE, loc.STATUS_NEAREST, loc.STATUS_OUTSIDE]
    assert ids.dtype == np.int64 and status.dtype == np.uint8
    r = locator.locate(LON0 + 0.0201, LAT0 + 0.015)
    assert r.status == "nearest" and 9 < r.distance_m < 10


@pytest.mark.django_db
def test_gcj02_points_are_converted(index_dir, small_tree):
    grids = small_tree[3]
    locator = loc.get_locator(refresh=True)
    wx, wy = LON0 + 0.008, LAT0 + 0.005
    gx, gy = coords.wgs84_to_gcj02(wx, wy)
    assert locator.locate(gx, gy, crs="gcj02").area_id == grids[0].id
    # the offset (~370 m east here) would put the raw GCJ-02 point in the next grid
    assert locator.locate(gx, gy).area_id == grids[1].id
    ids, _ = locator.locate_many([gx], [gy], crs="gcj02")
    assert ids.tolist() == [grids[0].id]


@pytest.mark.django_db
def test_districts_are_leaves_when_the_tree_stops_there(index_dir):
    d = area_create(actor=None, parent=None, level=AreaLevel.DISTRICT, code="500102", name="D",
                    geometry=sq(0, 0))
    area_create(actor=None, parent=d, level=AreaLevel.TOWN, code="500102001", name="no geometry")
    assert loc.get_locator(refresh=True).locate(LON0 + 0.005, LAT0 + 0.005).area_id == d.id


@pytest.mark.django_db
@pytest.mark.parametrize("lon,lat", [(float("nan"), 29.0), (106.0, float("inf")), (181.0, 29.0),
                                     (106.0, -90.5), ("106", 29.0), (None, 29.0), (True, 29.0)])
def test_bad_coordinates_are_refused(index_dir, small_tree, lon, lat):
    locator = loc.get_locator(refresh=True)
    with pytest.raises(ValidationFailed) as exc:
        locator.locate(lon, lat)
    assert exc.value.code == "locate.invalid_coordinates"
    if lon is not True:  # a bool inside a float list is indistinguishable from 1.0 for numpy
        with pytest.raises(ValidationFailed) as exc:
            locator.locate_many([106.0, lon], [29.0, lat])
        assert exc.value.code == "locate.invalid_coordinates"


@pytest.mark.django_db
def test_bad_crs_is_refused(index_dir, small_tree):
    with pytest.raises(ValidationFailed) as exc:
        loc.get_locator(refresh=True).locate(106.5, 29.5, crs="bd09")
    assert exc.value.code == "locate.invalid_crs"


@pytest.mark.django_db
def test_rebuilt_only_when_the_revision_moves(index_dir, small_tree, settings):
    grids = small_tree[3]
    before = store.build_count
    first = loc.get_locator(refresh=True)
    assert store.build_count == before + 1
    assert loc.get_locator(refresh=True) is first  # same revision: nothing rebuilt or reloaded
    assert loc.locator_rebuild_if_stale() is False
    assert store.build_count == before + 1
    # a boundary change bumps the revision; within the check interval the old index is kept
    settings.LOCATOR_REVISION_CHECK_SECONDS = 3600
    area_set_boundary(actor=None, area=grids[0], geometry=sq(0.5, 0.5), reason="moved")
    assert loc.get_locator() is first
    assert loc.locator_rebuild_if_stale() is True  # the worker builds it
    assert store.build_count == before + 2
    second = loc.get_locator(refresh=True)  # the web process only loads it
    assert store.build_count == before + 2
    assert second is not first and second.revision == BoundaryRevision.current()
    assert second.locate(LON0 + 0.505, LAT0 + 0.505).area_id == grids[0].id
    assert second.locate(LON0 + 0.005, LAT0 + 0.005).status == "outside"
    assert loc.locator_rebuild_if_stale() is False


@pytest.mark.django_db
def test_loads_share_the_saved_memory_mapped_files(index_dir, small_tree):
    loc.locator_rebuild_if_stale()
    target = store.index_dir(index_dir, BoundaryRevision.current(), 50.0)
    a, _paths, meta = store.load_index(target)
    b, _paths, _meta = store.load_index(target)
    assert meta["revision"] == BoundaryRevision.current()
    for arr in (a.cells, b.cells, a.cands, b.off):
        assert isinstance(arr, np.memmap) and not arr.flags.writeable
    assert str(a.cells.filename) == str(b.cells.filename) == str(target / "cells.npy")
    assert a.lookup(LON0 + 0.005, LAT0 + 0.005) == b.lookup(LON0 + 0.005, LAT0 + 0.005)
    # only the finished directory is visible (the temporary one was renamed)
    assert sorted(p.name for p in index_dir.iterdir() if not p.name.startswith(".build")) == [target.name]


def test_concurrent_builders_build_once(tmp_path, monkeypatch):
    """Two builders racing for the same revision: the file lock makes the second one wait and
    then find the first one's index."""
    polys = make_tiling(3)
    calls = []

    def fake_leaves():
        calls.append(1)
        return np.arange(len(polys)) + 1, polys, [f"/{i + 1}/" for i in range(len(polys))]

    monkeypatch.setattr(store, "leaves_from_db", fake_leaves)
    results = []
    threads = [threading.Thread(target=lambda: results.append(store.ensure_index(tmp_path, 5, 50.0)))
               for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(calls) == 1
    assert sorted(built for _p, built in results) == [False, False, False, True]
    assert len({p for p, _b in results}) == 1
