"""The grid worker's report screens in a real browser (360 px and 1366 px): recent categories
first, the search unfolding the catalog, the map of the worker's own grid with a pin the worker
taps, and the same report without the map library (the boxes are the way in)."""

import uuid

import pytest

from .conftest import PHONE, axe_check, login, no_horizontal_scroll
from .test_grid_browser import IN_G1, _png

WIDE = {"width": 1366, "height": 800}


def _worker_page(new_page, live_server, live_people, viewport):
    page = new_page(viewport)
    page.context.grant_permissions(["geolocation"], origin=live_server.url)
    page.context.set_geolocation(IN_G1)
    login(page, live_server.url, live_people.grid_worker, next_url="/grid/report/")
    page.goto(live_server.url + "/grid/report/")
    return page


@pytest.mark.parametrize("viewport", [PHONE, WIDE], ids=["360", "1366"])
def test_category_screen_and_grid_map(live_server, live_tree, live_people, live_loop, new_page, viewport):
    from jiewang.events.models import Event, MatterCategory
    from jiewang.events.services.intake import event_report

    for code in ("LS04", "LS04", "SL01"):
        event_report(actor=live_people.grid_worker, channel="patrol", category=MatterCategory.objects.get(code=code),
                     lon=106.05, lat=29.2, title=code)
    page = _worker_page(new_page, live_server, live_people, viewport)
    # Recent ones first; the catalog folded by board: the screen is short.
    assert page.locator("#cat-quick button.cat:visible").count() == 2
    assert page.locator("#cat-all button.cat:visible").count() == 0
    assert page.evaluate("document.querySelector('[data-screen=\"1\"]').getBoundingClientRect().height") < 700
    axe_check(page)
    no_horizontal_scroll(page, viewport["width"])
    # The search unfolds the boards with a match and hides the quick picks.
    page.fill("#cat-search", "井盖")
    page.wait_for_function("document.querySelector('#cat-quick').hidden")
    assert page.locator("button.cat:visible").all_inner_texts() == ["井盖缺失"]
    page.fill("#cat-search", "没有这种问题")
    assert page.is_visible("#cat-none")
    page.fill("#cat-search", "")
    assert page.locator("#cat-quick button.cat:visible").count() == 2 and not page.is_visible("#cat-none")
    page.click('#cat-quick button.cat[data-code="LS04"]')
    page.wait_for_selector('[data-screen="2"]:not([hidden])')
    page.set_input_files("#photo", files=[{"name": "scene.png", "mimeType": "image/png", "buffer": _png()}])
    page.click("#to-location")
    # The map of the own grid, its outline drawn, the pin where the phone is.
    page.wait_for_selector("#grid-map:not([hidden]) path.leaflet-interactive")
    page.wait_for_selector("#grid-map .gw-pin")
    page.wait_for_function("document.querySelector('#where').textContent.includes('甲社区第1网格')")
    axe_check(page)
    no_horizontal_scroll(page, viewport["width"])
    # A tap elsewhere in the grid moves the pin and fills the boxes.
    box = page.locator("#grid-map").bounding_box()
    page.mouse.click(box["x"] + box["width"] * 0.5, box["y"] + box["height"] * 0.8)
    page.wait_for_function("document.querySelector('#lat').value !== '29.200000'")
    lon, lat = float(page.input_value("#lon")), float(page.input_value("#lat"))
    assert 106.0 < lon < 106.125 and 29.0 < lat < 29.2
    title = f"井盖 {uuid.uuid4().hex[:6]}"
    page.click("[data-go='2']")
    page.fill("#title", title)
    page.click("#to-location")
    page.click("#submit-report")
    page.wait_for_selector("#sent-number")
    ev = Event.objects.get(title=title)
    assert (ev.category.code, ev.grid_id, round(ev.lon, 6), round(ev.lat, 6)) == ("LS04", live_tree.g1.id, lon, lat)


def test_report_without_the_map_library(live_server, live_tree, live_people, live_loop, new_page):
    """Leaflet unavailable (not cached, no signal for it): no map, the boxes work, it submits."""
    from jiewang.events.models import Event

    page = new_page(PHONE)
    page.route("**/vendor/leaflet/**", lambda route: route.abort())
    page.context.grant_permissions(["geolocation"], origin=live_server.url)
    page.context.set_geolocation(IN_G1)
    login(page, live_server.url, live_people.grid_worker, next_url="/grid/report/")
    page.goto(live_server.url + "/grid/report/")
    page.click('#cat-all details:has(button.cat[data-code="LS01"]) > summary')
    page.click('#cat-all button.cat[data-code="LS01"]')
    title = f"无地图 {uuid.uuid4().hex[:6]}"
    page.fill("#title", title)
    page.click("#to-location")
    page.wait_for_function("document.querySelector('#lon').value !== ''")
    assert page.locator("#grid-map").is_hidden()
    page.fill("#lon", "106.1")
    page.fill("#lat", "29.3")
    page.click("#submit-report")
    page.wait_for_selector("#sent-number")
    ev = Event.objects.get(title=title)
    assert (ev.grid_id, ev.lon, ev.lat) == (live_tree.g1.id, 106.1, 29.3)
