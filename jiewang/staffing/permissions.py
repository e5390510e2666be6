"""Who may do what with the grid's people. Everything hangs in the area tree: an assignment by
its grid (``grid_path``), a profile by the area that keeps it (``area_path``) and by the grids the
person serves. Community staff manage their community's grids, town operators and leaders their
town's, district administrators their district's; the command center's leaders and the grid
workers read (a worker: the people of the grids granted to them, and their own profile)."""

from __future__ import annotations

from django.db.models import Q

from jiewang.accounts.choices import Role
from jiewang.accounts.permissions import COMMAND_LEADERS
from jiewang.core.scope import Action, ancestor_ids, register_scope, subtree_q

# Who assigns and ends assignments and keeps profiles, within their subtree.
MANAGERS = frozenset({Role.COMMUNITY_STAFF, Role.TOWN_OPERATOR, Role.TOWN_LEADER, Role.DISTRICT_ADMIN})
VIEWERS = MANAGERS | frozenset(COMMAND_LEADERS) | {Role.GRID_WORKER}
# Who may read phone numbers whole (each read audited); everyone else sees them masked.
PHONE_READERS = MANAGERS | frozenset(COMMAND_LEADERS)
# Whom the unstaffed-grid flag reaches (inbox), at the grid's community and town.
FLAG_RECIPIENTS = frozenset({Role.COMMUNITY_STAFF, Role.TOWN_OPERATOR, Role.TOWN_LEADER})


def _member_q(grants, user, action):
    q = subtree_q("grid_path", grants)
    if action == Action.VIEW:
        q |= Q(person__user_id=user.pk)
    return q


def _person_q(grants, user, action):
    from .models import GridMember

    q = subtree_q("area_path", grants)  # the keeper's subtree: the only ones who edit a profile
    if action == Action.VIEW:
        # Readable too: the people serving the user's grids, one's own profile, and profiles kept
        # above the user's node (a town's cadres who instruct its communities' grids), so that a
        # community can assign them.
        serving = GridMember.objects.filter(subtree_q("grid_path", grants)).values("person_id")
        q |= Q(pk__in=serving) | Q(user_id=user.pk) | Q(area_id__in=ancestor_ids(grants))
    return q


def _flag_q(grants, user, action):
    return subtree_q("grid_path", grants)


def register() -> None:
    from .models import GridMember, Person, UnstaffedFlag

    register_scope(GridMember, roles={Action.VIEW: VIEWERS, Action.ADD: MANAGERS, Action.CHANGE: MANAGERS},
                   to_q=_member_q)
    register_scope(Person, roles={Action.VIEW: VIEWERS, Action.ADD: MANAGERS, Action.CHANGE: MANAGERS},
                   to_q=_person_q)
    register_scope(UnstaffedFlag, roles={Action.VIEW: MANAGERS | frozenset(COMMAND_LEADERS)}, to_q=_flag_q)
