"""Patrols through the API: start, track batches (idempotent, validated whole, flagged outside the
grid), check-ins inside and outside the grid, end, and who may do what."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from django.utils import timezone

from jiewang.audit.models import AuditEntry
from jiewang.patrols.models import CheckIn, Patrol, TrackBatch, TrackPoint
from jiewang.patrols.services.track import MAX_BATCH
from jiewang.patrols.testing import INSIDE, NEAR_EDGE, OUTSIDE, batch, other_grid_worker, point, start

pytestmark = pytest.mark.django_db


def post(client, url, body):
    return client.post(url, data=json.dumps(body), content_type="application/json")


def _started(people, tree, minutes_ago=30):
    p = start(people.grid_worker, tree.g1)
    p.started_at = timezone.now() - dt.timedelta(minutes=minutes_ago)
    p.save(update_fields=["started_at"])
    return p


def test_start_and_end_through_the_api(tree, people, client_for):
    c = client_for(people.grid_worker)
    r = post(c, "/api/patrols", {"grid_id": tree.g1.id, "client_id": "p-1"})
    assert r.status_code == 201, r.content
    pid = r.json()["id"]
    assert (r.json()["status"], r.json()["grid_id"]) == ("ongoing", tree.g1.id)
    # the same client id again: the same patrol; another start while one is under way: 409
    assert post(c, "/api/patrols", {"grid_id": tree.g1.id, "client_id": "p-1"}).status_code == 200
    r = post(c, "/api/patrols", {"grid_id": tree.g1.id, "client_id": "p-2"})
    assert (r.status_code, r.json()["code"], r.json()["fields"]) == (409, "patrol.already_ongoing", {"patrol_id": pid})
    r = post(c, f"/api/patrols/{pid}/end", {})
    assert r.status_code == 200 and r.json()["status"] == "ended" and r.json()["ended_at"]
    ended_at = Patrol.objects.get(pk=pid).ended_at
    assert post(c, f"/api/patrols/{pid}/end", {}).status_code == 200  # again: unchanged
    assert Patrol.objects.get(pk=pid).ended_at == ended_at
    assert list(AuditEntry.objects.filter(object_type="patrols.patrol").values_list("action", flat=True)
                .order_by("id")) == ["patrol.start", "patrol.end"]


def test_a_batch_is_stored_with_points_outside_flagged(tree, people, client_for):
    p = _started(people, tree)
    body = batch(point(INSIDE, 30), point(NEAR_EDGE, 20), point(OUTSIDE, 10))
    r = post(client_for(people.grid_worker), f"/api/patrols/{p.pk}/points", body)
    assert r.status_code == 201, r.content
    assert r.json() == {"batch_id": body["batch_id"], "stored": 3, "outside": 1, "duplicate": False}
    assert list(TrackPoint.objects.filter(patrol=p).order_by("recorded_at").values_list("outside", flat=True)) \
        == [False, False, True]
    p.refresh_from_db()
    assert (p.point_count, p.outside_count) == (3, 1)
    # INSIDE → NEAR_EDGE → OUTSIDE along lat 29.2: 0.07° of longitude ≈ 6.8 km
    assert p.distance_m == pytest.approx(0.07 * 111_320 * 0.87255, rel=0.01)
    assert p.last_lon == OUTSIDE[0]


def test_a_batch_sent_twice_is_stored_once(tree, people, client_for):
    p = _started(people, tree)
    body = batch(point(INSIDE, 30), point(INSIDE, 20))
    c = client_for(people.grid_worker)
    assert post(c, f"/api/patrols/{p.pk}/points", body).status_code == 201
    r = post(c, f"/api/patrols/{p.pk}/points", body)
    assert r.status_code == 200 and r.json()["duplicate"] is True and r.json()["stored"] == 2
    assert TrackPoint.objects.filter(patrol=p).count() == 2
    assert TrackBatch.objects.filter(patrol=p).count() == 1
    p.refresh_from_db()
    assert p.point_count == 2


@pytest.mark.parametrize("bad, code", [
    ({"t": 0, "lon": 106.06, "lat": 29.2}, "validation_failed"),  # before 2000
    ({"t": None, "lon": 106.06, "lat": 29.2}, "validation_failed"),
    ({"lon": 106.06, "lat": 29.2}, "validation_failed"),
    ("future", "patrol.point_time_out_of_range"),
    ("before_start", "patrol.point_time_out_of_range"),
    ({"lat_95": True}, "validation_failed"),
    ({"acc": -1}, "validation_failed"),
])
def test_bad_points_are_refused_with_nothing_stored(tree, people, client_for, bad, code):
    p = _started(people, tree)
    good = point(INSIDE, 5)
    if bad == "future":
        bad = point(INSIDE, -3600)
    elif bad == "before_start":
        bad = point(INSIDE, 2 * 3600)
    elif "lat_95" in bad:
        bad = {**good, "lat": 95.0}
    elif "acc" in bad and "t" not in bad:
        bad = {**good, "acc": -1}
    before = (TrackPoint.objects.count(), TrackBatch.objects.count())
    r = post(client_for(people.grid_worker), f"/api/patrols/{p.pk}/points", batch(good, bad))
    assert (r.status_code, r.json()["code"]) == (422, code), r.content
    assert (TrackPoint.objects.count(), TrackBatch.objects.count()) == before
    p.refresh_from_db()
    assert p.point_count == 0


def test_a_batch_too_large_or_empty_is_refused(tree, people, client_for):
    p = _started(people, tree)
    c = client_for(people.grid_worker)
    r = post(c, f"/api/patrols/{p.pk}/points", batch(*[point(INSIDE, 5)] * (MAX_BATCH + 1)))
    assert (r.status_code, r.json()["code"]) == (413, "patrol.batch_too_large")
    r = post(c, f"/api/patrols/{p.pk}/points", batch())
    assert (r.status_code, r.json()["code"]) == (422, "patrol.batch_empty")
    assert TrackPoint.objects.count() == 0


def test_points_of_an_ended_patrol_recorded_before_its_end_are_kept(tree, people, client_for):
    p = _started(people, tree)
    c = client_for(people.grid_worker)
    assert post(c, f"/api/patrols/{p.pk}/end", {}).status_code == 200
    assert post(c, f"/api/patrols/{p.pk}/points", batch(point(INSIDE, 60))).status_code == 201
    r = post(c, f"/api/patrols/{p.pk}/points", batch(point(INSIDE, -600)))
    assert r.json()["code"] == "patrol.point_time_out_of_range"


def _jpeg() -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(buf, "JPEG")
    return buf.getvalue()


def test_checkin_outside_the_grid_is_flagged_and_inside_not(tree, people, client_for):
    from django.core.files.uploadedfile import SimpleUploadedFile

    p = _started(people, tree)
    c = client_for(people.grid_worker)
    now = timezone.now().isoformat()
    r = c.post(f"/api/patrols/{p.pk}/checkins", {"client_id": "c1", "at": now, "lon": INSIDE[0], "lat": INSIDE[1],
                                                  "note": "3栋门口", "photo": SimpleUploadedFile("a.jpg", _jpeg())})
    assert r.status_code == 201, r.content
    assert (r.json()["outside"], r.json()["outside_m"]) == (False, None) and r.json()["photo_url"]
    r = c.post(f"/api/patrols/{p.pk}/checkins", {"client_id": "c2", "at": now, "lon": NEAR_EDGE[0],
                                                  "lat": NEAR_EDGE[1]})
    assert r.json()["outside"] is False  # 19 m out: within the 30 m tolerance
    r = c.post(f"/api/patrols/{p.pk}/checkins", {"client_id": "c3", "at": now, "lon": OUTSIDE[0], "lat": OUTSIDE[1]})
    assert r.status_code == 201 and r.json()["outside"] is True
    assert r.json()["outside_m"] == pytest.approx(0.005 * 111_320 * 0.87255, rel=0.01)  # ≈ 486 m
    # the same check-in again (the outbox retrying): the first answer, nothing new
    r = c.post(f"/api/patrols/{p.pk}/checkins", {"client_id": "c3", "at": now, "lon": INSIDE[0], "lat": INSIDE[1]})
    assert r.status_code == 200 and r.json()["outside"] is True
    assert list(CheckIn.objects.filter(patrol=p).order_by("id").values_list("client_id", "outside")) == [
        ("c1", False), ("c2", False), ("c3", True)]


def test_tolerance_is_configurable(tree, people, client_for, settings):
    from jiewang.patrols.services import geofence

    settings.PATROL_OUTSIDE_TOLERANCE_M = 5
    geofence.forget()
    p = _started(people, tree)
    r = post(client_for(people.grid_worker), f"/api/patrols/{p.pk}/points", batch(point(NEAR_EDGE)))
    assert r.json()["outside"] == 1


def test_a_bad_photo_keeps_no_checkin(tree, people, client_for):
    from django.core.files.uploadedfile import SimpleUploadedFile

    p = _started(people, tree)
    r = client_for(people.grid_worker).post(f"/api/patrols/{p.pk}/checkins", {
        "client_id": "c1", "at": timezone.now().isoformat(), "lon": INSIDE[0], "lat": INSIDE[1],
        "photo": SimpleUploadedFile("a.jpg", b"not an image")})
    assert r.status_code == 422
    assert CheckIn.objects.count() == 0


def test_another_grids_worker_is_refused(tree, people, client_for):
    other = other_grid_worker(tree)
    p = _started(people, tree)
    c = client_for(other)
    before = (TrackPoint.objects.count(), CheckIn.objects.count(), AuditEntry.objects.count())
    r = post(c, f"/api/patrols/{p.pk}/points", batch(point(INSIDE)))
    assert r.status_code == 404
    r = c.post(f"/api/patrols/{p.pk}/checkins", {"client_id": "x", "at": timezone.now().isoformat(),
                                                  "lon": INSIDE[0], "lat": INSIDE[1]})
    assert r.status_code == 404
    assert post(c, f"/api/patrols/{p.pk}/end", {}).status_code == 404
    r = post(c, "/api/patrols", {"grid_id": tree.g1.id})
    assert (r.status_code, r.json()["code"]) == (404, "area.not_found")  # another community's grid
    r = post(client_for(people.community_staff), "/api/patrols", {"grid_id": tree.g1.id})
    assert (r.status_code, r.json()["code"]) == (403, "patrol.not_your_grid")  # sees the grid, works none
    # community staff read the patrol but may not write its track
    r = post(client_for(people.community_staff), f"/api/patrols/{p.pk}/points", batch(point(INSIDE)))
    assert (r.status_code, r.json()["code"]) == (403, "permission_denied")
    assert client_for(people.community_staff).get(f"/api/patrols/{p.pk}").status_code == 200
    assert client_for(people.other_community_staff).get(f"/api/patrols/{p.pk}").status_code == 404
    assert (TrackPoint.objects.count(), CheckIn.objects.count(), AuditEntry.objects.count()) == before
    assert Patrol.objects.get(pk=p.pk).status == "ongoing"


def test_track_read_back(tree, people, client_for):
    p = _started(people, tree)
    c = client_for(people.grid_worker)
    post(c, f"/api/patrols/{p.pk}/points", batch(point(INSIDE, 20), point(OUTSIDE, 10)))
    r = c.get(f"/api/patrols/{p.pk}/track")
    assert [row[1:] for row in r.json()["points"]] == [[INSIDE[0], INSIDE[1], False], [OUTSIDE[0], OUTSIDE[1], True]]


def test_rules_kept_by_community_staff_not_by_workers(tree, people, client_for):
    body = {"grid_id": tree.g1.id, "kind": "patrol", "every": 1, "unit": "working_day"}
    r = post(client_for(people.grid_worker), "/api/patrols/rules", body)
    assert r.status_code == 403
    r = post(client_for(people.community_staff), "/api/patrols/rules", body)
    assert r.status_code == 201, r.content
    rid = r.json()["id"]
    assert post(client_for(people.community_staff), "/api/patrols/rules", body).json()["code"] == "patrol.rule_exists"
    c = client_for(people.town_leader)
    r = c.put(f"/api/patrols/rules/{rid}", data=json.dumps({"expected_version": 1, "every": 2}),
              content_type="application/json")
    assert r.status_code == 200 and r.json()["every"] == 2
    r = c.put(f"/api/patrols/rules/{rid}", data=json.dumps({"expected_version": 1, "every": 3}),
              content_type="application/json")
    assert r.json()["code"] == "patrol.rule_stale"
    assert client_for(people.grid_worker).get("/api/patrols/rules").json()[0]["every"] == 2
    assert client_for(people.other_community_staff).get("/api/patrols/rules").json() == []


def test_points_written_by_executemany_equal_what_the_orm_writes(tree, people):
    """The narrow fast path of track ingestion (services.track._insert_points) against bulk_create."""
    import numpy as np

    from jiewang.patrols.services.track import _insert_points

    p = _started(people, tree)
    b = TrackBatch.objects.create(patrol=p, client_id="x")
    ms = int(timezone.now().timestamp() * 1000) - 1234
    _insert_points(p.pk, b.pk, np.array([ms, ms + 1]), np.array([106.06, 106.13]), np.array([29.2, 29.3]),
                   np.array([5.5, np.nan]), np.array([False, True]))
    TrackPoint.objects.bulk_create([
        TrackPoint(patrol=p, batch=b, recorded_at=dt.datetime.fromtimestamp(ms / 1000, dt.UTC), lon=106.06, lat=29.2,
                   accuracy_m=5.5, outside=False),
        TrackPoint(patrol=p, batch=b, recorded_at=dt.datetime.fromtimestamp((ms + 1) / 1000, dt.UTC), lon=106.13,
                   lat=29.3, accuracy_m=None, outside=True)])
    rows = list(TrackPoint.objects.filter(patrol=p).order_by("id").values(
        "recorded_at", "lon", "lat", "accuracy_m", "outside", "batch_id"))
    assert rows[:2] == rows[2:]
    assert rows[0]["recorded_at"] == dt.datetime.fromtimestamp(ms / 1000, dt.UTC)


def test_a_start_queued_without_signal_keeps_the_phones_time_and_is_stored_once(tree, people, client_for):
    """The outbox sends a start made offline later, perhaps twice (an answer lost): one patrol,
    started when the worker tapped; its replay after the patrol ended is the same patrol."""
    c = client_for(people.grid_worker)
    tapped = (timezone.now() - dt.timedelta(minutes=40)).replace(microsecond=0)
    body = {"grid_id": tree.g1.id, "client_id": "offline-1", "started_at": tapped.isoformat()}
    r = post(c, "/api/patrols", body)
    assert r.status_code == 201, r.content
    p = Patrol.objects.get(pk=r.json()["id"])
    assert (p.started_at, p.day, p.client_id) == (tapped, timezone.localdate(tapped), "offline-1")
    # a point recorded just after the tap, sent with the start: inside the patrol's time
    assert post(c, f"/api/patrols/{p.pk}/points", batch(point(INSIDE, 39 * 60))).status_code == 201
    assert post(c, f"/api/patrols/{p.pk}/end", {}).status_code == 200
    r = post(c, "/api/patrols", body)  # the same start again, after the end
    assert (r.status_code, r.json()["id"], r.json()["status"]) == (200, p.pk, "ended")
    assert Patrol.objects.filter(worker=people.grid_worker).count() == 1
    audits = AuditEntry.objects.count()
    long_ago = {**body, "client_id": "offline-2", "started_at": (timezone.now() - dt.timedelta(days=8)).isoformat()}
    r = post(c, "/api/patrols", long_ago)
    assert (r.status_code, r.json()["code"]) == (422, "patrol.bad_time")
    assert Patrol.objects.filter(worker=people.grid_worker).count() == 1 and AuditEntry.objects.count() == audits
