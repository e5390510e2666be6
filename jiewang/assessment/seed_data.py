"""The shipped indicators (loaded by migration 0002; edit them as data afterwards). Each row:
(code, name, scheme, formula, population, target, weight, direction). Schemes: ``general`` (the
unit's composite score) and ``hotline`` (the 12345 "三率": 0.1 响应 + 0.5 解决 + 0.4 满意).
A weight of 0 shows the indicator without scoring it. See docs/assessment.md."""

H, L = "higher", "lower"

INDICATORS = [
    # Departments (职能部门): the composite of domain.md §3 — 处置率×30 + 按期处置率×20 +
    # (1−返工率)×20 + (1−超期率)×20 + (1−延期率)×10; 按时签收率 and 满意率 shown.
    ("dept.closure", "处置率", "general", "closure_rate", "department", 0.95, 30, H),
    ("dept.on_time", "按期处置率", "general", "closed_on_time", "department", 0.9, 20, H),
    ("dept.rework", "返工率", "general", "rework_rate", "department", 0.05, 20, L),
    ("dept.overdue", "超期率", "general", "overdue_rate", "department", 0.05, 20, L),
    ("dept.extension", "延期率", "general", "extension_rate", "department", 0.1, 10, L),
    ("dept.sign", "按时签收率", "general", "sign_on_time", "department", 0.95, 0, H),
    ("dept.satisfaction", "满意率", "general", "satisfaction", "department", 0.9, 0, H),
    # 12345 三率 of departments
    ("dept.hl_response", "响应率", "hotline", "hotline_response", "department", 0.95, 10, H),
    ("dept.hl_resolution", "解决率", "hotline", "hotline_resolution", "department", 0.8, 50, H),
    ("dept.hl_satisfaction", "满意率（12345）", "hotline", "hotline_satisfaction", "department", 0.85, 40, H),
    # 吹哨报到 and the summoning level's ratings (双向考核)
    ("dept.report_in", "报到率", "whistle", "report_in_rate", "department", 1.0, 30, H),
    ("dept.report_in_on_time", "报到及时率", "whistle", "report_in_on_time", "department", 0.95, 30, H),
    ("dept.rating", "吹哨评价得分率", "whistle", "summons_rating", "department", 0.8, 40, H),
    # Posts (岗位) of the four boards
    ("post.sign", "按时签收率", "general", "sign_on_time", "post", 0.95, 20, H),
    ("post.on_time", "按期办结率", "general", "closed_on_time", "post", 0.9, 40, H),
    ("post.rework", "返工率", "general", "rework_rate", "post", 0.05, 20, L),
    ("post.satisfaction", "满意率", "general", "satisfaction", "post", 0.9, 20, H),
    # Boards (四板块): the same, over the events led by their posts
    ("board.sign", "按时签收率", "general", "sign_on_time", "board", 0.95, 20, H),
    ("board.on_time", "按期办结率", "general", "closed_on_time", "board", 0.9, 40, H),
    ("board.rework", "返工率", "general", "rework_rate", "board", 0.05, 20, L),
    ("board.satisfaction", "满意率", "general", "satisfaction", "board", 0.9, 20, H),
    # Regions (towns, communities, grids): GB/T 30428.4 — 10% 监督举报率 + 30% 结案率 + 40% 按期结案率,
    # with 满意率 in the place of the 立案数 score (20%); 超期率 shown.
    *[(f"{p}.{c}", n, "general", f, p, t, w, d) for p in ("town", "community", "grid") for c, n, f, t, w, d in [
        ("public_reports", "监督举报率", "public_report_rate", 0.5, 10, L),
        ("closure", "结案率", "closure_rate", 0.95, 30, H),
        ("on_time", "按期结案率", "closed_on_time", 0.9, 40, H),
        ("satisfaction", "满意率", "satisfaction", 0.9, 20, H),
        ("overdue", "超期率", "overdue_rate", 0.05, 0, L),
        ("rework", "返工率", "rework_rate", 0.05, 0, L),
    ]],
    ("town.hl_response", "响应率", "hotline", "hotline_response", "town", 0.95, 10, H),
    ("town.hl_resolution", "解决率", "hotline", "hotline_resolution", "town", 0.8, 50, H),
    ("town.hl_satisfaction", "满意率（12345）", "hotline", "hotline_satisfaction", "town", 0.85, 40, H),
    # Grid workers (网格员): 有效上报率 40, 按期办结率 30, 满意率 30 (of the events they reported)
    ("worker.valid_reports", "有效上报率", "general", "valid_report_rate", "grid_worker", 0.9, 40, H),
    ("worker.on_time", "按期办结率", "general", "closed_on_time", "grid_worker", 0.9, 30, H),
    ("worker.satisfaction", "满意率", "general", "satisfaction", "grid_worker", 0.9, 30, H),
]


def load(Indicator) -> int:
    return upsert_indicators(Indicator, [(*row, order) for order, row in enumerate(INDICATORS)])


def upsert_indicators(Indicator, rows) -> int:
    """Write indicator rows ``(code, name, scheme, formula, population, target, weight, direction,
    order)`` by code (``Indicator``: the model, or a migration's historical model); how many were
    new. The shipped rows here and other apps' (supervision, party) go through it."""
    n = 0
    for code, name, scheme, formula, population, target, weight, direction, order in rows:
        _, created = Indicator.objects.update_or_create(code=code, defaults=dict(
            name=name, scheme=scheme, formula=formula, population=population, target=target, weight=weight,
            direction=direction, order=order))
        n += created
    return n
