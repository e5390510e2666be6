"""Dispatch, sign-for, return, an assisting department's feedback, dispute and arbitration, and
redispatch: through the API (the registry's routes) and the services. Every refusal is checked
to change nothing (:func:`.helpers.snapshot`)."""

from __future__ import annotations

import pytest

from jiewang.accounts.models import Department
from jiewang.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from jiewang.dispatching.models import Assignment
from jiewang.dispatching.services import assignments as svc
from jiewang.events.models import EventActivity
from jiewang.notifications.models import Notification

from .helpers import api, clocks, fresh, last_activity, refused, running, snapshot

pytestmark = pytest.mark.django_db


def dispatch(client, event, **body):
    body.setdefault("expected_version", fresh(event).version)
    return api(client, f"/events/{event.number}/dispatch", body)


def two_departments(walk, people, loop, client_for):
    """An event dispatched by the town operator to cgj (lead) and sthj (assisting)."""
    e = walk("accepted")
    r = dispatch(client_for(people.town_operator), e, lead_department_id=loop.cgj.pk,
                 assist_department_ids=[loop.sthj.pk], comment="请城管主办")
    assert r.status_code == 200, r.content
    e = fresh(e)
    return e, e.assignments.get(role="lead"), e.assignments.get(role="assist")


# ---- dispatch -----------------------------------------------------------------------------------

def test_dispatch_to_a_lead_and_an_assisting_department(walk, people, loop, client_for):
    e = walk("accepted")
    handle_due = fresh(e).due_at
    r = dispatch(client_for(people.town_operator), e, lead_department_id=loop.cgj.pk,
                 assist_department_ids=[loop.sthj.pk], comment="请城管主办")
    assert r.status_code == 200, r.content
    body = r.json()
    assert [(a["department_name"], a["role"], a["status"], a["instructions"]) for a in body] == [
        ("北区城市管理局", "lead", "dispatched", "请城管主办"), ("北区生态环境局", "assist", "dispatched", "请城管主办")]
    ev = fresh(e)
    assert (ev.status, ev.level, ev.version) == ("dispatched", "department", e.version + 1)
    assert ev.due_at == handle_due  # the handling clock of the acceptance runs on until the sign-for
    lead, assist = ev.assignments.get(role="lead"), ev.assignments.get(role="assist")
    assert lead.dispatched_by_id == people.town_operator.pk
    # one sign-for clock per assignment
    assert clocks(ev, "sign") == [("sign", "assignment", lead.pk, "running"),
                                  ("sign", "assignment", assist.pk, "running")]
    act = last_activity(ev)
    assert (act.action, act.actor_role, act.comment, act.data) == (
        "dispatch", "town_operator", "请城管主办", {"lead": "北区城市管理局", "assists": ["北区生态环境局"]})
    # both departments are told
    assert Notification.objects.filter(recipient=loop.cgj_staff, event_number=ev.number).exists()
    assert Notification.objects.filter(recipient=loop.sthj_staff, event_number=ev.number).exists()


def test_dispatch_to_a_post_of_the_town(walk, people, posts, client_for):
    e = walk("accepted")
    r = dispatch(client_for(people.town_operator), e, lead_post_id=posts.own.pk)
    assert r.status_code == 200, r.content
    [a] = r.json()
    assert (a["post_id"], a["department_id"], a["role"]) == (posts.own.pk, None, "lead")


