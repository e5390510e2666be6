"""The party keepers' forms (found an organization, register a co-building unit, seat an officer,
enrol a member, transfer a member) and the wish's photo proof, through the pages in zh-Hans: each
form shows a refusal on its field, in Chinese, with the input kept, and changes nothing."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.utils import timezone

from jiewang.audit.models import AuditEntry
from jiewang.notifications.models import Notification
from jiewang.party import models as m
from jiewang.party.testing import party_world

pytestmark = pytest.mark.django_db


def zh(client):
    client.cookies["django_language"] = "zh-hans"
    return client


def png(size=(8, 8)) -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buf, "PNG")
    return buf.getvalue()


def counts():
    return [model.objects.count() for model in (m.PartyOrg, m.CoBuilding, m.Officer, m.PartyMember,
                                                 m.MemberTransfer)] + [AuditEntry.objects.count()]


def test_found_an_organization_refused_on_its_field_then_founded(tree, people, client_for):
    w = party_world(tree, people)
    staff = zh(client_for(w.town_party_staff))
    page = staff.get("/party/orgs/new/").content.decode()
    assert "成立党组织" in page and "网格党支部" in page and "上级党组织" in page
    before = counts()
    # A grid branch under the street's committee: the tree allows only a community committee above it.
    r = staff.post("/party/orgs/new/", {"kind": "grid_branch", "name": "甲社区第2网格党支部", "area": tree.g2.id,
                                        "parent": w.street.id, "term_years": 5})
    page = r.content.decode()
    assert r.status_code == 200 and counts() == before
    assert 'id="id_parent_error">上级党组织类型不符</span>' in page
    assert 'value="甲社区第2网格党支部"' in page  # the input is kept
    # Without a name: Django's own message, in Chinese.
    r = staff.post("/party/orgs/new/", {"kind": "grid_branch", "name": "", "area": tree.g2.id,
                                        "parent": w.community.id, "term_years": 5})
    assert "这个字段是必填项" in r.content.decode() and counts() == before
    r = staff.post("/party/orgs/new/", {"kind": "grid_branch", "name": "甲社区第2网格党支部", "area": tree.g2.id,
                                        "parent": w.community.id, "term_started": "2025-03-01", "term_years": 3})
    assert r.status_code == 302 and r["Location"] == "/party/"
    org = m.PartyOrg.objects.get(name="甲社区第2网格党支部")
    assert (org.parent_id, org.area_id, org.election_due) == (w.community.id, tree.g2.id, dt.date(2028, 3, 1))


def test_a_community_keeper_cannot_found_under_another_community(tree, people, client_for):
    w = party_world(tree, people)
    staff = zh(client_for(w.party_staff))  # 甲社区's
    before = counts()
    r = staff.post("/party/orgs/new/", {"kind": "grid_branch", "name": "乙社区第1网格党支部", "area": tree.g3.id,
                                        "parent": w.community.id, "term_years": 5})
    assert r.status_code == 200 and "id_area_error" in r.content.decode() and counts() == before
    assert zh(client_for(people.community_staff)).get("/party/orgs/new/").status_code == 403


def test_co_building_and_officer_with_a_new_term(tree, people, client_for):
    w = party_world(tree, people)
    staff = zh(client_for(w.town_party_staff))
    before = counts()
    r = staff.post("/party/co-building/new/", {"street_org": w.street.id, "org": w.school.id,
                                                "joined_on": timezone.localdate().isoformat()})
    assert "已是共建单位" in r.content.decode() and counts() == before
    r = staff.post("/party/co-building/new/", {"street_org": w.street.id, "org": w.courier.id,
                                                "joined_on": timezone.localdate().isoformat(), "offer": "快递员兼任信息员"})
    assert r.status_code == 302 and m.CoBuilding.objects.filter(org=w.courier, left_on__isnull=True).count() == 1
    # A part-time member without the unit they come from: refused on that field, nothing seated.
    before = counts()
    today = timezone.localdate()
    r = staff.post("/party/officers/new/", {"org": w.community.id, "member": w.secretary.id,
                                            "role": "part_time_member", "started_on": today.isoformat(),
                                            "term_started": today.isoformat(), "term_years": 5})
    assert 'id="id_from_unit_error">请填写此项</span>' in r.content.decode() and counts() == before
    assert m.PartyOrg.objects.get(pk=w.community.pk).term_started == dt.date(2021, 6, 1)
    r = staff.post("/party/officers/new/", {"org": w.community.id, "member": w.secretary.id,
                                            "role": "part_time_member", "from_unit": "乙社区实验小学",
                                            "started_on": today.isoformat(), "term_started": today.isoformat(),
                                            "term_years": 5})
    assert r.status_code == 302
    seat = m.Officer.objects.get(org=w.community, member=w.secretary)
    assert (seat.role, seat.from_unit) == ("part_time_member", "乙社区实验小学")
    org = m.PartyOrg.objects.get(pk=w.community.pk)
    assert (org.term_started, org.election_due, org.election_stage) == (today, today.replace(year=today.year + 5)
                                                                        if not (today.month == 2 and today.day == 29)
                                                                        else dt.date(today.year + 5, 2, 28), 0)


def test_enrol_a_member_with_a_bad_phone_keeps_the_input(tree, people, client_for):
    w = party_world(tree, people)
    staff = zh(client_for(w.party_staff))
    before = counts()
    r = staff.post("/party/members/new/", {"org": w.community.id, "name": "孙大姐", "phone": "12345",
                                           "status": "full", "kind": "retired", "home_community": tree.c1.id})
    page = r.content.decode()
    assert 'id="id_phone_error">手机号码格式不正确</span>' in page and 'value="孙大姐"' in page
    assert counts() == before
    r = staff.post("/party/members/new/", {"org": w.community.id, "name": "孙大姐", "phone": "13600001111",
                                           "status": "full", "kind": "retired", "home_community": tree.c1.id})
    assert r.status_code == 302
    assert m.PartyMember.objects.get(name="孙大姐").home_community_id == tree.c1.id


def test_transfer_keeps_history_tells_both_committees_and_refuses_outside_scope(tree, people, client_for):
    from jiewang.party.services.orgs import officer_appoint
    from jiewang.party.services.transfers import member_transfer
    from jiewang.party.services.members import member_create
    from jiewang.accounts.models import User
    from jiewang.core.errors import NotFound

    w = party_world(tree, people)
    # 甲社区党委 gets a secretary with an account, to be told of the transfer.
    sec_user = User.objects.create_user("c1_secretary", password="pw-c1-secretary-2026")
    c1_sec = member_create(actor=None, org=w.community, name="刘书记", user=sec_user)
    officer_appoint(actor=None, org=w.community, member=c1_sec, role="secretary", started_on=dt.date(2021, 6, 1))
    # 王工程师 (甲社区党委) sits on its committee; moving him to the school ends that seat.
    officer_appoint(actor=None, org=w.community, member=w.member2, role="member", started_on=dt.date(2022, 1, 1))
    staff = zh(client_for(w.town_party_staff))
    before, notes = counts(), Notification.objects.count()
    # Into 丙村党委 (another town): not offered, and refused.
    r = staff.post(f"/party/members/{w.member2.id}/transfer/", {"to_org": w.other_community.id,
                                                                  "transferred_on": timezone.localdate().isoformat()})
    assert r.status_code == 200 and "id_to_org_error" in r.content.decode()
    with pytest.raises(NotFound):
        member_transfer(actor=w.town_party_staff, member=w.member2, to_org=w.other_community)
    assert counts() == before and Notification.objects.count() == notes
    r = staff.post(f"/party/members/{w.member2.id}/transfer/", {"to_org": w.school.id, "reason": "调入学校工作",
                                                                  "transferred_on": timezone.localdate().isoformat()})
    assert r.status_code == 302
    member = m.PartyMember.objects.get(pk=w.member2.pk)
    assert (member.org_id, member.area_path) == (w.school.id, w.school.area_path)
    t = m.MemberTransfer.objects.get(member=member)
    assert (t.from_org_id, t.to_org_id, t.reason, t.seats_ended) == (w.community.id, w.school.id, "调入学校工作", 1)
    assert m.Officer.objects.get(org=w.community, member=member).ended_on == timezone.localdate()
    told = set(Notification.objects.filter(title__contains="王工程师").values_list("recipient__username", flat=True))
    assert told == {"c1_secretary", "school_secretary"}
    assert AuditEntry.objects.filter(action="party_member.transfer").count() == 1
    # Both sides' keepers see the history; 丙村's do not.
    page = zh(client_for(w.party_staff)).get(f"/party/members/{member.id}/transfer/")
    assert page.status_code == 404  # 甲社区's keeper no longer keeps him (he is in 乙社区's school)
    assert "王工程师" in staff.get("/party/?q=王").content.decode()
    api = client_for(w.town_party_staff).get(f"/api/party/members/{member.id}/transfers").json()
    assert [(x["from_org_name"], x["to_org_name"]) for x in api] == [("甲社区党委", "乙社区实验小学党支部")]
    assert client_for(w.other_party_staff).get(f"/api/party/members/{member.id}/transfers").status_code == 404


@pytest.fixture
def small_limit(settings):
    settings.EVENT_PHOTO_MAX_BYTES = 2048


def _claimed(tree, people):
    w = party_world(tree, people)
    return w, m.Wish.objects.get(pk=w.wish_claimed.pk)


def _wish_state(wish):
    row = m.Wish.objects.get(pk=wish.pk)
    return (row.status, row.proof, row.hours, row.proof_photo.name, row.version)


@pytest.mark.parametrize("name, data, code", [
    ("big.png", b"\x89PNG\r\n\x1a\n" + b"0" * 5000, "photo.too_large"),
    ("notes.pdf", b"%PDF-1.4 not an image", "photo.type_not_allowed"),
])
def test_a_refused_photo_changes_nothing(tree, people, client_for, small_limit, name, data, code):
    from django.core.files.uploadedfile import SimpleUploadedFile

    w, wish = _claimed(tree, people)
    before, audits = _wish_state(wish), AuditEntry.objects.count()
    api = client_for(w.member_user)
    r = api.post(f"/api/party/wishes/{wish.id}/complete-with-photo",
                 {"proof": "已取药送到家", "hours": "1", "photo": SimpleUploadedFile(name, data)})
    assert (r.status_code, r.json()["code"]) == ((413 if code == "photo.too_large" else 422), code)
    assert _wish_state(wish) == before and AuditEntry.objects.count() == audits
    # The phone page refuses it the same way, with the message in Chinese.
    page = zh(client_for(w.member_user))
    r = page.post(f"/party/do/wish/{wish.id}/complete/", {"proof": "已取药送到家", "hours": "1", "next": "/party/me/",
                                                          "photo": SimpleUploadedFile(name, data)}, follow=True)
    text = r.content.decode()
    assert ("图片过大" in text) if code == "photo.too_large" else ("只接受 JPEG、PNG 或 WebP 图片" in text)
    assert _wish_state(wish) == before and AuditEntry.objects.count() == audits


def test_photo_proof_shown_to_requester_and_branch_and_rating_after_done(tree, people, client_for):
    from django.core.files.uploadedfile import SimpleUploadedFile

    w, wish = _claimed(tree, people)
    # No rating before it is done.
    r = client_for(people.grid_worker).post(f"/api/party/wishes/{wish.id}/rate", {"rating": 5},
                                             content_type="application/json")
    assert r.status_code == 409 and m.Wish.objects.get(pk=wish.pk).rating is None
    data = png()
    r = zh(client_for(w.member_user)).post(f"/party/do/wish/{wish.id}/complete/", {
        "proof": "已取药送到家", "hours": "1", "next": "/party/me/", "photo": SimpleUploadedFile("p.png", data)})
    assert r.status_code == 302
    row = m.Wish.objects.get(pk=wish.pk)
    assert (row.status, row.proof_photo_type, len(row.proof_photo_sha256)) == ("done", "image/png", 64)
    url = f"/party/wishes/{wish.id}/photo/"
    # The grid worker who posted it for 王奶奶, the community's keeper, the claimant: the photo.
    for who in (people.grid_worker, w.party_staff, w.member_user):
        resp = client_for(who).get(url)
        assert resp.status_code == 200 and b"".join(resp.streaming_content) == data
    assert client_for(w.party_staff).get(f"/api/party/wishes/{wish.id}").json()["proof_photo_url"] == \
        f"/api/party/wishes/{wish.id}/proof-photo"
    # Another community's keeper and a resident of the community who did not ask: nothing.
    for who in (w.other_party_staff, people.resident):
        assert client_for(who).get(url).status_code == 404
        assert client_for(who).get(f"/api/party/wishes/{wish.id}/proof-photo").status_code == 404
    page = zh(client_for(people.grid_worker)).get("/party/wishes/").content.decode()
    assert url in page and "已取药送到家" in page
    r = client_for(people.grid_worker).post(f"/api/party/wishes/{wish.id}/rate", {"rating": 4},
                                             content_type="application/json")
    assert r.status_code == 200 and m.Wish.objects.get(pk=wish.pk).rating == 4
