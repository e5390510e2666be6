"""The demo's early-warning rules (预警规则): one of each kind over the demo town (the one the demo
logins work in), so that the rules page shows them on first start and the worker's evaluation
raises alerts on the command center and the big screen as new events and readings arrive. Written
through the rules service (validated, audited); nothing is written when the town has rules."""

from __future__ import annotations

from jiewang.accounts.choices import Role
from jiewang.accounts.models import RoleGrant
from jiewang.events.models import MatterCategory
from jiewang.warning.models import WarningRule
from jiewang.warning.services.rules import DEFAULT_KEYWORDS, rule_create

# (kind, name, params); "{category}" is filled with a category of the catalog, "{flood}" with the
# flood category (防汛险情) when the catalog has it.
RULES = [
    ("keyword", "敏感词预警", {"words": DEFAULT_KEYWORDS}),
    ("cluster", "同类事件网格内聚集", {"category": "{category}", "count": 5, "hours": 24}),
    ("hotspot", "相邻网格热点", {"category": "{category}", "count": 8, "hours": 48, "distance_m": 200}),
    ("repeat", "同一地点重复投诉", {"category": "{category}", "count": 3, "radius_m": 50, "days": 7}),
    ("trend", "部门超期率上升", {"points": 10, "min_assignments": 5}),
    ("sensor", "河道水位超限", {"reading": "water_level", "threshold": 3.0, "category": "{flood}"}),
]
PREFERRED_CATEGORIES = ("SL01", "LS01")
FLOOD_CATEGORY = "SL11"


def seed_warning_rules() -> int:
    """Create the demo town's rules; returns how many were written (0 when it has some already)."""
    grant = RoleGrant.objects.filter(user__username="town_leader", role=Role.TOWN_LEADER).select_related("area").first()
    if grant is None or WarningRule.objects.filter(area_path__startswith=grant.area.path).exists():
        return 0
    leaves = MatterCategory.objects.filter(parent__isnull=False, is_active=True)
    category = next((c for c in PREFERRED_CATEGORIES if leaves.filter(code=c).exists()), None) \
        or leaves.order_by("code").values_list("code", flat=True).first()
    if category is None:
        return 0
    flood = FLOOD_CATEGORY if leaves.filter(code=FLOOD_CATEGORY).exists() else category
    for kind, name, params in RULES:
        filled = {k: {"{category}": category, "{flood}": flood}.get(v, v) if isinstance(v, str) else v
                  for k, v in params.items()}
        rule_create(actor=None, area=grant.area, kind=kind, name=name, params=filled)
    return len(RULES)


def delete_warning_rules(root) -> None:
    """Before a --force reseed deletes the demo city: the rules over it and the alerts they raised."""
    from jiewang.warning.models import Alert

    rules = WarningRule.objects.filter(area_path__startswith=root.path)
    Alert.objects.filter(rule__in=rules).delete()
    rules.delete()
