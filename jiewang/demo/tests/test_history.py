"""The demo city's history (``seed_demo --history``): its events pass the invariants of live ones,
every outcome path occurs, every queue has work today, and reseeding is safe."""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter, defaultdict
from io import StringIO

import pytest
from django.db.models import F
from django.core.management import call_command
from django.core.management.base import CommandError

from jiewang.accounts.models import RoleGrant, User
from jiewang.audit.models import AuditEntry
from jiewang.demo.history import HISTORY_STAFF_RE
from jiewang.demo.scenarios import BACKLOG, DUTY_WEEKS, SCENARIOS, TASK_SCENARIO
from jiewang.demo.seeding import DEMO_USERS, seed_demo
from jiewang.dispatching.selectors import handler_queue
from jiewang.dispatching.models import OPEN_ASSIGNMENT, Assignment, ExtensionRequest, WhistleRequest, WhistleSummons
from jiewang.duty.models import Alarm, DutyDay, DutyHandover, DutyLogEntry
from jiewang.duty.selectors import open_alarms
from jiewang.events.lifecycle import EVENT
from jiewang.events.models import Deadline, Event, EventActivity, EventNumberSequence
from jiewang.events.services.clocks import HELD_STATES
from jiewang.events.services.transition import event_note

NOW = dt.datetime(2026, 11, 30, 3, 30, tzinfo=dt.UTC)  # 11:30 in Chongqing, a Monday
STAMP = {"accepted": "accepted_at", "voided": "voided_at", "dispatched": "dispatched_at", "handling": "handling_at",
         "shelved": "shelved_at", "feedback": "feedback_at", "closed": "closed_at", "rated": "rated_at"}
MOVES = set(EVENT.by_name) | {"report"}


def _check_invariants(events: list[Event]) -> None:
    ids = [e.pk for e in events]
    held = defaultdict(list)
    for d in Deadline.objects.filter(event_id__in=ids, state__in=HELD_STATES):
        held[d.event_id].append(d)
    acts = defaultdict(list)
    for a in EventActivity.objects.filter(event_id__in=ids).order_by("id"):
        acts[a.event_id].append(a)
    for e in events:
        # Every ended event has no clock left running; a closed one keeps only its rating window.
        if e.status in ("rated", "voided"):
            assert held[e.pk] == [], (e.number, e.status, held[e.pk])
        if e.status == "closed":
            assert {d.kind for d in held[e.pk]} <= {"rate"}, (e.number, held[e.pk])
        # The timeline runs forward in time, from the report to today.
        timeline = acts[e.pk]
        assert timeline[0].action == "report" and timeline[0].at == e.reported_at
        assert [a.at for a in timeline] == sorted(a.at for a in timeline), e.number
        assert timeline[-1].at <= NOW
        # The status-changing rows chain, and the last one lands on the event's status.
        moves = [a for a in timeline if a.action in MOVES]
        for before, after in zip(moves, moves[1:], strict=False):
            assert after.from_status == before.to_status, (e.number, before.action, after.action)
        assert moves[-1].to_status == e.status, (e.number, moves[-1].action, e.status)
        # Each state's own timestamp is set, between the report and today.
        if e.status in STAMP:
            stamp = getattr(e, STAMP[e.status])
            assert stamp is not None and e.reported_at <= stamp <= NOW, (e.number, e.status)
        if e.status in ("closed", "rated"):
            assert e.closed_at is not None
        if e.status == "voided" and e.duplicate_of_id:
            assert e.duplicate_of.status != "voided"
    # Every alarm of an ended event is closed (answered, or cancelled when the work ended).
    ended = {e.pk for e in events if e.status in ("closed", "rated", "voided")}
    for alarm in Alarm.objects.filter(event_id__in=ended):
        assert alarm.state != "open" and alarm.closed_at is not None, (alarm.event_id, alarm.state)
    # Every assignment of an ended event to a post or an area (sent down) is finished.
    left = Assignment.objects.filter(event_id__in=ended, status__in=OPEN_ASSIGNMENT).exclude(post=None, area=None)
    assert not left.exists(), list(left.values_list("event__number", "status"))
    # Numbers have no gaps per town and year, and the counter agrees.
    numbers = defaultdict(list)
    for e in events:
        code, year, n = e.number.split("-")
        assert code == e.town.code
        numbers[(e.town_id, int(year))].append(int(n))
    for (town_id, year), ns in numbers.items():
        assert sorted(ns) == list(range(1, len(ns) + 1)), (town_id, year)
        assert EventNumberSequence.objects.get(town_id=town_id, year=year).last == len(ns)


