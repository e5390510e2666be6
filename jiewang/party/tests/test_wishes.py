"""微心愿 end to end: 点单 (a resident posts), 派单 (the community publishes), 接单 (a reported-in member
claims and completes with proof), 评单 (the resident rates) — and the hours land in the member's
record and their yearly evaluation. Plus the wish board's visibility and the refusals."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from django.utils import timezone

from jiewang.accounts.choices import Role
from jiewang.accounts.models import RoleGrant, User
from jiewang.notifications.models import Notification
from jiewang.party.models import ServiceRecord, Wish
from jiewang.party.services.members import member_create
from jiewang.party.testing import party_world

pytestmark = pytest.mark.django_db


def post(client, url, body=None):
    return client.post(url, data=json.dumps(body or {}), content_type="application/json")


def test_a_wish_posted_claimed_done_and_rated(tree, people, client_for):
    w = party_world(tree, people)
    resident, staff, teacher = client_for(people.resident), client_for(w.party_staff), client_for(w.member_user)
    r = post(resident, "/api/party/wishes", {"area_id": tree.g1.id, "title": "家里水龙头漏水", "category": "repair",
                                             "description": "独居，不会修", "requester_phone": "13912345678"})
    assert r.status_code == 201, r.content
    wish = r.json()
    assert (wish["status"], wish["requester_name"], wish["requester_phone"], wish["grid_name"]) == (
        "posted", "resident", "139****5678", "甲社区第1网格")
    # Not on the board until published: the teacher (reported in to 甲社区) cannot see or claim it.
    assert teacher.get(f"/api/party/wishes/{wish['id']}").status_code == 404
    r = post(staff, f"/api/party/wishes/{wish['id']}/publish", {"expected_version": 1})
    assert r.status_code == 200 and r.json()["status"] == "published" and r.json()["published_at"]
    assert Notification.objects.filter(recipient=w.member_user, title="有新的微心愿待认领：家里水龙头漏水").count() == 1
    # A member of the same party who reported in nowhere cannot claim.
    stranger_user = User.objects.create_user("stranger", password="pw-stranger-2026")
    member_create(actor=None, org=w.community, name="未报到党员", user=stranger_user)
    r = post(client_for(stranger_user), f"/api/party/wishes/{wish['id']}/claim")
    assert r.status_code == 404  # the board of 甲社区 is not theirs
    r = post(teacher, f"/api/party/wishes/{wish['id']}/claim")
    assert r.status_code == 200 and (r.json()["status"], r.json()["claimant"]) == ("claimed", "李老师")
    # Claimed once: a second claim is a wrong state.
    r = post(teacher, f"/api/party/wishes/{wish['id']}/claim")
    assert (r.status_code, r.json()["code"]) == (409, "party.wish_transition")
    # Only the claimant completes; proof and hours required.
    assert post(resident, f"/api/party/wishes/{wish['id']}/complete", {"proof": "x", "hours": "1"}).status_code == 403
    r = post(teacher, f"/api/party/wishes/{wish['id']}/complete", {"proof": " ", "hours": "1"})
    assert r.status_code == 422 and Wish.objects.get(pk=wish["id"]).status == "claimed"
    r = post(teacher, f"/api/party/wishes/{wish['id']}/complete", {"proof": "更换了水龙头阀芯", "hours": "1.5"})
    assert r.status_code == 200 and r.json()["status"] == "done"
    assert Notification.objects.filter(recipient=people.resident, title="您的微心愿已完成：家里水龙头漏水").count() == 1
    # Only the requester rates.
    assert post(teacher, f"/api/party/wishes/{wish['id']}/rate", {"rating": 5}).status_code == 403
    before = ServiceRecord.objects.filter(source="wish").count()
    r = post(resident, f"/api/party/wishes/{wish['id']}/rate", {"rating": 5, "comment": "谢谢李老师"})
    assert r.status_code == 200 and (r.json()["status"], r.json()["rating"]) == ("rated", 5)
    # The hours are the teacher's confirmed service now, and count in this year's evaluation.
    rec = ServiceRecord.objects.get(source="wish", report_in=w.report_in)
    assert ServiceRecord.objects.filter(source="wish").count() == before + 1
    assert (rec.hours, rec.description, rec.confirmed_at is not None) == (Decimal("1.5"), "微心愿：家里水龙头漏水", True)
    r = post(staff, f"/api/party/report-ins/{w.report_in.id}/evaluations",
             {"year": timezone.localdate().year, "grade": "excellent"})
    # This year: 2 h logged by the community in the world + 1.5 h from this wish (the teacher's own 1.5 h
    # are still pending).
    assert (Decimal(r.json()["hours"]), r.json()["services"]) == (Decimal("3.5"), 2)


def test_the_wish_board(tree, people, client_for):
    w = party_world(tree, people)
    board = lambda who: {x["title"] for x in client_for(who).get("/api/party/wishes?status=published").json()}  # noqa
    # A resident of 甲社区 sees its published wishes; a resident of 丙村 sees none of them.
    assert board(people.resident) == {"陪王奶奶去医院复查"}
    far = User.objects.create_user("far_resident", password="pw-far-2026")
    RoleGrant.objects.create(user=far, role=Role.RESIDENT, area=tree.g4)
    assert board(far) == set()
    # The reported-in teacher sees the board, and their own claimed and done wishes.
    mine = {x["title"] for x in client_for(w.member_user).get("/api/party/wishes?mine=true").json()}
    assert mine == {"帮王奶奶取药", "教王奶奶用手机挂号"}
    assert board(w.member_user) == {"陪王奶奶去医院复查"}
    # The requester's phone is never shown in clear.
    assert {x["requester_phone"] for x in client_for(w.member_user).get("/api/party/wishes").json()} <= {
        "135****1111", ""}


def test_a_co_building_unit_claims_through_the_community(tree, people, client_for):
    w = party_world(tree, people)
    staff = client_for(w.town_party_staff)
    r = post(staff, f"/api/party/wishes/{w.wish_published.id}/claim", {"org_id": w.courier.id})
    assert (r.status_code, r.json()["code"]) == (422, "party.wish_not_co_building")
    r = post(staff, f"/api/party/wishes/{w.wish_published.id}/claim", {"org_id": w.school.id})
    assert r.status_code == 200 and r.json()["claimant"] == "乙社区实验小学党支部"
    r = post(staff, f"/api/party/wishes/{w.wish_published.id}/complete", {"proof": "学校车辆接送", "hours": "3"})
    assert r.status_code == 200
    r = post(client_for(people.grid_worker), f"/api/party/wishes/{w.wish_published.id}/rate", {"rating": 4})
    assert r.status_code == 200
    # No member claimed it: no member's hours.
    assert not ServiceRecord.objects.filter(source="wish", description__contains="陪王奶奶").exists()


def test_release_puts_it_back_on_the_board(tree, people, client_for):
    w = party_world(tree, people)
    r = post(client_for(w.member_user), f"/api/party/wishes/{w.wish_claimed.id}/release")
    assert r.status_code == 200 and (r.json()["status"], r.json()["claimant"], r.json()["claimed_at"]) == (
        "published", "", None)


def test_a_small_event_handed_to_the_party_members(tree, people, loop, client_for):
    """交党员认领 through the action registry: the grid hands an event it handles itself to the party
    branch; a member reported in to 甲社区 claims and completes it; the event's timeline shows both."""
    from jiewang.events.models import EventActivity
    from jiewang.events.testing import make_event

    w = party_world(tree, people)
    event = make_event(tree, people, loop, "grid_handling", title="楼道堆放杂物")
    r = post(client_for(people.grid_worker), f"/api/events/{event.number}/hand-to-party",
             {"comment": "请党员帮忙清理"})
    assert r.status_code == 200, r.content
    wish = Wish.objects.get(event_number=event.number)
    assert (wish.status, wish.title, wish.grid_id, wish.posted_by) == ("published", "楼道堆放杂物", tree.g1.id,
                                                                      people.grid_worker)
    # Once: the action is no longer offered, and the event stays with the grid.
    r = post(client_for(people.grid_worker), f"/api/events/{event.number}/hand-to-party", {})
    assert (r.status_code, r.json()["code"]) == (409, "hand_to_party.already")
    assert Wish.objects.filter(event_number=event.number).count() == 1
    teacher = client_for(w.member_user)
    assert post(teacher, f"/api/party/wishes/{wish.id}/claim").status_code == 200
    assert post(teacher, f"/api/party/wishes/{wish.id}/complete", {"proof": "已清理", "hours": "1"}).status_code == 200
    notes = list(EventActivity.objects.filter(event=event, action__in=["hand_to_party", "party_wish_done"])
                 .order_by("id").values_list("action", "comment"))
    assert notes == [("hand_to_party", "请党员帮忙清理"), ("party_wish_done", "党员已完成：已清理")]
