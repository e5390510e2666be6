"""The matter catalog: seeding and editing categories."""

from __future__ import annotations

from django.db import transaction

from jiewang.audit.services import audit_record
from jiewang.core.errors import Conflict, PermissionDenied, ValidationFailed
from jiewang.core.worktime import DeadlineUnit

from ..choices import HandlingLevel, Urgency
from ..models import MatterCategory

STEPS = {"accept", "sign", "handle", "verify", "rate", "report_in"}


def validate_deadlines(table: dict) -> dict:
    if not isinstance(table, dict):
        raise ValidationFailed("时限格式错误 / Deadlines must be an object.", code="catalog.deadlines_invalid")
    for urgency, steps in table.items():
        if urgency not in Urgency.values or not isinstance(steps, dict):
            raise ValidationFailed(f"未知紧急程度 {urgency}", code="catalog.deadlines_invalid")
        for step, value in steps.items():
            ok = (step in STEPS and isinstance(value, (list, tuple)) and len(value) == 2
                  and isinstance(value[0], (int, float)) and value[0] > 0 and value[1] in DeadlineUnit.values)
            if not ok:
                raise ValidationFailed(f"时限 {urgency}.{step} 无效 / Invalid limit {value!r}.",
                                       code="catalog.deadlines_invalid", fields={f"{urgency}.{step}": "invalid"})
    return table


@transaction.atomic
def catalog_seed(*, actor=None) -> int:
    """Create the seeded catalog where absent (idempotent); returns how many were created."""
    from jiewang.accounts.board_seed import DEPARTMENT_POST

    from ..catalog_data import ATTRIBUTES, CATEGORIES, GROUPS

    created = 0
    groups = {}
    for order, (code, name, board) in enumerate(GROUPS):
        groups[code], made = MatterCategory.objects.get_or_create(
            code=code, defaults={"name": name, "board_kind": board, "order": order,
                                 "closable_level": HandlingLevel.TOWN})
        created += made
    for order, (code, group, name, board, level, self_handle, depts, deadlines, keywords) in enumerate(CATEGORIES):
        _, made = MatterCategory.objects.get_or_create(code=code, defaults={
            "parent": groups[group], "name": name, "board_kind": board, "closable_level": level,
            "grid_may_self_handle": self_handle, "default_department_codes": depts,
            "default_post_name": DEPARTMENT_POST.get(depts[0], "") if depts else "",
            "deadlines": validate_deadlines(deadlines), "keywords": keywords,
            "attributes": ATTRIBUTES.get(code, []), "order": order,
        })
        created += made
    if created:
        audit_record(actor=actor, action="catalog.seed", object_type="events.mattercategory",
                     data={"created": created})
    return created


EDITABLE = {"name", "description", "keywords", "closable_level", "grid_may_self_handle",
            "default_department_codes", "default_post_name", "deadlines", "attributes", "is_active", "order"}


@transaction.atomic
def category_update(*, actor, category: MatterCategory, **fields) -> MatterCategory:
    """Edit a category (district administrators and superusers)."""
    from jiewang.core.scope import user_grants

    if actor is not None and not actor.is_superuser and not any(
            g.role == "district_admin" for g in user_grants(actor)):
        raise PermissionDenied("只有区县管理员可修改事项清单 / Only district administrators edit the catalog.",
                               code="catalog.not_admin")
    unknown = set(fields) - EDITABLE
    if unknown:
        raise ValidationFailed(f"不可修改 / Not editable: {sorted(unknown)}", code="catalog.field_not_editable")
    if "deadlines" in fields:
        validate_deadlines(fields["deadlines"])
    if "closable_level" in fields and fields["closable_level"] not in HandlingLevel.values:
        raise ValidationFailed("层级无效 / Invalid level.", code="catalog.level_invalid")
    locked = MatterCategory.objects.select_for_update().get(pk=category.pk)
    if "name" in fields and MatterCategory.objects.filter(parent=locked.parent, name=fields["name"]) \
            .exclude(pk=locked.pk).exists():
        raise Conflict("同名类别已存在 / A category with this name exists.", code="catalog.name_taken")
    changes = {}
    for k, v in fields.items():
        if getattr(locked, k) != v:
            changes[k] = [getattr(locked, k), v]
            setattr(locked, k, v)
    if changes:
        locked.save()
        audit_record(actor=actor, action="category.update", obj=locked, data={"changes": changes})
    return locked
