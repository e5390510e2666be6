"""The deadline sweeper: the clocks fire with no request.

``deadline_sweep(now)`` runs in the worker every few seconds. Each step selects due rows
(row-locked, skipping rows another sweeper holds), moves them with a conditional UPDATE on their
``state``/``stage`` and writes the matching activity rows and notifications in the same
transaction. A step is therefore done exactly once: a sweeper killed mid-batch rolls back and the
next run does the batch again; a row already moved no longer matches.

The ladder after a deadline passes (each rung after ``SUPERVISION_STEP_HOURS``):
overdue → 催办 (reminder to the ones who must act) → 督办 (formal supervision by the command
center) → escalation to the upper level. A whistle summons that passes its report-in deadline is
escalated at once.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

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

# fn(list[(deadline_id, event_id, kind, subject)], step: str, now) called inside the sweep
# transaction; the notifications app registers one to queue messages.
SWEEP_LISTENERS: list = []


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
    return list(qs.select_for_update(skip_locked=True).order_by(order)
                .values_list("id", "event_id", "kind", "subject")[:limit or BATCH])


def _activities(rows, action: str, comment: str, now, extra=None) -> None:
    EventActivity.objects.bulk_create([
        EventActivity(event_id=event_id, action=action, actor=None, actor_role="system", comment=comment,
                      data={"deadline": did, "kind": kind, "subject": subject, **(extra or {})}, at=now)
        for did, event_id, kind, subject in rows
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


def _overdue(now) -> int:
    done = 0
    # The first rung (催办) comes one step after the overdue mark, not in the same sweep.
    first_step = now + dt.timedelta(hours=_step_hours())
    # One state at a time: "state = X AND due_at <= now ORDER BY due_at" is a range of the
    # (state, due_at) index on both databases; an IN list is not.
    for state in (DeadlineState.RUNNING, DeadlineState.WARNED):
        done += _overdue_state(now, state, first_step)
    return done


def _overdue_state(now, state, first_step) -> int:
    done = 0
    while True:
        with transaction.atomic():
            rows = _batch(Deadline.objects.filter(state=state, due_at__lte=now), order="due_at")
            if not rows:
                return done
            ids = [r[0] for r in rows]
            n = Deadline.objects.filter(id__in=ids, state=state) \
                .update(state=DeadlineState.OVERDUE, overdue_at=now, next_step_at=first_step)
            handle_events = [r[1] for r in rows if r[2] in ("handle", "accept")]
            if handle_events:
                Event.objects.filter(id__in=handle_events).update(is_overdue=True)
            # A rating window that passes is not anybody's failure: it just closes (no ladder).
            rating = [r for r in rows if r[2] == "rate"]
            if rating:
                Deadline.objects.filter(id__in=[r[0] for r in rating]).update(stage=STAGE_ESCALATED)
                _activities(rating, "rating_window_closed", "评价期限已过，未评价", now)
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
    """The last rung: events still waiting for acceptance move up a level; others are flagged
    for the district (their activity row is the record the upper level reads)."""
    from .actions import NEXT_LEVEL
    from .deadlines import deadline_open
    from .transition import event_transition

    for _did, event_id, kind, _subject in rows:
        if kind != "accept":
            continue
        event = Event.objects.get(pk=event_id)
        if event.status != "reported" or event.level not in NEXT_LEVEL:
            continue
        target = NEXT_LEVEL[event.level]
        event, _ = event_transition(event=event, action="escalate", actor=None, at=now,
                                    comment="受理超期，自动上报上级",
                                    changes={"level": target, "escalation_count": event.escalation_count + 1},
                                    data={"from_level": event.level, "to_level": target, "automatic": True})
        Deadline.objects.filter(pk=_did).update(state=DeadlineState.CANCELLED, closed_at=now)
        # As a manual escalation does: the new level starts with a fresh clock and is not overdue.
        d = deadline_open(event=event, kind="accept", start=now)
        Event.objects.filter(pk=event.pk).update(due_at=d.due_at, is_overdue=False)


def _missed_summonses(now) -> int:
    from jiewang.dispatching.models import WhistleSummons
    from jiewang.dispatching.services.whistles import summons_escalate_missed

    done = 0
    while True:
        with transaction.atomic():
            # (every overdue clock has its next step set; saying so lets the partial ladder index serve)
            rows = _batch(Deadline.objects.filter(kind="report_in", state=DeadlineState.OVERDUE, stage=0,
                                                  next_step_at__isnull=False), order="next_step_at")
            if not rows:
                return done
            Deadline.objects.filter(id__in=[r[0] for r in rows], stage=0).update(stage=STAGE_ESCALATED)
            for _did, _event_id, _kind, subject in rows:
                sid = int(subject.split(":")[1])
                if summons_escalate_missed(summons=WhistleSummons(pk=sid), at=now):
                    done += 1


def deadline_sweep(now: dt.datetime | None = None) -> SweepResult:
    """Fire every clock that is due at ``now``. Safe to run concurrently and repeatedly."""
    now = now or timezone.now()
    result = SweepResult()
    result.warned = _warn(now)
    result.overdue = _overdue(now)
    result.summons_escalated = _missed_summonses(now)
    result.steps = _ladder(now)
    return result


def run_periodic_sweep() -> SweepResult:
    """Worker entry point."""
    return deadline_sweep()
