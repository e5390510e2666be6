"""Extension requests (延期): who may ask, when, and the command center's decision — approval
resets the handling clock to the requested deadline, rejection leaves it; a request still pending
when the event moves on lapses."""

from __future__ import annotations

import datetime as dt

import pytest

from jiewang.core.errors import Conflict, NotFound, PermissionDenied
from jiewang.dispatching.models import ExtensionRequest
from jiewang.dispatching.services import assignments as svc
from jiewang.events.services import actions

from .helpers import api, clocks, fresh, last_activity, refused, running, snapshot

pytestmark = pytest.mark.django_db


def ask(client, event, due, comment="材料未到"):
    return api(client, f"/events/{event.number}/extension", {"requested_due_at": due.isoformat(), "comment": comment})


def test_request_and_approve_resets_the_handling_clock(walk, people, loop, client_for):
    e = walk("handling")
    lead = e.assignments.get()
    old = running(e, "handle")
    wanted = (e.due_at + dt.timedelta(days=3)).replace(microsecond=0)
    r = ask(client_for(loop.cgj_staff), e, wanted)
    assert r.status_code == 201, r.content
    body = r.json()
    assert (body["status"], body["reason"], body["decided_at"]) == ("pending", "材料未到", None)
    req = ExtensionRequest.objects.get()
    assert (req.assignment_id, req.requested_by_id, req.requested_due_at) == (lead.pk, loop.cgj_staff.pk, wanted)
    act = last_activity(e)
    assert (act.action, act.actor_role, act.data["request"]) == ("extension_request", "department_staff", req.pk)
    assert fresh(e).version == e.version  # a request changes no status
    r = api(client_for(people.town_operator), f"/extensions/{req.pk}/decide", {"approve": True, "comment": "同意"})
    assert r.status_code == 200, r.content
    req = fresh(req)
    assert (req.status, req.decided_by_id, req.decision_comment) == ("approved", people.town_operator.pk, "同意")
    new = running(e, "handle")
    assert new.pk != old.pk and new.due_at == wanted and fresh(e).due_at == wanted
    assert fresh(old).state == "cancelled"
    assert last_activity(e).action == "extension_approved"


def test_reject_leaves_the_clock(walk, people, loop, client_for):
    e = walk("handling")
    old = running(e, "handle")
    svc.extension_request(event=e, actor=loop.cgj_staff, requested_due_at=e.due_at + dt.timedelta(days=1), reason="x")
    req = ExtensionRequest.objects.get()
    r = api(client_for(people.town_leader), f"/events/{e.number}/decide-extension",
            {"request_id": req.pk, "approve": False, "comment": "不予延期"})
    assert r.status_code == 200, r.content
    assert fresh(req).status == "rejected"
    assert running(e, "handle") == old and fresh(e).due_at == e.due_at
    assert last_activity(e).action == "extension_rejected"


def test_request_refusals_change_nothing(walk, people, loop, client_for):
    e = walk("handling")
    cgj = client_for(loop.cgj_staff)
    later = e.due_at + dt.timedelta(days=2)
    before = snapshot(e)
    refused(ask(cgj, e, e.due_at - dt.timedelta(hours=1)), 422, "extension.not_later")
    refused(ask(cgj, e, e.due_at), 422, "extension.not_later")
    refused(ask(cgj, e, later, comment=" "), 422, "extension.reason_required")
    refused(api(cgj, f"/events/{e.number}/extension", {"requested_due_at": "soon", "comment": "x"}), 422,
            "validation_failed")
    # the command center decides, it does not ask
    refused(ask(client_for(people.town_operator), e, later), 403, "event.action_not_permitted")
    assert snapshot(e) == before
    # one pending at a time
    assert ask(cgj, e, later).status_code == 201
    before = snapshot(e)
    refused(ask(cgj, e, later + dt.timedelta(days=1)), 409, "extension.pending")
    assert snapshot(e) == before


def test_only_a_handling_event_may_be_extended(walk, people, loop, client_for):
    e = walk("dispatched")
    before = snapshot(e)
    refused(ask(client_for(loop.cgj_staff), e, e.due_at + dt.timedelta(days=1)), 409, "extension.not_handling")
    assert snapshot(e) == before


