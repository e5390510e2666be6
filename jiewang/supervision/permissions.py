"""Who reads the supervision log. The command center's people (operators, town leaders,
commanders, deputies, duty leaders) and the district administrators read the entries of the
events under their grants (``area_path``); department staff and post staff read the entries
addressed to their own department or post, wherever the event is. Nobody edits entries: they are
written by the services (the sweeper's listener, the registry row, the activity hook)."""

from __future__ import annotations

from django.db.models import Q

from jiewang.accounts.choices import Role
from jiewang.core.scope import Action, register_scope, subtree_q

CENTER = frozenset({Role.TOWN_OPERATOR, Role.TOWN_LEADER, Role.COMMANDER, Role.DEPUTY_COMMANDER,
                    Role.DUTY_LEADER, Role.DISTRICT_ADMIN})
# Who issues a 督办 by hand (the registry row ``supervise_handler``).
ISSUERS = CENTER
ADDRESSEES = frozenset({Role.DEPARTMENT_STAFF, Role.POST_STAFF})
READERS = CENTER | ADDRESSEES


def _q(grants, user, action) -> Q:
    q = subtree_q("area_path", [g for g in grants if g.role in CENTER])
    depts = {g.department_id for g in grants if g.role == Role.DEPARTMENT_STAFF and g.department_id}
    posts = {g.post_id for g in grants if g.role == Role.POST_STAFF and g.post_id}
    if depts:
        q |= Q(department_id__in=depts)
    if posts:
        q |= Q(post_id__in=posts)
    return q


def register() -> None:
    from .models import SupervisionEntry

    register_scope(SupervisionEntry, roles={Action.VIEW: READERS}, to_q=_q)
