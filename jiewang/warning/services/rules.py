"""Writing the rules (district administrators, town leaders, commanders): create and update, each
audited, an update naming the ``version`` it read. A rule's ``params`` are validated per kind
(:func:`clean_params`); a bad one is a 422 ``warning.bad_params`` naming the field.

Parameters per kind (``SPECS``; defaults in brackets):

* ``cluster``: ``category`` (a matter code), ``count`` N, ``hours`` T — N events of the category in
  one grid within T hours.
* ``hotspot``: ``category``, ``count``, ``hours``, ``distance_m`` [0] — N events of the category
  across a grid and its neighbours (touching, or within D metres), at least two grids involved.
* ``repeat``: ``category``, ``count`` [2], ``radius_m`` R, ``days`` T — N reports of the category
  within R metres of each other within T days (重复投诉).
* ``trend``: ``points`` X, ``min_assignments`` [5] — a department's or post's overdue rate over
  the last 7 days above the 7 days before by X percentage points.
* ``keyword``: ``words`` — any listed word in the event's title or description (jieba).
* ``sensor``: ``reading`` (water_level | smoke | gas | temperature), ``threshold``, ``category``
  (of the event a conversion creates), ``quiet_hours`` [1] — a reading above the threshold; one
  alert per device and quiet period.
"""

from __future__ import annotations

import math

from django.db import transaction
from django.utils import timezone

from jiewang.areas.models import Area
from jiewang.audit.services import audit_record
from jiewang.core.errors import Conflict, NotFound, ValidationFailed
from jiewang.core.scope import Action, ensure_allowed, is_allowed

from ..choices import ReadingKind, RuleKind
from ..models import WarningRule

DEFAULT_KEYWORDS = ["自杀", "跳楼", "爆炸", "讨薪", "欠薪", "群体", "聚集", "上访", "闹事", "持刀", "纵火", "坠楼"]

# kind -> {param: (type, minimum, maximum, default or REQUIRED)}
REQUIRED = object()
SPECS = {
    RuleKind.CLUSTER: {"category": (str, None, None, REQUIRED), "count": (int, 2, 10_000, REQUIRED),
                       "hours": (float, 0.1, 24 * 90, REQUIRED)},
    RuleKind.HOTSPOT: {"category": (str, None, None, REQUIRED), "count": (int, 2, 10_000, REQUIRED),
                       "hours": (float, 0.1, 24 * 90, REQUIRED), "distance_m": (float, 0, 50_000, 0.0)},
    RuleKind.REPEAT: {"category": (str, None, None, REQUIRED), "count": (int, 2, 10_000, 2),
                      "radius_m": (float, 1, 5_000, REQUIRED), "days": (float, 0.1, 365, REQUIRED)},
    RuleKind.TREND: {"points": (float, 0.1, 100, REQUIRED), "min_assignments": (int, 1, 100_000, 5)},
    RuleKind.KEYWORD: {"words": (list, 1, 500, REQUIRED)},
    RuleKind.SENSOR: {"reading": (str, None, None, REQUIRED), "threshold": (float, -1e9, 1e9, REQUIRED),
                      "category": (str, None, None, REQUIRED), "quiet_hours": (float, 0.1, 24 * 30, 1.0)},
}


def _bad(field: str, problem: str):
    return ValidationFailed("规则参数无效 / Invalid rule parameters.", code="warning.bad_params",
                            fields={f"params.{field}": problem})


