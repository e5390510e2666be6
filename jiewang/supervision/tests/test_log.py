"""The supervision log: ladder rungs land once, manual 督办 through the registry (API routes and
the page form), outcomes, scope, and refusals that change nothing."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.utils import timezone

from jiewang.audit.models import AuditEntry
from jiewang.events.models import Event, EventActivity
from jiewang.notifications.models import Notification
from jiewang.supervision.models import SupervisionEntry
from jiewang.supervision.services.entries import supervision_issue
from jiewang.supervision.testing import at_time, climb, dispatched

pytestmark = pytest.mark.django_db


def post(client, url, body):
    return client.post(url, data=json.dumps(body), content_type="application/json")


def log(**kw):
    return sorted(SupervisionEntry.objects.filter(**kw).values_list("kind", "target_kind", "department_id",
                                                                   "deadline_id", "stage"))


def rows():
    return (list(SupervisionEntry.objects.order_by("id").values()), EventActivity.objects.count(),
            Notification.objects.count(), AuditEntry.objects.count())


# ---- the ladder ------------------------------------------------------------------------------

def test_each_rung_of_the_ladder_lands_once_even_when_the_sweeper_runs_twice(tree, people, loop, settings):
    settings.SUPERVISION_STEP_HOURS = 4
    event = dispatched(tree, people, loop)
    sign = event.deadlines.get(kind="sign")
    handle = event.deadlines.get(kind="handle")
    moments = climb(timezone.now(), twice=True)
    cgj = loop.cgj.pk
    # two clocks are overdue (the assignment's sign-for, the event's handling), both waiting for
    # 城管局: each climbs 催办 → 督办 → 升级, one entry per clock and rung
    assert log(event=event) == sorted(
        (kind, "department", cgj, d.pk, stage) for d in (sign, handle)
        for kind, stage in (("remind", 1), ("supervise", 2), ("escalate", 3)))
    first = SupervisionEntry.objects.get(deadline_id=sign.pk, stage=1)
    assert (first.source, first.issued_by, first.issued_at, first.outcome) == ("ladder", None, moments[1], "open")
    assert first.reply_due_at == moments[1] + dt.timedelta(hours=4)
    assert first.assignment_id == event.assignments.get().pk
    climb(timezone.now(), twice=True)  # later sweeps add nothing
    assert SupervisionEntry.objects.count() == 6


def test_accept_clock_rungs_go_to_the_level_holding_the_event(tree, people, loop):
    from jiewang.events.testing import make_event

    event = make_event(tree, people, loop, "reported", level="community")
    climb(timezone.now(), rungs=1)
    assert log(event=event) == [("remind", "area", None, event.deadlines.exclude(state="cancelled").get(kind="accept").pk, 1)]
    assert SupervisionEntry.objects.get().area_id == tree.c1.pk


# ---- outcomes --------------------------------------------------------------------------------

def test_the_target_acting_answers_its_entries_in_time_or_late(tree, people, loop, settings):
    from jiewang.dispatching.services.assignments import assignment_sign

    settings.SUPERVISION_STEP_HOURS = 4
    event = dispatched(tree, people, loop)
    moments = climb(timezone.now(), rungs=1)  # 催办 on the sign and handle clocks at moments[1]
    sthj_entry = supervision_issue(actor=people.town_operator, event=event, assignment=event.assignments.get(),
                                   note="请回复", reply_due_at=timezone.now() + dt.timedelta(days=1))
    assert sthj_entry.outcome == "open"
    # another town's operator acting changes nothing; 城管局's staff signs 5 h after the 催办 (due in 4 h)
    signed_at = moments[1] + dt.timedelta(hours=5)
    at_time(signed_at, assignment_sign, assignment=event.assignments.get(), actor=loop.cgj_staff)
    answered = {(e.kind, e.source): (e.outcome, e.answered_at, e.answered_by_id, e.answer_action)
                for e in SupervisionEntry.objects.all()}
    assert answered == {("remind", "ladder"): ("late", signed_at, loop.cgj_staff.pk, "sign"),
                        ("supervise", "manual"): ("late", signed_at, loop.cgj_staff.pk, "sign")}
    assert SupervisionEntry.objects.filter(kind="remind").count() == 2
    assert AuditEntry.objects.filter(action="supervision.answer_late").count() == 3


def test_answered_in_time_and_withdrawn_when_the_event_closes(tree, people, loop):
    from jiewang.dispatching.services.assignments import assignment_sign
    from jiewang.events.services import actions

    e1 = dispatched(tree, people, loop)
    e2 = dispatched(tree, people, loop)
    now = timezone.now()
    a = supervision_issue(actor=people.town_operator, event=e1, assignment=e1.assignments.get(), note="限期签收",
                          reply_due_at=now + dt.timedelta(hours=2))
    b = supervision_issue(actor=people.town_operator, event=e2, assignment=e2.assignments.get(), note="限期签收",
                          reply_due_at=now + dt.timedelta(hours=2))
    at_time(now + dt.timedelta(hours=1), assignment_sign, assignment=e1.assignments.get(), actor=loop.cgj_staff)
    # e2 is signed for, fed back and verified by someone else (the superuser, not 城管局's staff)
    # before 城管局 did anything: once it is closed, nothing is owed any more
    later = now + dt.timedelta(hours=1)
    fresh = lambda: Event.objects.get(pk=e2.pk)  # noqa: E731
    at_time(later, assignment_sign, assignment=e2.assignments.get(), actor=people.admin)
    at_time(later, actions.event_feedback, event=fresh(), actor=people.admin, comment="已办结")
    assert SupervisionEntry.objects.get(pk=b.pk).outcome == "open"
    at_time(later, actions.event_verify, event=fresh(), actor=people.admin, passed=True)
    a.refresh_from_db()
    b.refresh_from_db()
    assert (a.outcome, a.answered_at) == ("on_time", now + dt.timedelta(hours=1))
    assert (b.outcome, b.answered_at, b.withdrawn_at) == ("withdrawn", None, now + dt.timedelta(hours=1))


def test_a_settled_entry_does_not_move_again(tree, people, loop):
    from jiewang.core.errors import Conflict
    from jiewang.supervision.services.outcomes import entry_settle

    e = dispatched(tree, people, loop)
    entry = supervision_issue(actor=people.town_operator, event=e, assignment=e.assignments.get(), note="请回复")
    entry = entry_settle(entry=entry, move="answer", at=timezone.now(), actor=loop.cgj_staff, action="sign")
    before = rows()
    with pytest.raises(Conflict) as exc:
        entry_settle(entry=entry, move="withdraw", at=timezone.now())
    assert exc.value.code == "supervision.outcome_not_allowed"
    assert rows() == before


def test_untargeted_reminder_is_logged_for_each_holder(tree, people, loop, client_for):
    e = dispatched(tree, people, loop)
    r = post(client_for(people.town_operator), f"/api/events/{e.number}/remind", {"comment": "请加快"})
    assert r.status_code == 200, r.content
    entry = SupervisionEntry.objects.get()
    assert (entry.kind, entry.source, entry.department_id, entry.issued_by_id, entry.note) == (
        "remind", "manual", loop.cgj.pk, people.town_operator.pk, "请加快")


# ---- manual 督办 through the registry ----------------------------------------------------------

@pytest.mark.parametrize("route", ["event", "assignment"])
def test_supervise_a_handler_through_the_api(route, tree, people, loop, client_for):
    e = dispatched(tree, people, loop)
    a = e.assignments.get()
    due = (timezone.now() + dt.timedelta(hours=6)).replace(microsecond=0)
    body = {"comment": "请今日内回复处置进展", "reply_due_at": due.isoformat()}
    url = (f"/api/events/{e.number}/supervise-handler" if route == "event"
           else f"/api/assignments/{a.pk}/supervise-handler")
    if route == "event":
        body["assignment_id"] = a.pk
    r = post(client_for(people.town_operator), url, body)
    assert r.status_code == 201, r.content
    entry = SupervisionEntry.objects.get()
    assert r.json()["id"] == entry.pk and r.json()["target_name"] == "北区城市管理局"
    assert (entry.kind, entry.source, entry.target_kind, entry.department_id, entry.issued_by_id, entry.reply_due_at,
            entry.note, entry.outcome) == ("supervise", "manual", "department", loop.cgj.pk, people.town_operator.pk,
                                           due, "请今日内回复处置进展", "open")
    act = EventActivity.objects.filter(event=e, action="supervise_handler").get()
    assert act.comment == "请今日内回复处置进展" and act.data["assignment"] == a.pk
    assert set(Notification.objects.filter(kind="event.supervise").values_list("recipient_id", flat=True)) \
        == {loop.cgj_staff.pk}
    assert AuditEntry.objects.filter(action="supervision.issue", object_id=str(entry.pk)).exists()


def test_supervise_a_handler_from_the_event_page(tree, people, loop, client_for):
    e = dispatched(tree, people, loop)
    c = client_for(people.town_operator)
    page = c.get(f"/events/{e.number}/").content.decode()
    assert 'data-action="supervise_handler"' in page
    r = c.post(f"/events/{e.number}/do/supervise_handler/",
               {"assignment_id": e.assignments.get().pk, "comment": "限期回复", "expected_version": e.version,
                "reply_due_at": timezone.localtime(timezone.now() + dt.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M"),
                "surface": "event_page"})
    assert r.status_code == 302
    assert SupervisionEntry.objects.get().note == "限期回复"


def test_default_reply_deadline_is_the_supervise_limit(tree, people, loop):
    from jiewang.core.worktime import deadline_after

    e = dispatched(tree, people, loop)
    now = timezone.now()
    entry = at_time(now, supervision_issue, actor=people.town_operator, event=e, assignment=e.assignments.get(),
                    note="请回复")
    assert entry.reply_due_at == deadline_after(now, 1, "working_days")


def test_refused_supervisions_change_nothing(tree, people, loop, client_for):
    e = dispatched(tree, people, loop)
    a = e.assignments.get()
    url = f"/api/assignments/{a.pk}/supervise-handler"
    good = {"comment": "请回复"}
    before = rows()
    cases = [
        (None, good, 401, "unauthenticated"),
        (people.other_district_admin, good, 404, "event.not_found"),
        (loop.cgj_staff, good, 403, "event.action_not_permitted"),
        (people.town_operator, {"comment": " "}, 422, "supervision.note_required"),
        (people.town_operator, {"comment": "x", "reply_due_at": (timezone.now() - dt.timedelta(hours=1)).isoformat()},
         422, "supervision.reply_due_past"),
    ]
    for user, body, status, code in cases:
        r = post(client_for(user), url, body)
        assert (r.status_code, r.json()["code"]) == (status, code), (user, r.content)
    assert rows() == before
    from jiewang.dispatching.services.assignments import assignment_return

    assignment_return(assignment=a, actor=loop.cgj_staff, reason="非本部门职责")
    before = rows()
    r = post(client_for(people.town_operator), url, good)
    assert r.status_code == 409
    assert rows() == before


# ---- reads and scope -----------------------------------------------------------------------

def test_list_summary_and_scope(tree, people, loop, client_for):
    here = dispatched(tree, people, loop)
    there = dispatched(tree, people, loop, lead=people.other_department, at=(106.6, 29.2))  # 三镇, 南区
    e1 = supervision_issue(actor=people.town_operator, event=here, assignment=here.assignments.get(), note="甲")
    e2 = supervision_issue(actor=people.other_district_admin, event=there, assignment=there.assignments.get(), note="乙")
    ids = lambda user, q="": [x["id"] for x in client_for(user).get(f"/api/supervision/entries{q}").json()]  # noqa: E731
    assert ids(people.town_operator) == [e1.pk]
    assert ids(people.district_admin) == [e1.pk]
    assert ids(people.other_district_admin) == [e2.pk]
    assert ids(loop.cgj_staff) == [e1.pk]  # addressed to his department
    assert ids(loop.sthj_staff) == []
    assert ids(people.nobody) == [] and ids(people.grid_worker) == []
    assert ids(people.town_operator, f"?target=department:{loop.cgj.pk}&kind=supervise&outcome=open") == [e1.pk]
    assert ids(people.town_operator, "?outcome=late") == []
    month = timezone.localtime().strftime("%Y-%m")
    assert ids(people.town_operator, f"?month={month}") == [e1.pk]
    assert ids(people.town_operator, "?month=2020-01") == []
    for bad in ("2026-13", "9999-12", "0000-01"):
        r = client_for(people.town_operator).get(f"/api/supervision/entries?month={bad}")
        assert (r.status_code, r.json()["code"]) == (422, "supervision.bad_month"), bad
    s = client_for(people.town_operator).get("/api/supervision/summary").json()
    assert s == [{"target_kind": "department", "target_id": loop.cgj.pk, "target_name": "北区城市管理局", "issued": 1,
                  "on_time": 0, "late": 0, "open": 1, "overdue": 0, "withdrawn": 0, "response_rate": 0.0}]
    assert client_for(None).get("/api/supervision/summary").status_code == 401


def test_another_town_of_the_same_district_is_invisible(tree, people, loop, client_for):
    """二街道 (t2) is in 北区 like 一街道: its entries reach the district, not 一街道's operator."""
    from jiewang.accounts.choices import Role
    from jiewang.accounts.models import RoleGrant, User

    from jiewang.dispatching.services.assignments import event_dispatch
    from jiewang.events.models import MatterCategory
    from jiewang.events.services import actions
    from jiewang.events.services.intake import event_report

    here = dispatched(tree, people, loop)
    t2, _ = event_report(actor=None, channel="resident_web", category=MatterCategory.objects.get(code="LS01"),
                         lon=106.2, lat=29.7, title="二街道的事件")
    while t2.level != "town":
        actions.event_escalate(event=t2, actor=people.admin, reason="上报")
        t2 = Event.objects.get(pk=t2.pk)
    actions.event_accept(event=t2, actor=people.admin)
    event_dispatch(event=Event.objects.get(pk=t2.pk), actor=people.admin, lead=loop.cgj)
    t2 = Event.objects.get(pk=t2.pk)
    assert t2.town_id == tree.t2.pk
    t2_operator = User.objects.create(username="t2_operator")
    RoleGrant.objects.create(user=t2_operator, role=Role.TOWN_OPERATOR, area=tree.t2)
    mine = supervision_issue(actor=people.town_operator, event=here, assignment=here.assignments.get(), note="甲")
    theirs = supervision_issue(actor=t2_operator, event=t2, assignment=t2.assignments.get(), note="乙")
    ids = lambda user: {x["id"] for x in client_for(user).get("/api/supervision/entries").json()}  # noqa: E731
    assert ids(people.town_operator) == {mine.pk}
    assert ids(t2_operator) == {theirs.pk}
    assert ids(people.district_admin) == {mine.pk, theirs.pk}
    page = client_for(people.town_operator).get("/command/supervision/").content.decode()
    assert here.number in page and t2.number not in page
    # 一街道's operator cannot supervise 二街道's work either (404, nothing written)
    before = rows()
    r = post(client_for(people.town_operator), f"/api/assignments/{t2.assignments.get().pk}/supervise-handler",
             {"comment": "越权"})
    assert r.status_code == 404 and rows() == before


def test_the_sweep_listener_reads_a_batch_in_a_fixed_number_of_statements(tree, people, loop):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from jiewang.events.models import Deadline
    from jiewang.events.services.sweep import ClockRow
    from jiewang.supervision.services.entries import on_sweep

    def batch(n):
        events = [dispatched(tree, people, loop) for _ in range(n)]
        return [ClockRow(d.id, d.event_id, d.kind, d.subject_type, d.subject_id)
                for d in Deadline.objects.filter(event__in=events, kind__in=["sign", "handle"], state="running")]

    counts = []
    for n in (1, 4):
        clocks = batch(n)
        with CaptureQueriesContext(connection) as ctx:
            assert on_sweep(clocks, "remind", timezone.now()) == 2 * n
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1]