def test_an_assisting_department_may_not_ask(walk, people, loop, client_for):
    e = walk("accepted")
    svc.event_dispatch(event=e, actor=people.admin, lead=loop.cgj, assists=[loop.sthj])
    svc.assignment_sign(assignment=fresh(e).assignments.get(role="lead"), actor=loop.cgj_staff)
    e = fresh(e)
    before = snapshot(e)
    refused(ask(client_for(loop.sthj_staff), e, e.due_at + dt.timedelta(days=1)), 403, "event.action_not_permitted")
    assert snapshot(e) == before


def test_decide_refusals_change_nothing(walk, people, loop, client_for):
    e = walk("handling")
    svc.extension_request(event=e, actor=loop.cgj_staff, requested_due_at=e.due_at + dt.timedelta(days=1), reason="x")
    req = ExtensionRequest.objects.get()
    before = snapshot(e)
    refused(api(client_for(loop.cgj_staff), f"/extensions/{req.pk}/decide", {"approve": True}), 403)
    refused(api(client_for(people.other_district_admin), f"/extensions/{req.pk}/decide", {"approve": True}), 404)
    # scope before input: an empty body on a foreign request is 404, on our own 422
    refused(api(client_for(people.other_district_admin), f"/extensions/{req.pk}/decide", {}), 404)
    refused(api(client_for(people.town_operator), f"/extensions/{req.pk}/decide", {}), 422, "validation_failed")
    refused(api(client_for(people.town_operator), f"/extensions/{10**9}/decide", {"approve": True}), 404,
            "extension.not_found")
    assert snapshot(e) == before
    with pytest.raises(PermissionDenied):
        svc.extension_decide(request=req, actor=loop.cgj_staff, approve=True)
    with pytest.raises(NotFound):
        svc.extension_decide(request=req, actor=people.other_district_admin, approve=True)
    assert snapshot(e) == before
    # decided twice
    svc.extension_decide(request=req, actor=people.town_operator, approve=False)
    before = snapshot(e)
    refused(api(client_for(people.town_operator), f"/extensions/{req.pk}/decide", {"approve": True}), 409,
            "extension.already_decided")
    with pytest.raises(Conflict):
        svc.extension_decide(request=req, actor=people.town_operator, approve=True)
    assert snapshot(e) == before


@pytest.mark.parametrize("step", ["feedback", "shelve", "escalate"])
def test_a_pending_request_lapses_when_the_event_moves_on(walk, people, loop, step):
    if step == "escalate":
        # handled by the community itself, which asks for more time, then passes it up
        e = walk("reported", level="community")
        actions.event_accept(event=e, actor=people.community_staff)
        actions.event_handle_locally(event=fresh(e), actor=people.community_staff)
        e = fresh(e)
        svc.extension_request(event=e, actor=people.community_staff, requested_due_at=e.due_at + dt.timedelta(days=1),
                              reason="x")
        actions.event_escalate(event=fresh(e), actor=people.community_staff, reason="需镇街协调")
    else:
        e = walk("handling")
        svc.extension_request(event=e, actor=loop.cgj_staff, requested_due_at=e.due_at + dt.timedelta(days=1),
                              reason="x")
        if step == "feedback":
            actions.event_feedback(event=fresh(e), actor=loop.cgj_staff, comment="已办结")
        else:
            actions.event_shelve(event=fresh(e), actor=people.town_operator, reason="长期工作")
    req = ExtensionRequest.objects.get()
    assert req.status == "lapsed" and req.decided_at is not None and req.decided_by_id is None
    # and can no longer be decided
    before = snapshot(e)
    with pytest.raises(Conflict) as exc:
        svc.extension_decide(request=req, actor=people.admin, approve=True)
    assert exc.value.code == "extension.already_decided"
    assert snapshot(e) == before


def test_decided_requests_do_not_lapse(walk, people, loop):
    e = walk("handling")
    svc.extension_request(event=e, actor=loop.cgj_staff, requested_due_at=e.due_at + dt.timedelta(days=1), reason="x")
    req = ExtensionRequest.objects.get()
    svc.extension_decide(request=req, actor=people.town_operator, approve=True)
    actions.event_feedback(event=fresh(e), actor=loop.cgj_staff, comment="已办结")
    assert fresh(req).status == "approved"
    # the approved handling clock is met by the feedback
    assert [c[3] for c in clocks(e, "handle")][-1] == "met"
