"""Test helpers of the supervision log: services called at a frozen moment, an event dispatched
to a department, the ladder climbed by the sweeper, and the fuzz world (tests/test_api_fuzz.py)."""

from __future__ import annotations

import datetime as dt
from unittest import mock

from django.utils import timezone


def at_time(when: dt.datetime, fn, **kw):
    """Call ``fn`` with ``timezone.now()`` frozen at ``when``."""
    with mock.patch("django.utils.timezone.now", return_value=when):
        return fn(**kw)


def dispatched(tree, people, loop, *, lead=None, at=(106.05, 29.2)):
    """A town-level event of 一街道 (or where ``at`` lies) dispatched to ``lead`` (default 城管局)."""
    from jiewang.events.testing import make_event

    return make_event(tree, people, loop, "dispatched", level="town", at=at, lead=lead)


def climb(start: dt.datetime, step_hours: float = 4.0, rungs: int = 3, twice: bool = False) -> list:
    """Sweep past every clock's due moment (days after ``start``), then once per rung; ``twice``
    runs each sweep a second time at the same moment. The moments swept, in order."""
    from jiewang.events.services.sweep import deadline_sweep

    moments = [start + dt.timedelta(days=30)]
    moments += [moments[0] + dt.timedelta(hours=(step_hours + 0.5) * (i + 1)) for i in range(rungs)]
    for m in moments:
        deadline_sweep(m)
        if twice:
            deadline_sweep(m)
    return moments


def supervision_world(tree, people, loop) -> dict:
    """An entry of 一街道 issued by hand to 城管局, for the API fuzzer."""
    from .services.entries import supervision_issue

    event = dispatched(tree, people, loop)
    entry = supervision_issue(actor=people.town_operator, event=event, assignment=event.assignments.get(),
                              note="请今日回复", reply_due_at=timezone.now() + dt.timedelta(days=1))
    return {"supervision_entry_id": entry.id}
