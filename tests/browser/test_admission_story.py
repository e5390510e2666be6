"""Duty admission (职责事项准入) in a real browser: the command center refuses a held task on its
phone (and it never reaches the grid), the district administrator edits a draft of the list
and publishes it (the diff shows), the burden report at phone width, and a grid worker confirms
a data-collection record pre-filled from base data."""

from .conftest import DESKTOP, PHONE, axe_check, login, no_horizontal_scroll


def _commander(live_tree):
    from jiewang.accounts.choices import Role
    from jiewang.accounts.models import RoleGrant, User

    u = User(username="commander", display_name="指挥长")
    u.set_password("pw-commander-2026")
    u.save()
    RoleGrant.objects.create(user=u, role=Role.COMMANDER, area=live_tree.t1)
    return u


def test_a_held_task_is_refused_on_the_phone_and_never_reaches_the_grid(live_server, live_tree, live_people, live_loop,
                                                                        new_page):
    from jiewang.admission.models import PushRequest
    from jiewang.admission.testing import published_list, push
    from jiewang.events.models import Event

    published_list(live_tree, department=live_people.department)
    held = push(live_people.department_staff, live_tree.g1, code="PB01", title="门店招牌统计")
    assert held.status == "held"
    commander = _commander(live_tree)
    base = live_server.url
    page = new_page(PHONE)
    login(page, base, commander, next_url="/admission/")
    page.goto(base + "/admission/")
    card = page.locator(f"#push-{held.pk}")
    assert "门店招牌统计" in card.inner_text()
    no_horizontal_scroll(page)
    axe_check(page)
    card.locator('[name="comment"]').fill("不在本部门准入事项内")
    with page.expect_navigation():
        card.locator('button[value="refuse"]').click()
    assert PushRequest.objects.get(pk=held.pk).status == "refused"
    assert not Event.objects.filter(title="门店招牌统计").exists()
    worker = new_page(PHONE)
    login(worker, base, live_people.grid_worker, next_url="/grid/")
    worker.goto(base + "/grid/")
    assert "门店招牌统计" not in worker.content()
    # the burden report counts it, at phone width
    page.goto(base + "/admission/burden/")
    assert "甲社区第1网格" in page.content()
    no_horizontal_scroll(page)
    axe_check(page)


def test_the_district_edits_a_draft_and_publishes_it(live_server, live_tree, live_people, live_loop, new_page):
    from jiewang.admission.models import DutyList
    from jiewang.admission.testing import published_list

    published_list(live_tree)
    base = live_server.url
    page = new_page(DESKTOP)
    login(page, base, live_people.district_admin, next_url="/admission/lists/")
    page.goto(base + "/admission/lists/")
    with page.expect_navigation():
        page.locator('form:has(input[name="district_id"]) button[type=submit]').first.click()
    draft = DutyList.objects.get(status="draft")
    assert page.url.endswith(f"/admission/lists/{draft.pk}/")
    page.fill("#new-code", "LN01")
    page.fill("#new-name", "独居老人走访")
    page.select_option("#new-kind", "service")
    page.check('details[open] input[name="by_town"]')
    page.fill("#new-hours", "2")
    with page.expect_navigation():
        page.locator('form[action$="/items/"] button[type=submit]').click()
    assert draft.items.filter(code="LN01").exists()
    with page.expect_navigation():
        page.locator('form[action$="/publish/"] button[type=submit]').click()
    assert DutyList.objects.get(pk=draft.pk).status == "published"
    assert "LN01" in page.locator("#h-diff").locator("..").inner_text()
    axe_check(page)


def test_a_grid_worker_confirms_a_prefilled_record(live_server, live_tree, live_people, live_loop, new_page):
    from jiewang.admission.models import TaskRecord
    from jiewang.admission.testing import household, published_list, push

    published_list(live_tree)
    household(live_tree.g1)
    p = push(live_people.town_operator, live_tree.g1, code="RK01", title="人口信息采集")
    base = live_server.url
    page = new_page(PHONE)
    login(page, base, live_people.grid_worker, next_url="/grid/")
    page.goto(base + f"/admission/tasks/{p.event.number}/records/")
    first = page.locator("details.action").first
    assert first.locator('[name="v-name"]').input_value() == "张桂兰"  # pre-filled, not typed
    first.locator('[name="v-insured"]').check()
    with page.expect_navigation():
        first.locator("button[type=submit]").click()
    rec = TaskRecord.objects.order_by("id").first()
    assert (rec.status, rec.values["insured"]) == ("confirmed", True)
    no_horizontal_scroll(page)
    axe_check(page)
