"""The party API's permission matrix (``PARTY_ROUTES``, counted by tests/test_permission_matrix.py):
for every endpoint, anonymous 401; a user with no role and 丙村's party-building staff refused (or an
empty list) with nothing changed; the role in scope answered, writes leaving an audit row."""

from __future__ import annotations

import json
from dataclasses import dataclass
from collections.abc import Callable

import pytest
from django.utils import timezone

from jiewang.audit.models import AuditEntry
from jiewang.party import models as m
from jiewang.party.testing import party_world

pytestmark = pytest.mark.django_db


@dataclass
class Case:
    method: str
    template: str
    url: Callable  # world -> url
    role: str  # attribute of the world (or "member_user")
    body: Callable | None = None  # (tree, world) -> body
    multipart: bool = False  # the body is sent as a form with a photo


def today():
    return timezone.localdate().isoformat()


P = "/api/party"
CASES = [
    Case("GET", "/api/party/orgs", lambda w: f"{P}/orgs", "party_staff"),
    Case("POST", "/api/party/orgs", lambda w: f"{P}/orgs", "party_staff",
         lambda t, w: {"kind": "grid_branch", "name": "甲社区第2网格党支部", "area_id": t.g2.id,
                       "parent_id": w.community.id, "term_started": "2024-01-01"}),
    Case("GET", "/api/party/orgs/{org_id}", lambda w: f"{P}/orgs/{w.community.id}", "party_staff"),
    Case("PUT", "/api/party/orgs/{org_id}", lambda w: f"{P}/orgs/{w.community.id}", "party_staff",
         lambda t, w: {"expected_version": 1, "name": "甲社区大党委"}),
    Case("GET", "/api/party/orgs/{org_id}/officers", lambda w: f"{P}/orgs/{w.school.id}/officers",
         "town_party_staff"),
    Case("POST", "/api/party/orgs/{org_id}/officers", lambda w: f"{P}/orgs/{w.community.id}/officers", "party_staff",
         lambda t, w: {"member_id": w.member2.id, "role": "member", "started_on": today()}),
    Case("POST", "/api/party/officers/{seat_id}/end", lambda w: f"{P}/officers/{w.seat.id}/end", "town_party_staff",
         lambda t, w: {"on": today()}),
    Case("GET", "/api/party/orgs/{org_id}/co-builders", lambda w: f"{P}/orgs/{w.street.id}/co-builders",
         "town_party_staff"),
    Case("POST", "/api/party/orgs/{org_id}/co-builders", lambda w: f"{P}/orgs/{w.street.id}/co-builders",
         "town_party_staff", lambda t, w: {"org_id": w.courier.id, "joined_on": today(), "offer": "快递员兼任网格信息员"}),
    Case("POST", "/api/party/co-builders/{link_id}/leave", lambda w: f"{P}/co-builders/{w.link.id}/leave",
         "town_party_staff", lambda t, w: {"on": today()}),
    Case("GET", "/api/party/members", lambda w: f"{P}/members", "party_staff"),
    Case("POST", "/api/party/members", lambda w: f"{P}/members", "party_staff",
         lambda t, w: {"org_id": w.community.id, "name": "赵阿姨", "kind": "retired"}),
    Case("GET", "/api/party/members/{member_id}", lambda w: f"{P}/members/{w.member2.id}", "party_staff"),
    Case("PUT", "/api/party/members/{member_id}", lambda w: f"{P}/members/{w.member2.id}", "party_staff",
         lambda t, w: {"expected_version": 1, "work_unit": "渝州建工集团"}),
    Case("POST", "/api/party/members/{member_id}/transfer", lambda w: f"{P}/members/{w.member2.id}/transfer",
         "party_staff", lambda t, w: {"to_org_id": w.branch.id, "reason": "调整到网格党支部"}),
    Case("GET", "/api/party/members/{member_id}/transfers", lambda w: f"{P}/members/{w.member2.id}/transfers",
         "party_staff"),
    Case("POST", "/api/party/members/{member_id}/reveal-phone", lambda w: f"{P}/members/{w.member2.id}/reveal-phone",
         "party_staff", lambda t, w: {}),
    Case("GET", "/api/party/report-ins", lambda w: f"{P}/report-ins", "party_staff"),
    Case("POST", "/api/party/report-ins", lambda w: f"{P}/report-ins", "party_staff",
         lambda t, w: {"member_id": w.member2.id, "community_id": t.c1.id, "service_post": "mediator"}),
    Case("POST", "/api/party/report-ins/{report_in_id}/end", lambda w: f"{P}/report-ins/{w.report_in.id}/end",
         "party_staff", lambda t, w: {"reason": "搬离本社区"}),
    Case("POST", "/api/party/report-ins/{report_in_id}/confirm", lambda w: f"{P}/report-ins/{w.fresh.id}/confirm",
         "party_staff", lambda t, w: {}),
    Case("POST", "/api/party/report-ins/{report_in_id}/reject", lambda w: f"{P}/report-ins/{w.fresh.id}/reject",
         "party_staff", lambda t, w: {"reason": "不在本社区居住"}),
    Case("GET", "/api/party/report-ins/{report_in_id}/services", lambda w: f"{P}/report-ins/{w.report_in.id}/services",
         "party_staff"),
    Case("POST", "/api/party/report-ins/{report_in_id}/services",
         lambda w: f"{P}/report-ins/{w.report_in.id}/services", "party_staff",
         lambda t, w: {"served_on": today(), "hours": "1.5", "description": "义诊协助"}),
    Case("POST", "/api/party/services/{service_id}/confirm", lambda w: f"{P}/services/{w.pending_service.id}/confirm",
         "party_staff", lambda t, w: {}),
    Case("POST", "/api/party/report-ins/{report_in_id}/evaluations",
         lambda w: f"{P}/report-ins/{w.report_in.id}/evaluations", "party_staff",
         lambda t, w: {"year": timezone.localdate().year, "grade": "excellent"}),
    Case("GET", "/api/party/evaluations", lambda w: f"{P}/evaluations", "party_staff"),
    Case("GET", "/api/party/unit-report-ins", lambda w: f"{P}/unit-report-ins", "party_staff"),
    Case("POST", "/api/party/unit-report-ins", lambda w: f"{P}/unit-report-ins", "town_party_staff",
         lambda t, w: {"org_id": w.courier.id, "community_id": t.c1.id, "offer": "快递驿站代收"}),
    Case("POST", "/api/party/unit-report-ins/{unit_report_in_id}/confirm",
         lambda w: f"{P}/unit-report-ins/{w.unit_report_in.id}/confirm", "party_staff", lambda t, w: {}),
    Case("POST", "/api/party/unit-report-ins/{unit_report_in_id}/reject",
         lambda w: f"{P}/unit-report-ins/{w.unit_report_in.id}/reject", "party_staff",
         lambda t, w: {"reason": "已在他处报到"}),
    Case("GET", "/api/party/me", lambda w: f"{P}/me", "member_user"),
    Case("GET", "/api/party/wishes", lambda w: f"{P}/wishes", "party_staff"),
    Case("POST", "/api/party/wishes", lambda w: f"{P}/wishes", "resident",
         lambda t, w: {"area_id": t.g1.id, "title": "想学用智能手机", "category": "tutoring"}),
    Case("GET", "/api/party/wishes/{wish_id}", lambda w: f"{P}/wishes/{w.wish_posted.id}", "party_staff"),
    Case("POST", "/api/party/wishes/{wish_id}/publish", lambda w: f"{P}/wishes/{w.wish_posted.id}/publish",
         "party_staff", lambda t, w: {}),
    Case("POST", "/api/party/wishes/{wish_id}/refuse", lambda w: f"{P}/wishes/{w.wish_posted.id}/refuse",
         "party_staff", lambda t, w: {"reason": "属于物业维修范围，已转物业"}),
    Case("POST", "/api/party/wishes/{wish_id}/withdraw", lambda w: f"{P}/wishes/{w.wish_posted.id}/withdraw",
         "resident", lambda t, w: {}),
    Case("POST", "/api/party/wishes/{wish_id}/claim", lambda w: f"{P}/wishes/{w.wish_published.id}/claim",
         "member_user", lambda t, w: {}),
    Case("POST", "/api/party/wishes/{wish_id}/release", lambda w: f"{P}/wishes/{w.wish_claimed.id}/release",
         "member_user", lambda t, w: {}),
    Case("POST", "/api/party/wishes/{wish_id}/complete", lambda w: f"{P}/wishes/{w.wish_claimed.id}/complete",
         "member_user", lambda t, w: {"proof": "已取药送到家", "hours": "1"}),
    Case("POST", "/api/party/wishes/{wish_id}/complete-with-photo",
         lambda w: f"{P}/wishes/{w.wish_claimed.id}/complete-with-photo", "member_user",
         lambda t, w: {"proof": "已取药送到家", "hours": "1"}, multipart=True),
    Case("GET", "/api/party/wishes/{wish_id}/proof-photo", lambda w: f"{P}/wishes/{w.wish_done.id}/proof-photo",
         "party_staff"),
    Case("POST", "/api/party/wishes/{wish_id}/rate", lambda w: f"{P}/wishes/{w.wish_done.id}/rate",
         "grid_worker", lambda t, w: {"rating": 5, "comment": "很耐心"}),
    Case("GET", "/api/party/needs", lambda w: f"{P}/needs", "party_staff"),
    Case("POST", "/api/party/needs", lambda w: f"{P}/needs", "party_staff",
         lambda t, w: {"community_id": t.c1.id, "title": "老年食堂志愿者", "category": "elderly", "source": "community"}),
    Case("GET", "/api/party/needs/{need_id}/suggestions", lambda w: f"{P}/needs/{w.need.id}/suggestions",
         "party_staff"),
    Case("POST", "/api/party/needs/{need_id}/close", lambda w: f"{P}/needs/{w.need.id}/close", "party_staff",
         lambda t, w: {"reason": "已由学校自行解决"}),
    Case("GET", "/api/party/needs/report", lambda w: f"{P}/needs/report?street_id={w.street.area_id}",
         "town_party_staff"),
    Case("GET", "/api/party/resources", lambda w: f"{P}/resources", "party_staff"),
    Case("POST", "/api/party/resources", lambda w: f"{P}/resources", "town_party_staff",
         lambda t, w: {"street_id": t.t1.id, "title": "义诊服务", "kind": "service", "category": "health",
                       "capacity": 100, "provider_name": "区人民医院"}),
    Case("GET", "/api/party/projects", lambda w: f"{P}/projects", "party_staff"),
    Case("POST", "/api/party/projects", lambda w: f"{P}/projects", "party_staff",
         lambda t, w: {"need_id": w.need.id, "title": "四点半课堂", "owner": "甲社区党委",
                       "uses": [{"resource_id": w.venue.id, "amount": 40}]}),
    Case("PUT", "/api/party/projects/{project_id}", lambda w: f"{P}/projects/{w.project.id}", "party_staff",
         lambda t, w: {"progress": 60}),
    Case("GET", "/api/party/meetings", lambda w: f"{P}/meetings", "town_party_staff"),
    Case("POST", "/api/party/meetings", lambda w: f"{P}/meetings", "town_party_staff",
         lambda t, w: {"street_org_id": w.street.id, "title": "临时联席会议", "held_on": today(),
                       "attendee_ids": [w.school.id]}),
    Case("POST", "/api/party/meetings/{meeting_id}/followups", lambda w: f"{P}/meetings/{w.meeting.id}/followups",
         "town_party_staff", lambda t, w: {"resolution": "共建单位认领微心愿", "due_on": today(),
                                           "owner_name": "街道党建办"}),
    Case("GET", "/api/party/followups", lambda w: f"{P}/followups", "town_party_staff"),
    Case("POST", "/api/party/followups/{followup_id}/done", lambda w: f"{P}/followups/{w.followup.id}/done",
         "town_party_staff", lambda t, w: {"result": "已于周末开放"}),
]
PARTY_ROUTES = {(c.method, c.template) for c in CASES}
# The lists, with the model whose rows they list: another area's reader sees none of 一街道's rows.
LISTS = {"/api/party/orgs": m.PartyOrg, "/api/party/members": m.PartyMember, "/api/party/report-ins": m.ReportIn,
         "/api/party/evaluations": m.YearlyEvaluation, "/api/party/unit-report-ins": m.UnitReportIn,
         "/api/party/wishes": m.Wish, "/api/party/needs": m.Need, "/api/party/resources": m.Resource,
         "/api/party/projects": m.Project, "/api/party/meetings": m.Meeting, "/api/party/followups": m.FollowUp}


