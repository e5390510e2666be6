"""The API's four-case matrix (anonymous 401; no role and another district refused with nothing
changed; the role in scope allowed, a write leaving an audit row) over every route
(``BASEDATA_ROUTES``, counted by ``tests/test_permission_matrix.py``), and a few API behaviours."""

from __future__ import annotations

import json

import pytest

from jiewang.audit.models import AuditEntry
from jiewang.basedata.models import Address, House, ImportRun, KeyPerson, Resident, Unit
from jiewang.basedata.testing import ID_WANG, basedata_world, workbook

pytestmark = pytest.mark.django_db


def _multipart(t, w):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from jiewang.basedata.testing import row

    return {"area_id": str(t.g1.pk), "mode": "partial", "file": SimpleUploadedFile("r.xlsx", workbook([row(ID_WANG)]))}


# (method, template, role in scope, body | None; "multipart" for the upload)
CASES = [
    ("GET", "/api/basedata/key-groups", "town_operator", None),
    ("GET", "/api/basedata/addresses", "grid_worker", None),
    ("POST", "/api/basedata/addresses", "grid_worker",
     lambda t, w: {"grid_id": t.g1.pk, "road": "学府路", "number": "99号"}),
    ("GET", "/api/basedata/houses", "town_leader", None),
    ("POST", "/api/basedata/houses", "community_staff", lambda t, w: {"address_id": w["free_address_id"]}),
    ("GET", "/api/basedata/houses/{house_id}", "grid_worker", None),
    ("PUT", "/api/basedata/houses/{house_id}", "grid_worker", lambda t, w: {"expected_version": 1, "use": "rented"}),
    ("GET", "/api/basedata/residents", "town_operator", None),
    ("POST", "/api/basedata/residents", "grid_worker",
     lambda t, w: {"house_id": w["house_id"], "name": "王五", "id_number": ID_WANG}),
    ("GET", "/api/basedata/residents/export", "town_leader", None),
    ("GET", "/api/basedata/residents/{resident_id}", "district_admin", None),
    ("PUT", "/api/basedata/residents/{resident_id}", "community_staff",
     lambda t, w: {"expected_version": 1, "phone": "13700001111"}),
    ("POST", "/api/basedata/residents/{resident_id}/move-out", "grid_worker", lambda t, w: {"expected_version": 1}),
    ("POST", "/api/basedata/residents/{resident_id}/reveal", "grid_worker", lambda t, w: {"field": "id_number"}),
    ("GET", "/api/basedata/units", "grid_worker", None),
    ("POST", "/api/basedata/units", "grid_worker", lambda t, w: {"address_id": w["address_id"], "name": "理发店"}),
    ("PUT", "/api/basedata/units/{unit_id}", "grid_worker", lambda t, w: {"expected_version": 1, "name": "新超市"}),
    ("POST", "/api/basedata/units/{unit_id}/reveal", "community_staff", lambda t, w: {"field": "contact_phone"}),
    ("GET", "/api/basedata/key-persons", "town_leader", None),
    ("POST", "/api/basedata/key-persons", "grid_worker",
     lambda t, w: {"resident_id": w["resident_id"], "group": "disabled"}),
    ("PUT", "/api/basedata/key-persons/{key_person_id}", "grid_worker",
     lambda t, w: {"expected_version": 1, "risk": "medium"}),
    ("POST", "/api/basedata/key-persons/{key_person_id}/end", "grid_worker", lambda t, w: {"expected_version": 1}),
    ("GET", "/api/basedata/imports/template", "grid_worker", None),
    ("POST", "/api/basedata/imports", "grid_worker", "multipart"),
    ("GET", "/api/basedata/imports/{run_id}", "grid_worker", None),
    ("GET", "/api/basedata/imports/{run_id}/errors", "grid_worker", None),
    ("GET", "/api/basedata/counts?area_id={area_id}", "town_leader", None),
    ("GET", "/api/basedata/counts/export?area_id={area_id}", "community_staff", None),
]
BASEDATA_ROUTES = {(m, t.split("?")[0]) for m, t, _, _ in CASES}
LISTS = {"/api/basedata/addresses", "/api/basedata/houses", "/api/basedata/residents", "/api/basedata/units",
         "/api/basedata/key-persons"}


