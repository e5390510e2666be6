"""The bulletins' API: listing (scoped, every version), downloading (the bytes, audited; another
town's bulletin is a 404), generating now (the area's leaders); plus the four-case matrix of every
route (``REPORT_ROUTES``, counted by ``tests/test_permission_matrix.py``)."""

from __future__ import annotations

import hashlib
import json

import pytest

from jiewang.audit.models import AuditEntry
from jiewang.reports.models import Bulletin
from jiewang.reports.services.bulletins import bulletin_generate
from jiewang.reports.testing import PERIOD, bulletin_world

pytestmark = pytest.mark.django_db


def post(client, url, body):
    return client.post(url, data=json.dumps(body), content_type="application/json")


def test_list_shows_the_areas_in_scope_with_every_version(tree, people, client_for):
    t1 = bulletin_generate(actor=None, area=tree.t1, period=PERIOD)
    t1b = bulletin_generate(actor=None, area=tree.t1, period=PERIOD)
    t2 = bulletin_generate(actor=None, area=tree.t2, period=PERIOD)
    d1 = bulletin_generate(actor=None, area=tree.d1, period=PERIOD)
    t3 = bulletin_generate(actor=None, area=tree.t3, period=PERIOD)
    ids = lambda user: [b["id"] for b in client_for(user).get("/api/bulletins").json()]  # noqa: E731
    assert ids(people.town_operator) == [t1b.pk, t1.pk]
    assert ids(people.town_leader) == [t1b.pk, t1.pk]
    assert ids(people.district_admin) == [d1.pk, t1b.pk, t1.pk, t2.pk]
    assert ids(people.other_district_admin) == [t3.pk]
    assert ids(people.department_staff) == [] and ids(people.grid_worker) == []
    one = client_for(people.town_leader).get(f"/api/bulletins?area={tree.t1.id}&period={PERIOD}").json()[0]
    pdf = t1b.files.get(format="pdf")
    assert (one["version"], one["status"], one["area_name"]) == (2, "current", "一街道")
    assert one["files"][0] == {"format": "pdf", "size": pdf.size, "sha256": pdf.sha256,
                               "url": f"/api/bulletins/{t1b.pk}/pdf"}


def test_download_gives_the_stored_bytes_and_is_audited(tree, people, client_for):
    b = bulletin_generate(actor=None, area=tree.t1, period=PERIOD)
    for fmt, ctype in (("pdf", "application/pdf"), ("xlsx", "application/vnd.openxmlformats")):
        r = client_for(people.town_operator).get(f"/api/bulletins/{b.pk}/{fmt}")
        assert r.status_code == 200 and r["Content-Type"].startswith(ctype)
        assert r["Content-Disposition"] == f'attachment; filename="bulletin-500101001-{PERIOD}-v1.{fmt}"'
        assert hashlib.sha256(r.content).hexdigest() == b.files.get(format=fmt).sha256
    rows = list(AuditEntry.objects.filter(action="bulletin.download").order_by("id")
                .values_list("actor_id", "object_id", "data"))
    assert [(a, o, d["format"]) for a, o, d in rows] == [(people.town_operator.pk, str(b.pk), "pdf"),
                                                          (people.town_operator.pk, str(b.pk), "xlsx")]


def test_another_towns_bulletin_is_not_found(tree, people, client_for):
    b = bulletin_generate(actor=None, area=tree.t2, period=PERIOD)
    before = AuditEntry.objects.count()
    for user in (people.town_operator, people.town_leader, people.other_district_admin, people.nobody):
        r = client_for(user).get(f"/api/bulletins/{b.pk}/pdf")
        assert (r.status_code, r.json()["code"]) == (404, "not_found")
    assert client_for(people.district_admin).get(f"/api/bulletins/{b.pk}/pdf").status_code == 200
    assert AuditEntry.objects.count() == before + 1


def test_generate_now(tree, people, client_for):
    r = post(client_for(people.town_leader), "/api/bulletins", {"area_id": tree.t1.id, "period": PERIOD})
    assert r.status_code == 201, r.content
    assert (r.json()["version"], r.json()["generated_by"]) == (1, "town_leader")
    r = post(client_for(people.town_operator), "/api/bulletins", {"area_id": tree.t1.id, "period": PERIOD})
    assert (r.status_code, r.json()["code"]) == (403, "permission_denied")
    r = post(client_for(people.town_leader), "/api/bulletins", {"area_id": tree.t1.id, "period": "2099-12"})
    assert (r.status_code, r.json()["code"]) == (422, "bulletin.period_not_over")
    r = post(client_for(people.town_leader), "/api/bulletins", {"area_id": tree.c1.id, "period": PERIOD})
    assert (r.status_code, r.json()["code"]) == (404, "area.not_found")
    assert Bulletin.objects.count() == 1


# ---- the four-case matrix --------------------------------------------------------------------

# (method, template, role in scope, body)
CASES = [
    ("GET", "/api/bulletins", "town_operator", None),
    ("GET", "/api/bulletins/{bulletin_id}/{fmt}", "town_leader", None),
    ("POST", "/api/bulletins", "town_leader", lambda t, w: {"area_id": t.t1.id, "period": PERIOD}),
]
REPORT_ROUTES = {(m, t) for m, t, _, _ in CASES}


def _call(client, case, tree, world):
    method, template, _, body = case
    url = template.format(**world)
    if body is None:
        return client.get(url)
    return post(client, url, body(tree, world))


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c[0]} {c[1]}")
def test_matrix(case, tree, people, loop, client_for):
    world = bulletin_world(tree, people, loop)
    rows = lambda: (list(Bulletin.objects.values("id", "version", "status")), AuditEntry.objects.count())  # noqa: E731
    before = rows()
    r = _call(client_for(None), case, tree, world)
    assert (r.status_code, r.json()["code"]) == (401, "unauthenticated")
    for who in ("nobody", "other_district_admin"):
        r = _call(client_for(getattr(people, who)), case, tree, world)
        if case[0] == "GET" and "{" not in case[1]:
            assert r.status_code == 200 and r.json() == [], (who, r.content)
        else:
            assert r.status_code in (403, 404), (who, r.content)
    assert rows() == before
    r = _call(client_for(getattr(people, case[2])), case, tree, world)
    assert 200 <= r.status_code < 300, r.content
    if case[0] == "GET" and "{" not in case[1]:
        assert r.json() != []
    if case[0] != "GET" or "{" in case[1]:  # a write, or an audited download
        assert AuditEntry.objects.count() > before[-1]
