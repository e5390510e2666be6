"""Every admission route against the four cases: anonymous 401; no role and another district's
administrator refused (403/404, or an empty list) with nothing changed; the right role in scope
answers 2xx (a write leaving an audit row). ``ADMISSION_ROUTES`` is counted by
tests/test_permission_matrix.py."""

from __future__ import annotations

import json

import pytest

from jiewang.admission.models import DutyItem, DutyList, PushRequest, TaskRecord
from jiewang.admission.testing import admission_world
from jiewang.audit.models import AuditEntry
from jiewang.events.models import Event

pytestmark = pytest.mark.django_db

# (method, OpenAPI path, url, role in scope, body)
CASES = [
    ("GET", "/api/admission/lists", "/api/admission/lists", "department_staff", None),
    ("POST", "/api/admission/lists", "/api/admission/lists", "district_admin", lambda t, w: {"district_id": t.d1.pk}),
    ("GET", "/api/admission/lists/{duty_list_id}", "/api/admission/lists/{duty_list_id}", "town_operator", None),
    ("GET", "/api/admission/lists/{duty_list_id}/diff", "/api/admission/lists/{duty_list_id}/diff", "district_admin",
     None),
    ("POST", "/api/admission/lists/{duty_list_id}/publish", "/api/admission/lists/{duty_list_id}/publish",
     "district_admin", lambda t, w: {}),
    ("POST", "/api/admission/lists/{duty_list_id}/items", "/api/admission/lists/{duty_list_id}/items", "district_admin",
     lambda t, w: {"code": "LN01", "name": "独居老人走访", "kind": "service", "by_town": True, "expected_hours": 2}),
    ("PUT", "/api/admission/items/{duty_item_id}", "/api/admission/items/{duty_item_id}", "district_admin",
     lambda t, w: {"expected_hours": 2.5}),
    ("DELETE", "/api/admission/items/{duty_item_id}", "/api/admission/items/{duty_item_id}", "district_admin", None),
    ("GET", "/api/admission/in-force", "/api/admission/in-force?area_id={g1}", "department_staff", None),
    ("GET", "/api/admission/pushes", "/api/admission/pushes", "town_operator", None),
    ("GET", "/api/admission/pushes/{push_id}", "/api/admission/pushes/{push_id}", "town_leader", None),
    ("POST", "/api/admission/pushes/{push_id}/approve", "/api/admission/pushes/{push_id}/approve", "town_operator",
     lambda t, w: {"comment": "同意"}),
    ("POST", "/api/admission/pushes/{push_id}/refuse", "/api/admission/pushes/{push_id}/refuse", "town_operator",
     lambda t, w: {"reason": "表外事项"}),
    ("GET", "/api/admission/tasks/{number}/records", "/api/admission/tasks/{task_number}/records", "grid_worker", None),
    ("POST", "/api/admission/records/{task_record_id}/confirm", "/api/admission/records/{task_record_id}/confirm",
     "grid_worker", lambda t, w: {"values": {"insured": True}}),
    ("GET", "/api/admission/burden", "/api/admission/burden?area_id={t1}", "town_leader", None),
    ("GET", "/api/admission/burden.xlsx", "/api/admission/burden.xlsx?area_id={t1}", "community_staff_c1", None),
]
ADMISSION_ROUTES = {(m, p) for m, p, _, _, _ in CASES}


def _call(client, case, tree, world):
    method, _path, url, _role, body = case
    url = url.format(g1=tree.g1.pk, t1=tree.t1.pk if "xlsx" not in url else tree.c1.pk, **world)
    if method in ("GET", "DELETE") and body is None:
        return getattr(client, method.lower())(url)
    return getattr(client, method.lower())(url, data=json.dumps(body(tree, world)), content_type="application/json")


def _rows():
    return (list(DutyList.objects.values()), list(DutyItem.objects.values()), list(PushRequest.objects.values()),
            list(TaskRecord.objects.values()), Event.objects.count(), AuditEntry.objects.count())


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c[0]} {c[1]}")
def test_matrix(case, tree, people, loop, client_for):
    world = admission_world(tree, people, loop)
    before = _rows()
    r = _call(client_for(None), case, tree, world)
    assert (r.status_code, r.json()["code"]) == (401, "unauthenticated")
    for who in ("nobody", "other_district_admin"):
        r = _call(client_for(getattr(people, who)), case, tree, world)
        if r.status_code == 200:
            assert case[0] == "GET" and r.json() == [], (who, r.content)
        else:
            assert r.status_code in (403, 404), (who, r.content)
    assert _rows() == before
    user = people.community_staff if case[3] == "community_staff_c1" else getattr(people, case[3])
    r = _call(client_for(user), case, tree, world)
    assert 200 <= r.status_code < 300, r.content
    if case[0] == "GET" and "xlsx" not in case[1]:
        assert r.json() != []
    if case[0] != "GET" and case[1] != "/api/admission/lists":  # (the world's draft exists: opened again)
        assert AuditEntry.objects.count() > before[-1]
