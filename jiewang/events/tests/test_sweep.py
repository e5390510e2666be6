"""The deadline sweeper fires warnings, overdue marks and the supervision ladder (催办 → 督办 →
escalation) with no request, exactly once: twice at the same instant, killed mid-sweep and
restarted, or two sweepers at the same time."""

import datetime as dt
import json
import os
import subprocess
import sys
import threading
from collections import Counter
from pathlib import Path
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from jiewang.events.models import Deadline, Event, EventActivity, MatterCategory
from jiewang.events.services import sweep
from jiewang.events.services.intake import event_report
from jiewang.events.services.sweep import deadline_sweep

SH = ZoneInfo("Asia/Shanghai")
ROOT = Path(__file__).resolve().parents[3]
LIMITS = {"normal": {"accept": [2, "working_hours"], "handle": [3, "working_days"]}}
LADDER_ACTIONS = ("deadline_warning", "overdue", "remind", "supervise", "escalate_overdue", "escalate")


def at(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=SH)


def timeline(event) -> list[str]:
    return list(EventActivity.objects.filter(event_id=event.pk).order_by("at", "id").values_list("action", flat=True))


def system_rows(action) -> list[tuple]:
    return list(EventActivity.objects.filter(action=action).order_by("id")
                .values_list("event_id", "actor_id", "actor_role", "at"))


@pytest.fixture
def category(db):
    return MatterCategory.objects.create(code="T3WD", name="三个工作日事项", board_kind="safety", deadlines=LIMITS)


@pytest.fixture(autouse=True)
def _step_hours(settings):
    settings.SUPERVISION_STEP_HOURS = 4


def report(people, category, when, *, channel="resident_web", actor=None, key=None):
    with mock.patch("django.utils.timezone.now", return_value=when):
        event, _ = event_report(actor=actor, channel=channel, category=category, lon=106.05, lat=29.2,
                                title="楼道堆物", reported_at=when, idempotency_key=key)
    return event


@pytest.mark.django_db
def test_unaccepted_event_climbs_the_ladder_and_moves_up_once(tree, people, category):
    event = report(people, category, at(2026, 9, 30, 10, 0))
    assert event.level == "grid"
    [clock] = Deadline.objects.filter(event=event)
    assert (clock.kind, clock.due_at, clock.warn_at) == ("accept", at(2026, 9, 30, 12), at(2026, 9, 30, 11, 36))

    def sweep_twice(now):
        first = deadline_sweep(now=now)
        rows = EventActivity.objects.count()
        assert deadline_sweep(now=now).total == 0, "a second sweep at the same instant must do nothing"
        assert EventActivity.objects.count() == rows
        clock.refresh_from_db()
        return first

    assert sweep_twice(at(2026, 9, 30, 11, 35)).total == 0
    r = sweep_twice(at(2026, 9, 30, 11, 36))
    assert (r.warned, r.overdue, r.steps) == (1, 0, {})
    assert (clock.state, clock.warned_at, clock.stage) == ("warned", at(2026, 9, 30, 11, 36), 0)
    assert Event.objects.get(pk=event.pk).is_overdue is False

    r = sweep_twice(at(2026, 9, 30, 12, 0))
    assert (r.warned, r.overdue, r.steps) == (0, 1, {})
    assert (clock.state, clock.overdue_at, clock.stage, clock.next_step_at) == (
        "overdue", at(2026, 9, 30, 12), 0, at(2026, 9, 30, 16))
    assert Event.objects.get(pk=event.pk).is_overdue is True
    assert timeline(event) == ["report", "deadline_warning", "overdue"]

    assert sweep_twice(at(2026, 9, 30, 15, 59)).total == 0
    r = sweep_twice(at(2026, 9, 30, 16, 0))
    assert r.steps == {"remind": 1}
    assert (clock.stage, clock.next_step_at) == (1, at(2026, 9, 30, 20))
    r = sweep_twice(at(2026, 9, 30, 20, 0))
    assert r.steps == {"supervise": 1}
    assert (clock.stage, clock.next_step_at) == (2, at(2026, 10, 1, 0))
    assert timeline(event) == ["report", "deadline_warning", "overdue", "remind", "supervise"]

    # last rung: still not accepted, so the event moves up to the community with a fresh clock
    r = sweep_twice(at(2026, 10, 1, 0, 0))
    assert r.steps == {"escalate_overdue": 1}
    assert (clock.state, clock.stage, clock.closed_at) == ("cancelled", 3, at(2026, 10, 1))
    event = Event.objects.get(pk=event.pk)
    assert (event.status, event.level, event.escalation_count, event.is_overdue) == ("reported", "community", 1, False)
    [fresh] = Deadline.objects.filter(event=event, state="running")
    # 2 working hours counted from the first working moment after the National Day break
    assert (fresh.kind, fresh.started_at, fresh.due_at) == ("accept", at(2026, 10, 1), at(2026, 10, 8, 11))
    assert event.due_at == fresh.due_at
    assert timeline(event) == ["report", "deadline_warning", "overdue", "remind", "supervise", "escalate_overdue",
                               "escalate"]
    esc = EventActivity.objects.get(event=event, action="escalate")
    assert (esc.actor_id, esc.actor_role, esc.from_status, esc.to_status, esc.data) == (
        None, "system", "reported", "reported", {"from_level": "grid", "to_level": "community", "automatic": True})
    for action in ("deadline_warning", "overdue", "remind", "supervise", "escalate_overdue"):
        [(event_id, actor, role, when)] = system_rows(action)
        assert (event_id, actor, role) == (event.pk, None, "system")
    assert EventActivity.objects.get(action="remind").data == {
        "deadline": clock.pk, "kind": "accept", "stage": 1}

    # the community's own clock starts over; nothing else fires in between
    assert sweep_twice(at(2026, 10, 8, 10, 35)).total == 0
    assert sweep_twice(at(2026, 10, 8, 10, 36)).warned == 1