def test_dispatch_refusals_change_nothing(walk, tree, people, loop, posts, client_for):
    e = walk("accepted")
    op = client_for(people.town_operator)
    before = snapshot(e)
    cases = [
        # (client, body, status, code)
        (op, {}, 422, "dispatch.lead_required"),  # no lead
        (op, {"lead_department_id": loop.cgj.pk, "lead_post_id": posts.own.pk}, 422, "dispatch.lead_required"),
        (op, {"lead_department_id": 10**9}, 404, "dispatch.lead_not_found"),  # lead not found
        (op, {"lead_department_id": loop.cgj.pk, "assist_department_ids": [10**9]}, 404,
         "dispatch.assist_not_found"),
        # a department of another district is outside the operator's scope: not found
        (op, {"lead_department_id": people.other_department.pk}, 404, "dispatch.lead_not_found"),
        # the superuser sees it, and is told it does not serve this area
        (client_for(people.admin), {"lead_department_id": people.other_department.pk}, 422,
         "dispatch.department_out_of_area"),
        (client_for(people.admin), {"lead_department_id": loop.cgj.pk,
                                    "assist_department_ids": [people.other_department.pk]}, 422,
         "dispatch.department_out_of_area"),
        # a post of another town: outside the operator's scope, and refused for the district admin
        (op, {"lead_post_id": posts.other.pk}, 404, "dispatch.lead_not_found"),
        (client_for(people.district_admin), {"lead_post_id": posts.other.pk}, 422, "dispatch.post_out_of_area"),
        # stale version
        (op, {"lead_department_id": loop.cgj.pk, "expected_version": e.version - 1}, 409, "event.stale"),
        # ids beyond the database's 64 bits are refused as input, not a server error
        (op, {"lead_department_id": 2**64}, 422, "validation_failed"),
        (op, {"lead_department_id": loop.cgj.pk, "assist_department_ids": [2**63]}, 422, "validation_failed"),
        (op, {"lead_department_id": "cgj"}, 422, "validation_failed"),
    ]
    for client, body, status, code in cases:
        refused(dispatch(client, e, **body), status, code)
        assert snapshot(e) == before, body
    assert not Assignment.objects.exists()


def test_dispatch_to_an_inactive_department_is_refused(walk, people, loop, client_for):
    e = walk("accepted")
    Department.objects.filter(pk=loop.sthj.pk).update(is_active=False)
    before = snapshot(e)
    # the page and the API look departments up among the active ones
    refused(dispatch(client_for(people.town_operator), e, lead_department_id=loop.sthj.pk), 404,
            "dispatch.lead_not_found")
    # a service caller holding the row is refused too
    with pytest.raises(ValidationFailed) as exc:
        svc.event_dispatch(event=e, actor=people.admin, lead=fresh(loop.sthj))
    assert exc.value.code == "dispatch.department_out_of_area"
    assert snapshot(e) == before


def test_duplicate_targets(walk, people, loop, client_for):
    e = walk("accepted")
    before = snapshot(e)
    # the service refuses a department listed twice among the assisting ones
    with pytest.raises(ValidationFailed) as exc:
        svc.event_dispatch(event=e, actor=people.admin, lead=loop.cgj, assists=[loop.sthj, loop.sthj])
    assert exc.value.code == "dispatch.duplicate_target"
    assert snapshot(e) == before
    # the API resolves ids to departments once each, and drops the lead from the assisting ones
    r = dispatch(client_for(people.town_operator), e, lead_department_id=loop.cgj.pk,
                 assist_department_ids=[loop.sthj.pk, loop.sthj.pk, loop.cgj.pk])
    assert r.status_code == 200, r.content
    assert sorted((a["department_name"], a["role"]) for a in r.json()) == [
        ("北区城市管理局", "lead"), ("北区生态环境局", "assist")]


def test_the_lead_named_again_as_assisting_is_refused_by_the_service(walk, people, loop):
    e = walk("accepted")
    before = snapshot(e)
    with pytest.raises(ValidationFailed) as exc:
        svc.event_dispatch(event=e, actor=people.admin, lead=loop.cgj, assists=[loop.cgj])
    assert exc.value.code == "dispatch.duplicate_target"
    assert snapshot(e) == before


def test_dispatch_order_of_refusals(walk, tree, people, loop, client_for):
    """404 (outside scope) before 409 (wrong state) before 403 (no role) before 422 (input)."""
    south = walk("accepted", at=(106.7, 29.5), lead=people.other_department)
    reported = walk("reported")
    accepted = walk("accepted")
    op = client_for(people.town_operator)
    snaps = {x.pk: snapshot(x) for x in (south, reported, accepted)}
    refused(api(op, f"/events/{south.number}/dispatch", {"lead_department_id": "x"}), 404, "event.not_found")
    refused(api(op, f"/events/{reported.number}/dispatch", {"lead_department_id": "x"}), 409,
            "event.transition_not_allowed")
    # community staff see the event (in their community) but may not dispatch
    refused(api(client_for(people.community_staff), f"/events/{accepted.number}/dispatch",
                {"lead_department_id": "x"}), 403, "event.action_not_permitted")
    refused(api(op, f"/events/{accepted.number}/dispatch", {"lead_department_id": "x"}), 422, "validation_failed")
    refused(api(op, "/events/no-such-number/dispatch", {}), 404, "event.not_found")
    for x in (south, reported, accepted):
        assert snapshot(x) == snaps[x.pk]


