"""Coverage as an assessment input: the formula ``visit_coverage`` (走访覆盖率 = households visited
in the period / households) registered in the assessment's formula registry for grids,
communities, towns and grid workers (called from ``apps.ready``; the indicator row is shipped by
migration ``0003``)."""

from __future__ import annotations

from jiewang.assessment import formulas
from jiewang.assessment.choices import Population

POPULATIONS = {Population.GRID, Population.COMMUNITY, Population.TOWN, Population.GRID_WORKER}


def visit_coverage(ctx, population, excluded):
    from .coverage import visit_coverage_counts

    return visit_coverage_counts(ctx.area_path, ctx.start, ctx.end, population)


def register() -> None:
    if "visit_coverage" not in formulas.FORMULAS:
        formulas.formula("visit_coverage", POPULATIONS,
                         "走访覆盖率: distinct households (houses in residential use) visited in the period / "
                         "households, from the visit logs (jiewang.patrols)")(visit_coverage)
