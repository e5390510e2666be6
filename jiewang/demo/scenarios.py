"""The outcome paths of the demo history: one scenario function per path, chosen by weight.

A scenario is a generator function ``fn(story)``: it calls the real services as the people of
:class:`jiewang.demo.history.Cast` and ``yield``\\ s the moment of its next step (the simulation
moves the clock there and runs the sweeper first, see :mod:`jiewang.demo.history`). It first
reports its event (:meth:`Story.report`), then walks it along its path. ``story.checkpoint(state)``
marks where a *backlog* story (one that must still be open today) stops.

To add a path: write ``def my_path(s): ...`` and add ``Scenario("my_path", weight, my_path)`` to
:data:`SCENARIOS` (and, if it leaves work open in a state no other path does, a row to
:data:`BACKLOG`).

The town's own loop (issue #9) runs through the paths: :meth:`Story.dispatch` gives town-level
work to a post of the town's boards (the routing's proposal) in :data:`POST_SHARE` of the cases
and to a district department otherwise, the post's staff sign for and handle it and the board's
leader urges and supervises (:func:`post_board_supervised`, :func:`town_late`); the center sends
events down to villages/communities and grids (:func:`sent_down`) and gives them tasks with a
checklist (:func:`task_sent_down`, :data:`TASKS_PER_TOWN_MONTH` per town, not drawn per report);
grids and communities ask for whistles, approved or declined (:func:`whistle_request_approved`,
:func:`whistle_request_declined`); urgent and major events alarm the duty at intake and are
answered in time, or after the duty's sweep climbed to the commander or the district
(:meth:`Story.answer_alarm`, :func:`urgent_answered`, :func:`urgent_escalated`); and the duty's
roster, log and handovers of the past :data:`DUTY_WEEKS` weeks are stories of their own
(:func:`duty_roster`, :func:`duty_log`).
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from collections.abc import Callable, Iterator

from django.utils import timezone

from jiewang.accounts.models import Department
from jiewang.areas.models import Area
from jiewang.core.worktime import WORKING_UNITS, add_working_hours, working_time_between
from jiewang.dispatching.models import OPEN_ASSIGNMENT, Assignment, AssignmentRole, SummonsStatus
from jiewang.dispatching.services import assignments as dsvc
from jiewang.dispatching.services import sending, supervision, whistle_requests, whistles
from jiewang.events.choices import EventChannel, EventSource, EventStatus, Satisfaction
from jiewang.events.models import Deadline, Event, MatterCategory
from jiewang.events.services import actions
from jiewang.events.services.clocks import HELD_STATES
from jiewang.events.services.intake import event_report
from jiewang.events.services.placing import event_place, event_report_unplaced

from .history import GridInfo, Halt
from .seeding import DEMO_POST

PLACES = ["小区门口", "菜市场旁", "公交站附近", "学校周边", "背街小巷", "农贸市场", "河堤步道", "停车场", "居民楼下",
          "沿街商铺", "广场东侧", "老旧小区", "主干道旁", "村道路口", "山坪塘边"]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
# The categories a path draws from: those a grid may handle, those a community closes, those
# that need a department.
GRID_OK = lambda c: c.grid_may_self_handle  # noqa: E731
COMMUNITY_OK = lambda c: c.closable_level == "community"  # noqa: E731
TOWN_OK = lambda c: c.closable_level == "town" and bool(c.default_department_codes)  # noqa: E731
URGENT_OK = lambda c: TOWN_OK(c) and c.code in ("SL04", "SL06", "SL10", "SL11", "LS05", "LS06")  # noqa: E731
# The share of town-level work the center gives a post of the town's boards (the rest: a district
# department), and of urgent events whose alarm nobody answers in time.
POST_SHARE = 0.7


@dataclass
class World:
    """What every story shares: the simulation, the people, the catalog and the end (now)."""

    sim: object
    cast: object
    categories: dict[str, MatterCategory]
    end: dt.datetime
    resident_used: int = 0


class Story:
    """One event's path: the scenario's generator plus the helpers its steps use."""

    def __init__(self, world: World, scenario: str, fn: Callable, grid: GridInfo, start: dt.datetime,
                 rng: random.Random, halt: str | None = None):
        self.world, self.scenario, self.grid, self.start, self.rng, self.halt = world, scenario, grid, start, rng, halt
        self.cast = world.cast
        self.event_id: int | None = None
        self.moved_clocks = False
        self.want_post: str | None = None  # backlog: a category this post of the town handles
        self._gen: Iterator = fn(self)

    # Driving (by the simulation)
    def step(self) -> dt.datetime:
        return next(self._gen)

    def close(self) -> None:
        self._gen.close()

    def checkpoint(self, state: str) -> None:
        if self.halt == state:
            raise Halt(state)

    # Time
    @property
    def now(self) -> dt.datetime:
        return timezone.now()

    def work(self, lo: float, hi: float) -> dt.datetime:
        """A moment ``lo``–``hi`` working hours from now (people act in office hours)."""
        return add_working_hours(self.now, dt.timedelta(hours=self.rng.uniform(lo, hi)))

    def hours(self, lo: float, hi: float) -> dt.datetime:
        return self.now + dt.timedelta(hours=self.rng.uniform(lo, hi))

    def clock(self, kind: str, *, subject=None) -> Deadline | None:
        qs = Deadline.objects.filter(event_id=self.event_id, kind=kind, state__in=HELD_STATES)
        if subject is not None:
            qs = qs.filter(subject_id=subject.pk)
        else:
            qs = qs.filter(subject_type="")
        return qs.order_by("-id").first()

    def within(self, kind: str, lo: float = 0.1, hi: float = 0.7, *, subject=None) -> dt.datetime:
        """A moment at a share ``lo``–``hi`` of the open ``kind`` clock's span: on time."""
        d = self.clock(kind, subject=subject)
        if d is None:
            return self.work(0.5, 3)
        share = self.rng.uniform(lo, hi)
        start = max(d.started_at, self.now)
        if d.due_at <= start:
            return start
        if d.unit in WORKING_UNITS:
            return add_working_hours(start, working_time_between(start, d.due_at) * share)
        return start + (d.due_at - start) * share

    def late(self, kind: str, lo: float = 1, hi: float = 10, *, subject=None) -> dt.datetime:
        """``lo``–``hi`` hours after the ``kind`` clock fell due (the sweeper marks it first)."""
        d = self.clock(kind, subject=subject)
        base = d.due_at if d is not None else self.now
        return max(base, self.now) + dt.timedelta(hours=self.rng.uniform(lo, hi))

    # The event
    @property
    def ev(self) -> Event:
        return Event.objects.select_related("category", "town").defer("town__geometry").get(pk=self.event_id)

    def category(self, ok: Callable[[MatterCategory], bool]) -> MatterCategory:
        cats = sorted((c for c in self.world.categories.values() if ok(c)), key=lambda c: c.code)
        if self.want_post:
            cats = [c for c in cats if c.default_post_name == self.want_post] or cats
        return self.rng.choice(cats)

    def _attributes(self, cat: MatterCategory) -> dict:
        out = {}
        for spec in cat.attributes or []:
            if not spec.get("required"):
                continue
            if spec.get("datatype") == "number":
                out[spec["code"]] = self.rng.randint(1, 30)
            elif spec.get("datatype") == "multivaluelist":
                out[spec["code"]] = [self.rng.choice(spec["values"])["key"]]
            else:
                out[spec["code"]] = self.rng.choice(spec["values"])["key"]
        return out

    def _text(self, cat: MatterCategory) -> tuple[str, str]:
        place = self.rng.choice(PLACES)
        words = (cat.keywords or cat.name).split()
        return (f"{place}{cat.name}"[:120],
                f"{self.grid.name}{place}发现{self.rng.choice(words)}问题，请及时处理。")

    def report(self, channel: str, cat: MatterCategory, *, urgency: str = "normal") -> Event:
        """Report the story's event through intake, as the channel's reporter."""
        g, rng, cast = self.grid, self.rng, self.cast
        title, description = self._text(cat)
        kw = {"reporter_name": "", "reporter_phone": "", "source": EventSource.COMPLAINT}
        actor = None
        if channel == EventChannel.PATROL:
            actor, kw["source"] = cast.grid_worker(g), EventSource.PROACTIVE
        elif channel in (EventChannel.RESIDENT_WEB, EventChannel.OPEN311):
            if channel == EventChannel.RESIDENT_WEB and g.id == cast.resident_grid and cast.resident is not None \
                    and rng.random() < 0.6:
                actor = cast.resident
            else:
                kw["reporter_name"] = rng.choice(SURNAMES) + rng.choice(["先生", "女士"])
                kw["reporter_phone"] = f"1{rng.choice('3589')}{rng.randint(0, 999999999):09d}"
        elif channel == EventChannel.HOTLINE:
            actor = cast.operator(g)
            kw["reporter_name"] = rng.choice(SURNAMES) + rng.choice(["先生", "女士"])
            kw["reporter_phone"] = f"1{rng.choice('3589')}{rng.randint(0, 999999999):09d}"
            kw["external_number"] = f"12345-{self.now:%Y%m%d}-{rng.randint(0, 99999):05d}"
            kw["external_due_at"] = self.now + dt.timedelta(days=rng.choice([3, 5, 7]))
        elif channel == EventChannel.SENSOR:
            actor, kw["source"] = cast.operator(g), EventSource.PROACTIVE
        elif channel == EventChannel.DISTRICT:
            actor = cast.district_admin(g)
        lon, lat = rng.choice(g.points)
        event, _ = event_report(actor=actor, channel=channel, category=cat, lon=lon, lat=lat, title=title,
                                description=description, urgency=urgency, attributes=self._attributes(cat), **kw)
        self.event_id = event.pk
        return event

    def report_unplaced(self, cat: MatterCategory) -> Event:
        title, description = self._text(cat)
        event, _ = event_report_unplaced(
            actor=None, channel=EventChannel.OPEN311, category=cat, town=Area.objects.get(pk=self.grid.town_id),
            title=title, description=description, address=f"{self.grid.name}{self.rng.choice(PLACES)}",
            attributes=self._attributes(cat), reporter_name=self.rng.choice(SURNAMES) + "女士")
        self.event_id = event.pk
        return event

    # Common stretches of a path (each a generator: ``yield from s.accept(...)``)
    def escalate_to(self, level: str):
        """Escalate by hand, level by level, until the event is held at ``level``."""
        order = ["grid", "community", "town"]
        while order.index(self.ev.level) < order.index(level):
            yield self.within("accept", 0.1, 0.6)
            ev = self.ev
            actor = self.cast.grid_worker(self.grid) if ev.level == "grid" else self.cast.community_staff(self.grid)
            actions.event_escalate(event=ev, actor=actor, reason="超出本级处置能力，上报上级")

    def level_actor(self, event: Event | None = None):
        level = (event or self.ev).level
        if level == "grid":
            return self.cast.grid_worker(self.grid)
        if level == "community":
            return self.cast.community_staff(self.grid)
        if level == "district":  # escalated by the sweeper past the town
            return self.cast.district_admin(self.grid)
        return self.cast.operator(self.grid)

    def accept(self, *, late: bool = False):
        yield self.late("accept", 0.5, 3) if late else self.within("accept", 0.1, 0.7)
        ev = self.ev
        actions.event_accept(event=ev, actor=self.level_actor(ev), comment="已立案")
        self.checkpoint("accepted")

    def departments_for(self, cat: MatterCategory, assists: int = 0):
        found = [self.cast.department(self.grid, code) for code in cat.default_department_codes]
        found = [d for d in found if d is not None] or [self.cast.department(self.grid, "cgj")]
        lead, others = found[0], found[1:]
        extra = [d for d in self.cast.district_departments(self.grid) if d not in found]
        while len(others) < assists and extra:
            others.append(extra.pop(self.rng.randrange(len(extra))))
        return lead, others[:assists] if assists < len(others) else others

    def post_for(self, cat: MatterCategory):
        """The post of the event's town routing proposes (the category's default post, one of the
        category's board preferred), else the first post of the category's board."""
        from jiewang.dispatching.selectors import proposal

        posts = self.cast.town_posts(self.grid)
        ev = self.ev
        return proposal(posts, ev) or next((p for p in posts if p.board.kind == cat.board_kind), None)

    def proper_lead(self, cat: MatterCategory):
        """Where the center sends town-level work: most often the town's own post (板块办理),
        otherwise the district department (条)."""
        post = self.post_for(cat) if self.rng.random() < POST_SHARE or self.want_post else None
        return post or self.departments_for(cat)[0]

    def dispatch(self, *, lead=None, assists: int | None = None, late: bool = False):
        yield self.late("handle", 0.5, 2) if late else self.work(0.2, 2)
        ev = self.ev
        if assists is None:
            assists = 1 if self.rng.random() < 0.25 else 0
        if lead is None:
            lead = self.proper_lead(ev.category)
            # A district department as lead may bring assisting departments; a post works alone.
            others = self.departments_for(ev.category, assists)[1] if isinstance(lead, Department) else []
            others = [d for d in others if d != lead]
        else:
            others = []
        dsvc.event_dispatch(event=ev, actor=self.cast.operator(self.grid), lead=lead, assists=others,
                            instructions="请按时限办理并反馈")
        self.checkpoint("dispatched")

    def open_assignments(self, role: str | None = None) -> list[Assignment]:
        qs = Assignment.objects.filter(event_id=self.event_id, status__in=OPEN_ASSIGNMENT) \
            .select_related("department", "post").order_by("id")  # the services load the event themselves
        if role:
            qs = qs.filter(role=role)
        return list(qs)

    def sign(self, *, late: bool = False):
        """The lead signs for the event (on time, or after its sign clock ran out), assisting
        departments sign too and report their part."""
        lead = self.open_assignments(AssignmentRole.LEAD)[0]
        yield self.late("sign", 0.5, 6, subject=lead) if late else self.within("sign", 0.1, 0.7, subject=lead)
        for a in self.open_assignments():
            if a.status == "dispatched":
                dsvc.assignment_sign(assignment=a, actor=self.cast.handler_staff(a))
        self.checkpoint("handling")
        assists = self.open_assignments(AssignmentRole.ASSIST)
        if assists:
            yield self.within("handle", 0.1, 0.4)
            for a in assists:
                dsvc.assignment_feedback(assignment=a, actor=self.cast.handler_staff(a),
                                         comment="协办部分已完成")

    def handler(self, event: Event | None = None):
        ev = event or self.ev
        if ev.level == "department":
            lead = self.open_assignments(AssignmentRole.LEAD)[0]
            return self.cast.handler_staff(lead)
        return self.level_actor(ev)

    def feedback(self, *, late: bool = False, what: str = "已按要求处置完毕"):
        yield self.late("handle", 1, 30) if late else self.within("handle", 0.2, 0.8)
        ev = self.ev
        actions.event_feedback(event=ev, actor=self.handler(ev), comment=what)
        self.checkpoint("feedback")

    def verify(self, *, passed: bool = True, center: bool = False):
        """Verified on site by the grid worker or by the center (always by the center for work it
        sent down: never by the area it went to)."""
        yield self.within("verify", 0.1, 0.8)
        ev = self.ev
        actor = self.cast.operator(self.grid) if center or (ev.level in ("department", "town")
                                                            and self.rng.random() < 0.6) \
            else self.cast.grid_worker(self.grid)
        actions.event_verify(event=ev, actor=actor, passed=passed,
                             comment="" if passed else "现场核查未整改到位，退回返工")
        if passed:
            self.checkpoint("closed")

    def rating(self, satisfaction: str | None = None):
        """The reporter rates (resident channels), the center visits (hotline, town channels),
        or nobody does and the rating window closes by itself (the grid's own patrols)."""
        ev = self.ev
        if satisfaction is None:
            satisfaction = Satisfaction.SATISFIED if self.rng.random() < 0.75 else Satisfaction.BASICALLY
        channel = ev.channel
        if channel == EventChannel.PATROL and self.rng.random() < 0.7:
            return  # the rating window closes unrated
        yield self.hours(1, 60)
        ev = self.ev
        if ev.status != EventStatus.CLOSED:
            return
        if channel in (EventChannel.RESIDENT_WEB, EventChannel.OPEN311) and self.rng.random() < 0.8:
            actor = ev.reporter if ev.reporter_id else None
            actions.event_rate(event=ev, actor=actor, satisfaction=satisfaction, comment="")
        else:
            visitor = self.cast.community_staff(self.grid) if ev.level in ("grid", "community") \
                else self.cast.operator(self.grid)
            contacted = self.rng.random() < 0.92 or satisfaction == Satisfaction.DISSATISFIED
            actions.event_return_visit(event=ev, actor=visitor, contacted=contacted,
                                       resolved=True if contacted and satisfaction != "dissatisfied" else None,
                                       satisfaction=satisfaction if contacted else "",
                                       comment="电话回访" if contacted else "多次联系未接通")

    def town_channel(self) -> str:
        return self.rng.choices([EventChannel.HOTLINE, EventChannel.SENSOR, EventChannel.DISTRICT,
                                 EventChannel.RESIDENT_WEB, EventChannel.PATROL], [5, 1, 1, 2, 3])[0]

    def report_for_town(self, cat: MatterCategory, *, urgency: str = "normal", channel: str | None = None,
                        alarm: str = "answered"):
        """Report an event the town must take: straight in (hotline, sensor, district) or from the
        grid, escalated by the grid worker and the community. An urgent one alarms the duty at
        intake; ``alarm`` says how it is answered (:meth:`answer_alarm`)."""
        self.report(channel or self.town_channel(), cat, urgency=urgency)
        if urgency != "normal":
            self.checkpoint("alarm")
            yield from self.answer_alarm(alarm)
        self.checkpoint("reported")
        yield from self.escalate_to("town")

    def answer_alarm(self, fate: str = "answered"):
        """The duty answers the event's alarm: ``answered`` within the response period (the duty
        leader of the day, or the commander), ``commander`` after the sweep climbed to the
        commander, who answers, ``district`` after it climbed to the district too."""
        from jiewang.duty.models import Alarm
        from jiewang.duty.services.alarms import alarm_acknowledge, response_period

        alarm = Alarm.objects.filter(event_id=self.event_id).first()
        if alarm is None:
            return
        period = response_period().total_seconds() / 60
        minutes = {"answered": (1.5, period * 0.8), "commander": (period + 2, period * 2 - 1),
                   "district": (period * 2 + 2, period * 3)}[fate]
        yield alarm.raised_at + dt.timedelta(minutes=self.rng.uniform(*minutes))
        alarm.refresh_from_db()
        town_id = self.grid.town_id
        actor = alarm.duty_leader if fate == "answered" and alarm.duty_leader is not None \
            else self.cast.commander(town_id)
        note = {"answered": "已收到，值班长已调度处置", "commander": "指挥长已响应，立即组织处置",
                "district": "指挥长已响应，已向区应急值班室报告"}[fate]
        alarm_acknowledge(alarm=alarm, actor=actor, note=note)
        from jiewang.duty.services.log import duty_log_add, on_duty

        if on_duty(actor, alarm.town, timezone.localtime(self.now).date()):
            duty_log_add(actor=actor, town=alarm.town, event=alarm.event,
                         body=f"接报{alarm.event.title}，已响应并调度处置")

    def report_ins(self, w, lead=None):
        """Each summoned department reports in on time, late (after the sweeper marked it
        missed) or not at all; then the summoning level rates each report-in."""
        fates = {}
        for summons in w.summonses.select_related("department").order_by("id"):
            fates[summons.pk] = self.rng.choices(["on_time", "late", "missed"], [6, 2, 1])[0]
        due = w.report_in_due_at
        span = (due - self.now).total_seconds()
        for pk, fate in sorted(fates.items(), key=lambda kv: kv[1] != "on_time"):
            if fate == "missed":
                continue
            at = self.now + dt.timedelta(seconds=span * self.rng.uniform(0.1, 0.9)) if fate == "on_time" \
                else due + dt.timedelta(minutes=self.rng.uniform(20, 120))
            yield max(at, self.now)
            summons = w.summonses.select_related("department").get(pk=pk)
            whistles.summons_report_in(summons=summons, actor=self.cast.staff_of(summons.department),
                                       responder_name=self.rng.choice(SURNAMES) + "科长")
        yield max(self.now, due) + dt.timedelta(hours=self.rng.uniform(1, 3))
        for summons in w.summonses.select_related("department").order_by("id"):
            status = summons.status
            rating = {SummonsStatus.REPORTED_IN: self.rng.choice([4, 5, 5]),
                      SummonsStatus.LATE: self.rng.choice([2, 3])}
            whistles.summons_rate(summons=summons, actor=self.cast.operator(self.grid),
                                  attended=status != SummonsStatus.MISSED, rating=rating.get(status, 1),
                                  comment={"missed": "未按要求报到"}.get(
                                      status, "响应及时" if status == "reported_in" else "报到迟缓"))


