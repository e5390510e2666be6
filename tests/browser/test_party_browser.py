"""Party building in a real browser: the community's party committee confirms a member's report-in
on the workspace (desktop), and the member claims and completes a small wish on their phone
(360 px), the resident rating it on theirs; the pages pass axe-core and fit the phone."""

from .conftest import DESKTOP, PHONE, axe_check, login, no_horizontal_scroll


def test_the_committee_confirms_and_the_member_claims_on_a_phone(live_server, live_tree, live_people, new_page):
    from jiewang.party.models import ReportIn, Wish
    from jiewang.party.services.members import member_create
    from jiewang.party.services.reportins import report_in_register
    from jiewang.party.testing import party_world

    w = party_world(live_tree, live_people)
    from jiewang.accounts.models import User

    nurse_user = User.objects.create_user("nurse", password="pw-nurse-2026")
    nurse = member_create(actor=None, org=w.school, name="张护士", user=nurse_user)
    ri = report_in_register(actor=nurse_user, member=nurse, community=live_tree.c1, service_post="elderly_care")

    # The committee confirms on the workspace.
    desk = new_page(DESKTOP)
    login(desk, live_server.url, w.party_staff, next_url="/party/")
    row = desk.locator("li.row", has_text="张护士")
    with desk.expect_navigation():
        row.get_by_role("button", name="确认").click()
    assert ReportIn.objects.get(pk=ri.pk).status == "confirmed"
    assert "已完成" in desk.locator(".messages").inner_text()
    axe_check(desk)

    # The member, on a phone, sees the board and claims a wish, then completes it.
    phone = new_page(PHONE)
    login(phone, live_server.url, nurse_user, password="pw-nurse-2026", next_url="/party/me/")
    assert phone.locator("h1").inner_text() == "我的党员服务"
    no_horizontal_scroll(phone)
    axe_check(phone)
    wish = w.wish_published
    item = phone.locator("li.row", has_text=wish.title)
    with phone.expect_navigation():
        item.get_by_role("button", name="认领").click()
    assert (Wish.objects.get(pk=wish.pk).status, Wish.objects.get(pk=wish.pk).claimant_member) == ("claimed", nurse)
    mine = phone.locator("li.row", has_text=wish.title)
    mine.get_by_label("服务情况").fill("陪同王奶奶到医院复查，已送回家")
    mine.get_by_label("时长（小时）").fill("2")
    with phone.expect_navigation():
        mine.get_by_role("button", name="已办结").click()
    assert Wish.objects.get(pk=wish.pk).status == "done"
    no_horizontal_scroll(phone)

    # The grid worker who posted it for 王奶奶 rates it on the wish board.
    gw = new_page(PHONE)
    login(gw, live_server.url, live_people.grid_worker, next_url="/party/wishes/")
    rated = gw.locator("li.row", has_text=wish.title)
    rated.get_by_label("满意度评分").select_option("5")
    with gw.expect_navigation():
        rated.get_by_role("button", name="评价").click()
    assert Wish.objects.get(pk=wish.pk).rating == 5
    no_horizontal_scroll(gw)
    axe_check(gw)


def test_the_streets_workspace_fits_a_phone(live_server, live_tree, live_people, new_page):
    """The street's party office on a 360 px phone: the suggested resources' long names, the
    members' table and the inline forms stay inside the screen."""
    from jiewang.party.testing import party_world

    w = party_world(live_tree, live_people)
    page = new_page(PHONE)
    login(page, live_server.url, w.town_party_staff, next_url="/party/")
    assert page.locator(f"#res-{w.need.id}").count() == 1  # a need with its suggestions is shown
    no_horizontal_scroll(page)
    axe_check(page)
