"""Scope of events: area roles see the events of their subtree (by the grid at report time),
residents see what they reported, and other apps add more (dispatching: department staff see
events assigned to their department)."""

from __future__ import annotations

from collections.abc import Callable

from django.db.models import Q

from jiewang.accounts.choices import Role
from jiewang.accounts.permissions import COMMAND_LEADERS, STAFF_ROLES
from jiewang.core.scope import Action, Grant, register_scope, subtree_q

AREA_ROLES = {Role.GRID_WORKER, Role.COMMUNITY_STAFF, Role.TOWN_OPERATOR, Role.TOWN_LEADER, Role.DISTRICT_ADMIN,
              *COMMAND_LEADERS}
# fn(grants, user) -> Q, OR-ed into the event scope.
SCOPE_EXTENSIONS: list[Callable[[list[Grant], object], Q]] = []


def _event_q(grants: list[Grant], user, action: str) -> Q:
    q = subtree_q("area_path", [g for g in grants if g.role in AREA_ROLES])
    if action == Action.VIEW:
        q |= Q(reporter_id=user.pk)
    for ext in SCOPE_EXTENSIONS:
        q |= ext(grants, user)
    return q


def register() -> None:
    from .models import Event, MatterCategory

    register_scope(Event, roles={Action.VIEW: STAFF_ROLES | {Role.RESIDENT}, Action.CHANGE: STAFF_ROLES},
                   to_q=_event_q)
    # The catalog is readable by everyone signed in; only district administrators edit it.
    register_scope(MatterCategory, roles={
        Action.VIEW: STAFF_ROLES | {Role.RESIDENT}, Action.CHANGE: {Role.DISTRICT_ADMIN},
        Action.ADD: {Role.DISTRICT_ADMIN},
    }, to_q=lambda g, u, a: Q() if g else Q(pk__in=[]))
