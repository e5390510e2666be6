"""The supervision log in a real browser: the operator filters the log by department and follows a
row to its event; the department's staff sees the entry on the workbench; the pages pass axe-core
and fit a 360 px wide phone."""

from .conftest import DESKTOP, PHONE, axe_check, login, no_horizontal_scroll


def test_the_log_page_and_the_addressees_panel(live_server, live_tree, live_people, live_loop, new_page):
    from jiewang.supervision.services.entries import supervision_issue
    from jiewang.supervision.testing import dispatched

    e1 = dispatched(live_tree, live_people, live_loop)
    e2 = dispatched(live_tree, live_people, live_loop, lead=live_loop.sthj)
    for e in (e1, e2):
        supervision_issue(actor=live_people.town_operator, event=e, assignment=e.assignments.get(),
                          note="请于今日内反馈处置进展")
    page = new_page(DESKTOP)
    login(page, live_server.url, live_people.town_operator, next_url="/command/supervision/")
    assert page.locator("h1").inner_text() == "督导台账"
    assert page.locator("[data-target]").count() == 2
    page.select_option("#s-target", f"department:{live_loop.cgj.pk}")
    with page.expect_navigation():
        page.get_by_role("button", name="筛选").click()
    assert page.locator("[data-entry]").count() == 1
    axe_check(page)
    with page.expect_navigation():
        page.get_by_role("link", name=e1.number).click()
    assert f"/events/{e1.number}/" in page.url
    phone = new_page(PHONE)
    login(phone, live_server.url, live_people.town_operator, next_url="/command/supervision/")
    no_horizontal_scroll(phone)
    dept = new_page(PHONE)
    login(dept, live_server.url, live_loop.cgj_staff, next_url="/dept/")
    panel = dept.locator("#d-supervision")
    assert "请于今日内反馈处置进展" in panel.inner_text() and e1.number in panel.inner_text()
    no_horizontal_scroll(dept)
    axe_check(dept)
