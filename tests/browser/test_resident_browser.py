"""The resident portal in a real browser: report with a photo and a pin, the receipt, the
tracking page; axe-core and a 360 px wide phone."""

import pytest

from .conftest import PHONE, axe_check, no_horizontal_scroll


@pytest.fixture(autouse=True)
def _quick_form(settings):
    settings.RESIDENT_FORM_MIN_SECONDS = 1  # the live server reads the same settings


def test_resident_reports_with_photo_and_pin(live_server, live_tree, live_people, live_loop, new_page):
    from jiewang.events.models import Event, EventPhoto
    from jiewang.events.testing import png_bytes

    page = new_page(PHONE)
    page.context.grant_permissions(["geolocation"], origin=live_server.url)
    page.context.set_geolocation({"latitude": 29.2, "longitude": 106.05})
    page.goto(live_server.url + "/report/")
    axe_check(page)
    no_horizontal_scroll(page, PHONE["width"])
    page.select_option("#category", "LS01")
    page.fill("#title", "小区门口垃圾堆放")
    page.fill("#description", "三天没人清理")
    page.set_input_files("#photo", files=[{"name": "p.png", "mimeType": "image/png", "buffer": png_bytes()}])
    if page.evaluate("!!window.L"):
        # the pin on the map: grid polygons load, a tap places the pin
        page.wait_for_selector("#map:not([hidden])")
    page.click("#use-location")
    page.wait_for_function("document.querySelector('#located').textContent.includes('甲社区第1网格')")
    if page.evaluate("!!window.L"):
        assert page.locator("#map .leaflet-marker-icon").count() == 1
    page.fill("#phone", "13912345678")
    page.wait_for_timeout(1100)
    with page.expect_navigation():
        page.click("#resident-form button[type=submit]")
    number = page.inner_text("#event-number")
    event = Event.objects.get(number=number)
    assert (event.channel, event.grid_id, event.reporter_phone) == ("resident_web", live_tree.g1.id, "13912345678")
    assert EventPhoto.objects.filter(event=event).count() == 1
    axe_check(page)
    no_horizontal_scroll(page, PHONE["width"])

    page.click("#track-link")
    page.wait_for_selector("#status")
    assert "已收到" in page.inner_text("main") or "已上报" in page.inner_text("#status")
    axe_check(page)
    no_horizontal_scroll(page, PHONE["width"])


def test_too_fast_form_is_refused_with_a_message(live_server, live_tree, live_people, live_loop, new_page, settings):
    from jiewang.events.models import Event

    settings.RESIDENT_FORM_MIN_SECONDS = 30
    page = new_page(PHONE)
    page.goto(live_server.url + "/report/")
    page.select_option("#category", "LS01")
    page.fill("#title", "太快的提交")
    page.fill("#lon", "106.05")
    page.fill("#lat", "29.2")
    page.fill("#phone", "13912345678")
    with page.expect_navigation():
        page.click("#resident-form button[type=submit]")
    assert "提交过快" in page.inner_text("#form-error")
    assert Event.objects.filter(title="太快的提交").count() == 0
    assert page.input_value("#title") == "太快的提交"  # what was typed is kept
    axe_check(page)
