"""组织关系转接 through the API and the members' home community: exact outcomes, refusals change nothing."""

from __future__ import annotations

import json

import pytest

from jiewang.audit.models import AuditEntry
from jiewang.party import models as m
from jiewang.party.testing import party_world

pytestmark = pytest.mark.django_db


def post(client, url, body):
    return client.post(url, data=json.dumps(body), content_type="application/json")


def state(member):
    row = m.PartyMember.objects.get(pk=member.pk)
    return (row.org_id, row.area_path, row.version, m.MemberTransfer.objects.count(), AuditEntry.objects.count())


def test_transfer_refusals_change_nothing_then_a_transfer(tree, people, client_for):
    w = party_world(tree, people)
    staff = client_for(w.party_staff)  # 甲社区's keeper
    url = f"/api/party/members/{w.member2.id}/transfer"
    before = state(w.member2)
    # The same organization; a future day; a stale version; an organization out of sight (丙村).
    r = post(staff, url, {"to_org_id": w.community.id})
    assert (r.status_code, r.json()["code"]) == (422, "party.transfer_same_org")
    r = post(staff, url, {"to_org_id": w.branch.id, "transferred_on": "2099-01-01"})
    assert (r.status_code, r.json()["fields"]) == (422, {"transferred_on": "future"})
    r = post(staff, url, {"to_org_id": w.branch.id, "expected_version": 7})
    assert (r.status_code, r.json()["code"]) == (409, "party.member_stale")
    r = post(staff, url, {"to_org_id": w.other_community.id})
    assert r.status_code == 404
    # The school sits in 乙社区, outside 甲社区's keeper's subtree: 404 too.
    r = post(staff, url, {"to_org_id": w.school.id})
    assert r.status_code == 404
    assert state(w.member2) == before
    r = post(staff, url, {"to_org_id": w.branch.id, "reason": "到网格党支部", "expected_version": 1})
    assert r.status_code == 201, r.content
    body = r.json()
    assert (body["from_org_name"], body["to_org_name"], body["seats_ended"]) == ("甲社区党委", "甲社区第1网格党支部", 0)
    row = m.PartyMember.objects.get(pk=w.member2.pk)
    assert (row.org_id, row.area_path, row.version) == (w.branch.id, w.branch.area_path, 2)


def test_home_community_set_and_refused_when_not_a_community(tree, people, client_for):
    w = party_world(tree, people)
    staff = client_for(w.party_staff)
    url = f"/api/party/members/{w.member2.id}"
    r = staff.put(url, data=json.dumps({"expected_version": 1, "home_community_id": tree.g1.id}),
                  content_type="application/json")
    assert (r.status_code, r.json()["fields"]) == (422, {"home_community_id": "level"})
    assert m.PartyMember.objects.get(pk=w.member2.pk).home_community_id is None
    r = staff.put(url, data=json.dumps({"expected_version": 1, "home_community_id": tree.c1.id}),
                  content_type="application/json")
    assert r.status_code == 200 and r.json()["home_community_id"] == tree.c1.id
