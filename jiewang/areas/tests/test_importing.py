"""Boundary import: repairs, rejections, warnings, atomicity, permissions, the command."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import CommandError, call_command
from shapely.geometry import shape

from jiewang.accounts.models import RoleGrant, User
from jiewang.areas.choices import AreaLevel
from jiewang.areas.geometry import m2_per_deg2
from jiewang.areas.importing import area_import
from jiewang.areas.models import Area, AreaBoundary, BoundaryRevision
from jiewang.areas.services import area_create
from jiewang.audit.models import AuditEntry
from jiewang.core.errors import NotFound, PayloadTooLarge, PermissionDenied, ValidationFailed

from jiewang.core.testing import shared_data  # noqa: E402

BEIJING = shared_data("beijing-districts.geojson")


# --- helpers -------------------------------------------------------------------------------------

def ring(x0, y0, x1, y1):
    return [[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]


def box(x0, y0, x1, y1):
    return {"type": "Polygon", "coordinates": [ring(x0, y0, x1, y1)]}


def local(pts, x=116.0, y=39.9, s=0.01):
    """Points of a unit-sized drawing placed near Beijing, 1 unit = 0.01°."""
    return [[x + a * s, y + b * s] for a, b in pts]


def feat(code, name, geometry, **props):
    p = {"code": code, "name": name, **props}
    return {"type": "Feature", "properties": p, "geometry": geometry}


def fc(*features):
    return {"type": "FeatureCollection", "features": list(features)}


def snapshot():
    """Everything an import may change: refused imports must leave it identical."""
    return {
        "areas": list(Area.objects.order_by("pk").values_list("pk", "code", "name", "geometry", "valid_to",
                                                              "updated_at")),
        "boundaries": list(AreaBoundary.objects.order_by("pk").values_list("pk", "valid_to")),
        "audit": AuditEntry.objects.count(),
        "revision": BoundaryRevision.current(),
    }


def statuses(report):
    return [(f.code, f.status) for f in report.features]


def error_codes(report):
    return {f.code: [e["code"] for e in f.errors] for f in report.features if f.errors}


# --- the real Beijing file -----------------------------------------------------------------------

BEIJING_EXPECTED = {
    # code: (name, repairs in order). 12 features are invalid as shipped (self-intersections) and are
    # rebuilt with make_valid; 15 carry repeated consecutive points. No feature is rejected: every
    # repair changes the area by far less than 1%.
    "110101": ("东城区", ["removed_duplicate_points", "made_valid"]),
    "110102": ("西城区", []),
    "110105": ("朝阳区", ["removed_duplicate_points", "made_valid", "filled_small_holes"]),
    "110106": ("丰台区", ["removed_duplicate_points", "made_valid", "filled_small_holes"]),
    "110107": ("石景山区", ["removed_duplicate_points", "made_valid"]),
    "110108": ("海淀区", ["removed_duplicate_points", "made_valid", "dropped_slivers"]),
    "110109": ("门头沟区", ["removed_duplicate_points"]),
    "110111": ("房山区", ["removed_duplicate_points", "made_valid", "dropped_slivers", "filled_small_holes"]),
    "110112": ("通州区", ["removed_duplicate_points"]),
    "110113": ("顺义区", ["removed_duplicate_points", "made_valid"]),
    "110114": ("昌平区", ["removed_duplicate_points"]),
    "110115": ("大兴区", ["removed_duplicate_points", "made_valid", "filled_small_holes"]),
    "110116": ("怀柔区", ["removed_duplicate_points", "made_valid", "dropped_slivers"]),
    "110117": ("平谷区", ["removed_duplicate_points", "made_valid"]),
    "110118": ("密云区", ["removed_duplicate_points", "made_valid"]),
    "110119": ("延庆区", ["removed_duplicate_points", "made_valid"] + ["filled_small_holes"]),
}


@pytest.mark.django_db
def test_beijing_districts_are_repaired_and_imported(city):
    rev = BoundaryRevision.current()
    report = area_import(actor=None, data=BEIJING.read_bytes(), level=AreaLevel.DISTRICT, parent=city)

    assert report.ok
    assert (report.total, report.imported, report.updated, report.rejected) == (16, 16, 0, 0)
    assert report.repaired == 15
    got = {f.code: (f.name, [r["kind"] for r in f.repairs]) for f in report.features}
    assert got == BEIJING_EXPECTED
    assert all(f.status == "imported" and f.area_id for f in report.features)
    for f in report.features:
        for r in f.repairs:
            assert abs(r["area_after_m2"] - r["area_before_m2"]) <= 0.01 * r["area_before_m2"]
        made_valid = [r for r in f.repairs if r["kind"] == "made_valid"]
        if made_valid:
            assert "Self-intersection" in made_valid[0]["reason"]

    areas = Area.objects.filter(parent=city).order_by("code")
    assert areas.count() == 16
    for a in areas:
        g = shape(a.geometry)
        assert g.is_valid and g.geom_type in ("Polygon", "MultiPolygon")
        assert a.path == f"{city.path}{a.pk}/"
        assert a.level == AreaLevel.DISTRICT
    assert AreaBoundary.objects.filter(area__parent=city, valid_to__isnull=True).count() == 16
    assert BoundaryRevision.current() == rev + 16
    assert AuditEntry.objects.filter(action="area.create").count() == 17  # + the city
    summary = AuditEntry.objects.get(action="area.import")
    assert summary.data["imported"] == 16 and sorted(summary.data["created"]) == sorted(a.pk for a in areas)
    # The districts tile Beijing: neighbours share edges, so overlaps (if any) stay tiny, and the
    # city box holds them all.
    assert not [w for f in report.features for w in f.warnings if w["code"] == "import.outside_parent"]


@pytest.mark.django_db
def test_beijing_without_parent_and_no_parent_code_is_refused(city):
    before = snapshot()
    report = area_import(actor=None, data=BEIJING.read_text(encoding="utf-8"), level=AreaLevel.DISTRICT)
    assert report.rejected == 16 and report.imported == 0
    assert {c for codes in error_codes(report).values() for c in codes} == {"import.missing_parent"}
    assert snapshot() == before


# --- crafted files -------------------------------------------------------------------------------

UNEQUAL_BOWTIE = {"type": "Polygon", "coordinates": [
    local([(0, 0), (2, 0), (2, 1), (1, 1), (1, -0.5), (0, -0.5), (0, 0)], x=116.5, y=39.5)]}


def crafted_file():
    """Three good towns and one irreparable one (a figure-eight whose lobes differ: the raw area is
    0.5, any valid repair 1.5)."""
    return fc(
        feat("110101002", "中街道", box(116.30, 39.0, 116.50, 40.0)),
        feat("110101003", "东街道", box(116.50, 39.0, 116.70, 40.0)),
        feat("110101004", "南街道", box(116.70, 39.0, 116.90, 40.0)),
        feat("110101005", "坏街道", UNEQUAL_BOWTIE),
    )


@pytest.mark.django_db
def test_one_irreparable_feature_refuses_the_whole_file_by_default(district):
    before = snapshot()
    report = area_import(actor=None, data=crafted_file(), level=AreaLevel.TOWN, parent=district)

    assert not report.ok
    assert (report.total, report.imported, report.rejected, report.skipped) == (4, 0, 1, 3)
    assert statuses(report) == [("110101002", "skipped"), ("110101003", "skipped"),
                                ("110101004", "skipped"), ("110101005", "rejected")]
    bad = report.features[3]
    assert [e["code"] for e in bad.errors] == ["import.irreparable"]
    assert bad.errors[0]["relative_change"] == pytest.approx(2.0, rel=1e-6)
    assert [r["kind"] for r in bad.repairs] == ["made_valid"]
    assert snapshot() == before


@pytest.mark.django_db
def test_skip_invalid_imports_the_rest_and_lists_the_rejected(district):
    rev, audits = BoundaryRevision.current(), AuditEntry.objects.count()
    report = area_import(actor=None, data=crafted_file(), level=AreaLevel.TOWN, parent=district,
                         skip_invalid=True)

    assert not report.ok
    assert (report.imported, report.rejected) == (3, 1)
    assert statuses(report) == [("110101002", "imported"), ("110101003", "imported"),
                                ("110101004", "imported"), ("110101005", "rejected")]
    assert sorted(Area.objects.filter(parent=district).values_list("code", flat=True)) == [
        "110101001", "110101002", "110101003", "110101004"]
    assert BoundaryRevision.current() == rev + 3
    assert AuditEntry.objects.count() == audits + 4  # three area.create + one area.import
    summary = AuditEntry.objects.get(action="area.import")
    assert summary.object_id == str(district.pk) and summary.data["rejected"] == [3]


@pytest.mark.django_db
def test_symmetric_bowtie_is_irreparable(district):
    bowtie = {"type": "Polygon", "coordinates": [local([(0, 0), (1, 1), (1, 0), (0, 1), (0, 0)], x=116.5, y=39.5)]}
    report = area_import(actor=None, data=fc(feat("110101009", "蝴蝶结", bowtie)), level=AreaLevel.TOWN,
                         parent=district)
    f = report.features[0]
    assert f.status == "rejected"
    assert f.errors[0]["code"] == "import.irreparable" and f.errors[0]["area_before_m2"] == 0.0
    assert not Area.objects.filter(code="110101009").exists()


@pytest.mark.django_db
def test_small_self_intersection_is_repaired(district):
    # A unit square with a tiny crossed loop on its top edge: repairing changes the area by 0.005%.
    knot = {"type": "Polygon", "coordinates": [local(
        [(0, 0), (1, 0), (1, 1), (0.51, 1), (0.50, 1.01), (0.51, 1.01), (0.50, 1), (0, 1), (0, 0)],
        x=116.5, y=39.5)]}
    report = area_import(actor=None, data=fc(feat("110101009", "小结", knot)), level=AreaLevel.TOWN,
                         parent=district)
    f = report.features[0]
    assert f.status == "imported" and report.repaired == 1
    assert [r["kind"] for r in f.repairs] == ["made_valid"]
    rep = f.repairs[0]
    assert rep["area_after_m2"] / rep["area_before_m2"] == pytest.approx(1.00005, abs=1e-6)
    assert shape(Area.objects.get(code="110101009").geometry).is_valid


@pytest.mark.django_db
def test_duplicate_points_unclosed_ring_and_3d_are_repaired(district):
    coords = [[116.5, 39.5, 40], [116.5, 39.5, 40], [116.6, 39.5, 41], [116.6, 39.6, 42],
              [116.6, 39.6, 42], [116.5, 39.6, 43]]  # repeated twice, not closed, with heights
    report = area_import(actor=None, data=fc(feat("110101009", "重复点", {"type": "Polygon", "coordinates": [coords]})),
                         level=AreaLevel.TOWN, parent=district)
    f = report.features[0]
    assert f.status == "imported"
    assert [(r["kind"], r["count"]) for r in f.repairs] == [
        ("dropped_z", 6), ("removed_duplicate_points", 2), ("closed_ring", 1)]
    stored = Area.objects.get(code="110101009").geometry
    assert stored["type"] == "Polygon"
    pts = [tuple(p) for p in stored["coordinates"][0]]
    assert len(pts) == 5 and pts[0] == pts[-1] and all(len(p) == 2 for p in pts)
    assert len(set(pts)) == 4


@pytest.mark.django_db
def test_geometry_collection_multipolygon_sliver_and_tiny_hole(district):
    big = ring(116.5, 39.5, 116.6, 39.6)
    hole = ring(116.55, 39.55, 116.5500001, 39.5500001)[::-1]
    sliver = ring(116.7, 39.7, 116.7000002, 39.7000002)
    gc = {"type": "GeometryCollection", "geometries": [
        {"type": "Polygon", "coordinates": [big, hole]},
        {"type": "Point", "coordinates": [116.55, 39.55]},
        {"type": "LineString", "coordinates": [[116.5, 39.5], [116.6, 39.6]]},
    ]}
    mp = {"type": "MultiPolygon", "coordinates": [[ring(116.7, 39.5, 116.8, 39.6)], [sliver]]}
    report = area_import(actor=None, data=fc(feat("110101009", "集合", gc), feat("110101010", "碎片", mp)),
                         level=AreaLevel.TOWN, parent=district)
    assert statuses(report) == [("110101009", "imported"), ("110101010", "imported")]
    assert [r["kind"] for r in report.features[0].repairs] == ["dropped_non_polygonal", "filled_small_holes"]
    assert [r["kind"] for r in report.features[1].repairs] == ["dropped_slivers"]
    assert Area.objects.get(code="110101009").geometry["type"] == "Polygon"
    assert len(Area.objects.get(code="110101009").geometry["coordinates"]) == 1  # hole filled
    assert Area.objects.get(code="110101010").geometry["type"] == "Polygon"  # sliver part dropped


@pytest.mark.django_db
def test_each_kind_of_bad_feature_is_rejected_with_its_code(district):
    good = box(116.5, 39.5, 116.6, 39.6)
    data = fc(
        feat("110101011", "", good),  # no name
        {"type": "Feature", "properties": {"name": "无编码"}, "geometry": good},
        feat("110101013", "线", {"type": "LineString", "coordinates": [[116.5, 39.5], [116.6, 39.6]]}),
        feat("110101014", "空", {"type": "Polygon", "coordinates": []}),
        feat("110101015", "投影坐标", box(12958000, 4852000, 12959000, 4853000)),
        feat("110101016", "重复一", good),
        feat("110101016", "重复二", box(116.7, 39.5, 116.8, 39.6)),
        feat("110101018", "无几何", None),
        feat("110101019", "线状多边形", {"type": "Polygon", "coordinates": [[[116.5, 39.5], [116.6, 39.5],
                                                                          [116.7, 39.5], [116.5, 39.5]]]}),
        feat("110101020", "坏坐标", {"type": "Polygon", "coordinates": [[["a", 1], [2, 3]]]}),
        "not a feature",
        feat("110101022", "坏类型", good, grid_type="school"),
    )
    before = snapshot()
    report = area_import(actor=None, data=data, level=AreaLevel.TOWN, parent=district, skip_invalid=True)
    assert report.imported == 0 and report.rejected == 12
    assert [[e["code"] for e in f.errors] for f in report.features] == [
        ["import.missing_name"],
        ["import.missing_code"],
        ["import.not_areal"],
        ["import.empty"],
        ["import.out_of_range"],
        ["import.duplicate_code"],
        ["import.duplicate_code"],
        ["import.missing_geometry"],
        ["import.empty"],
        ["import.malformed_geometry"],
        ["import.not_a_feature"],
        ["import.invalid_property"],
    ]
    assert report.features[5].errors[0]["indexes"] == [5, 6]
    assert snapshot() == before


@pytest.mark.django_db
def test_parent_found_by_code_and_unknown_parent_code(district):
    data = fc(
        feat("110101002", "中街道", box(116.3, 39.0, 116.5, 40.0), parent_code="110101"),
        feat("110199001", "孤街道", box(116.5, 39.0, 116.7, 40.0), parent_code="110199"),
        feat("110101004", "无上级", box(116.7, 39.0, 116.9, 40.0)),
    )
    before = snapshot()
    report = area_import(actor=None, data=data, level=AreaLevel.TOWN)
    assert statuses(report) == [("110101002", "skipped"), ("110199001", "rejected"), ("110101004", "rejected")]
    assert error_codes(report) == {"110199001": ["import.unknown_parent"], "110101004": ["import.missing_parent"]}
    assert snapshot() == before

    report = area_import(actor=None, data=data, level=AreaLevel.TOWN, skip_invalid=True)
    assert report.imported == 1
    assert Area.objects.get(code="110101002").parent == district


@pytest.mark.django_db
def test_parent_code_is_ignored_with_an_explicit_parent(district):
    data = fc(feat("110101002", "中街道", box(116.3, 39.0, 116.5, 40.0), parent_code="110199"))
    report = area_import(actor=None, data=data, level=AreaLevel.TOWN, parent=district)
    f = report.features[0]
    assert (f.status, f.parent_code) == ("imported", "110101")
    assert [w["code"] for w in f.warnings] == ["import.parent_code_ignored"]
    assert Area.objects.get(code="110101002").parent == district


@pytest.mark.django_db
def test_custom_property_keys(district):
    data = fc({"type": "Feature", "properties": {"NAME": "中街道", "ADCODE": 110101002, "PAC": 110101},
               "geometry": box(116.3, 39.0, 116.5, 40.0)})
    report = area_import(actor=None, data=data, level=AreaLevel.TOWN, name_key="NAME", code_key="ADCODE",
                         parent_code_key="PAC")
    assert statuses(report) == [("110101002", "imported")]
    assert Area.objects.get(code="110101002").parent == district


@pytest.mark.django_db
def test_roots_only_at_the_top_of_the_data(db):
    report = area_import(actor=None, data=fc(feat("120000", "天津市", box(116.7, 38.5, 118.1, 40.3))),
                         level=AreaLevel.CITY)
    assert statuses(report) == [("120000", "imported")]
    tj = Area.objects.get(code="120000")
    assert tj.parent is None and tj.path == f"/{tj.pk}/"
    # Cities exist now, so a district without a parent code is not a root.
    report = area_import(actor=None, data=fc(feat("120101", "和平区", box(117.1, 39.1, 117.2, 39.2))),
                         level=AreaLevel.DISTRICT)
    assert error_codes(report) == {"120101": ["import.missing_parent"]}


@pytest.mark.django_db
def test_child_outside_parent_and_sibling_overlaps_are_warnings(district):
    existing = Area.objects.get(code="110101001")  # 116.0–116.3 × 39.0–40.0
    data = fc(
        feat("110101002", "中街道", box(116.25, 39.0, 116.60, 39.9)),  # overlaps the existing town
        feat("110101003", "东街道", box(116.58, 39.0, 117.20, 39.9)),  # sticks out east; overlaps 中
        # overlaps 中 by a 5e-5° strip: 0.05% of the smaller, below the 0.1% tolerance
        feat("110101004", "北街道", box(116.30, 39.89995, 116.60, 40.0)),
    )
    report = area_import(actor=None, data=data, level=AreaLevel.TOWN, parent=district)
    assert (report.imported, report.rejected, report.warnings) == (3, 0, 4)
    scale = m2_per_deg2(39.45)
    a, b, c = report.features
    assert [(w["code"], w.get("other_code")) for w in a.warnings] == [
        ("import.sibling_overlap", "110101003"), ("import.sibling_overlap", existing.code)]
    assert a.warnings[0]["share"] == pytest.approx(0.02 / 0.35, abs=1e-6)
    assert a.warnings[0]["other_is_new"] is True
    assert a.warnings[1]["overlap_m2"] == pytest.approx(0.05 * 0.9 * scale, rel=1e-6)
    assert a.warnings[1]["share"] == pytest.approx(0.045 / 0.30, abs=1e-6)  # of the smaller (existing)
    assert a.warnings[1]["other_is_new"] is False
    assert [(w["code"], w.get("other_code")) for w in b.warnings] == [
        ("import.outside_parent", None), ("import.sibling_overlap", "110101002")]
    assert b.warnings[0]["share"] == pytest.approx(0.20 / 0.62, abs=1e-6)
    assert b.warnings[0]["outside_m2"] == pytest.approx(0.20 * 0.9 * scale, rel=1e-6)
    assert b.warnings[0]["parent_code"] == "110101"
    assert b.warnings[1]["overlap_m2"] == a.warnings[0]["overlap_m2"]
    assert c.warnings == []


@pytest.mark.django_db
def test_reimport_updates_existing_areas(district):
    first = fc(
        feat("110101002", "中街道", box(116.3, 39.0, 116.5, 40.0)),
        feat("110101003", "东街道", box(116.5, 39.0, 116.7, 40.0)),
        feat("110101004", "南街道", box(116.7, 39.0, 116.9, 40.0)),
    )
    area_import(actor=None, data=first, level=AreaLevel.TOWN, parent=district)
    ids = dict(Area.objects.filter(parent=district).values_list("code", "pk"))
    rev, n_boundaries = BoundaryRevision.current(), AreaBoundary.objects.count()
    second = fc(
        feat("110101002", "中街道（新）", box(116.3, 39.0, 116.5, 40.0)),  # renamed
        feat("110101003", "东街道", box(116.5, 39.0, 116.75, 40.0)),  # boundary moved
        feat("110101004", "南街道", box(116.7, 39.0, 116.9, 40.0)),  # same
        feat("110101005", "北街道", box(116.9, 39.0, 117.0, 40.0)),  # new
    )
    report = area_import(actor=None, data=second, level=AreaLevel.TOWN, parent=district, allow_rename=True)
    assert statuses(report) == [("110101002", "updated"), ("110101003", "updated"),
                                ("110101004", "unchanged"), ("110101005", "imported")]
    assert [f.changes for f in report.features] == [["name"], ["geometry"], [], []]
    assert [f.overrides for f in report.features] == [["rename"], [], [], []]
    assert report.features[0].diff == {"name": {"old": "中街道", "new": "中街道（新）"}}
    assert (report.imported, report.updated, report.unchanged) == (1, 2, 1)
    assert Area.objects.get(pk=ids["110101002"]).name == "中街道（新）"
    moved = Area.objects.get(pk=ids["110101003"])
    assert shape(moved.geometry).bounds == (116.5, 39.0, 116.75, 40.0)
    assert moved.max_lon == 116.75
    assert AreaBoundary.objects.filter(area=moved).count() == 2
    assert AreaBoundary.objects.filter(area=moved, valid_to__isnull=True).count() == 1
    assert AreaBoundary.objects.count() == n_boundaries + 2  # moved + new
    assert BoundaryRevision.current() == rev + 2
    assert AuditEntry.objects.filter(action="area.update", object_id=str(ids["110101002"])).count() == 1
    assert AuditEntry.objects.filter(action="area.set_boundary", object_id=str(ids["110101003"])).count() == 1
    # Importing the same file again changes nothing and writes nothing.
    before = snapshot()
    report = area_import(actor=None, data=second, level=AreaLevel.TOWN, parent=district)
    assert [f.status for f in report.features] == ["unchanged"] * 4
    assert snapshot() == before


@pytest.mark.django_db
def test_dry_run_writes_nothing(district):
    before = snapshot()
    data = io.BytesIO(json.dumps(crafted_file()).encode())  # a file object works too
    report = area_import(actor=None, data=data, level=AreaLevel.TOWN, parent=district, dry_run=True,
                         skip_invalid=True)
    assert statuses(report) == [("110101002", "skipped_dry_run"), ("110101003", "skipped_dry_run"),
                                ("110101004", "skipped_dry_run"), ("110101005", "rejected")]
    assert [f.action for f in report.features] == ["create", "create", "create", ""]
    assert report.imported == 0 and report.to_dict()["dry_run"] is True
    assert snapshot() == before


@pytest.mark.django_db
def test_not_json_not_a_collection_and_too_large(district, settings):
    before = snapshot()
    with pytest.raises(ValidationFailed) as e:
        area_import(actor=None, data=b"\x89PNG not json", level=AreaLevel.TOWN, parent=district)
    assert e.value.code == "import.not_json"
    with pytest.raises(ValidationFailed) as e:
        area_import(actor=None, data="{not json", level=AreaLevel.TOWN, parent=district)
    assert e.value.code == "import.not_json"
    with pytest.raises(ValidationFailed) as e:
        area_import(actor=None, data=json.dumps(box(116, 39, 117, 40)), level=AreaLevel.TOWN, parent=district)
    assert e.value.code == "import.not_feature_collection" and "Polygon" in e.value.message
    with pytest.raises(ValidationFailed) as e:
        area_import(actor=None, data=fc(), level=AreaLevel.TOWN, parent=district)
    assert e.value.code == "import.no_features"
    with pytest.raises(ValidationFailed) as e:
        area_import(actor=None, data=crafted_file(), level=AreaLevel.COMMUNITY, parent=district)
    assert e.value.code == "import.level_mismatch"
    settings.AREA_IMPORT_MAX_BYTES = 100
    with pytest.raises(PayloadTooLarge) as e:
        area_import(actor=None, data=json.dumps(crafted_file()).encode(), level=AreaLevel.TOWN, parent=district)
    assert e.value.code == "import.too_large" and e.value.status == 413
    assert snapshot() == before


# --- permissions ---------------------------------------------------------------------------------

def _user(name, role=None, area=None):
    u = User.objects.create_user(username=name, password="pw-" + name + "-2026")
    if role:
        RoleGrant.objects.create(user=u, role=role, area=area)
    return u


@pytest.mark.django_db
def test_actor_without_editor_role_on_the_parent_is_refused(district, city):
    other = area_create(actor=None, parent=city, level=AreaLevel.DISTRICT, code="110102", name="乙区",
                        geometry=box(117.0, 39.0, 118.0, 40.0))
    outsider = _user("outsider", "district_admin", other)  # admin of another district
    worker = _user("worker", "grid_worker", district)  # sees the district, may not edit it
    before = snapshot()
    with pytest.raises(NotFound):
        area_import(actor=outsider, data=crafted_file(), level=AreaLevel.TOWN, parent=district, skip_invalid=True)
    with pytest.raises(PermissionDenied):
        area_import(actor=worker, data=crafted_file(), level=AreaLevel.TOWN, parent=district, skip_invalid=True)
    # By parent code, the other district is as good as unknown to the outsider.
    data = fc(feat("110101002", "中街道", box(116.3, 39.0, 116.5, 40.0), parent_code="110101"))
    report = area_import(actor=outsider, data=data, level=AreaLevel.TOWN, skip_invalid=True)
    assert error_codes(report) == {"110101002": ["import.unknown_parent"]}
    report = area_import(actor=worker, data=data, level=AreaLevel.TOWN, skip_invalid=True)
    assert error_codes(report) == {"110101002": ["import.permission_denied"]}
    # Nor may a district admin create roots.
    report = area_import(actor=outsider, data=fc(feat("120000", "天津市", box(116.7, 38.5, 118.1, 40.3))),
                         level=AreaLevel.CITY)
    assert error_codes(report) == {"120000": ["import.permission_denied"]}
    assert snapshot() == before


@pytest.mark.django_db
def test_district_admin_imports_under_own_district(district):
    admin = _user("admin1", "district_admin", district)
    report = area_import(actor=admin, data=crafted_file(), level=AreaLevel.TOWN, parent=district, skip_invalid=True)
    assert report.imported == 3
    assert set(AuditEntry.objects.filter(action__in=["area.create", "area.import"], actor=admin)
               .values_list("action", flat=True)) == {"area.create", "area.import"}
    assert AuditEntry.objects.filter(actor=admin).count() == 4
    assert AreaBoundary.objects.filter(changed_by=admin).count() == 3


# --- the command ---------------------------------------------------------------------------------

def _write(tmp_path, data, name="in.geojson"):
    p = tmp_path / name
    p.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return str(p)


@pytest.mark.django_db
def test_command_imports_beijing_with_report(city):
    out = io.StringIO()
    call_command("import_areas", str(BEIJING), "--level", "district", "--parent", "110000", stdout=out)
    text = out.getvalue()
    assert "#0 110101 东城区: imported" in text
    assert "repaired made_valid" in text
    assert "16 features: 16 imported, 0 updated, 0 unchanged, 0 rejected, 0 skipped, 15 repaired" in text
    assert Area.objects.filter(level=AreaLevel.DISTRICT).count() == 16


@pytest.mark.django_db
def test_command_refuses_file_with_rejections_and_exits_nonzero(district, tmp_path):
    path = _write(tmp_path, crafted_file())
    before = snapshot()
    out = io.StringIO()
    with pytest.raises(CommandError, match="1 of 4 features rejected; nothing imported"):
        call_command("import_areas", path, "--level", "town", "--parent", "110101", stdout=out)
    assert "error import.irreparable" in out.getvalue()
    assert "(would create)" in out.getvalue()
    assert snapshot() == before
    with pytest.raises(CommandError):
        call_command("import_areas", path, "--level", "3", "--parent", "110101", "--dry-run", stdout=io.StringIO())
    assert snapshot() == before

    out = io.StringIO()
    call_command("import_areas", path, "--level", "town", "--parent", "110101", "--skip-invalid", "--json",
                 stdout=out)
    result = json.loads(out.getvalue())
    assert (result["imported"], result["rejected"], result["ok"]) == (3, 1, False)
    assert result["features"][3]["errors"][0]["code"] == "import.irreparable"
    assert Area.objects.filter(parent=district).count() == 4


@pytest.mark.django_db
def test_command_dry_run_clean_file_exits_zero(district, tmp_path):
    path = _write(tmp_path, fc(feat("110101002", "中街道", box(116.3, 39.0, 116.5, 40.0))))
    before = snapshot()
    out = io.StringIO()
    call_command("import_areas", path, "--level", "town", "--parent", "110101", "--dry-run", stdout=out)
    assert "dry run: nothing written" in out.getvalue()
    assert snapshot() == before


@pytest.mark.django_db
def test_command_errors(district, tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_bytes(b"not json at all")
    with pytest.raises(CommandError, match="import.not_json"):
        call_command("import_areas", str(bad), "--level", "town", "--parent", "110101")
    with pytest.raises(CommandError, match="No current area with code '999999'"):
        call_command("import_areas", str(bad), "--level", "town", "--parent", "999999")
    with pytest.raises(CommandError, match="unknown level"):
        call_command("import_areas", str(bad), "--level", "province", "--parent", "110101")
    with pytest.raises(CommandError, match="Cannot read"):
        call_command("import_areas", str(tmp_path / "missing.json"), "--level", "town")
