"""Who may do what with party data. Every row belongs to an area's subtree (``area_path``): a role
reaches it through a grant on that area or above.

- Party-building staff (党建工作人员, granted on a district, town or community) and the town's
  commander (its party secretary) keep the organizations and members of their subtree.
- Community staff read their community's party data and handle report-ins and service hours (the
  community's party committee and its residents' committee are usually one team).
- Town leaders and district administrators read.
- A member reads their own record, report-ins, hours and evaluations (``user`` link), whatever grants
  they hold; they register their own report-in and log their own hours through the services.
"""

from __future__ import annotations

from django.db.models import Q

from jiewang.accounts.choices import Role
from jiewang.core.scope import Action, register_scope, subtree_q

KEEPERS = frozenset({Role.PARTY_STAFF, Role.COMMANDER})
HANDLERS = KEEPERS | {Role.COMMUNITY_STAFF}
VIEWERS = HANDLERS | {Role.TOWN_LEADER, Role.DISTRICT_ADMIN, Role.DEPUTY_COMMANDER}
# Who may see a member's phone in clear (each read audited); everyone else sees it masked.
UNMASKERS = KEEPERS


def _path_q(grants, user, action):
    return subtree_q("area_path", grants)


def _own(field: str):
    """Scope that adds the member's own rows to the area rule (for reading)."""

    def to_q(grants, user, action):
        q = subtree_q("area_path", grants)
        if action == Action.VIEW:
            q |= Q(**{field: user.pk})
        return q

    return to_q


def register() -> None:
    from .models import (CoBuilding, Officer, PartyMember, PartyOrg, ReportIn, ServiceRecord, UnitReportIn,
                         YearlyEvaluation)

    for model in (PartyOrg, CoBuilding, Officer):
        register_scope(model, roles={Action.VIEW: VIEWERS, Action.ADD: KEEPERS, Action.CHANGE: KEEPERS},
                       to_q=_path_q)
    register_scope(PartyMember, roles={Action.VIEW: VIEWERS, Action.ADD: KEEPERS, Action.CHANGE: KEEPERS},
                   to_q=_own("user"))
    register_scope(UnitReportIn, roles={Action.VIEW: VIEWERS, Action.ADD: HANDLERS, Action.CHANGE: HANDLERS},
                   to_q=_path_q)
    register_scope(ReportIn, roles={Action.VIEW: VIEWERS, Action.ADD: HANDLERS, Action.CHANGE: HANDLERS},
                   to_q=_own("member__user"))
    for model in (ServiceRecord, YearlyEvaluation):
        register_scope(model, roles={Action.VIEW: VIEWERS, Action.ADD: HANDLERS, Action.CHANGE: HANDLERS},
                       to_q=_own("report_in__member__user"))
