"""The alert's table of moves: open → acknowledged → converted | dismissed (an open alert may be
converted or dismissed at once)."""

from jiewang.core.lifecycle import Lifecycle, Move

from .choices import AlertState as S

ALERT = Lifecycle("Alert", "warning.Alert", S, error_code="alert.transition_not_allowed", status_field="state",
                  moves=(
    Move("acknowledge", (S.OPEN,), S.ACKNOWLEDGED, "确认", "acknowledged_at"),
    Move("convert", (S.OPEN, S.ACKNOWLEDGED), S.CONVERTED, "转办", "closed_at"),
    Move("dismiss", (S.OPEN, S.ACKNOWLEDGED), S.DISMISSED, "忽略", "closed_at"),
))
