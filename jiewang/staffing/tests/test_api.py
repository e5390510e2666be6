"""The staffing API: masked phones, the audited reveal, assign/end through HTTP, the unstaffed
list; plus the four-case matrix of every route (``STAFFING_ROUTES`` counted by
``tests/test_permission_matrix.py``)."""

from __future__ import annotations

import io
import json

import pytest

from jiewang.audit.models import AuditEntry
from jiewang.staffing.models import GridMember, Person
from jiewang.staffing.testing import assign, person, staffing_world

pytestmark = pytest.mark.django_db


def post(client, url, body):
    return client.post(url, data=json.dumps(body), content_type="application/json")


def test_phones_masked_in_answers_and_reveal_audited(tree, people, client_for):
    zhang = person(tree.c1, "张三", work_phone="13800001111", personal_phone="13900002222")
    assign(zhang, tree.g1)
    for who in (people.grid_worker, people.community_staff):
        body = client_for(who).get(f"/api/staffing/people/{zhang.pk}").json()
        assert (body["work_phone"], body["personal_phone"]) == ("138****1111", "139****2222")
        assert "13800001111" not in json.dumps(client_for(who).get("/api/staffing/people").json())
    r = post(client_for(people.grid_worker), f"/api/staffing/people/{zhang.pk}/phones", {})
    assert r.status_code == 403 and not AuditEntry.objects.filter(action="grid_person.reveal_phones").exists()
    r = post(client_for(people.community_staff), f"/api/staffing/people/{zhang.pk}/phones", {})
    assert r.json() == {"work_phone": "13800001111", "personal_phone": "13900002222"}
    assert AuditEntry.objects.filter(action="grid_person.reveal_phones", actor=people.community_staff).count() == 1


def test_assign_end_and_grid_history_through_the_api(tree, people, client_for):
    c = client_for(people.community_staff)
    r = post(c, "/api/staffing/people", {"area_id": tree.c1.pk, "name": "李四", "work_phone": "13700000000"})
    assert r.status_code == 201, r.content
    pid = r.json()["id"]
    r = post(c, "/api/staffing/members", {"person_id": pid, "grid_id": tree.g1.pk, "kind": "full_time"})
    assert r.status_code == 201, r.content
    mid = r.json()["id"]
    r = post(c, "/api/staffing/members", {"person_id": pid, "grid_id": tree.g1.pk, "kind": "full_time"})
    assert (r.status_code, r.json()["code"]) == (409, "staffing.overlap")
    grids = {g["grid_id"]: g for g in c.get("/api/staffing/grids").json()}
    assert set(grids) == {tree.g1.pk, tree.g2.pk}
    assert not grids[tree.g1.pk]["unstaffed"] and grids[tree.g2.pk]["unstaffed"]
    assert [u["grid_id"] for u in c.get("/api/staffing/unstaffed").json()] == [tree.g2.pk]
    r = post(c, f"/api/staffing/members/{mid}/end", {"reason": "离职"})
    assert r.status_code == 200 and r.json()["active"] is False
    detail = c.get(f"/api/staffing/grids/{tree.g1.pk}").json()
    assert detail["unstaffed"] and detail["members"] == [] and [h["id"] for h in detail["history"]] == [mid]
    assert detail["history"][0]["end_reason"] == "离职"
    unstaffed = {u["grid_id"]: u for u in c.get("/api/staffing/unstaffed").json()}
    assert set(unstaffed) == {tree.g1.pk, tree.g2.pk} and unstaffed[tree.g1.pk]["flagged_since"] is not None
    r = c.put(f"/api/staffing/people/{pid}", data=json.dumps({"expected_version": 0, "unit": "x"}),
              content_type="application/json")
    assert (r.status_code, r.json()["code"]) == (409, "staffing.person_stale")


def test_other_community_refused_with_nothing_changed(tree, people, client_for):
    zhang = person(tree.c1)
    m = assign(zhang, tree.g1)
    c = client_for(people.other_community_staff)
    before = (list(GridMember.objects.values()), list(Person.objects.values()), AuditEntry.objects.count())
    assert c.get(f"/api/staffing/people/{zhang.pk}").status_code == 404
    assert post(c, f"/api/staffing/members/{m.pk}/end", {"reason": "x"}).status_code == 404
    assert post(c, "/api/staffing/members", {"person_id": zhang.pk, "grid_id": tree.g4.pk,
                                             "kind": "volunteer"}).status_code == 404
    assert c.get("/api/staffing/grids").json()[0]["grid_id"] == tree.g4.pk
    assert (list(GridMember.objects.values()), list(Person.objects.values()), AuditEntry.objects.count()) == before