@pytest.mark.django_db
def test_overdue_handling_is_supervised_and_flagged_not_moved(tree, people, category):
    from jiewang.events.services import actions

    start = at(2026, 9, 30, 10, 0)
    event = report(people, category, start, channel="hotline", actor=people.town_operator)
    with mock.patch("django.utils.timezone.now", return_value=start):
        actions.event_accept(event=event, actor=people.town_operator)
    handle = Deadline.objects.get(event=event, kind="handle")
    assert handle.due_at == at(2026, 10, 10, 10)
    for now, expected in [(at(2026, 10, 9, 14, 18), {"warned": 1}), (at(2026, 10, 10, 10), {"overdue": 1}),
                          (at(2026, 10, 10, 14), {"remind": 1}), (at(2026, 10, 10, 18), {"supervise": 1}),
                          (at(2026, 10, 10, 22), {"escalate_overdue": 1}), (at(2026, 10, 31), {})]:
        r = deadline_sweep(now=now)
        got = {k: v for k, v in {"warned": r.warned, "overdue": r.overdue, **r.steps}.items() if v}
        assert got == expected, now
        assert deadline_sweep(now=now).total == 0
    handle.refresh_from_db()
    assert (handle.state, handle.stage) == ("overdue", 3)
    event = Event.objects.get(pk=event.pk)
    assert (event.status, event.level, event.is_overdue, event.escalation_count) == ("accepted", "town", True, 0)
    assert timeline(event) == ["report", "accept", "deadline_warning", "overdue", "remind", "supervise",
                               "escalate_overdue"]
    # the ladder ends at the third rung; the one clock stays open until the event is handled
    assert Deadline.objects.filter(event=event, state__in=["running", "warned", "overdue"]).count() == 1


