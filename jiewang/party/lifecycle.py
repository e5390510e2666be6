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

# 点单 → 派单 → 接单 → 评单.
from .choices import WishStatus as W  # noqa: E402

WISH = Lifecycle("Wish", "party.Wish", W, error_code="party.wish_transition", moves=(
    Move("publish", (W.POSTED,), W.PUBLISHED, "发布", "published_at"),
    Move("refuse", (W.POSTED, W.PUBLISHED), W.REFUSED, "不予受理", "closed_at"),
    Move("withdraw", (W.POSTED, W.PUBLISHED), W.WITHDRAWN, "撤回", "closed_at"),
    Move("claim", (W.PUBLISHED,), W.CLAIMED, "认领", "claimed_at"),
    Move("release", (W.CLAIMED,), W.PUBLISHED, "放弃认领", None, clear=("claimed_at",)),
    Move("complete", (W.CLAIMED,), W.DONE, "完成", "done_at"),
    Move("rate", (W.DONE,), W.RATED, "评价", "rated_at"),
))
