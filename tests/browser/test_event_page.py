"""The event page in a real browser, for each role: it renders with its actions, passes axe-core
(no serious/critical violations), and fits a 360 px wide phone without sideways scrolling."""

import pytest

from .conftest import DESKTOP, PHONE, axe_check, login, no_horizontal_scroll

# (who, event state, level, reporter is the resident?, an action they must see)
CASES = [
    ("grid_worker", "grid_handling", "grid", False, "close_on_spot"),
    ("community_staff", "reported", "community", False, "accept"),
    ("town_operator", "accepted", "town", False, "dispatch"),
    ("department_staff", "dispatched", "town", False, "sign"),
    ("district_admin", "handling", "town", False, None),
    ("resident", "grid_closed", "grid", True, "rate"),
]


@pytest.mark.parametrize("who,state,level,own,action", CASES, ids=[c[0] for c in CASES])
def test_event_page_per_role(live_server, live_tree, live_people, live_loop, new_page, who, state, level, own,
                             action):
    from jiewang.events.testing import make_event

    user = getattr(live_people, who)
    event = make_event(live_tree, live_people, live_loop, state, level=level,
                       reporter=live_people.resident if own else None)
    url = f"/events/{event.number}/"
    page = new_page(DESKTOP)
    login(page, live_server.url, user, next_url=url)
    page.goto(live_server.url + url)
    assert page.locator("h1").inner_text() == event.title
    assert page.locator(f'[data-status="{event.status}"]').count() == 1
    if action:
        assert page.locator(f'details[data-action="{action}"]').count() >= 1, f"{who} should see {action}"
    if event.lon is not None:
        page.wait_for_selector("#event-map .leaflet-interactive")  # the grid polygon or the point
    axe_check(page)

    phone = new_page(PHONE)
    login(phone, live_server.url, user, next_url=url)
    phone.goto(live_server.url + url)
    phone.wait_for_load_state("load")
    no_horizontal_scroll(phone, PHONE["width"])
    axe_check(phone)


def test_operator_accepts_from_the_page(live_server, live_tree, live_people, live_loop, new_page):
    from jiewang.events.models import Event
    from jiewang.events.testing import make_event

    event = make_event(live_tree, live_people, live_loop, "reported", level="town")
    page = new_page(PHONE)
    url = f"/events/{event.number}/"
    login(page, live_server.url, live_people.town_operator, next_url=url)
    page.goto(live_server.url + url)
    form = page.locator('details[data-action="accept"]')
    if form.get_attribute("open") is None:  # the first action is open already
        form.locator("summary").click()
    form.locator("textarea").fill("同意立案")
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    assert page.locator('[data-status="accepted"]').count() == 1
    assert page.locator(".msg.success").count() == 1
    assert Event.objects.get(pk=event.pk).status == "accepted"
    axe_check(page)


def test_operator_places_an_address_only_event_by_clicking_the_map(live_server, live_tree, live_people, live_loop,
                                                                  new_page):
    """待定位: the address comes first, a click on the town's outline fills the place form, and
    submitting it locates the event (accessible, as every page)."""
    from jiewang.events.models import Event, MatterCategory
    from jiewang.events.services.placing import event_report_unplaced

    event, _ = event_report_unplaced(actor=None, channel="open311", category=MatterCategory.objects.get(code="LS01"),
                                     town=live_tree.t1, title="地址上报的垃圾", address="一街道幸福路 8 号")
    page = new_page(DESKTOP)
    url = f"/events/{event.number}/"
    login(page, live_server.url, live_people.town_operator, next_url=url)
    page.goto(live_server.url + url)
    assert "一街道幸福路 8 号" in page.locator("[data-unplaced-address]").inner_text()
    page.wait_for_selector("#event-map .leaflet-interactive")  # the town's outline
    axe_check(page)
    box = page.locator("#event-map").bounding_box()
    # The town (a square) fits the map's height, centred: a fifth of the height left of the centre
    # is in its west half, 甲社区.
    page.locator("#event-map").click(position={"x": box["width"] / 2 - box["height"] / 5, "y": box["height"] / 2})
    lon, lat = page.locator("#act-place-lon").input_value(), page.locator("#act-place-lat").input_value()
    assert 106.0 < float(lon) < 106.25 and 29.0 < float(lat) < 29.5, (lon, lat)
    assert page.locator("#act-place-crs").input_value() == "wgs84"
    with page.expect_navigation():
        page.locator('details[data-action="place"] button[type=submit]').click()
    placed = Event.objects.get(pk=event.pk)
    assert (placed.location_status, placed.community_id, placed.level) == ("placed", live_tree.c1.id, "grid")
    assert page.locator("[data-unplaced-address]").count() == 0
