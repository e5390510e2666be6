"""Small checks shared by the party services."""

from __future__ import annotations

from jiewang.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from jiewang.core.scope import user_grants


def required(value: str, field: str, limit: int) -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationFailed("请填写此项 / This field is required.", code="validation_failed",
                               fields={field: "required"})
    if len(value) > limit:
        raise ValidationFailed(f"不能超过{limit}个字 / At most {limit} characters.", code="validation_failed",
                               fields={field: "too_long"})
    return value


def check_version(obj, expected: int | None, code: str) -> None:
    """A stale edit (the row changed since the editor loaded it) is refused, nothing written."""
    if expected is not None and obj.version != expected:
        raise Conflict("数据已被他人修改，请刷新后重试 / Changed meanwhile; reload and try again.", code=code,
                       fields={"version": obj.version})


def ensure_may_add(actor, path: str, roles) -> None:
    """Adding a row under the area at ``path``: the actor must hold one of ``roles`` on that area or
    above; 403 when they see the area's party data but may not add, 404 when they cannot see it."""
    if actor is None or actor.is_superuser:
        return
    from ..permissions import VIEWERS

    held = {g.role for g in user_grants(actor) if path.startswith(g.path)}
    if held & set(roles):
        return
    if held & VIEWERS:
        raise PermissionDenied("您没有执行此操作的权限 / You may not do this here.", code="permission_denied")
    raise NotFound("区域不存在 / Area not found.", code="area.not_found")
