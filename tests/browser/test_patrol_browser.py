"""The grid worker's patrol in a real phone browser: started from the start screen, the GPS track
recorded without signal (Playwright's offline mode and emulated positions) kept in the outbox and
stored exactly once when the connection returns; a check-in made offline arrives too; the patrol
ends."""

from __future__ import annotations

import re
import time

from .conftest import axe_check, login, no_horizontal_scroll

PHONE_390 = {"width": 390, "height": 844}
WALK = [(106.050, 29.200), (106.051, 29.2005), (106.052, 29.201), (106.053, 29.2015), (106.054, 29.202)]


def _read(fn, seconds=10.0):
    """``fn()``, retried while the live server's thread writes: on SQLite's shared-cache in-memory
    test database a read that meets its write fails at once with "database table is locked"
    (SQLITE_LOCKED ignores the busy timeout)."""
    from django.db import OperationalError

    end = time.monotonic() + seconds
    while True:
        try:
            return fn()
        except OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() >= end:
                raise
        time.sleep(0.1)


def _wait(predicate, seconds=20.0):
    """Poll the database until ``predicate`` holds (each read through :func:`_read`)."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if _read(predicate):
            return True
        time.sleep(0.2)
    return _read(predicate)


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
    page.click("#start")  # tap 2: started (through the outbox; with signal, sent at once)
    page.wait_for_selector("#patrol-map")
    assert _wait(lambda: Patrol.objects.filter(worker=live_people.grid_worker, status="ongoing").exists())
    patrol = _read(lambda: Patrol.objects.get(worker=live_people.grid_worker, status="ongoing"))
    page.wait_for_function(f"JWPatrol.state().patrol === {patrol.pk}")
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


PHONE_360 = {"width": 360, "height": 740}


def test_offline_started_patrol_and_visit_arrive_once(live_server, live_tree, live_people, new_page):
    """No signal from the start: the patrol is started, walked, checked in at a building and a
    visit is saved, all on the phone; when the connection returns each reaches the server once
    (and sent again, is still stored once)."""
    from jiewang.basedata.testing import house_at
    from jiewang.patrols.coverage import coverage_report
    from jiewang.patrols.models import CheckIn, Patrol, TrackPoint, Visit

    house = house_at(live_tree.g1, road="学府路", number="12号", building="3栋", room="501")
    building = house.address.building
    worker = live_people.grid_worker
    page = new_page(PHONE_360)
    page.context.grant_permissions(["geolocation"], origin=live_server.url)
    page.context.set_geolocation({"longitude": WALK[0][0], "latitude": WALK[0][1]})
    page.on("dialog", lambda d: d.accept())
    login(page, live_server.url, worker, next_url="/grid/")
    visit_page = page.context.new_page()  # the visit form, opened while there was signal
    visit_page.goto(f"{live_server.url}/grid/visits/new/?house={house.pk}")
    visit_page.wait_for_selector("#visit-form")
    page.goto(live_server.url + "/grid/patrol/")
    page.wait_for_selector("#start-form")
    page.wait_for_function("window.JWPatrol !== undefined")

    page.context.set_offline(True)  # no signal from here on
    page.click("#start")
    page.wait_for_selector("#patrol-map")
    page.wait_for_selector("#patrol-queued", state="visible")
    assert page.evaluate("JWPatrol.state().patrol") is None
    # the building list of the patrol's grid, kept for use without signal
    assert page.eval_on_selector_all("#checkin-building option", "os => os.map(o => o.textContent)")[1:] == [
        "学府路12号3栋"]
    no_horizontal_scroll(page, PHONE_360["width"])
    for lon, lat in WALK[1:]:
        page.context.set_geolocation({"longitude": lon, "latitude": lat})
        time.sleep(0.4)
    page.wait_for_function("JWPatrol.buffered() >= 2")
    page.select_option("#checkin-building", str(building.pk))
    page.fill("#checkin-note", "3栋门口")
    page.click("#checkin")
    page.wait_for_function("document.querySelector('#checkin-status').textContent !== ''")

    visit_page.fill("#findings", "楼道堆放杂物")
    visit_page.fill("#needs", "请物业清理")
    visit_page.click("#save-visit")
    visit_page.wait_for_selector("#visit-queued", state="visible")

    queued = page.evaluate("JWQueue.list().then(items => items.map(i => ({key: i.key, url: i.url, after: i.after, "
                           "ref: i.ref, payload: i.payload, form: i.form})))")
    urls = [q["url"] for q in queued]
    assert urls[0] == "/api/patrols" and queued[0]["ref"]
    assert "/api/patrols/{id}/checkins" in urls and "/api/patrols/visits" in urls
    assert all(q["after"] == queued[0]["key"] for q in queued if "{id}" in q["url"])
    time.sleep(1)
    assert not Patrol.objects.filter(worker=worker).exists()  # nothing reached the server
    assert not Visit.objects.exists()

    page.context.set_offline(False)  # the "online" event sends the outbox, in order
    assert _wait(lambda: CheckIn.objects.count() == 1 and Visit.objects.count() == 1)
    page.wait_for_function("JWQueue.list().then(items => items.length === 0)")
    patrol = Patrol.objects.get(worker=worker)
    assert patrol.status == "ongoing" and patrol.client_id == queued[0]["key"]
    page.wait_for_function(f"JWPatrol.state().patrol === {patrol.pk}")  # the screen writes to it from now on
    checkin = CheckIn.objects.get()
    assert (checkin.patrol_id, checkin.building_id, checkin.note, checkin.outside) == (
        patrol.pk, building.pk, "3栋门口", False)
    n_points = TrackPoint.objects.filter(patrol=patrol).count()
    assert n_points >= 2 and n_points == patrol.point_count
    visit = Visit.objects.get()
    assert (visit.house_id, visit.worker_id, visit.findings, visit.needs) == (house.pk, worker.pk, "楼道堆放杂物",
                                                                              "请物业清理")

    # everything sent again (answers lost without signal): stored once
    page.evaluate("""(qs) => qs.reduce((p, q) => p.then(() => JWQueue.addPost(q.key, q.url, q.payload, 'again',
                       null, q.form, q.ref ? {ref: true} : (q.after ? {after: q.after} : undefined))),
                     Promise.resolve()).then(() => JWQueue.flush())""", queued)
    page.wait_for_function("JWQueue.list().then(items => items.length === 0)")
    assert Patrol.objects.filter(worker=worker).count() == 1
    assert (CheckIn.objects.count(), Visit.objects.count()) == (1, 1)
    assert TrackPoint.objects.filter(patrol=patrol).count() == n_points
    report = coverage_report(user=live_people.admin, area=live_tree.g1)
    assert (report["area"].buildings_checked, report["area"].buildings) == (1, 1)

    page.click("#end-patrol")  # the screen now writes to the stored patrol
    page.wait_for_url(live_server.url + "/grid/")
    assert _wait(lambda: Patrol.objects.get(pk=patrol.pk).status == "ended")
    assert page.evaluate("localStorage.getItem('jw-patrol')") is None


def test_the_demo_grid_workers_day_in_three_taps_at_360(transactional_db, live_server, new_page):
    """The demo's grid worker on a 360 px phone: today's patrol and the visits due, the people and
    houses of the grid, and the tasks sent down, each within three taps of the start screen, in
    Chinese, without sideways scrolling."""
    from jiewang.demo.seeding import DEMO_PASSWORD, seed_demo

    seed_demo(scale="small", seed=1)
    page = new_page(PHONE_360)
    page.goto(live_server.url + "/login/")
    page.fill("#id_username", "grid_worker")
    page.fill("#id_password", DEMO_PASSWORD)
    with page.expect_navigation():
        page.click("form button[type=submit]")
    start = live_server.url + "/grid/"
    assert page.url == start

    def check(where):
        page.wait_for_load_state("domcontentloaded")
        no_horizontal_scroll(page, PHONE_360["width"])
        assert page.locator("html").get_attribute("lang") == "zh-hans", where

    check("start")
    assert page.locator("#h-sent").is_visible()  # tasks sent down: on the start screen (0 taps)
    assert page.locator("#today-rounds").is_visible()  # today's patrol and the visits due (0 taps)
    page.click("#continue-patrol, #start-patrol")  # 1: the patrol screen
    assert page.url == live_server.url + "/grid/patrol/"
    check("patrol")
    page.goto(start)
    page.click("#visits-due")  # 1: all the visits due
    check("visits")
    page.click("a[href*='/grid/visits/new/']")  # 2: a visit form
    page.wait_for_selector("#visit-form")
    check("visit form")
    page.fill("#findings", "家中一切正常")
    page.click("#save-visit")  # with signal: sent through the outbox, then the visit's page
    page.wait_for_url(re.compile(r".*/grid/visits/\d+/$"))
    assert page.locator("#visit").inner_text().count("家中一切正常") == 1
    check("visit")
    page.goto(start)
    page.click("nav a[href='/basedata/'], header a[href='/basedata/']")  # 1: the people of the grid
    check("residents")
    assert page.locator("a[href^='/basedata/residents/']").count() > 0
    page.click("a[href*='tab=houses']")  # 2: the houses
    check("houses")
    assert "tab=houses" in page.url


def test_items_wait_for_a_refused_start_and_go_with_it(live_server, live_tree, live_people, new_page):
    """A start the server refuses (a patrol already under way, 409) stays in the outbox marked
    with the reason; what was queued after it waits, neither sent nor refused; discarding the
    start discards them too."""
    from jiewang.patrols.models import Patrol
    from jiewang.patrols.testing import start

    worker = live_people.grid_worker
    running = start(worker, live_tree.g1)
    page = new_page(PHONE_360)
    login(page, live_server.url, worker, next_url="/grid/")
    page.goto(live_server.url + "/grid/")
    page.wait_for_function("window.JWGrid !== undefined")
    page.wait_for_load_state("networkidle")  # the page's own first flush is over
    result = page.evaluate("""(grid) => JWQueue.addPost('s-1', '/api/patrols', {grid_id: grid, client_id: 's-1'}, 'start',
                                                      null, false, {ref: true})
        .then(() => JWQueue.addPost('e-1', '/api/patrols/{id}/end', {}, 'end', null, false, {after: 's-1'}))
        .then(() => JWQueue.flush())
        .then((r) => JWQueue.list().then((items) => ({r, items: items.map((i) => [i.key, i.url, i.error])})))""",
                           live_tree.g1.pk)
    assert (result["r"]["refused"], result["r"]["waiting"], result["r"]["sent"]) == (1, 1, [])
    (k1, u1, e1), (k2, u2, e2) = result["items"]
    assert (k1, u1, k2, u2, e2) == ("s-1", "/api/patrols", "e-1", "/api/patrols/{id}/end", "")
    assert e1  # the server's reason, shown in the outbox list
    assert Patrol.objects.filter(worker=worker).count() == 1
    assert Patrol.objects.get(pk=running.pk).status == "ongoing"  # the end never went to another patrol
    assert page.evaluate("JWQueue.remove('s-1').then(() => JWQueue.list()).then((items) => items.length)") == 0
    page.wait_for_load_state("networkidle")
