"""Whistles through the center (吹哨申请): a grid or community asks the town command center to
summon departments; the center approves (blowing the whistle itself, to the departments it
chooses) or declines with a reason; the requesting level may withdraw; a pending request lapses
when the event's work ends. Whether grids and communities may also whistle directly is the
district's policy (default: no). Refusals change nothing."""

from __future__ import annotations

import datetime as dt

import pytest

from jiewang.accounts.choices import Role
from jiewang.accounts.models import RoleGrant, User
from jiewang.audit.models import AuditEntry
from jiewang.dispatching.models import Whistle, WhistlePolicy, WhistleRequest, WhistleSummons
from jiewang.dispatching.services import whistle_requests as rsvc
from jiewang.dispatching.services import whistles as wsvc
from jiewang.events.models import Deadline
from jiewang.events.services import actions
from jiewang.notifications.models import Notification

from .helpers import api, fresh, last_activity, refused, snapshot

pytestmark = pytest.mark.django_db


def ask(client, event, **body):
    return api(client, f"/events/{event.number}/request-whistle", body)


def requested(people, loop, event, actor=None, departments=None, **kw) -> WhistleRequest:
    return rsvc.whistle_request_create(event=event, actor=actor or people.grid_worker,
                                       departments=departments or [loop.cgj], problem="河道污染，需环保执法", **kw)


@pytest.fixture
def other_town_operator(tree):
    """The command-center operator of 二街道 (same district, another town)."""
    u = User(username="t2_operator", display_name="t2_operator")
    u.set_password("pw-t2_operator-2026")
    u.save()
    RoleGrant.objects.create(user=u, role=Role.TOWN_OPERATOR, area=tree.t2)
    return u


# ---- the main story ------------------------------------------------------------------------------

def test_grid_requests_center_approves_with_an_edited_department_list(walk, tree, people, loop, client_for):
    e = walk("handling")
    r = ask(client_for(people.grid_worker), e, department_ids=[loop.cgj.pk], problem="河道污染，需环保执法",
            urgent=True)
    assert r.status_code == 201, r.content
    body = r.json()
    assert (body["status"], body["level"], body["area_name"], body["is_urgent"], body["department_ids"]) == (
        "pending", "grid", "甲社区第1网格", True, [loop.cgj.pk])
    req = WhistleRequest.objects.get()
    assert (req.requested_by_id, req.area_id, req.whistle_id) == (people.grid_worker.pk, tree.g1.pk, None)
    act = last_activity(e)
    assert (act.action, act.actor_role, act.comment, act.data["departments"]) == (
        "request_whistle", "grid_worker", "河道污染，需环保执法", ["北区城市管理局"])
    # the town's command center is told (operator and leader), not the district's departments
    told = set(Notification.objects.filter(kind="whistle_request.new").values_list("recipient__username", flat=True))
    assert told == {"town_operator", "town_leader"}
    assert not Whistle.objects.exists() and not Deadline.objects.filter(kind="report_in").exists()

    # the center summons 生态环境局 instead of 城管局, and more quickly than asked
    r = api(client_for(people.town_operator), f"/whistle-requests/{req.pk}/approve",
            {"department_ids": [loop.sthj.pk], "comment": "改由生态环境局"})
    assert r.status_code == 200, r.content
    assert (r.json()["status"], r.json()["decision_comment"]) == ("approved", "改由生态环境局")
    req = fresh(req)
    w = Whistle.objects.get()
    assert (req.status, req.decided_by_id, req.whistle_id) == ("approved", people.town_operator.pk, w.pk)
    assert (w.level, w.area_id, w.problem, w.is_urgent, w.blown_by_id) == (
        "town", tree.t1.pk, "河道污染，需环保执法", True, people.town_operator.pk)
    assert list(WhistleSummons.objects.values_list("department_id", "status")) == [(loop.sthj.pk, "summoned")]
    s = WhistleSummons.objects.get()
    d = Deadline.objects.get(kind="report_in", subject_id=s.pk)
    assert (d.subject_type, d.state, d.due_at) == ("summons", "running", w.report_in_due_at)
    assert w.report_in_due_at - w.blown_at == dt.timedelta(minutes=30)  # urgent, as requested
    actions_ = list(e.activities.order_by("id").values_list("action", "actor_role"))[-3:]
    assert actions_ == [("request_whistle", "grid_worker"), ("whistle", "town_operator"),
                        ("approve_whistle_request", "town_operator")]
    assert last_activity(e).data["added"] == [loop.sthj.pk] and last_activity(e).data["removed"] == [loop.cgj.pk]
    # the requester learns it, the summoned department's staff are called
    assert Notification.objects.filter(kind="whistle_request.approved", recipient=people.grid_worker).count() == 1
    assert Notification.objects.filter(kind="whistle.summons", recipient=loop.sthj_staff).count() == 1
    assert not Notification.objects.filter(kind="whistle.summons", recipient=loop.cgj_staff).exists()
    assert list(AuditEntry.objects.filter(action__startswith="whistle").values_list("action", flat=True)
                .order_by("id")) == ["whistle_request.create", "whistle.blow", "whistle_request.approve"]
    # the summoned department reports in, then the town (the summoning level) rates it
    wsvc.summons_report_in(summons=s, actor=loop.sthj_staff, responder_name="李四")
    refused(api(client_for(people.grid_worker), f"/summonses/{s.pk}/rate", {"attended": True, "rating": 5}), 403)
    r = api(client_for(people.town_leader), f"/summonses/{s.pk}/rate",
            {"attended": True, "rating": 4, "comment": "到场及时"})
    assert r.status_code == 200, r.content
    assert (fresh(s).rating, fresh(s).rating_comment, fresh(s).rated_by_id) == (4, "到场及时", people.town_leader.pk)


