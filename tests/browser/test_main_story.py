"""The main story of the closed loop, walked through the pages only, as each role would:
a resident reports with a photo, the grid worker escalates (the community passes it to the town),
the command center accepts and dispatches, the department signs for and feeds back, the grid
worker verifies on site, and the resident rates the result. And: a community's staff cannot open
another community's event by URL."""

from jiewang.events.testing import png_bytes

from .conftest import DESKTOP, PHONE, axe_check, login


def act(page, action: str, **fields) -> None:
    """Open the action ``action`` on the event page, fill its fields by name, submit."""
    form = page.locator(f'details[data-action="{action}"]').first
    if form.get_attribute("open") is None:
        form.locator("summary").click()
    for name, value in fields.items():
        field = form.locator(f'[name="{name}"]')
        tag = field.evaluate("el => el.tagName")
        if tag == "SELECT":
            field.select_option(value)
        else:
            field.fill(value)
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    assert page.locator(".msg.error").count() == 0, page.locator(".msg.error").all_inner_texts()


def status_of(page) -> str:
    return page.locator("[data-status]").first.get_attribute("data-status")


def test_main_story_through_the_pages(live_server, live_tree, live_people, live_loop, new_page):
    from jiewang.dispatching.models import Assignment
    from jiewang.events.models import Event

    base = live_server.url
    # 1. A resident, with no account, reports with a photo and a map pin.
    resident = new_page(PHONE)
    resident.context.grant_permissions(["geolocation"], origin=base)
    resident.context.set_geolocation({"latitude": 29.2, "longitude": 106.05})
    resident.goto(base + "/report/")
    resident.select_option("#category", "SL01")
    resident.fill("#title", "人行道占道经营")
    resident.fill("#description", "早市摊点占满人行道")
    resident.set_input_files("#photo", files=[{"name": "p.png", "mimeType": "image/png", "buffer": png_bytes()}])
    resident.click("#use-location")
    resident.wait_for_function("document.querySelector('#located').textContent.includes('甲社区第1网格')")
    resident.fill("#phone", "13912345678")
    resident.wait_for_timeout(3100)  # the abuse guard refuses forms filled faster than a person can
    with resident.expect_navigation():
        resident.click("#resident-form button[type=submit]")
    number = resident.inner_text("#event-number")
    track_url = resident.get_attribute("#track-link", "href")
    event_url = f"/events/{number}/"
    assert Event.objects.get(number=number).level == "grid"

    # 2. The grid worker escalates it to the community, which passes it to the town.
    worker = new_page(PHONE)
    login(worker, base, live_people.grid_worker, next_url=event_url)
    worker.goto(base + event_url)
    assert worker.locator("h1").inner_text() == "人行道占道经营"
    act(worker, "escalate", comment="涉及多户商户，需社区协调")
    staff = new_page(DESKTOP)
    login(staff, base, live_people.community_staff, next_url=event_url)
    staff.goto(base + event_url)
    act(staff, "escalate", comment="需城管执法，报镇街指挥中心")
    assert Event.objects.get(number=number).level == "town"

    # 3. The command center accepts and dispatches to the city-management bureau.
    center = new_page(DESKTOP)
    login(center, base, live_people.town_operator, next_url=event_url)
    center.goto(base + event_url)
    act(center, "accept", comment="立案")
    act(center, "dispatch", lead=f"department:{live_loop.cgj.id}", comment="请城管局主办")
    assert status_of(center) == "dispatched"
    axe_check(center)

    # 4. The department signs for it and feeds back with a photo.
    dept = new_page(DESKTOP)
    login(dept, base, live_loop.cgj_staff, next_url=event_url)
    dept.goto(base + event_url)
    act(dept, "sign")
    assert status_of(dept) == "handling"
    photo = dept.locator('details[data-action="photo"]').first
    if photo.get_attribute("open") is None:
        photo.locator("summary").click()
    photo.locator('[name="kind"]').select_option("feedback")
    photo.locator('input[type="file"]').set_input_files(
        files=[{"name": "after.png", "mimeType": "image/png", "buffer": png_bytes((30, 160, 60))}])
    with dept.expect_navigation():
        photo.locator("button[type=submit]").click()
    act(dept, "feedback", comment="已清理摊点并劝导")
    assert status_of(dept) == "feedback"

    # 5. The grid worker verifies on site.
    worker.goto(base + event_url)
    act(worker, "verify", passed="1", comment="现场已恢复通行")
    assert status_of(worker) == "closed"

    # 6. The resident follows the tracking link and rates the result.
    resident.goto(track_url if track_url.startswith("http") else base + track_url)
    resident.check('input[name="satisfaction"][value="satisfied"]')
    with resident.expect_navigation():
        resident.locator("form button[type=submit]").last.click()
    event = Event.objects.get(number=number)
    assert (event.status, event.satisfaction) == ("rated", "satisfied")
    assert Assignment.objects.get(event=event).status == "done"
    assert event.photos.count() == 2
    assert list(event.activities.exclude(action="photo").values_list("action", flat=True)) == [
        "report", "escalate", "escalate", "accept", "dispatch", "sign", "feedback", "verify_pass", "rate"]


def test_community_staff_cannot_open_another_communitys_event(live_server, live_tree, live_people, live_loop,
                                                              new_page):
    from jiewang.events.models import Event
    from jiewang.events.services.intake import event_report

    from jiewang.events.models import MatterCategory

    other, _ = event_report(actor=None, channel="resident_web", category=MatterCategory.objects.get(code="LS01"),
                            lon=106.75, lat=29.5, title="丙村的事件")
    assert other.community_id == live_tree.c3.id
    page = new_page(DESKTOP)
    login(page, live_server.url, live_people.community_staff)
    response = page.goto(live_server.url + f"/events/{other.number}/")
    assert response.status == 404
    assert "丙村的事件" not in page.content()
    # nor through the API from the same session
    api = page.request.get(live_server.url + f"/api/events/{other.number}")
    assert api.status == 404
    assert Event.objects.get(pk=other.pk).version == 1