# --- The paths -----------------------------------------------------------------------------------


def grid_close_on_spot(s: Story):
    """网格自办 → 就地办结: the grid worker finds it, handles it and closes it the same day."""
    s.report(EventChannel.PATROL, s.category(GRID_OK))
    yield s.work(0.05, 0.5)
    actions.event_self_handle(event=s.ev, actor=s.cast.grid_worker(s.grid), comment="网格员现场处置")
    s.checkpoint("handling")
    yield s.within("handle", 0.05, 0.5)
    actions.event_close_on_spot(event=s.ev, actor=s.cast.grid_worker(s.grid), comment="已现场劝导整改，拍照存档")
    yield from s.rating()


def grid_self_handle_verified(s: Story):
    """A resident's report handled by the grid and verified by the community."""
    s.report(s.rng.choice([EventChannel.RESIDENT_WEB, EventChannel.OPEN311, EventChannel.PATROL]), s.category(GRID_OK))
    s.checkpoint("reported")
    yield s.within("accept", 0.1, 0.6)
    actions.event_self_handle(event=s.ev, actor=s.cast.grid_worker(s.grid))
    s.checkpoint("handling")
    yield from s.feedback()
    yield s.within("verify", 0.1, 0.8)
    actions.event_verify(event=s.ev, actor=s.cast.community_staff(s.grid), passed=True)
    s.checkpoint("closed")
    yield from s.rating()


