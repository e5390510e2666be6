"""The guards of the area tree: a child's code extends its parent's (services, API, import), and a
re-import may not rename an area or move it outside its parent unless told so; the report (and a
dry run) lists every change old → new before anything is written."""

from __future__ import annotations

import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command

from jiewang.areas.choices import AreaLevel
from jiewang.areas.codes import extends_parent_code, significant_prefix
from jiewang.areas.geometry import approx_area_m2, m2_per_deg2
from jiewang.areas.importing import area_import
from jiewang.areas.models import Area, AreaBoundary, BoundaryRevision
from jiewang.areas.services import area_create, area_update
from jiewang.audit.models import AuditEntry
from jiewang.core.errors import ValidationFailed
from jiewang.core.testing import square

from .test_importing import _write, box, fc, feat, snapshot, statuses


def counts():
    """Row counts a dry run must leave alone (with the boundary revision)."""
    return (Area.objects.count(), AreaBoundary.objects.count(), BoundaryRevision.current(),
            AuditEntry.objects.count())


def without_message(entries):
    return [{k: v for k, v in e.items() if k != "message"} for e in entries]


def geom_summary(x0, y0, x1, y1):
    from shapely.geometry import box as sbox

    return {"area_m2": round(approx_area_m2(sbox(x0, y0, x1, y1)), 1), "bbox": [x0, y0, x1, y1]}


# --- the rule ------------------------------------------------------------------------------------

@pytest.mark.parametrize("code,level,prefix", [
    ("500000", AreaLevel.CITY, "50"), ("110000", AreaLevel.CITY, "11"), ("510100", AreaLevel.CITY, "5101"),
    ("510104", AreaLevel.CITY, "510104"), ("500101", AreaLevel.DISTRICT, "500101"),
    ("500101001", AreaLevel.TOWN, "500101001"), ("500101001001001", AreaLevel.GRID, "500101001001001"),
])
def test_significant_prefix(code, level, prefix):
    assert significant_prefix(code, level) == prefix


@pytest.mark.parametrize("code,parent_code,parent_level,ok", [
    ("500101", "500000", AreaLevel.CITY, True),
    ("500229", "500000", AreaLevel.CITY, True),
    ("510101", "500000", AreaLevel.CITY, False),  # the district of issue #8
    ("500000", "500000", AreaLevel.CITY, False),  # the city's own code
    ("50", "500000", AreaLevel.CITY, False),
    ("510104", "510100", AreaLevel.CITY, True),
    ("510204", "510100", AreaLevel.CITY, False),
    ("500101001", "500101", AreaLevel.DISTRICT, True),
    ("500101", "500101", AreaLevel.DISTRICT, False),
    ("500102001", "500101", AreaLevel.DISTRICT, False),
    ("500100001", "500100", AreaLevel.DISTRICT, True),  # below a city, zeros are significant
    ("500101001001", "500101001", AreaLevel.TOWN, True),
    ("500101001001001", "500101001001", AreaLevel.COMMUNITY, True),
    ("500101001002001", "500101001001", AreaLevel.COMMUNITY, False),
    ("500101001001001001", "500101001001001", AreaLevel.GRID, True),
])
def test_extends_parent_code(code, parent_code, parent_level, ok):
    assert extends_parent_code(code, parent_code, parent_level) is ok


# --- services ------------------------------------------------------------------------------------

@pytest.mark.django_db
def test_create_with_a_foreign_code_is_refused_unless_allowed(tree):
    before = (Area.objects.count(), AuditEntry.objects.count())
    with pytest.raises(ValidationFailed) as e:
        area_create(actor=None, parent=tree.city, level=AreaLevel.DISTRICT, code="510101", name="锦江区")
    assert e.value.code == "area.code_not_under_parent"
    assert e.value.fields == {"code": "510101", "parent_code": "500000", "expected_prefix": "50"}
    with pytest.raises(ValidationFailed) as e:
        area_create(actor=None, parent=tree.c1, level=AreaLevel.GRID, code="500101001002009", name="x")
    assert e.value.fields["expected_prefix"] == "500101001001"
    assert (Area.objects.count(), AuditEntry.objects.count()) == before

    area = area_create(actor=None, parent=tree.city, level=AreaLevel.DISTRICT, code="510101", name="锦江区",
                       allow_foreign_code=True)
    assert (area.parent, area.code) == (tree.city, "510101")
    assert AuditEntry.objects.get(action="area.create", object_id=str(area.pk)).data == {
        "parent": tree.city.pk, "level": AreaLevel.DISTRICT, "code": "510101", "allow_foreign_code": True}
    ok = area_create(actor=None, parent=tree.city, level=AreaLevel.DISTRICT, code="500103", name="东区")
    assert "allow_foreign_code" not in AuditEntry.objects.get(action="area.create", object_id=str(ok.pk)).data


