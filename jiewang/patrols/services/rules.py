"""Patrol rules (巡查规则) of a grid: kept by community staff, town leaders and district
administrators of the grid (scope ``ADD``/``CHANGE``), one active rule per grid and kind, audited,
edited with the ``version`` read (a stale edit is a 409)."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone

from jiewang.areas.choices import GRID_LEVELS
from jiewang.areas.models import Area
from jiewang.audit.services import audit_record
from jiewang.core.errors import Conflict, ValidationFailed

from ..choices import PatrolRuleKind, RuleUnit
from ..models import PatrolRule

MAX_EVERY = 366

# The rules a grid gets when none is written for it (the demo seeds the same): patrol every
# working day, check in at every building once a week, visit every household once a month.
DEFAULT_RULES = ((PatrolRuleKind.PATROL, 1, RuleUnit.WORKING_DAY), (PatrolRuleKind.BUILDING, 1, RuleUnit.WEEK),
                 (PatrolRuleKind.HOUSEHOLD, 1, RuleUnit.MONTH))


def _clean(kind: str, every: int, unit: str) -> None:
    errors = {}
    if kind not in PatrolRuleKind.values:
        errors["kind"] = "one of " + ", ".join(PatrolRuleKind.values)
    if unit not in RuleUnit.values:
        errors["unit"] = "one of " + ", ".join(RuleUnit.values)
    if not isinstance(every, int) or isinstance(every, bool) or not 1 <= every <= MAX_EVERY:
        errors["every"] = f"1–{MAX_EVERY}"
    if errors:
        raise ValidationFailed("规则无效 / Invalid rule.", code="patrol.rule_invalid", fields=errors)


def rule_create(*, actor, grid: Area, kind: str, every: int, unit: str, note: str = "") -> PatrolRule:
    if grid.level not in GRID_LEVELS:
        raise ValidationFailed("规则只能定在网格上 / A rule is set on a grid.", code="patrol.not_a_grid",
                               fields={"grid_id": "a grid"})
    _clean(kind, every, unit)
    rule = PatrolRule(grid=grid, area_path=grid.path, kind=kind, every=every, unit=unit, note=(note or "")[:200])
    _check_keeper(actor, rule)
    try:
        with transaction.atomic():
            rule.save()
            audit_record(actor=actor, action="patrol_rule.create", obj=rule,
                         data={"grid": grid.pk, "kind": kind, "every": every, "unit": unit})
    except IntegrityError as exc:
        raise Conflict("该网格已有同类规则 / The grid already has a rule of this kind.",
                       code="patrol.rule_exists", fields={"kind": kind}) from exc
    return rule


def _check_keeper(actor, rule: PatrolRule) -> None:
    """The actor must keep rules on the rule's grid (its path under a keeper's grant); one who
    reads it gets 403, anyone else 404."""
    from jiewang.core.errors import NotFound, PermissionDenied
    from jiewang.core.scope import user_grants

    from ..permissions import READERS, RULE_KEEPERS, WORKERS

    if actor is None or actor.is_superuser:
        return
    grants = user_grants(actor)
    if any(g.role in RULE_KEEPERS and rule.area_path.startswith(g.path) for g in grants):
        return
    if any(g.role in READERS | WORKERS and rule.area_path.startswith(g.path) for g in grants):
        raise PermissionDenied("您无权修改巡查规则 / You may not keep the patrol rules here.",
                               code="permission_denied")
    raise NotFound("网格不存在 / Grid not found.", code="not_found")


@transaction.atomic
def rule_update(*, actor, rule: PatrolRule, expected_version: int, every: int | None = None,
                unit: str | None = None, note: str | None = None, is_active: bool | None = None) -> PatrolRule:
    _check_keeper(actor, rule)
    rule = PatrolRule.objects.select_for_update().get(pk=rule.pk)
    if rule.version != expected_version:
        raise Conflict("规则已被他人修改 / The rule was changed by someone else.", code="patrol.rule_stale",
                       fields={"expected_version": rule.version})
    before = {"every": rule.every, "unit": rule.unit, "note": rule.note, "is_active": rule.is_active}
    new_every = rule.every if every is None else every
    new_unit = rule.unit if unit is None else unit
    _clean(rule.kind, new_every, new_unit)
    rule.every, rule.unit = new_every, new_unit
    if note is not None:
        rule.note = note[:200]
    if is_active is not None:
        rule.is_active = is_active
    rule.version += 1
    rule.updated_at = timezone.now()
    try:
        with transaction.atomic():
            rule.save()
    except IntegrityError as exc:
        raise Conflict("该网格已有同类规则 / The grid already has an active rule of this kind.",
                       code="patrol.rule_exists") from exc
    after = {"every": rule.every, "unit": rule.unit, "note": rule.note, "is_active": rule.is_active}
    audit_record(actor=actor, action="patrol_rule.update", obj=rule,
                 data={k: [before[k], after[k]] for k in after if before[k] != after[k]})
    return rule
