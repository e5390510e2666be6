"""The gate (职责事项准入): a task without an admitted duty is held, then refused and never seen by
a grid worker; an admitted one is delivered; approval delivers a held one; every path that sends
work down to an area goes through the gate (no bypass); pushes to the town's posts are not gated."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.utils import timezone

from jiewang.admission.models import PushRequest
from jiewang.admission.testing import item, push
from jiewang.audit.models import AuditEntry
from jiewang.core.errors import Conflict
from jiewang.dispatching.models import Assignment
from jiewang.events.models import Event, MatterCategory
from jiewang.notifications.models import Notification

pytestmark = pytest.mark.django_db


def post(client, url, body=None):
    return client.post(url, data=json.dumps(body or {}), content_type="application/json")


def task_body(tree, **kw):
    body = {"area_id": tree.g1.pk, "category_code": "LS01", "title": "表外统计任务", "description": "填报统计表",
            "due_at": (timezone.now() + dt.timedelta(days=3)).isoformat(), "checklist": ["填表"]}
    body.update(kw)
    return body


def grid_worker_sees(client_for, people, title: str) -> bool:
    """Anything of a task titled ``title`` in the grid worker's inbox, API, event search or page."""
    gw = client_for(people.grid_worker)
    inbox = Notification.objects.filter(recipient=people.grid_worker, title__contains=title).exists()
    api_list = title in gw.get("/api/events?limit=200").content.decode()
    search = title in gw.get("/api/events/search?page_size=200").content.decode()
    page = title in gw.get("/grid/").content.decode()
    pushes = gw.get("/api/admission/pushes").json()
    return inbox or api_list or search or page or bool(pushes)


def test_a_task_without_an_admitted_duty_is_held_then_refused_and_never_reaches_a_grid_worker(
        tree, people, loop, dlist, commander, client_for):
    op = client_for(people.town_operator)
    r = post(op, "/api/tasks", task_body(tree))
    assert r.status_code == 202, r.content
    held = r.json()
    assert (held["status"], held["reasons"], held["event_number"]) == ("held", ["no_item"], None)
    assert not Event.objects.filter(source="sent_down").exists() and not Assignment.objects.exists()
    # the command center is told; the grid worker is not, and sees nothing
    assert Notification.objects.filter(recipient=commander, kind="push.held").exists()
    assert not grid_worker_sees(client_for, people, "表外统计任务")
    # the one who pushed it may not decide it; a grid worker may not either
    assert post(op, f"/api/admission/pushes/{held['id']}/refuse", {"reason": "x"}).status_code == 403
    assert post(client_for(people.grid_worker), f"/api/admission/pushes/{held['id']}/refuse",
                {"reason": "x"}).status_code == 404
    r = post(client_for(commander), f"/api/admission/pushes/{held['id']}/refuse", {"reason": "不在准入清单内，请走报表通道"})
    assert r.status_code == 200, r.content
    p = PushRequest.objects.get(pk=held["id"])
    assert (p.status, p.decided_by, p.decision_comment, p.event_id) == ("refused", commander,
                                                                        "不在准入清单内，请走报表通道", None)
    assert p.held_at and p.refused_at and not p.approved_at
    assert Notification.objects.filter(recipient=people.town_operator, kind="push.refused").exists()
    # a decided push stays decided
    r = post(client_for(commander), f"/api/admission/pushes/{held['id']}/approve")
    assert (r.status_code, r.json()["code"]) == (409, "push.already_decided")
    assert not Event.objects.filter(source="sent_down").exists() and not Assignment.objects.exists()
    assert not grid_worker_sees(client_for, people, "表外统计任务")
    assert AuditEntry.objects.filter(action="push.refuse", object_id=str(p.pk)).exists()


def test_an_admitted_task_is_delivered_at_once(tree, people, loop, dlist, client_for):
    r = post(client_for(people.town_operator), "/api/tasks",
             task_body(tree, title="政策宣传进小区", duty_item_id=item("PB01").pk))
    assert r.status_code == 201, r.content
    out = r.json()
    assert (out["status"], out["list_version"], out["duty_item"], out["reasons"]) == ("admitted", 1, "PB01 政策宣传", [])
    e = Event.objects.get(number=out["event_number"])
    assert (e.source, e.status, e.grid_id) == ("sent_down", "dispatched", tree.g1.pk)
    assert Assignment.objects.get(event=e).area_id == tree.g1.pk
    assert e.deadlines.filter(kind="handle").exists() and e.due_at is not None  # the deadline machinery
    gw = client_for(people.grid_worker)
    assert "政策宣传进小区" in gw.get("/api/events/search?page_size=200").content.decode()
    assert "政策宣传进小区" in gw.get("/grid/").content.decode()
    assert gw.get("/api/admission/pushes").json() == []


