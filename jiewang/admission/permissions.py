"""Who may do what with the duty admission list and pushed tasks.

* The list (:class:`~.models.DutyList`, :class:`~.models.DutyItem`) belongs to a district: every
  staff member in it (and the city's departments above it) reads it — pushers choose from it —;
  district administrators keep it (draft, items, publish).
* A pushed task (:class:`~.models.PushRequest`) is read by the town's command center and leaders
  and the district above, and by the one who pushed it; the command center (commander, deputy
  commander, operator) decides a held one. The community's staff read the pushes that reached
  their community or its grids (admitted or approved: what was asked of them, by whom, with the
  hours); held or refused ones never. Grid workers never read a push: they see delivered tasks
  as events on their phone.
* Data-collection records (:class:`~.models.TaskRecord`) are read and confirmed by the staff of
  the area the task went to (grid workers, community staff) and read by the center.
"""

from __future__ import annotations

from django.db.models import Q

from jiewang.accounts.choices import Role
from jiewang.accounts.permissions import STAFF_ROLES
from jiewang.core.scope import Action, ancestor_ids, register_scope, subtree_q

from .choices import PASSED

KEEPERS = frozenset({Role.DISTRICT_ADMIN})
# The town command center: it approves or refuses held pushes.
DECIDERS = frozenset({Role.COMMANDER, Role.DEPUTY_COMMANDER, Role.TOWN_OPERATOR})
PUSH_READERS = DECIDERS | {Role.TOWN_LEADER, Role.DUTY_LEADER, Role.DISTRICT_ADMIN, Role.BOARD_LEADER}
RECORD_KEEPERS = frozenset({Role.GRID_WORKER, Role.COMMUNITY_STAFF})
# Who reads the burden report (减负): the town's and district's people, departments for their own pushes.
BURDEN_READERS = PUSH_READERS | {Role.COMMUNITY_STAFF, Role.DEPARTMENT_STAFF}


def _list_q(field: str):
    def to_q(grants, user, action):
        q = subtree_q(f"{field}__path", grants)
        if action == Action.VIEW and grants:
            q |= Q(**{f"{field}_id__in": ancestor_ids(grants)})
        return q

    return to_q


def _push_q(grants, user, action):
    """The town's and district's readers: the pushes into their subtree; everyone: their own."""
    q = subtree_q("area_path", [g for g in grants if g.role in PUSH_READERS])
    if action == Action.VIEW:
        q |= Q(pushed_by_id=user.pk)
        receivers = [g for g in grants if g.role == Role.COMMUNITY_STAFF]
        if receivers:
            q |= subtree_q("area_path", receivers) & Q(status__in=PASSED)
    return q


def register() -> None:
    from .models import DutyItem, DutyList, PushRequest, TaskRecord

    register_scope(DutyList, roles={Action.VIEW: STAFF_ROLES, Action.ADD: KEEPERS, Action.CHANGE: KEEPERS},
                   to_q=_list_q("district"))
    register_scope(DutyItem, roles={Action.VIEW: STAFF_ROLES, Action.ADD: KEEPERS, Action.CHANGE: KEEPERS,
                                    Action.DELETE: KEEPERS}, to_q=_list_q("duty_list__district"))
    register_scope(PushRequest, roles={Action.VIEW: PUSH_READERS | {Role.DEPARTMENT_STAFF, Role.POST_STAFF,
                                                                     Role.COMMUNITY_STAFF},
                                       Action.CHANGE: DECIDERS}, to_q=_push_q)
    register_scope(TaskRecord, roles={Action.VIEW: RECORD_KEEPERS | PUSH_READERS, Action.CHANGE: RECORD_KEEPERS},
                   to_q=lambda grants, user, action: subtree_q("area_path", grants))
