import json

import pytest
from django.db import IntegrityError, transaction

from jiewang.areas.choices import AreaLevel
from jiewang.areas.models import Area, AreaBoundary, BoundaryRevision
from jiewang.areas.services import area_create, area_retire, area_set_boundary, area_update
from jiewang.audit.models import AuditEntry
from jiewang.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from jiewang.core.testing import square


@pytest.mark.django_db
def test_paths_and_ancestors(tree):
    g1 = Area.objects.get(pk=tree.g1.pk)
    assert g1.path == f"/{tree.city.id}/{tree.d1.id}/{tree.t1.id}/{tree.c1.id}/{tree.g1.id}/"
    assert [a.code for a in g1.ancestors()] == ["500000", "500101", "500101001", "500101001001"]
    assert set(Area.objects.subtree(tree.c1).values_list("code", flat=True)) == {
        "500101001001", "500101001001001", "500101001001002"}


@pytest.mark.django_db
def test_database_refuses_a_level_jump(tree):
    # bypass the service: the trigger is the guarantee
    with pytest.raises(IntegrityError), transaction.atomic():
        Area.objects.create(parent=tree.t1, level=AreaLevel.GRID, code="X1", name="跳级网格")
    with pytest.raises(IntegrityError), transaction.atomic():
        Area.objects.filter(pk=tree.c1.pk).update(level=AreaLevel.TOWN)
    assert not Area.objects.filter(code="X1").exists()
    assert Area.objects.get(pk=tree.c1.pk).level == AreaLevel.COMMUNITY


@pytest.mark.django_db
def test_database_refuses_duplicate_code_in_parent(tree):
    with pytest.raises(IntegrityError), transaction.atomic():
        Area.objects.create(parent=tree.c1, level=AreaLevel.GRID, code="500101001001001", name="重复")
    with pytest.raises(IntegrityError), transaction.atomic():
        Area.objects.create(parent=None, level=AreaLevel.CITY, code="500000", name="重复市")