# ---- sign ---------------------------------------------------------------------------------------

def test_the_leads_sign_for_starts_the_handling(walk, people, loop, client_for):
    e, lead, assist = two_departments(walk, people, loop, client_for)
    r = api(client_for(loop.cgj_staff), f"/assignments/{lead.pk}/sign")
    assert r.status_code == 200, r.content
    assert (r.json()["id"], r.json()["status"]) == (lead.pk, "signed")
    ev = fresh(e)
    assert (ev.status, ev.version) == ("handling", e.version + 1)
    lead = fresh(lead)
    assert (lead.status, lead.signed_by_id) == ("signed", loop.cgj_staff.pk) and lead.signed_at is not None
    # its sign-for clock is met, the assisting one's still runs, and the handling clock restarts
    assert clocks(ev, "sign") == [("sign", "assignment", lead.pk, "met"), ("sign", "assignment", assist.pk, "running")]
    handle = running(ev, "handle")
    assert handle.started_at == lead.signed_at and ev.due_at == handle.due_at
    assert [c[3] for c in clocks(ev, "handle")] == ["cancelled", "running"]
    act = last_activity(ev)
    assert (act.action, act.actor_role, act.data) == ("sign", "department_staff", {"assignment": lead.pk})


def test_an_assisting_sign_for_only_stops_its_own_clock(walk, people, loop, client_for):
    e, lead, assist = two_departments(walk, people, loop, client_for)
    r = api(client_for(loop.sthj_staff), f"/events/{e.number}/sign", {"assignment_id": assist.pk})
    assert r.status_code == 200, r.content
    ev = fresh(e)
    assert (ev.status, ev.version) == ("dispatched", e.version)
    assert fresh(assist).status == "signed" and fresh(lead).status == "dispatched"
    assert clocks(ev, "sign") == [("sign", "assignment", lead.pk, "running"), ("sign", "assignment", assist.pk, "met")]
    act = last_activity(ev)
    assert (act.action, act.actor_role, act.data["assignment"]) == ("assist_sign", "department_staff", assist.pk)


def test_sign_refusals_change_nothing(walk, people, loop, client_for, south_staff):
    e, lead, assist = two_departments(walk, people, loop, client_for)
    other = walk("dispatched")
    before = snapshot(e)
    # another department that sees the event (it assists) may not sign for the lead's assignment
    refused(api(client_for(loop.sthj_staff), f"/assignments/{lead.pk}/sign"), 403, "event.action_not_permitted")
    refused(api(client_for(loop.sthj_staff), f"/events/{e.number}/sign", {"assignment_id": lead.pk}), 403,
            "event.action_not_permitted")
    # the command center may not sign for a department
    refused(api(client_for(people.town_operator), f"/assignments/{lead.pk}/sign"), 403,
            "event.action_not_permitted")
    # a department of another district cannot see it at all
    refused(api(client_for(south_staff), f"/assignments/{lead.pk}/sign"), 404)
    refused(api(client_for(south_staff), f"/events/{e.number}/sign", {"assignment_id": lead.pk}), 404)
    # ids: missing, unknown, of another event, beyond 64 bits
    cgj = client_for(loop.cgj_staff)
    refused(api(cgj, f"/events/{e.number}/sign", {}), 422, "validation_failed")
    refused(api(cgj, f"/events/{e.number}/sign", {"assignment_id": 10**9}), 404, "assignment.not_found")
    refused(api(cgj, f"/events/{e.number}/sign", {"assignment_id": 2**64}), 422, "validation_failed")
    refused(api(cgj, f"/assignments/{2**64}/sign"), 404, "assignment.not_found")  # no such row can exist
    refused(api(cgj, f"/assignments/{10**9}/sign"), 404, "assignment.not_found")
    refused(api(cgj, f"/events/{e.number}/sign", {"assignment_id": other.assignments.get().pk}), 404,
            "assignment.not_found")
    assert snapshot(e) == before
    # already signed: 409
    assert api(cgj, f"/assignments/{lead.pk}/sign").status_code == 200
    before = snapshot(e)
    refused(api(cgj, f"/assignments/{lead.pk}/sign"), 409, "dispatch.not_awaiting_sign")
    assert snapshot(e) == before


