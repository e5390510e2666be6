"""The grid worker's phone app in a real browser: the three-screen report, offline capture through
the IndexedDB outbox (sent once when the connection returns, even when sent twice), the service
worker, axe-core and a 360 px wide screen."""

import uuid


from .conftest import PHONE, axe_check, login, no_horizontal_scroll

IN_G1 = {"latitude": 29.2, "longitude": 106.05}


def _png() -> bytes:
    from jiewang.events.testing import png_bytes

    return png_bytes((30, 120, 200))


def _phone_page(new_page, live_server):
    page = new_page(PHONE)
    page.context.grant_permissions(["geolocation"], origin=live_server.url)
    page.context.set_geolocation(IN_G1)
    return page


def _pick_category(page, code):
    """A quick pick when the worker has used the category, else from its board (folded)."""
    quick = page.locator(f'#cat-quick button.cat[data-code="{code}"]')
    if quick.count():
        quick.click()
        return
    page.click(f'#cat-all details:has(button.cat[data-code="{code}"]) > summary')
    page.click(f'#cat-all button.cat[data-code="{code}"]')


def _fill_report(page, title):
    _pick_category(page, "LS01")
    page.wait_for_selector('[data-screen="2"]:not([hidden])')
    page.set_input_files("#photo", files=[{"name": "scene.png", "mimeType": "image/png", "buffer": _png()}])
    page.fill("#title", title)
    page.fill("#description", "楼道口堆放杂物")
    page.click("#to-location")
    page.wait_for_selector('[data-screen="3"]:not([hidden])')
    page.wait_for_function("document.querySelector('#lon').value !== ''")


def test_offline_report_is_queued_then_sent_exactly_once(live_server, live_tree, live_people, live_loop, new_page):
    from jiewang.events.models import Event, EventPhoto

    page = _phone_page(new_page, live_server)
    login(page, live_server.url, live_people.grid_worker, next_url="/grid/report/")
    page.goto(live_server.url + "/grid/report/")
    # the service worker installs with the site as its scope
    scope = page.evaluate("navigator.serviceWorker.ready.then(r => r.scope)")
    assert scope == live_server.url + "/"
    axe_check(page)
    no_horizontal_scroll(page, PHONE["width"])

    title = f"离线上报 {uuid.uuid4().hex[:8]}"
    _fill_report(page, title)
    # online, the place is confirmed by name (POST /api/areas/locate)
    page.wait_for_function("document.querySelector('#where').textContent.includes('甲社区第1网格')")
    axe_check(page)

    page.context.set_offline(True)
    page.click("#submit-report")
    page.wait_for_selector("#done:not([hidden])")
    assert "本机" in page.inner_text("#done-text")
    page.wait_for_function("document.querySelector('#queue-badge').textContent.trim() === '1 待发送'")
    assert not page.locator("#queue-badge").is_hidden()
    assert Event.objects.filter(title=title).count() == 0
    queued = page.evaluate("JWQueue.list().then(items => items.map(i => ({key: i.key, payload: i.payload})))")
    assert len(queued) == 1 and queued[0]["payload"]["channel"] == "patrol"
    key = queued[0]["key"]

    page.context.set_offline(False)  # the "online" event (or Background Sync) sends the outbox
    page.wait_for_selector("#queue-badge", state="hidden")
    assert Event.objects.filter(title=title).count() == 1
    event = Event.objects.get(title=title)
    assert (event.channel, event.source, event.grid_id, event.idempotency_key) == (
        "patrol", "proactive", live_tree.g1.id, key)
    assert EventPhoto.objects.filter(event=event, kind="report").count() == 1

    # a retry of the same report (same key) — queued and flushed again — is still one event
    again = page.evaluate("""([key, payload]) => JWQueue.add(key, payload, null)
                               .then(() => JWQueue.flush()).then(r => r)""", [key, queued[0]["payload"]])
    assert [s["number"] for s in again["sent"]] == [event.number] and again["sent"][0]["created"] is False
    again = page.evaluate("""([key, payload]) => Promise.all([JWQueue.add(key, payload, null).then(() => JWQueue.flush()),
                                                               JWQueue.flush()])""", [key, queued[0]["payload"]])
    assert Event.objects.filter(title=title).count() == 1
    assert EventPhoto.objects.filter(event=event).count() == 1


def test_online_report_and_offline_shell(live_server, live_tree, live_people, live_loop, new_page):
    from jiewang.events.models import Event

    page = _phone_page(new_page, live_server)
    login(page, live_server.url, live_people.grid_worker, next_url="/grid/")
    page.goto(live_server.url + "/grid/")
    axe_check(page)
    no_horizontal_scroll(page, PHONE["width"])
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    page.click("#start-report")
    page.wait_for_selector("#report-form")
    title = f"在线上报 {uuid.uuid4().hex[:8]}"
    # search narrows the category buttons
    page.fill("#cat-search", "垃圾")
    assert page.locator("button.cat:visible").count() >= 1
    page.fill("#cat-search", "")
    _fill_report(page, title)
    page.click("#submit-report")
    page.wait_for_selector("#sent-number")
    number = page.inner_text("#sent-number")
    assert Event.objects.get(title=title).number == number
    assert page.locator("#queue-badge").is_hidden()
    axe_check(page)

    # the report page is kept by the service worker: it opens without signal
    page.reload()  # now controlled by the worker
    page.wait_for_function("navigator.serviceWorker.controller !== null")
    page.context.set_offline(True)
    page.goto(live_server.url + "/grid/report/")
    assert page.locator("#report-form").count() == 1
    page.goto(live_server.url + "/admin/")  # not kept: the offline page
    assert page.locator("a[href='/grid/report/']").count() >= 1
    page.context.set_offline(False)


def test_grid_worker_escalates_from_the_phone(live_server, live_tree, live_people, live_loop, new_page):
    from jiewang.events.models import Event
    from jiewang.events.testing import make_event

    event = make_event(live_tree, live_people, live_loop, "reported")
    page = new_page(PHONE)
    login(page, live_server.url, live_people.grid_worker, next_url="/grid/")
    page.goto(live_server.url + "/grid/")
    task = page.locator(f"#task-handle-{event.number}")
    task.locator("summary").click()
    task.locator("textarea").fill("需社区协调")
    with page.expect_navigation():
        task.locator("button[type=submit]").click()
    assert Event.objects.get(pk=event.pk).level == "community"
    axe_check(page)
