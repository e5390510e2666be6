"""The permission policy: which roles may do what, on which part of the tree.

Read this table to know who can do what. Each model's rule says which roles may perform each
action and how their grant paths become a query filter (see :mod:`jiewang.core.scope`). Reading
usually reaches a little further than writing: the ancestors of a user's node (for breadcrumbs and
maps) and the departments above it (whom a town dispatches to); writing never leaves the subtree.
"""

from __future__ import annotations

from django.db.models import Q

from jiewang.core.scope import Action, Grant, ancestor_ids, register_scope, subtree_q

from .choices import Role

# The town command center's leaders (指挥长, 副指挥长, 值班长): they see what a town leader sees in
# their town (events, people, boards); what they may change is the duty's (jiewang.duty).
COMMAND_LEADERS = {Role.COMMANDER, Role.DEPUTY_COMMANDER, Role.DUTY_LEADER}
STAFF_ROLES = {
    Role.GRID_WORKER, Role.COMMUNITY_STAFF, Role.TOWN_OPERATOR, Role.TOWN_LEADER,
    Role.DEPARTMENT_STAFF, Role.POST_STAFF, Role.BOARD_LEADER, Role.DISTRICT_ADMIN, *COMMAND_LEADERS,
}
ALL_ROLES = STAFF_ROLES | {Role.RESIDENT}
# Who may edit areas and boundaries (grid adjustment) within their subtree.
AREA_EDITORS = {Role.DISTRICT_ADMIN, Role.TOWN_LEADER}
# Who may read people (users) within their subtree, and who may create users and grant roles.
PEOPLE_READERS = {Role.COMMUNITY_STAFF, Role.TOWN_OPERATOR, Role.TOWN_LEADER, Role.DISTRICT_ADMIN, *COMMAND_LEADERS}
PEOPLE_MANAGERS = {Role.TOWN_LEADER, Role.DISTRICT_ADMIN}


def _tree_q(field: str, id_field: str):
    """Subtree of the grants; for VIEW also the ancestors of each grant node."""

    def to_q(grants: list[Grant], user, action: str) -> Q:
        q = subtree_q(field, grants)
        if action == Action.VIEW and grants:
            q |= Q(**{f"{id_field}__in": ancestor_ids(grants)})
        return q

    return to_q


def _user_q(grants: list[Grant], user, action: str) -> Q:
    from .models import RoleGrant

    own = Q(pk=user.pk) if action == Action.VIEW else Q(pk__in=[])
    if not grants:
        return own
    holders = RoleGrant.objects.filter(subtree_q("area__path", grants)).values("user_id")
    return own | Q(pk__in=holders)


def _grant_q(grants: list[Grant], user, action: str) -> Q:
    own = Q(user_id=user.pk) if action == Action.VIEW else Q(pk__in=[])
    return own | subtree_q("area__path", grants)


def _everything(grants: list[Grant], user, action: str) -> Q:
    """Tables of the whole deployment (not placed in the tree): all rows for a holder of the role."""
    return Q() if grants else Q(pk__in=[])


def register() -> None:
    from jiewang.areas.models import Area
    from jiewang.core.models import HolidayArrangement, HolidayArrangementDay

    from .models import Board, Department, Post, RoleGrant, User

    register_scope(Area, roles={
        Action.VIEW: ALL_ROLES, Action.ADD: AREA_EDITORS, Action.CHANGE: AREA_EDITORS,
        Action.DELETE: AREA_EDITORS,
    }, to_q=_tree_q("path", "id"))
    register_scope(User, roles={
        Action.VIEW: PEOPLE_READERS, Action.ADD: PEOPLE_MANAGERS, Action.CHANGE: PEOPLE_MANAGERS,
    }, to_q=_user_q)
    register_scope(RoleGrant, roles={
        Action.VIEW: PEOPLE_READERS, Action.ADD: PEOPLE_MANAGERS, Action.CHANGE: PEOPLE_MANAGERS,
        Action.DELETE: PEOPLE_MANAGERS,
    }, to_q=_grant_q)
    register_scope(Department, roles={
        Action.VIEW: STAFF_ROLES, Action.ADD: {Role.DISTRICT_ADMIN},
        Action.CHANGE: {Role.DISTRICT_ADMIN},
    }, to_q=_tree_q("area__path", "area_id"))
    register_scope(Board, roles={
        Action.VIEW: STAFF_ROLES, Action.ADD: {Role.TOWN_LEADER, Role.DISTRICT_ADMIN},
        Action.CHANGE: {Role.TOWN_LEADER, Role.DISTRICT_ADMIN},
    }, to_q=_tree_q("town__path", "town_id"))
    register_scope(Post, roles={
        Action.VIEW: STAFF_ROLES, Action.ADD: {Role.TOWN_LEADER, Role.DISTRICT_ADMIN},
        Action.CHANGE: {Role.TOWN_LEADER, Role.DISTRICT_ADMIN},
    }, to_q=_tree_q("board__town__path", "board__town_id"))
    # The national holiday arrangements (节假日安排): every staff member may read them (clocks say
    # when a year is provisional); district administrators load them (jiewang.holidays).
    for model in (HolidayArrangement, HolidayArrangementDay):
        register_scope(model, roles={
            Action.VIEW: STAFF_ROLES, Action.ADD: {Role.DISTRICT_ADMIN}, Action.CHANGE: {Role.DISTRICT_ADMIN},
            Action.DELETE: {Role.DISTRICT_ADMIN},
        }, to_q=_everything)
