"""The patrol's lifecycle: started (created ongoing) → ended. One move, one writer
(``services.patrols.patrol_end``)."""

from jiewang.core.lifecycle import Lifecycle, Move

from .choices import PatrolStatus

PATROL_LIFECYCLE = Lifecycle(
    name="Patrol (巡查)", model_label="patrols.Patrol", statuses=PatrolStatus, error_code="patrol.not_ongoing",
    moves=(Move("end", (PatrolStatus.ONGOING,), PatrolStatus.ENDED, "结束巡查", stamp="ended_at"),),
)