@pytest.mark.django_db
def test_update_to_a_foreign_code_or_one_that_strands_children_is_refused_unless_allowed(tree, people):
    before = (list(Area.objects.order_by("pk").values_list("code", "version")), AuditEntry.objects.count())
    with pytest.raises(ValidationFailed) as e:
        area_update(actor=people.district_admin, area=tree.g1, code="500102001001001")
    assert e.value.code == "area.code_not_under_parent"
    assert e.value.fields == {"code": "500102001001001", "parent_code": "500101001001",
                              "expected_prefix": "500101001001"}
    with pytest.raises(ValidationFailed) as e:  # the parent fits, but 一街道 and 二街道 would not
        area_update(actor=None, area=tree.d1, code="500103")
    assert e.value.code == "area.code_strands_children"
    assert e.value.fields == {"code": "500103", "children": ["500101001", "500101002"]}
    assert (list(Area.objects.order_by("pk").values_list("code", "version")), AuditEntry.objects.count()) == before

    # a fitting code goes through without the override (and without the marker)
    g1 = area_update(actor=people.district_admin, area=tree.g1, code=" 500101001001005 ")
    assert Area.objects.get(pk=tree.g1.pk).code == "500101001001005"
    assert AuditEntry.objects.filter(action="area.update", object_id=str(g1.pk)).get().data == {
        "changes": {"code": ["500101001001001", "500101001001005"]}}
    d1 = area_update(actor=None, area=tree.d1, code="500103", allow_foreign_code=True)
    assert Area.objects.get(pk=tree.d1.pk).code == "500103"
    assert AuditEntry.objects.filter(action="area.update", object_id=str(d1.pk)).get().data == {
        "changes": {"code": ["500101", "500103"]}, "allow_foreign_code": True}


@pytest.mark.django_db
def test_api_create_and_edit_refuse_foreign_codes_unless_the_field_says_so(tree, people, client_for):
    c = client_for(people.town_leader)
    body = {"parent_id": tree.c1.id, "level": "grid", "code": "500102001001003", "name": "外码网格"}
    n = Area.objects.count()
    r = c.post("/api/areas", data=json.dumps(body), content_type="application/json")
    assert r.status_code == 422
    assert r.json()["code"] == "area.code_not_under_parent"
    assert r.json()["fields"] == {"code": "500102001001003", "parent_code": "500101001001",
                                  "expected_prefix": "500101001001"}
    assert Area.objects.count() == n
    r = c.post("/api/areas", data=json.dumps({**body, "allow_foreign_code": True}), content_type="application/json")
    assert r.status_code == 201 and r.json()["code"] == "500102001001003"
    assert AuditEntry.objects.get(action="area.create", object_id=str(r.json()["id"])).data["allow_foreign_code"]

    c = client_for(people.district_admin)
    patch = {"code": "500102001001001", "expected_version": tree.g1.version}
    r = c.patch(f"/api/areas/{tree.g1.id}", data=json.dumps(patch), content_type="application/json")
    assert (r.status_code, r.json()["code"]) == (422, "area.code_not_under_parent")
    assert Area.objects.get(pk=tree.g1.pk).code == "500101001001001"
    r = c.patch(f"/api/areas/{tree.g1.id}", data=json.dumps({**patch, "allow_foreign_code": True}),
                content_type="application/json")
    assert r.status_code == 200 and r.json()["code"] == "500102001001001"


