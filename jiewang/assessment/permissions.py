"""Who may read, compute and publish assessments, and request or decide exclusions (the policy
of this app, beside accounts.permissions).

A run belongs to an area (a town or a district); a role reaches it through a grant on that area
or above. The command center's people read the runs of their town; a town's leaders (town leader,
commander, deputy commander) compute and publish the town's runs and decide the town's
exclusions; a district administrator does all of that for the district and its towns, and alone
computes and publishes the district's runs (towns and departments). Department staff read their
own department's rows of published runs (selectors). Exclusions are requested by the assessed:
grid workers, community staff, the town's operators, department staff on events they see.
"""

from __future__ import annotations

from jiewang.accounts.choices import Role
from jiewang.areas.choices import AreaLevel
from jiewang.core.errors import NotFound, PermissionDenied
from jiewang.core.scope import Action, register_scope, subtree_q, user_grants

READERS = frozenset({Role.TOWN_OPERATOR, Role.TOWN_LEADER, Role.COMMANDER, Role.DEPUTY_COMMANDER,
                     Role.DUTY_LEADER, Role.DISTRICT_ADMIN})
TOWN_DECIDERS = frozenset({Role.TOWN_LEADER, Role.COMMANDER, Role.DEPUTY_COMMANDER, Role.DISTRICT_ADMIN})
DISTRICT_DECIDERS = frozenset({Role.DISTRICT_ADMIN})
REQUESTERS = frozenset({Role.GRID_WORKER, Role.COMMUNITY_STAFF, Role.TOWN_OPERATOR, Role.DEPARTMENT_STAFF})


def _path_q(grants, user, action):
    return subtree_q("area_path", grants)


def register() -> None:
    from .models import Exclusion, Run

    register_scope(Run, roles={Action.VIEW: READERS, Action.CHANGE: TOWN_DECIDERS}, to_q=_path_q)
    register_scope(Exclusion, roles={Action.VIEW: READERS, Action.CHANGE: TOWN_DECIDERS}, to_q=_path_q)


def roles_over(user, path: str) -> set[str]:
    if user is None:
        return set()
    return {g.role for g in user_grants(user) if path.startswith(g.path)}


def deciders_for(area) -> frozenset:
    return DISTRICT_DECIDERS if area.level <= AreaLevel.DISTRICT else TOWN_DECIDERS


def ensure_role(user, path: str, roles, *, readers=READERS) -> None:
    """404 unless ``user`` reads what lies at ``path``; 403 if they read it but lack ``roles``.
    The system (None) and superusers pass."""
    if user is None or user.is_superuser:
        return
    held = roles_over(user, path)
    if held & set(roles):
        return
    if held & set(readers):
        raise PermissionDenied("您没有执行此操作的权限 / You may not do this here.", code="permission_denied")
    raise NotFound("对象不存在 / Not found.", code="not_found")


def staff_department_ids(user) -> set[int]:
    """The departments ``user`` works for (department staff grants)."""
    if user is None:
        return set()
    return {g.department_id for g in user_grants(user) if g.role == Role.DEPARTMENT_STAFF and g.department_id}