def test_sign_through_the_service(walk, people, loop, south_staff):
    e = walk("dispatched")
    a = e.assignments.get()
    before = snapshot(e)
    with pytest.raises(NotFound):
        svc.assignment_sign(assignment=a, actor=south_staff)
    with pytest.raises(PermissionDenied):
        svc.assignment_sign(assignment=a, actor=people.town_operator)
    assert snapshot(e) == before
    svc.assignment_sign(assignment=a, actor=loop.cgj_staff)
    before = snapshot(e)
    with pytest.raises(Conflict) as exc:
        svc.assignment_sign(assignment=a, actor=loop.cgj_staff)
    assert exc.value.code == "dispatch.not_awaiting_sign"
    assert snapshot(e) == before


# ---- return -------------------------------------------------------------------------------------

def test_the_leads_return_reopens_dispatch(walk, people, loop, client_for):
    e, lead, assist = two_departments(walk, people, loop, client_for)
    api(client_for(loop.sthj_staff), f"/assignments/{assist.pk}/sign")
    r = api(client_for(loop.cgj_staff), f"/assignments/{lead.pk}/return", {"comment": "应由规划部门主办"})
    assert r.status_code == 200, r.content
    assert (r.json()["status"], r.json()["return_reason"]) == ("returned", "应由规划部门主办")
    ev = fresh(e)
    assert (ev.status, ev.level, ev.version) == ("accepted", "town", e.version + 1)
    lead, assist = fresh(lead), fresh(assist)
    assert lead.returned_at is not None and lead.closed_at == lead.returned_at
    # every other open assignment is withdrawn, its clock cancelled
    assert (assist.status, assist.closed_at) == ("withdrawn", lead.returned_at)
    assert clocks(ev, "sign") == [("sign", "assignment", lead.pk, "cancelled"),
                                  ("sign", "assignment", assist.pk, "met")]
    act = EventActivity.objects.get(event=ev, action="return")
    assert (act.actor_role, act.comment, act.from_status, act.to_status) == (
        "department_staff", "应由规划部门主办", "dispatched", "accepted")
    # and the town may dispatch again
    r = dispatch(client_for(people.town_operator), ev, lead_department_id=loop.sthj.pk)
    assert r.status_code == 200, r.content


def test_an_assisting_department_just_leaves(walk, people, loop, client_for):
    e, lead, assist = two_departments(walk, people, loop, client_for)
    r = api(client_for(loop.sthj_staff), f"/events/{e.number}/return",
            {"assignment_id": assist.pk, "comment": "非本部门职责"})
    assert r.status_code == 200, r.content
    ev = fresh(e)
    assert (ev.status, ev.version) == ("dispatched", e.version)
    assert (fresh(assist).status, fresh(lead).status) == ("returned", "dispatched")
    assert clocks(ev, "sign") == [("sign", "assignment", lead.pk, "running"),
                                  ("sign", "assignment", assist.pk, "cancelled")]
    act = last_activity(ev)
    assert (act.action, act.comment) == ("assist_return", "非本部门职责")


def test_return_refusals_change_nothing(walk, people, loop, client_for):
    e, lead, assist = two_departments(walk, people, loop, client_for)
    cgj = client_for(loop.cgj_staff)
    before = snapshot(e)
    refused(api(cgj, f"/assignments/{lead.pk}/return", {"comment": "  "}), 422, "dispatch.reason_required")
    refused(api(cgj, f"/assignments/{lead.pk}/return", {}), 422, "validation_failed")
    refused(api(client_for(loop.sthj_staff), f"/assignments/{lead.pk}/return", {"comment": "x"}), 403)
    assert snapshot(e) == before
    # once signed, it can no longer be returned (dispute it instead)
    api(cgj, f"/assignments/{lead.pk}/sign")
    before = snapshot(e)
    refused(api(cgj, f"/assignments/{lead.pk}/return", {"comment": "不是我们的"}), 409, "dispatch.not_awaiting_sign")
    assert snapshot(e) == before


