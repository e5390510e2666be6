"""The event lifecycle as a table.

Each :class:`~jiewang.core.lifecycle.Move` is one step: its name, the statuses it may start
from, the status it leads to and the timestamp it stamps. Who may make a move is said by the
actions of the registry (:mod:`jiewang.events.registry`), each naming the moves it may make.
:func:`jiewang.events.services.transition.event_transition` is the only code that changes
``Event.status``, and it allows exactly the moves listed here; an unlisted move raises
:class:`TransitionNotAllowed` (a 409, distinct from a permission error). ``docs/lifecycle.md``
is generated from this table and the other lifecycles (``manage.py lifecycle_doc``).
"""

from __future__ import annotations

from jiewang.accounts.choices import Role
from jiewang.core.errors import Conflict
from jiewang.core.lifecycle import Lifecycle, Move

from .choices import EventStatus as S

SYSTEM = "system"  # the worker (automatic escalation), an import, or a proven anonymous reporter


class TransitionNotAllowed(Conflict):
    code = "event.transition_not_allowed"


OPEN_WORK = (S.REPORTED, S.ACCEPTED, S.DISPATCHED, S.HANDLING, S.SHELVED, S.FEEDBACK)

EVENT = Lifecycle("Event", "events.Event", S, error_code=TransitionNotAllowed.code, moves=(
    Move("self_handle", (S.REPORTED,), S.HANDLING, "网格自办", "handling_at"),
    Move("escalate", (S.REPORTED, S.ACCEPTED, S.HANDLING), S.REPORTED, "上报上级"),
    Move("accept", (S.REPORTED,), S.ACCEPTED, "立案", "accepted_at"),
    Move("void", (S.REPORTED,), S.VOIDED, "作废", "voided_at"),
    Move("place", (S.REPORTED,), S.REPORTED, "定位"),
    Move("handle_locally", (S.ACCEPTED,), S.HANDLING, "本级办理", "handling_at"),
    Move("dispatch", (S.ACCEPTED,), S.DISPATCHED, "派遣", "dispatched_at"),
    Move("send_down", (S.ACCEPTED,), S.DISPATCHED, "交办", "dispatched_at"),
    Move("redispatch", (S.DISPATCHED, S.HANDLING), S.DISPATCHED, "改派/转办", "dispatched_at"),
    Move("sign", (S.DISPATCHED,), S.HANDLING, "签收", "handling_at"),
    Move("return", (S.DISPATCHED,), S.ACCEPTED, "退回"),
    Move("feedback", (S.HANDLING,), S.FEEDBACK, "办结反馈", "feedback_at"),
    Move("close_on_spot", (S.HANDLING,), S.CLOSED, "就地办结", "closed_at"),
    Move("verify_pass", (S.FEEDBACK,), S.CLOSED, "核查通过", "closed_at"),
    Move("verify_fail", (S.FEEDBACK,), S.HANDLING, "核查不通过（返工）"),
    Move("shelve", (S.ACCEPTED, S.HANDLING), S.SHELVED, "挂账", "shelved_at"),
    Move("resume", (S.SHELVED,), S.HANDLING, "恢复办理", "handling_at"),
    Move("visit", (S.CLOSED,), S.RATED, "回访", "rated_at"),
    Move("rate", (S.CLOSED,), S.RATED, "群众评价", "rated_at"),
    Move("redo", (S.CLOSED, S.RATED), S.HANDLING, "不满意重办"),
))

# Statuses in which the event's work is over: every clock of the work stops on entering them.
ENDED = frozenset({S.CLOSED, S.RATED, S.VOIDED})

# The roles that act for each handling level (for level-bound actions).
GW, CS, OP, LD, DS, DA = (Role.GRID_WORKER, Role.COMMUNITY_STAFF, Role.TOWN_OPERATOR, Role.TOWN_LEADER,
                          Role.DEPARTMENT_STAFF, Role.DISTRICT_ADMIN)
LEVEL_ROLES = {
    "grid": frozenset({GW}),
    "community": frozenset({CS}),
    "town": frozenset({OP, LD}),
    "department": frozenset({DS, Role.POST_STAFF}),  # the staff of the lead handler (department or post)
    "district": frozenset({DA}),
}

TABLE = EVENT.moves
BY_ACTION = EVENT.by_name


def transition_for(action: str, status: str) -> Move:
    """The table row for ``action`` from ``status``, or :class:`TransitionNotAllowed`."""
    try:
        return EVENT.check(action, status)
    except Conflict as exc:
        raise TransitionNotAllowed(exc.message, fields=exc.fields) from None