def community_handled(s: Story):
    """Up to the village/community, which handles it itself (本级办理) and feeds back."""
    s.report(s.rng.choice([EventChannel.PATROL, EventChannel.RESIDENT_WEB, EventChannel.OPEN311]),
             s.category(COMMUNITY_OK))
    s.checkpoint("reported")
    yield from s.escalate_to("community")
    yield from s.accept()
    yield s.work(0.1, 2)
    actions.event_handle_locally(event=s.ev, actor=s.cast.community_staff(s.grid), comment="社区组织调解处置")
    s.checkpoint("handling")
    yield from s.feedback()
    yield from s.verify()
    yield from s.rating()


def auto_escalated(s: Story):
    """Nobody in the grid takes it: the sweeper reminds, supervises and escalates the late
    acceptance to the community, which accepts and handles it."""
    s.report(EventChannel.RESIDENT_WEB, s.category(COMMUNITY_OK))
    s.checkpoint("reported")
    yield s.late("accept", 13, 20)  # past overdue + 催办 + 督办 + escalation (4 h rungs)
    if s.ev.level == "grid":  # not escalated yet (a sweep may round the rungs up): by hand
        yield from s.escalate_to("community")
    yield from s.accept()
    yield s.work(0.1, 2)
    actions.event_handle_locally(event=s.ev, actor=s.cast.community_staff(s.grid))
    yield from s.feedback()
    yield from s.verify()
    yield from s.rating()


