"""Who reads and generates the monthly bulletins (the policy of this app).

A bulletin belongs to an area (a town or a district); a role reaches it through a grant on that
area or above. The command center's people (operators, town leaders, commanders, deputy
commanders, duty leaders) read their town's bulletins; a district administrator the district's
and its towns'. The town's leaders (town leader, commander, deputy commander) and the district
administrator generate a town's bulletin now; a district's only the district administrator.
Outside one's scope a bulletin does not exist (404).
"""

from __future__ import annotations

from jiewang.accounts.choices import Role
from jiewang.areas.choices import AreaLevel
from jiewang.core.scope import Action, register_scope, subtree_q, user_grants

READERS = frozenset({Role.TOWN_OPERATOR, Role.TOWN_LEADER, Role.COMMANDER, Role.DEPUTY_COMMANDER,
                     Role.DUTY_LEADER, Role.DISTRICT_ADMIN})
TOWN_GENERATORS = frozenset({Role.TOWN_LEADER, Role.COMMANDER, Role.DEPUTY_COMMANDER, Role.DISTRICT_ADMIN})
DISTRICT_GENERATORS = frozenset({Role.DISTRICT_ADMIN})


def _path_q(grants, user, action):
    return subtree_q("area_path", grants)


def register() -> None:
    from .models import Bulletin

    register_scope(Bulletin, roles={Action.VIEW: READERS, Action.ADD: TOWN_GENERATORS}, to_q=_path_q)


def roles_over(user, path: str) -> set[str]:
    """The roles ``user`` holds on the area at ``path`` or above it."""
    if user is None:
        return set()
    return {g.role for g in user_grants(user) if path.startswith(g.path)}


def generators_for(area) -> frozenset:
    return DISTRICT_GENERATORS if area.level <= AreaLevel.DISTRICT else TOWN_GENERATORS


def may_generate(user, area) -> bool:
    if user is None or user.is_superuser:
        return True
    return bool(roles_over(user, area.path) & generators_for(area))
