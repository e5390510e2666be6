"""GeoJSON export: properties, simplification, the command, and the export → import round trip."""

from __future__ import annotations

import io
import json

import pytest
import shapely
from django.core.management import CommandError, call_command
from shapely.geometry import shape

from jiewang.areas.choices import AreaLevel, GridType
from jiewang.areas.exporting import area_feature, areas_to_feature_collection, tolerance_for_zoom
from jiewang.areas.importing import area_import
from jiewang.areas.models import Area, AreaBoundary
from jiewang.areas.services import area_create, area_retire

from jiewang.core.testing import shared_data  # noqa: E402

BEIJING = shared_data("beijing-districts.geojson")


def box(x0, y0, x1, y1):
    return {"type": "Polygon", "coordinates": [[[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]]}


@pytest.fixture
def small_tree(db):
    """City → district → two towns → one community → two grids, all boxes on a 1e-6° grid."""
    import datetime as dt

    city = area_create(actor=None, parent=None, level=AreaLevel.CITY, code="500000", name="渝州市",
                       geometry=box(106.0, 29.0, 107.0, 30.0), valid_from=dt.date(2020, 1, 1))
    d = area_create(actor=None, parent=city, level=AreaLevel.DISTRICT, code="500101", name="北区",
                    geometry=box(106.0, 29.0, 106.5, 30.0))
    t1 = area_create(actor=None, parent=d, level=AreaLevel.TOWN, code="500101001", name="一街道",
                     geometry=box(106.0, 29.0, 106.5, 29.5))
    area_create(actor=None, parent=d, level=AreaLevel.TOWN, code="500101002", name="二街道",
                geometry=box(106.0, 29.5, 106.5, 30.0))
    c = area_create(actor=None, parent=t1, level=AreaLevel.COMMUNITY, code="500101001001", name="甲社区",
                    geometry=box(106.0, 29.0, 106.25, 29.5))
    area_create(actor=None, parent=c, level=AreaLevel.GRID, code="500101001001001", name="第1网格",
                geometry=box(106.0, 29.0, 106.123456, 29.5), grid_type=GridType.COMPREHENSIVE,
                population=1000, households=400)
    area_create(actor=None, parent=c, level=AreaLevel.GRID, code="500101001001002", name="第2网格",
                geometry=box(106.123456, 29.0, 106.25, 29.5), grid_type=GridType.SCHOOL,
                population=900, households=10)
    return city


def test_tolerance_for_zoom():
    assert tolerance_for_zoom(0) == pytest.approx(360 / 256 / 2)
    assert tolerance_for_zoom(10) == pytest.approx(360 / (256 * 1024) / 2)
    assert tolerance_for_zoom(16) == pytest.approx(360 / (256 * 2**16) / 2)  # ≈ 1.2 m
    assert tolerance_for_zoom(12) > tolerance_for_zoom(13)
    assert tolerance_for_zoom(17) is None and tolerance_for_zoom(20) is None
    assert tolerance_for_zoom(-3) == tolerance_for_zoom(0)


@pytest.mark.django_db
def test_feature_properties(small_tree):
    grid = Area.objects.get(code="500101001001001")
    f = area_feature(grid)
    assert f["type"] == "Feature" and f["id"] == grid.pk
    assert f["properties"] == {
        "id": grid.pk, "code": "500101001001001", "name": "第1网格", "level": AreaLevel.GRID,
        "parent_code": "500101001001", "grid_type": "comprehensive", "population": 1000,
        "households": 400, "valid_from": grid.valid_from.isoformat(), "valid_to": None,
    }
    assert shape(f["geometry"]).equals(shape(grid.geometry))
    city = area_feature(small_tree)["properties"]
    assert (city["parent_code"], city["grid_type"], city["valid_from"]) == (None, None, "2020-01-01")


@pytest.mark.django_db
def test_collection_order_precision_and_missing_geometry(small_tree):
    area_create(actor=None, parent=small_tree, level=AreaLevel.DISTRICT, code="500102", name="无边界区")
    fc = areas_to_feature_collection(Area.objects.subtree(small_tree).order_by("level", "code"), precision=2)
    assert fc["type"] == "FeatureCollection"
    assert [f["properties"]["code"] for f in fc["features"]][:3] == ["500000", "500101", "500102"]
    assert fc["features"][2]["geometry"] is None
    grid = next(f for f in fc["features"] if f["properties"]["code"] == "500101001001001")
    xs = {round(p[0], 6) for p in grid["geometry"]["coordinates"][0]}
    assert xs == {106.0, 106.12}  # rounded to 2 decimals
    json.dumps(fc)  # plain JSON (lists, not tuples)
    # An iterable works as well as a queryset, and precision=None keeps the stored coordinates.
    exact = areas_to_feature_collection([Area.objects.get(code="500101001001001")], precision=None)
    assert {p[0] for p in exact["features"][0]["geometry"]["coordinates"][0]} == {106.0, 106.123456}


@pytest.mark.django_db
def test_simplification_for_a_zoom_keeps_valid_polygons(db):
    city = area_create(actor=None, parent=None, level=AreaLevel.CITY, code="110000", name="北京市",
                       geometry=box(115.0, 39.0, 118.0, 41.5))
    area_import(actor=None, data=BEIJING.read_bytes(), level=AreaLevel.DISTRICT, parent=city)
    qs = Area.objects.filter(parent=city).order_by("code")
    full = areas_to_feature_collection(qs)
    z9 = areas_to_feature_collection(qs, simplify_tolerance=tolerance_for_zoom(9))
    z12 = areas_to_feature_collection(qs, simplify_tolerance=tolerance_for_zoom(12))
    z17 = areas_to_feature_collection(qs, simplify_tolerance=tolerance_for_zoom(17))
    assert len(z9["features"]) == 16

    def n(fc):
        return sum(int(shapely.get_num_coordinates(shape(f["geometry"]))) for f in fc["features"])

    assert n(z9) < n(z12) < n(full) and n(z9) < 0.6 * n(full)
    assert z17 == full
    for f, g in zip(full["features"], z9["features"], strict=True):
        a, b = shape(f["geometry"]), shape(g["geometry"])
        assert b.is_valid and b.geom_type in ("Polygon", "MultiPolygon")
        assert abs(a.area - b.area) / a.area < 0.02


def _wipe():
    for level in sorted(AreaLevel.values, reverse=True):
        AreaBoundary.objects.filter(area__level=level).delete()
        Area.objects.filter(level=level).delete()


def _describe():
    rows = {}
    for a in Area.objects.select_related("parent"):
        rows[a.code] = (a.level, a.name, a.parent.code if a.parent else None, a.grid_type, a.population,
                        a.households, a.valid_from, a.valid_to, a.path.count("/"),
                        shapely.normalize(shape(a.geometry)).wkt)
    return rows


def _import_levels(fc: dict) -> None:
    levels = sorted({f["properties"]["level"] for f in fc["features"]})
    for level in levels:
        part = {"type": "FeatureCollection", "features": [f for f in fc["features"]
                                                           if f["properties"]["level"] == level]}
        report = area_import(actor=None, data=part, level=level)
        assert report.ok and report.imported == len(part["features"]), report.to_dict()


@pytest.mark.django_db
def test_round_trip_into_an_empty_database(small_tree):
    before = _describe()
    fc = areas_to_feature_collection(Area.objects.current().subtree(small_tree).order_by("level", "path"))
    _wipe()
    assert Area.objects.count() == 0
    _import_levels(json.loads(json.dumps(fc)))
    assert _describe() == before


@pytest.mark.django_db
def test_round_trip_beijing_through_the_commands(tmp_path):
    area_create(actor=None, parent=None, level=AreaLevel.CITY, code="110000", name="北京市",
                geometry=box(115.0, 39.0, 118.0, 41.5))
    call_command("import_areas", str(BEIJING), "--level", "district", "--parent", "110000", stdout=io.StringIO())
    before = _describe()
    out = tmp_path / "beijing.json"
    err = io.StringIO()
    call_command("export_areas", "--root", "110000", "--precision", "7", "-o", str(out), stderr=err)
    assert "17 areas written" in err.getvalue()
    _wipe()
    fc = json.loads(out.read_text(encoding="utf-8"))
    _import_levels(fc)
    assert _describe() == before
    # Importing the export once more changes nothing.
    for level in (AreaLevel.CITY, AreaLevel.DISTRICT):
        part = {"type": "FeatureCollection",
                "features": [f for f in fc["features"] if f["properties"]["level"] == level]}
        report = area_import(actor=None, data=part, level=level)
        assert report.unchanged == len(part["features"]) and report.updated == 0


@pytest.mark.django_db
def test_export_command_level_zoom_and_retired_areas(small_tree):
    out = io.StringIO()
    call_command("export_areas", "--root", "500101", "--level", "town", stdout=out)
    fc = json.loads(out.getvalue())
    assert [f["properties"]["code"] for f in fc["features"]] == ["500101001", "500101002"]
    import datetime as dt

    Area.objects.filter(code="500101002").update(valid_from=dt.date(2020, 1, 1))
    area_retire(actor=None, area=Area.objects.get(code="500101002"), on=dt.date.today())
    out = io.StringIO()
    call_command("export_areas", "--root", "500000", "--zoom", "5", stdout=out)
    codes = [f["properties"]["code"] for f in json.loads(out.getvalue())["features"]]
    assert "500101002" not in codes and codes[:2] == ["500000", "500101"] and len(codes) == 6
    with pytest.raises(CommandError, match="No current area with code '999'"):
        call_command("export_areas", "--root", "999")
