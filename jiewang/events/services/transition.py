"""The one service that changes an event's status."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from jiewang.core.errors import Conflict, NotFound, PermissionDenied
from jiewang.core.fastsql import insert
from jiewang.core.scope import Action, restrict

from ..lifecycle import LEVEL_ROLES, SYSTEM, Transition, transition_for
from ..models import Event, EventActivity
from ..roles import actor_roles_on_event

# fn(event, activity) called inside the transaction after every transition: apps that keep
# state in step with the event (dispatching's assignments) register here, since events may not
# import them. Keep hooks cheap and deterministic; they share the transaction.
TRANSITION_HOOKS: list = []


def register_transition_hook(fn) -> None:
    if fn not in TRANSITION_HOOKS:
        TRANSITION_HOOKS.append(fn)


# Precedence when an actor holds several allowed roles on the event: record the most specific.
ROLE_ORDER = ["department_staff", "grid_worker", "community_staff", "town_operator", "town_leader",
              "district_admin", "resident", SYSTEM]


def pick_role(actor, event: Event, transition: Transition) -> str:
    """The role under which ``actor`` may perform ``transition`` on ``event``, or an error: 404 if
    the actor cannot see the event at all, 403 if it can but holds none of the roles."""
    if actor is not None and actor.is_superuser:
        return "superuser"
    allowed = set(transition.roles)
    if transition.level_bound:
        allowed &= set(LEVEL_ROLES.get(event.level, ())) | {SYSTEM}
    held = actor_roles_on_event(actor, event) & allowed
    if held:
        return sorted(held, key=lambda r: ROLE_ORDER.index(r) if r in ROLE_ORDER else 99)[0]
    if actor is not None and not restrict(Event.objects.filter(pk=event.pk), actor, Action.VIEW).exists():
        raise NotFound("事件不存在 / Event not found.", code="event.not_found")
    raise PermissionDenied(f"您无权执行「{transition.label}」/ You may not do '{transition.action}' here"
                           f" (the event is held at level '{event.level}').",
                           code="event.action_not_permitted", fields={"action": transition.action})


@transaction.atomic
def event_transition(*, event: Event, action: str, actor, comment: str = "", data: dict | None = None,
                     expected_version: int | None = None, changes: dict | None = None,
                     at=None) -> tuple[Event, EventActivity]:
    """Move ``event`` by ``action`` (a row of the lifecycle table).

    Locks the row, refuses a stale ``expected_version`` (409, nothing changed), checks the move
    against the table (409 ``event.transition_not_allowed``) and the actor's roles on the event,
    sets the new status and the step's timestamp, applies ``changes`` (other fields the step
    sets, e.g. ``level``), bumps ``version`` and appends one activity row.
    """
    at = at or timezone.now()
    locked = Event.objects.select_for_update().get(pk=event.pk)
    if expected_version is not None and locked.version != expected_version:
        raise Conflict("事件已被他人处理，请刷新 / The event changed since you read it; reload.",
                       code="event.stale", fields={"version": locked.version})
    t = transition_for(action, locked.status)
    role = pick_role(actor, locked, t)
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
    activity = insert(EventActivity(
        event=locked, action=action, from_status=before, to_status=t.target, actor=actor,
        actor_role=role, comment=comment, data=data or {}, at=at,
    ))
    for hook in TRANSITION_HOOKS:
        hook(locked, activity)
    return locked, activity


def event_note(*, event: Event, action: str, actor, role: str = "", comment: str = "", data: dict | None = None,
               at=None) -> EventActivity:
    """Append an activity that does not change the status (a reminder, a whistle, a photo…)."""
    return insert(EventActivity(event=event, action=action, from_status=event.status, to_status=event.status,
                                actor=actor, actor_role=role, comment=comment, data=data or {},
                                at=at or timezone.now()))