# ---- an assisting department's feedback -------------------------------------------------------

def test_assist_feedback(walk, people, loop, client_for):
    e, lead, assist = two_departments(walk, people, loop, client_for)
    sthj, cgj = client_for(loop.sthj_staff), client_for(loop.cgj_staff)
    before = snapshot(e)
    # not signed yet
    refused(api(sthj, f"/assignments/{assist.pk}/assist-feedback", {"comment": "已完成"}), 409, "dispatch.not_signed")
    assert snapshot(e) == before
    api(sthj, f"/assignments/{assist.pk}/sign")
    api(cgj, f"/assignments/{lead.pk}/sign")
    before = snapshot(e)
    refused(api(sthj, f"/assignments/{assist.pk}/assist-feedback", {"comment": ""}), 422,
            "dispatch.feedback_required")
    # the lead's feedback is the event's own action, not this one
    refused(api(cgj, f"/assignments/{lead.pk}/assist-feedback", {"comment": "已完成"}), 409)
    refused(api(cgj, f"/assignments/{assist.pk}/assist-feedback", {"comment": "已完成"}), 403)
    assert snapshot(e) == before
    r = api(sthj, f"/events/{e.number}/assist-feedback", {"assignment_id": assist.pk, "comment": "已监测水质"})
    assert r.status_code == 200, r.content
    assist = fresh(assist)
    assert (assist.status, assist.feedback) == ("feedback", "已监测水质") and assist.feedback_at is not None
    ev = fresh(e)
    assert (ev.status, ev.version) == ("handling", before["event"][1])
    act = last_activity(ev)
    assert (act.action, act.comment, act.data["assignment"]) == ("assist_feedback", "已监测水质", assist.pk)
    # twice: refused
    before = snapshot(e)
    refused(api(sthj, f"/assignments/{assist.pk}/assist-feedback", {"comment": "again"}), 409)
    assert snapshot(e) == before


# ---- dispute and arbitration ---------------------------------------------------------------------

def test_dispute_then_arbitration_keeps_the_department(walk, people, loop, client_for):
    e = walk("handling")
    a = e.assignments.get()
    cgj, op = client_for(loop.cgj_staff), client_for(people.town_operator)
    r = api(cgj, f"/assignments/{a.pk}/dispute", {"comment": "属于物业管理范畴"})
    assert r.status_code == 200, r.content
    a = fresh(a)
    assert (a.status, a.dispute_reason, a.arbitrated_at) == ("signed", "属于物业管理范畴", None)
    assert a.disputed_at is not None
    assert Notification.objects.filter(recipient=people.town_operator, kind="assignment.dispute").count() == 1
    ev = fresh(e)
    assert (ev.status, ev.version) == ("handling", e.version)  # the clocks keep running meanwhile
    before = snapshot(e)
    refused(api(cgj, f"/assignments/{a.pk}/dispute", {"comment": "again"}), 409, "dispatch.dispute_pending")
    refused(api(op, f"/assignments/{a.pk}/arbitrate", {"keep": True, "comment": ""}), 422,
            "dispatch.reason_required")
    refused(api(op, f"/assignments/{a.pk}/arbitrate", {"comment": "x"}), 422, "validation_failed")
    refused(api(cgj, f"/assignments/{a.pk}/arbitrate", {"keep": True, "comment": "x"}), 403)
    assert snapshot(e) == before
    r = api(op, f"/events/{e.number}/arbitrate", {"assignment_id": a.pk, "keep": True, "comment": "职责清单明确"})
    assert r.status_code == 200, r.content
    a = fresh(a)
    assert a.arbitrated_at is not None and a.status == "signed"
    act = last_activity(e)
    assert (act.action, act.comment, act.data) == ("arbitrate", "职责清单明确",
                                                   {"assignment": a.pk, "ruling": "keep"})
    # no dispute pending any more
    before = snapshot(e)
    refused(api(op, f"/assignments/{a.pk}/arbitrate", {"keep": True, "comment": "再裁"}), 409, "dispatch.no_dispute")
    assert snapshot(e) == before


