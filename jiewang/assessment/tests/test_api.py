"""The assessment's endpoints: the four-case matrix (anonymous → 401, no role → nothing, the
role in scope → 2xx, the same kind of role elsewhere → nothing), scope (another town → 404), a
department reading only its own rows, and refused writes changing nothing.
``tests/test_permission_matrix.py`` counts these routes as covered (``ASSESSMENT_ROUTES``)."""

from __future__ import annotations

import json

import pytest

from jiewang.assessment.models import Exclusion, Run
from jiewang.assessment.services.engine import run_compute, run_publish
from jiewang.audit.models import AuditEntry

pytestmark = pytest.mark.django_db

ASSESSMENT_ROUTES = {
    ("GET", "/api/assessment/indicators"),
    ("GET", "/api/assessment/runs"),
    ("POST", "/api/assessment/runs"),
    ("GET", "/api/assessment/runs/{run_id}"),
    ("GET", "/api/assessment/runs/{run_id}/members/{population}/{member_id}"),
    ("POST", "/api/assessment/runs/{run_id}/publish"),
    ("GET", "/api/assessment/exclusions"),
    ("POST", "/api/assessment/exclusions"),
    ("POST", "/api/assessment/exclusions/{exclusion_id}/decide"),
}


def post(client, url, body):
    return client.post(url, data=json.dumps(body), content_type="application/json")


def unchanged():
    return (sorted(Run.objects.values_list("id", "status", "version")),
            sorted(Exclusion.objects.values_list("id", "status")), AuditEntry.objects.count())


@pytest.fixture
def world(october, tree, people, loop):
    draft = run_compute(actor=None, area=tree.t1, period="2026-10")
    ex = Exclusion.objects.create(event=october.e2, area_path=tree.t1.path, kind="other", reason="申请",
                                  requested_by=people.department_staff)
    return {"run": draft, "ex": ex, "o": october}


def test_every_route_is_listed():
    from config.api import api

    paths = {(m.upper(), p) for p, ops in api.get_openapi_schema()["paths"].items() for m in ops
             if p.startswith("/api/assessment/")}
    assert paths == ASSESSMENT_ROUTES


def cases(w, t, p):
    run, ex = w["run"], w["ex"]
    return [
        ("GET", "/api/assessment/indicators", None, "town_operator", "resident"),
        ("GET", f"/api/assessment/runs?area_id={t.t1.id}", None, "town_operator", "other_district_admin"),
        ("GET", f"/api/assessment/runs/{run.id}", None, "town_operator", "other_district_admin"),
        ("GET", f"/api/assessment/runs/{run.id}/members/department/{p.department.id}", None, "town_leader",
         "other_district_admin"),
        ("GET", "/api/assessment/exclusions", None, "town_leader", "other_district_admin"),
        ("POST", "/api/assessment/runs", {"area_id": t.t1.id, "period": "2026-10"}, "town_leader",
         "other_district_admin"),
        ("POST", "/api/assessment/exclusions", {"event_number": w["o"].e1.number, "kind": "force_majeure",
                                                "reason": "台风"}, "town_operator", "other_community_staff"),
        ("POST", f"/api/assessment/exclusions/{ex.id}/decide", {"approve": True}, "town_leader",
         "other_district_admin"),
        ("POST", f"/api/assessment/runs/{run.id}/publish", None, "town_leader", "other_district_admin"),
    ]


def call(client, method, url, body):
    return client.get(url) if method == "GET" else post(client, url, body or {})


def test_the_matrix(world, tree, people, client_for):
    for method, url, body, role, other in cases(world, tree, people):
        for who in (None, "nobody", other):
            before = unchanged()
            r = call(client_for(getattr(people, who) if who else None), method, url, body)
            if who is None:
                assert r.status_code == 401, (url, who)
            elif method == "GET" and "{" not in url and r.status_code == 200:
                data = r.json()
                assert data == [], (url, who, data)  # a list: nothing of theirs
            else:
                assert r.status_code in (403, 404), (url, who, r.status_code, r.content[:200])
            assert unchanged() == before, (url, who)
        r = call(client_for(getattr(people, role)), method, url, body)
        assert r.status_code in (200, 201), (url, role, r.status_code, r.content[:300])
        if method == "GET" and "/runs?" in url:
            assert [x["id"] for x in r.json()] == [world["run"].id]


