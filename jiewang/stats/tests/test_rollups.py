"""The rollups equal a plain GROUP BY over the events after randomized histories (redo, redispatch,
return, merge, voiding, overdue marks, ratings, assisting departments signing, feeding back and
returning), whatever the worker's timing: run between the steps, run twice, or crashed in the
middle of a batch. The situation's own tables too: the stocks, the grids' months and the overdue
departments and posts (the last against the open assignments themselves)."""

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
from jiewang.areas.choices import AreaLevel
from jiewang.stats.models import (Rollup, RollupDay, RollupEventState, RollupGridMonth, RollupMark, RollupMonth,
                                  RollupOverdueUnit, RollupStock)
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


def _nodes(path: str) -> list[int]:
    return [int(x) for x in path.strip("/").split("/") if x]


def situation_tables_agree() -> None:
    """RollupStock holds the sums of RollupDay's stocks; RollupGridMonth each grid's month (from
    Rollup's grid rows) under every node of the grid's path; RollupOverdueUnit and the states'
    ``units`` the open assignments (lead or assisting) of unfinished overdue events, by a fresh
    query over the assignments. No zero rows anywhere."""
    from jiewang.dispatching.models import OPEN_ASSIGNMENT, Assignment

    stock: dict = defaultdict(lambda: [0, 0])
    for r in RollupDay.objects.values("area_id", "open", "open_overdue"):
        stock[r["area_id"]][0] += r["open"]
        stock[r["area_id"]][1] += r["open_overdue"]
    assert {r[0]: list(r[1:]) for r in RollupStock.objects.values_list("area_id", "open", "open_overdue")} == \
        {k: v for k, v in stock.items() if any(v)}
    grid: dict = defaultdict(lambda: [0, 0])
    for r in Rollup.objects.filter(level=AreaLevel.GRID).values("area_id", "area_path", "day", "new", "voided",
                                                                 "overdue"):
        for node in _nodes(r["area_path"]):
            g = grid[(node, r["day"].replace(day=1), r["area_id"])]
            g[0] += r["new"] - r["voided"]
            g[1] += r["overdue"]
    assert {r[:3]: list(r[3:]) for r in RollupGridMonth.objects.values_list("area_id", "month", "grid_id", "new",
                                                                            "overdue")} == \
        {k: v for k, v in grid.items() if any(v)}
    pairs: dict = defaultdict(set)
    paths = {}
    for event_id, path, d, p in Assignment.objects.filter(
            status__in=OPEN_ASSIGNMENT, event__is_overdue=True, event__status__in=OPEN) \
            .values_list("event_id", "event__area_path", "department_id", "post_id"):
        pairs[event_id].add((d or 0, p or 0))
        paths[event_id] = path
    units: dict = defaultdict(int)
    for event_id, handlers in pairs.items():
        for node in _nodes(paths[event_id]):
            for d, p in handlers:
                units[(node, d, p)] += 1
    assert {r[:3]: r[3] for r in RollupOverdueUnit.objects.values_list("area_id", "department_id", "post_id",
                                                                       "overdue")} == dict(units)
    assert {e: u for e, u in RollupEventState.objects.exclude(units="").values_list("event_id", "units")} == \
        {e: ",".join(sorted(f"{d}:{p}" for d, p in v)) for e, v in pairs.items()}


def rollup_counts() -> dict:
    coarser_tables_agree()
    situation_tables_agree()
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
                        lead, other = rng.sample([loop.cgj, loop.sthj], 2)
                        dsvc.event_dispatch(event=ev, actor=admin, lead=lead,
                                            assists=[other] if rng.random() < .4 else [])
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
                    assist = Assignment.objects.filter(event=ev, role="assist",
                                                       status__in=["dispatched", "signed"]).first()
                    if assist and rng.random() < .5:
                        if rng.random() < .25:
                            dsvc.assignment_return(assignment=assist, actor=admin, reason="非本部门职责")
                        elif assist.status == "dispatched":
                            dsvc.assignment_sign(assignment=assist, actor=admin)
                        else:
                            dsvc.assignment_feedback(assignment=assist, actor=admin, comment="协办完成")
                    else:
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
    random_history(tree, people, loop, random.Random(4), n_events=14, apply_between=False)
    acts = set(EventActivity.objects.values_list("action", flat=True))
    assert {"void", "merge", "accept", "dispatch", "sign", "feedback", "verify_pass", "verify_fail", "visit",
            "redo", "overdue", "redispatch", "return", "shelve", "resume"} - acts == set()
    assert Event.objects.filter(duplicate_of__isnull=False).exists()
    assert Event.objects.filter(rework_count__gt=0).exists()
    assert Event.objects.filter(is_overdue=True).exists()
    assert {"assist_sign", "assist_feedback", "assist_return"} - acts == set()
    svc.rollups_apply()
    assert rollup_counts() == raw_counts(tree)
    assert RollupStock.objects.exists() and RollupGridMonth.objects.exists()


