"""Department staff act on events assigned or whistled to their department."""

from __future__ import annotations

from django.db.models import Q

from jiewang.accounts.choices import Role
from jiewang.core.scope import Grant, user_grants


def department_ids(grants) -> set[int]:
    return {g.department_id for g in grants if g.role == Role.DEPARTMENT_STAFF and g.department_id}


def _event_scope(grants: list[Grant], user) -> Q:
    depts = department_ids(grants)
    if not depts:
        return Q(pk__in=[])
    from .models import Assignment, WhistleSummons

    assigned = Assignment.objects.filter(department_id__in=depts).values("event_id")
    summoned = WhistleSummons.objects.filter(department_id__in=depts).values("whistle__event_id")
    return Q(pk__in=assigned) | Q(pk__in=summoned)


def _roles_on_event(actor, event) -> set[str]:
    from .models import OPEN_ASSIGNMENT, Assignment

    depts = department_ids(user_grants(actor))
    if depts and Assignment.objects.filter(event=event, department_id__in=depts, status__in=OPEN_ASSIGNMENT).exists():
        return {Role.DEPARTMENT_STAFF}
    return set()


def register() -> None:
    from jiewang.events.permissions import SCOPE_EXTENSIONS
    from jiewang.events.roles import register_role_source

    if _event_scope not in SCOPE_EXTENSIONS:
        SCOPE_EXTENSIONS.append(_event_scope)
    register_role_source(_roles_on_event)

    from jiewang.events.services.transition import register_transition_hook

    from .services.assignments import sync_assignments

    register_transition_hook(sync_assignments)

    from .notify import on_transition

    register_transition_hook(on_transition)
