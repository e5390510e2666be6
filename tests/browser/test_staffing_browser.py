"""The grid's people (网格力量) in a real browser: community staff find the grid flagged for having
no full-time worker, assign one from the grid's page (the flag goes), end the assignment with a
reason (the flag returns, the history keeps it); every staffing page passes axe-core and fits a
phone (the staffing table becomes one card per grid)."""

from .conftest import DESKTOP, PHONE, axe_check, login, no_horizontal_scroll


def _staff(tree, people):
    from jiewang.staffing.testing import assign, person

    zhang = person(tree.c1, "张专职", user=people.grid_worker)
    assign(zhang, tree.g1)
    assign(person(tree.c1, "李志愿者", unit="社区志愿服务队"), tree.g1, kind="volunteer")
    return zhang, person(tree.c1, "王新人")


def test_community_staff_assign_and_end_a_full_time_worker(live_server, live_tree, live_people, new_page):
    from jiewang.staffing.models import GridMember

    _zhang, wang = _staff(live_tree, live_people)
    page = new_page(DESKTOP)
    login(page, live_server.url, live_people.community_staff, next_url="/grid/staffing/")
    page.goto(live_server.url + "/grid/staffing/")
    row = page.locator(f'tr[data-grid="{live_tree.g2.id}"]')
    assert "unstaffed" in row.get_attribute("class")
    axe_check(page)
    with page.expect_navigation():
        row.locator("a").first.click()
    assert page.locator("#grid-unstaffed").is_visible()
    page.select_option("#a-person", str(wang.id))
    page.select_option("#a-kind", "full_time")
    with page.expect_navigation():
        page.click("#assign button[type=submit]")
    assert page.locator("#grid-unstaffed").count() == 0
    assert "王新人" in page.locator("#members-now").inner_text()
    axe_check(page)
    member = GridMember.objects.get(person=wang, grid=live_tree.g2)
    item = page.locator(f'li[data-member="{member.id}"]')
    item.locator("summary").click()
    item.locator("[name=reason]").fill("调往其他网格")
    with page.expect_navigation():
        item.locator("button[type=submit]").click()
    assert page.locator("#grid-unstaffed").is_visible()
    assert "调往其他网格" in page.locator("#history").inner_text()


def test_staffing_pages_fit_a_phone(live_server, live_tree, live_people, new_page):
    zhang, _wang = _staff(live_tree, live_people)
    phone = new_page(PHONE)
    login(phone, live_server.url, live_people.community_staff, next_url="/grid/staffing/")
    for url in ("/grid/staffing/", f"/grid/staffing/grids/{live_tree.g1.id}/", f"/grid/staffing/people/{zhang.id}/",
                "/grid/staffing/people/new/"):
        phone.goto(live_server.url + url)
        no_horizontal_scroll(phone, PHONE["width"])
        axe_check(phone)
    phone.goto(live_server.url + "/grid/staffing/")
    card = phone.locator(f'tr[data-grid="{live_tree.g1.id}"]')
    assert card.evaluate("el => getComputedStyle(el).display") == "block"
    worker = new_page({"width": 390, "height": 800})
    login(worker, live_server.url, live_people.grid_worker, next_url="/grid/staffing/me/")
    worker.goto(live_server.url + "/grid/staffing/me/")
    assert live_tree.g1.name in worker.locator("#my-grids").inner_text()
    no_horizontal_scroll(worker, 390)
    axe_check(worker)
