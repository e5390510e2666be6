"""Whistle and report-in (吹哨报到): blowing a whistle (who, on what, summoning whom), each
summons' report-in clock, reporting in on time, late, or after being missed, and the summoning
level's rating. Refusals change nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from jiewang.core.errors import ValidationFailed
from jiewang.dispatching.models import Whistle, WhistlePolicy, WhistleSummons
from jiewang.dispatching.services import whistles as wsvc
from jiewang.events.models import Deadline
from jiewang.events.services import actions

from .helpers import api, clocks, fresh, last_activity, refused, snapshot

pytestmark = pytest.mark.django_db


def blow(client, event, **body):
    return api(client, f"/events/{event.number}/whistle", body)


def blown(people, loop, event, departments=None, **kw):
    return wsvc.whistle_blow(event=event, actor=people.town_operator,
                             departments=departments or [loop.cgj, loop.sthj], problem="联合执法", **kw)


# ---- blowing --------------------------------------------------------------------------------------

def test_blow_summons_each_department_with_a_report_in_clock(walk, tree, people, loop, client_for):
    e = walk("handling")
    before = fresh(e)
    r = blow(client_for(people.town_operator), e, department_ids=[loop.cgj.pk, loop.sthj.pk], problem="河道污染")
    assert r.status_code == 201, r.content
    body = r.json()
    assert (body["level"], body["problem"], body["is_urgent"]) == ("town", "河道污染", False)
    assert sorted((s["department_name"], s["status"]) for s in body["summonses"]) == [
        ("北区城市管理局", "summoned"), ("北区生态环境局", "summoned")]
    w = Whistle.objects.get()
    assert (w.area_id, w.blown_by_id) == (tree.t1.pk, people.town_operator.pk)
    assert w.report_in_due_at - w.blown_at == dt.timedelta(minutes=wsvc.report_in_minutes(False))
    for s in w.summonses.all():
        d = Deadline.objects.get(event=e, kind="report_in", subject_id=s.pk)
        assert (d.subject_type, d.state, d.due_at) == ("summons", "running", w.report_in_due_at)
    ev = fresh(e)
    assert (ev.status, ev.version) == (before.status, before.version)  # a whistle changes no status
    act = last_activity(ev)
    assert (act.action, act.actor_role, act.comment) == ("whistle", "town_operator", "河道污染")
    assert sorted(act.data["departments"]) == ["北区城市管理局", "北区生态环境局"] and act.data["urgent"] is False


def test_an_urgent_whistle_from_the_grid(walk, tree, people, loop, client_for):
    WhistlePolicy.objects.create(district=tree.d1, direct_whistle_allowed=True)  # 北区 lets grids whistle
    e = walk("handling")
    r = blow(client_for(people.grid_worker), e, department_ids=[loop.sthj.pk], problem="污水外溢", urgent=True)
    assert r.status_code == 201, r.content
    w = Whistle.objects.get()
    assert (w.level, w.area_id, w.is_urgent) == ("grid", tree.g1.pk, True)
    assert w.report_in_due_at - w.blown_at == dt.timedelta(minutes=wsvc.report_in_minutes(True)) \
        == dt.timedelta(minutes=30)
    assert last_activity(e).actor_role == "grid_worker"


def test_blow_refusals_change_nothing(walk, people, loop, client_for):
    e = walk("handling")
    op = client_for(people.town_operator)
    before = snapshot(e)
    cases = [
        (op, {}, 422, "validation_failed"),
        (op, {"department_ids": [], "problem": "x"}, 422, "validation_failed"),
        (op, {"department_ids": [loop.cgj.pk], "problem": "  "}, 422, "whistle.problem_required"),
        (op, {"department_ids": [10**9], "problem": "x"}, 404, "whistle.department_not_found"),
        (op, {"department_ids": [loop.cgj.pk, 10**9], "problem": "x"}, 404, "whistle.department_not_found"),
        # beyond the database's 64 bits: refused as input, never a server error
        (op, {"department_ids": [2**64], "problem": "x"}, 422, "validation_failed"),
        (op, {"department_ids": [2**63], "problem": "x"}, 422, "validation_failed"),
        # a department of another district: outside the operator's scope, out of area for the superuser
        (op, {"department_ids": [people.other_department.pk], "problem": "x"}, 404, "whistle.department_not_found"),
        (client_for(people.admin), {"department_ids": [people.other_department.pk], "problem": "x"}, 422,
         "whistle.department_out_of_area"),
        # who may not whistle: the departments themselves, the district
        (client_for(loop.cgj_staff), {"department_ids": [loop.sthj.pk], "problem": "x"}, 403,
         "event.action_not_permitted"),
        (client_for(people.district_admin), {"department_ids": [loop.sthj.pk], "problem": "x"}, 403,
         "event.action_not_permitted"),
        # another district's staff cannot see the event: 404 even with an empty body
        (client_for(people.other_district_admin), {}, 404, "event.not_found"),
        (client_for(people.other_community_staff), {}, 404, "event.not_found"),
    ]
    for client, body, status, code in cases:
        refused(blow(client, e, **body), status, code)
        assert snapshot(e) == before, body
    assert not Whistle.objects.exists()


def test_duplicate_departments(walk, people, loop, client_for):
    e = walk("handling")
    before = snapshot(e)
    with pytest.raises(ValidationFailed) as exc:
        wsvc.whistle_blow(event=e, actor=people.admin, departments=[loop.cgj, loop.cgj], problem="x")
    assert exc.value.code == "whistle.duplicate_department"
    assert snapshot(e) == before
    # the API resolves ids to departments once each
    r = blow(client_for(people.town_operator), e, department_ids=[loop.cgj.pk, loop.cgj.pk], problem="x")
    assert r.status_code == 201 and len(r.json()["summonses"]) == 1


def test_no_whistle_on_an_ended_event_and_open_ones_close_with_it(walk, people, loop, client_for):
    e = walk("handling")
    w = blown(people, loop, e)
    actions.event_feedback(event=fresh(e), actor=loop.cgj_staff, comment="已办结")
    assert fresh(w).closed_at is None  # still open while the work is being verified
    actions.event_verify(event=fresh(e), actor=people.town_operator, passed=True)
    w = fresh(w)
    assert w.closed_at is not None
    # the unanswered summonses' clocks stopped with the event
    assert {c[3] for c in clocks(e, "report_in")} == {"cancelled"}
    before = snapshot(e)
    refused(blow(client_for(people.town_operator), e, department_ids=[loop.cgj.pk], problem="x"), 409,
            "whistle.event_not_open")
    assert snapshot(e) == before


# ---- report-in --------------------------------------------------------------------------------------

def test_report_in_on_time(walk, people, loop, client_for):
    e = walk("handling")
    w = blown(people, loop, e)
    s = w.summonses.get(department=loop.sthj)
    r = api(client_for(loop.sthj_staff), f"/summonses/{s.pk}/report-in",
            {"responder_name": " 李四 ", "responder_phone": "13800000000"})
    assert r.status_code == 200, r.content
    assert (r.json()["status"], r.json()["responder_name"]) == ("reported_in", "李四")
    s = fresh(s)
    assert (s.status, s.reported_in_by_id, s.responder_phone) == ("reported_in", loop.sthj_staff.pk, "13800000000")
    assert clocks(e, "report_in", subject=s) == [("report_in", "summons", s.pk, "met")]
    other = w.summonses.get(department=loop.cgj)
    assert clocks(e, "report_in", subject=other) == [("report_in", "summons", other.pk, "running")]
    act = last_activity(e)
    assert (act.action, act.actor_role, act.data["late"]) == ("report_in", "department_staff", False)


def test_report_in_late(walk, people, loop, client_for):
    e = walk("handling")
    w = blown(people, loop, e)
    Whistle.objects.filter(pk=w.pk).update(report_in_due_at=timezone.now() - dt.timedelta(minutes=1))
    s = w.summonses.get(department=loop.sthj)
    r = api(client_for(loop.sthj_staff), f"/events/{e.number}/report-in", {"summons_id": s.pk, "responder_name": "李四"})
    assert r.status_code == 200, r.content
    assert fresh(s).status == "late"
    assert last_activity(e).data["late"] is True


def test_missed_then_reported_in_late(walk, people, loop, client_for):
    e = walk("handling")
    w = blown(people, loop, e)
    s = w.summonses.get(department=loop.sthj)
    assert wsvc.summons_escalate_missed(summons_id=s.pk) is True
    assert wsvc.summons_escalate_missed(summons_id=s.pk) is False  # once
    s = fresh(s)
    assert s.status == "missed" and s.escalated_at is not None
    assert last_activity(e).action == "whistle_escalated"
    # the report-in still counts, as late, even before the original deadline
    r = api(client_for(loop.sthj_staff), f"/summonses/{s.pk}/report-in", {"responder_name": "李四"})
    assert r.status_code == 200, r.content
    s = fresh(s)
    assert (s.status, s.responder_name) == ("late", "李四")
    assert clocks(e, "report_in", subject=s) == [("report_in", "summons", s.pk, "met")]


def test_report_in_refusals_change_nothing(walk, people, loop, client_for, south_staff):
    e = walk("handling")
    w = blown(people, loop, e)
    s = w.summonses.get(department=loop.sthj)
    before = snapshot(e)
    sthj = client_for(loop.sthj_staff)
    # not your summons: the lead department sees the event but was summoned separately
    refused(api(client_for(loop.cgj_staff), f"/summonses/{s.pk}/report-in", {"responder_name": "张三"}), 403,
            "event.action_not_permitted")
    refused(api(client_for(people.town_operator), f"/summonses/{s.pk}/report-in", {"responder_name": "张三"}), 403)
    # another district's department sees nothing, whatever the body
    refused(api(client_for(south_staff), f"/summonses/{s.pk}/report-in", {}), 404)
    refused(api(client_for(south_staff), f"/events/{e.number}/report-in", {"summons_id": s.pk}), 404)
    refused(api(sthj, f"/summonses/{s.pk}/report-in", {"responder_name": "  "}), 422, "whistle.responder_required")
    refused(api(sthj, f"/summonses/{s.pk}/report-in", {}), 422, "validation_failed")
    refused(api(sthj, f"/events/{e.number}/report-in", {"summons_id": 2**64, "responder_name": "李四"}), 422)
    refused(api(sthj, f"/events/{e.number}/report-in", {"summons_id": 10**9, "responder_name": "李四"}), 404,
            "summons.not_found")
    assert snapshot(e) == before
    api(sthj, f"/summonses/{s.pk}/report-in", {"responder_name": "李四"})
    before = snapshot(e)
    refused(api(sthj, f"/summonses/{s.pk}/report-in", {"responder_name": "王五"}), 409, "whistle.already_reported_in")
    assert snapshot(e) == before


# ---- rating -----------------------------------------------------------------------------------------

def test_rate_a_summons(walk, people, loop, client_for):
    e = walk("handling")
    w = blown(people, loop, e)
    s = w.summonses.get(department=loop.sthj)
    op = client_for(people.town_operator)
    before = snapshot(e)
    # not before the department reported in
    refused(api(op, f"/summonses/{s.pk}/rate", {"attended": True, "rating": 5}), 409, "whistle.not_reported_in")
    assert snapshot(e) == before
    for summons, staff in ((s, loop.sthj_staff), (w.summonses.get(department=loop.cgj), loop.cgj_staff)):
        wsvc.summons_report_in(summons=summons, actor=staff, responder_name="王")
    before = snapshot(e)
    for bad in (0, 6, "five", None):
        refused(api(op, f"/summonses/{s.pk}/rate", {"attended": True, "rating": bad}), 422, "validation_failed")
    refused(api(client_for(loop.sthj_staff), f"/summonses/{s.pk}/rate", {"attended": True, "rating": 5}), 403)
    # the town blew it: the grid and the community see the event but do not rate the town's summons
    for other in (people.grid_worker, people.community_staff):
        refused(api(client_for(other), f"/summonses/{s.pk}/rate", {"attended": True, "rating": 5}), 403,
                "event.action_not_permitted")
    refused(api(client_for(people.other_district_admin), f"/summonses/{s.pk}/rate", {}), 404)
    assert snapshot(e) == before
    for rating, summons in ((1, s), (5, w.summonses.get(department=loop.cgj))):
        r = api(op, f"/summonses/{summons.pk}/rate", {"attended": rating > 1, "rating": rating, "comment": "评价"})
        assert r.status_code == 200, r.content
        assert (r.json()["rating"], r.json()["attended"]) == (rating, rating > 1)
        summons = fresh(summons)
        assert (summons.rating, summons.rated_by_id, summons.rating_comment) == (rating, people.town_operator.pk, "评价")
    act = last_activity(e)
    assert (act.action, act.data["rating"]) == ("rate_summons", 5)
    before = snapshot(e)
    refused(api(op, f"/events/{e.number}/rate-summons", {"summons_id": s.pk, "attended": True, "rating": 3}), 409,
            "whistle.already_rated")
    assert snapshot(e) == before


def test_rating_after_the_event_closed(walk, people, loop, client_for):
    e = walk("handling")
    w = blown(people, loop, e, departments=[loop.sthj])
    s = w.summonses.get()
    wsvc.summons_report_in(summons=s, actor=loop.sthj_staff, responder_name="李四")
    actions.event_feedback(event=fresh(e), actor=loop.cgj_staff, comment="已办结")
    actions.event_verify(event=fresh(e), actor=people.town_operator, passed=True)
    r = api(client_for(people.town_leader), f"/summonses/{s.pk}/rate", {"attended": True, "rating": 4})
    assert r.status_code == 200, r.content
    assert fresh(s).rating == 4


def test_summons_rows_move_only_through_their_lifecycle(walk, people, loop):
    e = walk("handling")
    s = blown(people, loop, e, departments=[loop.sthj]).summonses.get()
    wsvc.summons_report_in(summons=s, actor=loop.sthj_staff, responder_name="李四")
    # an answered summons is never marked missed
    assert wsvc.summons_escalate_missed(summons_id=s.pk) is False
    assert fresh(s).status == "reported_in"
    assert WhistleSummons.objects.filter(status="missed").count() == 0
