"""Scope: the one place that decides which rows a user may read or write.

Every selector starts from ``restrict(Model.objects..., user, Action.VIEW)``; every service checks
writes with :func:`ensure_allowed`. Rules are registered per model by the app that owns the roles
(``jiewang.accounts.permissions``): which roles may do an action, and how the area paths the user
holds those roles on become a query filter. A model without a rule is refused to everyone but
superusers, so forgetting to register fails closed.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.db import models
from django.db.models import Q

from .errors import NotFound


class Action(models.TextChoices):
    VIEW = "view"
    ADD = "add"
    CHANGE = "change"
    DELETE = "delete"


@dataclass(frozen=True)
class Grant:
    """A role the user holds on an area node (and its subtree), as :func:`restrict` sees it."""

    role: str
    area_id: int
    path: str
    department_id: int | None
    post_id: int | None = None  # post staff: the post held
    board_id: int | None = None  # board leaders: the board led


@dataclass
class ScopeRule:
    roles: dict[str, frozenset[str]]
    # (grants holding an allowed role, user, action) -> Q over the model
    to_q: Callable[[list[Grant], object, str], Q]


_RULES: dict[str, ScopeRule] = {}


def register_scope(model: type[models.Model], *, roles: dict[str, Iterable[str]],
                   to_q: Callable[[list[Grant], object, str], Q]) -> None:
    _RULES[model._meta.label_lower] = ScopeRule({a: frozenset(r) for a, r in roles.items()}, to_q)


def user_grants(user) -> list[Grant]:
    """The user's active grants, loaded once per user object (i.e. once per request)."""
    cached = getattr(user, "_jiewang_grants", None)
    if cached is not None:
        return cached
    from . import fastsql

    rows = fastsql.execute(_grants_sql(), [user.pk, fastsql.now()], fetch="all")
    grants = [Grant(*row) for row in rows]
    user._jiewang_grants = grants
    return grants


@functools.cache
def _grants_sql() -> str:
    """A user's active grants with their area paths: asked on every request, so one statement
    written once (the ORM built it anew each time, at several times the database's cost)."""
    from django.apps import apps
    from django.db import connection

    from .fastsql import column

    qn = connection.ops.quote_name
    grant, area = apps.get_model("accounts", "RoleGrant"), apps.get_model("areas", "Area")

    def g(name):
        return column(grant, name)

    return (f"SELECT {g('role')}, {g('area')}, {column(area, 'path')}, {g('department')}, {g('post')}, {g('board')} "
            f"FROM {qn(grant._meta.db_table)} INNER JOIN {qn(area._meta.db_table)} "
            f"ON {g('area')} = {column(area, 'id')} "
            f"WHERE {g('user')} = %s AND ({g('valid_to')} IS NULL OR {g('valid_to')} > %s) ORDER BY {g('id')}")


def collapse_paths(paths: Iterable[str]) -> list[str]:
    """Drop paths that lie inside another path of the list: their subtree is already covered."""
    result: list[str] = []
    for p in sorted(set(paths)):
        if not result or not p.startswith(result[-1]):
            result.append(p)
    return result


def subtree_q(field: str, grants: list[Grant]) -> Q:
    q = Q(pk__in=[])
    for p in collapse_paths(g.path for g in grants):
        q |= Q(**{f"{field}__startswith": p})
    return q


def ancestor_ids(grants: list[Grant]) -> set[int]:
    ids: set[int] = set()
    for g in grants:
        ids.update(int(x) for x in g.path.strip("/").split("/")[:-1] if x)
    return ids


def restrict(queryset: models.QuerySet, user, action: str = Action.VIEW) -> models.QuerySet:
    """The rows of ``queryset`` that ``user`` may ``action``. Anonymous users get nothing."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return queryset.none()
    if user.is_superuser:
        return queryset
    rule = _RULES.get(queryset.model._meta.label_lower)
    if rule is None:
        return queryset.none()
    allowed = rule.roles.get(str(action), frozenset())
    grants = [g for g in user_grants(user) if g.role in allowed]
    return queryset.filter(rule.to_q(grants, user, str(action)))


def holds_role_for(user, action: str, model: type[models.Model]) -> bool:
    """Does ``user`` hold, anywhere, a role the policy allows for ``action`` on ``model``? For
    tables that are not placed in the area tree (the holiday arrangements, one per year for the
    whole deployment). Superusers always; anonymous and inactive users never."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if user.is_superuser:
        return True
    rule = _RULES.get(model._meta.label_lower)
    if rule is None:
        return False
    allowed = rule.roles.get(str(action), frozenset())
    return any(g.role in allowed for g in user_grants(user))


def is_allowed(user, action: str, obj: models.Model) -> bool:
    return restrict(type(obj)._default_manager.filter(pk=obj.pk), user, action).exists()


def ensure_allowed(user, action: str, obj: models.Model) -> None:
    """Raise unless ``user`` may ``action`` on ``obj``. A row the user cannot even view is
    reported as not found (404), one they can view but not change as permission denied (403)."""
    if user is None:  # system actor (management commands, the worker)
        return
    if is_allowed(user, action, obj):
        return
    if action != Action.VIEW and is_allowed(user, Action.VIEW, obj):
        from .errors import PermissionDenied

        raise PermissionDenied("您没有执行此操作的权限 / You may not do this here.",
                               code="permission_denied")
    raise NotFound("对象不存在 / Not found.", code="not_found")
