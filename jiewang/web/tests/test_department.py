"""The department workbench (/dept/): the department's own open assignments with their clocks,
sign-for / return / dispute / feedback with photos / extension, report-in to whistles, history;
refused actions show the message and change nothing."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from jiewang.accounts.choices import Role
from jiewang.accounts.models import RoleGrant, User
from jiewang.dispatching.models import Assignment, ExtensionRequest, WhistleSummons
from jiewang.dispatching.services import assignments as dsvc
from jiewang.dispatching.services import whistles as wsvc
from jiewang.events.models import Deadline, Event, EventPhoto
from jiewang.events.services import actions
from jiewang.events.testing import png_bytes

from .test_command import G4, walk


def numbers(html: str, section: str) -> list[str]:
    start = html.index(f'id="{section}"')
    part = html[start:html.index("</section>", start)]
    return re.findall(r'class="num" href="/events/([^"/]+)/"', part)


def page(client):
    r = client.get("/dept/")
    assert r.status_code == 200
    return r.content.decode()


def post(client, url, data=None, htmx=False):
    return client.post(url, data or {}, **({"HTTP_HX_REQUEST": "true"} if htmx else {}))


@pytest.fixture
def south_staff(people):
    u = User(username="south_staff", display_name="south_staff")
    u.set_password("pw-south_staff-2026")
    u.save()
    RoleGrant.objects.create(user=u, role=Role.DEPARTMENT_STAFF, area=people.other_department.area,
                             department=people.other_department)
    return u


@pytest.mark.django_db
def test_who_may_enter(people, client_for):
    assert client_for(None).get("/dept/").status_code == 302
    for user in (people.town_operator, people.grid_worker, people.district_admin, people.nobody):
        assert client_for(user).get("/dept/").status_code == 403, user
    assert client_for(people.department_staff).get("/dept/").status_code == 200
    assert client_for(people.admin).get("/dept/").status_code == 200


@pytest.mark.django_db
def test_lists_only_the_departments_own_work_with_clocks(tree, people, loop, client_for, south_staff):
    admin = people.admin
    mine = walk(people, "accepted")
    dsvc.event_dispatch(event=mine, actor=admin, lead=loop.cgj, assists=[loop.sthj])
    theirs = walk(people, "accepted")
    dsvc.event_dispatch(event=theirs, actor=admin, lead=loop.sthj)
    south = walk(people, "dispatched", at=G4, lead=people.other_department)
    handling = walk(people, "handling")
    html = page(client_for(loop.cgj_staff))
    assert sorted(numbers(html, "d-open")) == sorted([mine.number, handling.number])
    assert theirs.number not in html and south.number not in html
    # the sign-for clock of the dispatched assignment and the handling clock of the signed one
    a = Assignment.objects.get(event=mine, department=loop.cgj)
    sign = Deadline.objects.get(event=mine, kind="sign", subject_type="assignment", subject_id=a.pk, state="running")
    assert f'datetime="{timezone.localtime(sign.due_at).isoformat()}"' in html
    handle = Deadline.objects.get(event=handling, kind="handle", subject_type="", state="running")
    assert f'datetime="{timezone.localtime(handle.due_at).isoformat()}"' in html
    assert numbers(page(client_for(south_staff)), "d-open") == [south.number]
    assert sorted(numbers(page(client_for(loop.sthj_staff)), "d-open")) == sorted([mine.number, theirs.number])


@pytest.mark.django_db
def test_sign_for_and_refusals(tree, people, loop, client_for, south_staff):
    e = walk(people, "dispatched")
    a = e.assignments.get()
    c = client_for(loop.cgj_staff)
    # another department's staff cannot see it at all
    assert post(client_for(south_staff), f"/dept/assignments/{a.pk}/sign/").status_code == 404
    # a department that can see the event (summoned to it) but does not hold the assignment: refused
    wsvc.whistle_blow(event=e, actor=people.admin, departments=[loop.sthj], problem="协助")
    r = post(client_for(loop.sthj_staff), f"/dept/assignments/{a.pk}/sign/", htmx=True)
    assert "这不是您部门的任务" in r.content.decode()
    assert Assignment.objects.get(pk=a.pk).status == "dispatched"
    r = post(c, f"/dept/assignments/{a.pk}/sign/", htmx=True)
    body = r.content.decode()
    assert r.status_code == 200 and body.strip().startswith("<li") and 'role="status"' in body
    assert Assignment.objects.get(pk=a.pk).status == "signed"
    ev = Event.objects.get(pk=e.pk)
    assert ev.status == "handling"
    # signing twice is refused with the message
    r = post(c, f"/dept/assignments/{a.pk}/sign/")
    assert r.status_code == 302
    assert "该任务不在待签收状态" in page(c)
    assert Event.objects.get(pk=e.pk).version == ev.version


@pytest.mark.django_db
def test_return_with_reason(tree, people, loop, client_for):
    e = walk(people, "dispatched")
    a = e.assignments.get()
    c = client_for(loop.cgj_staff)
    r = post(c, f"/dept/assignments/{a.pk}/return/", {"reason": ""}, htmx=True)
    assert "请填写退回原因" in r.content.decode()
    assert Event.objects.get(pk=e.pk).version == e.version
    post(c, f"/dept/assignments/{a.pk}/return/", {"reason": "不属于城管职责"})
    a = Assignment.objects.get(pk=a.pk)
    assert (a.status, a.return_reason) == ("returned", "不属于城管职责")
    assert Event.objects.get(pk=e.pk).status == "accepted"
    html = page(c)
    assert numbers(html, "d-open") == [] and numbers(html, "d-history") == [e.number]


@pytest.mark.django_db
def test_dispute(tree, people, loop, client_for):
    e = walk(people, "handling")
    a = e.assignments.get()
    c = client_for(loop.cgj_staff)
    post(c, f"/dept/assignments/{a.pk}/dispute/", {"reason": "应由环保部门负责"})
    a = Assignment.objects.get(pk=a.pk)
    assert a.disputed_at is not None and a.dispute_reason == "应由环保部门负责"
    r = post(c, f"/dept/assignments/{a.pk}/dispute/", {"reason": "再次"}, htmx=True)
    assert "已在仲裁中" in r.content.decode()


@pytest.mark.django_db
def test_feedback_with_photos(tree, people, loop, client_for):
    e = walk(people, "handling")
    a = e.assignments.get()
    c = client_for(loop.cgj_staff)
    # no comment: refused, and the photo is not kept either
    post(c, f"/dept/assignments/{a.pk}/feedback/", {
        "comment": "", "version": e.version, "photos": [SimpleUploadedFile("a.png", png_bytes(), "image/png")]})
    assert Event.objects.get(pk=e.pk).version == e.version and not EventPhoto.objects.exists()
    # not an image: refused, nothing changes
    r = post(c, f"/dept/assignments/{a.pk}/feedback/", {
        "comment": "已清理", "version": e.version,
        "photos": [SimpleUploadedFile("a.png", b"not an image", "image/png")]}, htmx=True)
    assert "只接受 JPEG、PNG 或 WebP 图片" in r.content.decode()
    assert Event.objects.get(pk=e.pk).status == "handling" and not EventPhoto.objects.exists()
    post(c, f"/dept/assignments/{a.pk}/feedback/", {
        "comment": "已清理完毕", "version": e.version,
        "photos": [SimpleUploadedFile("a.png", png_bytes(), "image/png"),
                   SimpleUploadedFile("b.png", png_bytes((0, 90, 0)), "image/png")]})
    ev = Event.objects.get(pk=e.pk)
    assert ev.status == "feedback"
    assert list(EventPhoto.objects.filter(event=e).values_list("kind", flat=True)) == ["feedback", "feedback"]
    assert Assignment.objects.get(pk=a.pk).status == "feedback"
    # once verified it moves to the history
    actions.event_verify(event=ev, actor=people.admin, passed=True)
    assert numbers(page(c), "d-history") == [e.number]


@pytest.mark.django_db
def test_extension_request(tree, people, loop, client_for):
    e = walk(people, "handling")
    a = e.assignments.get()
    c = client_for(loop.cgj_staff)
    earlier = timezone.localtime(e.due_at - dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    r = post(c, f"/dept/assignments/{a.pk}/extension/", {"due": earlier, "reason": "材料未到"}, htmx=True)
    assert "新期限须晚于当前期限" in r.content.decode() and not ExtensionRequest.objects.exists()
    later = timezone.localtime(e.due_at + dt.timedelta(days=2)).replace(second=0, microsecond=0)
    post(c, f"/dept/assignments/{a.pk}/extension/", {"due": later.strftime("%Y-%m-%dT%H:%M"), "reason": "材料未到"})
    req = ExtensionRequest.objects.get()
    assert (req.status, req.requested_due_at, req.reason) == ("pending", later, "材料未到")


@pytest.mark.django_db
def test_report_in_to_a_whistle(tree, people, loop, client_for, south_staff):
    e = walk(people, "handling")
    w = wsvc.whistle_blow(event=e, actor=people.town_operator, departments=[loop.cgj, loop.sthj], problem="联合执法")
    s = WhistleSummons.objects.get(whistle=w, department=loop.sthj)
    c = client_for(loop.sthj_staff)
    assert numbers(page(c), "d-whistles") == [e.number]
    assert post(client_for(south_staff), f"/dept/summonses/{s.pk}/report-in/", {"responder_name": "李四"}) \
        .status_code == 404
    r = post(c, f"/dept/summonses/{s.pk}/report-in/", {"responder_name": " "}, htmx=True)
    assert "请填写响应人" in r.content.decode()
    assert WhistleSummons.objects.get(pk=s.pk).status == "summoned"
    # the other summoned department may not report in for this one
    r = post(client_for(loop.cgj_staff), f"/dept/summonses/{s.pk}/report-in/", {"responder_name": "张三"},
             htmx=True)
    assert "这不是您部门的召集" in r.content.decode()
    post(c, f"/dept/summonses/{s.pk}/report-in/", {"responder_name": "李四", "responder_phone": "13800000000"})
    s = WhistleSummons.objects.get(pk=s.pk)
    assert (s.status, s.responder_name, s.responder_phone) == ("reported_in", "李四", "13800000000")
    assert numbers(page(c), "d-whistles") == []