def test_approval_delivers_a_held_task_as_the_pushers(tree, people, loop, dlist, commander, client_for):
    p = push(people.town_operator, tree.g1, title="临时摸排")
    assert p.status == "held"
    r = post(client_for(commander), f"/api/admission/pushes/{p.pk}/approve", {"comment": "同意，限本周"})
    assert r.status_code == 200, r.content
    p.refresh_from_db()
    assert (p.status, p.decided_by, p.event.reporter, p.event.source) == ("approved", commander,
                                                                          people.town_operator, "sent_down")
    assert p.approved_at and p.delivered_at
    assert Assignment.objects.get(event=p.event).area_id == tree.g1.pk
    assert "临时摸排" in client_for(people.grid_worker).get("/grid/").content.decode()


def test_the_rule_level_pusher_and_version(tree, people, loop, dlist):
    # RK01 allows the town and 城市管理局; PB01 the town only; AQ01 is a community duty
    assert push(people.department_staff, tree.g1, code="RK01").status == "admitted"
    p = push(people.department_staff, tree.g1, code="PB01")
    assert (p.status, p.reasons, p.pusher_kind) == ("held", ["pusher_not_admitted"], "department")
    p = push(people.town_operator, tree.g1, code="AQ01")
    assert (p.status, p.reasons) == ("held", ["level_not_admitted"])
    assert push(people.town_operator, tree.c1, code="AQ01").status == "admitted"
    # another department of the district is held on RK01
    assert push(loop.sthj_staff, tree.g1, code="RK01").reasons == ["pusher_not_admitted"]


def test_no_list_in_force_holds_everything(tree, people, loop):
    p = push(people.town_operator, tree.g1)
    assert (p.status, p.reasons, p.event) == ("held", ["no_list", "no_item"], None)


def test_refusals_write_nothing(tree, people, loop, dlist, client_for):
    op = client_for(people.town_operator)
    before = (PushRequest.objects.count(), Event.objects.count(), AuditEntry.objects.count())
    for body, status in ((task_body(tree, area_id=tree.t1.pk), 422), (task_body(tree, area_id=tree.g4.pk), 404),
                         (task_body(tree, title=" "), 422), (task_body(tree, due_at="2020-01-01T00:00:00+08:00"), 422),
                         (task_body(tree, duty_item_id=999999), 404),
                         (task_body(tree, form=[{"key": "A B", "type": "text"}]), 422)):
        r = post(op, "/api/tasks", body)
        assert r.status_code == status, (body, r.content)
    assert post(client_for(people.grid_worker), "/api/tasks", task_body(tree)).status_code == 403
    assert post(client_for(None), "/api/tasks", task_body(tree)).status_code == 401
    assert (PushRequest.objects.count(), Event.objects.count(), AuditEntry.objects.count()) == before


# ---- no bypass -------------------------------------------------------------------------------------

def test_no_path_sends_work_down_without_the_gate(tree, people, loop, dlist, client_for):
    """dispatching's own services refuse a task without the gate's pass; the send_down row of an
    event that does not lie in the area needs an admitted duty; the task page holds."""
    from jiewang.dispatching import gate
    from jiewang.dispatching.services.sending import event_send_down, task_send_down
    from jiewang.events.testing import make_event

    cat = MatterCategory.objects.get(code="LS01")
    due = timezone.now() + dt.timedelta(days=1)
    with pytest.raises(Conflict) as exc:
        task_send_down(actor=people.town_operator, area=tree.g1, category=cat, title="绕过", due_at=due)
    assert exc.value.code == "admission.not_admitted"
    # a used pass cannot be used again; a held push is no pass
    p = push(people.town_operator, tree.g1, code="PB01")
    held = push(people.town_operator, tree.g1)
    for bad in (p, held):
        with pytest.raises(Conflict):
            task_send_down(actor=people.town_operator, area=tree.g1, category=cat, title="绕过", due_at=due,
                           admission=bad)
    assert not Event.objects.filter(title="绕过").exists()
    # an event of 甲社区第1网格 sent down to 第2网格 (where it does not lie) needs a duty
    e = make_event(tree, people, loop, "accepted", level="town")
    op = client_for(people.town_operator)
    r = post(op, f"/api/events/{e.number}/send-down", {"area_id": tree.g2.pk})
    assert (r.status_code, r.json()["code"]) == (409, "admission.not_admitted")
    assert not Assignment.objects.filter(event=e).exists()
    r = post(op, f"/api/events/{e.number}/send-down", {"area_id": tree.g2.pk, "duty_item_id": item("PB01").pk})
    assert r.status_code == 200, r.content
    assert PushRequest.objects.get(event=e).status == "admitted"
    # where it lies, it is the grid's standing duty
    e2 = make_event(tree, people, loop, "accepted", level="town")
    assert post(op, f"/api/events/{e2.number}/send-down", {"area_id": tree.g1.pk}).status_code == 200
    with pytest.raises(Conflict):
        event_send_down(event=make_event(tree, people, loop, "accepted", level="town"), actor=people.town_operator,
                        area=tree.g2)
    # with the checker gone, nothing passes (fails closed)
    saved = gate._checker
    gate._checker = None
    try:
        with pytest.raises(Conflict) as exc:
            gate.ensure_admitted(actor=None, area=tree.g1, admission=p)
        assert exc.value.code == "admission.gate_missing"
    finally:
        gate._checker = saved