def snapshot():
    return [list(model.objects.order_by("pk").values()) for model in
            (m.PartyOrg, m.CoBuilding, m.Officer, m.PartyMember, m.MemberTransfer, m.ReportIn, m.UnitReportIn, m.ServiceRecord,
             m.YearlyEvaluation, m.Wish, m.Need, m.Resource, m.Project, m.ProjectResource, m.Meeting,
             m.FollowUp)]


def call(client, case, tree, world):
    url = case.url(world)
    if case.body is None:
        return client.get(url)
    if case.multipart:
        from django.core.files.uploadedfile import SimpleUploadedFile

        from jiewang.party.testing import tiny_png

        return client.post(url, {**case.body(tree, world), "photo": SimpleUploadedFile("p.png", tiny_png())})
    return getattr(client, case.method.lower())(url, data=json.dumps(case.body(tree, world)),
                                                content_type="application/json")


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c.method} {c.template}")
def test_matrix(case, tree, people, client_for):
    world = party_world(tree, people)
    before, audits = snapshot(), AuditEntry.objects.count()
    r = call(client_for(None), case, tree, world)
    assert (r.status_code, r.json()["code"]) == (401, "unauthenticated")
    for who in (people.nobody, world.other_party_staff, people.other_community_staff):
        r = call(client_for(who), case, tree, world)
        if case.method == "GET" and case.template in LISTS:
            ours = set(LISTS[case.template].objects.filter(area_path__startswith=tree.t1.path).values_list("pk", flat=True))
            assert r.status_code == 200 and not {x["id"] for x in r.json()} & ours, (who, r.content)
        else:
            assert r.status_code in (403, 404), (who.username, r.status_code, r.content)
    assert snapshot() == before and AuditEntry.objects.count() == audits
    who = getattr(world, case.role, None) or getattr(people, case.role)
    r = call(client_for(who), case, tree, world)
    assert 200 <= r.status_code < 300, r.content
    if case.method == "GET" and case.template in LISTS:
        assert r.json() != []
    if case.method != "GET":
        assert AuditEntry.objects.count() > audits
