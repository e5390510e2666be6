"""The party pages walked as their users do, in zh-Hans: the member reports in on their phone page,
the community confirms on the workspace, a resident posts a wish on the wish board, the community
publishes it, the member claims and completes it, the resident rates it; each page answers in
Chinese at every step and each refusal shows the service's message."""

from __future__ import annotations

import pytest

from jiewang.party.models import ReportIn, Wish
from jiewang.party.services.members import member_create
from jiewang.party.testing import party_world

pytestmark = pytest.mark.django_db


def zh(client):
    client.cookies["django_language"] = "zh-hans"
    return client


def test_report_in_and_a_wish_through_the_pages(tree, people, client_for):
    w = party_world(tree, people)
    from jiewang.accounts.models import User

    doctor_user = User.objects.create_user("doctor", password="pw-doctor-2026")
    member_create(actor=None, org=w.school, name="赵医生", user=doctor_user)
    doctor, staff, resident = zh(client_for(doctor_user)), zh(client_for(w.party_staff)), zh(client_for(people.resident))
    page = doctor.get("/party/me/").content.decode()
    assert "我的党员服务" in page and "居住地社区报到" in page
    # The member's nav shows their page; the staff's shows the workspace.
    assert "/party/me/" in page
    r = doctor.post("/party/new/report_in/", {"community": tree.c1.id, "service_post": "mediator",
                                              "commitments": "调解邻里纠纷", "next": "/party/me/"})
    assert r.status_code == 302 and r["Location"] == "/party/me/"
    ri = ReportIn.objects.get(member__user=doctor_user)
    assert (ri.status, ri.community_id, ri.service_post) == ("registered", tree.c1.id, "mediator")
    page = staff.get("/party/").content.decode()
    assert "待确认报到" in page and "赵医生" in page
    r = staff.post(f"/party/do/report_in/{ri.id}/confirm/")
    assert r.status_code == 302 and ReportIn.objects.get(pk=ri.pk).status == "confirmed"
    # A resident posts a wish; a second post without a title shows the error and adds nothing.
    r = resident.post("/party/new/wish/", {"area": tree.g1.id, "title": "帮忙换灯泡", "category": "repair",
                                           "next": "/party/wishes/"})
    assert r.status_code == 302
    n = Wish.objects.count()
    r = resident.post("/party/new/wish/", {"area": tree.g1.id, "title": "", "category": "repair",
                                           "next": "/party/wishes/"}, follow=True)
    assert "此项" in r.content.decode() and Wish.objects.count() == n
    wish = Wish.objects.get(title="帮忙换灯泡")
    assert staff.post(f"/party/do/wish/{wish.id}/publish/").status_code == 302
    # The member sees it on their page and claims it, then completes it.
    assert "帮忙换灯泡" in doctor.get("/party/me/").content.decode()
    doctor.post(f"/party/do/wish/{wish.id}/claim/", {"next": "/party/me/"})
    doctor.post(f"/party/do/wish/{wish.id}/complete/", {"proof": "换好了", "hours": "0.5", "next": "/party/me/"})
    assert Wish.objects.get(pk=wish.pk).status == "done"
    page = resident.get("/party/wishes/").content.decode()
    assert "换好了" in page and "评价" in page
    resident.post(f"/party/do/wish/{wish.id}/rate/", {"rating": "5", "comment": "谢谢", "next": "/party/wishes/"})
    assert Wish.objects.get(pk=wish.pk).rating == 5
    assert "0.5" in doctor.get("/party/me/").content.decode()


def test_pages_refuse_the_wrong_people(tree, people, client_for):
    w = party_world(tree, people)
    assert client_for(people.grid_worker).get("/party/").status_code == 403
    assert client_for(None).get("/party/").status_code == 302
    # 丙村's staff cannot confirm 甲社区's report-in: an error message, nothing changed.
    r = zh(client_for(w.other_party_staff)).post(f"/party/do/report_in/{w.fresh.id}/confirm/", follow=True)
    assert "不存在" in r.content.decode() and ReportIn.objects.get(pk=w.fresh.pk).status == "registered"
    page = zh(client_for(people.town_leader)).get("/party/").content.decode()
    assert "党组织" in page and "一街道党工委" in page


def test_a_members_page_shows_the_latest_ten_services_and_folds_the_rest(tree, people, client_for):
    """A year of service is long on a phone: the ten latest records, the others folded."""
    import datetime as dt
    from decimal import Decimal

    from django.utils import timezone

    from jiewang.accounts.models import User
    from jiewang.party.models import ServiceRecord

    w = party_world(tree, people)
    ri = ReportIn.objects.filter(status="confirmed", member__user__isnull=False).first()
    ServiceRecord.objects.filter(report_in__member=ri.member).delete()
    now = timezone.now()
    ServiceRecord.objects.bulk_create([ServiceRecord(
        report_in=ri, area_path=ri.area_path, served_on=dt.date(2026, 1, 1) + dt.timedelta(days=i), hours=Decimal("1"),
        description=f"服务{i:02d}", recorded_at=now, confirmed_at=now) for i in range(13)])
    page = zh(client_for(User.objects.get(pk=ri.member.user_id))).get("/party/me/").content.decode()
    latest = page[page.index('id="my-service"'):page.index("</ul>", page.index('id="my-service"'))]
    assert [f"服务{i:02d}" in latest for i in range(13)] == [False] * 3 + [True] * 10
    earlier = page[page.index('id="my-service-earlier"'):]
    assert "更早的 3 条记录" in earlier and all(f"服务{i:02d}" in earlier for i in range(3))
    assert w is not None
