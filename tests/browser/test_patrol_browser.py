"""The grid worker's patrol in a real phone browser: started from the start screen, the GPS track
recorded without signal (Playwright's offline mode and emulated positions) kept in the outbox and
stored exactly once when the connection returns; a check-in made offline arrives too; the patrol
ends."""

from __future__ import annotations

import time

from .conftest import axe_check, login, no_horizontal_scroll

PHONE_390 = {"width": 390, "height": 844}
WALK = [(106.050, 29.200), (106.051, 29.2005), (106.052, 29.201), (106.053, 29.2015), (106.054, 29.202)]


def _wait(predicate, seconds=20.0):
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(0.2)
    return predicate()


def test_offline_patrol_track_arrives_once(live_server, live_tree, live_people, new_page):
    from jiewang.patrols.models import CheckIn, Patrol, TrackBatch, TrackPoint

    page = new_page(PHONE_390)
    page.context.grant_permissions(["geolocation"], origin=live_server.url)
    page.context.set_geolocation({"longitude": WALK[0][0], "latitude": WALK[0][1]})
    page.on("dialog", lambda d: d.accept())
    login(page, live_server.url, live_people.grid_worker, next_url="/grid/")
    page.goto(live_server.url + "/grid/")
    page.click("#start-patrol")  # tap 1: the patrol screen
    page.wait_for_selector("#start-form")
    axe_check(page)
    page.click("#start")  # tap 2: started
    page.wait_for_selector("#patrol-map")
    patrol = Patrol.objects.get(worker=live_people.grid_worker, status="ongoing")
    no_horizontal_scroll(page, PHONE_390["width"])
    axe_check(page)
    page.wait_for_function("JWPatrol.buffered() >= 1")  # the first fix, with signal

    page.context.set_offline(True)
    for lon, lat in WALK[1:]:
        page.context.set_geolocation({"longitude": lon, "latitude": lat})
        time.sleep(0.4)
    page.wait_for_function(f"JWPatrol.buffered() >= {len(WALK)}")
    page.evaluate("JWPatrol.cut()")  # what the timer does every 15 s
    page.fill("#checkin-note", "3栋门口")
    page.click("#checkin")
    page.wait_for_function("document.querySelector('#checkin-status').textContent !== ''")
    queued = page.evaluate("JWQueue.list().then(items => items.map(i => ({key: i.key, url: i.url, "
                           "payload: i.payload})))")
    batches = [q for q in queued if q["url"].endswith("/points")]
    assert len(batches) == 1 and len(batches[0]["payload"]["points"]) == len(WALK)
    assert any(q["url"].endswith("/checkins") for q in queued)
    time.sleep(1)
    assert TrackPoint.objects.filter(patrol=patrol).count() == 0  # nothing reached the server
    assert CheckIn.objects.filter(patrol=patrol).count() == 0

    page.context.set_offline(False)  # the "online" event sends the outbox
    assert _wait(lambda: TrackPoint.objects.filter(patrol=patrol).count() == len(WALK)), \
        TrackPoint.objects.filter(patrol=patrol).count()
    assert _wait(lambda: CheckIn.objects.filter(patrol=patrol).count() == 1)
    page.wait_for_function("JWQueue.list().then(items => items.length === 0)")
    stored = sorted(TrackPoint.objects.filter(patrol=patrol).values_list("lon", "lat"))
    assert stored == sorted(WALK)
    assert not TrackPoint.objects.filter(patrol=patrol, outside=True).exists()

    # the same batch sent again (an answer lost without signal): stored once
    b = batches[0]
    page.evaluate("(b) => JWQueue.addPost(b.key, b.url, b.payload, 'again').then(() => JWQueue.flush())", b)
    page.wait_for_function("JWQueue.list().then(items => items.length === 0)")
    assert TrackPoint.objects.filter(patrol=patrol).count() == len(WALK)
    assert TrackBatch.objects.filter(patrol=patrol, client_id=b["payload"]["batch_id"]).count() == 1

    page.click("#end-patrol")
    page.wait_for_url(live_server.url + "/grid/")
    assert _wait(lambda: Patrol.objects.get(pk=patrol.pk).status == "ended")
    patrol.refresh_from_db()
    assert patrol.point_count == TrackPoint.objects.filter(patrol=patrol).count()
