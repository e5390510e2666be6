"""The rollups equal a plain GROUP BY over the events after randomized histories (redo, redispatch,
return, merge, voiding, overdue marks, ratings), whatever the worker's timing: run between the
steps, run twice, or crashed in the middle of a batch."""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db.models import Count, Q
from django.db.models.functions import TruncDate

from jiewang.core.errors import ApplicationError
from jiewang.events.models import Event, EventActivity
from jiewang.stats.models import Rollup, RollupDay, RollupEventState, RollupMark, RollupMonth
from jiewang.stats.services import rollups as svc

pytestmark = pytest.mark.django_db(transaction=False)
SH = ZoneInfo("Asia/Shanghai")
DIMS = ("board_kind", "category_id", "channel", "source", "status")
POINTS = [(106.05, 29.2), (106.2, 29.2), (106.3, 29.2), (106.7, 29.5)]  # g1, g2, g3, g4
OPEN = svc.UNFINISHED


def raw_counts(tree) -> dict:
    """{(area_id, day, *DIMS): {count: n}} by a fresh GROUP BY over the events, per area node."""
    out: dict = defaultdict(lambda: defaultdict(int))
    areas = [tree.city, tree.d1, tree.d2, tree.t1, tree.t2, tree.t3, tree.c1, tree.c2, tree.c3,
             tree.g1, tree.g2, tree.g3, tree.g4]
    for area in areas:
        base = Event.objects.filter(area_path__startswith=area.path).order_by()
        by_report = base.annotate(day=TruncDate("reported_at", tzinfo=SH)).values("day", *DIMS).annotate(
            new=Count("id"), voided=Count("id", filter=Q(status="voided")), open=Count("id", filter=Q(status__in=OPEN)),
            overdue=Count("id", filter=Q(is_overdue=True) & ~Q(status="voided")),
            open_overdue=Count("id", filter=Q(is_overdue=True, status__in=OPEN)))
        by_close = base.filter(status__in=["closed", "rated"], closed_at__isnull=False) \
            .annotate(day=TruncDate("closed_at", tzinfo=SH)).values("day", *DIMS).annotate(
                closed=Count("id"), closed_on_time=Count("id", filter=Q(is_overdue=False)),
                rated=Count("id", filter=~Q(satisfaction="")),
                satisfied=Count("id", filter=Q(satisfaction="satisfied")),
                basically=Count("id", filter=Q(satisfaction="basically")))
        for rows in (by_report, by_close):
            for r in rows:
                key = (area.id, r.pop("day"), *(r.pop(d) for d in DIMS))
                for k, v in r.items():
                    if v:
                        out[key][k] += v
    return {k: dict(v) for k, v in out.items()}


def coarser_tables_agree() -> None:
    """RollupMonth and RollupDay hold the sums of Rollup's rows at their grain, and no zero rows."""
    for model, grain in ((RollupMonth, ("area_id", "month", "board_kind", "category_id")),
                         (RollupDay, ("area_id", "day"))):
        want: dict = defaultdict(lambda: defaultdict(int))
        for r in Rollup.objects.values("area_id", "day", "board_kind", "category_id", *svc.COUNTS):
            r["month"] = r["day"].replace(day=1)
            key = tuple(r[g] for g in grain)
            for c in svc.COUNTS:
                if r[c]:
                    want[key][c] += r[c]
        got = {tuple(r[g] for g in grain): {c: r[c] for c in svc.COUNTS if r[c]}
               for r in model.objects.values(*grain, *svc.COUNTS)}
        assert got == {k: dict(v) for k, v in want.items()}, model.__name__


def rollup_counts() -> dict:
    coarser_tables_agree()
    out = {}
    for r in Rollup.objects.all().values("area_id", "day", *DIMS, *svc.COUNTS):
        key = (r.pop("area_id"), r.pop("day"), *(r.pop(d) for d in DIMS))
        counts = {k: v for k, v in r.items() if v}
        assert counts, key  # no all-zero rows are kept
        out[key] = counts
    return out


