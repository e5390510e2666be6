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
    """Staff of the department holding the event's open lead assignment act as
    ``department_staff`` on the event (feed back, ask for an extension); staff of an assisting
    department as ``department_assist`` (photos). Their own steps on an assignment (sign for,
    return, dispute…) are the assignment's actions, allowed by its department."""
    from .models import OPEN_ASSIGNMENT, Assignment, AssignmentRole

    depts = department_ids(user_grants(actor))
    if not depts:
        return set()
    roles = set(Assignment.objects.filter(event=event, department_id__in=depts, status__in=OPEN_ASSIGNMENT)
                .values_list("role", flat=True))
    return ({Role.DEPARTMENT_STAFF} if AssignmentRole.LEAD in roles else set()) | (
        {"department_assist"} if AssignmentRole.ASSIST in roles else set())


def _policy_q(grants: list[Grant], user, action: str) -> Q:
    """A district's whistle policy: changed by the district's administrators, read by everyone
    at or under the district."""
    from jiewang.core.scope import Action, ancestor_ids, subtree_q

    q = subtree_q("district__path", grants)
    if action == Action.VIEW and grants:
        q |= Q(district_id__in=ancestor_ids(grants))
    return q


def register() -> None:
    from jiewang.accounts.permissions import STAFF_ROLES
    from jiewang.core.scope import Action, register_scope

    from .models import WhistlePolicy

    register_scope(WhistlePolicy, roles={Action.VIEW: STAFF_ROLES, Action.ADD: {Role.DISTRICT_ADMIN},
                                         Action.CHANGE: {Role.DISTRICT_ADMIN}}, to_q=_policy_q)

    from jiewang.events.permissions import SCOPE_EXTENSIONS
    from jiewang.events.roles import register_role_source

    if _event_scope not in SCOPE_EXTENSIONS:
        SCOPE_EXTENSIONS.append(_event_scope)
    register_role_source(_roles_on_event)

    from jiewang.core.lifecycle import check_follows
    from jiewang.events.lifecycle import EVENT
    from jiewang.events.services.sweep import register_sweep_listener
    from jiewang.events.services.transition import register_transition_hook

    from . import action_table
    from .lifecycles import LIFECYCLES
    from .notify import on_transition
    from .services.moves import follow_event
    from .services.whistles import on_sweep_report_in

    from jiewang.events.docs import register_lifecycle

    for lifecycle in LIFECYCLES:
        check_follows(lifecycle, EVENT)
        register_lifecycle(lifecycle)
    register_transition_hook(follow_event)
    register_transition_hook(on_transition)
    register_sweep_listener(on_sweep_report_in)
    action_table.register_rows()