# --- import: foreign codes -----------------------------------------------------------------------

def districts_file():
    return fc(feat("110102", "乙区", box(117.0, 39.0, 118.0, 40.0)),
              feat("510101", "锦江区", box(115.0, 39.0, 116.0, 40.0)))


@pytest.mark.django_db
def test_import_refuses_a_code_that_does_not_extend_the_parent(district, city):
    before = snapshot()
    report = area_import(actor=None, data=districts_file(), level=AreaLevel.DISTRICT, parent=city)
    assert statuses(report) == [("110102", "skipped"), ("510101", "rejected")]
    bad = report.features[1]
    assert without_message(bad.errors) == [
        {"code": "import.code_not_under_parent", "parent_code": "110000", "expected_prefix": "11"}]
    assert "510101" in bad.errors[0]["message"] and "11" in bad.errors[0]["message"]
    assert (bad.action, bad.overrides, report.to_dict()["overrides_used"]) == ("", [], {})
    assert snapshot() == before

    # the same rule when the parent comes from the feature's parent code
    data = fc(feat("110102001", "错码街道", box(116.3, 39.0, 116.5, 40.0), parent_code="110101"))
    report = area_import(actor=None, data=data, level=AreaLevel.TOWN, skip_invalid=True)
    assert statuses(report) == [("110102001", "rejected")]
    assert without_message(report.features[0].errors) == [
        {"code": "import.code_not_under_parent", "parent_code": "110101", "expected_prefix": "110101"}]
    assert snapshot() == before


@pytest.mark.django_db
def test_import_allows_foreign_codes_when_asked_and_records_it(district, city):
    report = area_import(actor=None, data=districts_file(), level=AreaLevel.DISTRICT, parent=city,
                         allow_foreign_codes=True)
    assert statuses(report) == [("110102", "imported"), ("510101", "imported")]
    assert [f.overrides for f in report.features] == [[], ["foreign_code"]]
    assert without_message(report.features[1].warnings) == [
        {"code": "import.foreign_code_allowed", "parent_code": "110000", "expected_prefix": "11"}]
    assert report.features[0].warnings == []
    foreign = Area.objects.get(code="510101")
    assert foreign.parent == city
    summary = AuditEntry.objects.get(action="area.import")
    assert summary.data["allow"] == ["allow_foreign_codes"]
    assert summary.data["overrides_used"] == {"foreign_code": ["510101"]}
    assert AuditEntry.objects.get(action="area.create", object_id=str(foreign.pk)).data["allow_foreign_code"] is True
    assert report.to_dict()["allow_foreign_codes"] is True


# --- import: renames -----------------------------------------------------------------------------

def rename_file():
    return fc(feat("110101001", "西街道（改）", box(116.0, 39.0, 116.3, 40.0)),
              feat("110101002", "中街道", box(116.3, 39.0, 116.5, 40.0)))


@pytest.mark.django_db
def test_reimport_refuses_a_rename(district):
    west = Area.objects.get(code="110101001")
    before = snapshot()
    report = area_import(actor=None, data=rename_file(), level=AreaLevel.TOWN, parent=district)
    assert statuses(report) == [("110101001", "rejected"), ("110101002", "skipped")]
    f = report.features[0]
    assert without_message(f.errors) == [
        {"code": "import.rename_refused", "old_name": "西街道", "new_name": "西街道（改）"}]
    assert (f.changes, f.diff, f.area_id) == (["name"], {"name": {"old": "西街道", "new": "西街道（改）"}}, west.pk)
    assert snapshot() == before


@pytest.mark.django_db
def test_reimport_renames_when_allowed(district):
    west = Area.objects.get(code="110101001")
    report = area_import(actor=None, data=rename_file(), level=AreaLevel.TOWN, parent=district, allow_rename=True)
    assert statuses(report) == [("110101001", "updated"), ("110101002", "imported")]
    assert report.features[0].overrides == ["rename"]
    assert Area.objects.get(pk=west.pk).name == "西街道（改）"
    assert AuditEntry.objects.get(action="area.update", object_id=str(west.pk)).data == {
        "changes": {"name": ["西街道", "西街道（改）"]}}
    summary = AuditEntry.objects.get(action="area.import")
    assert (summary.data["allow"], summary.data["overrides_used"]) == (["allow_rename"], {"rename": ["110101001"]})


