"""督办响应率 and 按时核实率 on a small October 2026 of 一街道, every number counted by hand.

Supervisions (all issued by hand, Asia/Shanghai):
  S1 to 城管局 on E1, 5 Oct 10:00, reply by 12:00; its staff signs for E1 at 11:00 → in time
  S2 to 城管局 on E2, 6 Oct 10:00, reply by 12:00; signs at 15:00              → late
  S3 to 生态环境局 on E3, 7 Oct 10:00, reply by 12:00; never answered          → open, overdue
  S4 to 生态环境局 on E4, 8 Oct 10:00, reply by 12:00; E4 closed at 11:00 by the
     superuser before the department did anything                             → withdrawn
  R5 a 催办 (not a 督办) to 城管局 on E1, 9 Oct                                  → not counted
  S6 to 城管局 on E6, 28 Sep (September)                                        → not counted
  S7 to the post 综治岗 on E7, 10 Oct 10:00, reply by 12:00; its staff signs 11:00 → in time
督办响应率: 城管局 1/2 (S1 ✓, S2 ✗); 生态环境局 0/1 (S3 ✗, S4 withdrawn); 综治岗 1/1.

Verification clocks (核查时限: 24 calendar hours from feedback) of events in 甲社区第1网格, whose
grid worker is ``people.grid_worker``:
  V1 fed back 12 Oct 09:00, verified 12 Oct 15:00 (due 13 Oct 09:00)          → in time
  V2 fed back 14 Oct 09:00, verified 16 Oct 09:00 (due 15 Oct 09:00)          → late
  V3 fed back 20 Oct 09:00, never verified (due 21 Oct 09:00)                 → missed
  V4 fed back 22 Oct 09:00, verification failed 10:00 (in time), fed back again
     23 Oct 09:00, verified 23 Oct 10:00                                      → two, both in time
  V5 fed back 31 Oct 09:00: due 1 Nov (November)                               → not counted
  V6 in 乙社区第1网格 (another grid, no grid worker of ours)                     → not counted
按时核实率: grid_worker 3/5.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from jiewang.supervision.testing import at_time

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")
G1, G3 = (106.05, 29.2), (106.3, 29.2)
LIMITS = {"normal": {"accept": [2, "calendar_hours"], "sign": [1, "calendar_hours"],
                     "handle": [48, "calendar_hours"], "verify": [24, "calendar_hours"]}}


def at(month, day, hour, minute=0):
    return dt.datetime(2026, month, day, hour, minute, tzinfo=SH)


@pytest.fixture
def world(tree, people, loop):
    from jiewang.accounts.choices import Role
    from jiewang.accounts.models import Board, Post, RoleGrant, User
    from jiewang.assessment.models import Indicator
    from jiewang.assessment.seed_data import load
    from jiewang.events.models import MatterCategory
    from jiewang.supervision.indicators import load as load_ours

    load(Indicator)
    load_ours(Indicator)
    board = Board.objects.create(town=tree.t1, kind="safety", name="平安法治")
    post = Post.objects.create(board=board, name="综治岗")
    post_staff = User.objects.create(username="post_staff", display_name="综治岗员")
    RoleGrant.objects.create(user=post_staff, role=Role.POST_STAFF, area=tree.t1, post=post)
    cat = MatterCategory.objects.create(code="TSUP", name="督导测试事项", board_kind="safety", deadlines=LIMITS)
    return {"post": post, "post_staff": post_staff, "category": cat}


def walk(people, cat, when, *, point=G1, lead=None, upto="dispatched"):
    """An event reported at ``when`` at ``point``, taken to the town, accepted and dispatched to
    ``lead`` by the superuser (who is nobody's staff), all at ``when``; ``upto="signed"`` also signs."""
    from jiewang.dispatching.services import assignments as dsvc
    from jiewang.events.models import Event
    from jiewang.events.services import actions
    from jiewang.events.services.intake import event_report

    admin = people.admin
    event, _ = at_time(when, event_report, actor=None, channel="resident_web", category=cat, title="督导测试",
                       lon=point[0], lat=point[1], reported_at=when)
    fresh = lambda: Event.objects.get(pk=event.pk)  # noqa: E731
    for _ in range(2):
        at_time(when, actions.event_escalate, event=fresh(), actor=admin, reason="上报")
    at_time(when, actions.event_accept, event=fresh(), actor=admin)
    at_time(when, dsvc.event_dispatch, event=fresh(), actor=admin, lead=lead)
    if upto == "signed":
        at_time(when, dsvc.assignment_sign, assignment=fresh().assignments.get(), actor=admin)
    return fresh()


def supervise(people, event, when, hours=2):
    from jiewang.supervision.services.entries import supervision_issue

    return at_time(when, supervision_issue, actor=people.town_operator, event=event,
                   assignment=event.assignments.get(), note="限期回复", reply_due_at=when + dt.timedelta(hours=hours))


def sign(event, who, when):
    from jiewang.dispatching.services.assignments import assignment_sign

    at_time(when, assignment_sign, assignment=event.assignments.get(), actor=who)


def table(tree):
    from jiewang.assessment.services.engine import compute, frame_for, run_compute
    from jiewang.assessment.services.periods import parse_period

    run = run_compute(actor=None, area=tree.t1, period="2026-10")
    got = {(r.indicator.code, r.member_id): (r.numerator, r.denominator)
           for r in run.results.select_related("indicator") if r.indicator.code.startswith("supervision.")}
    # the same numbers with the city's rows read once (the monthly job's shared frame)
    kind, start, end = parse_period("2026-10")
    framed = {(r["indicator"].code, r["member_id"]): (r["numerator"], r["denominator"])
              for r in compute(tree.t1, kind, start, end, frame_for(tree.t1, start, end, {}))[0]
              if r["indicator"].code.startswith("supervision.")}
    assert framed == got
    return got


def test_supervision_response_rate(world, tree, people, loop):
    from jiewang.dispatching.services.supervision import event_supervise
    from jiewang.events.models import Event
    from jiewang.events.services import actions

    cat, cgj, sthj = world["category"], loop.cgj, loop.sthj
    e1 = walk(people, cat, at(10, 5, 9), lead=cgj)
    supervise(people, e1, at(10, 5, 10))
    sign(e1, loop.cgj_staff, at(10, 5, 11))
    e2 = walk(people, cat, at(10, 6, 9), lead=cgj)
    supervise(people, e2, at(10, 6, 10))
    sign(e2, loop.cgj_staff, at(10, 6, 15))
    e3 = walk(people, cat, at(10, 7, 9), lead=sthj)
    supervise(people, e3, at(10, 7, 10))
    e4 = walk(people, cat, at(10, 8, 9), lead=sthj)
    supervise(people, e4, at(10, 8, 10))
    fresh = lambda: Event.objects.get(pk=e4.pk)  # noqa: E731
    sign(e4, people.admin, at(10, 8, 11))
    at_time(at(10, 8, 11), actions.event_feedback, event=fresh(), actor=people.admin, comment="已办结")
    at_time(at(10, 8, 11), actions.event_verify, event=fresh(), actor=people.admin, passed=True)
    at_time(at(10, 9, 10), event_supervise, event=Event.objects.get(pk=e1.pk), actor=people.town_operator,
            action="remind", comment="请加快")
    e6 = walk(people, cat, at(9, 28, 9), lead=cgj)
    supervise(people, e6, at(9, 28, 10))
    e7 = walk(people, cat, at(10, 10, 9), lead=world["post"])
    supervise(people, e7, at(10, 10, 10))
    sign(e7, world["post_staff"], at(10, 10, 11))

    from jiewang.supervision.models import SupervisionEntry

    assert sorted(SupervisionEntry.objects.values_list("event_id", "kind", "outcome")) == sorted([
        (e1.pk, "supervise", "on_time"), (e2.pk, "supervise", "late"), (e3.pk, "supervise", "open"),
        (e4.pk, "supervise", "withdrawn"), (e1.pk, "remind", "open"), (e6.pk, "supervise", "open"),
        (e7.pk, "supervise", "on_time")])
    t = table(tree)
    assert {k: v for k, v in t.items() if k[0] != "supervision.worker_verify"} == {
        ("supervision.dept_response", cgj.pk): (1, 2),
        ("supervision.dept_response", sthj.pk): (0, 1),
        ("supervision.post_response", world["post"].pk): (1, 1),
    }


def test_verify_on_time_rate(world, tree, people, loop):
    from jiewang.events.models import Event
    from jiewang.events.services import actions

    cat, admin = world["category"], people.admin

    def fed_back(when, point=G1):
        e = walk(people, cat, when - dt.timedelta(hours=1), point=point, lead=loop.cgj, upto="signed")
        at_time(when, actions.event_feedback, event=Event.objects.get(pk=e.pk), actor=admin, comment="已办结")
        return e

    def verify(e, when, passed=True):
        at_time(when, actions.event_verify, event=Event.objects.get(pk=e.pk), actor=admin, passed=passed,
                comment="" if passed else "未清理干净")

    v1 = fed_back(at(10, 12, 9))
    verify(v1, at(10, 12, 15))
    v2 = fed_back(at(10, 14, 9))
    verify(v2, at(10, 16, 9))
    fed_back(at(10, 20, 9))  # V3: never verified
    v4 = fed_back(at(10, 22, 9))
    verify(v4, at(10, 22, 10), passed=False)
    at_time(at(10, 23, 9), actions.event_feedback, event=Event.objects.get(pk=v4.pk), actor=admin, comment="已整改")
    verify(v4, at(10, 23, 10))
    fed_back(at(10, 31, 9))  # V5: due in November
    fed_back(at(10, 12, 9), point=G3)  # V6: another grid
    t = table(tree)
    assert {k: v for k, v in t.items() if k[0] == "supervision.worker_verify"} == {
        ("supervision.worker_verify", people.grid_worker.pk): (3, 5)}
