"""The three lists: a need matched to a resource and closed as a project with the residents'
evaluation; suggestions by category, distance and capacity left; the street's report figures; and
a resolution item going overdue and reminded once."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.utils import timezone

from jiewang.notifications.models import Notification
from jiewang.party.models import FollowUp, Need, Project, ProjectResource
from jiewang.party.services.conference import followups_sweep
from jiewang.party.services.lists import needs_report, resource_create, suggest_resources
from jiewang.party.testing import party_world

pytestmark = pytest.mark.django_db


def post(client, url, body=None):
    return client.post(url, data=json.dumps(body or {}), content_type="application/json")


def put(client, url, body):
    return client.put(url, data=json.dumps(body), content_type="application/json")


def test_need_matched_to_a_resource_and_closed_as_a_project(tree, people, client_for):
    w = party_world(tree, people)
    staff = client_for(w.party_staff)
    # The suggestion: the school's venue (children, 200 left).
    r = staff.get(f"/api/party/needs/{w.need.id}/suggestions")
    assert [(s["resource"]["title"], s["resource"]["remaining"]) for s in r.json()] == [("操场及阅览室周末开放", 200)]
    # More than the capacity left is refused, nothing written.
    r = post(staff, "/api/party/projects", {"need_id": w.need.id, "title": "四点半课堂", "owner": "甲社区党委",
                                            "uses": [{"resource_id": w.venue.id, "amount": 201}]})
    assert (r.status_code, r.json()["code"]) == (409, "party.resource_capacity")
    assert not Project.objects.filter(need=w.need).exists() and Need.objects.get(pk=w.need.pk).status == "open"
    r = post(staff, "/api/party/projects", {"need_id": w.need.id, "title": "四点半课堂", "owner": "甲社区党委",
                                            "plan": "每周一至五16:30-18:00", "uses": [{"resource_id": w.venue.id,
                                                                                    "amount": 40}]})
    assert r.status_code == 201, r.content
    project = r.json()
    assert Need.objects.get(pk=w.need.pk).status == "matched"
    assert staff.get("/api/party/resources?category=children").json()[0]["remaining"] == 160
    for body in ({"move": "start"}, {"progress": 50}):
        assert put(staff, f"/api/party/projects/{project['id']}", body).status_code == 200
    r = put(staff, f"/api/party/projects/{project['id']}", {"move": "evaluate", "rating": 5})
    assert (r.status_code, r.json()["code"]) == (409, "party.project_transition")
    r = put(staff, f"/api/party/projects/{project['id']}", {"move": "complete", "result": "已开课12次，服务儿童40名"})
    assert r.status_code == 200 and (r.json()["status"], r.json()["progress"]) == ("done", 100)
    assert Need.objects.get(pk=w.need.pk).status == "met"
    r = put(staff, f"/api/party/projects/{project['id']}", {"move": "evaluate", "rating": 5,
                                                            "evaluation": "家长满意，孩子有地方写作业了"})
    assert r.status_code == 200 and (r.json()["status"], r.json()["rating"]) == ("evaluated", 5)
    # The street's report: 2 needs (the world's lights need is matched, running), 1 met by the school.
    report = client_for(w.town_party_staff).get(f"/api/party/needs/report?street_id={tree.t1.id}").json()
    need = Need.objects.get(pk=w.need.pk)
    days = round((need.met_at - need.created_at).total_seconds() / 86400, 2)
    assert {k: report[k] for k in ("needs", "matched", "met", "closed", "open", "rate", "by_provider")} == {
        "needs": 2, "matched": 2, "met": 1, "closed": 0, "open": 0, "rate": 0.5,
        "by_provider": {"乙社区实验小学党支部": 1}}
    assert report["mean_days"] == report["median_days"] == days
    # 甲社区's staff do not read the whole street's report; 丙村's neither.
    assert client_for(w.party_staff).get(f"/api/party/needs/report?street_id={tree.t1.id}").status_code == 404
    assert client_for(w.other_party_staff).get(f"/api/party/needs/report?street_id={tree.t1.id}").status_code == 404


def test_suggestions_nearest_then_most_capacity_and_only_available(tree, people):
    w = party_world(tree, people)
    today = timezone.localdate()
    mk = lambda title, cap, **kw: resource_create(actor=None, street=tree.t1, title=title, kind="venue",  # noqa
                                                  category="children", capacity=cap, provider_name="某单位", **kw)
    mk("远处的场地", 500, lon=106.49, lat=29.49)
    mk("近处的场地", 10, lon=106.13, lat=29.26)  # 甲社区's bbox centre is (106.125, 29.25)
    mk("无坐标大场地", 900)
    mk("未开放场地", 900, lon=106.125, lat=29.25, available_from=today + dt.timedelta(days=1))
    used = mk("已用完的场地", 5, lon=106.125, lat=29.25)
    ProjectResource.objects.create(project=w.project, resource=used, amount=5)
    resource_create(actor=None, street=tree.t1, title="别的类别", kind="venue", category="health", capacity=99,
                    provider_name="某单位", lon=106.125, lat=29.25)
    rows = suggest_resources(need=w.need)
    assert [r["resource"].title for r in rows] == ["近处的场地", "操场及阅览室周末开放", "远处的场地", "无坐标大场地"]
    assert rows[0]["km"] == 1.21 and rows[-1]["km"] is None


def test_a_resolution_item_goes_overdue_and_is_reminded_once(tree, people):
    w = party_world(tree, people)
    # 周书记 (the school's secretary) owns the item through the school; the street's party staff too.
    item = FollowUp.objects.get(pk=w.followup.pk)
    tz = timezone.get_current_timezone()
    on_time = dt.datetime.combine(item.due_on, dt.time(23), tzinfo=tz)
    assert followups_sweep(on_time) == 0
    late = on_time + dt.timedelta(hours=2)
    assert followups_sweep(late) == 1
    assert followups_sweep(late + dt.timedelta(days=3)) == 0
    told = Notification.objects.filter(title="决议事项逾期：学校操场周末向社区儿童开放")
    assert set(told.values_list("recipient__username", flat=True)) == {"school_secretary", "party_staff_t1"}
    assert told.first().body == f"乙社区实验小学党支部应于{item.due_on:%Y-%m-%d}前完成。"
    assert FollowUp.objects.get(pk=item.pk).overdue_at == late
    # Done late: the result is kept and the item leaves the overdue list.
    from jiewang.party.services.conference import followup_done

    followup_done(actor=w.town_party_staff, item=item, result="已开放")
    assert needs_report(street=tree.t1)["needs"] == 2  # (unrelated figures unchanged)
    assert not FollowUp.objects.filter(status="open", overdue_at__isnull=False).exists()
