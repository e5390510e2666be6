"""The indicator rows of the supervision log's formulas (loaded by migration 0002; edit them as
data afterwards, like the assessment's own ``seed_data``). Shown in their populations' ``general``
scheme with weight 0 (in the breakdown, not in the composite) until a district decides to score
them: set a weight in the admin."""

H = "higher"

INDICATORS = [
    # (code, name, scheme, formula, population, target, weight, direction, order)
    ("supervision.dept_response", "督办响应率", "general", "supervision_response", "department", 0.9, 0, H, 50),
    ("supervision.post_response", "督办响应率", "general", "supervision_response", "post", 0.9, 0, H, 50),
    ("supervision.worker_verify", "按时核实率", "general", "verify_on_time", "grid_worker", 0.9, 0, H, 50),
]
CODES = [row[0] for row in INDICATORS]


def load(Indicator) -> int:
    from jiewang.assessment.seed_data import upsert_indicators

    return upsert_indicators(Indicator, INDICATORS)