def test_every_assignment_to_an_area_is_written_behind_the_gate():
    """The only code that creates an assignment to an area is event_send_down, which calls the gate
    first (a source check, so a new path cannot be added without it)."""
    import inspect
    import pathlib
    import re

    from jiewang.dispatching.services import sending

    root = pathlib.Path(sending.__file__).parents[2]
    creators = []
    for path in root.rglob("*.py"):
        if "tests" in path.parts or "migrations" in path.parts:
            continue
        text = path.read_text(encoding="utf-8")
        if re.search(r"Assignment\((?:[^()]|\([^()]*\))*\barea=", text) or re.search(
                r"Assignment\.objects\.(?:create|bulk_create)\((?:[^()]|\([^()]*\))*\barea=", text):
            creators.append(path.relative_to(root).as_posix())
    assert creators == ["dispatching/services/sending.py"]
    src = inspect.getsource(sending.event_send_down)
    assert src.index("ensure_admitted(") < src.index("Assignment.objects.create(")
    assert "ensure_admitted(" in inspect.getsource(sending.task_send_down)


def test_dispatch_to_the_towns_own_posts_is_not_gated(tree, people, loop, dlist, client_for):
    from jiewang.accounts.models import Board, Post
    from jiewang.events.testing import make_event

    board = Board.objects.create(town=tree.t1, kind="livelihood", name="民生服务")
    post_ = Post.objects.create(board=board, name="社会事务岗")
    e = make_event(tree, people, loop, "accepted", level="town")
    r = post(client_for(people.town_operator), f"/api/events/{e.number}/dispatch",
             {"lead_post_id": post_.pk, "comment": "请办理", "expected_version": e.version})
    assert r.status_code == 200, r.content
    assert not PushRequest.objects.exists()


def test_a_community_reads_what_reached_it_and_never_a_held_or_refused_push(
        tree, people, loop, dlist, commander, client_for):
    """The community's staff see the pushes admitted into their community (API and page), not a
    held one, not a refused one, and another community's staff see none of them."""
    op = client_for(people.town_operator)
    admitted = post(op, "/api/tasks", task_body(tree, title="政策宣传进小区", duty_item_id=item("PB01").pk)).json()
    held = post(op, "/api/tasks", task_body(tree, title="表外统计任务")).json()
    refused = post(op, "/api/tasks", task_body(tree, title="表外摸排任务")).json()
    assert post(client_for(commander), f"/api/admission/pushes/{refused['id']}/refuse",
                {"reason": "不在清单内"}).status_code == 200
    cs = client_for(people.community_staff)
    assert [p["id"] for p in cs.get("/api/admission/pushes").json()] == [admitted["id"]]
    assert cs.get(f"/api/admission/pushes/{admitted['id']}").status_code == 200
    assert cs.get(f"/api/admission/pushes/{held['id']}").status_code == 404
    page = cs.get("/admission/").content.decode()
    assert "政策宣传进小区" in page and "表外统计任务" not in page and "表外摸排任务" not in page
    assert client_for(people.other_community_staff).get("/api/admission/pushes").json() == []
    # reading is all: a community may not decide a push
    assert post(cs, f"/api/admission/pushes/{held['id']}/approve").status_code in (403, 404)
    assert PushRequest.objects.get(pk=held["id"]).status == "held"
