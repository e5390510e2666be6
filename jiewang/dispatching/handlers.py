"""The handler (承办方) of an assignment: ONE notion for whoever is given work.

A handler is a district/city **department**, a **post** (岗位) of a town's board, or an **area**
the work was sent down to (a village/community or a grid). It is named by a key, ``("department",
id)``, ``("post", id)`` or ``("area", id)``; an :class:`~.models.Assignment` has exactly one, and a
whistle summons is always a department's.

Who is *staff of a handler* follows from role grants:

=================  ==========================================  ====================
handler            staff                                       acts on the event as
=================  ==========================================  ====================
department         ``department_staff`` naming the department  ``department_staff``
post               ``post_staff`` naming the post              ``post_staff``
area (community)   ``community_staff`` granted on it           ``community_staff``
area (grid)        ``grid_worker`` granted on it               ``grid_worker``
=================  ==========================================  ====================

A **board leader** (``board_leader`` naming a board, 分管领导) oversees the work of the board's
posts: sees it and may urge or supervise it (催办/督办), without acting as its staff.

Everything that asks "may this person act for this assignment's handler?" uses this module: the
registry's ``subject_handler`` predicate (via the subjects' ``handler_role``), the event scope
extension and the role source (:mod:`.permissions`), notifications (:mod:`.notify`) and the
handler workbench (``jiewang.web.department``).
"""

from __future__ import annotations

from django.db.models import Q

from jiewang.accounts.choices import Role
from jiewang.core.scope import user_grants

DEPARTMENT, POST, AREA = "department", "post", "area"
# The grant role that makes its holder staff of a handler of that kind (areas: two roles).
STAFF_ROLE = {DEPARTMENT: Role.DEPARTMENT_STAFF, POST: Role.POST_STAFF}
AREA_STAFF_ROLES = (Role.COMMUNITY_STAFF, Role.GRID_WORKER)

HandlerKey = tuple[str, int]


def handler_of(obj) -> HandlerKey | None:
    """The handler of an assignment (or a whistle summons: its department)."""
    if getattr(obj, "department_id", None):
        return (DEPARTMENT, obj.department_id)
    if getattr(obj, "post_id", None):
        return (POST, obj.post_id)
    if getattr(obj, "area_id", None):  # an assignment sent down
        return (AREA, obj.area_id)
    return None


def handler_name(obj) -> str:
    """The handler's name for lists and timelines."""
    for field in ("department", "post", "area"):
        target = getattr(obj, field, None) if getattr(obj, f"{field}_id", None) else None
        if target is not None:
            return target.name if field != "post" else f"{target.board.name} · {target.name}"
    return ""


def staff_keys(grants) -> dict[HandlerKey, str]:
    """The handlers ``grants`` make their holder staff of, each with the role acted under."""
    keys: dict[HandlerKey, str] = {}
    for g in grants:
        if g.role == Role.DEPARTMENT_STAFF and g.department_id:
            keys[(DEPARTMENT, g.department_id)] = Role.DEPARTMENT_STAFF
        elif g.role == Role.POST_STAFF and g.post_id:
            keys[(POST, g.post_id)] = Role.POST_STAFF
        elif g.role in AREA_STAFF_ROLES:
            keys.setdefault((AREA, g.area_id), g.role)
    return keys


def user_keys(user) -> dict[HandlerKey, str]:
    """:func:`staff_keys` of a user's active grants, computed once per user object (a request)."""
    if user is None:
        return {}
    cached = getattr(user, "_jiewang_handler_keys", None)
    if cached is None:
        cached = staff_keys(user_grants(user))
        user._jiewang_handler_keys = cached
    return cached


def led_board_ids(grants) -> set[int]:
    """The boards ``grants`` make their holder leader of (分管领导)."""
    return {g.board_id for g in grants if g.role == Role.BOARD_LEADER and g.board_id}


def staff_role(user, obj) -> str | None:
    """The role under which ``user`` acts as staff of ``obj``'s handler, or None."""
    key = handler_of(obj)
    return user_keys(user).get(key) if key is not None else None


def assignments_q(keys, prefix: str = "") -> Q:
    """A filter on Assignment (``prefix`` for a relation, e.g. ``"assignments__"``) for the
    assignments of the handlers ``keys``; nothing for no keys."""
    by_kind: dict[str, set[int]] = {DEPARTMENT: set(), POST: set(), AREA: set()}
    for kind, pk in keys:
        by_kind[kind].add(pk)
    q = Q(pk__in=[]) if not prefix else Q(**{f"{prefix}pk__in": []})
    for kind, ids in by_kind.items():
        if ids:
            q |= Q(**{f"{prefix}{kind}_id__in": ids})
    return q


def board_q(board_ids, prefix: str = "") -> Q:
    """A filter on Assignment for the assignments to posts of the boards ``board_ids``."""
    return Q(**{f"{prefix}post__board_id__in": set(board_ids)})


def staff_users(keys) -> list:
    """The active users who are staff of any of the handlers ``keys`` (for notifications)."""
    from jiewang.accounts.models import RoleGrant, User

    q = Q(pk__in=[])
    for kind, pk in keys:
        if kind == DEPARTMENT:
            q |= Q(role=Role.DEPARTMENT_STAFF, department_id=pk)
        elif kind == POST:
            q |= Q(role=Role.POST_STAFF, post_id=pk)
        else:
            q |= Q(role__in=AREA_STAFF_ROLES, area_id=pk)
    ids = RoleGrant.objects.active().filter(q).values("user_id")
    return list(User.objects.filter(pk__in=ids, is_active=True))


def board_leaders(post_ids) -> list:
    """The active leaders of the boards of the posts ``post_ids``."""
    from jiewang.accounts.models import RoleGrant, User

    ids = RoleGrant.objects.active().filter(role=Role.BOARD_LEADER, board__posts__id__in=list(post_ids)) \
        .values("user_id")
    return list(User.objects.filter(pk__in=ids, is_active=True))
