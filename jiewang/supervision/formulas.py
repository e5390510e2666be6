"""The supervision log's inputs to the assessment engine (考核), registered into its formula
registry (:data:`jiewang.assessment.formulas.FORMULAS`) at start-up, and the indicator rows that
use them (:mod:`.indicators`, loaded by this app's migration 0002). Exact definitions in
``docs/assessment.md`` ("Supervision and verification").

* ``supervision_response`` 督办响应率 (departments, posts): supervisions (督办, by the ladder or by
  hand) issued in the period to the member and answered in time / those issued, less the ones
  withdrawn because the event's work ended and the ones still open whose reply is not yet due
  (neither is the member's failure).
* ``verify_on_time`` 按时核实率 (grid workers): verification clocks (核查时限) due in the period on
  events of the grid worker's grid and met by their due moment / those due, less the ones
  cancelled before they were due (the event ended or the clock was restarted: nothing was owed).
"""

from __future__ import annotations

from collections import defaultdict

from django.db.models import BooleanField, ExpressionWrapper, F, Q
from django.utils import timezone

from jiewang.accounts.choices import Role
from jiewang.assessment.choices import Population
from jiewang.assessment.formulas import by_node, formula
from jiewang.events.models import Deadline, DeadlineState

from .choices import SupervisionKind, SupervisionOutcome


def _tally(pairs) -> dict[int, tuple[float, float]]:
    result: dict[int, list[float]] = defaultdict(lambda: [0.0, 0.0])
    for member, hit in pairs:
        result[member][1] += 1
        result[member][0] += 1 if hit else 0
    return {m: (n, d) for m, (n, d) in result.items()}


def _supervisions(population: str, under: str, start, end):
    """(member, outcome, event, path) of the supervisions the response rate counts under ``under``."""
    from .models import SupervisionEntry

    column = {Population.DEPARTMENT: "department_id", Population.POST: "post_id"}[population]
    return (SupervisionEntry.objects
            .filter(kind=SupervisionKind.SUPERVISE, target_kind=population, issued_at__gte=start,
                    issued_at__lt=end, area_path__startswith=under)
            .exclude(outcome=SupervisionOutcome.WITHDRAWN)
            .exclude(outcome=SupervisionOutcome.OPEN, reply_due_at__gt=timezone.now())
            .values_list(column, "outcome", "event_id", "area_path"))


def supervision_response(ctx, population, excluded):
    if ctx.frame is not None:  # read once for the whole city, grouped by area node
        rows = ctx.frame.shared(("supervision_response", population), lambda f: by_node(
            _supervisions(population, f.root_path, f.start, f.end), lambda r: r[3])).get(ctx.area_id, [])
    else:
        rows = _supervisions(population, ctx.area_path, ctx.start, ctx.end)
    return _tally((member, outcome == SupervisionOutcome.ON_TIME) for member, outcome, eid, _path in rows
                  if eid not in excluded)


def _verify_clocks(under: str, start, end) -> tuple[list, dict[int, list[int]]]:
    """The verification clocks the rate counts under ``under`` — (event, grid, in time, path) —
    and the grid workers of their grids."""
    from jiewang.accounts.models import RoleGrant

    clocks = list(Deadline.objects
                  .filter(kind="verify", subject_type="", due_at__gte=start, due_at__lt=end,
                          event__area_path__startswith=under, event__grid__isnull=False)
                  .exclude(state=DeadlineState.PAUSED)
                  .exclude(state=DeadlineState.CANCELLED, closed_at__lte=F("due_at"))
                  .annotate(in_time=ExpressionWrapper(Q(state=DeadlineState.MET, closed_at__lte=F("due_at")),
                                                     output_field=BooleanField()))
                  .values_list("event_id", "event__grid_id", "in_time", "event__area_path"))
    workers: dict[int, list[int]] = defaultdict(list)
    grids = sorted({c[1] for c in clocks})
    for i in range(0, len(grids), 500):
        for user_id, area_id in RoleGrant.objects.active().filter(
                role=Role.GRID_WORKER, area_id__in=grids[i:i + 500]).values_list("user_id", "area_id"):
            workers[area_id].append(user_id)
    return clocks, workers


def verify_on_time(ctx, population, excluded):
    if ctx.frame is not None:  # read once for the whole city, grouped by area node
        by_area, workers = ctx.frame.shared("verify_on_time", lambda f: (lambda clocks, workers: (
            by_node(clocks, lambda r: r[3]), workers))(*_verify_clocks(f.root_path, f.start, f.end)))
        clocks = by_area.get(ctx.area_id, [])
    else:
        clocks, workers = _verify_clocks(ctx.area_path, ctx.start, ctx.end)
    return _tally((w, in_time) for eid, grid, in_time, _path in clocks if eid not in excluded
                  for w in workers.get(grid, ()))


def register() -> None:
    """Add the formulas to the assessment's registry (idempotent)."""
    formula("supervision_response", {Population.DEPARTMENT, Population.POST},
            "督办响应率: supervisions issued in the period answered in time / supervisions issued (less withdrawn and "
            "not yet due)")(supervision_response)
    formula("verify_on_time", {Population.GRID_WORKER},
            "按时核实率: verification clocks due in the period on the grid worker's grid, met in time / those due "
            "(less those cancelled before due)")(verify_on_time)
