"""The one check of the staffing services: may the actor manage (assign, end, keep profiles)
under an area path? 404 when the actor cannot see that part of the tree at all, 403 when they see
it but hold no managing role there."""

from __future__ import annotations

from jiewang.core.errors import NotFound, PermissionDenied
from jiewang.core.scope import user_grants

from ..permissions import MANAGERS, PHONE_READERS, VIEWERS


def roles_on(actor, path: str) -> set[str]:
    """The roles the actor holds on the node at ``path`` (grants on it or above it)."""
    return {g.role for g in user_grants(actor) if path.startswith(g.path)}


def ensure_manager(actor, path: str) -> None:
    if actor is None or actor.is_superuser:
        return
    held = roles_on(actor, path)
    if held & MANAGERS:
        return
    if held & VIEWERS:
        raise PermissionDenied("您没有执行此操作的权限 / You may not do this here.", code="permission_denied")
    raise NotFound("对象不存在 / Not found.", code="not_found")


def may_read_phones(actor, person) -> bool:
    """Whole phone numbers: the person themself, superusers, and the managers and command-center
    leaders over the area keeping the profile or over a grid the person serves (each read audited)."""
    if actor is None or not getattr(actor, "is_authenticated", False):
        return False
    if actor.is_superuser or (person.user_id and person.user_id == actor.pk):
        return True
    paths = [person.area_path, *person.assignments.values_list("grid_path", flat=True)]
    return any(g.role in PHONE_READERS and any(p.startswith(g.path) for p in paths) for g in user_grants(actor))
