"""Who may do what with the duty (the policy of this app, beside accounts.permissions).

Everything of the duty belongs to a town; a role reaches it through a grant on the town or above
(a district administrator sees the duty of the district's towns). Reading is for the command
center's people; the roster is kept by the town's leaders; alarms are answered by a leader.
"""

from __future__ import annotations

from django.db.models import Q

from jiewang.accounts.choices import Role
from jiewang.core.errors import NotFound, PermissionDenied
from jiewang.core.scope import Action, register_scope, subtree_q, user_grants

# Who reads the roster, the alarms and the log of the towns in their subtree.
DUTY_VIEWERS = frozenset({Role.TOWN_OPERATOR, Role.TOWN_LEADER, Role.COMMANDER, Role.DEPUTY_COMMANDER,
                          Role.DUTY_LEADER, Role.DISTRICT_ADMIN})
# Who keeps the roster (排班).
ROSTER_EDITORS = frozenset({Role.COMMANDER, Role.DEPUTY_COMMANDER, Role.TOWN_LEADER, Role.DISTRICT_ADMIN})
# Who may answer an alarm (a leader: the duty leader, the commanders, a town leader; the district
# once it climbed there). Operators see alarms but answer through their leader.
ALARM_ANSWERERS = frozenset({Role.DUTY_LEADER, Role.COMMANDER, Role.DEPUTY_COMMANDER, Role.TOWN_LEADER,
                             Role.DISTRICT_ADMIN})
# The town roles whose holders may be on the roster (granted on the town itself), and those who
# may lead a day's duty (领导带班: a town leader may take it).
ROSTER_MEMBER_ROLES = frozenset({Role.TOWN_OPERATOR, Role.TOWN_LEADER, Role.COMMANDER, Role.DEPUTY_COMMANDER,
                                 Role.DUTY_LEADER})
ROSTER_LEADER_ROLES = frozenset({Role.DUTY_LEADER, Role.COMMANDER, Role.DEPUTY_COMMANDER, Role.TOWN_LEADER})


def _town_q(grants, user, action) -> Q:
    return subtree_q("town__path", grants)


def register() -> None:
    from .models import Alarm, DutyDay, DutyHandover, DutyLogEntry

    register_scope(DutyDay, roles={Action.VIEW: DUTY_VIEWERS, Action.ADD: ROSTER_EDITORS,
                                   Action.CHANGE: ROSTER_EDITORS}, to_q=_town_q)
    register_scope(Alarm, roles={Action.VIEW: DUTY_VIEWERS, Action.CHANGE: ALARM_ANSWERERS}, to_q=_town_q)
    for model in (DutyLogEntry, DutyHandover):
        register_scope(model, roles={Action.VIEW: DUTY_VIEWERS, Action.ADD: DUTY_VIEWERS,
                                     Action.CHANGE: DUTY_VIEWERS}, to_q=_town_q)


def roles_over(user, town) -> set[str]:
    """The roles ``user`` holds on ``town`` or above it."""
    if user is None:
        return set()
    return {g.role for g in user_grants(user) if town.path.startswith(g.path)}


def ensure_town_role(user, town, roles) -> str | None:
    """Raise unless ``user`` holds one of ``roles`` over ``town``: 404 when they hold no duty role
    there at all (another town's duty is not theirs to know of), 403 when they see it but may not
    do this. The system (None) and superusers pass."""
    if user is None or user.is_superuser:
        return None
    held = roles_over(user, town)
    if held & set(roles):
        return sorted(held & set(roles))[0]
    if held & DUTY_VIEWERS:
        raise PermissionDenied("您没有执行此操作的权限 / You may not do this here.", code="permission_denied")
    raise NotFound("对象不存在 / Not found.", code="not_found")