def town_on_time(s: Story):
    """The town accepts, dispatches to a lead department (sometimes with an assisting one), which
    signs for it, handles it and feeds back on time; verified, closed, rated."""
    yield from s.report_for_town(s.category(TOWN_OK))
    yield from s.accept()
    yield from s.dispatch()
    yield from s.sign()
    yield from s.feedback()
    yield from s.verify()
    yield from s.rating()


def town_late(s: Story):
    """Signed for late and fed back late: the sweeper marks the clocks overdue and climbs 催办 →
    督办; the operator also urges by hand once."""
    yield from s.report_for_town(s.category(TOWN_OK))
    yield from s.accept()
    yield from s.dispatch()
    yield from s.sign(late=s.rng.random() < 0.6)
    yield s.late("handle", 0.5, 3)
    supervision.event_supervise(event=s.ev, actor=s.cast.operator(s.grid), action="remind",
                                comment="已超期，请尽快办结")
    if s.rng.random() < 0.4:
        yield s.hours(2, 6)
        lead = s.open_assignments(AssignmentRole.LEAD)[0]
        # A post's work is supervised by its board's leader (分管领导), a department's by the town leader.
        boss = s.cast.board_leader(lead.post) if lead.post_id else s.cast.leader(s.grid)
        supervision.event_supervise(event=s.ev, actor=boss, action="supervise", comment="领导督办：限今日办结")
    yield from s.feedback(late=True)
    yield from s.verify()
    yield from s.rating(Satisfaction.BASICALLY if s.rng.random() < 0.6 else None)


def returned_redispatched(s: Story):
    """The department returns a wrong dispatch; the center dispatches it again (and sometimes
    transfers it once more, 改派, before anyone signs)."""
    yield from s.report_for_town(s.category(TOWN_OK))
    yield from s.accept()
    ev = s.ev
    lead, _ = s.departments_for(ev.category)
    wrong = s.rng.choice([d for d in s.cast.district_departments(s.grid) if d != lead])
    yield from s.dispatch(lead=wrong)
    a = s.open_assignments(AssignmentRole.LEAD)[0]
    yield s.within("sign", 0.1, 0.6, subject=a)
    dsvc.assignment_return(assignment=a, actor=s.cast.staff_of(wrong), reason="不属于本部门职责，请改派")
    if s.rng.random() < 0.4:
        other = s.rng.choice([d for d in s.cast.district_departments(s.grid) if d not in (lead, wrong)])
        yield from s.dispatch(lead=other)
        yield s.work(0.2, 1)
        dsvc.event_redispatch(event=s.ev, actor=s.cast.operator(s.grid), lead=lead, reason="改派至主责部门")
    else:
        yield from s.dispatch(lead=s.proper_lead(ev.category))
    yield from s.sign()
    yield from s.feedback()
    yield from s.verify()
    yield from s.rating()


def disputed_arbitrated(s: Story):
    """The lead signs, then disputes its responsibility; the center keeps it responsible or
    redispatches to another department."""
    yield from s.report_for_town(s.category(TOWN_OK))
    yield from s.accept()
    yield from s.dispatch(assists=0)
    yield from s.sign()
    a = s.open_assignments(AssignmentRole.LEAD)[0]
    yield s.within("handle", 0.05, 0.2)
    dsvc.assignment_dispute(assignment=a, actor=s.cast.handler_staff(a), reason="该事项应由其他部门主办")
    s.checkpoint("disputed")
    yield s.work(0.5, 4)
    ev = s.ev
    a = Assignment.objects.get(pk=a.pk)
    if s.rng.random() < 0.5:
        dsvc.event_arbitrate(event=ev, actor=s.cast.operator(s.grid), assignment=a, keep=True,
                             reason="经研究，仍由原部门主办")
    else:
        other = s.rng.choice([d for d in s.cast.district_departments(s.grid) if d != a.department])
        dsvc.event_arbitrate(event=ev, actor=s.cast.operator(s.grid), assignment=a, keep=False,
                             reason="经研究，改由其他部门主办", lead=other)
        yield from s.sign()
    yield from s.feedback()
    yield from s.verify()
    yield from s.rating()