def test_overdue_units_follow_the_assignments(tree, people, loop):
    """An overdue event's lead and assisting departments count as overdue work, each until its
    assignment closes or the event is done; the grid's month and the stocks follow too."""
    from jiewang.dispatching.models import Assignment
    from jiewang.dispatching.services import assignments as dsvc
    from jiewang.events.services import actions
    from jiewang.events.services.sweep import deadline_sweep

    admin = people.admin
    start = dt.datetime(2026, 11, 2, 10, 0, tzinfo=SH)

    def units():
        svc.rollups_apply()
        assert rollup_counts() == raw_counts(tree)  # every table, against the raw rows
        return {r[:3]: r[3] for r in RollupOverdueUnit.objects.filter(area_id=tree.t1.id)
                .values_list("area_id", "department_id", "post_id", "overdue")}

    with time_machine.travel(start, tick=False):
        from jiewang.events.testing import make_event

        ev = make_event(tree, people, loop, "accepted")
        dsvc.event_dispatch(event=Event.objects.get(pk=ev.pk), actor=admin, lead=loop.cgj, assists=[loop.sthj])
    assert units() == {}  # not overdue yet
    later = start + dt.timedelta(days=20)
    with time_machine.travel(later, tick=False):
        deadline_sweep(now=later)
        assert Event.objects.get(pk=ev.pk).is_overdue
        t1 = tree.t1.id
        assert units() == {(t1, loop.cgj.id, 0): 1, (t1, loop.sthj.id, 0): 1}
        assert RollupOverdueUnit.objects.filter(area_id=tree.city.id).count() == 2
        assert RollupStock.objects.get(area_id=t1).open_overdue == 1
        assist = Assignment.objects.get(event=ev, role="assist")
        dsvc.assignment_return(assignment=assist, actor=admin, reason="非本部门职责")
        assert units() == {(t1, loop.cgj.id, 0): 1}
        dsvc.event_redispatch(event=Event.objects.get(pk=ev.pk), actor=admin, lead=loop.sthj, reason="改派")
        assert units() == {(t1, loop.sthj.id, 0): 1}
        lead = Assignment.objects.get(event=ev, role="lead", status="dispatched")
        dsvc.assignment_sign(assignment=lead, actor=admin)
        actions.event_feedback(event=Event.objects.get(pk=ev.pk), actor=admin, comment="已办结")
        # fed back: the lead's assignment is done (the event, awaiting verification, is still open)
        assert units() == {}
        assert RollupStock.objects.get(area_id=t1).open == 1
        actions.event_verify(event=Event.objects.get(pk=ev.pk), actor=admin, passed=True)
        assert units() == {}
    assert not RollupOverdueUnit.objects.exists() and not RollupStock.objects.exists()
    assert RollupGridMonth.objects.filter(grid_id=tree.g1.id, month=dt.date(2026, 11, 1)).count() == 5


def test_crash_mid_batch_applies_nothing_and_the_rerun_counts_once(tree, people, loop, monkeypatch):
    random_history(tree, people, loop, random.Random(3), n_events=8, apply_between=False)
    real = svc._apply_deltas

    def crash(*args):
        real(*args)
        raise RuntimeError("killed")

    monkeypatch.setattr(svc, "_apply_deltas", crash)
    with pytest.raises(RuntimeError):
        svc.rollups_apply()
    assert not any(m.objects.exists() for m in svc.TABLES)
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
