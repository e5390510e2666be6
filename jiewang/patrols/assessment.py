"""Coverage as assessment inputs: the formulas ``visit_coverage`` (走访覆盖率 = households visited
in the period / households) and ``building_coverage`` (楼栋巡查覆盖率 = buildings checked in at
during a patrol in the period / buildings) registered in the assessment's formula registry for grids,
communities, towns and grid workers (called from ``apps.ready``; the indicator rows are shipped by
migrations ``0003`` and ``0005``)."""

from __future__ import annotations

from jiewang.assessment import formulas
from jiewang.assessment.choices import Population

POPULATIONS = {Population.GRID, Population.COMMUNITY, Population.TOWN, Population.GRID_WORKER}


def visit_coverage(ctx, population, excluded):
    from .coverage import CoverageFrame, visit_coverage_counts

    if ctx.frame is not None:  # many areas of one month: read once for the whole city
        return ctx.frame.shared("visit_coverage", lambda f: CoverageFrame(f.root_path, f.start, f.end)).counts(
            ctx.area_id, population)
    return visit_coverage_counts(ctx.area_path, ctx.start, ctx.end, population)


def building_coverage(ctx, population, excluded):
    from .coverage import BuildingCoverageFrame, building_coverage_counts

    if ctx.frame is not None:  # many areas of one month: read once for the whole city
        return ctx.frame.shared("building_coverage", lambda f: BuildingCoverageFrame(
            f.root_path, f.start, f.end)).counts(ctx.area_id, population)
    return building_coverage_counts(ctx.area_path, ctx.start, ctx.end, population)


def register() -> None:
    if "visit_coverage" not in formulas.FORMULAS:
        formulas.formula("visit_coverage", POPULATIONS,
                         "走访覆盖率: distinct households (houses in residential use) visited in the period / "
                         "households, from the visit logs (jiewang.patrols)")(visit_coverage)
    if "building_coverage" not in formulas.FORMULAS:
        formulas.formula("building_coverage", POPULATIONS,
                         "楼栋巡查覆盖率: distinct buildings (楼栋 of base data) named by a patrol check-in made inside "
                         "the grid in the period / buildings (jiewang.patrols)")(building_coverage)
