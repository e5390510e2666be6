"""The deadline sweeper: the clocks fire with no request.

``deadline_sweep(now)`` runs in the worker every few seconds. Each step selects due rows
(row-locked, skipping rows another sweeper holds), moves them with a conditional UPDATE on their
``state``/``stage`` and writes the matching activity rows and notifications in the same
transaction. A step is therefore done exactly once: a sweeper killed mid-batch rolls back and the
next run does the batch again; a row already moved no longer matches.

The ladder after a deadline passes (each rung after ``SUPERVISION_STEP_HOURS``):
overdue → 催办 (reminder to the ones who must act) → 督办 (formal supervision by the command
center) → escalation to the upper level. Other apps react through :data:`SWEEP_LISTENERS`
(dispatching escalates a whistle summons whose report-in clock goes overdue; notifications tell
the ones who must act); the sweeper imports none of them. Only clocks that are open are swept:
an event whose work ended has none (:func:`.clocks.clock_stop_all`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import NamedTuple

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from ..models import Deadline, DeadlineState, Event, EventActivity

BATCH = 5000
STAGE_REMINDED, STAGE_SUPERVISED, STAGE_ESCALATED = 1, 2, 3
LADDER = {
    0: (STAGE_REMINDED, "remind", "催办：已超期，请尽快办理"),
    STAGE_REMINDED: (STAGE_SUPERVISED, "supervise", "督办：指挥中心正式督办"),
    STAGE_SUPERVISED: (STAGE_ESCALATED, "escalate_overdue", "超期未办，已升级至上级"),
}



class ClockRow(NamedTuple):
    """A swept clock, as listeners receive it."""

    id: int
    event_id: int
    kind: str
    subject_type: str
    subject_id: int | None


# fn(list[ClockRow], step: str, now) called inside the sweep transaction, after the step's
# conditional UPDATE (so exactly once per clock and step). Steps: deadline_warning, overdue,
# rating_window_closed, remind, supervise, escalate_overdue.
SWEEP_LISTENERS: list = []


def register_sweep_listener(fn) -> None:
    if fn not in SWEEP_LISTENERS:
        SWEEP_LISTENERS.append(fn)


@dataclass
class SweepResult:
    warned: int = 0
    overdue: int = 0
    steps: dict = field(default_factory=dict)
    summons_escalated: int = 0

    @property
    def total(self) -> int:
        return self.warned + self.overdue + sum(self.steps.values()) + self.summons_escalated


def _step_hours() -> float:
    return float(getattr(settings, "SUPERVISION_STEP_HOURS", 4))


def _batch(qs, *, order: str, limit: int | None = None):
    # Ordered by the column of the index the filter uses (state, <order>), so that the database
    # reads only the due rows: ordering by id made it walk the whole table in id order.
    # BATCH is read at call time (not bound as a default argument) so that it can be tuned.
    return [ClockRow(*r) for r in qs.select_for_update(skip_locked=True).order_by(order)
            .values_list("id", "event_id", "kind", "subject_type", "subject_id")[:limit or BATCH]]


def _activities(rows, action: str, comment: str, now, extra=None) -> None:
    EventActivity.objects.bulk_create([
        EventActivity(event_id=r.event_id, action=action, actor=None, actor_role="system", comment=comment,
                      data={"deadline": r.id, "kind": r.kind,
                            **({"subject": {"type": r.subject_type, "id": r.subject_id}} if r.subject_type else {}),
                            **(extra or {})}, at=now)
        for r in rows
    ])
    for listener in SWEEP_LISTENERS:
        listener(rows, action, now)


def _warn(now) -> int:
    done = 0
    while True:
        with transaction.atomic():
            rows = _batch(Deadline.objects.filter(state=DeadlineState.RUNNING, warn_at__lte=now, due_at__gt=now),
                          order="warn_at")
            if not rows:
                return done
            n = Deadline.objects.filter(id__in=[r[0] for r in rows], state=DeadlineState.RUNNING) \
                .update(state=DeadlineState.WARNED, warned_at=now)
            _activities(rows, "deadline_warning", "临期预警", now)
            done += n


def _overdue(now) -> tuple[int, int]:
    done = [0, 0]
    # The first rung (催办) comes one step after the overdue mark, not in the same sweep.
    first_step = now + dt.timedelta(hours=_step_hours())
    # One state at a time: "state = X AND due_at <= now ORDER BY due_at" is a range of the
    # (state, due_at) index on both databases; an IN list is not.
    for state in (DeadlineState.RUNNING, DeadlineState.WARNED):
        n, report_in = _overdue_state(now, state, first_step)
        done[0] += n
        done[1] += report_in
    return done[0], done[1]


def _overdue_state(now, state, first_step) -> tuple[int, int]:
    done = report_ins = 0
    while True:
        with transaction.atomic():
            rows = _batch(Deadline.objects.filter(state=state, due_at__lte=now), order="due_at")
            if not rows:
                return done, report_ins
            ids = [r[0] for r in rows]
            n = Deadline.objects.filter(id__in=ids, state=state) \
                .update(state=DeadlineState.OVERDUE, overdue_at=now, next_step_at=first_step)
            handle_events = [r.event_id for r in rows if r.kind in ("handle", "accept") and not r.subject_type]
            if handle_events:
                Event.objects.filter(id__in=handle_events).update(is_overdue=True)
            # A rating window that passes is not anybody's failure: it just closes (no ladder).
            rating = [r for r in rows if r[2] == "rate"]
            if rating:
                Deadline.objects.filter(id__in=[r[0] for r in rating]).update(stage=STAGE_ESCALATED)
                _activities(rating, "rating_window_closed", "评价期限已过，未评价", now)
            # A report-in clock has no ladder: its listener (dispatching) escalates the summons.
            report_in = [r for r in rows if r.kind == "report_in"]
            if report_in:
                Deadline.objects.filter(id__in=[r.id for r in report_in]).update(stage=STAGE_ESCALATED)
                report_ins += len(report_in)
            _activities([r for r in rows if r[2] != "rate"], "overdue", "已超期", now)
            done += n


def _ladder(now) -> dict:
    steps: dict[str, int] = {}
    for stage, (next_stage, action, comment) in LADDER.items():
        while True:
            with transaction.atomic():
                rows = _batch(Deadline.objects.filter(state=DeadlineState.OVERDUE, stage=stage,
                                                      next_step_at__lte=now).exclude(kind__in=["report_in", "rate"]),
                              order="next_step_at")
                if not rows:
                    break
                n = Deadline.objects.filter(id__in=[r[0] for r in rows], state=DeadlineState.OVERDUE, stage=stage) \
                    .update(stage=next_stage, next_step_at=now + dt.timedelta(hours=_step_hours()))
                _activities(rows, action, comment, now, {"stage": next_stage})
                if next_stage == STAGE_ESCALATED:
                    _escalate(rows, now)
                steps[action] = steps.get(action, 0) + n
    return steps


def _escalate(rows, now) -> None:
    """The last rung: events still waiting for acceptance move up a level (through the same
    service as a manual escalation, as the system); others are flagged for the district (their
    activity row is the record the upper level reads)."""
    from .actions import NEXT_LEVEL, event_escalate

    for r in rows:
        if r.kind != "accept" or r.subject_type:
            continue
        event = Event.objects.select_related("category").get(pk=r.event_id)
        if event.status != "reported" or event.level not in NEXT_LEVEL:
            continue
        event_escalate(event=event, actor=None, reason="受理超期，自动上报上级", at=now, automatic=True)


def deadline_sweep(now: dt.datetime | None = None) -> SweepResult:
    """Fire every clock that is due at ``now``. Safe to run concurrently and repeatedly."""
    now = now or timezone.now()
    result = SweepResult()
    result.warned = _warn(now)
    result.overdue, result.summons_escalated = _overdue(now)
    result.steps = _ladder(now)
    return result


def run_periodic_sweep() -> SweepResult:
    """Worker entry point."""
    return deadline_sweep()