def rework(s: Story):
    """The verification on site fails: back for rework (返工), fed back again, then closed."""
    if s.rng.random() < 0.5:
        yield from town_on_time_until_feedback(s)
    else:
        s.report(EventChannel.PATROL, s.category(GRID_OK))
        yield s.work(0.1, 1)
        actions.event_self_handle(event=s.ev, actor=s.cast.grid_worker(s.grid))
        yield from s.feedback()
    yield from s.verify(passed=False)
    yield from s.feedback(what="已按核查意见返工整改")
    yield from s.verify()
    yield from s.rating()


def town_on_time_until_feedback(s: Story):
    yield from s.report_for_town(s.category(TOWN_OK))
    yield from s.accept()
    yield from s.dispatch()
    yield from s.sign()
    yield from s.feedback()


def extension(s: Story):
    """The lead asks for more time; the center approves (the handling clock moves) or rejects
    (the work is then finished late, overdue)."""
    yield from s.report_for_town(s.category(TOWN_OK))
    yield from s.accept()
    yield from s.dispatch(assists=0)
    yield from s.sign()
    yield s.within("handle", 0.4, 0.7)
    ev = s.ev
    staff = s.handler()
    dsvc.extension_request(event=ev, actor=staff, requested_due_at=ev.due_at + dt.timedelta(days=s.rng.choice([3, 5, 7])),
                           reason="需协调第三方施工，申请延期")
    s.checkpoint("extension")
    yield s.work(0.5, 4)
    from jiewang.dispatching.models import ExtensionRequest

    req = ExtensionRequest.objects.filter(event_id=s.event_id, status="pending").get()
    approve = s.rng.random() < 0.6
    dsvc.extension_decide(request=req, actor=s.cast.operator(s.grid), approve=approve,
                          comment="同意延期" if approve else "不同意延期，请按原时限办结")
    yield from s.feedback(late=not approve)
    yield from s.verify()
    yield from s.rating()


def whistle(s: Story):
    """吹哨报到: the town blows the whistle on an urgent matter; each summoned department reports in
    on time, late (after the sweeper marked it missed) or not at all; the town rates each, then the
    lead handles the event to closure."""
    cat = s.category(lambda c: TOWN_OK(c) and c.board_kind in ("safety", "livelihood"))
    yield from s.report_for_town(cat, urgency="urgent" if s.rng.random() < 0.5 else "normal")
    yield from s.accept()
    yield s.work(0.1, 1)
    ev = s.ev
    lead, _ = s.departments_for(ev.category)
    pool = [d for d in s.cast.district_departments(s.grid) if d != lead]
    summoned = [lead] + s.rng.sample(pool, s.rng.randint(1, 2))
    w = whistles.whistle_blow(event=ev, actor=s.cast.operator(s.grid), departments=summoned,
                              problem=f"{ev.title}：需多部门联合处置", urgent=ev.urgency != "normal")
    s.checkpoint("whistle")
    yield from s.report_ins(w)
    yield from s.dispatch(lead=lead)
    yield from s.sign()
    yield from s.feedback()
    yield from s.verify()
    yield from s.rating()


def dissatisfied_redo(s: Story):
    """The reporter is not satisfied: the event goes back for redo (重办), is handled again, and
    the second rating is better."""
    if s.rng.random() < 0.5:
        s.report(EventChannel.RESIDENT_WEB, s.category(COMMUNITY_OK))
        yield from s.escalate_to("community")
        yield from s.accept()
        yield s.work(0.1, 2)
        actions.event_handle_locally(event=s.ev, actor=s.cast.community_staff(s.grid))
        yield from s.feedback()
    else:
        s.report(EventChannel.HOTLINE, s.category(TOWN_OK))
        yield from s.accept()
        yield from s.dispatch(assists=0)
        yield from s.sign()
        yield from s.feedback()
    yield from s.verify()
    yield s.hours(2, 48)
    ev = s.ev
    if ev.channel == EventChannel.HOTLINE:
        actions.event_return_visit(event=ev, actor=s.cast.operator(s.grid), contacted=True, resolved=False,
                                   satisfaction=Satisfaction.DISSATISFIED, comment="群众反映问题仍未解决")
    else:
        actions.event_rate(event=ev, actor=ev.reporter if ev.reporter_id else None,
                           satisfaction=Satisfaction.DISSATISFIED, comment="问题没有解决")
    yield from s.feedback(what="重新处置完毕")
    yield from s.verify()
    yield from s.rating(Satisfaction.BASICALLY)


def voided(s: Story):
    """An invalid report: voided by the grid worker (patrol, residents) or the center (hotline)."""
    channel = s.rng.choice([EventChannel.RESIDENT_WEB, EventChannel.OPEN311, EventChannel.HOTLINE])
    s.report(channel, s.category(lambda c: True))
    yield s.within("accept", 0.1, 0.6)
    ev = s.ev
    actions.event_void(event=ev, actor=s.level_actor(ev), reason=s.rng.choice(
        ["经核实不属实", "重复咨询，已电话答复", "不属于受理范围"]))


def merged(s: Story):
    """The same problem reported twice: the second report is merged into the first (作废并合并),
    which goes on to be handled by the town."""
    cat = s.category(TOWN_OK)
    original = s.report(EventChannel.HOTLINE, cat)
    yield from s.accept()
    yield from s.dispatch()
    yield from s.sign()
    yield s.hours(0.5, 4)
    s.report(EventChannel.RESIDENT_WEB, cat)
    yield s.within("accept", 0.1, 0.6)
    actions.event_void(event=s.ev, actor=s.cast.grid_worker(s.grid), reason="重复上报，合并处理",
                       duplicate_of=Event.objects.get(pk=original.pk))
    s.event_id = original.pk
    yield from s.feedback()
    yield from s.verify()
    yield from s.rating()


def shelved_resumed(s: Story):
    """Long-term work: shelved (挂账, clocks paused) for weeks, then resumed and handled."""
    cat = s.category(lambda c: TOWN_OK(c) and c.code in ("SL02", "LS14", "EC05", "EC07", "LS13", "SL09"))
    yield from s.report_for_town(cat)
    yield from s.accept()
    yield s.work(1, 6)
    actions.event_shelve(event=s.ev, actor=s.cast.operator(s.grid), reason="涉及规划调整，列入问题池长期跟踪")
    s.checkpoint("shelved")
    yield s.hours(24 * 7, 24 * 45)
    actions.event_resume(event=s.ev, actor=s.cast.leader(s.grid), comment="条件已具备，恢复办理")
    s.moved_clocks = True
    yield s.work(0.2, 2)
    lead = s.proper_lead(s.ev.category)
    # Resumed, the event is being handled again at the town: it sends it to the lead (a post or a department).
    dsvc.event_redispatch(event=s.ev, actor=s.cast.operator(s.grid), lead=lead, reason="恢复办理，派主责部门办理")
    yield from s.sign()
    yield from s.feedback()
    yield from s.verify()
    yield from s.rating()


