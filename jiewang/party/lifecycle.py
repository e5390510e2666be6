"""The report-in's table of moves (members' and units' alike): registered → confirmed | rejected;
confirmed → ended. A rejected report-in may be registered again as a new row."""

from jiewang.core.lifecycle import Lifecycle, Move

from .choices import ReportInStatus as S

REPORT_IN = Lifecycle("ReportIn", "party.ReportIn", S, error_code="party.report_in_transition", moves=(
    Move("confirm", (S.REGISTERED,), S.CONFIRMED, "确认报到", "confirmed_at"),
    Move("reject", (S.REGISTERED,), S.REJECTED, "退回", "rejected_at"),
    Move("end", (S.REGISTERED, S.CONFIRMED), S.ENDED, "结束报到", "ended_at"),
))
UNIT_REPORT_IN = Lifecycle("UnitReportIn", "party.UnitReportIn", S, error_code="party.report_in_transition", moves=(
    Move("confirm", (S.REGISTERED,), S.CONFIRMED, "确认报到", "confirmed_at"),
    Move("reject", (S.REGISTERED,), S.REJECTED, "退回", "rejected_at"),
))
