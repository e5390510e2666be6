"""The pushed task's table of moves: created admitted or held (by the push service, with its own
stamp); a held one is approved (delivered) or refused (never delivered) by the town's command
center."""

from jiewang.core.lifecycle import Lifecycle, Move

from .choices import PushStatus as S

PUSH = Lifecycle("PushRequest", "admission.PushRequest", S, error_code="push.already_decided", moves=(
    Move("approve", (S.HELD,), S.APPROVED, "审核通过", "approved_at"),
    Move("refuse", (S.HELD,), S.REFUSED, "不予准入", "refused_at"),
))