def unplaced_placed(s: Story):
    """An Open311 client sends an address only: the town holds it unplaced (待定位) until an
    operator places it on the map; the grid then handles it."""
    s.report_unplaced(s.category(GRID_OK))
    s.checkpoint("unplaced")
    yield s.within("accept", 0.1, 0.6)
    lon, lat = s.rng.choice(s.grid.points)
    event_place(event=s.ev, actor=s.cast.operator(s.grid), lon=lon, lat=lat, comment="按地址定位")
    yield s.within("accept", 0.1, 0.6)
    actions.event_self_handle(event=s.ev, actor=s.cast.grid_worker(s.grid))
    yield from s.feedback()
    yield s.within("verify", 0.1, 0.8)
    actions.event_verify(event=s.ev, actor=s.cast.community_staff(s.grid), passed=True)
    yield from s.rating()


def post_board_supervised(s: Story):
    """板块办理: the center gives the work to a post of the town's boards; its staff sign for it
    and handle it, the board's leader (分管领导) urges and supervises a slow one, it is fed back,
    verified and rated."""
    cat = s.category(TOWN_OK)
    yield from s.report_for_town(cat)
    yield from s.accept()
    yield from s.dispatch(lead=s.post_for(cat))
    yield from s.sign()
    lead = s.open_assignments(AssignmentRole.LEAD)[0]
    yield s.within("handle", 0.5, 0.9)
    boss = s.cast.board_leader(lead.post)
    supervision.event_supervise(event=s.ev, actor=boss, action="remind", comment="分管领导催办：请加快办理")
    if s.rng.random() < 0.5:
        yield s.late("handle", 0.5, 4)
        supervision.event_supervise(event=s.ev, actor=boss, action="supervise", comment="分管领导督办：限期办结")
        yield from s.feedback(late=True)
    else:
        yield from s.feedback()
    yield from s.verify()
    yield from s.rating()


def sent_down(s: Story):
    """交办: the center sends a complaint down to the village/community (or a grid) it belongs to;
    its staff sign for it, handle it and feed back, and the center verifies. Now and then the
    area returns it (not theirs) and the center gives it to a post instead."""
    cat = s.category(lambda c: c.closable_level == "community" or c.grid_may_self_handle)
    s.report(s.rng.choice([EventChannel.HOTLINE, EventChannel.HOTLINE, EventChannel.DISTRICT]), cat)
    s.checkpoint("reported")
    yield from s.escalate_to("town")
    yield from s.accept()
    yield s.work(0.2, 2)
    ev = s.ev
    to_grid = s.rng.random() < 0.35
    area = Area.objects.get(pk=s.grid.id if to_grid else s.grid.community_id)
    sending.event_send_down(event=ev, actor=s.cast.operator(s.grid), area=area,
                            instructions="请属地社区（网格）核实处置并按时反馈")
    s.checkpoint("sent_down")
    a = s.open_assignments(AssignmentRole.LEAD)[0]
    if s.rng.random() < 0.15:
        yield s.within("sign", 0.1, 0.6, subject=a)
        dsvc.assignment_return(assignment=a, actor=s.cast.handler_staff(a), reason="经核实不属于本辖区，请重新交办")
        yield from s.dispatch(lead=s.post_for(cat) or s.departments_for(cat)[0])
        yield from s.sign()
        yield from s.feedback()
        yield from s.verify()
    else:
        yield from s.sign()
        yield from s.feedback(what="已入户核实并处置完毕")
        yield from s.verify(center=True)
    yield from s.rating()


TASKS = [  # (category code, title, checklist)
    ("SL04", "开展辖区安全隐患排查", ["排查沿街商铺", "排查老旧小区楼道", "建立隐患台账", "督促整改并复查"]),
    ("SL06", "燃气安全专项检查", ["入户检查燃气管线", "检查报警器安装", "发放安全告知书"]),
    ("SL11", "汛前防汛隐患排查", ["巡查河堤和山坪塘", "清理排水沟渠", "核对转移避险名单", "检查应急物资"]),
    ("LS08", "走访独居老人", ["逐户走访", "更新关爱台账", "反馈困难诉求"]),
    ("LS01", "背街小巷环境整治", ["清理积存垃圾", "规范车辆停放", "整治乱贴乱画", "拍照存档"]),
    ("PB03", "政策宣传进小区", ["张贴宣传海报", "组织院坝会", "收集群众意见"]),
    ("SL12", "特殊人群走访排查", ["逐一见面核实", "更新动态信息", "落实帮教措施"]),
]


def task_sent_down(s: Story):
    """交办任务: the center (or a board leader) gives a village/community or a grid a task with a
    deadline and a checklist; its staff sign for it, work through the list and feed back, ticking
    the items (some after the deadline: the sweeper marks it overdue first); the center's
    operator verifies."""
    from .admission import push_task, task_level

    code, title, items = s.rng.choice(TASKS)
    cat = s.world.categories.get(code) or s.category(lambda c: True)
    to_grid = task_level(code) == "grid"  # the level of the admitted duty it cites (职责事项准入)
    area = Area.objects.get(pk=s.grid.id if to_grid else s.grid.community_id)
    post = next((p for p in s.cast.town_posts(s.grid) if p.board.kind == cat.board_kind), None)
    sender = s.cast.board_leader(post) if post is not None and s.rng.random() < 0.3 else s.cast.operator(s.grid)
    due = s.now + dt.timedelta(days=s.rng.choice([3, 5, 7, 10]))
    a = push_task(actor=sender, area=area, category=cat, title=f"{area.name}{title}", due_at=due,
                  description=f"请于{timezone.localtime(due):%m月%d日}前完成{title}并逐项反馈。", checklist=items)
    if a is None:  # held (no list in force over this district): the story ends with the request
        return
    s.event_id = a.event_id
    s.checkpoint("task")
    yield s.within("sign", 0.1, 0.7, subject=a)
    dsvc.assignment_sign(assignment=a, actor=s.cast.handler_staff(a))
    late = s.rng.random() < 0.25
    yield s.late("handle", 2, 30) if late else s.within("handle", 0.3, 0.9)
    from jiewang.events.models import ChecklistItem

    ids = list(ChecklistItem.objects.filter(event_id=s.event_id).order_by("order").values_list("id", flat=True))
    actions.event_feedback(event=s.ev, actor=s.cast.handler_staff(a), checked=ids,
                           comment="清单事项已全部完成" if not late else "已完成，因任务量大超期")
    yield s.within("verify", 0.1, 0.8)
    actions.event_verify(event=s.ev, actor=s.cast.operator(s.grid), passed=True, comment="经核查已完成")