@pytest.mark.django_db
def test_a_year_of_history_through_every_path_with_the_invariants_of_live_events():
    result = seed_demo(scale="small", seed=1, history=12, now=NOW, strict_history=True)
    h = result.history
    assert h.interrupted == Counter() and h.events > 300
    events = list(Event.objects.select_related("town", "duplicate_of").order_by("id"))
    assert len(events) == h.events and (events[0].pk, events[-1].pk) == (h.first_id, h.last_id)
    assert min(e.reported_at for e in events) >= NOW - dt.timedelta(days=370)
    _check_invariants(events)

    # Every outcome path ran (not only as a story still open today), and left its marks.
    assert {s.name for s in SCENARIOS} | {TASK_SCENARIO.name} <= set(h.stories)
    actions = Counter(EventActivity.objects.values_list("action", flat=True))
    for action in ("self_handle", "close_on_spot", "handle_locally", "escalate", "accept", "dispatch", "redispatch",
                   "sign", "assist_sign", "assist_feedback", "return", "dispute", "arbitrate", "feedback",
                   "verify_pass", "verify_fail", "redo", "extension_request", "extension_approved",
                   "extension_rejected", "whistle", "report_in", "whistle_escalated", "rate_summons", "remind",
                   "supervise", "escalate_overdue", "overdue", "deadline_warning", "rating_window_closed", "void",
                   "merge", "shelve", "resume", "place", "visit", "rate", "send_down", "request_whistle",
                   "approve_whistle_request", "decline_whistle_request", "alarm", "acknowledge_alarm",
                   "alarm_escalate"):
        assert actions[action] > 0, action
    assert EventActivity.objects.filter(action="escalate", data__automatic=True).exists()
    assert EventActivity.objects.filter(action="remind", data__manual=True).exists()
    assert {e.channel for e in events} == {"patrol", "resident_web", "open311", "hotline", "sensor", "district",
                                           "center"}  # center: the tasks sent down
    ratings = EventActivity.objects.filter(action__in=["rate", "visit"]).values_list("data__satisfaction", flat=True)
    assert set(ratings) == {"", "satisfied", "basically", "dissatisfied"}  # "": a visit that reached nobody
    assert {e.satisfaction for e in events} == {"", "satisfied", "basically"}  # the redone ones were rated again
    assert Event.objects.filter(status="rated", contacted=False).exists()  # a visit that reached nobody
    assert Event.objects.filter(rework_count__gt=0).count() >= 5
    assert {s.status for s in WhistleSummons.objects.all()} >= {"reported_in", "late", "missed"}
    assert WhistleSummons.objects.filter(rating__isnull=False).values("rating").distinct().count() >= 3
    assert {r.status for r in ExtensionRequest.objects.all()} >= {"approved", "rejected", "pending"}
    assert Assignment.objects.filter(role="assist").exists()
    assert Event.objects.filter(reporter__username="resident").exists()  # the demo resident's own reports
    assert Event.objects.filter(external_number__startswith="12345-").exists()

    # Town-level work goes mostly to the town's posts (板块办理), less to district departments; the
    # posts' staff and the boards' leaders did their part.
    leads = Assignment.objects.filter(role="lead")
    post_leads, dept_leads = leads.exclude(post=None).count(), leads.exclude(department=None).count()
    assert post_leads > 1.5 * dept_leads > 0, (post_leads, dept_leads)
    assert leads.exclude(post=None).filter(status="done").exists()
    assert EventActivity.objects.filter(actor_role="post_staff", action="feedback").exists()
    assert EventActivity.objects.filter(actor_role="board_leader", action__in=["remind", "supervise"]).exists()
    assert EventActivity.objects.filter(actor__username="post_staff").exists()
    assert EventActivity.objects.filter(actor__username="board_leader").exists()
    # Work sent down: events to communities and grids, and a few tasks per town and month with a
    # checklist ticked off, some late; the center verified them.
    sent = leads.exclude(area=None)
    assert {a.area.level for a in sent.select_related("area")} == {4, 5}
    tasks = Event.objects.filter(source="sent_down")
    months = 12 * len({e.town_id for e in events})
    assert months <= tasks.count() <= 4 * months, tasks.count()
    done = tasks.filter(status__in=["closed", "rated"])
    assert done.exists() and not done.filter(checklist__done_at__isnull=True).exists()
    assert done.filter(is_overdue=True).exists() and done.filter(is_overdue=False).exists()
    assert not EventActivity.objects.filter(event__source="sent_down", action__startswith="verify") \
        .exclude(actor_role="town_operator").exists()
    # Whistle requests: approved (the whistle blown, its report-ins rated) and declined.
    requests = Counter(WhistleRequest.objects.values_list("status", flat=True))
    assert requests["approved"] > 0 and requests["declined"] > 0 and requests["pending"] > 0, requests
    assert WhistleSummons.objects.filter(whistle__request__status="approved", rating__isnull=False).exists()
    # Alarms: answered in time by the duty leader, escalated to the commander (answered), and to
    # the district; today, open ones for the duty.
    alarms = Alarm.objects.all()
    assert alarms.filter(state="acknowledged", stage=0, acknowledged_by=F("duty_leader")).exists()  # on the roster
    assert alarms.filter(state="acknowledged", stage=1, escalated_commander_at__isnull=False).exists()
    assert alarms.filter(state="acknowledged", stage=2, escalated_district_at__isnull=False).exists()
    for a in alarms.filter(state="acknowledged"):
        assert a.raised_at < a.acknowledged_at <= NOW
        assert (a.acknowledged_at - a.raised_at > dt.timedelta(minutes=15)) == (a.stage > 0), a.pk
    # The roster of every town for the past weeks and the coming one; the log and handovers.
    today = dt.date(2026, 11, 30)
    for town in {e.town_id for e in events}:
        days = set(DutyDay.objects.filter(town_id=town).values_list("date", flat=True))
        want = {today - dt.timedelta(days=i) for i in range(7 * DUTY_WEEKS)} | {today + dt.timedelta(days=6)}
        assert want <= days, town
    assert DutyLogEntry.objects.filter(author__username="town_operator").count() >= 7 * DUTY_WEEKS
    assert DutyLogEntry.objects.filter(event__isnull=False).exists()
    handovers = DutyHandover.objects.filter(outgoing__username__in=["duty_leader", "town_leader"])
    assert handovers.count() >= 7 * DUTY_WEEKS - 2 and handovers.filter(confirmed_by__username="duty_leader").exists()

    # Work is open today in every state, for every town.
    open_today = Counter(Event.objects.values_list("status", flat=True))
    for status in ("reported", "accepted", "dispatched", "handling", "shelved", "feedback", "closed", "rated",
                   "voided"):
        assert open_today[status] > 0, status
    assert Event.objects.filter(location_status="unplaced").exists()
    assert Event.objects.filter(is_overdue=True, status__in=["handling", "dispatched", "feedback"]).exists() \
        or Deadline.objects.filter(state="overdue", kind__in=["handle", "sign"]).exists()
    assert Assignment.objects.filter(disputed_at__isnull=False, arbitrated_at__isnull=True,
                                     status__in=["signed", "dispatched"]).exists()
    assert ExtensionRequest.objects.filter(status="pending").exists()
    towns = {e.town_id for e in events}
    assert len(towns) == 4 and all(
        Event.objects.filter(town_id=t, status__in=["reported", "accepted", "dispatched", "handling"]).exists()
        for t in towns)
    assert len(BACKLOG) * len(towns) == sum(n for k, n in h.stories.items() if k.endswith("(open today)"))

    # The demo logins did their part; history staff have no password anyone knows.
    assert EventActivity.objects.filter(actor__username="grid_worker").exists()
    assert EventActivity.objects.filter(actor__username="town_operator").exists()
    assert EventActivity.objects.filter(actor__username="department_staff").exists()
    # ... and find work in their queues on first start: the demo post's assignments (the board
    # leader's too), the demo town's open alarms (the duty leader's and the commander's).
    post = RoleGrant.objects.get(user__username="post_staff").post
    board = RoleGrant.objects.get(user__username="board_leader").board
    queue = handler_queue(user=None, keys={("post", post.pk)})
    assert {a.status for a in queue} >= {"dispatched", "signed"}
    assert handler_queue(user=None, keys=set(), board_ids={board.pk}).count() >= queue.count()
    town = RoleGrant.objects.get(user__username="commander").area
    assert {a.stage for a in Alarm.objects.filter(town=town, state="open")} >= {0, 1}
    for login in ("commander", "duty_leader"):
        user = User.objects.get(username=login)
        assert open_alarms(user=user, towns=[town]), login
    staff = User.objects.filter(username__regex=HISTORY_STAFF_RE)
    assert staff.exists() and not any(u.has_usable_password() for u in staff)
    audit = AuditEntry.objects.get(action="demo.history")
    assert (audit.data["events"], audit.data["until"]) == (h.events, NOW.isoformat())

    # Seeding again changes nothing; --force replaces the city and its untouched history.
    out = StringIO()
    call_command("seed_demo", "--scale", "small", "--seed", "1", stdout=out)
    assert "already exists" in out.getvalue() and Event.objects.count() == h.events
    call_command("seed_demo", "--scale", "small", "--seed", "2", "--force", "--history", "0", stdout=StringIO())
    assert Event.objects.count() == 0 and EventActivity.objects.count() == 0 and Deadline.objects.count() == 0
    assert not User.objects.filter(username__regex=HISTORY_STAFF_RE).exists()
    assert User.objects.count() == len(DEMO_USERS)