def test_dispute_needs_a_signed_assignment(walk, people, loop, client_for):
    e = walk("dispatched")
    a = e.assignments.get()
    before = snapshot(e)
    refused(api(client_for(loop.cgj_staff), f"/assignments/{a.pk}/dispute", {"comment": "x"}), 409,
            "dispatch.not_signed")
    assert snapshot(e) == before


def test_arbitration_redispatches(walk, people, loop, client_for):
    e = walk("handling")
    a = e.assignments.get()
    op = client_for(people.town_operator)
    api(client_for(loop.cgj_staff), f"/assignments/{a.pk}/dispute", {"comment": "应由环保主办"})
    before = snapshot(e)
    # redispatching needs a new lead: refused before anything is written
    refused(api(op, f"/assignments/{a.pk}/arbitrate", {"keep": False, "comment": "改派"}), 422,
            "dispatch.lead_required")
    assert snapshot(e) == before
    r = api(op, f"/assignments/{a.pk}/arbitrate", {"keep": False, "comment": "改由环保主办",
                                                   "lead_department_id": loop.sthj.pk})
    assert r.status_code == 200, r.content
    [new] = r.json()
    assert (new["department_name"], new["role"], new["status"]) == ("北区生态环境局", "lead", "dispatched")
    old = fresh(a)
    assert old.status == "withdrawn" and old.arbitrated_at is not None
    ev = fresh(e)
    assert (ev.status, ev.level) == ("dispatched", "department")
    assert list(EventActivity.objects.filter(event=ev).order_by("id").values_list("action", flat=True))[-3:] == [
        "dispute", "redispatch", "arbitrate"]
    assert EventActivity.objects.get(event=ev, action="redispatch").comment == "仲裁：改由环保主办"
    assert clocks(ev, "sign")[-1] == ("sign", "assignment", new["id"], "running")


# ---- redispatch ---------------------------------------------------------------------------------

def test_redispatch_withdraws_every_open_assignment(walk, people, loop, client_for):
    from jiewang.dispatching.models import ExtensionRequest

    e, lead, assist = two_departments(walk, people, loop, client_for)
    api(client_for(loop.cgj_staff), f"/assignments/{lead.pk}/sign")
    ev = fresh(e)
    ghzy = Department.objects.create(area=loop.cgj.area, name="北区规划和自然资源局", code="ghzy")
    svc.extension_request(event=ev, actor=loop.cgj_staff, requested_due_at=ev.due_at.replace(year=ev.due_at.year + 1),
                          reason="材料未到")
    op = client_for(people.town_operator)
    before = snapshot(ev)
    refused(api(op, f"/events/{ev.number}/redispatch", {"lead_department_id": ghzy.pk, "comment": " "}), 422,
            "dispatch.reason_required")
    refused(api(op, f"/events/{ev.number}/redispatch", {"lead_department_id": ghzy.pk}), 422, "validation_failed")
    refused(api(op, f"/events/{ev.number}/redispatch", {"lead_department_id": ghzy.pk, "comment": "x",
                                                        "expected_version": ev.version - 1}), 409, "event.stale")
    assert snapshot(ev) == before
    r = api(op, f"/events/{ev.number}/redispatch", {"lead_department_id": ghzy.pk, "assist_department_ids":
                                                    [loop.sthj.pk], "comment": "改由规划部门主办",
                                                    "expected_version": ev.version})
    assert r.status_code == 200, r.content
    made = {a["department_name"]: a["id"] for a in r.json()}
    assert set(made) == {"北区规划和自然资源局", "北区生态环境局"}
    ev2 = fresh(ev)
    assert (ev2.status, ev2.level, ev2.version) == ("dispatched", "department", ev.version + 1)
    # the signed lead and the unsigned assist are withdrawn; the assist's sign clock is cancelled
    assert (fresh(lead).status, fresh(assist).status) == ("withdrawn", "withdrawn")
    assert clocks(ev2, "sign", subject=assist) == [("sign", "assignment", assist.pk, "cancelled")]
    # new sign-for clocks for the new assignments; no handling clock until the new lead signs
    for pk in made.values():
        assert clocks(ev2, "sign", subject=Assignment(pk=pk)) == [("sign", "assignment", pk, "running")]
    assert not [c for c in clocks(ev2, "handle") if c[3] in ("running", "warned", "overdue")]
    # the withdrawn lead did not finish: its handling clock is cancelled, not met
    assert clocks(ev2, "handle")[-1][3] == "cancelled"
    assert ev2.due_at is None
    # the pending extension lapses with the old handling
    assert ExtensionRequest.objects.get(event=ev2).status == "lapsed"
    # redispatch only from dispatched or handling
    accepted = walk("accepted")
    before = snapshot(accepted)
    refused(api(op, f"/events/{accepted.number}/redispatch", {"lead_department_id": ghzy.pk, "comment": "x"}), 409,
            "event.transition_not_allowed")
    assert snapshot(accepted) == before