def whistle_request_approved(s: Story):
    """吹哨申请 → 批准: the grid worker (or community) finds a problem beyond its means and asks the
    town center to summon the departments; the center approves (the whistle is blown at the
    town's level), the departments report in, the center rates each, and a post handles it."""
    cat = s.category(lambda c: TOWN_OK(c) and c.board_kind in ("safety", "livelihood"))
    yield from s.report_for_town(cat, channel=EventChannel.PATROL)
    lead, _ = s.departments_for(cat)
    pool = [d for d in s.cast.district_departments(s.grid) if d != lead]
    wanted = [lead] + s.rng.sample(pool, s.rng.randint(0, 1))
    requester = s.cast.grid_worker(s.grid) if s.rng.random() < 0.7 else s.cast.community_staff(s.grid)
    yield s.work(0.05, 0.5)
    req = whistle_requests.whistle_request_create(event=s.ev, actor=requester, departments=wanted,
                                                  problem=f"{s.ev.title}：需区级部门到场联合处置",
                                                  urgent=s.rng.random() < 0.4)
    s.checkpoint("whistle_request")
    yield from s.accept()
    yield s.work(0.1, 1)
    chosen = wanted if s.rng.random() < 0.7 else wanted + [d for d in pool if d not in wanted][:1]
    req = whistle_requests.whistle_request_approve(request=req, actor=s.cast.operator(s.grid), departments=chosen,
                                                   comment="同意吹哨，召集相关部门到场")
    yield from s.report_ins(req.whistle)
    yield from s.dispatch(lead=s.post_for(cat) or lead)
    yield from s.sign()
    yield from s.feedback()
    yield from s.verify()
    yield from s.rating()


def whistle_request_declined(s: Story):
    """吹哨申请 → 不予吹哨: the center declines (its own post can handle it) and dispatches."""
    cat = s.category(TOWN_OK)
    yield from s.report_for_town(cat, channel=EventChannel.PATROL)
    lead, _ = s.departments_for(cat)
    requester = s.cast.grid_worker(s.grid) if s.rng.random() < 0.7 else s.cast.community_staff(s.grid)
    yield s.work(0.05, 0.5)
    req = whistle_requests.whistle_request_create(event=s.ev, actor=requester, departments=[lead],
                                                  problem=f"{s.ev.title}：申请召集部门处置")
    yield from s.accept()
    yield s.work(0.1, 1)
    whistle_requests.whistle_request_decline(request=req, actor=s.cast.operator(s.grid),
                                             reason="镇街相关岗位可以处置，无需召集区级部门")
    yield from s.dispatch(lead=s.post_for(cat) or lead)
    yield from s.sign()
    yield from s.feedback()
    yield from s.verify()
    yield from s.rating()


def urgent_alarm(s: Story, fate: str):
    cat = s.category(URGENT_OK)
    urgency = "emergency" if s.rng.random() < 0.2 else "urgent"
    yield from s.report_for_town(cat, urgency=urgency, channel=s.rng.choice(
        [EventChannel.HOTLINE, EventChannel.PATROL, EventChannel.SENSOR]), alarm=fate)
    yield from s.accept()
    yield from s.dispatch()
    yield from s.sign()
    yield from s.feedback()
    yield from s.verify()
    yield from s.rating()


def urgent_answered(s: Story):
    """An urgent (紧急) or major (重大) event alarms the day's duty leader and the commander at
    intake; the duty leader answers within the response period and logs it; the town handles it."""
    yield from urgent_alarm(s, "answered")


def urgent_escalated(s: Story):
    """Nobody answers the alarm in time: the duty's sweep climbs to the commander (who answers),
    and now and then on to the district before the commander answers."""
    yield from urgent_alarm(s, "district" if s.rng.random() < 0.3 else "commander")


@dataclass(frozen=True)
class Scenario:
    name: str
    weight: float  # relative share of the events
    fn: Callable


SCENARIOS: list[Scenario] = [
    Scenario("grid_close_on_spot", 30, grid_close_on_spot),
    Scenario("grid_self_handle_verified", 7, grid_self_handle_verified),
    Scenario("community_handled", 12, community_handled),
    Scenario("auto_escalated", 3, auto_escalated),
    Scenario("town_on_time", 14, town_on_time),
    Scenario("town_late", 5, town_late),
    Scenario("returned_redispatched", 3, returned_redispatched),
    Scenario("disputed_arbitrated", 2, disputed_arbitrated),
    Scenario("rework", 3, rework),
    Scenario("extension", 3, extension),
    Scenario("whistle", 3, whistle),
    Scenario("dissatisfied_redo", 3, dissatisfied_redo),
    Scenario("voided", 3, voided),
    Scenario("merged", 2, merged),
    Scenario("shelved_resumed", 2, shelved_resumed),
    Scenario("unplaced_placed", 1, unplaced_placed),
    Scenario("post_board_supervised", 3, post_board_supervised),
    Scenario("sent_down", 4, sent_down),
    Scenario("whistle_request_approved", 2, whistle_request_approved),
    Scenario("whistle_request_declined", 1, whistle_request_declined),
    Scenario("urgent_answered", 3, urgent_answered),
    Scenario("urgent_escalated", 1, urgent_escalated),
]
# Not drawn per report: the tasks the center sends down, a few per town and month (history.py).
TASK_SCENARIO = Scenario("task_sent_down", 0, task_sent_down)
TASKS_PER_TOWN_MONTH = 1.5
BY_NAME = {sc.name: sc for sc in [*SCENARIOS, TASK_SCENARIO]}

# Work still open today, per town: (scenario, the state its story halts in, about how many days
# ago it started: long enough to get there). Every queue of every role has work on first start.
BACKLOG: list[tuple] = [  # (scenario, halted in, days ago[, the post its category goes to])
    ("community_handled", "reported", 0.1),
    ("unplaced_placed", "unplaced", 0.2),
    ("town_on_time", "accepted", 1),
    ("town_on_time", "dispatched", 2),
    ("town_on_time", "handling", 4),
    ("grid_close_on_spot", "handling", 0.5),
    ("community_handled", "handling", 3),
    ("disputed_arbitrated", "disputed", 10),
    ("extension", "extension", 30),
    ("whistle", "whistle", 3),
    ("town_on_time", "feedback", 20),
    ("town_late", "feedback", 30),
    ("shelved_resumed", "shelved", 20),
    ("town_on_time", "closed", 25),
    ("sent_down", "sent_down", 2),
    ("task_sent_down", "task", 1),
    ("whistle_request_approved", "whistle_request", 1),
    # An alarm still unanswered: just raised (the duty leader's), and climbed to the commander.
    ("urgent_answered", "alarm", 0.005),
    ("urgent_escalated", "alarm", 0.014),
    # Work at the demo post (综合执法大队): awaiting its sign-for, and being handled.
    ("post_board_supervised", "dispatched", 1, DEMO_POST),
    ("post_board_supervised", "handling", 3, DEMO_POST),
]


