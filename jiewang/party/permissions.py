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
from jiewang.core.scope import Action, ancestor_ids, register_scope, subtree_q

KEEPERS = frozenset({Role.PARTY_STAFF, Role.COMMANDER})
HANDLERS = KEEPERS | {Role.COMMUNITY_STAFF}
VIEWERS = HANDLERS | {Role.TOWN_LEADER, Role.DISTRICT_ADMIN, Role.DEPUTY_COMMANDER}
# Who may see a member's phone in clear (each read audited); everyone else sees it masked.
UNMASKERS = KEEPERS


def _path_q(grants, user, action):
    return subtree_q("area_path", grants)


def _street_q(grants, user, action):
    """A street's resources: kept over the street's subtree, and read also by the communities below it
    (who match their needs with them)."""
    q = subtree_q("area_path", grants)
    if action == Action.VIEW:
        q |= Q(street_id__in=ancestor_ids(grants))
    return q


def _own(field: str):
    """Scope that adds the member's own rows to the area rule (for reading)."""

    def to_q(grants, user, action):
        q = subtree_q("area_path", grants)
        if action == Action.VIEW:
            q |= Q(**{field: user.pk})
        return q

    return to_q


def community_path(path: str) -> str:
    """The path of the community (村社, the fourth level) an area path lies in ("" above it)."""
    ids = [x for x in path.strip("/").split("/") if x]
    return "/" + "/".join(ids[:4]) + "/" if len(ids) >= 4 else ""


def _wish_q(grants, user, action):
    """Wishes: the area's staff (and grid workers of the grid); the requester and poster; the claimant;
    on the wish board, the published wishes of the community a member reported in to, and of a
    resident's own community."""
    from .choices import WishStatus
    from .models import ReportIn

    staff = [g for g in grants if g.role != Role.RESIDENT]
    q = subtree_q("area_path", staff)
    if action != Action.VIEW:
        return q
    q |= Q(requester_id=user.pk) | Q(posted_by_id=user.pk) | Q(claimant_member__user_id=user.pk)
    q |= Q(status=WishStatus.PUBLISHED, community_id__in=ReportIn.objects.filter(
        member__user_id=user.pk, status="confirmed").values("community_id"))
    for g in grants:
        if g.role == Role.RESIDENT and community_path(g.path):
            q |= Q(status=WishStatus.PUBLISHED, area_path__startswith=community_path(g.path))
    return q


def _transfer_q(grants, user, action):
    """A transfer is seen (and kept) by the keepers of either organization: the one left and the one joined."""
    return subtree_q("from_path", grants) | subtree_q("to_path", grants)


def register() -> None:
    from .models import (CoBuilding, FollowUp, Meeting, MemberTransfer, Need, Officer, PartyMember, PartyOrg, Project,
                         ReportIn, Resource, ServiceRecord, UnitReportIn, Wish, YearlyEvaluation)

    # The three lists: communities keep needs and projects; the street keeps resources and its conference.
    for model in (Need, Project):
        register_scope(model, roles={Action.VIEW: VIEWERS, Action.ADD: HANDLERS, Action.CHANGE: HANDLERS},
                       to_q=_path_q)
    register_scope(Resource, roles={Action.VIEW: VIEWERS, Action.ADD: KEEPERS, Action.CHANGE: KEEPERS},
                   to_q=_street_q)
    for model in (Meeting, FollowUp):
        register_scope(model, roles={Action.VIEW: VIEWERS, Action.ADD: KEEPERS, Action.CHANGE: KEEPERS},
                       to_q=_path_q)

    register_scope(Wish, roles={Action.VIEW: VIEWERS | {Role.GRID_WORKER, Role.RESIDENT},
                                Action.ADD: HANDLERS | {Role.GRID_WORKER, Role.RESIDENT},
                                Action.CHANGE: HANDLERS}, to_q=_wish_q)

    for model in (PartyOrg, CoBuilding, Officer):
        register_scope(model, roles={Action.VIEW: VIEWERS, Action.ADD: KEEPERS, Action.CHANGE: KEEPERS},
                       to_q=_path_q)
    register_scope(PartyMember, roles={Action.VIEW: VIEWERS, Action.ADD: KEEPERS, Action.CHANGE: KEEPERS},
                   to_q=_own("user"))
    register_scope(MemberTransfer, roles={Action.VIEW: VIEWERS, Action.ADD: KEEPERS, Action.CHANGE: KEEPERS},
                   to_q=_transfer_q)
    register_scope(UnitReportIn, roles={Action.VIEW: VIEWERS, Action.ADD: HANDLERS, Action.CHANGE: HANDLERS},
                   to_q=_path_q)
    register_scope(ReportIn, roles={Action.VIEW: VIEWERS, Action.ADD: HANDLERS, Action.CHANGE: HANDLERS},
                   to_q=_own("member__user"))
    for model in (ServiceRecord, YearlyEvaluation):
        register_scope(model, roles={Action.VIEW: VIEWERS, Action.ADD: HANDLERS, Action.CHANGE: HANDLERS},
                       to_q=_own("report_in__member__user"))