def test_another_town_is_not_found(world, tree, people, client_for):
    t2 = run_compute(actor=None, area=tree.t2, period="2026-10")
    c = client_for(people.town_leader)
    assert c.get(f"/api/assessment/runs/{t2.id}").status_code == 404
    before = unchanged()
    assert c.post(f"/api/assessment/runs/{t2.id}/publish").status_code == 404
    assert post(c, "/api/assessment/runs", {"area_id": tree.t2.id, "period": "2026-10"}).status_code == 404
    assert unchanged() == before
    assert c.get(f"/api/assessment/runs?area_id={tree.t2.id}").json() == []


def test_the_ranking_breakdown_and_diff_through_the_api(world, tree, people, loop, client_for):
    c = client_for(people.town_leader)
    run = world["run"]
    data = c.get(f"/api/assessment/runs/{run.id}?population=department&scheme=general").json()
    assert [(s["member_name"], s["score"], s["grade"], s["rank"]) for s in data["scores"]] == [
        ("北区生态环境局", 70.0, "C", 1), ("北区城市管理局", 66.67, "C", 2)]
    m = c.get(f"/api/assessment/runs/{run.id}/members/department/{loop.cgj.id}").json()
    row = next(r for r in m["results"] if r["indicator"] == "dept.on_time")
    assert (row["numerator"], row["denominator"], row["value"], row["score"], row["target_met"]) == (
        1, 2, 0.5, 50.0, False)
    assert c.post(f"/api/assessment/runs/{run.id}/publish").status_code == 200
    r = c.post(f"/api/assessment/runs/{run.id}/publish")
    assert (r.status_code, r.json()["code"]) == (409, "assessment.not_draft")
    r = post(c, f"/api/assessment/exclusions/{world['ex'].id}/decide", {"approve": True})
    assert r.status_code == 200 and r.json()["status"] == "approved"
    r = post(c, "/api/assessment/runs", {"area_id": tree.t1.id, "period": "2026-10"})
    assert r.status_code == 201 and r.json()["version"] == 2
    v2 = Run.objects.get(pk=r.json()["id"])
    assert r.json()["differences"] == len(v2.diff) > 0  # E2 left every indicator
    d = c.get(f"/api/assessment/runs/{v2.id}").json()["diff"]
    assert {"population": "department", "member_id": loop.cgj.id, "member_name": "北区城市管理局",
            "indicator": "dept.on_time", "old": [1.0, 2.0, 0.5], "new": [1.0, 1.0, 1.0]} in d
    r = post(c, "/api/assessment/runs", {"area_id": tree.t1.id, "period": "2026-13"})
    assert (r.status_code, r.json()["code"]) == (422, "assessment.bad_period")


def test_a_department_reads_only_its_own_published_rows(world, tree, people, loop, client_for):
    c = client_for(people.department_staff)
    run = world["run"]
    assert c.get(f"/api/assessment/runs/{run.id}").status_code == 404  # a draft is not theirs to see
    run_publish(actor=None, run=run)
    data = c.get(f"/api/assessment/runs/{run.id}").json()
    assert {(s["population"], s["member_id"]) for s in data["scores"]} == {("department", loop.cgj.id)}
    assert c.get(f"/api/assessment/runs/{run.id}/members/department/{loop.sthj.id}").status_code == 404
    assert c.get(f"/api/assessment/runs/{run.id}/members/grid/{tree.g1.id}").status_code == 404
    assert c.get(f"/api/assessment/runs/{run.id}/members/department/{loop.cgj.id}").status_code == 200
    before = unchanged()
    assert c.post(f"/api/assessment/runs/{run.id}/publish").status_code == 404
    assert unchanged() == before