# --- import: moves outside the parent ------------------------------------------------------------

@pytest.mark.django_db
def test_reimport_moving_a_boundary_inside_the_parent_needs_no_flag(district):
    west = Area.objects.get(code="110101001")
    report = area_import(actor=None, data=fc(feat("110101001", "西街道", box(116.0, 39.0, 116.25, 40.0))),
                         level=AreaLevel.TOWN, parent=district)
    f = report.features[0]
    assert (f.status, f.changes, f.overrides, f.warnings) == ("updated", ["geometry"], [], [])
    assert f.diff == {"geometry": {"old": geom_summary(116.0, 39.0, 116.3, 40.0),
                                   "new": geom_summary(116.0, 39.0, 116.25, 40.0), "outside_parent_share": 0.0}}
    assert Area.objects.get(pk=west.pk).max_lon == 116.25


@pytest.mark.django_db
def test_reimport_refuses_to_move_a_boundary_outside_the_parent(district):
    west = Area.objects.get(code="110101001")
    data = fc(feat("110101001", "西街道", box(115.8, 39.0, 116.3, 40.0)))  # 0.2 of 0.5 lies west of the district
    before, rows = snapshot(), counts()
    report = area_import(actor=None, data=data, level=AreaLevel.TOWN, parent=district)
    f = report.features[0]
    assert (f.status, f.action, f.area_id) == ("rejected", "", west.pk)
    [err] = f.errors
    assert (err["code"], err["parent_code"]) == ("import.moved_outside_parent", "110101")
    assert err["share"] == pytest.approx(0.4, abs=1e-6)
    assert err["outside_m2"] == pytest.approx(0.2 * 1.0 * m2_per_deg2(39.5), rel=1e-6)
    assert f.diff["geometry"]["old"] == geom_summary(116.0, 39.0, 116.3, 40.0)
    assert f.diff["geometry"]["new"] == geom_summary(115.8, 39.0, 116.3, 40.0)
    assert f.diff["geometry"]["outside_parent_share"] == pytest.approx(0.4, abs=1e-6)
    assert (snapshot(), counts()) == (before, rows)

    report = area_import(actor=None, data=data, level=AreaLevel.TOWN, parent=district, allow_outside_parent=True)
    f = report.features[0]
    assert (f.status, f.overrides, [w["code"] for w in f.warnings]) == ("updated", ["outside_parent"],
                                                                         ["import.outside_parent"])
    assert Area.objects.get(pk=west.pk).min_lon == 115.8
    assert AreaBoundary.objects.filter(area=west).count() == 2
    assert BoundaryRevision.current() == before["revision"] + 1
    summary = AuditEntry.objects.get(action="area.import")
    assert summary.data["overrides_used"] == {"outside_parent": ["110101001"]}


# --- the preview ---------------------------------------------------------------------------------

def mixed_file():
    return fc(
        feat("110101001", "西街道（改）", box(116.0, 39.0, 116.25, 40.0)),  # renamed and moved (inside)
        feat("110101002", "中街道", box(116.3, 39.0, 116.5, 40.0), population=1200),  # new
        feat("510101009", "外码街道", box(116.5, 39.0, 116.7, 40.0)),  # foreign code
    )