def random_history(tree, people, loop, rng: random.Random, n_events: int, apply_between: bool) -> None:
    from jiewang.dispatching.models import Assignment
    from jiewang.dispatching.services import assignments as dsvc
    from jiewang.events.models import MatterCategory
    from jiewang.events.services import actions
    from jiewang.events.services.intake import event_report
    from jiewang.events.services.sweep import deadline_sweep

    admin = people.admin
    cats = list(MatterCategory.objects.filter(parent__isnull=False, is_active=True).order_by("code")[:6])
    start = dt.datetime(2026, 11, 1, 20, 0, tzinfo=SH)  # evenings: UTC and Shanghai dates differ
    events: list[int] = []
    for step in range(n_events * 12):
        moment = start + dt.timedelta(hours=7 * step + rng.randint(0, 5))
        with time_machine.travel(moment, tick=False):
            get = lambda pk: Event.objects.get(pk=pk)  # noqa: E731
            try:
                if not events or rng.random() < 1 / 8 and len(events) < n_events:
                    ev, _ = event_report(actor=None, channel=rng.choice(["resident_web", "patrol", "hotline"]),
                                         category=rng.choice(cats), lon=rng.choice(POINTS)[0] + 0.001,
                                         lat=29.2 if rng.random() < .8 else 29.3, title=f"事件{step}")
                    events.append(ev.pk)
                    if ev.status == "reported" and ev.level == "grid":
                        actions.event_escalate(event=get(ev.pk), actor=admin, reason="上报")
                        actions.event_escalate(event=get(ev.pk), actor=admin, reason="上报")
                    continue
                pk = rng.choice(events)
                ev = get(pk)
                s = ev.status
                if s == "reported":
                    if rng.random() < .15:
                        actions.event_void(event=ev, actor=admin, reason="无效")
                    elif rng.random() < .1 and len(events) > 1:
                        other = get(rng.choice([e for e in events if e != pk]))
                        if other.status not in ("voided",) and other.duplicate_of_id is None:
                            actions.event_void(event=ev, actor=admin, reason="重复", duplicate_of=other)
                    else:
                        actions.event_accept(event=ev, actor=admin)
                elif s == "accepted":
                    if rng.random() < .1:
                        actions.event_shelve(event=ev, actor=admin, reason="长期")
                    else:
                        dsvc.event_dispatch(event=ev, actor=admin, lead=rng.choice([loop.cgj, loop.sthj]))
                elif s == "shelved":
                    actions.event_resume(event=ev, actor=admin)
                elif s == "dispatched":
                    a = Assignment.objects.filter(event=ev, role="lead", status="dispatched").first()
                    r = rng.random()
                    if a and r < .2:
                        dsvc.assignment_return(assignment=a, actor=admin, reason="非本部门职责")
                    elif r < .35:
                        dsvc.event_redispatch(event=ev, actor=admin, lead=rng.choice([loop.cgj, loop.sthj]),
                                              reason="改派")
                    elif a:
                        dsvc.assignment_sign(assignment=a, actor=admin)
                elif s == "handling":
                    actions.event_feedback(event=ev, actor=admin, comment="已办结")
                elif s == "feedback":
                    actions.event_verify(event=ev, actor=admin, passed=rng.random() < .6, comment="未整改到位")
                elif s == "closed":
                    actions.event_return_visit(event=ev, actor=admin, contacted=True, resolved=True,
                                               satisfaction=rng.choice(["satisfied", "basically", "dissatisfied"]))
            except ApplicationError:
                pass  # a refused move (e.g. a redispatch needing another state): nothing changed
            if rng.random() < .2:
                deadline_sweep(now=moment)
        if apply_between and rng.random() < .3:
            svc.rollups_apply()


@pytest.mark.parametrize("seed", [1, 2])
def test_rollups_equal_raw_counts_after_random_histories(tree, people, loop, seed):
    rng = random.Random(seed)
    random_history(tree, people, loop, rng, n_events=14, apply_between=True)
    svc.rollups_apply()
    assert rollup_counts() == raw_counts(tree)
    # A second run changes nothing; a rebuild from scratch gives the same rows.
    before = rollup_counts()
    svc.rollups_apply()
    assert rollup_counts() == before
    svc.rollups_rebuild()
    assert rollup_counts() == before
    assert RollupEventState.objects.count() == Event.objects.count()


def test_history_covers_the_hard_moves(tree, people, loop):
    """The randomized histories of the test above include the moves that change counts backwards."""
    random_history(tree, people, loop, random.Random(1), n_events=14, apply_between=False)
    acts = set(EventActivity.objects.values_list("action", flat=True))
    assert {"void", "merge", "accept", "dispatch", "sign", "feedback", "verify_pass", "verify_fail", "visit",
            "redo", "overdue", "redispatch", "return", "shelve", "resume"} - acts == set()
    assert Event.objects.filter(duplicate_of__isnull=False).exists()
    assert Event.objects.filter(rework_count__gt=0).exists()
    assert Event.objects.filter(is_overdue=True).exists()
    svc.rollups_apply()
    assert rollup_counts() == raw_counts(tree)


def test_crash_mid_batch_applies_nothing_and_the_rerun_counts_once(tree, people, loop, monkeypatch):
    random_history(tree, people, loop, random.Random(3), n_events=8, apply_between=False)
    real = svc._apply_deltas

    def crash(deltas):
        real(deltas)
        raise RuntimeError("killed")

    monkeypatch.setattr(svc, "_apply_deltas", crash)
    with pytest.raises(RuntimeError):
        svc.rollups_apply()
    assert not Rollup.objects.exists() and not RollupEventState.objects.exists() and not RollupDay.objects.exists()
    assert not RollupMark.objects.filter(activity_id__gt=0).exists()
    monkeypatch.setattr(svc, "_apply_deltas", real)
    svc.rollups_apply()
    svc.rollups_apply()
    assert rollup_counts() == raw_counts(tree)


def test_the_mark_passes_only_old_activities(tree, people, loop):
    from jiewang.events.testing import make_event

    make_event(tree, people, loop, "accepted")
    last = EventActivity.objects.order_by("-id").values_list("id", "at")[0]
    svc.rollups_apply(now=last[1])  # everything is younger than the grace: applied, the mark stays
    assert RollupMark.objects.get(pk=1).activity_id == 0
    assert Rollup.objects.filter(area_id=tree.t1.id).exists()
    svc.rollups_apply(now=last[1] + svc.GRACE + dt.timedelta(seconds=1), batch=2)
    assert RollupMark.objects.get(pk=1).activity_id == last[0]
    assert rollup_counts() == raw_counts(tree)


def test_rebuild_command(tree, people, loop):
    from django.core.management import call_command

    from jiewang.events.testing import make_event

    make_event(tree, people, loop, "closed")
    Rollup.objects.create(day=dt.date(2000, 1, 1), area_id=tree.city.id, level=1, area_path=tree.city.path,
                          board_kind="x", category_id=0, channel="x", source="x", status="x", new=5)
    call_command("rollups_rebuild")
    assert rollup_counts() == raw_counts(tree)


def test_the_worker_runs_the_job():
    from jiewang.core.worker import JOBS

    job = JOBS["stats.rollups_apply"]
    assert job.target == "jiewang.stats.services.rollups:run_periodic_apply" and job.every_seconds == 10