def _start_moment(day: dt.date, channel_rng: random.Random) -> dt.datetime:
    """When in the day a report comes: mostly office hours, some evenings."""
    hour = channel_rng.choices([8, 9, 10, 11, 14, 15, 16, 17, 19, 21], [3, 8, 9, 7, 8, 8, 7, 4, 3, 1])[0]
    local = dt.datetime.combine(day, dt.time(hour, channel_rng.randrange(60), channel_rng.randrange(60)),
                                tzinfo=timezone.get_current_timezone())
    return local.astimezone(dt.UTC)


def draw(world: World, grid: GridInfo, day: dt.date, rng: random.Random, pick: random.Random) -> Story:
    sc = pick.choices(SCENARIOS, [s.weight for s in SCENARIOS])[0]
    return Story(world, sc.name, sc.fn, grid, _start_moment(day, rng), rng)


def backlog(world: World, grids: list[GridInfo], rng: random.Random) -> list[Story]:
    """One halted story per :data:`BACKLOG` row and town, in one of the town's grids."""
    towns: dict[int, list[GridInfo]] = {}
    for g in grids:
        towns.setdefault(g.town_id, []).append(g)
    stories = []
    for town_id in sorted(towns):
        for name, state, days, *post in BACKLOG:
            grid = rng.choice(towns[town_id])
            start = world.end - dt.timedelta(days=days * rng.uniform(0.8, 1.2))
            story = Story(world, name, BY_NAME[name].fn, grid, start, random.Random(rng.random()), halt=state)
            story.want_post = post[0] if post else None
            stories.append(story)
    return stories


# --- The duty (值班) ------------------------------------------------------------------------------

# How far back the duty's roster (every town of the history) and its log and handovers (the demo
# town) go: the past weeks, not the whole year.
DUTY_WEEKS = 5


def _local(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=timezone.get_current_timezone())


def duty_roster(s: Story):
    """The commander keeps the town's roster (值班表) a week or two ahead, every Friday afternoon:
    the duty leader on working days, the town leader at weekends (领导带班), the center's operator
    every day."""
    from jiewang.core.worktime import is_workday
    from jiewang.duty.services.roster import duty_day_set

    town_id = s.grid.town_id
    town = Area.objects.get(pk=town_id)
    commander = s.cast.commander(town_id)
    first = timezone.localtime(s.now).date()
    last = first + dt.timedelta(days=(6 - first.weekday()) + 7)  # through next week's Sunday
    while True:
        day = first
        while day <= last:
            leader = s.cast.duty_leader(town_id) if is_workday(day) else s.cast.town_leader(town_id)
            duty_day_set(actor=commander, town=town, date=day, leader=leader,
                         operators=[s.cast.town_operator(town_id)], note="" if is_workday(day) else "领导带班")
            day += dt.timedelta(days=1)
        first, last = last + dt.timedelta(days=1), last + dt.timedelta(days=7)
        yield _local(first - dt.timedelta(days=3), 16, s.rng.randrange(60))  # the Friday before


LOG_LINES = ["接区应急办通知，做好强降雨防范，已转发各村社区", "巡查指挥中心大屏，各网格运行正常",
             "接群众来电咨询社保政策，已解答", "督促各岗位按时签收派遣事件", "检查值班人员在岗情况，均在岗",
             "接区委办通知，明日召开安全生产会议，已通知相关领导", "夜间巡查重点区域，无异常"]


def duty_log(s: Story):
    """Each day on duty: the operator writes a few lines of the duty log (值班日志); at the end of
    the day the day's leader writes the handover (交班) and the next morning's leader confirms it
    (接班)."""
    from jiewang.duty.models import DutyDay, DutyHandover
    from jiewang.duty.services.log import duty_log_add, handover_confirm, handover_write

    town_id = s.grid.town_id
    town = Area.objects.get(pk=town_id)
    day = timezone.localtime(s.now).date()
    while True:
        row = DutyDay.objects.filter(town=town, date=day).select_related("leader").first()
        if row is not None:
            # The morning: yesterday's handover is confirmed by today's leader.
            handover = DutyHandover.objects.filter(town=town, date=day - dt.timedelta(days=1),
                                                   confirmed_at__isnull=True).first()
            if handover is not None and row.leader is not None:
                handover_confirm(actor=row.leader, handover=handover, note="已接班，情况清楚")
            for hour in sorted(s.rng.sample([9, 10, 11, 14, 15, 16], s.rng.randint(1, 3))):
                yield _local(day, hour, s.rng.randrange(60))
                duty_log_add(actor=s.cast.town_operator(town_id), town=town, body=s.rng.choice(LOG_LINES))
            yield _local(day, 17, 30 + s.rng.randrange(25))
            if row.leader is not None:
                handover_write(actor=row.leader, town=town, date=day,
                               summary="今日值班情况正常，在办紧急事项已交代清楚，请接班同志继续跟进。")
        day += dt.timedelta(days=1)
        yield _local(day, 8, 30 + s.rng.randrange(20))


def duty_stories(world: World, grids: list[GridInfo], rng: random.Random, log_towns: set[int]) -> list[Story]:
    """The roster of every town of the history, and the log and handovers of ``log_towns``, for
    the past :data:`DUTY_WEEKS` weeks."""
    towns: dict[int, GridInfo] = {}
    for g in grids:
        towns.setdefault(g.town_id, g)
    start_day = timezone.localtime(world.end).date() - dt.timedelta(weeks=DUTY_WEEKS)
    stories = []
    for town_id, grid in sorted(towns.items()):
        stories.append(Story(world, "duty_roster", duty_roster, grid, _local(start_day - dt.timedelta(days=1), 16),
                             random.Random(rng.random())))
        if town_id in log_towns:
            stories.append(Story(world, "duty_log", duty_log, grid, _local(start_day, 8, 40),
                                 random.Random(rng.random())))
    return stories


def task_stories(world: World, grids: list[GridInfo], first_day: dt.date, last_day: dt.date,
                 rng: random.Random) -> list[Story]:
    """About :data:`TASKS_PER_TOWN_MONTH` tasks per town and month, on working days, each to one
    of the town's grids (or its community)."""
    from jiewang.core.worktime import is_workday

    towns: dict[int, list[GridInfo]] = {}
    for g in grids:
        towns.setdefault(g.town_id, []).append(g)
    days = [first_day + dt.timedelta(days=i) for i in range((last_day - first_day).days + 1)]
    workdays = [d for d in days if is_workday(d)]
    per_day = TASKS_PER_TOWN_MONTH * 12 / 250
    stories = []
    for town_id in sorted(towns):
        for day in workdays:
            if rng.random() < per_day:
                grid = rng.choice(towns[town_id])
                at = _local(day, rng.choice([9, 10, 14, 15]), rng.randrange(60)).astimezone(dt.UTC)
                stories.append(Story(world, TASK_SCENARIO.name, TASK_SCENARIO.fn, grid, at,
                                     random.Random(rng.random())))
    return stories
