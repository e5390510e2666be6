"""Real stories walked end to end through the HTTP API, as each role would."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from jiewang.dispatching.models import Assignment, WhistleSummons
from jiewang.events.models import Deadline, Event
from jiewang.events.services.sweep import deadline_sweep
from jiewang.events.testing import png_bytes, post

IN_G1 = {"lon": 106.05, "lat": 29.2}


def actions_of(client, number):
    return [a["action"] for a in client.get(f"/api/events/{number}/timeline").json()]


@pytest.mark.django_db
def test_resident_report_closed_in_the_grid(tree, people, loop, client_for):
    resident, worker = client_for(people.resident), client_for(people.grid_worker)
    r = post(resident, "/api/events", {"category": "LS01", **IN_G1, "title": "小区门口垃圾堆放",
                                        "description": "三天没人清理", "reporter_phone": "13912345678",
                                        "idempotency_key": "res-1"})
    assert r.status_code == 201, r.content
    ev = r.json()
    n = ev["number"]
    assert n == f"500101001-{timezone.localtime().year}-000001"
    assert (ev["status"], ev["level"], ev["grid"]["id"], ev["reporter_phone"]) == (
        "reported", "grid", tree.g1.id, "139****5678")
    # a retry of the same submission returns the same event
    again = post(resident, "/api/events", {"category": "LS01", **IN_G1, "title": "小区门口垃圾堆放",
                                            "idempotency_key": "res-1"})
    assert again.status_code == 200 and again.json()["number"] == n
    assert Event.objects.count() == 1

    assert post(worker, f"/api/events/{n}/self-handle", {"expected_version": ev["version"]}).json()["status"] == "handling"
    photo = worker.post(f"/api/events/{n}/photos", {"kind": "after",
                                                   "file": SimpleUploadedFile("after.png", png_bytes(), "image/png")})
    assert photo.status_code == 201 and photo.json()["content_type"] == "image/png"
    closed = post(worker, f"/api/events/{n}/close-on-spot", {"comment": "已清运"}).json()
    assert closed["status"] == "closed" and closed["closed_at"]
    rated = post(resident, f"/api/events/{n}/rate", {"satisfaction": "satisfied"}).json()
    assert (rated["status"], rated["satisfaction"]) == ("rated", "satisfied")
    assert actions_of(worker, n) == ["report", "self_handle", "photo", "close_on_spot", "rate"]
    # every clock of this event is finished
    assert not Deadline.objects.filter(event__number=n, state__in=["running", "warned", "overdue"]).exists()


@pytest.mark.django_db
def test_escalated_dispatched_returned_redone(tree, people, loop, client_for):
    worker, staff = client_for(people.grid_worker), client_for(people.community_staff)
    center, cgj, sthj = client_for(people.town_operator), client_for(loop.cgj_staff), client_for(loop.sthj_staff)
    r = post(worker, "/api/events", {"category": "SL02", **IN_G1, "title": "楼顶违章加建", "channel": "patrol",
                                      "source": "proactive", "attributes": {"structure": "roof"}})
    assert r.status_code == 201, r.content
    n = r.json()["number"]
    assert r.json()["source"] == "proactive"

    # the grid worker cannot accept; he escalates to the community, which escalates to the town
    assert post(worker, f"/api/events/{n}/accept").status_code == 403
    assert post(worker, f"/api/events/{n}/escalate", {"comment": "需社区协调"}).json()["level"] == "community"
    assert post(staff, f"/api/events/{n}/escalate", {"comment": "涉及违建，报镇街"}).json()["level"] == "town"
    accepted = post(center, f"/api/events/{n}/accept", {"comment": "立案"}).json()
    assert accepted["status"] == "accepted" and accepted["due_at"]

    first = post(center, f"/api/events/{n}/dispatch", {"lead_department_id": loop.cgj.id,
                                                       "assist_department_ids": [loop.sthj.id],
                                                       "comment": "请城管主办"})
    assert first.status_code == 200, first.content
    lead = [a for a in first.json() if a["role"] == "lead"][0]
    # the lead returns it: wrong dispatch
    back = post(cgj, f"/api/assignments/{lead['id']}/return", {"comment": "应由规划部门主办"})
    assert back.json()["status"] == "returned"
    assert client_for(people.town_operator).get(f"/api/events/{n}").json()["status"] == "accepted"
    assert Assignment.objects.get(pk=[a for a in first.json() if a["role"] == "assist"][0]["id"]).status == "withdrawn"

    second = post(center, f"/api/events/{n}/dispatch", {"lead_department_id": loop.cgj.id,
                                                        "assist_department_ids": [loop.sthj.id],
                                                        "comment": "经协调仍由城管主办"}).json()
    lead2 = [a for a in second if a["role"] == "lead"][0]
    assist2 = [a for a in second if a["role"] == "assist"][0]
    assert post(sthj, f"/api/assignments/{assist2['id']}/sign").json()["status"] == "signed"
    assert post(cgj, f"/api/assignments/{lead2['id']}/sign").json()["status"] == "signed"
    # the assisting department cannot feed back for the lead's event… it can: it holds the event too
    assert post(cgj, f"/api/events/{n}/feedback", {"comment": "已拆除"}).json()["status"] == "feedback"
    assert post(worker, f"/api/events/{n}/verify", {"passed": True, "comment": "现场核实已拆除"}).json()["status"] == "closed"
    redo = post(center, f"/api/events/{n}/visit", {"contacted": True, "resolved": False,
                                                   "satisfaction": "dissatisfied", "comment": "群众反映仍有残留"}).json()
    assert (redo["status"], redo["rework_count"]) == ("handling", 1)
    assert Assignment.objects.get(pk=lead2["id"]).status == "signed"
    assert post(cgj, f"/api/events/{n}/feedback", {"comment": "残留已清理"}).json()["status"] == "feedback"
    assert post(worker, f"/api/events/{n}/verify", {"passed": True}).json()["status"] == "closed"
    done = post(center, f"/api/events/{n}/visit", {"contacted": True, "resolved": True,
                                                   "satisfaction": "satisfied"}).json()
    assert (done["status"], done["satisfaction"], done["rework_count"]) == ("rated", "satisfied", 1)
    assert actions_of(center, n) == [
        "report", "escalate", "escalate", "accept", "dispatch", "return", "dispatch", "assist_sign", "sign",
        "feedback", "verify_pass", "visit", "redo", "feedback", "verify_pass", "visit"]


@pytest.mark.django_db
def test_whistle_one_late_one_never(tree, people, loop, client_for):
    from jiewang.dispatching.models import WhistlePolicy

    WhistlePolicy.objects.create(district=tree.d1, direct_whistle_allowed=True)  # communities whistle directly here
    worker, staff = client_for(people.grid_worker), client_for(people.community_staff)
    n = post(worker, "/api/events", {"category": "SL04", **IN_G1, "title": "电动车楼道充电",
                                      "channel": "patrol", "attributes": {"hazard": ["fire", "electric"]}}).json()["number"]
    post(worker, f"/api/events/{n}/escalate", {"comment": "需多部门"})
    w = post(staff, f"/api/events/{n}/whistle", {"department_ids": [loop.cgj.id, loop.sthj.id],
                                                 "problem": "楼道充电火灾隐患，请城管、环保到场", "urgent": True})
    assert w.status_code == 201, w.content
    whistle = w.json()
    blown = dt.datetime.fromisoformat(whistle["blown_at"])
    due = dt.datetime.fromisoformat(whistle["report_in_due_at"])
    assert due - blown == dt.timedelta(minutes=30) and whistle["level"] == "community"
    # 40 minutes pass: move the clock of this whistle back instead of waiting
    shift = dt.timedelta(minutes=40)
    from jiewang.dispatching.models import Whistle

    Whistle.objects.filter(pk=whistle["id"]).update(blown_at=blown - shift, report_in_due_at=due - shift)
    Deadline.objects.filter(kind="report_in").update(started_at=blown - shift, due_at=due - shift,
                                                      warn_at=due - shift - dt.timedelta(minutes=6))
    cgj_summons = [s for s in whistle["summonses"] if s["department_id"] == loop.cgj.id][0]
    late = post(client_for(loop.cgj_staff), f"/api/summonses/{cgj_summons['id']}/report-in",
                {"responder_name": "王队长", "responder_phone": "13700000000"})
    assert late.json()["status"] == "late"
    result = deadline_sweep()
    assert result.summons_escalated == 1
    statuses = dict(WhistleSummons.objects.values_list("department__code", "status"))
    assert statuses == {"cgj": "late", "sthj": "missed"}
    # exactly once: a second sweep does nothing more
    assert deadline_sweep().summons_escalated == 0
    assert actions_of(staff, n).count("whistle_escalated") == 1
    rated = post(staff, f"/api/summonses/{cgj_summons['id']}/rate", {"attended": True, "rating": 3,
                                                                      "comment": "迟到10分钟"})
    assert rated.json()["rating"] == 3


@pytest.mark.django_db
def test_dispute_arbitrated_then_redispatched(tree, people, loop, client_for):
    from jiewang.events.testing import make_event

    center, cgj = client_for(people.town_operator), client_for(loop.cgj_staff)
    e = make_event(tree, people, loop, "handling", level="town")
    a = e.assignments.get()
    r = post(cgj, f"/api/assignments/{a.id}/dispute", {"comment": "属于物业管理范畴"})
    assert r.status_code == 200
    assert post(cgj, f"/api/assignments/{a.id}/dispute", {"comment": "again"}).json()["code"] == "dispatch.dispute_pending"
    kept = post(center, f"/api/events/{e.number}/arbitrate", {"assignment_id": a.id, "keep": True,
                                                             "comment": "城管牵头"}).json()
    assert [x["status"] for x in kept] == ["signed"]
    # disputed again: this time the center moves it to the environment bureau
    post(cgj, f"/api/assignments/{a.id}/dispute", {"comment": "仍有异议"})
    moved = post(center, f"/api/events/{e.number}/arbitrate", {"assignment_id": a.id, "keep": False,
                                                              "lead_department_id": loop.sthj.id,
                                                              "comment": "改由生态环境局主办"}).json()
    assert [(x["department_name"], x["status"]) for x in moved] == [("北区生态环境局", "dispatched")]
    assert Assignment.objects.get(pk=a.id).status == "withdrawn"
    assert client_for(people.town_operator).get(f"/api/events/{e.number}").json()["status"] == "dispatched"
    assert actions_of(center, e.number)[-5:] == ["dispute", "arbitrate", "dispute", "redispatch", "arbitrate"]
