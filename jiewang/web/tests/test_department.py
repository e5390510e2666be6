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

from .test_command import G4, done, state, walk


def numbers(html: str, section: str) -> list[str]:
    start = html.index(f'id="{section}"')
    part = html[start:html.index("</section>", start)]
    return re.findall(r'class="num" href="/events/([^"/]+)/"', part)


def page(client):
    r = client.get("/dept/")
    assert r.status_code == 200
    return r.content.decode()


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


def act(client, event, action, data=None, *, htmx=False, row=None, version=True):
    """Post ``action`` on ``event`` from a workbench row (as the row's form does)."""
    body = {"surface": "department", **(data or {})}
    if version:
        body.setdefault("expected_version", Event.objects.get(pk=event.pk).version)
    if row is not None:
        body["row"] = row
    return client.post(f"/events/{event.number}/do/{action}/", body, **({"HTTP_HX_REQUEST": "true"} if htmx else {}))


def sign(client, a, **kw):
    return act(client, a.event, "sign", {"assignment_id": a.pk}, row=f"assignment:{a.pk}", **kw)


@pytest.mark.django_db
def test_sign_for_and_refusals(tree, people, loop, client_for, south_staff):
    e = walk(people, "dispatched")
    a = e.assignments.get()
    c = client_for(loop.cgj_staff)
    # another department's staff cannot see it at all
    assert sign(client_for(south_staff), a).status_code == 404
    assert sign(client_for(south_staff), a, htmx=True).status_code == 404
    # a department that can see the event (summoned to it) but does not hold the assignment: refused
    wsvc.whistle_blow(event=e, actor=people.admin, departments=[loop.sthj], problem="协助")
    before = state(e)
    r = sign(client_for(loop.sthj_staff), a, htmx=True)
    assert "您无权执行「签收」" in r.content.decode()
    assert Assignment.objects.get(pk=a.pk).status == "dispatched" and state(e) == before
    # an assignment id that does not exist: refused with a message, nothing changes
    r = act(c, e, "sign", {"assignment_id": 2**62}, row=f"assignment:{a.pk}", htmx=True)
    assert "对象不存在" in r.content.decode() and state(e) == before
    r = sign(c, a, htmx=True)
    body = r.content.decode()
    assert r.status_code == 200 and body.strip().startswith("<li") and 'role="status"' in body
    assert done("sign") in body
    assert Assignment.objects.get(pk=a.pk).status == "signed"
    ev = Event.objects.get(pk=e.pk)
    assert ev.status == "handling"
    # signing twice is refused with the message
    r = sign(c, a)
    assert r.status_code == 302 and r.url == f"/events/{e.number}/"
    assert "「签收」不适用于该对象的当前状态" in c.get(r.url).content.decode()
    assert Event.objects.get(pk=e.pk).version == ev.version


@pytest.mark.django_db
def test_return_with_reason(tree, people, loop, client_for):
    e = walk(people, "dispatched")
    a = e.assignments.get()
    c = client_for(loop.cgj_staff)
    before = state(e)
    r = act(c, e, "return", {"assignment_id": a.pk, "comment": ""}, row=f"assignment:{a.pk}", htmx=True)
    assert "请填写原因" in r.content.decode()
    assert state(e) == before
    act(c, e, "return", {"assignment_id": a.pk, "comment": "不属于城管职责", "next": "/dept/"})
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
    act(c, e, "dispute", {"assignment_id": a.pk, "comment": "应由环保部门负责"})
    a = Assignment.objects.get(pk=a.pk)
    assert a.disputed_at is not None and a.dispute_reason == "应由环保部门负责"
    before = state(e)
    r = act(c, e, "dispute", {"assignment_id": a.pk, "comment": "再次"}, row=f"assignment:{a.pk}", htmx=True)
    assert "「争议」不适用于该对象的当前状态" in r.content.decode()
    assert Assignment.objects.get(pk=a.pk).dispute_reason == "应由环保部门负责" and state(e) == before