@pytest.mark.django_db
def test_missed_summons_is_escalated_exactly_once(tree, people, loop, category):
    from jiewang.dispatching.models import WhistleSummons
    from jiewang.dispatching.models import WhistlePolicy
    from jiewang.dispatching.services.whistles import summons_escalate_missed, summons_report_in, whistle_blow
    from jiewang.events.services import actions

    WhistlePolicy.objects.create(district=tree.d1, direct_whistle_allowed=True)  # communities whistle directly here

    blown = at(2026, 9, 30, 10, 0)
    event = report(people, category, at(2026, 9, 30, 9, 0), channel="patrol", actor=people.grid_worker)
    with mock.patch("django.utils.timezone.now", return_value=at(2026, 9, 30, 9, 0)):
        event = actions.event_escalate(event=event, actor=people.grid_worker, reason="需多部门")
    with mock.patch("django.utils.timezone.now", return_value=blown):
        w = whistle_blow(event=event, actor=people.community_staff, departments=[loop.cgj, loop.sthj],
                         problem="楼道充电火灾隐患", urgent=True, at=blown)
    assert w.report_in_due_at == at(2026, 9, 30, 10, 30)
    cgj, sthj = (WhistleSummons.objects.get(whistle=w, department=d) for d in (loop.cgj, loop.sthj))
    summons_report_in(summons=cgj, actor=loop.cgj_staff, responder_name="王队长", at=at(2026, 9, 30, 10, 20))

    assert deadline_sweep(now=at(2026, 9, 30, 10, 29)).summons_escalated == 0
    r = deadline_sweep(now=at(2026, 9, 30, 10, 30))
    assert (r.overdue, r.summons_escalated) == (1, 1)
    sthj.refresh_from_db()
    assert (sthj.status, sthj.escalated_at) == ("missed", at(2026, 9, 30, 10, 30))
    clock = Deadline.objects.get(kind="report_in", subject_type="summons", subject_id=sthj.pk)
    assert (clock.state, clock.stage) == ("overdue", 3)
    # again at the same instant, and hours later: no second escalation, no ladder for report-in
    assert deadline_sweep(now=at(2026, 9, 30, 10, 30)).total == 0
    assert deadline_sweep(now=at(2026, 10, 9, 10, 0)).summons_escalated == 0
    assert summons_escalate_missed(summons_id=sthj.pk, at=at(2026, 10, 9)) is False
    summons_rows = [(a.action, a.data.get("kind") or a.data.get("summons"), a.at) for a in
                    EventActivity.objects.filter(event=event).order_by("at", "id")
                    if a.data.get("kind") == "report_in" or a.action in ("report_in", "whistle_escalated")]
    assert summons_rows == [
        ("report_in", cgj.pk, at(2026, 9, 30, 10, 20)),
        ("deadline_warning", "report_in", at(2026, 9, 30, 10, 29)),  # 80 % of 30 min: 10:24
        ("overdue", "report_in", at(2026, 9, 30, 10, 30)),
        ("whistle_escalated", sthj.pk, at(2026, 9, 30, 10, 30)),
    ]
    assert WhistleSummons.objects.get(pk=cgj.pk).status == "reported_in"


# ---- many clocks: killed mid-sweep, concurrent sweepers ----------------------------------------

GROUPS = ("warn", "overdue", "remind", "supervise", "escalate")
PER_GROUP = 8  # with batches of 3: three batches per step
EXPECTED = {  # the activities one sweep writes for an event of each group
    "warn": ["deadline_warning"],
    "overdue": ["overdue"],
    "remind": ["remind"],
    "supervise": ["supervise"],
    "escalate": ["escalate_overdue", "escalate"],
}


def seed_clocks(people, category, now) -> dict[str, list[int]]:
    """PER_GROUP unaccepted grid events per group, their accept clocks put where each group's
    next step is due at ``now``."""
    groups: dict[str, list[int]] = {}
    reported = now - dt.timedelta(days=2)
    for g in GROUPS:
        ids = []
        for i in range(PER_GROUP):
            ids.append(report(people, category, reported, key=f"seed-{g}-{i}").pk)
        groups[g] = ids
    qs = Deadline.objects.filter(kind="accept")
    minute = dt.timedelta(minutes=1)
    qs.filter(event_id__in=groups["warn"]).update(warn_at=now - minute, due_at=now + dt.timedelta(days=1))
    qs.filter(event_id__in=groups["overdue"]).update(warn_at=now - 2 * minute, due_at=now - minute)
    qs.filter(event_id__in=groups["overdue"][::2]).update(state="warned", warned_at=now - 2 * minute)
    for g, stage in (("remind", 0), ("supervise", 1), ("escalate", 2)):
        qs.filter(event_id__in=groups[g]).update(state="overdue", stage=stage, warn_at=now - 3 * minute,
                                                 due_at=now - 2 * minute, overdue_at=now - 2 * minute,
                                                 next_step_at=now - minute)
    return groups


