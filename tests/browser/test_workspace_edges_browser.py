"""Rough edges seen in the browser: Leaflet's own zoom buttons speak the page's language (titles
and accessible names in zh-Hans on the resident's report map and the command center's map, no
"Zoom in"/"Zoom out"); the role form of /manage/users/ fits a 360 px phone with long post names."""

from .conftest import DESKTOP, PHONE, login, no_horizontal_scroll


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


def test_the_grant_form_fits_a_phone_with_long_post_names(live_server, live_tree, live_people, new_page):
    from jiewang.accounts.models import Board, Post

    board = Board.objects.create(town=live_tree.t1, kind="economy", name="经济发展板块（含招商引资和营商环境）")
    Post.objects.create(board=board, name="规划建设管理环保办公室（村镇建设与生态环境保护）")
    page = new_page(PHONE)
    login(page, live_server.url, live_people.town_leader, next_url="/manage/users/")
    page.goto(live_server.url + "/manage/users/")
    page.wait_for_selector("#g-post")
    no_horizontal_scroll(page, PHONE["width"])
