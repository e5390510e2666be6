"""The organization tree on the area tree, co-building units, committee seats (the commander as the
street's party secretary), and the election reminders (换届提醒)."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.utils import timezone

from jiewang.accounts.choices import Role
from jiewang.accounts.models import RoleGrant, User
from jiewang.audit.models import AuditEntry
from jiewang.notifications.models import Notification
from jiewang.party.models import Officer, PartyOrg
from jiewang.party.services.elections import elections_sweep
from jiewang.party.services.members import member_create
from jiewang.party.services.orgs import election_due, officer_appoint, org_update
from jiewang.party.testing import party_world

pytestmark = pytest.mark.django_db


def post(client, url, body):
    return client.post(url, data=json.dumps(body), content_type="application/json")


def test_the_chain_follows_the_area_tree(tree, people, client_for):
    w = party_world(tree, people)
    staff = client_for(w.party_staff)
    n = PartyOrg.objects.count()
    bad = [
        ({"kind": "grid_branch", "name": "x", "area_id": tree.c1.id, "parent_id": w.community.id}, "party.org_level"),
        ({"kind": "grid_branch", "name": "x", "area_id": tree.g2.id}, "party.org_parent"),
        ({"kind": "grid_branch", "name": "x", "area_id": tree.g2.id, "parent_id": w.branch.id}, "party.org_parent"),
        ({"kind": "building_group", "name": "x", "area_id": tree.g2.id, "parent_id": w.branch.id}, "party.org_parent"),
        ({"kind": "grid_branch", "name": " ", "area_id": tree.g2.id, "parent_id": w.community.id}, "validation_failed"),
    ]
    for body, code in bad:
        r = post(staff, "/api/party/orgs", body)
        assert (r.status_code, r.json()["code"]) == (422, code), (body, r.content)
    # The grid branch of 乙社区's grid cannot hang under 甲社区's committee (town staff can see both).
    r = post(client_for(w.town_party_staff), "/api/party/orgs",
             {"kind": "grid_branch", "name": "乙1支部", "area_id": tree.g3.id, "parent_id": w.community.id})
    assert (r.status_code, r.json()["fields"]) == (422, {"area_id": "outside_parent"})
    # Community staff read party data but do not found organizations; 丙村's staff cannot see 甲社区.
    body = {"kind": "grid_branch", "name": "甲2支部", "area_id": tree.g2.id, "parent_id": w.community.id}
    assert post(client_for(people.community_staff), "/api/party/orgs", body).status_code == 403
    assert post(client_for(w.other_party_staff), "/api/party/orgs", body).status_code == 404
    assert PartyOrg.objects.count() == n
    r = post(staff, "/api/party/orgs", {**body, "term_started": "2024-03-01", "term_years": 5})
    assert r.status_code == 201 and r.json()["election_due"] == "2029-03-01"
    assert {(o.kind, o.name) for o in PartyOrg.objects.filter(parent=w.community)} == {
        ("grid_branch", "甲社区第1网格党支部"), ("grid_branch", "甲2支部")}


def test_tree_selector_nests_what_the_user_sees(tree, people):
    from jiewang.party.selectors import org_tree

    w = party_world(tree, people)
    names = lambda nodes: [(n["org"].name, names(n["children"])) for n in nodes]  # noqa: E731
    assert names(org_tree(user=w.party_staff)) == [("甲社区党委", [("甲社区第1网格党支部", [])])]
    town = names(org_tree(user=w.town_party_staff))
    assert ("一街道党工委", [("甲社区党委", [("甲社区第1网格党支部", [])])]) in town
    assert ("乙社区实验小学党支部", []) in town and ("一街道快递行业党支部", []) in town


def test_commander_is_the_streets_party_secretary(tree, people, client_for):
    """One person, two roles: the town's commander (指挥长) is the working committee's secretary, and
    keeps the town's party data."""
    w = party_world(tree, people)
    commander = User.objects.create_user("commander_t1", password="pw-commander-2026")
    RoleGrant.objects.create(user=commander, role=Role.COMMANDER, area=tree.t1)
    me = member_create(actor=None, org=w.street, name="刘书记", user=commander)
    r = post(client_for(commander), f"/api/party/orgs/{w.street.id}/officers",
             {"member_id": me.id, "role": "secretary", "started_on": "2024-09-01"})
    assert r.status_code == 201, r.content
    # A new secretary ends the old seat the day before.
    new = member_create(actor=None, org=w.street, name="新书记")
    seat = officer_appoint(actor=commander, org=w.street, member=new, role="secretary", started_on=dt.date(2026, 1, 1))
    old = Officer.objects.get(org=w.street, member=me)
    assert (old.ended_on, seat.ended_on) == (dt.date(2025, 12, 31), None)
    assert Officer.objects.filter(org=w.street, role="secretary", ended_on__isnull=True).count() == 1
    # A seat other than 兼职委员 is held by the organization's own member.
    r = post(client_for(commander), f"/api/party/orgs/{w.street.id}/officers",
             {"member_id": w.member2.id, "role": "member", "started_on": "2026-01-01"})
    assert (r.status_code, r.json()["code"]) == (422, "party.officer_member")
    # A part-time member from a unit in the area names their unit (社区大党委).
    r = post(client_for(commander), f"/api/party/orgs/{w.community.id}/officers",
             {"member_id": w.member.id, "role": "part_time_member", "started_on": "2026-01-01",
              "from_unit": "乙社区实验小学"})
    assert r.status_code == 201 and r.json()["from_unit"] == "乙社区实验小学"


