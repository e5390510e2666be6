"""The early-warning rules page in a real browser: a town leader creates a keyword rule through
the form (an empty word list is refused beside the field first), a new event's text fires it,
and on the command center the alert becomes an event in one step; the pages pass axe-core and
fit a phone."""

import os

from .conftest import PHONE, axe_check, login, no_horizontal_scroll

SHOTS = os.environ.get("JIEWANG_SHOTS", "")


def test_create_a_keyword_rule_and_see_it_fire(live_server, live_tree, live_people, live_loop, new_page):
    from jiewang.events.models import Event
    from jiewang.warning.models import WarningRule
    from jiewang.warning.testing import evaluate, report

    t, p = live_tree, live_people
    page = new_page()
    login(page, live_server.url, p.town_leader, next_url="/command/")
    with page.expect_navigation():
        page.get_by_role("link", name="预警规则").first.click()
    assert page.url.endswith("/warnings/rules/")
    page.select_option("#new-kind", "keyword")
    with page.expect_navigation():
        page.get_by_role("button", name="新建规则").click()
    assert "讨薪" in page.locator("#p-words").input_value()  # the maintained list to start from
    page.fill("#r-name", "敏感词预警")
    page.fill("#p-words", "")
    with page.expect_navigation():
        page.get_by_role("button", name="保存").click()
    assert page.locator("#p-words-err").is_visible() and page.locator("#form-error").is_visible()
    assert WarningRule.objects.count() == 0
    axe_check(page)
    page.fill("#p-words", "跳楼\n讨薪，聚集")
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, "warning-rule-form.png"), full_page=True)
    with page.expect_navigation():
        page.get_by_role("button", name="保存").click()
    assert page.url.endswith("/warnings/rules/")
    rule = WarningRule.objects.get()
    assert rule.kind == "keyword" and rule.params == {"words": ["跳楼", "讨薪", "聚集"]} and rule.area_id == t.t1.id
    assert "敏感词预警" in page.locator(f'tr[data-rule="{rule.pk}"]').inner_text()
    axe_check(page)
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, "warning-rules.png"), full_page=True)

    report(title="路灯不亮")  # the control: no word of the list
    report(title="工地农民工讨薪")
    (alert,) = evaluate()
    assert alert.rule_id == rule.pk and "讨薪" in str(alert.detail)

    page.goto(f"{live_server.url}/command/")
    item = page.locator(f'li[data-alert="{alert.pk}"]')
    assert "工地农民工讨薪" in item.inner_text() or "讨薪" in item.inner_text()
    before = Event.objects.count()
    with page.expect_navigation():
        item.get_by_role("button", name="转为事件").click()
    assert "预警已转为事件" in page.locator(".msg.success").inner_text()
    alert.refresh_from_db()
    assert alert.state == "converted" and alert.converted_event is not None
    assert Event.objects.count() == before + 1
    assert page.locator(f'li[data-alert="{alert.pk}"]').count() == 0

    phone = new_page(PHONE)
    login(phone, live_server.url, p.town_leader, next_url="/warnings/rules/")
    no_horizontal_scroll(phone)
    phone.goto(f"{live_server.url}/warnings/rules/{rule.pk}/")
    no_horizontal_scroll(phone)


def test_a_cluster_alert_becomes_a_supervision_task_in_one_step(live_server, live_tree, live_people, live_loop,
                                                                  new_page):
    from jiewang.dispatching.models import Assignment
    from jiewang.events.testing import make_event
    from jiewang.warning.models import Alert
    from jiewang.warning.testing import evaluate, rule

    t, p = live_tree, live_people
    rule(t.t1, "cluster", {"category": "LS01", "count": 2, "hours": 2}, name="路灯聚集")
    e1 = make_event(t, p, live_loop, "handling", title="路灯不亮")
    make_event(t, p, live_loop, "handling", title="路灯又不亮")
    (alert,) = evaluate()
    page = new_page()
    login(page, live_server.url, p.town_operator, next_url="/command/")
    item = page.locator(f'li[data-alert="{alert.pk}"]')
    with page.expect_navigation():
        item.get_by_role("button", name="催办").click()
    alert.refresh_from_db()
    assert alert.state == "converted", page.locator(".msg").all_inner_texts()
    assert len(alert.detail["converted"]["supervised"]) == 2
    assert Assignment.objects.filter(event=e1).exists()
    assert Alert.objects.filter(state="open").count() == 0
