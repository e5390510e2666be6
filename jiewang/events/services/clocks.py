"""The clock service: the only code that starts, stops, pauses, resumes and resets deadlines,
and the only writer of ``Event.due_at`` (the event's main clock, denormalized for lists).

A clock is a :class:`~jiewang.events.models.Deadline` row of a ``kind`` (accept, sign, handle,
verify, rate, report_in) on an event, optionally about a subject of another app given as typed
fields (``subject_type`` = ``assignment`` or ``summons``, ``subject_id``). At most one clock of a
kind is open per event and per subject (database constraints). The sweeper
(:mod:`.sweep`) fires the open ones; when an event's work ends (closed, rated, voided or
merged) :func:`clock_stop_all` stops every clock that is left, so the sweeper never touches it
again. The rating window, started at closure, is the only clock a closed event keeps.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.utils import timezone

from jiewang.core.fastsql import insert

from ..choices import Urgency
from ..models import ClockSubject, Deadline, DeadlineState, Event, MatterCategory

OPEN_STATES = (DeadlineState.RUNNING, DeadlineState.WARNED, DeadlineState.OVERDUE)
HELD_STATES = (*OPEN_STATES, DeadlineState.PAUSED)
# The event's main clock (shown in lists as the event's deadline): acceptance, then handling.
MAIN_KINDS = ("accept", "handle")

# Used when a category names no limit for a step: (amount, unit).
FALLBACK_LIMITS = {
    "accept": (2, "working_hours"),
    "sign": (2, "working_hours"),
    "handle": (5, "working_days"),
    "verify": (1, "working_days"),
    "rate": (7, "calendar_days"),
    "report_in": (2, "working_hours"),
    "supervise": (1, "working_days"),
}
URGENCY_FALLBACK = {Urgency.URGENT: 0.5, Urgency.EMERGENCY: 0.1}


def limit_for(category: MatterCategory | None, urgency: str, step: str) -> tuple[float, str]:
    """The (amount, unit) a category allows for ``step`` at ``urgency``. An urgency without its own
    entry shortens the normal limit by a fixed share."""
    table = (category.deadlines if category else {}) or {}
    own = (table.get(urgency) or {}).get(step)
    if own:
        return float(own[0]), own[1]
    normal = (table.get(Urgency.NORMAL) or {}).get(step)
    amount, unit = (float(normal[0]), normal[1]) if normal else FALLBACK_LIMITS[step]
    return amount * URGENCY_FALLBACK.get(urgency, 1.0), unit


def _subject(subject) -> tuple[str, int | None]:
    """``subject`` as typed fields: None → the event; a model instance → (its type, its id)."""
    if subject is None:
        return ClockSubject.EVENT, None
    kind = subject._meta.model_name
    types = {"assignment": ClockSubject.ASSIGNMENT, "whistlesummons": ClockSubject.SUMMONS}
    return types[kind], subject.pk


def _set_event_due(event: Event, due_at, *, overdue: bool | None = None) -> None:
    fields = {"due_at": due_at}
    if overdue is not None:
        fields["is_overdue"] = overdue
    Event.objects.filter(pk=event.pk).update(**fields)
    for k, v in fields.items():
        setattr(event, k, v)


def clock_start(*, event: Event, kind: str, start: dt.datetime | None = None, subject=None,
                amount: float | None = None, unit: str | None = None, due_at: dt.datetime | None = None,
                fresh: bool = False) -> Deadline:
    """Start (or reset) the clock of ``kind`` on ``event`` (about ``subject``): any open clock of
    the same kind and subject is cancelled first (``fresh=True`` for an event created in this
    transaction, which has none). The limit comes from the category unless ``amount``/``unit``
    or an explicit ``due_at`` is given. A main clock becomes the event's ``due_at``."""
    from jiewang.core.worktime import deadline_after, warn_at

    start = start or timezone.now()
    if due_at is None and amount is None and kind == "handle" and event.external_due_at is not None:
        # A 12345 work order carries the hotline's own handling deadline, the one the hotline
        # assesses: it stays the handling clock when the event is accepted, signed for or
        # reopened, instead of being replaced by the category's limit. (An approved extension
        # passes its own ``due_at`` and still wins.)
        due_at, unit = event.external_due_at, "calendar_hours"
    if due_at is None:
        if amount is None:
            amount, unit = limit_for(event.category, event.urgency, kind)
        due_at = deadline_after(start, amount, unit)
    unit = unit or "calendar_hours"
    share = getattr(settings, "DEADLINE_WARN_SHARE", 0.8)
    warn = warn_at(start, due_at, share=share, unit=unit)
    subject_type, subject_id = _subject(subject)
    if not fresh:
        _close(event=event, kinds=[kind], subject=(subject_type, subject_id), state=DeadlineState.CANCELLED,
               at=start, states=HELD_STATES)
    d = Deadline(event=event, kind=kind, subject_type=subject_type, subject_id=subject_id, unit=unit,
                 started_at=start, due_at=due_at, warn_at=warn)
    if fresh:  # intake, the benchmarked hot path: one compiled INSERT (core.fastsql)
        d = insert(d)
    else:
        d.save(force_insert=True)
    if kind in MAIN_KINDS and subject_id is None and not fresh:
        _set_event_due(event, due_at, overdue=False)
    return d


