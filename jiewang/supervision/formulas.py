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
from jiewang.assessment.formulas import formula
from jiewang.events.models import Deadline, DeadlineState

from .choices import SupervisionKind, SupervisionOutcome


def _tally(pairs) -> dict[int, tuple[float, float]]:
    result: dict[int, list[float]] = defaultdict(lambda: [0.0, 0.0])
    for member, hit in pairs:
        result[member][1] += 1
        result[member][0] += 1 if hit else 0
    return {m: (n, d) for m, (n, d) in result.items()}


def supervision_response(ctx, population, excluded):
    from .models import SupervisionEntry

    column = {Population.DEPARTMENT: "department_id", Population.POST: "post_id"}[population]
    rows = (SupervisionEntry.objects
            .filter(kind=SupervisionKind.SUPERVISE, target_kind=population, issued_at__gte=ctx.start,
                    issued_at__lt=ctx.end, area_path__startswith=ctx.area_path)
            .exclude(outcome=SupervisionOutcome.WITHDRAWN)
            .exclude(outcome=SupervisionOutcome.OPEN, reply_due_at__gt=timezone.now())
            .values_list(column, "outcome", "event_id"))
    return _tally((member, outcome == SupervisionOutcome.ON_TIME) for member, outcome, eid in rows
                  if eid not in excluded)


def verify_on_time(ctx, population, excluded):
    from jiewang.accounts.models import RoleGrant

    clocks = list(Deadline.objects
                  .filter(kind="verify", subject_type="", due_at__gte=ctx.start, due_at__lt=ctx.end,
                          event__area_path__startswith=ctx.area_path, event__grid__isnull=False)
                  .exclude(state=DeadlineState.PAUSED)
                  .exclude(state=DeadlineState.CANCELLED, closed_at__lte=F("due_at"))
                  .annotate(in_time=ExpressionWrapper(Q(state=DeadlineState.MET, closed_at__lte=F("due_at")),
                                                     output_field=BooleanField()))
                  .values_list("event_id", "event__grid_id", "in_time"))
    workers: dict[int, list[int]] = defaultdict(list)
    for user_id, area_id in RoleGrant.objects.active().filter(
            role=Role.GRID_WORKER, area_id__in={g for _e, g, _t in clocks}).values_list("user_id", "area_id"):
        workers[area_id].append(user_id)
    return _tally((w, in_time) for eid, grid, in_time in clocks if eid not in excluded for w in workers[grid])


def register() -> None:
    """Add the formulas to the assessment's registry (idempotent)."""
    formula("supervision_response", {Population.DEPARTMENT, Population.POST},
            "督办响应率: supervisions issued in the period answered in time / supervisions issued (less withdrawn and "
            "not yet due)")(supervision_response)
    formula("verify_on_time", {Population.GRID_WORKER},
            "按时核实率: verification clocks due in the period on the grid worker's grid, met in time / those due "
            "(less those cancelled before due)")(verify_on_time)