def assert_fired_exactly_once(groups):
    seeded = {pk: g for g, ids in groups.items() for pk in ids}
    fired = Counter(EventActivity.objects.filter(event_id__in=seeded, action__in=LADDER_ACTIONS)
                    .values_list("event_id", "action"))
    expected = Counter({(pk, a): 1 for pk, g in seeded.items() for a in EXPECTED[g]})
    assert fired == expected
    by_state = Counter(Deadline.objects.filter(event_id__in=seeded, kind="accept")
                       .exclude(state="running", stage=0, event__level="community")
                       .values_list("state", "stage"))
    assert by_state == Counter({("warned", 0): PER_GROUP, ("overdue", 0): PER_GROUP, ("overdue", 1): PER_GROUP,
                                ("overdue", 2): PER_GROUP, ("cancelled", 3): PER_GROUP})
    escalated = Event.objects.filter(pk__in=groups["escalate"])
    assert set(escalated.values_list("level", "escalation_count", "is_overdue")) == {("community", 1, False)}
    assert Deadline.objects.filter(event_id__in=groups["escalate"], kind="accept", state="running").count() == PER_GROUP
    assert Event.objects.filter(pk__in=groups["overdue"], is_overdue=True).count() == PER_GROUP


def run_sweeper(settings_dict, tmp_path, *args, wait=True):
    from tests.support.sqlite_file import database_url

    env = {**os.environ, "DATABASE_URL": database_url(settings_dict), "JIEWANG_VAR_DIR": str(tmp_path / "var"),
           "DJANGO_SETTINGS_MODULE": "config.settings", "PYTHONPATH": str(ROOT)}
    cmd = [sys.executable, *args] if args[0] == "manage.py" else [sys.executable, "tests/support/sweep_runner.py", *args]
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if not wait:
        return proc
    out, err = proc.communicate(timeout=120)
    return proc.returncode, out, err


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_sweeper_killed_mid_sweep_and_restarted_fires_each_clock_once(tree, people, category, tmp_path):
    from tests.support.sqlite_file import file_database

    now = timezone.now().replace(microsecond=0)
    with file_database() as db:
        groups = seed_clocks(people, category, now)
        base = ["--now", now.isoformat(), "--batch", "3"]
        # 1: killed inside the 2nd batch (warnings 4–6), before it commits
        code, out, err = run_sweeper(db, tmp_path, *base, "--die-at", "2", "--die-when", "before_commit")
        assert code == 9, err
        assert json.loads(out.splitlines()[-1]) == {"dying": "deadline_warning", "call": 2, "rows": 3}
        assert EventActivity.objects.filter(action="deadline_warning").count() == 3
        assert Deadline.objects.filter(state="warned", event_id__in=groups["warn"]).count() == 3
        # 2: restarted, killed right after the first batch of overdue marks commits (call 3:
        # warnings 4–6, 7–8, then overdue 1–3)
        code, out, err = run_sweeper(db, tmp_path, *base, "--die-at", "3", "--die-when", "after_commit")
        assert code == 9, err
        assert json.loads(out.splitlines()[-1]) == {"dying": "overdue", "call": 3, "rows": 3}
        assert EventActivity.objects.filter(action="deadline_warning").count() == PER_GROUP
        assert EventActivity.objects.filter(action="overdue").count() == 3
        # 3: killed inside the 2nd batch of the last rung (call 11: the rest of the overdue marks
        # — running 4, then warned 1–3, 4 (one state at a time) — remind ×3, supervise ×3,
        # escalate 1–3, then escalate 4–6), before it commits
        code, out, err = run_sweeper(db, tmp_path, *base, "--die-at", "11", "--die-when", "before_commit")
        assert code == 9, err
        assert json.loads(out.splitlines()[-1]) == {"dying": "escalate_overdue", "call": 11, "rows": 3}
        assert Counter(EventActivity.objects.filter(action__in=LADDER_ACTIONS).values_list("action", flat=True)) == {
            "deadline_warning": PER_GROUP, "overdue": PER_GROUP, "remind": PER_GROUP, "supervise": PER_GROUP,
            "escalate_overdue": 3, "escalate": 3}
        assert Event.objects.filter(pk__in=groups["escalate"], level="community").count() == 3
        # 4: restarted, runs to the end
        code, out, err = run_sweeper(db, tmp_path, *base)
        assert code == 0, err
        assert json.loads(out.splitlines()[-1]) == {"warned": 0, "overdue": 0, "steps": {"escalate_overdue": 5},
                                                    "summons_escalated": 0}
        assert_fired_exactly_once(groups)
        # 5: the real worker, a little later, finds nothing left to do
        code, out, err = run_sweeper(db, tmp_path, "manage.py", "run_worker", "--once")
        assert code == 0, err
        assert "events.deadline_sweep" in out
        assert_fired_exactly_once(groups)


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_two_sweepers_at_once_fire_each_clock_once(tree, people, category, tmp_path, monkeypatch):
    from django.db import connections

    from tests.support.sqlite_file import file_database

    monkeypatch.setattr(sweep, "BATCH", 3)
    now = timezone.now().replace(microsecond=0)
    with file_database() as db:
        groups = seed_clocks(people, category, now)
        # threads, each with its own connection
        gate, errors, results = threading.Barrier(2), [], []

        def run():
            try:
                gate.wait()
                results.append(deadline_sweep(now=now))
            except Exception as exc:  # noqa: BLE001 - asserted below
                errors.append(exc)
            finally:
                connections.close_all()

        threads = [threading.Thread(target=run) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert errors == []
        assert sum(r.warned for r in results) == PER_GROUP and sum(r.overdue for r in results) == PER_GROUP
        assert sum(r.steps.get("escalate_overdue", 0) for r in results) == PER_GROUP
        assert_fired_exactly_once(groups)

        # processes: two real sweepers racing on the same (already swept) clocks, then on new ones
        later = now + dt.timedelta(hours=4)
        procs = [run_sweeper(db, tmp_path, "--now", later.isoformat(), "--batch", "2", wait=False) for _ in range(2)]
        outs = [p.communicate(timeout=120) for p in procs]
        assert [p.returncode for p in procs] == [0, 0], [o[1] for o in outs]
        done = [json.loads(o[0].splitlines()[-1]) for o in outs]
        # four hours on, each overdue clock (first mark at `now`) takes its first rung, once
        assert sum(d["steps"].get("remind", 0) for d in done) == PER_GROUP
        assert sum(d["steps"].get("supervise", 0) for d in done) == PER_GROUP
        assert sum(d["steps"].get("escalate_overdue", 0) for d in done) == PER_GROUP
        fired = Counter(EventActivity.objects.filter(action__in=LADDER_ACTIONS).values_list("event_id", "action"))
        assert max(fired.values()) == 1


@pytest.mark.django_db(transaction=True)
def test_postgres_sweeper_skips_rows_another_sweeper_holds(tree, people, category):
    if connection.vendor != "postgresql":
        pytest.skip("row locks with SKIP LOCKED are PostgreSQL's; SQLite serializes writers instead")
    from django.db import connections

    now = timezone.now().replace(microsecond=0)
    groups = seed_clocks(people, category, now)
    held = groups["warn"][:4]
    locked, release, errors = threading.Event(), threading.Event(), []

    def hold():
        try:
            with transaction.atomic():
                list(Deadline.objects.select_for_update().filter(event_id__in=held))
                locked.set()
                release.wait(30)
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            connections.close_all()

    t = threading.Thread(target=hold)
    t.start()
    assert locked.wait(10)
    try:
        with CaptureQueriesContext(connection) as ctx:
            first = deadline_sweep(now=now)  # must not wait for the held rows
        assert any("FOR UPDATE SKIP LOCKED" in q["sql"] for q in ctx.captured_queries)
        assert first.warned == PER_GROUP - len(held)
        assert Deadline.objects.filter(event_id__in=held, state="running").count() == len(held)
    finally:
        release.set()
        t.join()
    assert errors == []
    assert deadline_sweep(now=now).warned == len(held)
    assert_fired_exactly_once(groups)


@pytest.mark.django_db
def test_a_rating_window_just_closes(tree, people, loop):
    import datetime as dt

    from jiewang.events.models import Deadline, EventActivity
    from jiewang.events.services.sweep import deadline_sweep
    from jiewang.events.testing import make_event

    e = make_event(tree, people, loop, "grid_closed")
    rate = Deadline.objects.get(event=e, kind="rate", state="running")
    later = rate.due_at + dt.timedelta(days=3)
    deadline_sweep(now=rate.warn_at + dt.timedelta(seconds=1))
    deadline_sweep(now=rate.due_at + dt.timedelta(seconds=1))
    deadline_sweep(now=later)
    actions = list(EventActivity.objects.filter(event=e, actor_role="system").values_list("action", flat=True))
    assert actions == ["deadline_warning", "rating_window_closed"]
