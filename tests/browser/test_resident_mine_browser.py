"""The resident in a real browser: the report map's outline and the town → community selects
that place the pin, then "我的反映" listing the report this device remembers and, after a
one-time code, the phone's reports (360 px and 1366 px, axe-core)."""

import re

import pytest

from .conftest import PHONE, axe_check, no_horizontal_scroll

WIDE = {"width": 1366, "height": 800}


@pytest.fixture(autouse=True)
def _quick_form(settings):
    settings.RESIDENT_FORM_MIN_SECONDS = 1


@pytest.mark.parametrize("viewport", [PHONE, WIDE], ids=["360", "1366"])
def test_pick_town_and_community_then_find_it_again(live_server, live_tree, live_people, live_loop, new_page,
                                                    viewport):
    from jiewang.events.models import Event
    from jiewang.notifications.models import OutboundMessage

    page = new_page(viewport)
    page.goto(live_server.url + "/report/")
    # The outline is drawn at once, without GPS.
    page.wait_for_function("document.querySelectorAll('#map path.leaflet-interactive, #map svg path').length >= 3")
    assert page.is_visible("#pick-town")
    page.select_option("#category", "LS01")
    page.fill("#title", "路口垃圾")
    page.select_option("#pick-town", str(live_tree.t1.id))
    page.wait_for_function("!document.querySelector('#pick-community').disabled")
    page.select_option("#pick-community", str(live_tree.c2.id))
    page.wait_for_function("document.querySelector('#located').textContent.includes('乙社区第1网格')")
    assert "乙社区" in page.inner_text("#located")
    assert page.locator("#map .leaflet-marker-icon").count() == 1
    lon, lat = float(page.input_value("#lon")), float(page.input_value("#lat"))
    assert 106.25 < lon < 106.5 and 29.0 < lat < 29.5
    axe_check(page)
    no_horizontal_scroll(page, viewport["width"])
    page.fill("#phone", "13912345678")
    page.wait_for_timeout(1100)
    with page.expect_navigation():
        page.click("#resident-form button[type=submit]")
    number = page.inner_text("#event-number")
    assert Event.objects.get(number=number).grid_id == live_tree.g3.id

    # 我的反映: the device remembers the tracking link.
    with page.expect_navigation():
        page.click("main a[href='/report/mine/']")
    page.wait_for_selector(f"#device-reports a:has-text('{number}')")
    href = page.get_attribute(f"#device-reports a:has-text('{number}')", "href")
    assert f"/report/track/{number}/?t=" in href
    axe_check(page)
    no_horizontal_scroll(page, viewport["width"])

    # And by phone, with the code sent by SMS.
    page.fill("#mine-phone", "13912345678")
    with page.expect_navigation():
        page.click("button:has-text('发送验证码')")
    body = OutboundMessage.objects.order_by("-id").first().body
    page.fill("#code", re.search(r"\d{6}", body).group(0))
    with page.expect_navigation():
        page.click("button:has-text('查看我的反映')")
    page.wait_for_selector(f"#phone-reports a:has-text('{number}')")
    axe_check(page)
    no_horizontal_scroll(page, viewport["width"])
    with page.expect_navigation():
        page.click(f"#phone-reports a:has-text('{number}')")
    assert "路口垃圾" in page.inner_text("main")
