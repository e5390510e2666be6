"""The four cases for every patrols endpoint (``PATROL_ROUTES`` counted by
``tests/test_permission_matrix.py``): anonymous 401; no role and another district refused (403/404,
or an empty list) with nothing changed; the role in scope allowed."""

from __future__ import annotations

import json
import uuid

import pytest
from django.utils import timezone

from jiewang.audit.models import AuditEntry
from jiewang.events.models import Event
from jiewang.patrols.models import CheckIn, Patrol, PatrolRule, TrackPoint, Visit
from jiewang.patrols.testing import INSIDE, patrols_world, point, second_grid_worker

pytestmark = pytest.mark.django_db


def _checkin(t, w):
    return {"client_id": str(uuid.uuid4()), "at": timezone.now().isoformat(), "lon": INSIDE[0], "lat": INSIDE[1],
            "building_id": w["building_id_patrols"]}


# (method, template, role in scope, body or None, multipart)
CASES = [
    ("GET", "/api/patrols/rules", "grid_worker", None, False),
    ("POST", "/api/patrols/rules", "community_staff",
     lambda t, w: {"grid_id": t.g1.id, "kind": "household", "every": 1, "unit": "month"}, False),
    ("PUT", "/api/patrols/rules/{rule_id}", "community_staff", lambda t, w: {"expected_version": 1, "every": 2}, False),
    ("GET", "/api/patrols", "grid_worker", None, False),
    ("POST", "/api/patrols", "grid_worker2", lambda t, w: {"grid_id": t.g1.id}, False),
    ("GET", "/api/patrols/buildings", "grid_worker", None, False),
    ("GET", "/api/patrols/{patrol_id}", "community_staff", None, False),
    ("POST", "/api/patrols/{patrol_id}/points", "grid_worker",
     lambda t, w: {"batch_id": str(uuid.uuid4()), "points": [point(INSIDE)]}, False),
    ("GET", "/api/patrols/{patrol_id}/track", "town_leader", None, False),
    ("POST", "/api/patrols/{patrol_id}/checkins", "grid_worker", _checkin, True),
    ("POST", "/api/patrols/{patrol_id}/end", "grid_worker", lambda t, w: {}, False),
    ("GET", "/api/patrols/visits", "community_staff", None, False),
    ("POST", "/api/patrols/visits", "grid_worker", lambda t, w: {"house_id": w["house_id_patrols"]}, False),
    ("GET", "/api/patrols/visits/{visit_id}", "grid_worker", None, False),
    ("POST", "/api/patrols/visits/{visit_id}/event", "grid_worker", lambda t, w: {"category": "LS01"}, False),
    ("GET", "/api/patrols/coverage", "town_leader", None, False),
    ("GET", "/api/patrols/coverage/overdue", "community_staff", None, False),
]
PATROL_ROUTES = {(m, t) for m, t, *_ in CASES}
QUERIES = {"/api/patrols/coverage": "?area_id={c1}", "/api/patrols/coverage/overdue": "?area_id={c1}"}


def _call(client, case, tree, world):
    method, template, _role, body, multipart = case
    url = template.format(**world) + QUERIES.get(template, "").format(c1=tree.c1.id)
    if body is None:
        return client.get(url)
    if multipart:
        return client.post(url, body(tree, world))
    return getattr(client, method.lower())(url, data=json.dumps(body(tree, world)), content_type="application/json")


def _rows():
    return (list(PatrolRule.objects.values()), list(Patrol.objects.values()), TrackPoint.objects.count(),
            CheckIn.objects.count(), Visit.objects.count(), Event.objects.count(), AuditEntry.objects.count())


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c[0]} {c[1]}")
def test_matrix(case, tree, people, loop, client_for):
    world = patrols_world(tree, people, loop)
    users = {"grid_worker2": second_grid_worker(tree)}
    before = _rows()
    r = _call(client_for(None), case, tree, world)
    assert (r.status_code, r.json()["code"]) == (401, "unauthenticated")
    listing = case[0] == "GET" and "{" not in case[1] and case[1] not in QUERIES
    for who in ("nobody", "other_district_admin"):
        r = _call(client_for(getattr(people, who)), case, tree, world)
        if listing:
            assert r.status_code == 200 and r.json() == [], (who, r.content)
        else:
            assert r.status_code in (403, 404), (who, r.status_code, r.content)
    assert _rows() == before
    actor = users.get(case[2]) or getattr(people, case[2])
    r = _call(client_for(actor), case, tree, world)
    assert 200 <= r.status_code < 300, r.content
    if listing:
        assert r.json() != []
    if case[0] != "GET":
        assert _rows() != before
