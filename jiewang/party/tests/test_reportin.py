"""双报到 end to end, through the API as its users do it: the member registers on their phone, the
community confirms, hours are logged (by the community, and by the member pending confirmation), the
yearly evaluation counts only confirmed hours and goes back to the member's unit as a report."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
from django.utils import timezone

from jiewang.audit.models import AuditEntry
from jiewang.notifications.models import Notification
from jiewang.party.models import ReportIn, ServiceRecord, YearlyEvaluation
from jiewang.party.services.members import member_create
from jiewang.party.testing import party_world

pytestmark = pytest.mark.django_db


def post(client, url, body=None):
    return client.post(url, data=json.dumps(body or {}), content_type="application/json")


def test_report_in_end_to_end(tree, people, client_for):
    w = party_world(tree, people)
    from jiewang.accounts.models import User

    nurse_user = User.objects.create_user("nurse", password="pw-nurse-2026")
    nurse = member_create(actor=None, org=w.school, name="张护士", phone="13833334444", work_unit="乙社区实验小学",
                          user=nurse_user)
    me = client_for(nurse_user)
    # 1. Registration on the member's phone.
    r = post(me, "/api/party/report-ins", {"member_id": nurse.id, "community_id": tree.c1.id,
                                           "service_post": "elderly_care", "commitments": "每周探访独居老人一次"})
    assert r.status_code == 201, r.content
    ri = r.json()
    assert (ri["status"], ri["community_name"], ri["unit_org_name"]) == ("registered", "甲社区", "乙社区实验小学党支部")
    # The community's people are told (甲社区's party-building staff and community staff).
    told = set(Notification.objects.filter(kind="party", title__contains="张护士").values_list("recipient__username",
                                                                                              flat=True))
    assert told == {"party_staff_c1", "community_staff"}
    # A second registration while one is open is refused, nothing written.
    n = ReportIn.objects.count()
    r = post(me, "/api/party/report-ins", {"member_id": nurse.id, "community_id": tree.c1.id,
                                           "service_post": "volunteer"})
    assert (r.status_code, r.json()["code"]) == (409, "party.report_in_open") and ReportIn.objects.count() == n
    # The member cannot confirm their own report-in.
    r = post(me, f"/api/party/report-ins/{ri['id']}/confirm")
    assert r.status_code == 403 and ReportIn.objects.get(pk=ri["id"]).status == "registered"
    # 2. The community confirms.
    staff = client_for(w.party_staff)
    r = post(staff, f"/api/party/report-ins/{ri['id']}/confirm", {"expected_version": 1})
    assert r.status_code == 200 and r.json()["status"] == "confirmed" and r.json()["confirmed_at"]
    assert Notification.objects.filter(recipient=nurse_user, title="您的报到已确认").count() == 1
    # 3. Hours: the community logs 2.5 h (confirmed at once); the member logs 1 h (pending).
    today = timezone.localdate()
    r = post(staff, f"/api/party/report-ins/{ri['id']}/services",
             {"served_on": today.isoformat(), "hours": "2.5", "description": "陪同老人就医"})
    assert r.status_code == 201 and r.json()["confirmed"] is True
    r = post(me, f"/api/party/report-ins/{ri['id']}/services",
             {"served_on": today.isoformat(), "hours": "1", "description": "帮老人代购药品"})
    assert r.status_code == 201 and r.json()["confirmed"] is False
    pending_id = r.json()["id"]
    mine = me.get("/api/party/me").json()
    assert (Decimal(mine["confirmed_hours"]), Decimal(mine["pending_hours"])) == (Decimal("2.5"), Decimal("1"))
    # 4. The yearly evaluation before the member's hours are confirmed counts 2.5 h in 1 service.
    r = post(staff, f"/api/party/report-ins/{ri['id']}/evaluations",
             {"year": today.year, "grade": "excellent", "comment": "服务认真"})
    assert r.status_code == 201, r.content
    ev = r.json()
    assert (Decimal(ev["hours"]), ev["services"], ev["grade"]) == (Decimal("2.5"), 1, "excellent")
    confirmed_on = ReportIn.objects.get(pk=ri["id"]).confirmed_at
    assert ev["report_text"] == (
        f"乙社区实验小学党支部：贵单位党员张护士于{timezone.localtime(confirmed_on).date():%Y年%m月%d日}到甲社区报到，"
        f"认领岗位「关爱帮扶」。{today.year}年度经社区确认服务1次、共2.5小时，社区评价等次为「优秀」。评语：服务认真")
    # The report reaches the unit's secretary (周书记's account), once.
    sent = Notification.objects.filter(recipient=w.secretary.user, title__contains="张护士")
    assert sent.count() == 1 and sent.get().body == ev["report_text"]
    assert ev["sent_at"] is not None
    # Once a year: a second evaluation is refused.
    r = post(staff, f"/api/party/report-ins/{ri['id']}/evaluations", {"year": today.year, "grade": "good"})
    assert (r.status_code, r.json()["code"]) == (409, "party.evaluation_exists")
    assert YearlyEvaluation.objects.filter(report_in_id=ri["id"]).count() == 1
    # Confirming the pending hour later moves it into the confirmed total.
    r = post(staff, f"/api/party/services/{pending_id}/confirm")
    assert r.status_code == 200 and r.json()["confirmed"] is True
    mine = me.get("/api/party/me").json()
    assert (Decimal(mine["confirmed_hours"]), Decimal(mine["pending_hours"])) == (Decimal("3.5"), Decimal("0"))
    assert [e["year"] for e in mine["evaluations"]] == [today.year]


def test_hours_only_under_a_confirmed_report_in_and_in_range(tree, people, client_for):
    w = party_world(tree, people)
    staff = client_for(w.party_staff)
    n = ServiceRecord.objects.count()
    r = post(staff, f"/api/party/report-ins/{w.fresh.id}/services",
             {"served_on": timezone.localdate().isoformat(), "hours": "1", "description": "宣传"})
    assert (r.status_code, r.json()["code"]) == (409, "party.report_in_not_confirmed")
    for hours, day in (("0.2", timezone.localdate()), ("25", timezone.localdate()),
                       ("2", timezone.localdate() + dt.timedelta(days=1))):
        r = post(staff, f"/api/party/report-ins/{w.report_in.id}/services",
                 {"served_on": day.isoformat(), "hours": hours, "description": "宣传"})
        assert r.status_code == 422, (hours, day, r.content)
    assert ServiceRecord.objects.count() == n


def test_reject_needs_a_reason_and_a_retiree_does_not_report_in(tree, people, client_for):
    w = party_world(tree, people)
    staff = client_for(w.party_staff)
    r = post(staff, f"/api/party/report-ins/{w.fresh.id}/reject", {"reason": " "})
    assert r.status_code == 422 and ReportIn.objects.get(pk=w.fresh.pk).status == "registered"
    r = post(staff, f"/api/party/report-ins/{w.fresh.id}/reject", {"reason": "不在本社区居住"})
    assert r.status_code == 200 and r.json()["status"] == "rejected" and r.json()["reject_reason"] == "不在本社区居住"
    retiree = member_create(actor=None, org=w.community, name="退休老党员", kind="retired")
    r = post(staff, "/api/party/report-ins", {"member_id": retiree.id, "community_id": tree.c1.id,
                                              "service_post": "volunteer"})
    assert (r.status_code, r.json()["code"]) == (422, "party.report_in_kind")
    # A report-in goes to a community, not a grid.
    r = post(staff, "/api/party/report-ins", {"member_id": w.member2.id, "community_id": tree.g1.id,
                                              "service_post": "volunteer"})
    assert (r.status_code, r.json()["code"]) == (422, "party.report_in_community")


def test_another_communitys_staff_see_nothing_of_it(tree, people, client_for):
    w = party_world(tree, people)
    other = client_for(w.other_party_staff)
    assert other.get("/api/party/report-ins").json() == []
    assert other.get("/api/party/evaluations").json() == []
    assert {m["name"] for m in other.get("/api/party/members").json()} == set()
    assert other.get(f"/api/party/report-ins/{w.report_in.id}/services").status_code == 404
    audits = AuditEntry.objects.count()
    assert post(other, f"/api/party/report-ins/{w.fresh.id}/confirm").status_code == 404
    assert ReportIn.objects.get(pk=w.fresh.pk).status == "registered" and AuditEntry.objects.count() == audits
    # 甲社区's community staff (not party staff) handle their own community's report-ins.
    r = post(client_for(people.community_staff), f"/api/party/report-ins/{w.fresh.id}/confirm")
    assert r.status_code == 200


def test_phones_masked_and_each_clear_read_audited(tree, people, client_for):
    w = party_world(tree, people)
    listed = {m["name"]: m["phone"] for m in client_for(people.community_staff).get("/api/party/members").json()}
    assert listed["王工程师"] == "139****2222"
    r = post(client_for(people.community_staff), f"/api/party/members/{w.member2.id}/reveal-phone")
    assert (r.status_code, r.json()["code"]) == (403, "party.unmask_denied")
    before = AuditEntry.objects.filter(action="party_member.reveal_phone").count()
    r = post(client_for(w.party_staff), f"/api/party/members/{w.member2.id}/reveal-phone")
    assert r.json() == {"phone": "13911112222"}
    entries = AuditEntry.objects.filter(action="party_member.reveal_phone")
    assert entries.count() == before + 1 and entries.last().actor == w.party_staff
    # Encrypted at rest: the column holds no digits of the number.
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("SELECT phone FROM party_partymember WHERE id = %s", [w.member2.pk])
        raw = cur.fetchone()[0]
    assert "13911112222" not in raw and "2222" not in raw
