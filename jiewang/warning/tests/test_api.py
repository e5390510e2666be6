"""The API: the device ingestion (keys, batch validation, nothing stored on refusal), the rules
(who may keep them, validation, stale edits) and the alerts (scope, the lifecycle, conversion into
exactly one event or into supervision tasks); plus the four-case matrix of every route
(``WARNING_ROUTES`` counted by ``tests/test_permission_matrix.py``)."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.utils import timezone

from jiewang.audit.models import AuditEntry
from jiewang.events.models import Event, EventActivity
from jiewang.warning.models import Alert, Device, SensorReading, WarningRule
from jiewang.warning.services.devices import MAX_BATCH
from jiewang.warning.services.rules import DEFAULT_KEYWORDS
from jiewang.warning.testing import G1, device, evaluate, report, rule

pytestmark = pytest.mark.django_db


def post(client, url, body, **headers):
    return client.post(url, data=json.dumps(body), content_type="application/json", **headers)


def reading(value=1.0, kind="water_level", minutes_ago=1):
    return {"kind": kind, "value": value, "time": (timezone.now() - dt.timedelta(minutes=minutes_ago)).isoformat()}


# ---- devices ---------------------------------------------------------------------------------

def test_device_readings_stored_with_a_good_key(tree, people, client_for):
    dev, key = device(tree.g1)
    r = post(client_for(None), "/api/devices/readings", {"readings": [reading(1.2), reading(0.4, "smoke")]},
             HTTP_X_DEVICE_KEY=key)
    assert r.status_code == 201, r.content
    assert r.json() == {"stored": 2}
    assert sorted(SensorReading.objects.values_list("kind", "value")) == [("smoke", 0.4), ("water_level", 1.2)]
    assert Device.objects.get(pk=dev.pk).last_seen_at is not None
    assert Device.objects.get(pk=dev.pk).key_hash != key and key not in str(Device.objects.values())


@pytest.mark.parametrize("headers,status,code", [
    ({}, 401, "device.key_missing"),
    ({"HTTP_X_DEVICE_KEY": "dev_wrong"}, 401, "device.key_invalid"),
])
def test_device_wrong_key(tree, people, client_for, headers, status, code):
    device(tree.g1)
    r = post(client_for(None), "/api/devices/readings", {"readings": [reading()]}, **headers)
    assert (r.status_code, r.json()["code"]) == (status, code)
    assert SensorReading.objects.count() == 0


def test_device_deactivated_is_forbidden(tree, people, client_for):
    from jiewang.warning.services.devices import device_set_active

    dev, key = device(tree.g1)
    device_set_active(actor=people.district_admin, device=dev, active=False)
    r = post(client_for(None), "/api/devices/readings", {"readings": [reading()]}, HTTP_X_DEVICE_KEY=key)
    assert (r.status_code, r.json()["code"]) == (403, "device.inactive")
    assert SensorReading.objects.count() == 0


@pytest.mark.parametrize("bad,status,code,field", [
    ({"kind": "radiation", "value": 1, "time": None}, 422, "device.reading_invalid", "readings.1.kind"),
    ({"kind": "gas", "value": float("nan"), "time": None}, 422, "device.reading_invalid", "readings.1.value"),
    ({"kind": "gas", "value": 1e12, "time": None}, 422, "device.reading_invalid", "readings.1.value"),
    ({"kind": "gas", "value": 1, "time": "2020-01-01T00:00:00+08:00"}, 422, "device.reading_time_out_of_range",
     "readings.1.time"),
    ({"kind": "gas", "value": 1, "time": "2999-01-01T00:00:00+08:00"}, 422, "device.reading_time_out_of_range",
     "readings.1.time"),
    ({"kind": "gas", "value": 1, "time": "2026-11-30T10:00:00"}, 422, "device.reading_invalid", "readings.1.time"),
])
def test_device_bad_batch_stores_nothing(tree, people, client_for, bad, status, code, field):
    _, key = device(tree.g1)
    bad = {**bad, "time": bad["time"] or timezone.now().isoformat()}
    r = post(client_for(None), "/api/devices/readings", {"readings": [reading(), bad, reading()]},
             HTTP_X_DEVICE_KEY=key)
    assert (r.status_code, r.json()["code"]) == (status, code), r.content
    assert field in r.json()["fields"]
    assert SensorReading.objects.count() == 0


def test_device_malformed_bodies(tree, people, client_for):
    _, key = device(tree.g1)
    c = client_for(None)
    for body in ({}, {"readings": "x"}, {"readings": [{"kind": "gas"}]}, {"readings": [{"kind": "gas", "value": "a",
                                                                                        "time": "yesterday"}]}):
        r = post(c, "/api/devices/readings", body, HTTP_X_DEVICE_KEY=key)
        assert r.status_code == 422 and r.json()["code"], (body, r.content)
    r = post(c, "/api/devices/readings", {"readings": []}, HTTP_X_DEVICE_KEY=key)
    assert (r.status_code, r.json()["code"]) == (422, "device.batch_empty")
    r = c.post("/api/devices/readings", data="{not json", content_type="application/json", HTTP_X_DEVICE_KEY=key)
    assert r.status_code == 400
    assert SensorReading.objects.count() == 0


def test_device_batch_too_large(tree, people, client_for):
    _, key = device(tree.g1)
    r = post(client_for(None), "/api/devices/readings", {"readings": [reading()] * (MAX_BATCH + 1)},
             HTTP_X_DEVICE_KEY=key)
    assert (r.status_code, r.json()["code"]) == (413, "device.batch_too_large")
    assert SensorReading.objects.count() == 0


# ---- rules -----------------------------------------------------------------------------------

RULE = {"kind": "cluster", "name": "占道聚集", "params": {"category": "SL01", "count": 5, "hours": 24}}


def test_rule_create_by_town_leader(tree, people, loop, client_for):
    r = post(client_for(people.town_leader), "/api/warnings/rules", {**RULE, "area_id": tree.t1.id})
    assert r.status_code == 201, r.content
    body = r.json()
    assert (body["kind"], body["params"], body["enabled"], body["version"]) == (
        "cluster", {"category": "SL01", "count": 5, "hours": 24.0}, True, 1)
    assert AuditEntry.objects.filter(action="warning_rule.create", object_id=str(body["id"])).count() == 1


@pytest.mark.parametrize("who,status", [("town_operator", 403), ("other_district_admin", 404), ("nobody", 404),
                                        ("community_staff", 404)])
def test_rule_create_refused(tree, people, loop, client_for, who, status):
    r = post(client_for(getattr(people, who)), "/api/warnings/rules", {**RULE, "area_id": tree.t1.id})
    assert r.status_code == status, r.content
    assert WarningRule.objects.count() == 0 and not AuditEntry.objects.filter(action__startswith="warning").exists()


@pytest.mark.parametrize("params,field", [
    ({"category": "SL01", "count": 1, "hours": 24}, "params.count"),
    ({"category": "NOPE", "count": 5, "hours": 24}, "params.category"),
    ({"count": 5, "hours": 24}, "params.category"),
    ({"category": "SL01", "count": 5, "hours": 24, "x": 1}, "params.x"),
    ({"category": "SL01", "count": 5.5, "hours": 24}, "params.count"),
    ({"category": "SL01", "count": True, "hours": 24}, "params.count"),
])
def test_rule_bad_params(tree, people, loop, client_for, params, field):
    r = post(client_for(people.district_admin), "/api/warnings/rules", {**RULE, "params": params,
                                                                         "area_id": tree.t1.id})
    assert (r.status_code, r.json()["code"]) == (422, "warning.bad_params")
    assert field in r.json()["fields"]
    assert WarningRule.objects.count() == 0


def test_rule_update_and_stale(tree, people, loop, client_for):
    rl = rule(tree.t1, "keyword", {"words": ["讨薪"]})
    c = client_for(people.district_admin)
    r = c.put(f"/api/warnings/rules/{rl.pk}", data=json.dumps({"expected_version": 1, "params": {
        "words": ["讨薪", "欠薪"]}, "enabled": False}), content_type="application/json")
    assert r.status_code == 200, r.content
    assert (r.json()["params"], r.json()["enabled"], r.json()["version"]) == ({"words": ["讨薪", "欠薪"]}, False, 2)
    r = c.put(f"/api/warnings/rules/{rl.pk}", data=json.dumps({"expected_version": 1, "enabled": True}),
              content_type="application/json")
    assert (r.status_code, r.json()["code"]) == (409, "warning.rule_stale")
    assert WarningRule.objects.get(pk=rl.pk).enabled is False
    r = client_for(people.town_operator).put(f"/api/warnings/rules/{rl.pk}", data=json.dumps(
        {"expected_version": 2, "enabled": True}), content_type="application/json")
    assert r.status_code == 403
    r = client_for(people.other_district_admin).get(f"/api/warnings/rules/{rl.pk}")
    assert r.status_code == 404


# ---- alerts ----------------------------------------------------------------------------------

@pytest.fixture
def keyword_alert(tree, people, loop):
    rule(tree.t1, "keyword", {"words": DEFAULT_KEYWORDS})
    report(title="农民工讨薪", at=G1)
    (alert,) = evaluate()
    return alert


def test_alert_list_scoped(tree, people, keyword_alert, client_for):
    ids = [a["id"] for a in client_for(people.town_operator).get("/api/warnings/alerts").json()]
    assert ids == [keyword_alert.pk]
    assert client_for(people.other_district_admin).get("/api/warnings/alerts").json() == []
    assert client_for(people.other_district_admin).get(f"/api/warnings/alerts/{keyword_alert.pk}").status_code == 404
    r = post(client_for(people.other_district_admin), f"/api/warnings/alerts/{keyword_alert.pk}/acknowledge", {})
    assert r.status_code == 404
    assert Alert.objects.get(pk=keyword_alert.pk).state == "open"


def test_alert_acknowledge_then_dismiss(tree, people, keyword_alert, client_for):
    c = client_for(people.town_operator)
    url = f"/api/warnings/alerts/{keyword_alert.pk}"
    r = post(c, url + "/acknowledge", {"note": "已电话核实"})
    assert (r.status_code, r.json()["state"]) == (200, "acknowledged")
    r = post(c, url + "/acknowledge", {})
    assert (r.status_code, r.json()["code"]) == (409, "alert.transition_not_allowed")
    r = post(c, url + "/dismiss", {"note": ""})
    assert (r.status_code, r.json()["code"]) == (422, "alert.reason_required")
    r = post(c, url + "/dismiss", {"note": "已协调解决，不需立案"})
    assert (r.status_code, r.json()["state"]) == (200, "dismissed")
    r = post(c, url + "/convert", {"to": "event"})
    assert (r.status_code, r.json()["code"]) == (409, "alert.transition_not_allowed")
    assert [a.action for a in AuditEntry.objects.filter(action__startswith="alert.").order_by("id")] == [
        "alert.raise", "alert.acknowledge", "alert.dismiss"]


def test_convert_sensor_alert_creates_exactly_one_event(tree, people, loop, client_for):
    from jiewang.warning.services.devices import readings_ingest

    rule(tree.t1, "sensor", {"reading": "water_level", "threshold": 3.0, "category": "LS01"})
    dev, _ = device(tree.g1)
    readings_ingest(device=dev, readings=[{"kind": "water_level", "value": 4.2, "time": timezone.now()}])
    (alert,) = evaluate()
    before = Event.objects.count()
    c = client_for(people.town_operator)
    r = post(c, f"/api/warnings/alerts/{alert.pk}/convert", {"to": "event", "note": "派人查看"})
    assert r.status_code == 200, r.content
    assert Event.objects.count() == before + 1
    event = Event.objects.order_by("-id").first()
    assert r.json()["converted_event"] == event.number and r.json()["state"] == "converted"
    assert (event.channel, event.category.code, event.grid_id, event.urgency, event.source) == (
        "sensor", "LS01", tree.g1.id, "urgent", "proactive")
    r = post(c, f"/api/warnings/alerts/{alert.pk}/convert", {"to": "event"})
    assert (r.status_code, r.json()["code"]) == (409, "alert.transition_not_allowed")
    assert Event.objects.count() == before + 1
    # the new event is itself evaluated by the engine, and raises nothing about the reading again
    assert evaluate() == []


def test_convert_cluster_alert_to_supervision(tree, people, loop, client_for):
    rule(tree.t1, "cluster", {"category": "LS01", "count": 2, "hours": 2})
    e1, e2 = report(hours_ago=1), report(hours_ago=0.5)
    (alert,) = evaluate()
    events_before = Event.objects.count()
    r = post(client_for(people.town_operator), f"/api/warnings/alerts/{alert.pk}/convert", {"to": "supervision"})
    assert r.status_code == 200, r.content
    assert r.json()["detail"]["converted"] == {"to": "supervision", "supervised": [e1.number, e2.number]}
    assert sorted(EventActivity.objects.filter(action="remind").values_list("event_id", flat=True)) == [e1.pk, e2.pk]
    assert Event.objects.count() == events_before


def test_trend_alert_cannot_become_an_event(tree, people, loop, client_for):
    r = rule(tree.t1, "trend", {"points": 10})
    alert = Alert.objects.create(rule=r, kind="trend", area=tree.t1, area_path=tree.t1.path, window_key="k",
                                 title="超期率上升", observed_at=timezone.now(), department=loop.cgj)
    resp = post(client_for(people.town_leader), f"/api/warnings/alerts/{alert.pk}/convert", {"to": "event"})
    assert (resp.status_code, resp.json()["code"]) == (409, "alert.not_convertible")
    resp = post(client_for(people.town_leader), f"/api/warnings/alerts/{alert.pk}/convert", {"to": "supervision"})
    assert (resp.status_code, resp.json()["code"]) == (409, "alert.nothing_to_supervise")
    assert Alert.objects.get(pk=alert.pk).state == "open"


# ---- the four-case matrix --------------------------------------------------------------------

def _world(tree, people, loop):
    from jiewang.warning.testing import warning_world

    return warning_world(tree, people, loop)


# (method, template, role in scope, body)
CASES = [
    ("GET", "/api/warnings/rules", "town_operator", None),
    ("POST", "/api/warnings/rules", "town_leader",
     lambda t, w: {**RULE, "area_id": t.t1.id}),
    ("GET", "/api/warnings/rules/{rule_id}", "town_operator", None),
    ("PUT", "/api/warnings/rules/{rule_id}", "district_admin", lambda t, w: {"expected_version": 1, "enabled": False}),
    ("GET", "/api/warnings/alerts", "town_operator", None),
    ("GET", "/api/warnings/alerts/{alert_id}", "town_operator", None),
    ("POST", "/api/warnings/alerts/{alert_id}/acknowledge", "town_operator", lambda t, w: {}),
    ("POST", "/api/warnings/alerts/{alert_id}/convert", "town_leader", lambda t, w: {"to": "event"}),
    ("POST", "/api/warnings/alerts/{alert_id}/dismiss", "town_operator", lambda t, w: {"note": "误报"}),
    ("GET", "/api/warnings/devices", "town_operator", None),
    ("POST", "/api/warnings/devices", "district_admin",
     lambda t, w: {"area_id": t.g1.id, "name": "烟感", "lon": 106.06, "lat": 29.2}),
    ("PUT", "/api/warnings/devices/{device_id}", "town_leader", lambda t, w: {"active": False}),
]
WARNING_ROUTES = {(m, t) for m, t, _, _ in CASES} | {("POST", "/api/devices/readings")}


def _call(client, case, tree, world):
    method, template, _, body = case
    url = template.format(**world)
    if body is None:
        return client.get(url)
    return getattr(client, method.lower())(url, data=json.dumps(body(tree, world)), content_type="application/json")


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c[0]} {c[1]}")
def test_matrix(case, tree, people, loop, client_for):
    world = _world(tree, people, loop)
    rows = lambda: (list(WarningRule.objects.values()), list(Alert.objects.values()),  # noqa: E731
                    list(Device.objects.values()), Event.objects.count(), AuditEntry.objects.count())
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
    if case[0] != "GET":
        assert AuditEntry.objects.count() > before[-1]
