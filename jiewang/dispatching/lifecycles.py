"""The lifecycles of dispatching's rows as tables (see :mod:`jiewang.core.lifecycle`):
assignments, whistle summonses, extension requests and whistle requests. Each status is changed only through
:func:`jiewang.dispatching.services.moves.move` with a row of these tables. Moves that *follow*
an event move (an assignment is completed when its event is closed) are applied by the
transition hook :func:`jiewang.dispatching.services.moves.follow_event`.
"""

from __future__ import annotations

from jiewang.core.lifecycle import Lifecycle, Move

from .models import AssignmentStatus as A
from .models import ExtensionStatus as X
from .models import SummonsStatus as W
from .models import WhistleRequestStatus as R

OPEN = (A.DISPATCHED, A.SIGNED, A.FEEDBACK)
EVENT_CLOSES = ("verify_pass", "close_on_spot")

ASSIGNMENT = Lifecycle("Assignment", "dispatching.Assignment", A, error_code="assignment.transition_not_allowed",
                       moves=(
    Move("sign", (A.DISPATCHED,), A.SIGNED, "签收", "signed_at"),
    Move("return", (A.DISPATCHED,), A.RETURNED, "退回", "returned_at"),
    Move("feedback", (A.SIGNED,), A.FEEDBACK, "协办反馈", "feedback_at"),
    Move("lead_feedback", (A.SIGNED,), A.FEEDBACK, "主办反馈", "feedback_at", follows=("feedback",),
         where=(("role", "lead"),)),
    Move("rework", (A.FEEDBACK, A.DONE), A.SIGNED, "返工", clear=("closed_at",), follows=("verify_fail", "redo")),
    Move("complete", (A.SIGNED, A.FEEDBACK), A.DONE, "办结", "closed_at", follows=EVENT_CLOSES),
    Move("lapse", (A.DISPATCHED,), A.WITHDRAWN, "未签收即结案", "closed_at", follows=EVENT_CLOSES),
    # An event sent down that its village/community or grid escalates leaves their hands too.
    Move("withdraw", OPEN, A.WITHDRAWN, "撤回（改派）", "closed_at", follows=("redispatch", "escalate")),
))

SUMMONS = Lifecycle("Whistle summons", "dispatching.WhistleSummons", W, error_code="whistle.transition_not_allowed",
                    moves=(
    Move("report_in", (W.SUMMONED,), W.REPORTED_IN, "报到", "reported_in_at"),
    Move("report_in_late", (W.SUMMONED, W.MISSED), W.LATE, "迟到报到", "reported_in_at"),
    Move("miss", (W.SUMMONED,), W.MISSED, "未报到（升级）", "escalated_at"),
))

EXTENSION = Lifecycle("Extension request", "dispatching.ExtensionRequest", X,
                      error_code="extension.transition_not_allowed", moves=(
    Move("approve", (X.PENDING,), X.APPROVED, "批准延期", "decided_at"),
    Move("reject", (X.PENDING,), X.REJECTED, "驳回延期", "decided_at"),
    Move("lapse", (X.PENDING,), X.LAPSED, "失效", "decided_at",
         follows=("feedback", "redispatch", "escalate", "shelve", *EVENT_CLOSES)),
))

# 吹哨申请: decided by the command center, withdrawn by the requester, or lapsed when the event's
# work ends first (closed on the spot, verified, voided or merged).
WHISTLE_REQUEST = Lifecycle("Whistle request", "dispatching.WhistleRequest", R,
                            error_code="whistle_request.transition_not_allowed", moves=(
    Move("approve", (R.PENDING,), R.APPROVED, "批准吹哨", "decided_at"),
    Move("decline", (R.PENDING,), R.DECLINED, "不予吹哨", "decided_at"),
    Move("withdraw", (R.PENDING,), R.WITHDRAWN, "撤回申请", "decided_at"),
    Move("lapse", (R.PENDING,), R.LAPSED, "失效", "decided_at", follows=("void", *EVENT_CLOSES)),
))

LIFECYCLES = (ASSIGNMENT, SUMMONS, EXTENSION, WHISTLE_REQUEST)