def test_approve_keeps_the_request_unless_the_center_rewrites_it(walk, people, loop, client_for):
    e = walk("handling")
    req = requested(people, loop, e, actor=people.community_staff, departments=[loop.cgj, loop.sthj])
    r = api(client_for(people.town_operator), f"/events/{e.number}/approve-whistle-request",
            {"whistle_request_id": req.pk, "department_ids": [loop.cgj.pk, loop.sthj.pk],
             "problem": "联合执法：河道", "urgent": False})
    assert r.status_code == 200, r.content
    w = Whistle.objects.get()
    assert (w.problem, w.is_urgent) == ("联合执法：河道", False)
    assert sorted(w.summonses.values_list("department_id", flat=True)) == sorted([loop.cgj.pk, loop.sthj.pk])
    assert Notification.objects.filter(kind="whistle_request.approved", recipient=people.community_staff).exists()


def test_decline_needs_a_reason_and_tells_the_requester(walk, people, loop, client_for):
    e = walk("handling")
    req = requested(people, loop, e)
    op = client_for(people.town_operator)
    before = snapshot(e)
    refused(api(op, f"/whistle-requests/{req.pk}/decline", {}), 422, "validation_failed")
    refused(api(op, f"/whistle-requests/{req.pk}/decline", {"comment": "   "}), 422, "whistle_request.reason_required")
    assert snapshot(e) == before
    r = api(op, f"/whistle-requests/{req.pk}/decline", {"comment": "由街道综合执法队处理，无需召集区级部门"})
    assert r.status_code == 200, r.content
    req = fresh(req)
    assert (req.status, req.decided_by_id, req.decision_comment, req.whistle_id) == (
        "declined", people.town_operator.pk, "由街道综合执法队处理，无需召集区级部门", None)
    assert not Whistle.objects.exists()
    act = last_activity(e)
    assert (act.action, act.actor_role, act.comment) == ("decline_whistle_request", "town_operator",
                                                         "由街道综合执法队处理，无需召集区级部门")
    n = Notification.objects.get(kind="whistle_request.declined")
    assert n.recipient_id == people.grid_worker.pk and "由街道综合执法队处理" in n.body
    # declined: the grid may ask again
    assert ask(client_for(people.grid_worker), e, department_ids=[loop.sthj.pk], problem="再次申请").status_code == 201