def clean_params(kind: str, params) -> dict:
    """The rule's parameters, checked and completed with defaults for ``kind``."""
    if kind not in SPECS:
        raise ValidationFailed("规则类型无效 / Unknown rule kind.", code="warning.bad_kind", fields={"kind": kind})
    if not isinstance(params, dict):
        raise _bad("", "an object")
    spec = SPECS[kind]
    unknown = set(params) - set(spec)
    if unknown:
        raise _bad(sorted(unknown)[0], "unknown parameter")
    clean = {}
    for name, (typ, lo, hi, default) in spec.items():
        if name not in params or params[name] is None:
            if default is REQUIRED:
                raise _bad(name, "required")
            clean[name] = default
            continue
        value = params[name]
        if typ is list:
            if not isinstance(value, list) or not lo <= len(value) <= hi:
                raise _bad(name, f"a list of {lo}–{hi} words")
            words = []
            for w in value:
                if not isinstance(w, str) or not 1 <= len(w.strip()) <= 20:
                    raise _bad(name, "words of 1–20 characters")
                words.append(w.strip())
            clean[name] = list(dict.fromkeys(words))
        elif typ is str:
            if not isinstance(value, str) or not 1 <= len(value) <= 32:
                raise _bad(name, "a code")
            clean[name] = value
        else:
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
                raise _bad(name, "a number")
            if typ is int and value != int(value):
                raise _bad(name, "a whole number")
            if not lo <= value <= hi:
                raise _bad(name, f"between {lo} and {hi}")
            clean[name] = typ(value)
    if "category" in clean:
        from jiewang.events.models import MatterCategory

        if not MatterCategory.objects.filter(code=clean["category"], parent__isnull=False).exists():
            raise _bad("category", "unknown category")
    if "reading" in clean and clean["reading"] not in ReadingKind.values:
        raise _bad("reading", "one of " + ", ".join(ReadingKind.values))
    return clean


@transaction.atomic
def rule_create(*, actor, area: Area, kind: str, name: str, params: dict, enabled: bool = True) -> WarningRule:
    rule = WarningRule(area=area, area_path=area.path, kind=kind, name=(name or "").strip()[:100], enabled=enabled,
                       created_by=actor)
    _check_keeper(actor, rule)
    if not rule.name:
        raise ValidationFailed("请填写名称 / A name is required.", code="validation_failed", fields={"name": "required"})
    rule.params = clean_params(kind, params)
    rule.save()
    audit_record(actor=actor, action="warning_rule.create", obj=rule,
                 data={"area": area.pk, "kind": kind, "name": rule.name, "params": rule.params, "enabled": enabled})
    return rule


def _check_keeper(actor, rule: WarningRule) -> None:
    """An actor keeping rules over ``rule.area_path``: 404 when they cannot see that subtree at all,
    403 when they see it but may not keep rules there."""
    if actor is None or actor.is_superuser:
        return
    from jiewang.core.scope import user_grants

    from ..permissions import KEEPERS, VIEWERS

    held = {g.role for g in user_grants(actor) if rule.area_path.startswith(g.path)}
    if held & KEEPERS:
        return
    if held & VIEWERS:
        from jiewang.core.errors import PermissionDenied

        raise PermissionDenied("您没有执行此操作的权限 / You may not do this here.", code="permission_denied")
    raise NotFound("对象不存在 / Not found.", code="not_found")


@transaction.atomic
def rule_update(*, actor, rule: WarningRule, expected_version: int, name: str | None = None,
                params: dict | None = None, enabled: bool | None = None) -> WarningRule:
    ensure_allowed(actor, Action.CHANGE, rule)
    locked = WarningRule.objects.select_for_update().get(pk=rule.pk)
    if locked.version != expected_version:
        raise Conflict("规则已被他人修改 / The rule was changed meanwhile.", code="warning.rule_stale")
    before = {"name": locked.name, "params": locked.params, "enabled": locked.enabled}
    if name is not None:
        if not name.strip():
            raise ValidationFailed("请填写名称 / A name is required.", code="validation_failed",
                                   fields={"name": "required"})
        locked.name = name.strip()[:100]
    if params is not None:
        locked.params = clean_params(locked.kind, params)
    if enabled is not None:
        locked.enabled = enabled
    locked.version += 1
    locked.updated_at = timezone.now()
    locked.save()
    audit_record(actor=actor, action="warning_rule.update", obj=locked,
                 data={"before": before, "after": {"name": locked.name, "params": locked.params,
                                                   "enabled": locked.enabled}})
    return locked


def may_keep(actor, rule: WarningRule) -> bool:
    return actor is not None and is_allowed(actor, Action.CHANGE, rule)
