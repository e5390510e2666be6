"""The indicator rows of party building's formulas (:mod:`.formulas`; loaded by migration 0006, edited
as data afterwards in the admin). Shown in the ``general`` scheme of communities and towns with
weight 0 (in the breakdown, not in the composite) until a district decides to score them."""

H = "higher"

INDICATORS = [
    # (code, name, scheme, formula, population, target, weight, direction, order)
    ("party.community_report_in", "双报到率", "general", "party_report_in_rate", "community", 0.9, 0, H, 60),
    ("party.town_report_in", "双报到率", "general", "party_report_in_rate", "town", 0.9, 0, H, 60),
    ("party.community_wish_done", "微心愿办结率", "general", "party_wish_done_rate", "community", 0.9, 0, H, 61),
    ("party.town_wish_done", "微心愿办结率", "general", "party_wish_done_rate", "town", 0.9, 0, H, 61),
    ("party.community_need_match", "三张清单匹配率", "general", "party_need_match_rate", "community", 0.8, 0, H, 62),
    ("party.town_need_match", "三张清单匹配率", "general", "party_need_match_rate", "town", 0.8, 0, H, 62),
]
CODES = [row[0] for row in INDICATORS]


def load(Indicator) -> int:
    from jiewang.assessment.seed_data import upsert_indicators

    return upsert_indicators(Indicator, INDICATORS)
