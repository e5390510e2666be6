"""The command center (/command/): who may enter, what each queue holds for the user's scope,
each row action through the same services as the API (refused ones change nothing), and the map
data (per-grid counts, server-side clusters)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone

from jiewang.accounts.models import Department
from jiewang.dispatching.models import Assignment, ExtensionRequest, Whistle, WhistleSummons
from jiewang.dispatching.services import assignments as dsvc
from jiewang.dispatching.services import whistles as wsvc
from jiewang.events.models import Event, EventActivity, MatterCategory
from jiewang.events.selectors import cluster_cell_degrees
from jiewang.events.services import actions
from jiewang.events.services.intake import event_report
from jiewang.events.testing import make_event
from jiewang.notifications.models import Notification

G1 = (106.05, 29.2)  # 甲社区第1网格 (一街道, 北区)
G2 = (106.2, 29.2)  # 甲社区第2网格
G3 = (106.3, 29.2)  # 乙社区第1网格
G4 = (106.7, 29.5)  # 丙村第1网格 (三镇, 南区): another district




ATTRIBUTES = {"SL02": {"structure": "roof"}}


def walk(people, state, *, at=G1, level="town", category="LS01", lead=None, title=None):
    """An event reported at ``at`` and walked to ``state`` (held by the town unless ``level``)."""
    return make_event(None, people, None, state, level=level, category=category, at=at, lead=lead,
                      title=title or f"事件 {state}", attributes=ATTRIBUTES.get(category, {}))


def queue_numbers(html: str, key: str) -> list[str]:
    """The event numbers linked from the rows of queue ``key``, in page order."""
    start = html.index(f'id="q-{key}"')
    section = html[start:html.index("</section>", start)]
    return re.findall(r'class="num" href="/events/([^"/]+)/"', section)


def page(client, url="/command/"):
    r = client.get(url)
    assert r.status_code == 200, r.status_code
    return r.content.decode()


# ---- access -----------------------------------------------------------------------------------

@pytest.mark.django_db
def test_who_may_enter(people, client_for):
    assert client_for(None).get("/command/").status_code == 302
    for user in (people.grid_worker, people.community_staff, people.department_staff, people.resident,
                 people.nobody):
        assert client_for(user).get("/command/").status_code == 403, user
        assert client_for(user).get("/command/map/grids.json").status_code == 403
    for user in (people.town_operator, people.town_leader, people.district_admin, people.admin):
        assert client_for(user).get("/command/").status_code == 200, user


# ---- queues -----------------------------------------------------------------------------------

@pytest.mark.django_db
def test_each_queue_holds_exactly_the_scoped_events(tree, people, loop, client_for):
    ev = {s: walk(people, s) for s in ("reported", "accepted", "dispatched", "handling", "feedback", "closed")}
    grid_level = walk(people, "reported", level="grid", title="网格内事件")
    late = walk(people, "handling", title="超期事件")
    Event.objects.filter(pk=late.pk).update(is_overdue=True)
    other = {s: walk(people, s, at=G4, lead=people.other_department)
             for s in ("reported", "accepted", "handling", "feedback")}
    html = page(client_for(people.town_operator))
    assert queue_numbers(html, "accept") == [ev["reported"].number]
    assert queue_numbers(html, "dispatch") == [ev["accepted"].number]
    # overdue first
    assert queue_numbers(html, "progress")[0] == late.number
    assert sorted(queue_numbers(html, "progress")) == sorted([late.number, ev["dispatched"].number,
                                                              ev["handling"].number])
    assert queue_numbers(html, "verify") == [ev["feedback"].number, ev["closed"].number]
    # an event the grid holds is in the grids' queue only (issue #9: the map counted it, no queue had it)
    assert queue_numbers(html, "local") == [grid_level.number]
    assert html.count(f'href="/events/{grid_level.number}/"') == 1
    for e in other.values():
        assert e.number not in html
    # the other district's admin sees only the other town's events
    html2 = page(client_for(people.other_district_admin))
    assert queue_numbers(html2, "accept") == [other["reported"].number]
    assert queue_numbers(html2, "progress") == [other["handling"].number]
    assert ev["reported"].number not in html2


@pytest.mark.django_db
def test_filters_narrow_the_queues(tree, people, loop, client_for):
    a = walk(people, "reported", category="LS01", title="垃圾")
    b = walk(people, "reported", category="SL02", title="违建")
    c = walk(people, "reported", at=G2, category="LS01", title="第二网格")
    c_ = client_for(people.town_operator)
    assert queue_numbers(page(c_, "/command/?board=safety"), "accept") == [b.number]
    assert queue_numbers(page(c_, "/command/?category=LS"), "accept") == [a.number, c.number]
    assert queue_numbers(page(c_, f"/command/?grid={tree.g2.id}"), "accept") == [c.number]
    assert queue_numbers(page(c_, "/command/?status=accepted"), "accept") == []
    tomorrow = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    assert queue_numbers(page(c_, f"/command/?since={tomorrow}"), "accept") == []
    assert len(queue_numbers(page(c_, f"/command/?until={timezone.localdate().isoformat()}"), "accept")) == 3
    # a grid outside the user's area is ignored, not an error
    assert len(queue_numbers(page(c_, f"/command/?grid={tree.g4.id}"), "accept")) == 3


# ---- actions ----------------------------------------------------------------------------------
# Every row form posts to the one form view /events/<number>/do/<action>/ with the schema's field
# names, the page's version (``expected_version``), the surface it came from and, for an htmx swap,
# the row it re-renders (``row`` = ``event`` / ``dispute:ID`` / ``extension:ID`` / ``summons:ID``).

def act(client, event, action, data=None, *, htmx=False, row=None, version=True, surface="command"):
    """Post ``action`` on ``event`` from a command-center row (as the row's form does)."""
    body = {"surface": surface, **(data or {})}
    if version:
        body.setdefault("expected_version", event.version)
    if row is not None:
        body["row"] = row
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    return client.post(f"/events/{event.number}/do/{action}/", body, **headers)


def state(event) -> tuple:
    """What a refused action must leave alone: status, version, activities, clocks, assignments."""
    from jiewang.events.models import Deadline

    e = Event.objects.get(pk=event.pk)
    return (e.status, e.version, e.level, e.due_at, EventActivity.objects.filter(event=e).count(),
            sorted(Deadline.objects.filter(event=e).values_list("id", "state", "due_at")),
            sorted(Assignment.objects.filter(event=e).values_list("id", "status", "arbitrated_at")))


def done(action: str) -> str:
    """The success message of ``action`` as the page shows it (zh-Hans, the default language)."""
    from django.utils import translation

    from jiewang.events import registry

    with translation.override("zh-hans"):
        return str(registry.get(action).done)


def outcome(response) -> str:
    """The htmx answer: the re-rendered row, starting with its <li>."""
    body = response.content.decode()
    assert response.status_code == 200 and body.strip().startswith("<li"), body[:200]
    return body


@pytest.mark.django_db
def test_accept_and_refusals(tree, people, loop, client_for):
    e = walk(people, "reported")
    c = client_for(people.town_operator)
    before = state(e)
    # a stale version is refused with the form view's message, nothing changes
    r = act(c, e, "accept", {"expected_version": e.version - 1, "next": "/command/"})
    assert r.status_code == 302 and r.url == "/command/"
    assert "事件已被他人处理，本次操作未执行" in page(c)
    assert state(e) == before
    # the district admin may not accept at the town's level: the row comes back with the refusal
    body = outcome(act(client_for(people.district_admin), e, "accept", htmx=True, row="event"))
    assert 'role="alert"' in body and "您无权执行「立案」" in body and f'data-number="{e.number}"' in body
    assert state(e) == before
    # a grid worker sees the event (it is in his grid) but may not act at the town's level
    r = act(client_for(people.grid_worker), e, "accept", htmx=True, row="event")
    assert "您无权执行「立案」" in outcome(r)
    assert state(e) == before
    # accepted, back to the page it came from
    r = act(c, e, "accept", {"next": "/command/?board=safety"})
    assert r.status_code == 302 and r.url == "/command/?board=safety"
    after = Event.objects.get(pk=e.pk)
    assert (after.status, after.version) == ("accepted", e.version + 1)
    assert EventActivity.objects.filter(event=e, action="accept").get().actor_role == "town_operator"
    # an off-site next is not followed: back to the event page
    e2 = walk(people, "reported")
    for evil in ("https://evil.example/", "//evil.example/x", "javascript:alert(1)"):
        r = act(c, e2, "void", {"comment": "", "next": evil})
        assert r.status_code == 302 and r.url == f"/events/{e2.number}/", evil
    r = act(c, e2, "accept", {"next": "https://evil.example/"})
    assert r.url == f"/events/{e2.number}/"
    assert Event.objects.get(pk=e2.pk).status == "accepted"


@pytest.mark.django_db
def test_the_form_view_answers_only_posts_of_signed_in_users(tree, people, loop, client_for):
    e = walk(people, "reported")
    before = state(e)
    r = client_for(None).post(f"/events/{e.number}/do/accept/", {"expected_version": e.version})
    assert r.status_code == 302 and r.url.startswith("/login/")
    assert client_for(people.town_operator).get(f"/events/{e.number}/do/accept/").status_code == 405
    # an unknown action is a 404, like an unknown event
    assert act(client_for(people.town_operator), e, "no_such_action").status_code == 404
    assert state(e) == before


@pytest.mark.django_db
def test_actions_on_another_towns_event_are_404(tree, people, loop, client_for):
    other = walk(people, "reported", at=G4, lead=people.other_department)
    before = state(other)
    c = client_for(people.town_operator)
    for action in ("accept", "void", "dispatch", "whistle", "remind", "supervise", "decide_extension"):
        r = act(c, other, action, {"comment": "x"})
        assert r.status_code == 404, action
        r = act(c, other, action, {"comment": "x", "row": "event"}, htmx=True)
        assert r.status_code == 404, action
    # even with an empty body: scope is checked before the input
    assert c.post(f"/events/{other.number}/do/whistle/", {}).status_code == 404
    assert state(other) == before
    assert not EventActivity.objects.filter(event=other, action__in=["remind", "supervise"]).exists()
    handling = walk(people, "handling", at=G4, lead=people.other_department)
    dsvc.extension_request(event=handling, actor=people.admin, requested_due_at=handling.due_at + dt.timedelta(days=2),
                           reason="需要更多时间")
    req = ExtensionRequest.objects.get(event=handling)
    r = act(c, handling, "decide_extension", {"request_id": req.pk, "approve": "1"}, row=f"extension:{req.pk}",
            htmx=True)
    assert r.status_code == 404
    # the other town's request named on one of our own events: refused, nothing changes
    mine = walk(people, "handling")
    before_mine = state(mine)
    r = act(c, mine, "decide_extension", {"request_id": req.pk, "approve": "1"})
    assert r.status_code == 302 and "对象不存在" in c.get(r.url).content.decode()
    assert ExtensionRequest.objects.get(pk=req.pk).status == "pending"
    assert state(mine) == before_mine
    assert c.post("/events/no-such/do/accept/").status_code == 404


@pytest.mark.django_db
def test_void_needs_a_reason(tree, people, loop, client_for):
    e = walk(people, "reported")
    before = state(e)
    c = client_for(people.town_operator)
    body = outcome(act(c, e, "void", {"comment": " "}, htmx=True, row="event"))
    assert "请填写原因" in body and 'role="alert"' in body
    assert state(e) == before
    body = outcome(act(c, e, "void", {"comment": "重复上报"}, htmx=True, row="event"))
    assert 'role="status"' in body and done("void") in body
    assert Event.objects.get(pk=e.pk).status == "voided"


@pytest.mark.django_db
def test_dispatch_with_preselected_defaults(tree, people, loop, client_for):
    ghzy = Department.objects.create(area=tree.d1, name="北区规划和自然资源局", code="ghzy")
    Department.objects.create(area=tree.d2, name="南区规划和自然资源局", code="ghzy")
    e = walk(people, "accepted", category="SL02")  # defaults: cgj leads, ghzy assists
    before = state(e)
    c = client_for(people.town_operator)
    # the event page's dispatch form preselects the category's defaults among the serving departments
    # (the town has no post of the category's: the department is proposed as the lead)
    full = c.get(f"/events/{e.number}/").content.decode()
    start = full.index('data-action="dispatch"')
    form = full[start:full.index("</form>", start)]
    assert f'<option value="department:{loop.cgj.pk}" selected>' in form
    assert f'name="assist_department_ids" value="{ghzy.pk}" checked' in form
    assert "南区规划和自然资源局" not in form  # does not serve this town
    # the queue row's dispatch is one button that sends those defaults
    html = page(c)
    start = html.index(f'class="num" href="/events/{e.number}/"')
    row = html[start:html.index("</li>", start)]
    start = row.index(f'action="/events/{e.number}/do/dispatch/"')
    button = row[start:row.index("</form>", start)]
    sent = re.findall(r'<input type="hidden" name="([a-z_]+)" value="([^"]*)"', button)
    assert ("lead", f"department:{loop.cgj.pk}") in sent
    assert ("assist_department_ids", str(ghzy.pk)) in sent
    # no lead: refused, nothing changes
    body = outcome(act(c, e, "dispatch", {"lead_department_id": ""}, htmx=True, row="event"))
    assert "主办须为一个部门或一个岗位" in body
    assert state(e) == before and not Assignment.objects.exists()
    # a department of another district: not found in the operator's scope, nothing changes
    body = outcome(act(c, e, "dispatch", {"lead_department_id": people.other_department.pk}, htmx=True, row="event"))
    assert "主办单位不存在" in body
    assert state(e) == before and not Assignment.objects.exists()
    # the button: exactly what the row's form posts
    data: dict = {}
    for name, value in sent:
        data.setdefault(name, []).append(value)
    r = c.post(f"/events/{e.number}/do/dispatch/", data, HTTP_HX_REQUEST="true")
    assert done("dispatch") in outcome(r)
    ev = Event.objects.get(pk=e.pk)
    assert (ev.status, ev.level) == ("dispatched", "department")
    assert sorted((a.department.code, a.role) for a in ev.assignments.all()) == [("cgj", "lead"), ("ghzy", "assist")]


@pytest.mark.django_db
def test_dispatch_from_the_event_page_form(tree, people, loop, client_for):
    ghzy = Department.objects.create(area=tree.d1, name="北区规划和自然资源局", code="ghzy")
    e = walk(people, "accepted", category="SL02")
    c = client_for(people.town_operator)
    # the lead named again among the assisting ones is dropped from them
    r = act(c, e, "dispatch", {"lead_department_id": loop.cgj.pk, "assist_department_ids": [ghzy.pk, loop.cgj.pk],
                               "comment": "请处理", "next": "/command/"}, surface="event_page")
    assert r.status_code == 302 and r.url == "/command/"
    ev = Event.objects.get(pk=e.pk)
    assert sorted((a.department.code, a.role, a.instructions) for a in ev.assignments.all()) == [
        ("cgj", "lead", "请处理"), ("ghzy", "assist", "请处理")]


@pytest.mark.django_db
def test_whistle_and_missing_report_in_queue(tree, people, loop, client_for):
    e = walk(people, "handling")
    before = state(e)
    c = client_for(people.town_operator)
    body = outcome(act(c, e, "whistle", {"department_ids": [], "problem": "需要联合执法"}, htmx=True, row="event"))
    assert 'role="alert"' in body and "department_ids" in body
    assert not Whistle.objects.exists() and state(e) == before
    r = act(c, e, "whistle", {"department_ids": [loop.cgj.pk, loop.sthj.pk], "problem": "需要联合执法",
                              "urgent": "1"})
    assert r.status_code == 302
    w = Whistle.objects.get()
    assert w.is_urgent and w.summonses.count() == 2 and w.problem == "需要联合执法"
    wsvc.summons_report_in(summons=w.summonses.get(department=loop.cgj), actor=loop.cgj_staff,
                           responder_name="张三")
    html = page(c)
    assert queue_numbers(html, "whistles") == [e.number]
    start = html.index('id="q-whistles"')
    section = html[start:html.index("</section>", start)]
    assert "北区生态环境局" in section and "北区城市管理局" not in section
    # urge from the whistle row: the row comes back as a summons row
    s = WhistleSummons.objects.get(department=loop.sthj)
    body = outcome(act(c, e, "remind", {"row": f"summons:{s.pk}"}, htmx=True))
    assert "北区生态环境局: 需要联合执法" in body and 'role="status"' in body
    assert EventActivity.objects.filter(event=e, action="remind").count() == 1


@pytest.mark.django_db
def test_remind_and_supervise(tree, people, loop, client_for):
    e = walk(people, "handling")
    c = client_for(people.town_operator)
    before = Notification.objects.filter(recipient=loop.cgj_staff).count()
    body = outcome(act(c, e, "remind", {"comment": "请加快"}, htmx=True, row="event"))
    assert 'role="status"' in body
    note = EventActivity.objects.get(event=e, action="remind")
    assert (note.comment, note.actor_id, note.actor_role) == ("请加快", people.town_operator.pk, "town_operator")
    assert Notification.objects.filter(recipient=loop.cgj_staff).count() == before + 1
    act(c, e, "supervise")
    assert EventActivity.objects.filter(event=e, action="supervise").count() == 1
    assert Notification.objects.filter(recipient=people.town_leader, kind="event.supervise").count() == 1
    assert Event.objects.get(pk=e.pk).version == e.version  # notes do not change the event
    # a closed event has nothing to urge: refused, nothing written
    closed = walk(people, "closed")
    before = state(closed)
    body = outcome(act(c, closed, "remind", htmx=True, row="event"))
    assert "当前状态不能执行「催办」" in body and 'role="alert"' in body
    assert not EventActivity.objects.filter(event=closed, action="remind").exists()
    assert state(closed) == before


@pytest.mark.django_db
def test_supervision_service_checks_roles(tree, people, loop):
    from jiewang.core.errors import NotFound, PermissionDenied
    from jiewang.dispatching.services.supervision import event_supervise

    e = walk(people, "handling")
    with pytest.raises(PermissionDenied):
        event_supervise(event=e, actor=people.community_staff, action="remind")
    with pytest.raises(NotFound):
        event_supervise(event=e, actor=people.other_district_admin, action="supervise")
    assert not EventActivity.objects.filter(event=e, action__in=["remind", "supervise"]).exists()
    event_supervise(event=e, actor=people.town_leader, action="supervise", comment="限期办结")
    assert EventActivity.objects.get(event=e, action="supervise").actor_role == "town_leader"


@pytest.mark.django_db
def test_extension_approve_and_reject(tree, people, loop, client_for):
    e = walk(people, "handling")
    new_due = e.due_at + dt.timedelta(days=3)
    dsvc.extension_request(event=e, actor=loop.cgj_staff, requested_due_at=new_due, reason="材料未到")
    req = ExtensionRequest.objects.get()
    c = client_for(people.town_operator)
    html = page(c)
    assert queue_numbers(html, "extensions") == [e.number]
    assert f'name="request_id" value="{req.pk}"' in html
    e = Event.objects.get(pk=e.pk)
    body = outcome(act(c, e, "decide_extension", {"request_id": req.pk, "approve": "1"}, htmx=True,
                       row=f"extension:{req.pk}"))
    assert 'role="status"' in body and "材料未到" in body
    assert ExtensionRequest.objects.get(pk=req.pk).status == "approved"
    assert Event.objects.get(pk=e.pk).due_at == new_due
    # deciding twice is refused with the message, nothing changes
    before = state(e)
    body = outcome(act(c, e, "decide_extension", {"request_id": req.pk, "approve": "0"}, htmx=True,
                       row=f"extension:{req.pk}"))
    assert "「审批延期」不适用于该对象的当前状态" in body
    assert ExtensionRequest.objects.get(pk=req.pk).status == "approved" and state(e) == before
    dsvc.extension_request(event=e, actor=loop.cgj_staff, requested_due_at=new_due + dt.timedelta(days=1),
                           reason="再延")
    req2 = ExtensionRequest.objects.get(status="pending")
    act(c, e, "decide_extension", {"request_id": req2.pk, "approve": "0", "comment": "不予延期"})
    req2 = ExtensionRequest.objects.get(pk=req2.pk)
    assert (req2.status, req2.decision_comment, req2.decided_by_id) == ("rejected", "不予延期", people.town_operator.pk)
    assert Event.objects.get(pk=e.pk).due_at == new_due
    assert queue_numbers(page(c), "extensions") == []


@pytest.mark.django_db
def test_arbitration_keep_and_redispatch(tree, people, loop, client_for):
    e = walk(people, "handling")
    a = e.assignments.get()
    dsvc.assignment_dispute(assignment=a, actor=loop.cgj_staff, reason="应由环保主办")
    c = client_for(people.town_operator)
    html = page(c)
    assert queue_numbers(html, "disputes") == [e.number]
    assert f'name="assignment_id" value="{a.pk}"' in html
    # no ruling text: refused, nothing changes
    before = state(e)
    body = outcome(act(c, e, "arbitrate", {"assignment_id": a.pk, "keep": "1", "comment": ""}, htmx=True,
                       row=f"dispute:{a.pk}"))
    assert "请填写原因" in body
    assert Assignment.objects.get(pk=a.pk).arbitrated_at is None and state(e) == before
    body = outcome(act(c, e, "arbitrate", {"assignment_id": a.pk, "keep": "1", "comment": "职责清单明确"},
                       htmx=True, row=f"dispute:{a.pk}"))
    assert 'role="status"' in body and "应由环保主办" in body
    assert Assignment.objects.get(pk=a.pk).arbitrated_at is not None
    assert EventActivity.objects.get(event=e, action="arbitrate").data["ruling"] == "keep"
    assert queue_numbers(page(c), "disputes") == []
    # ruling on it again: no dispute pending, refused
    before = state(e)
    body = outcome(act(c, e, "arbitrate", {"assignment_id": a.pk, "keep": "1", "comment": "再裁"}, htmx=True,
                       row=f"dispute:{a.pk}"))
    assert "「仲裁」不适用于该对象的当前状态" in body and state(e) == before
    # a second dispute, ruled by redispatching to the environment bureau
    dsvc.assignment_dispute(assignment=a, actor=loop.cgj_staff, reason="仍有争议")
    ev = Event.objects.get(pk=e.pk)
    act(c, ev, "arbitrate", {"assignment_id": a.pk, "keep": "0", "comment": "改由环保主办",
                             "lead_department_id": loop.sthj.pk})
    lead = Assignment.objects.get(event=e, role="lead", status="dispatched")
    assert lead.department_id == loop.sthj.pk
    assert Assignment.objects.get(pk=a.pk).status == "withdrawn"
    assert Event.objects.get(pk=e.pk).status == "dispatched"


@pytest.mark.django_db
def test_verify_and_visit_from_the_queue(tree, people, loop, client_for):
    e = walk(people, "feedback")
    before = state(e)
    c = client_for(people.town_operator)
    body = outcome(act(c, e, "verify", {"passed": "0", "comment": ""}, htmx=True, row="event"))
    assert "请填写原因" in body and state(e) == before
    act(c, e, "verify", {"passed": "1"})
    assert Event.objects.get(pk=e.pk).status == "closed"
    ev = Event.objects.get(pk=e.pk)
    act(c, ev, "visit", {"contacted": "1", "resolved": "1", "satisfaction": "satisfied"})
    ev = Event.objects.get(pk=e.pk)
    assert (ev.status, ev.contacted, ev.resolved, ev.satisfaction) == ("rated", True, True, "satisfied")


# ---- map data ---------------------------------------------------------------------------------

def report_at(lon, lat, title="点"):
    event, _ = event_report(actor=None, channel="resident_web", category=MatterCategory.objects.get(code="LS01"),
                            lon=lon, lat=lat, title=title)
    return event


@pytest.mark.django_db
def test_map_grid_counts_are_exact(tree, people, loop, client_for):
    a = report_at(*G1)
    report_at(*G1)
    Event.objects.filter(pk=a.pk).update(is_overdue=True)
    report_at(*G2)
    walk(people, "closed", at=G2)  # solved: not counted
    v = report_at(*G3)
    actions.event_void(event=v, actor=people.admin, reason="无效")
    report_at(*G4)  # another district
    data = client_for(people.town_operator).get("/command/map/grids.json").json()
    assert data["area"] == tree.t1.id
    assert data["geojson_url"] == f"/api/areas/{tree.t1.id}/geojson?level=grid"
    assert data["areas"] == {str(tree.g1.id): {"open": 2, "overdue": 1, "local": 2, "name": "甲社区第1网格"},
                             str(tree.g2.id): {"open": 1, "overdue": 0, "local": 1, "name": "甲社区第2网格"}}
    assert data["totals"] == {"open": 3, "overdue": 1, "local": 3}
    # the GeoJSON it points to serves the grids of the town
    fc = client_for(people.town_operator).get(data["geojson_url"] + "&zoom=12").json()
    assert sorted(f["id"] for f in fc["features"]) == sorted([tree.g1.id, tree.g2.id, tree.g3.id])
    # filters apply to the counts too
    data = client_for(people.town_operator).get("/command/map/grids.json?board=safety").json()
    assert data["areas"] == {}
    other = client_for(people.other_district_admin).get("/command/map/grids.json?layer=grid").json()
    assert other["areas"] == {str(tree.g4.id): {"open": 1, "overdue": 0, "local": 1, "name": "丙村第1网格"}}


@pytest.mark.django_db
def test_map_clusters_sum_to_the_points(tree, people, loop, client_for):
    coords = [(106.01, 29.01), (106.011, 29.012), (106.02, 29.4), (106.2, 29.3), (106.21, 29.31), (106.4, 29.1),
              (106.45, 29.45)]
    for lon, lat in coords:
        report_at(lon, lat)
    report_at(*G4)  # not in scope
    c = client_for(people.town_operator)
    for zoom in (3, 8, 10, 12, 14):
        data = c.get(f"/command/map/points.json?zoom={zoom}").json()
        assert data["mode"] == "clusters"
        assert sum(cl["count"] for cl in data["clusters"]) == data["total"] == len(coords), zoom
        for cl in data["clusters"]:
            assert (cl["number"] is not None) == (cl["count"] == 1)
    assert len(c.get("/command/map/points.json?zoom=3").json()["clusters"]) == 1
    # at zoom 12 a cell is 64 px ≈ 0.0879°: the first two points share a cell, so do the 4th and 5th
    assert cluster_cell_degrees(12) == pytest.approx(360 / 256 / 2 ** 12 * 64)
    z12 = c.get("/command/map/points.json?zoom=12").json()
    assert sorted(cl["count"] for cl in z12["clusters"]) == [1, 1, 1, 2, 2]
    pair = [cl for cl in z12["clusters"] if cl["count"] == 2 and cl["lon"] < 106.1][0]
    assert pair["lon"] == pytest.approx(106.0105) and pair["lat"] == pytest.approx(29.011)
    points = c.get("/command/map/points.json?zoom=16").json()
    assert points["mode"] == "points" and len(points["points"]) == points["total"] == len(coords)
    inside = c.get("/command/map/points.json?zoom=16&bbox=106.0,29.0,106.1,29.5").json()
    assert inside["total"] == 3
    assert c.get("/command/map/points.json?zoom=99").status_code == 422
    assert c.get("/command/map/points.json?zoom=5&bbox=1,2").status_code == 422


@pytest.mark.django_db
def test_map_shows_whistles_in_progress(tree, people, loop, client_for):
    e = walk(people, "handling")
    wsvc.whistle_blow(event=e, actor=people.town_operator, departments=[loop.sthj], problem="联合执法")
    data = client_for(people.town_operator).get("/command/map/points.json?zoom=12").json()
    assert [w["number"] for w in data["whistles"]] == [e.number]
    assert client_for(people.other_district_admin).get("/command/map/points.json?zoom=12").json()["whistles"] == []


@pytest.mark.django_db
def test_events_escalated_to_the_district_wait_for_the_district(tree, people, loop, client_for):
    town = walk(people, "reported")
    district = walk(people, "reported")
    actions.event_escalate(event=district, actor=people.admin, reason="需区级协调")
    assert queue_numbers(page(client_for(people.town_operator)), "accept") == [town.number]
    c = client_for(people.district_admin)
    assert queue_numbers(page(c), "accept") == [town.number, district.number]
    d = Event.objects.get(pk=district.pk)
    act(c, d, "accept")
    assert Event.objects.get(pk=d.pk).status == "accepted"
    # the district may urge the town to accept what waits there
    act(c, town, "remind", {"comment": "请尽快受理"})
    assert EventActivity.objects.get(event=town, action="remind").actor_role == "district_admin"
