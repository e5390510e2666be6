"""Sending work down (交办/下派): the command center gives an event to a village/community or a
grid (the ``send_down`` row), or a stand-alone task with a deadline and a checklist (the task
form); the area's staff sign for, handle and feed back through the same rows as every handler,
the sender verifies, and the work is counted apart from what the grid reported (``source``)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from jiewang.accounts.choices import Role
from jiewang.accounts.models import RoleGrant, User
from jiewang.dispatching.models import Assignment
from jiewang.events.models import ChecklistItem, Event
from jiewang.notifications.models import Notification

from .helpers import api, fresh, last_activity, refused, snapshot

pytestmark = pytest.mark.django_db


def person(name: str, role: str, area, **kw) -> User:
    u = User(username=name, display_name=name)
    u.set_password("pw-" + name + "-2026")
    u.save()
    RoleGrant.objects.create(user=u, role=role, area=area, **kw)
    return u


def send_down(client, event, area, comment="请网格处理", **extra):
    return api(client, f"/events/{event.number}/send-down",
               {"area_id": area.pk, "comment": comment, "expected_version": fresh(event).version, **extra})


def community_duty(tree) -> dict:
    """An admitted community duty of 北区's published list (an event goes to a community where it
    does not lie only under one: jiewang.admission)."""
    from jiewang.admission.testing import item, published_list

    published_list(tree)
    return {"duty_item_id": item("AQ01").pk}


# ---- an event sent down to a grid ---------------------------------------------------------------------

def test_an_event_sent_down_to_a_grid_is_signed_handled_and_verified(walk, tree, people, client_for):
    e = walk("accepted")
    r = send_down(client_for(people.town_operator), e, tree.g1)
    assert r.status_code == 200, r.content
    assert (r.json()["handler_kind"], r.json()["handler_name"]) == ("area", tree.g1.name)
    ev = fresh(e)
    assert (ev.status, ev.level) == ("dispatched", "grid")
    act = last_activity(ev)
    assert (act.action, act.actor_role, act.data["area_id"]) == ("send_down", "town_operator", tree.g1.pk)
    a = Assignment.objects.get(event=e)
    assert (a.area_id, a.department_id, a.post_id, a.role) == (tree.g1.pk, None, None, "lead")
    assert Notification.objects.filter(recipient=people.grid_worker, kind="assignment.send_down").exists()

    gw = client_for(people.grid_worker)
    assert e.number in gw.get("/grid/").content.decode()
    # community staff above the grid see it but are not its handler
    before = snapshot(e)
    refused(api(client_for(people.community_staff), f"/assignments/{a.pk}/sign"), 403, "event.action_not_permitted")
    refused(api(client_for(people.other_community_staff), f"/assignments/{a.pk}/sign"), 404)
    assert snapshot(e) == before

    assert api(gw, f"/assignments/{a.pk}/sign").status_code == 200
    ev = fresh(e)
    assert (ev.status, last_activity(ev).actor_role) == ("handling", "grid_worker")
    r = api(gw, f"/events/{e.number}/feedback", {"comment": "已处理完毕", "expected_version": ev.version})
    assert r.status_code == 200, r.content
    ev = fresh(e)
    r = api(client_for(people.town_operator), f"/events/{e.number}/verify",
            {"passed": True, "expected_version": ev.version})
    assert r.status_code == 200, r.content
    assert (fresh(e).status, Assignment.objects.get(pk=a.pk).status) == ("closed", "done")


def test_another_community_of_the_town_gets_the_event_and_sees_it_only_then(walk, tree, people, client_for):
    e = walk("accepted")  # in 甲社区
    staff = person("yi_staff", Role.COMMUNITY_STAFF, tree.c2)  # 乙社区
    c = client_for(staff)
    assert c.get(f"/api/events/{e.number}").status_code == 404
    duty = community_duty(tree)
    assert send_down(client_for(people.town_operator), e, tree.c2).status_code == 409  # not where it lies
    assert send_down(client_for(people.town_operator), e, tree.c2, **duty).status_code == 200
    assert fresh(e).level == "community"
    assert c.get(f"/api/events/{e.number}").status_code == 200
    a = Assignment.objects.get(event=e)
    assert api(c, f"/assignments/{a.pk}/sign").status_code == 200
    r = api(c, f"/events/{e.number}/feedback", {"comment": "已协调处理", "expected_version": fresh(e).version})
    assert r.status_code == 200, r.content
    assert last_activity(fresh(e)).actor_role == "community_staff"
    # and it may go back: returned, the town holds it again
    e2 = walk("accepted")
    send_down(client_for(people.town_operator), e2, tree.c2, **duty)
    a2 = Assignment.objects.get(event=e2)
    assert api(c, f"/assignments/{a2.pk}/return", {"comment": "不在本社区"}).status_code == 200
    assert (fresh(e2).status, fresh(e2).level) == ("accepted", "town")


def test_send_down_refusals_change_nothing(walk, tree, people, client_for):
    e = walk("accepted")
    before = snapshot(e)
    op = client_for(people.town_operator)
    refused(send_down(op, e, tree.t1), 422, "task.area_level")
    refused(send_down(op, e, tree.g4), 404, "area.not_found")  # another district's grid: not in scope
    refused(api(client_for(people.admin), f"/events/{e.number}/send-down", {"area_id": tree.g4.pk}), 422,
            "task.area_out_of_town")
    refused(send_down(client_for(people.grid_worker), e, tree.g1), 403, "event.action_not_permitted")
    refused(send_down(client_for(people.other_district_admin), e, tree.g1), 404)
    assert snapshot(e) == before


# ---- a stand-alone task with a checklist, through the pages -------------------------------------------

def task_form(tree, **kw):
    due = timezone.localtime(timezone.now() + dt.timedelta(days=2)).replace(second=0, microsecond=0)
    data = {"area_id": tree.g1.pk, "category_code": "LS01", "title": "排查独居老人", "description": "逐户走访",
            "due_at": due.strftime("%Y-%m-%dT%H:%M"), "urgency": "normal", "checklist": "走访登记\n拍照留存\n"}
    data.update(kw)
    return data, due


def test_a_task_sent_down_to_a_grid_with_a_checklist(tree, people, loop, client_for):
    op = client_for(people.town_operator)
    community_duty(tree)
    from jiewang.admission.testing import item

    assert op.get("/command/tasks/new/").status_code == 200
    data, due = task_form(tree, duty_item_id=item("PB01").pk)
    r = op.post("/command/tasks/new/", data)
    assert r.status_code == 302, r.content[:500]
    e = Event.objects.get(source="sent_down")
    assert r.url == f"/events/{e.number}/"
    assert (e.status, e.level, e.channel, e.area_path, e.grid_id) == ("dispatched", "grid", "center", tree.g1.path,
                                                                         tree.g1.pk)
    assert e.due_at == due  # the handling clock runs to the task's deadline
    assert list(e.checklist.values_list("text", flat=True)) == ["走访登记", "拍照留存"]
    a = Assignment.objects.get(event=e)
    assert (a.area_id, a.status, a.instructions) == (tree.g1.pk, "dispatched", "逐户走访")

    gw = client_for(people.grid_worker)
    home = gw.get("/grid/").content.decode()
    assert e.number in home and "0/2" in home
    page = gw.get(f"/events/{e.number}/").content.decode()
    assert "走访登记" in page and 'data-action="sign"' in page
    r = gw.post(f"/events/{e.number}/do/sign/", {"assignment_id": a.pk, "expected_version": fresh(e).version})
    assert r.status_code == 302 and fresh(e).status == "handling"
    first = e.checklist.get(text="走访登记")
    page = gw.get(f"/events/{e.number}/").content.decode()
    assert 'name="checked"' in page and f'value="{first.pk}"' in page
    r = gw.post(f"/events/{e.number}/do/feedback/", {"comment": "已走访", "checked": [first.pk],
                                                     "expected_version": fresh(e).version})
    assert r.status_code == 302 and fresh(e).status == "feedback"
    assert [(i.text, i.done_by_id is not None) for i in ChecklistItem.objects.filter(event=e).order_by("order")] == [
        ("走访登记", True), ("拍照留存", False)]
    assert last_activity(fresh(e)).data["checklist"] == [first.pk]
    r = op.post(f"/events/{e.number}/do/verify/", {"passed": "1", "expected_version": fresh(e).version})
    assert r.status_code == 302 and fresh(e).status == "closed"
    # counted apart from what the grid reported, and shown as such
    assert Event.objects.filter(source="sent_down").count() == 1
    assert "交办" in op.get(f"/events/{e.number}/").content.decode()


def test_task_refusals(tree, people, loop, client_for):
    data, _due = task_form(tree)
    assert client_for(people.grid_worker).post("/command/tasks/new/", data).status_code == 403
    op = client_for(people.town_operator)
    for bad, code in (({"area_id": tree.g4.pk}, 422), ({"area_id": tree.t1.pk}, 422), ({"title": " "}, 422),
                      ({"due_at": "2020-01-01T08:00"}, 422), ({"category_code": "NOPE"}, 422)):
        r = op.post("/command/tasks/new/", {**data, **bad})
        assert r.status_code == code, (bad, r.status_code)
    assert not Event.objects.filter(source="sent_down").exists()
    assert not Assignment.objects.exists()


def test_a_board_leader_sends_a_task_down(tree, people, loop, client_for):
    from jiewang.accounts.models import Board

    board = Board.objects.create(town=tree.t1, kind="livelihood", name="民生服务")
    leader = person("ms_leader", Role.BOARD_LEADER, tree.t1, board=board)
    c = client_for(leader)
    assert "/command/tasks/new/" in c.get("/dept/").content.decode()
    data, _due = task_form(tree, area_id=tree.c1.pk, **community_duty(tree))
    r = c.post("/command/tasks/new/", data)
    assert r.status_code == 302, r.content[:400]
    e = Event.objects.get(source="sent_down")
    assert (e.level, e.area_path) == ("community", tree.c1.path)
    assert [(x.action, x.actor_role) for x in e.activities.order_by("id")][-1] == ("send_down", "board_leader")


def test_feedback_with_a_foreign_checklist_item_changes_nothing(tree, people, loop, client_for):
    from jiewang.admission.testing import admitted_task

    due = timezone.now() + dt.timedelta(days=1)
    a = admitted_task(people.town_operator, tree.g1, title="任务一", due_at=due, checklist=["一"])
    b = admitted_task(people.town_operator, tree.g1, title="任务二", due_at=due, checklist=["二"])
    gw = client_for(people.grid_worker)
    assert api(gw, f"/assignments/{a.pk}/sign").status_code == 200
    e = fresh(a.event)
    before = snapshot(e)
    foreign = b.event.checklist.get().pk
    refused(api(gw, f"/events/{e.number}/feedback", {"comment": "完成", "checked": [foreign],
                                                    "expected_version": e.version}), 422,
            "task.checklist_item_unknown")
    assert snapshot(e) == before and ChecklistItem.objects.filter(done_at__isnull=False).count() == 0


def test_escalating_work_sent_down_withdraws_it_from_the_area(walk, tree, people, client_for):
    e = walk("accepted")
    send_down(client_for(people.town_operator), e, tree.g1)
    a = Assignment.objects.get(event=e)
    gw = client_for(people.grid_worker)
    assert api(gw, f"/assignments/{a.pk}/sign").status_code == 200
    r = api(gw, f"/events/{e.number}/escalate", {"comment": "网格无法处理", "expected_version": fresh(e).version})
    assert r.status_code == 200, r.content
    assert (fresh(e).status, Assignment.objects.get(pk=a.pk).status) == ("reported", "withdrawn")
    assert e.number not in gw.get("/grid/").content.decode().split('id="h-handle"')[0]


def test_a_task_is_verified_by_its_sender_not_by_the_grid(tree, people, loop, client_for):
    from jiewang.admission.testing import admitted_task

    a = admitted_task(people.town_operator, tree.g1, title="清理楼道杂物", due_at=timezone.now() + dt.timedelta(days=1))
    gw = client_for(people.grid_worker)
    assert api(gw, f"/assignments/{a.pk}/sign").status_code == 200
    assert api(gw, f"/events/{a.event.number}/feedback", {"comment": "已清理"}).status_code == 200
    e = fresh(a.event)
    assert 'data-action="verify"' not in gw.get(f"/events/{e.number}/").content.decode()
    before = snapshot(e)
    for c in (gw, client_for(people.community_staff)):
        refused(api(c, f"/events/{e.number}/verify", {"passed": True}), 403, "task.verify_by_sender")
    assert snapshot(e) == before
    op = client_for(people.town_operator)
    assert 'data-action="verify"' in op.get(f"/events/{e.number}/").content.decode()
    assert api(op, f"/events/{e.number}/verify", {"passed": True}).status_code == 200
