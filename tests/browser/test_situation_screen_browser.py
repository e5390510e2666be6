"""The big screen (大屏) in a real browser at 1920×1080: it fills the screen without scrolling,
draws its charts with the vendored ECharts from the embedded numbers, and refetches
``/api/situation`` on its own (the clock fast-forwarded), cycling the trend to 90 days."""

import os

from .conftest import axe_check, login

SCREEN = {"width": 1920, "height": 1080}
SHOTS = os.environ.get("JIEWANG_SHOTS", "")  # a folder: save screenshots there (for a look by eye)


def shot(page, name: str) -> None:
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, f"{name}.png"))


def test_the_big_screen_draws_and_refreshes_itself(live_server, live_tree, live_people, live_loop, new_page):
    from jiewang.events.testing import make_event
    from jiewang.stats.services.rollups import rollups_apply

    make_event(live_tree, live_people, live_loop, "closed")
    make_event(live_tree, live_people, live_loop, "handling", at=(106.2, 29.2))
    rollups_apply()
    page = new_page(SCREEN)
    login(page, live_server.url, live_people.town_leader, next_url="/command/")
    assert page.locator("#situation").count() == 1  # the top of the command center
    page.wait_for_function("() => document.querySelector('#situation-trend canvas') !== null")
    shot(page, "situation-command")
    page.clock.install()
    page.goto(f"{live_server.url}/command/screen/?area={live_tree.t1.id}")
    for chart in ("c-trend", "c-areas", "c-boards", "c-categories", "c-rates"):
        page.wait_for_function(f"() => document.querySelector('#{chart} canvas') !== null")
    assert page.locator("#k-today-new").inner_text() == "2"
    assert page.locator("#k-now-open").inner_text() == "1"
    assert page.locator("#k-today-closed").inner_text() == "1"
    size = page.evaluate("() => [document.documentElement.scrollWidth, document.documentElement.scrollHeight]")
    assert size[0] <= 1920 and size[1] <= 1080, size
    box = page.locator("#screen").bounding_box()
    assert (round(box["width"]), round(box["height"])) == (1920, 1080)
    shot(page, "situation-screen")
    axe_check(page)
    first = page.evaluate("() => document.getElementById('screen').dataset.renderedAt")
    with page.expect_response(lambda r: "/api/situation" in r.url and "days=90" in r.url) as resp:
        page.clock.run_for(31_000)
    assert resp.value.status == 200
    page.wait_for_function(f"() => document.getElementById('screen').dataset.renderedAt !== '{first}'")
    assert "90" in page.locator("#trend-title").inner_text()
    assert page.locator("#scr-stale").is_hidden()
