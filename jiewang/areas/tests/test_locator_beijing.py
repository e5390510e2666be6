"""The locator on real, messy boundaries: Beijing's 16 districts (12 with self-intersecting
rings in the source file), repaired the way the import repairs them, against brute force."""

from __future__ import annotations

import json

import numpy as np
import pytest
import shapely
from shapely.geometry import mapping, shape

from jiewang.areas import locator as loc
from jiewang.areas.choices import AreaLevel
from jiewang.areas.geometry import bbox_fields, geojson_to_plain
from jiewang.areas.models import Area, BoundaryRevision

from jiewang.core.testing import shared_data  # noqa: E402

DATA = shared_data("beijing-districts.geojson")


def repaired(geom):
    """make_valid, keeping only the polygonal parts."""
    geom = shapely.make_valid(geom)
    parts = [p for p in shapely.get_parts(geom) if p.geom_type in ("Polygon", "MultiPolygon")]
    parts = [q for p in parts for q in shapely.get_parts(p)]
    return parts[0] if len(parts) == 1 else shapely.MultiPolygon(parts)


@pytest.mark.django_db
@pytest.mark.skipif(not DATA.exists(), reason="Beijing districts file not available")
def test_beijing_districts_match_brute_force(tmp_path, settings):
    settings.LOCATOR_INDEX_DIR = tmp_path
    loc.reset_locator()
    features = json.loads(DATA.read_text())["features"]
    assert len(features) == 16
    assert sum(not shape(f["geometry"]).is_valid for f in features) == 12
    areas, polys = [], []
    for f in features:
        geom = repaired(shape(f["geometry"]))
        assert geom.is_valid and not geom.is_empty
        area = Area.objects.create(level=AreaLevel.DISTRICT, code=f["properties"]["code"],
                                   name=f["properties"]["name"],
                                   geometry=geojson_to_plain(mapping(geom)), **bbox_fields(geom))
        area.path = f"/{area.id}/"
        area.save(update_fields=["path"])
        areas.append(area)
        polys.append(shape(area.geometry))  # exactly what the index reads back
    BoundaryRevision.bump()
    order = np.argsort([a.id for a in areas])
    ids = np.array([a.id for a in areas])[order]
    polys = [polys[i] for i in order]

    city = shapely.union_all(polys)
    rng = np.random.default_rng(2024)
    minx, miny, maxx, maxy = city.bounds
    xs, ys = [], []
    while sum(map(len, xs)) < 10_000:
        x, y = rng.uniform(minx, maxx, 20_000), rng.uniform(miny, maxy, 20_000)
        keep = shapely.contains_xy(city, x, y)
        xs.append(x[keep])
        ys.append(y[keep])
    x, y = np.concatenate(xs)[:10_000], np.concatenate(ys)[:10_000]
    # brute force: first district (ascending id) covering the point
    truth = np.full(x.size, -1)
    for i in range(len(polys) - 1, -1, -1):
        truth[shapely.intersects_xy(polys[i], x, y)] = ids[i]
    assert (truth > 0).all()

    locator = loc.get_locator(refresh=True)
    assert locator.index.stats["leaves"] == 16
    got, status = locator.locate_many(x, y)
    assert np.array_equal(got, truth)
    assert (status == loc.STATUS_INSIDE).all()
    single = [locator.locate(a, b).area_id for a, b in zip(x[:2000], y[:2000], strict=False)]
    assert single == truth[:2000].tolist()
    # vertices (the source is on a 1/1024° lattice, so they sit on cell edges too)
    v = shapely.get_coordinates(polys)[::7]
    vtruth = np.full(len(v), -1)
    for i in range(len(polys) - 1, -1, -1):
        vtruth[shapely.intersects_xy(polys[i], v[:, 0], v[:, 1])] = ids[i]
    assert np.array_equal(locator.locate_many(v[:, 0], v[:, 1])[0], vtruth)
    loc.reset_locator()