# ---- wrong state, wrong role, wrong place ----------------------------------------------------------

def test_approve_twice_is_409_and_changes_nothing(walk, people, loop, client_for):
    e = walk("handling")
    req = requested(people, loop, e)
    op = client_for(people.town_operator)
    assert api(op, f"/whistle-requests/{req.pk}/approve", {"department_ids": [loop.cgj.pk]}).status_code == 200
    before = snapshot(e)
    for path, body in ((f"/whistle-requests/{req.pk}/approve", {"department_ids": [loop.sthj.pk]}),
                       (f"/whistle-requests/{req.pk}/decline", {"comment": "x"}),
                       (f"/whistle-requests/{req.pk}/withdraw", {})):
        who = client_for(people.grid_worker) if path.endswith("withdraw") else op
        refused(api(who, path, body), 409, "whistle_request.already_decided")
    assert snapshot(e) == before
    assert Whistle.objects.count() == 1 and WhistleSummons.objects.count() == 1


def test_one_pending_request_per_event(walk, people, loop, client_for):
    e = walk("handling")
    requested(people, loop, e)
    before = snapshot(e)
    refused(ask(client_for(people.community_staff), e, department_ids=[loop.sthj.pk], problem="x"), 409,
            "whistle_request.pending")
    assert snapshot(e) == before


def test_refusals_by_scope_role_and_input_change_nothing(walk, people, loop, client_for, other_town_operator):
    e = walk("handling")
    req = requested(people, loop, e)
    before = snapshot(e)
    # another town's command center: not found (it cannot see the event), on both routes
    t2 = client_for(other_town_operator)
    refused(api(t2, f"/whistle-requests/{req.pk}/approve", {"department_ids": [loop.cgj.pk]}), 404)
    refused(api(t2, f"/events/{e.number}/approve-whistle-request",
                {"whistle_request_id": req.pk, "department_ids": [loop.cgj.pk]}), 404)
    refused(api(client_for(people.other_district_admin), f"/whistle-requests/{req.pk}/decline", {"comment": "x"}), 404)
    # the grid sees the event but does not decide; the community does not withdraw the grid's request
    refused(api(client_for(people.grid_worker), f"/whistle-requests/{req.pk}/approve",
                {"department_ids": [loop.cgj.pk]}), 403, "event.action_not_permitted")
    refused(api(client_for(people.community_staff), f"/whistle-requests/{req.pk}/withdraw", {}), 403,
            "event.action_not_permitted")
    # the center does not ask itself; departments do not ask
    refused(ask(client_for(people.town_operator), e, department_ids=[loop.cgj.pk], problem="x"), 403)
    op = client_for(people.town_operator)
    for body, status, code in (({}, 422, "validation_failed"),
                               ({"department_ids": []}, 422, "validation_failed"),
                               ({"department_ids": [10**9]}, 404, "whistle.department_not_found"),
                               ({"department_ids": [people.other_department.pk]}, 404,
                                "whistle.department_not_found")):
        refused(api(op, f"/whistle-requests/{req.pk}/approve", body), status, code)
    for body, code in (({"department_ids": [loop.cgj.pk], "problem": " "}, "whistle.problem_required"),
                       ({"department_ids": [], "problem": "x"}, "validation_failed")):
        refused(ask(client_for(people.community_staff), walk("handling"), **body), 422, code)
    assert snapshot(e) == before
    assert fresh(req).status == "pending"


def test_withdraw_by_the_requesting_level(walk, people, loop, client_for):
    e = walk("handling")
    req = requested(people, loop, e, actor=people.community_staff)
    r = api(client_for(people.community_staff), f"/whistle-requests/{req.pk}/withdraw", {"comment": "已自行协调"})
    assert r.status_code == 200, r.content
    assert (fresh(req).status, fresh(req).decision_comment) == ("withdrawn", "已自行协调")
    assert last_activity(e).action == "withdraw_whistle_request"


