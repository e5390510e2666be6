"""Opening and closing deadline clocks. The sweeper that fires them lives in ``sweep.py``."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.utils import timezone

from jiewang.core.fastsql import insert

from ..choices import Urgency
from ..models import Deadline, DeadlineState, Event, MatterCategory

OPEN_STATES = (DeadlineState.RUNNING, DeadlineState.WARNED, DeadlineState.OVERDUE)

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


def deadline_open(*, event: Event, kind: str, start: dt.datetime | None = None, subject: str = "",
                  amount: float | None = None, unit: str | None = None,
                  due_at: dt.datetime | None = None, fresh: bool = False) -> Deadline:
    """Start a clock for ``kind`` (closing any open clock of the same kind and subject first;
    ``fresh=True`` for an event created in this transaction, which has none to close)."""
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
    share = getattr(settings, "DEADLINE_WARN_SHARE", 0.8)
    warn = warn_at(start, due_at, share=share, unit=unit or "calendar_hours")
    if not fresh:
        deadline_close(event=event, kinds=[kind], subject=subject, state=DeadlineState.CANCELLED, at=start)
    return insert(Deadline(event=event, kind=kind, subject=subject, started_at=start, due_at=due_at, warn_at=warn))


def deadline_close(*, event: Event, kinds: list[str] | None = None, subject: str | None = None,
                   state: str = DeadlineState.MET, at: dt.datetime | None = None) -> int:
    qs = Deadline.objects.filter(event=event, state__in=OPEN_STATES)
    if kinds:
        qs = qs.filter(kind__in=kinds)
    if subject is not None:
        qs = qs.filter(subject=subject)
    return qs.update(state=state, closed_at=at or timezone.now())
