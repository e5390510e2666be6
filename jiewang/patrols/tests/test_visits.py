"""Visit logs through the API, the event a visit becomes, and who may record them."""

from __future__ import annotations

import json

import pytest

from jiewang.audit.models import AuditEntry
from jiewang.basedata.models import KeyGroup
from jiewang.basedata.services.residents import key_person_add
from jiewang.basedata.testing import ID_LI, house_at, resident_in
from jiewang.events.models import Event
from jiewang.patrols.models import Visit
from jiewang.patrols.testing import other_grid_worker

pytestmark = pytest.mark.django_db


def post(client, url, body):
    return client.post(url, data=json.dumps(body), content_type="application/json")


@pytest.fixture
def home(tree):
    house = house_at(tree.g1)
    r = resident_in(house, name="王大爷")
    kp = key_person_add(actor=None, resident=r, group=KeyGroup.objects.get(code="elderly_alone"))
    return house, kp


def test_a_household_visit_is_recorded_once(tree, people, client_for, home):
    house, _kp = home
    c = client_for(people.grid_worker)
    body = {"house_id": house.pk, "findings": "楼道堆放杂物", "needs": "希望清理", "follow_up": "联系物业",
            "follow_up_due": "2026-12-05", "client_id": "v-1"}
    r = post(c, "/api/patrols/visits", body)
    assert r.status_code == 201, r.content
    assert (r.json()["subject"], r.json()["address"], r.json()["person"]) == ("household", "学府路12号3栋2单元501", "")
    assert post(c, "/api/patrols/visits", body).status_code == 200
    assert Visit.objects.count() == 1
    assert AuditEntry.objects.filter(action="visit.record").count() == 1


def test_a_key_persons_visit_is_made_at_their_house(tree, people, client_for, home):
    house, kp = home
    r = post(client_for(people.grid_worker), "/api/patrols/visits", {"key_person_id": kp.pk, "findings": "身体良好"})
    assert r.status_code == 201, r.content
    assert (r.json()["subject"], r.json()["house_id"], r.json()["person"]) == ("key_person", house.pk, "王大爷")


def test_visits_refused_outside_the_workers_grids(tree, people, client_for, home):
    house, kp = home
    before = (Visit.objects.count(), AuditEntry.objects.count())
    other = other_grid_worker(tree)
    assert post(client_for(other), "/api/patrols/visits", {"house_id": house.pk}).status_code == 404
    assert post(client_for(other), "/api/patrols/visits", {"key_person_id": kp.pk}).status_code == 404
    r = post(client_for(people.community_staff), "/api/patrols/visits", {"house_id": house.pk})
    assert (r.status_code, r.json()["code"]) == (403, "patrol.not_your_grid")
    assert post(client_for(people.grid_worker), "/api/patrols/visits", {}).json()["code"] == "visit.subject_required"
    assert (Visit.objects.count(), AuditEntry.objects.count()) == before


def test_a_problem_found_becomes_an_event_prefilled_with_place_and_person(tree, people, loop, client_for, home):
    house, kp = home
    c = client_for(people.grid_worker)
    v = post(c, "/api/patrols/visits", {"key_person_id": kp.pk, "findings": "家中燃气管老化漏气", "needs": "更换燃气管",
                                        "lon": 106.06, "lat": 29.2}).json()
    r = post(c, f"/api/patrols/visits/{v['id']}/event", {"category": "LS01"})
    assert r.status_code == 201, r.content
    event = Event.objects.get(number=r.json()["number"])
    assert (event.channel, event.source, event.grid_id, event.title) == ("patrol", "proactive", tree.g1.pk,
                                                                         "家中燃气管老化漏气")
    assert event.address == "学府路12号3栋2单元501"
    assert f"走访记录 #{v['id']}" in event.description and "王大爷" in event.description
    assert "更换燃气管" in event.description
    assert Visit.objects.get(pk=v["id"]).event_id == event.pk
    assert event.idempotency_key == f"visit-{v['id']}"
    # again (a second tap, the outbox retrying): the same event
    r = post(c, f"/api/patrols/visits/{v['id']}/event", {"category": "LS01"})
    assert (r.status_code, r.json()["number"]) == (200, event.number)
    assert Event.objects.filter(idempotency_key=f"visit-{v['id']}").count() == 1
    assert c.get(f"/api/patrols/visits/{v['id']}").json()["event_number"] == event.number


def test_only_the_visits_worker_reports_it(tree, people, loop, client_for, home):
    house, _kp = home
    v = post(client_for(people.grid_worker), "/api/patrols/visits", {"house_id": house.pk, "lon": 106.06,
                                                                       "lat": 29.2}).json()
    r = post(client_for(people.community_staff), f"/api/patrols/visits/{v['id']}/event", {"category": "LS01"})
    assert r.status_code == 403
    r = post(client_for(other_grid_worker(tree)), f"/api/patrols/visits/{v['id']}/event", {"category": "LS01"})
    assert r.status_code == 404
    assert Event.objects.count() == 0


def test_a_visit_without_a_place_asks_for_one(tree, people, loop, client_for, home):
    house, _kp = home
    c = client_for(people.grid_worker)
    v = post(c, "/api/patrols/visits", {"house_id": house.pk}).json()
    r = post(c, f"/api/patrols/visits/{v['id']}/event", {"category": "LS01"})
    if house.address.lon is None:
        assert (r.status_code, r.json()["code"]) == (422, "visit.no_place")
        r = post(c, f"/api/patrols/visits/{v['id']}/event", {"category": "LS01", "lon": 106.06, "lat": 29.2})
    assert r.status_code == 201


def test_second_resident_id(tree):
    assert ID_LI  # the helper module's fixed numbers import cleanly