@pytest.mark.parametrize("end", ["close", "void"])
def test_a_pending_request_lapses_when_the_work_ends(tree, people, loop, end):
    from jiewang.events.testing import make_event

    if end == "close":
        e = make_event(tree, people, loop, "grid_handling")
        req = requested(people, loop, e)
        actions.event_close_on_spot(event=fresh(e), actor=people.grid_worker, comment="已处理")
    else:
        e = make_event(tree, people, loop, "reported", level="town")
        req = requested(people, loop, e)
        actions.event_void(event=fresh(e), actor=people.town_operator, reason="无效")
    req = fresh(req)
    assert req.status == "lapsed" and req.decided_at is not None and req.whistle_id is None


# ---- the district's policy -------------------------------------------------------------------------

def test_direct_whistle_refused_at_grid_level_unless_the_district_allows_it(walk, tree, people, loop, client_for):
    e = walk("handling")
    before = snapshot(e)
    for user in (people.grid_worker, people.community_staff):
        r = refused(api(client_for(user), f"/events/{e.number}/whistle",
                        {"department_ids": [loop.cgj.pk], "problem": "x"}), 403, "whistle.direct_not_allowed")
        assert r["fields"] == {"action": "request_whistle"}
    assert snapshot(e) == before
    # another district allowing it changes nothing here
    WhistlePolicy.objects.create(district=tree.d2, direct_whistle_allowed=True)
    refused(api(client_for(people.grid_worker), f"/events/{e.number}/whistle",
                {"department_ids": [loop.cgj.pk], "problem": "x"}), 403, "whistle.direct_not_allowed")
    # the town center may always whistle
    assert api(client_for(people.town_operator), f"/events/{e.number}/whistle",
               {"department_ids": [loop.cgj.pk], "problem": "x"}).status_code == 201
    rsvc.whistle_policy_set(actor=people.district_admin, district=tree.d1, direct_whistle_allowed=True)
    r = api(client_for(people.grid_worker), f"/events/{e.number}/whistle",
            {"department_ids": [loop.sthj.pk], "problem": "污水外溢"})
    assert r.status_code == 201, r.content
    assert r.json()["level"] == "grid"
    # and a request stays possible when direct whistles are allowed
    assert ask(client_for(people.community_staff), e, department_ids=[loop.cgj.pk], problem="请中心协调").status_code == 201


def test_policy_is_set_by_the_district_admin_only(tree, people):
    p = rsvc.whistle_policy_set(actor=people.district_admin, district=tree.d1, direct_whistle_allowed=True)
    assert (p.direct_whistle_allowed, p.version, p.updated_by_id) == (True, 2, people.district_admin.pk)
    audit = AuditEntry.objects.filter(action="whistle_policy.set").get()
    assert audit.data["direct_whistle_allowed"] == [False, True]
    from jiewang.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed

    for actor, district, exc, code in (
            (people.town_leader, tree.d1, PermissionDenied, "permission_denied"),
            (people.community_staff, tree.d1, PermissionDenied, "permission_denied"),
            (people.other_district_admin, tree.d1, NotFound, "not_found"),
            (people.district_admin, tree.t1, ValidationFailed, "whistle_policy.not_a_district")):
        with pytest.raises(exc) as info:
            rsvc.whistle_policy_set(actor=actor, district=district, direct_whistle_allowed=False)
        assert info.value.code == code
    with pytest.raises(Conflict) as info:
        rsvc.whistle_policy_set(actor=people.district_admin, district=tree.d1, direct_whistle_allowed=False,
                                expected_version=1)
    assert info.value.code == "whistle_policy.stale"
    assert (fresh(p).direct_whistle_allowed, fresh(p).version) == (True, 2)
    assert AuditEntry.objects.filter(action="whistle_policy.set").count() == 1
    # a district without a row: not allowed
    assert not WhistlePolicy.objects.filter(district=tree.d2).exists()
