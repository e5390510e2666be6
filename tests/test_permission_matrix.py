"""The four-case permission matrix for every API endpoint: anonymous, signed in with no role,
a role whose scope covers the target, and the same kind of role in another area.

Every endpoint in the OpenAPI document must appear in ``MATRIX`` (a test checks it), so a new
endpoint cannot ship without its permission cases. For refused writes the audit log proves that
nothing changed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from collections.abc import Callable

import pytest

from jiewang.audit.models import AuditEntry
from jiewang.core.testing import square


@dataclass
class Case:
    method: str
    template: str  # path template in the OpenAPI document
    path: Callable  # (tree, people) -> url
    role: str  # attribute of People allowed in scope
    other: str  # attribute of People with the same kind of role elsewhere
    body: Callable | None = None  # (tree, people) -> json body
    visible: Callable | None = None  # (json, tree, people) -> bool: the target is in the answer
    write: bool = False
    multipart: Callable | None = None


def ids(data):
    items = data["items"] if isinstance(data, dict) and "items" in data else data
    return {x["id"] for x in items}


def tree_ids(nodes):
    out = set()
    for n in nodes:
        out.add(n["id"])
        out |= tree_ids(n["children"])
    return out


def geojson_file(tree):
    fc = {"type": "FeatureCollection", "features": [{
        "type": "Feature", "properties": {"name": "新网格", "code": "500101001001009"},
        "geometry": square(106.0, 29.0, 106.05, 29.05)}]}
    return json.dumps(fc).encode()


MATRIX = [
    Case("GET", "/api/areas", lambda t, p: "/api/areas?limit=100", "community_staff", "other_community_staff",
         visible=lambda d, t, p: t.g1.id in ids(d)),
    Case("GET", "/api/areas/tree", lambda t, p: "/api/areas/tree?depth=6", "community_staff",
         "other_community_staff", visible=lambda d, t, p: t.g1.id in tree_ids(d)),
    Case("GET", "/api/areas/{area_id}", lambda t, p: f"/api/areas/{t.c1.id}", "grid_worker",
         "other_community_staff"),
    Case("GET", "/api/areas/{area_id}/geojson", lambda t, p: f"/api/areas/{t.c1.id}/geojson",
         "community_staff", "other_community_staff"),
    Case("POST", "/api/areas/locate", lambda t, p: "/api/areas/locate", "grid_worker", "other_community_staff",
         body=lambda t, p: {"lon": 106.05, "lat": 29.2},
         visible=lambda d, t, p: d["in_scope"] and d["area"]["id"] == t.g1.id),
    Case("POST", "/api/areas/locate/batch", lambda t, p: "/api/areas/locate/batch", "grid_worker",
         "other_community_staff", body=lambda t, p: {"points": [[106.05, 29.2]]},
         visible=lambda d, t, p: d["results"][0]["area_id"] == t.g1.id),
    Case("POST", "/api/areas", lambda t, p: "/api/areas", "town_leader", "other_district_admin", write=True,
         body=lambda t, p: {"parent_id": t.c1.id, "level": "grid", "code": "500101001001003", "name": "第3网格"}),
    Case("PATCH", "/api/areas/{area_id}", lambda t, p: f"/api/areas/{t.g1.id}", "district_admin",
         "other_district_admin", write=True,
         body=lambda t, p: {"name": "改名网格", "expected_version": t.g1.version}),
    Case("PUT", "/api/areas/{area_id}/boundary", lambda t, p: f"/api/areas/{t.g2.id}/boundary", "town_leader",
         "other_district_admin", write=True,
         body=lambda t, p: {"geometry": square(106.125, 29.0, 106.25, 29.4), "reason": "调整"}),
    Case("POST", "/api/areas/{area_id}/retire", lambda t, p: f"/api/areas/{t.g2.id}/retire", "district_admin",
         "other_district_admin", write=True, body=lambda t, p: {"reason": "合并"}),
    Case("POST", "/api/areas/import", lambda t, p: "/api/areas/import", "town_leader", "other_district_admin",
         write=True, multipart=lambda t, p: {"level": "grid", "parent_id": str(t.c1.id)}),
    Case("GET", "/api/users", lambda t, p: "/api/users?limit=100", "community_staff", "other_community_staff",
         visible=lambda d, t, p: p.grid_worker.id in ids(d)),
    Case("GET", "/api/users/{user_id}", lambda t, p: f"/api/users/{p.grid_worker.id}", "community_staff",
         "other_community_staff"),
    Case("POST", "/api/users/{user_id}/grants", lambda t, p: f"/api/users/{p.resident.id}/grants", "town_leader",
         "other_district_admin", write=True,
         body=lambda t, p: {"role": "resident", "area_id": t.g2.id}),
    Case("POST", "/api/grants/{grant_id}/revoke",
         lambda t, p: f"/api/grants/{p.grid_worker.role_grants.get().id}/revoke", "town_leader",
         "other_district_admin", write=True),
    Case("GET", "/api/departments", lambda t, p: "/api/departments?limit=100", "town_operator",
         "other_community_staff", visible=lambda d, t, p: p.department.id in ids(d)),
    Case("GET", "/api/areas/{town_id}/boards", lambda t, p: f"/api/areas/{t.t1.id}/boards", "town_operator",
         "other_community_staff"),
    # 态势 (jiewang.stats): the situation of an area under the user's grants
    Case("GET", "/api/situation", lambda t, p: f"/api/situation?area={t.c1.id}", "community_staff",
         "other_community_staff"),
    Case("GET", "/api/situation/map", lambda t, p: f"/api/situation/map?area={t.c1.id}&metric=open",
         "community_staff", "other_community_staff"),
]

# Endpoints that are not scoped to an area: signing in/out and "me".
UNSCOPED = {("POST", "/api/auth/login"), ("POST", "/api/auth/logout"), ("GET", "/api/me"),
            ("POST", "/api/users")}


def call(client, case: Case, tree, people):
    url = case.path(tree, people)
    if case.multipart:
        from django.core.files.uploadedfile import SimpleUploadedFile

        data = dict(case.multipart(tree, people))
        data["file"] = SimpleUploadedFile("grids.geojson", geojson_file(tree), "application/geo+json")
        return client.post(url, data)
    body = case.body(tree, people) if case.body else None
    kwargs = {"content_type": "application/json", "data": json.dumps(body)} if body is not None else {}
    return getattr(client, case.method.lower())(url, **kwargs)


def test_every_endpoint_is_in_the_matrix():
    from config.api import api

    schema = api.get_openapi_schema()
    declared = {(m.upper(), path) for path, ops in schema["paths"].items() for m in ops}
    from tests.test_action_registry import ACTION_ROUTES
    from tests.test_permission_matrix_events import MATRIX as EVENT_MATRIX
    from tests.test_permission_matrix_events import UNSCOPED as EVENT_UNSCOPED
    from jiewang.duty.tests.test_api_matrix import DUTY_ROUTES
    from jiewang.assessment.tests.test_api import ASSESSMENT_ROUTES
    from jiewang.warning.tests.test_api import WARNING_ROUTES
    from jiewang.party.tests.test_api import PARTY_ROUTES
    from jiewang.patrols.tests.test_api_matrix import PATROL_ROUTES
    from jiewang.staffing.tests.test_api import STAFFING_ROUTES
    from jiewang.basedata.tests.test_api import BASEDATA_ROUTES

    from jiewang.admission.tests.test_api_matrix import ADMISSION_ROUTES
    from jiewang.supervision.tests.test_api import SUPERVISION_ROUTES
    from jiewang.reports.tests.test_api import REPORT_ROUTES

    covered = ({(c.method, c.template) for c in MATRIX + EVENT_MATRIX} | UNSCOPED | EVENT_UNSCOPED | ACTION_ROUTES
               | DUTY_ROUTES | ASSESSMENT_ROUTES | WARNING_ROUTES | PARTY_ROUTES | STAFFING_ROUTES | BASEDATA_ROUTES
               | ADMISSION_ROUTES | PATROL_ROUTES | SUPERVISION_ROUTES | REPORT_ROUTES)
    assert declared - covered == set(), "add these endpoints to MATRIX"
    assert covered - declared == set(), "MATRIX names endpoints that do not exist"


@pytest.fixture(autouse=True)
def _prebuilt_locator(settings, tmp_path):
    settings.LOCATOR_REVISION_CHECK_SECONDS = 0


@pytest.mark.django_db
@pytest.mark.parametrize("case", MATRIX, ids=lambda c: f"{c.method} {c.template}")
class TestMatrix:
    def test_anonymous_is_refused(self, case, tree, people, client_for):
        before = AuditEntry.objects.count()
        resp = call(client_for(None), case, tree, people)
        assert resp.status_code == 401, resp.content
        assert resp.json()["code"] == "unauthenticated"
        assert AuditEntry.objects.count() == before

    def test_no_role_sees_nothing(self, case, tree, people, client_for):
        self._refused(case, tree, people, client_for(people.nobody))

    def test_role_in_scope_is_allowed(self, case, tree, people, client_for):
        before = AuditEntry.objects.count()
        resp = call(client_for(getattr(people, case.role)), case, tree, people)
        assert 200 <= resp.status_code < 300, resp.content
        if case.visible:
            assert case.visible(resp.json(), tree, people)
        if case.write:
            assert AuditEntry.objects.count() > before

    def test_role_in_other_area_is_refused(self, case, tree, people, client_for):
        self._refused(case, tree, people, client_for(getattr(people, case.other)))

    def _refused(self, case, tree, people, client):
        before = AuditEntry.objects.count()
        resp = call(client, case, tree, people)
        if case.visible is not None:
            assert resp.status_code == 200, resp.content
            assert not case.visible(resp.json(), tree, people)
        else:
            assert resp.status_code in (403, 404), resp.content
            assert resp.json()["code"] in {"not_found", "permission_denied", "area.not_found",
                                           "user.not_found", "role.not_found", "accounts.not_area_manager"}
        assert AuditEntry.objects.count() == before


@pytest.mark.django_db
def test_community_user_cannot_read_other_community_by_id(tree, people, client_for):
    c = client_for(people.community_staff)
    assert c.get(f"/api/areas/{tree.c2.id}").status_code == 404
    assert c.get(f"/api/areas/{tree.g3.id}").status_code == 404
    assert c.get(f"/api/areas/{tree.c3.id}").status_code == 404
    assert c.get(f"/api/users/{people.other_community_staff.id}").status_code == 404
    # its own community and its ancestors (for breadcrumbs) are readable
    assert c.get(f"/api/areas/{tree.c1.id}").status_code == 200
    assert c.get(f"/api/areas/{tree.t1.id}").status_code == 200
    # but listing the town's children shows only its own community
    listed = c.get(f"/api/areas?parent_id={tree.t1.id}").json()
    assert [a["id"] for a in listed["items"]] == [tree.c1.id]


@pytest.mark.django_db
def test_unscoped_endpoints_need_sign_in(tree, people, client_for):
    anon = client_for(None)
    assert anon.get("/api/me").status_code == 401
    assert anon.post("/api/auth/logout").status_code == 401
    assert anon.post("/api/users", data={"username": "x"}, content_type="application/json").status_code == 401
    me = client_for(people.grid_worker).get("/api/me").json()
    assert me["username"] == "grid_worker"
    assert [(g["role"], g["area_id"]) for g in me["grants"]] == [("grid_worker", tree.g1.id)]
    # a role without people management may not create users; nothing is written
    before = AuditEntry.objects.count()
    r = client_for(people.community_staff).post("/api/users", data={"username": "newbie"},
                                                content_type="application/json")
    assert r.status_code == 403 and r.json()["code"] == "accounts.cannot_create_user"
    assert AuditEntry.objects.count() == before