def _call(client, case, tree, world):
    method, template, _, body = case
    url = template.format(**world, area_id=tree.g1.pk if "export" in template else tree.t1.pk)
    if "community_staff" == case[2] and "counts" in template:
        url = template.format(area_id=tree.c1.pk)
    if body is None:
        return client.get(url)
    if body == "multipart":
        return client.post(url, _multipart(tree, world))
    return getattr(client, method.lower())(url, data=json.dumps(body(tree, world)), content_type="application/json")


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c[0]} {c[1]}")
def test_matrix(case, tree, people, client_for):
    world = basedata_world(tree, people)

    def rows():
        return (list(Resident.objects.values()), list(House.objects.values()), list(Unit.objects.values()),
                list(KeyPerson.objects.values()), Address.objects.count(), ImportRun.objects.count(),
                AuditEntry.objects.count())

    before = rows()
    r = _call(client_for(None), case, tree, world)
    assert (r.status_code, r.json()["code"]) == (401, "unauthenticated")
    for who in ("nobody", "other_district_admin"):
        r = _call(client_for(getattr(people, who)), case, tree, world)
        if case[0] == "GET" and case[1] in LISTS:
            assert r.status_code == 200 and r.json()["items"] == [], (who, r.content)
        elif case[1] == "/api/basedata/key-groups" and who == "other_district_admin":
            assert r.status_code == 200  # the groups are not placed in the tree
        elif case[1] == "/api/basedata/imports/template" and who == "other_district_admin":
            assert r.status_code == 200
        elif case[1] == "/api/basedata/residents/export":
            assert r.status_code == 200  # an empty workbook (the export itself is audited)
        else:
            assert r.status_code in (403, 404), (who, r.content)
    if case[1] == "/api/basedata/residents/export":
        before = before[:-1] + (AuditEntry.objects.count(),)
    assert rows() == before
    r = _call(client_for(getattr(people, case[2])), case, tree, world)
    assert 200 <= r.status_code < 300, r.content
    if case[0] == "GET" and case[1] in LISTS:
        assert r.json()["items"] != []
    if case[0] != "GET" or case[1].endswith("export"):
        assert AuditEntry.objects.count() > before[-1]


def test_search_by_id_number_uses_the_blind_index(tree, people, client_for):
    from jiewang.basedata.testing import ID_ZHANG

    basedata_world(tree, people)
    c = client_for(people.town_leader)
    assert c.get(f"/api/basedata/residents?q={ID_ZHANG}").json()["count"] == 1
    assert c.get(f"/api/basedata/residents?q={ID_ZHANG[:-1]}1").json()["count"] == 0
    assert c.get("/api/basedata/residents?q=张").json()["count"] == 1


def test_duplicate_and_stale_through_the_api(tree, people, client_for):
    from jiewang.basedata.testing import ID_ZHANG

    w = basedata_world(tree, people)
    c = client_for(people.grid_worker)
    r = c.post("/api/basedata/residents", data={"house_id": w["house_id"], "name": "重复", "id_number": ID_ZHANG},
               content_type="application/json")
    assert (r.status_code, r.json()["code"], r.json()["fields"]["resident_id"]) == (
        409, "basedata.duplicate_id", w["resident_id"])
    url = f"/api/basedata/residents/{w['resident_id']}"
    assert c.put(url, data={"expected_version": 1, "name": "甲"}, content_type="application/json").status_code == 200
    r = c.put(url, data={"expected_version": 1, "name": "乙"}, content_type="application/json")
    assert (r.status_code, r.json()["code"]) == (409, "basedata.stale")
