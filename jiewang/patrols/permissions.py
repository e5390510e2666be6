"""Who may do what with patrols and visits. Everything is placed in the area tree by its grid's
path (``area_path``):

* a grid worker (网格员) reads the rules of their grid, their own patrols and the visits of their
  grid, and starts, records and ends only their own patrols and visits;
* community staff, the town's people and district administrators read everything under their
  grants (coverage pages), community staff and above keep the rules (巡查规则).
"""

from __future__ import annotations

from django.db.models import Q

from jiewang.accounts.choices import Role
from jiewang.accounts.permissions import COMMAND_LEADERS
from jiewang.core.scope import Action, register_scope, subtree_q

WORKERS = frozenset({Role.GRID_WORKER})
READERS = frozenset({Role.COMMUNITY_STAFF, Role.TOWN_OPERATOR, Role.TOWN_LEADER, Role.DISTRICT_ADMIN,
                     Role.BOARD_LEADER, *COMMAND_LEADERS})
RULE_KEEPERS = frozenset({Role.COMMUNITY_STAFF, Role.TOWN_LEADER, Role.DISTRICT_ADMIN})


def _path_q(grants, user, action):
    return subtree_q("area_path", grants)


def _own_or_read_q(owner_field: str):
    """Readers: the subtree. Grid workers: their own rows in their grids (and, for reading visits,
    see :func:`_visit_q`)."""

    def to_q(grants, user, action):
        readers = [g for g in grants if g.role in READERS]
        workers = [g for g in grants if g.role in WORKERS]
        q = subtree_q("area_path", readers) if action == Action.VIEW else Q(pk__in=[])
        if workers:
            q |= Q(**{owner_field: user.pk}) & subtree_q("area_path", workers)
        return q

    return to_q


def _visit_q(grants, user, action):
    """A grid worker reads every visit of their grid (the household's history), writes their own."""
    if action == Action.VIEW:
        return subtree_q("area_path", grants)
    return _own_or_read_q("worker_id")(grants, user, action)


def register() -> None:
    from .models import CheckIn, Patrol, PatrolRule, Visit

    register_scope(PatrolRule, roles={Action.VIEW: READERS | WORKERS, Action.ADD: RULE_KEEPERS,
                                      Action.CHANGE: RULE_KEEPERS}, to_q=_path_q)
    register_scope(Patrol, roles={Action.VIEW: READERS | WORKERS, Action.ADD: WORKERS, Action.CHANGE: WORKERS},
                   to_q=_own_or_read_q("worker_id"))
    register_scope(CheckIn, roles={Action.VIEW: READERS | WORKERS}, to_q=_own_or_read_q_checkin)
    register_scope(Visit, roles={Action.VIEW: READERS | WORKERS, Action.ADD: WORKERS, Action.CHANGE: WORKERS},
                   to_q=_visit_q)


def _own_or_read_q_checkin(grants, user, action):
    readers = [g for g in grants if g.role in READERS]
    workers = [g for g in grants if g.role in WORKERS]
    q = subtree_q("patrol__area_path", readers)
    if workers:
        q |= Q(patrol__worker_id=user.pk) & subtree_q("patrol__area_path", workers)
    return q