def test_co_building_units_join_once(tree, people, client_for):
    w = party_world(tree, people)
    staff = client_for(w.town_party_staff)
    r = post(staff, f"/api/party/orgs/{w.street.id}/co-builders", {"org_id": w.school.id, "joined_on": "2025-01-01"})
    assert (r.status_code, r.json()["code"]) == (409, "party.cobuilding_exists")
    r = post(staff, f"/api/party/orgs/{w.community.id}/co-builders", {"org_id": w.courier.id, "joined_on": "2025-01-01"})
    assert (r.status_code, r.json()["code"]) == (422, "party.cobuilding_street")
    r = post(staff, f"/api/party/orgs/{w.street.id}/co-builders", {"org_id": w.branch.id, "joined_on": "2025-01-01"})
    assert (r.status_code, r.json()["code"]) == (422, "party.cobuilding_kind")
    r = post(staff, f"/api/party/orgs/{w.street.id}/co-builders", {"org_id": w.courier.id, "joined_on": "2025-01-01",
                                                                   "offer": "快递员兼任信息员"})
    assert r.status_code == 201
    names = {c["org_name"] for c in staff.get(f"/api/party/orgs/{w.street.id}/co-builders").json()}
    assert names == {"乙社区实验小学党支部", "一街道快递行业党支部"}


def test_election_due_raises_its_reminder_once_then_overdue_once(tree, people, settings):
    settings.PARTY_ELECTION_REMINDER_DAYS = 180
    w = party_world(tree, people)
    commander = User.objects.create_user("commander_t1", password="pw-commander-2026")
    RoleGrant.objects.create(user=commander, role=Role.COMMANDER, area=tree.t1)
    # 甲社区党委: term from 2021-06-01, five years: due 2026-06-01.
    assert w.community.election_due == dt.date(2026, 6, 1)
    tz = timezone.get_current_timezone()
    early = dt.datetime(2025, 11, 30, 9, tzinfo=tz)  # 183 days ahead: nothing yet
    PartyOrg.objects.exclude(pk=w.community.pk).update(election_due=None)
    assert elections_sweep(early) == {"reminded": 0, "overdue": 0}
    ahead = dt.datetime(2025, 12, 5, 9, tzinfo=tz)  # 178 days ahead
    assert elections_sweep(ahead) == {"reminded": 1, "overdue": 0}
    assert elections_sweep(ahead) == {"reminded": 0, "overdue": 0}
    told = Notification.objects.filter(title="换届提醒：甲社区党委")
    assert set(told.values_list("recipient__username", flat=True)) == {"party_staff_c1", "party_staff_t1",
                                                                         "commander_t1"}
    assert told.first().body == "甲社区党委本届任期于2026-06-01届满，请做好换届准备。"
    late = dt.datetime(2026, 6, 2, 9, tzinfo=tz)
    assert elections_sweep(late) == {"reminded": 0, "overdue": 1}
    assert elections_sweep(late) == {"reminded": 0, "overdue": 0}
    assert Notification.objects.filter(title="换届逾期：甲社区党委").count() == 3
    assert AuditEntry.objects.filter(action__startswith="party_org.election_").count() == 2
    # The election held: a new term resets the reminders.
    org = PartyOrg.objects.get(pk=w.community.pk)
    org = org_update(actor=w.party_staff, org=org, expected_version=org.version, term_started=dt.date(2026, 6, 10))
    assert (org.election_due, org.election_stage) == (dt.date(2031, 6, 10), 0)
    assert elections_sweep(late) == {"reminded": 0, "overdue": 0}


def test_stale_edit_refused(tree, people, client_for):
    w = party_world(tree, people)
    staff = client_for(w.party_staff)
    r = client_for(w.party_staff).put(f"/api/party/orgs/{w.community.id}", data=json.dumps(
        {"expected_version": 1, "name": "甲社区大党委"}), content_type="application/json")
    assert r.status_code == 200
    r = staff.put(f"/api/party/orgs/{w.community.id}", data=json.dumps({"expected_version": 1, "name": "别的名字"}),
                  content_type="application/json")
    assert (r.status_code, r.json()["code"]) == (409, "party.org_stale")
    assert PartyOrg.objects.get(pk=w.community.pk).name == "甲社区大党委"


def test_election_due_on_29_february():
    assert election_due(dt.date(2024, 2, 29), 5) == dt.date(2029, 2, 28)
    assert election_due(None, 5) is None
