"""The entry's outcome as a table: open → answered in time | answered late | withdrawn."""

from jiewang.core.lifecycle import Lifecycle, Move

from .choices import SupervisionOutcome as O

OUTCOME = Lifecycle("SupervisionEntry", "supervision.SupervisionEntry", O,
                    error_code="supervision.outcome_not_allowed", status_field="outcome", moves=(
    Move("answer_on_time", (O.OPEN,), O.ON_TIME, "按时回复", "answered_at"),
    Move("answer_late", (O.OPEN,), O.LATE, "逾期回复", "answered_at"),
    Move("withdraw", (O.OPEN,), O.WITHDRAWN, "事件结束，撤销", "withdrawn_at"),
))
