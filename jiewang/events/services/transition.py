"""The one service that changes an event's status.

Callers are the services of the actions (:mod:`.actions`, dispatching's services, the sweeper):
each has already authorized its actor with :func:`jiewang.events.registry.authorize` and passes
the role that returned.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from jiewang.core.errors import Conflict

from ..lifecycle import ENDED, transition_for
from ..models import Event, EventActivity
from .clocks import clock_stop, clock_stop_all

# fn(event, activity) called inside the transaction after every transition: apps that keep
# state in step with the event (dispatching's assignments follow the event's moves; notifications)
# register here, since events may not import them. Keep hooks cheap; they share the transaction.
TRANSITION_HOOKS: list = []


def register_transition_hook(fn) -> None:
    if fn not in TRANSITION_HOOKS:
        TRANSITION_HOOKS.append(fn)


# fn(event, activity) called inside the transaction after every activity written by a person's
# (or the system's) act on the event: each transition and each note (event_note). Apps that react
# to *someone acting on the event*, moving it or not, register here (the supervision log settles
# its entries when their addressee acts). The sweeper's bulk rows do not pass here.
ACTIVITY_HOOKS: list = []


def register_activity_hook(fn) -> None:
    if fn not in ACTIVITY_HOOKS:
        ACTIVITY_HOOKS.append(fn)


@transaction.atomic
def event_transition(*, event: Event, action: str, actor, role: str, comment: str = "", data: dict | None = None,
                     expected_version: int | None = None, changes: dict | None = None, at=None,
                     met: tuple[str, ...] = ()) -> tuple[Event, EventActivity]:
    """Move ``event`` by ``action`` (a move of the lifecycle table), as ``actor`` in ``role``.

    Locks the row, refuses a stale ``expected_version`` (409, nothing changed), checks the move
    against the table (409 ``event.transition_not_allowed``), sets the new status and the move's
    timestamp, applies ``changes`` (other fields the step sets, e.g. ``level``), bumps
    ``version`` and appends one activity row. Clocks of the ``met`` kinds stop as met; when the
    work ends (closed, rated, voided) every other clock stops too.
    """
    at = at or timezone.now()
    locked = Event.objects.select_for_update().get(pk=event.pk)
    if expected_version is not None and locked.version != expected_version:
        raise Conflict("事件已被他人处理，请刷新 / The event changed since you read it; reload.",
                       code="event.stale", fields={"version": locked.version})
    t = transition_for(action, locked.status)
    before = locked.status
    locked.status = t.target
    written = {"status", "version"}
    if t.stamp:
        setattr(locked, t.stamp, at)
        written.add(t.stamp)
    for key, value in (changes or {}).items():
        setattr(locked, key, value)
        written.add(key)
    locked.version += 1
    locked.save(update_fields=sorted(written))  # only what the step changed
    activity = EventActivity.objects.create(
        event=locked, action=action, from_status=before, to_status=t.target, actor=actor,
        actor_role=role, comment=comment, data=data or {}, at=at,
    )
    if t.target in ENDED:
        clock_stop_all(event=locked, at=at, met=met)
    elif met:
        clock_stop(event=locked, kinds=list(met), at=at)
    for hook in TRANSITION_HOOKS:
        hook(locked, activity)
    for hook in ACTIVITY_HOOKS:
        hook(locked, activity)
    return locked, activity


def event_note(*, event: Event, action: str, actor, role: str = "", comment: str = "", data: dict | None = None,
               at=None) -> EventActivity:
    """Append an activity that does not change the status (a reminder, a whistle, a photo…)."""
    activity = EventActivity.objects.create(event=event, action=action, from_status=event.status,
                                            to_status=event.status, actor=actor, actor_role=role, comment=comment,
                                            data=data or {}, at=at or timezone.now())
    for hook in ACTIVITY_HOOKS:
        hook(event, activity)
    return activity
