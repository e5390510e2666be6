"""The search page (/events/) in a browser: reached from the navigation, filters folded on a
360 px phone (and open on a desktop), a search by words and status, a link to the event page;
axe-core passes and nothing scrolls sideways."""

from .conftest import DESKTOP, PHONE, axe_check, login, no_horizontal_scroll


def _events(live_tree, live_people, live_loop):
    from jiewang.events.testing import make_event

    return [make_event(live_tree, live_people, live_loop, "reported", title=t) for t in ("桥下垃圾", "路面坑洼")]


def test_search_page_on_a_desktop(live_server, live_tree, live_people, live_loop, new_page):
    first, _second = _events(live_tree, live_people, live_loop)
    page = new_page(DESKTOP)
    login(page, live_server.url, live_people.grid_worker, next_url="/grid/")
    page.click("header nav >> text=查找事件")
    page.wait_for_url("**/events/")
    assert page.locator("#search-filters").evaluate("d => d.open")
    assert page.locator("li.result").count() == 2
    page.fill("#s-q", "垃圾")
    page.check("input[name=status][value=reported]")
    with page.expect_navigation():
        page.click("form.search-form button[type=submit]")
    assert page.locator("li.result").count() == 1
    assert "共找到 1 件事件" in page.inner_text("#h-results")
    axe_check(page)
    with page.expect_navigation():
        page.click(f"li.result >> text={first.number}")
    assert page.url.endswith(f"/events/{first.number}/")


def test_search_page_on_a_phone(live_server, live_tree, live_people, live_loop, new_page):
    _events(live_tree, live_people, live_loop)
    phone = new_page(PHONE)
    login(phone, live_server.url, live_people.town_operator, next_url="/events/")
    phone.goto(live_server.url + "/events/")
    phone.wait_for_load_state("load")
    # folded: the results come first; one tap opens the filters
    assert not phone.locator("#search-filters").evaluate("d => d.open")
    assert phone.locator("li.result").count() == 2
    no_horizontal_scroll(phone, PHONE["width"])
    phone.click("#search-filters > summary")
    assert phone.locator("#s-q").is_visible()
    no_horizontal_scroll(phone, PHONE["width"])
    axe_check(phone)
    # a bad filter keeps the filters open with the message beside the field
    phone.goto(live_server.url + "/events/?reported_from=2026-11-09&reported_to=2026-11-01")
    assert phone.locator("#search-filters").evaluate("d => d.open")
    assert "早于开始日期" in phone.inner_text("#search-filters")
    assert "开始日期晚于结束日期" in phone.inner_text("#search-error")