@pytest.mark.django_db
def test_history_zero_creates_no_events():
    out = StringIO()
    call_command("seed_demo", "--scale", "small", "--seed", "3", "--history", "0", stdout=out)
    assert "Demo city seeded" in out.getvalue()
    assert Event.objects.count() == 0 and not AuditEntry.objects.filter(action="demo.history").exists()
    assert seed_demo(scale="small", seed=3, force=True).history is None  # the function's default: none
    assert Event.objects.count() == 0


@pytest.mark.django_db
def test_history_is_deterministic_and_force_refuses_once_someone_worked_on_it():
    def run(seed_force):
        seed_demo(scale="small", seed=7, history=1, history_rate=0.05, now=NOW, strict_history=True,
                  force=seed_force)
        return [(e.number, e.title, e.status, e.channel, e.reported_at, e.closed_at)
                for e in Event.objects.order_by("number")]

    first = run(False)
    assert len(first) > 40
    assert run(True) == first  # --force over an untouched history: the same history again
    _check_invariants(list(Event.objects.select_related("town", "duplicate_of")))
    event = Event.objects.filter(status="handling").first()
    event_note(event=event, action="photo", actor=None, role="system", comment="现场照片")  # today, after NOW
    with pytest.raises(CommandError, match=re.escape("work on the demo events since they were seeded")):
        call_command("seed_demo", "--scale", "small", "--seed", "7", "--force", "--history", "0",
                     stdout=StringIO())
    assert [(e.number, e.status) for e in Event.objects.order_by("number")] == [(n, s) for n, _t, s, *_ in first]
