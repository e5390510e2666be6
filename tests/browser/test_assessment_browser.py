"""The assessment pages in a real browser: the town leader reads October's ranking with its red
and black lists, opens a member's breakdown, publishes the draft; the pages pass axe-core and fit
a 360 px wide phone."""

from .conftest import DESKTOP, PHONE, axe_check, login, no_horizontal_scroll


def test_the_town_leader_reads_and_publishes_the_ranking(live_server, live_tree, live_people, live_loop, new_page):
    from jiewang.assessment.models import ListRule, Run
    from jiewang.assessment.services.engine import run_compute
    from jiewang.assessment.testing import build_october

    build_october(live_tree, live_people, live_loop)
    ListRule.objects.create(population="department", red_top_n=1, black_bottom_n=1)
    run = run_compute(actor=None, area=live_tree.t1, period="2026-10")
    page = new_page(DESKTOP)
    login(page, live_server.url, live_people.town_leader, next_url="/assessment/")
    page.goto(f"{live_server.url}/assessment/?area={live_tree.t1.id}&period=2026-10&population=department")
    rows = page.locator("#h-ranking ~ table tbody tr")
    assert rows.count() == 2
    assert "北区生态环境局" in rows.nth(0).inner_text() and "70.0" in rows.nth(0).inner_text()
    lists = page.locator("[aria-labelledby=h-lists]").inner_text()
    assert "红榜: 北区生态环境局 (70.0)" in lists and "黑榜: 北区城市管理局 (66.67)" in lists
    axe_check(page)
    with page.expect_navigation():
        page.get_by_role("link", name="北区城市管理局").click()
    breakdown = page.locator("section[aria-labelledby=h-breakdown]").inner_text()
    assert "按期处置率" in breakdown and "dept.on_time" not in breakdown  # the name, not the internal code
    member_url = page.url
    axe_check(page)
    page.go_back()
    with page.expect_navigation():
        page.locator(f'form[action$="/assessment/runs/{run.id}/publish/"] button').click()
    assert Run.objects.get(pk=run.pk).status == "published"
    phone = new_page(PHONE)
    login(phone, live_server.url, live_people.town_leader, next_url="/assessment/")
    for url in (f"/assessment/?area={live_tree.t1.id}&period=2026-10", "/assessment/exclusions/", member_url):
        phone.goto(url if url.startswith("http") else live_server.url + url)
        no_horizontal_scroll(phone)
