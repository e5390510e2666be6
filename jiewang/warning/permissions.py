"""Who may do what with early warning. Everything belongs to an area's subtree (``area_path``):
a role reaches it through a grant on that area or above. The command center's people read rules
and alerts and handle alerts; rules and devices are kept by district administrators and town
leaders (the commanders too)."""

from __future__ import annotations

from jiewang.accounts.choices import Role
from jiewang.core.scope import Action, register_scope, subtree_q

VIEWERS = frozenset({Role.TOWN_OPERATOR, Role.TOWN_LEADER, Role.COMMANDER, Role.DEPUTY_COMMANDER,
                     Role.DUTY_LEADER, Role.DISTRICT_ADMIN})
# Who handles an alert (acknowledge, convert, dismiss).
HANDLERS = VIEWERS
# Who keeps the rules and the devices.
KEEPERS = frozenset({Role.DISTRICT_ADMIN, Role.TOWN_LEADER, Role.COMMANDER})


def _path_q(grants, user, action):
    return subtree_q("area_path", grants)


def register() -> None:
    from .models import Alert, Device, WarningRule

    for model in (WarningRule, Device):
        register_scope(model, roles={Action.VIEW: VIEWERS, Action.ADD: KEEPERS, Action.CHANGE: KEEPERS},
                       to_q=_path_q)
    register_scope(Alert, roles={Action.VIEW: VIEWERS, Action.CHANGE: HANDLERS}, to_q=_path_q)
