"""Leaflet's own zoom buttons speak the page's language: titles and accessible names in zh-Hans
on the resident's report map and the command center's map (no "Zoom in"/"Zoom out")."""

from .conftest import DESKTOP, PHONE, login


def zoom_titles(page) -> list[tuple[str, str]]:
    page.wait_for_selector(".leaflet-control-zoom-in")
    return [(page.get_attribute(sel, "title"), page.get_attribute(sel, "aria-label"))
            for sel in (".leaflet-control-zoom-in", ".leaflet-control-zoom-out")]


def test_zoom_buttons_are_titled_in_zh_hans(live_server, live_tree, live_people, new_page):
    page = new_page(PHONE)
    page.goto(live_server.url + "/report/")
    if not page.evaluate("!!window.L"):  # the front-end libraries are not installed
        return
    assert zoom_titles(page) == [("放大", "放大"), ("缩小", "缩小")]

    page = new_page(DESKTOP)
    login(page, live_server.url, live_people.town_operator, next_url="/command/")
    page.goto(live_server.url + "/command/")
    assert zoom_titles(page) == [("放大", "放大"), ("缩小", "缩小")]
