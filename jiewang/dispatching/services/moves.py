"""The one place that changes the status of an assignment, a whistle summons, an extension
request or a whistle request: :func:`move` applies a row of its lifecycle table (:mod:`jiewang.dispatching.lifecycles`)
and stops the row's own clocks when it ends. :func:`follow_event` (a transition hook of the
events app) applies the moves that follow an event move, as the tables say."""

from __future__ import annotations

from jiewang.events.lifecycle import ENDED
from jiewang.events.services.clocks import clock_stop

from ..lifecycles import ASSIGNMENT, EXTENSION, SUMMONS, WHISTLE_REQUEST
from ..models import Assignment, AssignmentStatus, ExtensionRequest, Whistle, WhistleRequest, WhistleSummons

# Statuses after which a row's own clocks stop, and how (met: the step was done).
_ENDS = {
    AssignmentStatus.DONE: "met", AssignmentStatus.RETURNED: "cancelled", AssignmentStatus.WITHDRAWN: "cancelled",
}
# What a following move also records from the event's activity.
_FOLLOW_CHANGES = {"lead_feedback": lambda activity: {"feedback": activity.comment}}


def move(obj, name: str, *, at, changes: dict | None = None):
    """Move ``obj`` (locked by the caller) by its lifecycle's row ``name``."""
    if isinstance(obj, Assignment):
        m = ASSIGNMENT.apply(obj, name, at=at, changes=changes)
        if name == "sign":
            clock_stop(event=obj.event, kinds=["sign"], subject=obj, at=at)
        elif m.target in _ENDS:
            clock_stop(event=obj.event, subject=obj, state=_ENDS[m.target], at=at)
        return m
    if isinstance(obj, WhistleSummons):
        m = SUMMONS.apply(obj, name, at=at, changes=changes)
        if name in ("report_in", "report_in_late"):
            clock_stop(event=obj.whistle.event, kinds=["report_in"], subject=obj, at=at)
        return m
    if isinstance(obj, ExtensionRequest):
        return EXTENSION.apply(obj, name, at=at, changes=changes)
    if isinstance(obj, WhistleRequest):
        return WHISTLE_REQUEST.apply(obj, name, at=at, changes=changes)
    raise TypeError(f"no lifecycle for {type(obj).__name__}")


def follow_event(event, activity) -> None:
    """Transition hook: apply the assignment, extension and whistle-request moves that follow
    ``activity``'s move; when the event's work ends, its open whistles close."""
    at = activity.at
    for lifecycle, model in ((ASSIGNMENT, Assignment), (EXTENSION, ExtensionRequest),
                             (WHISTLE_REQUEST, WhistleRequest)):
        for m in lifecycle.followers(activity.action):
            rows = model.objects.select_for_update().filter(event=event, status__in=m.sources, **dict(m.where))
            extra = _FOLLOW_CHANGES.get(m.name)
            for row in rows.order_by("id"):
                row.event = event
                move(row, m.name, at=at, changes=extra(activity) if extra else None)
    if activity.to_status in ENDED:
        Whistle.objects.filter(event=event, closed_at__isnull=True).update(closed_at=at)
