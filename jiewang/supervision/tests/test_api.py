"""The supervision log's endpoints in the four-case permission matrix (``SUPERVISION_ROUTES``
counted by ``tests/test_permission_matrix.py``): anonymous 401; signed in with no role, or a role
of another district: an empty answer; the command center in scope: its entries."""

from __future__ import annotations

import pytest

from jiewang.supervision.models import SupervisionEntry

pytestmark = pytest.mark.django_db

# (method, template, role in scope)
CASES = [
    ("GET", "/api/supervision/entries", "town_operator"),
    ("GET", "/api/supervision/summary", "district_admin"),
]
SUPERVISION_ROUTES = {(m, t) for m, t, _ in CASES}


@pytest.mark.parametrize("case", CASES, ids=lambda c: c[1])
def test_matrix(case, tree, people, loop, client_for):
    from jiewang.supervision.testing import supervision_world

    supervision_world(tree, people, loop)
    before = list(SupervisionEntry.objects.values())
    _method, template, role = case
    r = client_for(None).get(template)
    assert (r.status_code, r.json()["code"]) == (401, "unauthenticated")
    for who in ("nobody", "other_district_admin", "grid_worker"):
        r = client_for(getattr(people, who)).get(template)
        assert (r.status_code, r.json()) == (200, []), (who, r.content)
    r = client_for(getattr(people, role)).get(template)
    assert r.status_code == 200 and len(r.json()) == 1, r.content
    assert list(SupervisionEntry.objects.values()) == before