def _close(*, event: Event, kinds, subject, state, at, states=OPEN_STATES) -> int:
    qs = Deadline.objects.filter(event=event, state__in=states)
    if kinds:
        qs = qs.filter(kind__in=kinds)
    if subject is not None:
        subject_type, subject_id = subject
        qs = qs.filter(subject_type=subject_type, subject_id=subject_id)
    return qs.update(state=state, closed_at=at)


def clock_stop(*, event: Event, kinds: list[str] | None = None, subject=None, any_subject: bool = False,
               state: str = DeadlineState.MET, at: dt.datetime | None = None) -> int:
    """Stop the open (or paused) clocks of ``kinds`` (all kinds when None) on ``event``: those of
    the event itself, of one ``subject``, or of any subject (``any_subject``). ``state`` is
    ``met`` (the step was done) or ``cancelled`` (it no longer has to be)."""
    at = at or timezone.now()
    n = _close(event=event, kinds=kinds, subject=None if any_subject else _subject(subject), state=state,
               at=at, states=HELD_STATES)
    if n and subject is None and (kinds is None or set(kinds) & set(MAIN_KINDS)):
        if not Deadline.objects.filter(event=event, kind__in=MAIN_KINDS, subject_type="",
                                       state__in=HELD_STATES).exists():
            _set_event_due(event, None)
    return n


def clock_stop_all(*, event: Event, at: dt.datetime | None = None, met: tuple[str, ...] = ()) -> int:
    """The event's work is over: clocks of ``met`` kinds are met, every other clock (of the event
    and of every subject) is cancelled."""
    at = at or timezone.now()
    n = 0
    if met:
        n += _close(event=event, kinds=list(met), subject=None, state=DeadlineState.MET, at=at, states=HELD_STATES)
    n += _close(event=event, kinds=None, subject=None, state=DeadlineState.CANCELLED, at=at, states=HELD_STATES)
    _set_event_due(event, None)
    return n


def clock_pause(*, event: Event, at: dt.datetime | None = None) -> int:
    """Pause every open clock of the event (挂账): each keeps the time it had left."""
    from jiewang.core.worktime import WORKING_UNITS, working_time_between

    at = at or timezone.now()
    paused = 0
    for d in Deadline.objects.filter(event=event, state__in=OPEN_STATES):
        if d.unit in WORKING_UNITS:
            left = working_time_between(at, d.due_at)
        else:
            left = d.due_at - at
        paused += Deadline.objects.filter(pk=d.pk, state=d.state).update(
            state=DeadlineState.PAUSED, paused_at=at, remaining=max(left, dt.timedelta(0)), next_step_at=None)
    _set_event_due(event, None)
    return paused


def clock_resume(*, event: Event, at: dt.datetime | None = None) -> list[Deadline]:
    """Resume the paused clocks of the event: each runs again for the time it had left (at least
    its step's warning share of a working hour, so a clock paused when already due is not
    overdue the instant it resumes)."""
    from jiewang.core.worktime import WORKING_UNITS, add_working_hours, warn_at

    at = at or timezone.now()
    share = getattr(settings, "DEADLINE_WARN_SHARE", 0.8)
    resumed = []
    for d in Deadline.objects.filter(event=event, state=DeadlineState.PAUSED):
        left = max(d.remaining or dt.timedelta(0), dt.timedelta(hours=1))
        due = add_working_hours(at, left) if d.unit in WORKING_UNITS else at + left
        d.state, d.started_at, d.due_at, d.stage = DeadlineState.RUNNING, at, due, 0
        d.warn_at = warn_at(at, due, share=share, unit=d.unit)
        d.paused_at = d.remaining = d.warned_at = d.overdue_at = d.next_step_at = None
        d.save(update_fields=["state", "started_at", "due_at", "warn_at", "stage", "paused_at", "remaining",
                              "warned_at", "overdue_at", "next_step_at"])
        resumed.append(d)
        if d.kind in MAIN_KINDS and not d.subject_type:
            _set_event_due(event, due, overdue=False)
    return resumed


def open_clocks(event: Event):
    """The event's clocks that are still held (open or paused)."""
    return Deadline.objects.filter(event=event, state__in=HELD_STATES)
