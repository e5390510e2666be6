"""A small, hand-countable October 2026 in 一街道 for the assessment's tests, built through the
real services with the clock frozen at each step (Asia/Shanghai). See ``build_october`` for the
story; tests compute every expected number from it by hand."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from unittest import mock
from zoneinfo import ZoneInfo

SH = ZoneInfo("Asia/Shanghai")
G1 = {"lon": 106.05, "lat": 29.2}  # 甲社区第1网格 (c1)
G3 = {"lon": 106.3, "lat": 29.2}  # 乙社区第1网格 (c2)
LIMITS = {"normal": {"accept": [2, "calendar_hours"], "sign": [1, "calendar_hours"],
                     "handle": [48, "calendar_hours"], "verify": [24, "calendar_hours"]}}


def at(month: int, day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, minute, tzinfo=SH)


def step(when: dt.datetime, fn, **kw):
    """Call a service with ``timezone.now()`` frozen at ``when``."""
    with mock.patch("django.utils.timezone.now", return_value=when):
        return fn(**kw)


@dataclass
class October:
    category: object
    e1: object
    e2: object
    e3: object
    e4: object
    e5: object
    e6: object
    e7: object


def build_october(tree, people, loop) -> October:
    """E1 (g1, hotline, lead cgj): signed on time, closed on time 11 Oct; visit: contacted,
    resolved, 满意.
    E2 (g1, hotline, cgj): signed late (2 h for a 1 h limit), closed late 16 Oct; visit: contacted,
    not resolved, 基本满意.
    E3 (g3, hotline, lead sthj): signed on time; extension approved; failed verification once
    (rework), closed on time 15 Oct; visit: not contacted.
    E4 (g1, hotline, cgj): signed on time 20 Oct, still handling at the end of October (overdue
    since 22 Oct); a whistle on 21 Oct summons cgj (reports in on time, rated 5) and sthj (late,
    rated 3).
    E5 (g1, patrol by the grid worker): handled and closed on the spot 5 Oct.
    E6 (g1, patrol by the grid worker): voided 6 Oct.
    E7 (g1, hotline, cgj): all of it in September (a control: counts nowhere in October)."""
    from jiewang.dispatching.services import assignments as dsvc
    from jiewang.dispatching.services import whistles as wsvc
    from jiewang.events.models import Event, MatterCategory
    from jiewang.events.services import actions
    from jiewang.events.services.intake import event_report

    from .models import Indicator
    from .seed_data import load

    # The shipped indicators come from a data migration; a transactional test's flush (the browser
    # tests) empties the table, so load them again (idempotent).
    load(Indicator)
    admin = people.admin
    cat = MatterCategory.objects.create(code="TASM", name="考核测试事项", board_kind="safety", deadlines=LIMITS,
                                        grid_may_self_handle=True)

    def fresh(e):
        return Event.objects.get(pk=e.pk)

    def report(when, point=G1, channel="hotline", actor=None):
        actor = actor or people.town_operator
        event, _ = step(when, event_report, actor=actor, channel=channel, category=cat, title="考核测试",
                        reported_at=when, **point)
        return event

    def to_signed(e, lead, accept_at, sign_at):
        step(accept_at, actions.event_accept, event=fresh(e), actor=admin)
        step(accept_at, dsvc.event_dispatch, event=fresh(e), actor=admin, lead=lead)
        step(sign_at, dsvc.assignment_sign, assignment=fresh(e).assignments.get(), actor=admin)

    def close(e, feedback_at, verify_at):
        step(feedback_at, actions.event_feedback, event=fresh(e), actor=admin, comment="已办结")
        step(verify_at, actions.event_verify, event=fresh(e), actor=admin, passed=True)

    def visit(e, when, contacted, resolved, satisfaction):
        step(when, actions.event_return_visit, event=fresh(e), actor=admin, contacted=contacted, resolved=resolved,
             satisfaction=satisfaction)

    e1 = report(at(10, 10, 9))
    to_signed(e1, loop.cgj, at(10, 10, 9), at(10, 10, 9, 30))
    close(e1, at(10, 11, 9), at(10, 11, 10))
    visit(e1, at(10, 12, 10), True, True, "satisfied")

    e2 = report(at(10, 12, 9))
    to_signed(e2, loop.cgj, at(10, 12, 9), at(10, 12, 11))
    close(e2, at(10, 16, 9), at(10, 16, 10))
    visit(e2, at(10, 17, 10), True, False, "basically")

    e3 = report(at(10, 13, 9), point=G3)
    to_signed(e3, loop.sthj, at(10, 13, 9), at(10, 13, 9, 20))
    req = step(at(10, 14, 9), dsvc.extension_request, event=fresh(e3), actor=admin,
               requested_due_at=at(10, 20, 9), reason="需协调")
    step(at(10, 14, 10), dsvc.extension_decide, request=req, actor=admin, approve=True)
    step(at(10, 14, 12), actions.event_feedback, event=fresh(e3), actor=admin, comment="已办结")
    step(at(10, 14, 14), actions.event_verify, event=fresh(e3), actor=admin, passed=False, comment="未清理干净")
    close(e3, at(10, 15, 9), at(10, 15, 10))
    visit(e3, at(10, 16, 10), False, None, "")

    e4 = report(at(10, 20, 9))
    to_signed(e4, loop.cgj, at(10, 20, 9), at(10, 20, 9, 30))
    whistle = step(at(10, 21, 10), wsvc.whistle_blow, event=fresh(e4), actor=admin, departments=[loop.cgj, loop.sthj],
                   problem="需多部门联合处置")
    s_cgj = whistle.summonses.get(department=loop.cgj)
    s_sthj = whistle.summonses.get(department=loop.sthj)
    step(at(10, 21, 10, 10), wsvc.summons_report_in, summons=s_cgj, actor=admin, responder_name="张三")
    step(at(10, 21, 13), wsvc.summons_report_in, summons=s_sthj, actor=admin, responder_name="李四")
    step(at(10, 21, 15), wsvc.summons_rate, summons=s_cgj, actor=admin, attended=True, rating=5)
    step(at(10, 21, 15), wsvc.summons_rate, summons=s_sthj, actor=admin, attended=True, rating=3)

    e5 = report(at(10, 5, 9), channel="patrol", actor=people.grid_worker)
    step(at(10, 5, 9, 10), actions.event_self_handle, event=fresh(e5), actor=people.grid_worker)
    step(at(10, 5, 10), actions.event_close_on_spot, event=fresh(e5), actor=people.grid_worker, comment="已处理")

    e6 = report(at(10, 6, 9), channel="patrol", actor=people.grid_worker)
    step(at(10, 6, 10), actions.event_void, event=fresh(e6), actor=admin, reason="重复上报")

    e7 = report(at(9, 28, 9))
    to_signed(e7, loop.cgj, at(9, 28, 9), at(9, 28, 9, 10))
    close(e7, at(9, 29, 9), at(9, 29, 10))
    visit(e7, at(9, 30, 10), True, True, "satisfied")

    return October(cat, *(fresh(e) for e in (e1, e2, e3, e4, e5, e6, e7)))


def assessment_world(tree, people, loop, event) -> dict:
    """Rows for the API fuzzer: a draft run of 一街道 and a pending exclusion of ``event``."""
    from jiewang.assessment.models import Exclusion
    from jiewang.assessment.services.engine import run_compute

    run = run_compute(actor=None, area=tree.t1, period="2026-10")
    ex = Exclusion.objects.create(event=event, area_path=tree.t1.path, kind="other", reason="申请",
                                  requested_by=people.town_operator)
    return {"run_id": run.id, "exclusion_id": ex.id, "population": "department", "member_id": loop.cgj.id}