@pytest.mark.django_db
def test_dry_run_lists_every_change_and_writes_nothing(district):
    west = Area.objects.get(code="110101001")
    before, rows = snapshot(), counts()
    dry = area_import(actor=None, data=mixed_file(), level=AreaLevel.TOWN, parent=district, dry_run=True,
                      allow_rename=True, skip_invalid=True)
    assert (snapshot(), counts()) == (before, rows)
    assert statuses(dry) == [("110101001", "skipped_dry_run"), ("110101002", "skipped_dry_run"),
                             ("510101009", "rejected")]
    assert [f.action for f in dry.features] == ["update", "create", ""]
    assert dry.features[0].diff == {
        "name": {"old": "西街道", "new": "西街道（改）"},
        "geometry": {"old": geom_summary(116.0, 39.0, 116.3, 40.0), "new": geom_summary(116.0, 39.0, 116.25, 40.0),
                     "outside_parent_share": 0.0},
    }
    assert dry.features[0].area_id == west.pk
    assert [e["code"] for e in dry.features[2].errors] == ["import.code_not_under_parent"]
    body = dry.to_dict()
    assert (body["dry_run"], body["overrides_used"], body["imported"], body["updated"]) == (
        True, {"rename": ["110101001"]}, 0, 0)

    real = area_import(actor=None, data=mixed_file(), level=AreaLevel.TOWN, parent=district,
                       allow_rename=True, skip_invalid=True)
    assert statuses(real) == [("110101001", "updated"), ("110101002", "imported"), ("510101009", "rejected")]

    def plan(r):
        return [(f.code, f.action, f.changes, f.diff, f.overrides, f.errors) for f in r.features]

    assert plan(real) == plan(dry)  # the preview was the truth
    assert Area.objects.count() == rows[0] + 1
    assert AreaBoundary.objects.count() == rows[1] + 2  # west's new version + the new town
    assert BoundaryRevision.current() == rows[2] + 2


# --- the API -------------------------------------------------------------------------------------

def upload(data):
    return SimpleUploadedFile("grids.geojson", json.dumps(data).encode(), "application/geo+json")


@pytest.mark.django_db
def test_api_import_guards_and_dry_run(tree, people, client_for):
    c = client_for(people.town_leader)
    foreign = fc(feat("500102001001009", "外码网格", square(106.0, 29.0, 106.05, 29.05)))
    before, rows = snapshot(), counts()
    r = c.post("/api/areas/import", {"level": "grid", "parent_id": str(tree.c1.id), "file": upload(foreign)})
    assert r.status_code == 422
    body = r.json()
    assert (body["ok"], body["rejected"], body["allow_foreign_codes"]) == (False, 1, False)
    assert without_message(body["features"][0]["errors"]) == [
        {"code": "import.code_not_under_parent", "parent_code": "500101001001", "expected_prefix": "500101001001"}]
    r = c.post("/api/areas/import", {"level": "grid", "parent_id": str(tree.c1.id), "file": upload(foreign),
                                     "allow_foreign_codes": "true", "dry_run": "true"})
    assert r.status_code == 200
    f = r.json()["features"][0]
    assert (f["status"], f["action"], f["overrides"]) == ("skipped_dry_run", "create", ["foreign_code"])
    assert (snapshot(), counts()) == (before, rows)
    r = c.post("/api/areas/import", {"level": "grid", "parent_id": str(tree.c1.id), "file": upload(foreign),
                                     "allow_foreign_codes": "true"})
    assert r.status_code == 200 and r.json()["imported"] == 1
    assert Area.objects.get(code="500102001001009").parent_id == tree.c1.id

    rename = fc(feat("500101001001001", "改名网格", square(106.0, 29.0, 106.125, 29.5)))
    before = snapshot()
    r = c.post("/api/areas/import", {"level": "grid", "parent_id": str(tree.c1.id), "file": upload(rename)})
    assert r.status_code == 422
    f = r.json()["features"][0]
    assert [e["code"] for e in f["errors"]] == ["import.rename_refused"]
    assert f["diff"] == {"name": {"old": "甲社区第1网格", "new": "改名网格"}}
    assert snapshot() == before
    moved = fc(feat("500101001001001", "甲社区第1网格", square(105.9, 29.0, 106.125, 29.5)))
    r = c.post("/api/areas/import", {"level": "grid", "parent_id": str(tree.c1.id), "file": upload(moved)})
    assert r.status_code == 422
    assert [e["code"] for e in r.json()["features"][0]["errors"]] == ["import.moved_outside_parent"]
    assert snapshot() == before
    r = c.post("/api/areas/import", {"level": "grid", "parent_id": str(tree.c1.id), "file": upload(rename),
                                     "allow_rename": "true"})
    assert r.status_code == 200 and r.json()["features"][0]["status"] == "updated"
    r = c.post("/api/areas/import", {"level": "grid", "parent_id": str(tree.c1.id), "file": upload(
        fc(feat("500101001001001", "改名网格", square(105.9, 29.0, 106.125, 29.5)))),
        "allow_outside_parent": "true"})
    assert r.status_code == 200 and r.json()["features"][0]["overrides"] == ["outside_parent"]
    assert Area.objects.get(pk=tree.g1.pk).min_lon == 105.9


