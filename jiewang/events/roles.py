"""Which roles an actor holds *on one event*.

Area roles come from grants whose node covers the event's grid (``event.area_path`` starts with
the grant's path). Other apps add sources: dispatching adds the staff of the handlers (department,
post, area) the event is assigned to and the leaders of the boards whose posts hold it; residents hold the resident role on events they reported. The lifecycle
table's roles are checked against this set.
"""

from __future__ import annotations

from collections.abc import Callable

from jiewang.accounts.choices import Role
from jiewang.core.scope import user_grants

# Roles that hold nothing by the area alone: they come from what the event is given to
# (dispatching's role source) or from having reported it.
NOT_AREA_ROLES = frozenset({Role.DEPARTMENT_STAFF, Role.POST_STAFF, Role.BOARD_LEADER, Role.RESIDENT})
# fn(actor, event) -> set of roles; registered by apps that know more relations (dispatching).
ROLE_SOURCES: list[Callable] = []


def register_role_source(fn: Callable) -> None:
    if fn not in ROLE_SOURCES:
        ROLE_SOURCES.append(fn)


def actor_roles_on_event(actor, event) -> set[str]:
    if actor is None:
        return {"system"}
    roles: set[str] = set()
    for g in user_grants(actor):
        if g.role in NOT_AREA_ROLES:
            continue
        if event.area_path.startswith(g.path):
            roles.add(g.role)
    if event.reporter_id is not None and event.reporter_id == actor.pk:
        roles.add(Role.RESIDENT)
    for source in ROLE_SOURCES:
        roles |= source(actor, event)
    return roles