# ---- assignments follow the event --------------------------------------------------------------

def test_assignments_follow_feedback_rework_and_closure(walk, people, loop, client_for):
    from jiewang.events.services import actions

    e, lead, assist = two_departments(walk, people, loop, client_for)
    cgj = client_for(loop.cgj_staff)
    api(cgj, f"/assignments/{lead.pk}/sign")
    # the lead department feeds back through the event's own action: the lead follows
    r = api(cgj, f"/events/{e.number}/feedback", {"comment": "已清理完毕"})
    assert r.status_code == 200, r.content
    lead = fresh(lead)
    assert (lead.status, lead.feedback) == ("feedback", "已清理完毕") and lead.feedback_at is not None
    assert fresh(assist).status == "dispatched"  # an assisting one does not follow the lead's feedback
    # a failed verification: the lead is back at work (rework), the event handling again
    actions.event_verify(event=fresh(e), actor=people.town_operator, passed=False, comment="未清理干净")
    lead = fresh(lead)
    assert (lead.status, lead.closed_at) == ("signed", None)
    ev = fresh(e)
    assert (ev.status, ev.rework_count) == ("handling", 1)
    assert running(ev, "handle").due_at == ev.due_at
    # fed back again and verified: the signed lead is done, the never-signed assist lapses
    actions.event_feedback(event=ev, actor=loop.cgj_staff, comment="已返工")
    actions.event_verify(event=fresh(e), actor=people.town_operator, passed=True)
    lead, assist = fresh(lead), fresh(assist)
    assert lead.status == "done" and lead.closed_at is not None
    assert assist.status == "withdrawn" and assist.closed_at == lead.closed_at
    ev = fresh(e)
    assert ev.status == "closed"
    assert clocks(ev, "sign", subject=assist) == [("sign", "assignment", assist.pk, "cancelled")]
    # only the rating window is left open
    assert [(c[0], c[3]) for c in clocks(ev) if c[3] in ("running", "warned", "overdue", "paused")] == [
        ("rate", "running")]
    # dissatisfied: redo, the done lead is reopened
    actions.event_rate(event=ev, actor=people.admin, satisfaction="dissatisfied")
    lead = fresh(lead)
    assert (lead.status, lead.closed_at) == ("signed", None)
    assert fresh(assist).status == "withdrawn"
    assert (fresh(e).status, fresh(e).rework_count) == ("handling", 2)


def test_a_signed_assist_is_completed_with_the_event(walk, people, loop, client_for):
    from jiewang.events.services import actions

    e, lead, assist = two_departments(walk, people, loop, client_for)
    api(client_for(loop.sthj_staff), f"/assignments/{assist.pk}/sign")
    api(client_for(loop.cgj_staff), f"/assignments/{lead.pk}/sign")
    actions.event_feedback(event=fresh(e), actor=loop.cgj_staff, comment="已办结")
    actions.event_verify(event=fresh(e), actor=people.town_operator, passed=True)
    assert (fresh(lead).status, fresh(assist).status) == ("done", "done")