def test_photo_through_the_api_checked_by_content(tree, people, client_for):
    from django.core.files.uploadedfile import SimpleUploadedFile

    zhang = person(tree.c1)
    c = client_for(people.community_staff)
    url = f"/api/staffing/people/{zhang.pk}/photo?expected_version=1"
    r = c.post(url, {"file": SimpleUploadedFile("x.png", b"<svg onload=alert(1)>", "image/png")})
    assert (r.status_code, r.json()["code"]) == (422, "photo.corrupt")
    r = c.post(url, {"file": SimpleUploadedFile("x.png", png(), "image/png")})
    assert r.status_code == 200 and r.json()["has_photo"] and r.json()["version"] == 2
    r = c.post(url, {"file": SimpleUploadedFile("x.png", png(), "image/png")})
    assert (r.status_code, r.json()["code"]) == (409, "staffing.person_stale")


def _world(tree, people, loop):
    return staffing_world(tree, people, loop)


# (method, template, role in scope, body)
CASES = [
    ("GET", "/api/staffing/grids", "community_staff", None),
    ("GET", "/api/staffing/grids/{grid_id}", "town_operator", None),
    ("GET", "/api/staffing/unstaffed", "community_staff", None),
    ("GET", "/api/staffing/people", "town_leader", None),
    ("POST", "/api/staffing/people", "community_staff", lambda t, w: {"area_id": t.c1.id, "name": "王五"}),
    ("GET", "/api/staffing/people/{person_id}", "grid_worker", None),
    ("PUT", "/api/staffing/people/{person_id}", "community_staff",
     lambda t, w: {"expected_version": 1, "unit": "甲社区"}),
    ("POST", "/api/staffing/people/{person_id}/phones", "district_admin", lambda t, w: {}),
    ("POST", "/api/staffing/people/{person_id}/photo", "community_staff", "photo"),
    ("POST", "/api/staffing/members", "community_staff",
     lambda t, w: {"person_id": w["person_id"], "grid_id": t.g2.id, "kind": "full_time"}),
    ("GET", "/api/staffing/members/{member_id}", "community_staff", None),
    ("POST", "/api/staffing/members/{member_id}/end", "town_operator", lambda t, w: {"reason": "调岗"}),
    ("GET", "/api/staffing/mine", "grid_worker", None),
]
STAFFING_ROUTES = {(m, t) for m, t, _, _ in CASES}


def png() -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (30, 40), (10, 120, 200)).save(buf, "PNG")
    return buf.getvalue()


def _call(client, case, tree, world):
    method, template, _, body = case
    url = template.format(**world)
    if body is None:
        return client.get(url)
    if body == "photo":
        from django.core.files.uploadedfile import SimpleUploadedFile

        return client.post(url + "?expected_version=1", {"file": SimpleUploadedFile("me.png", png(), "image/png")})
    return getattr(client, method.lower())(url, data=json.dumps(body(tree, world)), content_type="application/json")


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c[0]} {c[1]}")
def test_matrix(case, tree, people, client_for):
    world = _world(tree, people, None)
    rows = lambda: (list(GridMember.objects.values()), list(Person.objects.values()),  # noqa: E731
                    AuditEntry.objects.count())
    before = rows()
    r = _call(client_for(None), case, tree, world)
    assert (r.status_code, r.json()["code"]) == (401, "unauthenticated")
    for who in ("nobody", "other_district_admin"):
        r = _call(client_for(getattr(people, who)), case, tree, world)
        if case[0] == "GET" and "{" not in case[1]:  # a list: none of the world's rows in it
            assert r.status_code == 200, (who, r.content)
            seen = {("grid", x.get("grid_id")) for x in r.json()} | {("person", x.get("id")) for x in r.json()}
            assert not seen & {("grid", world["grid_id"]), ("person", world["person_id"])}, (who, r.content)
        else:
            assert r.status_code in (403, 404), (who, r.content)
    assert rows() == before
    r = _call(client_for(getattr(people, case[2])), case, tree, world)
    assert 200 <= r.status_code < 300, r.content
    if case[0] == "GET" and "{" not in case[1]:
        assert r.json() != []
    if case[0] != "GET":
        assert AuditEntry.objects.count() > before[-1]
