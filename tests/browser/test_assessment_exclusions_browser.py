"""The assessment's exclusions (不计入考核) in a real browser: the town's operator asks that an
overdue event not count (force majeure), the town leader first refuses without a reason (refused
by the service, the message shown, nothing changed), then approves it; the ranking page links to
the list; every page passes axe-core and fits a phone."""

from .conftest import PHONE, axe_check, login, no_horizontal_scroll


def test_request_and_approve_an_exclusion(live_server, live_tree, live_people, live_loop, new_page):
    from jiewang.assessment.models import Exclusion
    from jiewang.audit.models import AuditEntry
    from jiewang.events.testing import make_event

    t, p = live_tree, live_people
    event = make_event(t, p, live_loop, "handling", title="暴雨冲毁便道")
    op = new_page()
    login(op, live_server.url, p.town_operator, next_url="/assessment/")
    with op.expect_navigation():
        op.get_by_role("link", name="不计入考核").first.click()
    assert op.url.endswith("/assessment/exclusions/")
    op.fill("#x-event", event.number)
    op.select_option("#x-kind", "force_majeure")
    op.fill("#x-reason", "特大暴雨，道路中断三天")
    with op.expect_navigation():
        op.get_by_role("button", name="提交申请").click()
    ex = Exclusion.objects.get()
    assert (ex.event_id, ex.kind, ex.status) == (event.pk, "force_majeure", "pending")
    assert event.number in op.locator("#h-ex-list ~ .table-wrap table").inner_text()
    assert op.locator('button[value="approve"]').count() == 0  # the operator asks; it does not decide
    axe_check(op)

    leader = new_page()
    login(leader, live_server.url, p.town_leader, next_url="/assessment/exclusions/")
    row = leader.locator("#h-ex-list ~ .table-wrap tbody tr", has_text=event.number)
    with leader.expect_navigation():
        row.locator('button[value="refuse"]').click()
    assert leader.locator(".msg.error").count() == 1  # a refusal needs a reason
    ex.refresh_from_db()
    assert ex.status == "pending"
    row = leader.locator("#h-ex-list ~ .table-wrap tbody tr", has_text=event.number)
    row.locator("input[name=comment]").fill("情况属实")
    with leader.expect_navigation():
        row.locator('button[value="approve"]').click()
    ex.refresh_from_db()
    assert ex.status == "approved" and ex.decided_by_id == p.town_leader.id
    assert AuditEntry.objects.filter(action="assessment.exclusion_approve").count() == 1
    assert "情况属实" in leader.locator("#h-ex-list ~ .table-wrap table").inner_text()
    axe_check(leader)

    phone = new_page(PHONE)
    login(phone, live_server.url, p.town_leader, next_url="/assessment/exclusions/")
    no_horizontal_scroll(phone)