# --- the command ---------------------------------------------------------------------------------

@pytest.mark.django_db
def test_command_guards_flags_and_preview(district, city, tmp_path):
    path = _write(tmp_path, districts_file())
    before = snapshot()
    out = io.StringIO()
    with pytest.raises(CommandError, match="1 of 2 features rejected; nothing imported"):
        call_command("import_areas", path, "--level", "district", "--parent", "110000", stdout=out)
    assert "error import.code_not_under_parent" in out.getvalue()
    assert snapshot() == before
    out = io.StringIO()
    call_command("import_areas", path, "--level", "district", "--parent", "110000", "--allow-foreign-codes",
                 stdout=out)
    assert "#1 510101 锦江区: imported\n    allowed: foreign_code\n" in out.getvalue()
    assert Area.objects.get(code="510101").parent == city

    path = _write(tmp_path, fc(feat("110101001", "西街道（改）", box(115.8, 39.0, 116.3, 40.0))), name="b.geojson")
    before, rows = snapshot(), counts()
    out = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_areas", path, "--level", "town", "--parent", "110101", "--dry-run", stdout=out)
    text = out.getvalue()
    assert "error import.rename_refused" in text and "error import.moved_outside_parent" in text
    assert "    name: '西街道' → '西街道（改）'\n" in text
    old, new = geom_summary(116.0, 39.0, 116.3, 40.0), geom_summary(115.8, 39.0, 116.3, 40.0)
    assert (f"    geometry: {old['area_m2']:,.0f} m² bbox {old['bbox']} → {new['area_m2']:,.0f} m² "
            f"bbox {new['bbox']}\n") in text
    out = io.StringIO()
    call_command("import_areas", path, "--level", "town", "--parent", "110101", "--dry-run", "--allow-rename",
                 "--allow-outside-parent", stdout=out)
    assert "(would update)" in out.getvalue() and "dry run: nothing written" in out.getvalue()
    assert "    allowed: rename, outside_parent\n" in out.getvalue()
    assert (snapshot(), counts()) == (before, rows)
    call_command("import_areas", path, "--level", "town", "--parent", "110101", "--allow-rename",
                 "--allow-outside-parent", stdout=io.StringIO())
    west = Area.objects.get(code="110101001")
    assert (west.name, west.min_lon) == ("西街道（改）", 115.8)


# --- the admin -----------------------------------------------------------------------------------

@pytest.mark.django_db
def test_admin_add_shows_the_code_rule_as_a_form_error_and_honours_the_override(tree, people, client_for):
    c = client_for(people.admin)
    form = {"level": AreaLevel.DISTRICT, "code": "510101", "name": "锦江区", "parent": tree.city.pk,
            "grid_type": "", "population": 0, "households": 0, "geometry": "null", "valid_from": "2026-01-01",
            "valid_to": ""}
    n = Area.objects.count()
    r = c.post("/admin/areas/area/add/", form)
    assert r.status_code == 200
    assert r.context["adminform"].form.errors["code"] == [(
        "编码 510101 不属于上级 500000（应以 50 开头）/ Code 510101 does not extend its parent's code 500000: it "
        "should start with 50. If this is intended, allow foreign codes explicitly.")]
    assert Area.objects.count() == n
    r = c.post("/admin/areas/area/add/", {**form, "allow_foreign_code": "on"})
    assert r.status_code == 302
    area = Area.objects.get(code="510101")
    assert area.parent == tree.city
    assert AuditEntry.objects.get(action="area.create", object_id=str(area.pk)).data["allow_foreign_code"] is True