@pytest.mark.django_db
def test_feedback_with_photos(tree, people, loop, client_for):
    e = walk(people, "handling")
    a = e.assignments.get()
    c = client_for(loop.cgj_staff)
    before = state(e)
    # the lead's feedback is the event's own action, offered on the lead's row
    assert f'action="/events/{e.number}/do/feedback/"' in page(c)
    # no comment: refused, and the photo is not kept either
    act(c, e, "feedback", {"comment": "", "photos": [SimpleUploadedFile("a.png", png_bytes(), "image/png")]},
        row=f"assignment:{a.pk}")
    assert state(e) == before and not EventPhoto.objects.exists()
    # not an image: refused, nothing changes
    r = act(c, e, "feedback", {"comment": "已清理",
                               "photos": [SimpleUploadedFile("a.png", b"not an image", "image/png")]},
            row=f"assignment:{a.pk}", htmx=True)
    assert "只接受 JPEG、PNG 或 WebP 图片" in r.content.decode()
    assert state(e) == before and not EventPhoto.objects.exists()
    # more than six photos: refused before anything is written
    r = act(c, e, "feedback", {"comment": "已清理",
                               "photos": [SimpleUploadedFile(f"{i}.png", png_bytes(), "image/png") for i in range(7)]},
            row=f"assignment:{a.pk}", htmx=True)
    assert 'role="alert"' in r.content.decode()
    assert state(e) == before and not EventPhoto.objects.exists()
    r = act(c, e, "feedback", {"comment": "已清理完毕",
                               "photos": [SimpleUploadedFile("a.png", png_bytes(), "image/png"),
                                          SimpleUploadedFile("b.png", png_bytes((0, 90, 0)), "image/png")]},
            row=f"assignment:{a.pk}", htmx=True)
    assert done("feedback") in r.content.decode()
    ev = Event.objects.get(pk=e.pk)
    assert ev.status == "feedback"
    assert list(EventPhoto.objects.filter(event=e).values_list("kind", flat=True)) == ["feedback", "feedback"]
    a = Assignment.objects.get(pk=a.pk)
    assert (a.status, a.feedback) == ("feedback", "已清理完毕")
    # once verified it moves to the history
    actions.event_verify(event=ev, actor=people.admin, passed=True)
    assert numbers(page(c), "d-history") == [e.number]


@pytest.mark.django_db
def test_extension_request(tree, people, loop, client_for):
    e = walk(people, "handling")
    a = e.assignments.get()
    c = client_for(loop.cgj_staff)
    before = state(e)
    earlier = timezone.localtime(e.due_at - dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    r = act(c, e, "extension", {"requested_due_at": earlier, "comment": "材料未到"}, row=f"assignment:{a.pk}",
            htmx=True)
    assert "新期限须晚于当前期限" in r.content.decode() and not ExtensionRequest.objects.exists()
    r = act(c, e, "extension", {"requested_due_at": "not a date", "comment": "材料未到"}, row=f"assignment:{a.pk}",
            htmx=True)
    assert 'role="alert"' in r.content.decode() and not ExtensionRequest.objects.exists()
    assert state(e) == before
    later = timezone.localtime(e.due_at + dt.timedelta(days=2)).replace(second=0, microsecond=0)
    act(c, e, "extension", {"requested_due_at": later.strftime("%Y-%m-%dT%H:%M"), "comment": "材料未到"})
    req = ExtensionRequest.objects.get()
    assert (req.status, req.requested_due_at, req.reason, req.assignment_id) == ("pending", later, "材料未到", a.pk)
    # one pending at a time: the form is no longer offered, and a second post is refused
    assert f'action="/events/{e.number}/do/extension/"' not in page(c)
    r = act(c, e, "extension", {"requested_due_at": later.strftime("%Y-%m-%dT%H:%M"), "comment": "再延"},
            row=f"assignment:{a.pk}", htmx=True)
    assert "已有待审批的延期申请" in r.content.decode()
    assert ExtensionRequest.objects.count() == 1


@pytest.mark.django_db
def test_report_in_to_a_whistle(tree, people, loop, client_for, south_staff):
    e = walk(people, "handling")
    w = wsvc.whistle_blow(event=e, actor=people.town_operator, departments=[loop.cgj, loop.sthj], problem="联合执法")
    s = WhistleSummons.objects.get(whistle=w, department=loop.sthj)
    c = client_for(loop.sthj_staff)
    assert numbers(page(c), "d-whistles") == [e.number]

    def report(client, data, **kw):
        return act(client, e, "report_in", {"summons_id": s.pk, **data}, row=f"summons:{s.pk}", **kw)

    assert report(client_for(south_staff), {"responder_name": "李四"}).status_code == 404
    before = state(e)
    r = report(c, {"responder_name": " "}, htmx=True)
    assert "请填写响应人" in r.content.decode()
    assert WhistleSummons.objects.get(pk=s.pk).status == "summoned" and state(e) == before
    # the other summoned department may not report in for this one
    r = report(client_for(loop.cgj_staff), {"responder_name": "张三"}, htmx=True)
    assert "您无权执行「报到」" in r.content.decode()
    assert WhistleSummons.objects.get(pk=s.pk).status == "summoned" and state(e) == before
    r = report(c, {"responder_name": "李四", "responder_phone": "13800000000"}, htmx=True)
    body = r.content.decode()
    assert body.strip().startswith("<li") and done("report_in") in body and "李四" in body
    s = WhistleSummons.objects.get(pk=s.pk)
    assert (s.status, s.responder_name, s.responder_phone) == ("reported_in", "李四", "13800000000")
    assert numbers(page(c), "d-whistles") == []
