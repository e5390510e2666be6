"""The command center's map above the town, in a real browser (360 px and 1366 px): a district
administrator sees the district's towns coloured by open events; a layer too large to draw says
so under the map instead of leaving it blank."""

import pytest

from .conftest import PHONE, axe_check, login, no_horizontal_scroll

WIDE = {"width": 1366, "height": 800}


@pytest.mark.parametrize("viewport", [PHONE, WIDE], ids=["360", "1366"])
def test_district_map_draws_towns_and_says_when_too_large(live_server, live_tree, live_people, live_loop, new_page,
                                                          viewport, monkeypatch):
    from jiewang.events.testing import make_event
    from jiewang.web.command import views

    make_event(live_tree, live_people, live_loop, "reported", level="town")
    monkeypatch.setattr(views, "MAP_LAYER_MAX_AREAS", 2)  # the live server runs in this process
    page = new_page(viewport)
    login(page, live_server.url, live_people.district_admin, next_url="/command/")
    page.goto(live_server.url + "/command/")
    # The district's two towns are drawn; the one with an open event is coloured.
    page.wait_for_function("document.querySelectorAll('#map path.jw-area').length === 2")
    assert page.locator("#map path.jw-area[fill='#f59e0b']").count() == 1
    assert page.is_hidden("#map-note")
    axe_check(page)
    no_horizontal_scroll(page, viewport["width"])
    # Grids: three in the district, more than this test's limit of two: said so.
    page.select_option("#map-layer", "grid")
    page.wait_for_selector("#map-note:not([hidden])")
    assert page.inner_text("#map-note") == "3 个区域太多，无法绘制；请选择更粗的图层或更小的范围。"
    assert page.locator("#map path.jw-area").count() == 0
    # Communities fit: drawn again, the note gone.
    page.select_option("#map-layer", "community")
    page.wait_for_function("document.querySelectorAll('#map path.jw-area').length === 2")
    assert page.is_hidden("#map-note")
    # The table under the map follows: the one community with an open event.
    assert page.inner_text("#area-counts-summary") == "各村社未办结事件"
    assert page.inner_text("[data-map-open]") == "1"  # events, not areas
    page.click("#area-counts-summary")
    assert page.inner_text("#area-counts tbody") == "甲社区\t1\t0\t0"
