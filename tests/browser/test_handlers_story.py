"""The town's own loop in a real browser: the command center dispatches to a post of its boards
(proposed first by routing), the post's staff sign for and feed back from the handling
workbench and the event page, the center verifies; and a task sent down to a grid with a
checklist, signed for and fed back by the grid worker, verified by the center."""

from .conftest import DESKTOP, PHONE, axe_check, login
from .test_main_story import act, status_of


def _seed_town(live_tree):
    from jiewang.accounts.choices import Role
    from jiewang.accounts.models import Post, RoleGrant, User
    from jiewang.accounts.services import board_seed_town

    board_seed_town(actor=None, town=live_tree.t1)
    post = Post.objects.get(board__town=live_tree.t1, name="综合执法大队")
    staff = User(username="zfdd_staff", display_name="执法队员")
    staff.set_password("pw-zfdd_staff-2026")
    staff.save()
    RoleGrant.objects.create(user=staff, role=Role.POST_STAFF, area=live_tree.t1, post=post)
    return post, staff


def test_a_town_post_handles_the_event_through_the_pages(live_server, live_tree, live_people, live_loop, new_page):
    from jiewang.dispatching.models import Assignment
    from jiewang.events.models import Event
    from jiewang.events.testing import make_event

    post, staff = _seed_town(live_tree)
    e = make_event(live_tree, live_people, live_loop, "accepted", level="town", category="SL01")
    base, url = live_server.url, f"/events/{e.number}/"

    center = new_page(DESKTOP)
    login(center, base, live_people.town_operator, next_url=url)
    center.goto(base + url)
    lead = center.locator('details[data-action="dispatch"] select[name="lead"]')
    assert lead.input_value() == f"post:{post.pk}"  # routing proposes the town's post first
    act(center, "dispatch", comment="请执法大队处理")
    assert status_of(center) == "dispatched"
    assert Assignment.objects.get(event=e).post_id == post.pk

    worker = new_page(PHONE)
    login(worker, base, staff, next_url="/dept/")
    worker.goto(base + "/dept/")
    assert "承办工作台" in worker.locator("h1").inner_text()
    assert e.number in worker.content()
    worker.goto(base + url)
    act(worker, "sign")
    assert status_of(worker) == "handling"
    act(worker, "feedback", comment="已清理摊点")
    assert status_of(worker) == "feedback"
    axe_check(worker)

    center.goto(base + url)
    act(center, "verify", passed="1", comment="现场核实")
    assert status_of(center) == "closed"
    assert list(Event.objects.get(pk=e.pk).activities.values_list("actor_role", flat=True))[-3:] == [
        "post_staff", "post_staff", "town_operator"]


def test_a_task_sent_down_to_a_grid_and_verified(live_server, live_tree, live_people, live_loop, new_page):
    from jiewang.admission.testing import item, published_list
    from jiewang.events.models import ChecklistItem, Event

    published_list(live_tree)  # the task cites an admitted duty (职责事项准入): delivered at once
    base = live_server.url
    center = new_page(DESKTOP)
    login(center, base, live_people.town_operator, next_url="/command/tasks/new/")
    center.goto(base + "/command/tasks/new/")
    center.select_option("#t-area", str(live_tree.g1.pk))
    center.select_option("#t-item", str(item("PB01").pk))
    center.select_option("#t-cat", "LS01")
    center.fill("#t-title", "排查独居老人")
    center.fill("#t-list", "走访登记\n拍照留存")
    with center.expect_navigation():
        center.click("#task-form button[type=submit]")
    task = Event.objects.get(source="sent_down")
    assert center.url.endswith(f"/events/{task.number}/") and "交办" in center.content()

    worker = new_page(PHONE)
    login(worker, base, live_people.grid_worker, next_url="/grid/")
    worker.goto(base + "/grid/")
    assert task.number in worker.locator("#h-sent").locator("..").inner_text()
    worker.goto(base + f"/events/{task.number}/")
    act(worker, "sign")
    assert status_of(worker) == "handling"
    form = worker.locator('details[data-action="feedback"]').first
    if form.get_attribute("open") is None:
        form.locator("summary").click()
    form.locator('[name="comment"]').fill("已走访 12 户")
    first = ChecklistItem.objects.get(event=task, text="走访登记")
    form.locator(f'[name="checked"][value="{first.pk}"]').check()
    with worker.expect_navigation():
        form.locator("button[type=submit]").click()
    assert status_of(worker) == "feedback"
    assert ChecklistItem.objects.get(pk=first.pk).done_at is not None

    center.goto(base + f"/events/{task.number}/")
    act(center, "verify", passed="1", comment="抽查属实")
    assert status_of(center) == "closed"