@pytest.mark.django_db
def test_service_errors_have_codes_and_change_nothing(tree):
    before = (Area.objects.count(), AuditEntry.objects.count())
    with pytest.raises(ValidationFailed) as e:
        area_create(actor=None, parent=tree.t1, level=AreaLevel.GRID, code="1", name="x")
    assert e.value.code == "area.level_mismatch"
    with pytest.raises(Conflict) as e:
        area_create(actor=None, parent=tree.c1, level=AreaLevel.GRID, code="500101001001001", name="x")
    assert e.value.code == "area.code_taken"
    bowtie = {"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]}
    with pytest.raises(ValidationFailed) as e:
        area_create(actor=None, parent=tree.c1, level=AreaLevel.GRID, code="9", name="x", geometry=bowtie)
    assert e.value.code == "area.geometry_invalid"
    with pytest.raises(ValidationFailed) as e:
        area_create(actor=None, parent=tree.c1, level=AreaLevel.GRID, code="9", name="x",
                    geometry={"type": "Point", "coordinates": [1, 2]})
    assert e.value.code == "area.geometry_type"
    with pytest.raises(ValidationFailed) as e:
        area_create(actor=None, parent=tree.c1, level=AreaLevel.GRID, code="9", name="x",
                    geometry=square(200, 0, 201, 1))
    assert e.value.code == "area.geometry_out_of_range"
    assert (Area.objects.count(), AuditEntry.objects.count()) == before


@pytest.mark.django_db
def test_boundary_change_keeps_history_and_bumps_revision(tree, people):
    rev = BoundaryRevision.current()
    area_set_boundary(actor=people.town_leader, area=tree.g2, geometry=square(106.125, 29.0, 106.25, 29.25),
                      reason="网格调整")
    versions = list(AreaBoundary.objects.filter(area=tree.g2).order_by("valid_from"))
    assert len(versions) == 2
    assert versions[0].valid_to is not None and versions[1].valid_to is None
    assert versions[1].reason == "网格调整" and versions[1].changed_by == people.town_leader
    assert BoundaryRevision.current() == rev + 1
    g2 = Area.objects.get(pk=tree.g2.pk)
    assert (g2.min_lat, g2.max_lat) == (29.0, 29.25)
    # an attribute edit does not touch the boundary revision
    area_update(actor=people.town_leader, area=g2, households=12)
    assert BoundaryRevision.current() == rev + 1


@pytest.mark.django_db
def test_stale_edit_conflicts_and_changes_nothing(tree, people):
    g1 = Area.objects.get(pk=tree.g1.pk)
    read_at = g1.version
    area_update(actor=people.district_admin, area=g1, expected_version=read_at, name="第一网格")
    before = AuditEntry.objects.count()
    with pytest.raises(Conflict) as e:
        area_update(actor=people.town_leader, area=g1, expected_version=read_at, name="另一个名字")
    assert e.value.code == "area.stale"
    assert Area.objects.get(pk=g1.pk).name == "第一网格"
    assert AuditEntry.objects.count() == before


@pytest.mark.django_db
def test_stale_edit_over_http_is_409(tree, people, client_for):
    c = client_for(people.district_admin)
    read = c.get(f"/api/areas/{tree.g1.id}").json()
    ok = c.patch(f"/api/areas/{tree.g1.id}", data=json.dumps(
        {"name": "新名", "expected_version": read["version"]}), content_type="application/json")
    assert ok.status_code == 200 and ok.json()["name"] == "新名"
    stale = c.patch(f"/api/areas/{tree.g1.id}", data=json.dumps(
        {"name": "旧读", "expected_version": read["version"]}), content_type="application/json")
    assert stale.status_code == 409 and stale.json()["code"] == "area.stale"
    assert Area.objects.get(pk=tree.g1.pk).name == "新名"


@pytest.mark.django_db
def test_write_permissions(tree, people):
    with pytest.raises(PermissionDenied):  # can see the grid, may not edit it
        area_update(actor=people.grid_worker, area=tree.g1, name="x")
    with pytest.raises(NotFound):  # cannot even see it
        area_update(actor=people.other_district_admin, area=tree.g1, name="x")
    with pytest.raises(PermissionDenied):  # roots are for administrators
        area_create(actor=people.district_admin, parent=None, level=AreaLevel.CITY, code="1", name="x")
    assert Area.objects.get(pk=tree.g1.pk).name == "甲社区第1网格"


@pytest.mark.django_db
def test_retire_keeps_the_row_and_hides_it(tree, people, client_for):
    with pytest.raises(Conflict):
        area_retire(actor=people.district_admin, area=tree.c1)  # still has grids
    area_retire(actor=people.district_admin, area=tree.g2, reason="并入第1网格")
    g2 = Area.objects.get(pk=tree.g2.pk)
    from django.utils import timezone

    assert g2.valid_to == timezone.localdate()
    assert not Area.objects.current().filter(pk=g2.pk).exists()
    listed = client_for(people.community_staff).get(f"/api/areas?parent_id={tree.c1.id}").json()
    assert [a["code"] for a in listed["items"]] == ["500101001001001"]
    history = client_for(people.community_staff).get(
        f"/api/areas?parent_id={tree.c1.id}&include_retired=true").json()
    assert [a["code"] for a in history["items"]] == ["500101001001001", "500101001001002"]


@pytest.mark.django_db
def test_tree_and_filters(tree, people, client_for):
    c = client_for(people.admin)
    nodes = c.get(f"/api/areas/tree?root_id={tree.d1.id}&depth=2").json()
    assert [n["code"] for n in nodes] == ["500101"]
    assert [k["code"] for k in nodes[0]["children"]] == ["500101001", "500101002"]
    assert all(k["children"] == [] for k in nodes[0]["children"])
    grids = c.get("/api/areas?level=grid&grid_type=school").json()
    assert [a["code"] for a in grids["items"]] == ["500101001001002"]
    assert c.get("/api/areas?level=nonsense").status_code == 422
    detail = c.get(f"/api/areas/{tree.g1.id}?geometry=true").json()
    assert [a["code"] for a in detail["ancestors"]] == ["500000", "500101", "500101001", "500101001001"]
    assert detail["geometry"]["type"] == "Polygon" and detail["children_count"] == 0
    assert detail["bbox"] == [106.0, 29.0, 106.125, 29.5]
