"""Handlers' staff act on events given to their handler (:mod:`.handlers`): department staff,
post staff, and the community staff or grid workers of an area the work was sent down to; board
leaders oversee the work of their boards' posts."""

from __future__ import annotations

from django.db.models import Q

from jiewang.accounts.choices import Role
from jiewang.core.scope import Grant, user_grants

from .handlers import DEPARTMENT, assignments_q, board_q, handler_of, led_board_ids, staff_keys, user_keys


def _event_scope(grants: list[Grant], user) -> Q:
    """Events given to the user's handlers (assigned or whistled: a department, a post, an area
    the event was sent down to, possibly away from where it happened), and the work of the boards
    they lead."""
    keys = list(staff_keys(grants))
    boards = led_board_ids(grants)
    if not keys and not boards:
        return Q(pk__in=[])
    from .models import Assignment, WhistleSummons

    q = Q(pk__in=[])
    if keys:
        q |= Q(pk__in=Assignment.objects.filter(assignments_q(keys)).values("event_id"))
    depts = [pk for kind, pk in keys if kind == DEPARTMENT]
    if depts:
        q |= Q(pk__in=WhistleSummons.objects.filter(department_id__in=depts).values("whistle__event_id"))
    if boards:
        q |= Q(pk__in=Assignment.objects.filter(board_q(boards)).values("event_id"))
    return q


def _roles_on_event(actor, event) -> set[str]:
    """Staff of the handler holding the event's open lead assignment act under their handler's
    role (``department_staff``, ``post_staff``, ``community_staff``/``grid_worker`` for work sent
    down) on the event: feed back, ask for an extension. Staff of an assisting handler act as
    ``department_assist`` (photos). Their own steps on an assignment (sign for, return,
    dispute…) are the assignment's actions, allowed by its handler (``subject_handler``). A
    board leader holds ``board_leader`` on events given to a post of the board (urge, supervise)."""
    from .models import OPEN_ASSIGNMENT, Assignment, AssignmentRole

    keys = user_keys(actor)
    boards = led_board_ids(user_grants(actor))
    if not keys and not boards:
        return set()
    roles: set[str] = set()
    q = assignments_q(keys) | (board_q(boards) if boards else Q(pk__in=[]))
    for a in Assignment.objects.filter(q, event=event, status__in=OPEN_ASSIGNMENT).select_related("post"):
        role = keys.get(handler_of(a))
        if role is not None:
            roles.add(role if a.role == AssignmentRole.LEAD else "department_assist")
        if a.post_id and a.post.board_id in boards:
            roles.add(Role.BOARD_LEADER)
    return roles


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
