"""The event lifecycle as a table.

Each row is one move: the action's name, the statuses it may start from, the status it leads to,
and the roles that may perform it. :func:`jiewang.events.services.transition.event_transition` is
the only code that changes ``Event.status``, and it allows exactly the moves listed here; an
unlisted move raises :class:`TransitionNotAllowed` (a 409, distinct from a permission error).
``docs/lifecycle.md`` is generated from this table (``manage.py lifecycle_doc``).
"""

from __future__ import annotations

from dataclasses import dataclass

from jiewang.accounts.choices import Role
from jiewang.core.errors import Conflict

from .choices import EventStatus as S

GW, CS, OP, LD, DS, DA = (Role.GRID_WORKER, Role.COMMUNITY_STAFF, Role.TOWN_OPERATOR, Role.TOWN_LEADER,
                          Role.DEPARTMENT_STAFF, Role.DISTRICT_ADMIN)
SYSTEM = "system"  # the worker (automatic escalation) or an import


class TransitionNotAllowed(Conflict):
    code = "event.transition_not_allowed"


@dataclass(frozen=True)
class Transition:
    action: str
    sources: tuple[str, ...]
    target: str
    roles: frozenset[str]
    label: str  # Chinese term of the step
    stamp: str | None = None  # the Event timestamp field this move sets
    # True: only the roles of the level that holds the event now may do it (LEVEL_ROLES).
    level_bound: bool = False


TABLE: tuple[Transition, ...] = (
    Transition("self_handle", (S.REPORTED,), S.HANDLING, frozenset({GW}), "网格自办", "handling_at", True),
    Transition("escalate", (S.REPORTED, S.ACCEPTED, S.HANDLING), S.REPORTED,
               frozenset({GW, CS, OP, LD, SYSTEM}), "上报上级", None, True),
    Transition("accept", (S.REPORTED,), S.ACCEPTED, frozenset({CS, OP, LD, DA}), "立案", "accepted_at", True),
    Transition("void", (S.REPORTED,), S.VOIDED, frozenset({GW, CS, OP, LD, DA}), "作废", "voided_at", True),
    Transition("handle_locally", (S.ACCEPTED,), S.HANDLING, frozenset({CS, OP, LD, DA}), "本级办理", "handling_at",
               True),
    Transition("dispatch", (S.ACCEPTED,), S.DISPATCHED, frozenset({OP, LD, DA}), "派遣", "dispatched_at"),
    Transition("redispatch", (S.DISPATCHED, S.HANDLING), S.DISPATCHED, frozenset({OP, LD, DA}), "改派/转办",
               "dispatched_at"),
    Transition("sign", (S.DISPATCHED,), S.HANDLING, frozenset({DS}), "签收", "handling_at"),
    Transition("return", (S.DISPATCHED,), S.ACCEPTED, frozenset({DS}), "退回"),
    Transition("feedback", (S.HANDLING,), S.FEEDBACK, frozenset({GW, CS, OP, DS}), "办结反馈", "feedback_at"),
    Transition("close_on_spot", (S.HANDLING,), S.CLOSED, frozenset({GW}), "就地办结", "closed_at"),
    Transition("verify_pass", (S.FEEDBACK,), S.CLOSED, frozenset({GW, CS, OP}), "核查通过", "closed_at"),
    Transition("verify_fail", (S.FEEDBACK,), S.HANDLING, frozenset({GW, CS, OP}), "核查不通过（返工）"),
    Transition("shelve", (S.ACCEPTED, S.HANDLING), S.SHELVED, frozenset({OP, LD}), "挂账", "shelved_at"),
    Transition("resume", (S.SHELVED,), S.HANDLING, frozenset({OP, LD}), "恢复办理", "handling_at"),
    Transition("visit", (S.CLOSED,), S.RATED, frozenset({OP, LD, CS}), "回访", "rated_at"),
    # SYSTEM here: an anonymous reporter proven by the tracking token (events.services.public).
    Transition("rate", (S.CLOSED,), S.RATED, frozenset({Role.RESIDENT, SYSTEM}), "群众评价", "rated_at"),
    Transition("redo", (S.CLOSED, S.RATED), S.HANDLING, frozenset({OP, LD, CS, Role.RESIDENT, SYSTEM}),
               "不满意重办"),
)

# The roles that act for each handling level (for level-bound moves).
LEVEL_ROLES = {
    "grid": frozenset({GW}),
    "community": frozenset({CS}),
    "town": frozenset({OP, LD}),
    "department": frozenset({DS}),
    "district": frozenset({DA}),
}

BY_ACTION: dict[str, Transition] = {t.action: t for t in TABLE}
assert len(BY_ACTION) == len(TABLE), "action names must be unique"


def transition_for(action: str, status: str) -> Transition:
    """The table row for ``action`` from ``status``, or :class:`TransitionNotAllowed`."""
    t = BY_ACTION.get(action)
    if t is None or status not in t.sources:
        raise TransitionNotAllowed(
            f"当前状态「{S(status).label}」不能执行「{t.label if t else action}」/ "
            f"'{action}' is not allowed from '{status}'.",
            fields={"action": action, "status": status},
        )
    return t


def allowed_actions(status: str) -> list[str]:
    return [t.action for t in TABLE if status in t.sources]


def as_markdown() -> str:
    lines = [
        "# The event lifecycle",
        "",
        "Generated from `jiewang/events/lifecycle.py` by `manage.py lifecycle_doc`; do not edit by hand.",
        "",
        "| action | step | from | to | roles |",
        "|---|---|---|---|---|",
    ]
    for t in TABLE:
        roles = ", ".join(sorted(t.roles)) + (" (of the level holding the event)" if t.level_bound else "")
        lines.append(f"| `{t.action}` | {t.label} | {', '.join(f'`{s}`' for s in t.sources)} | `{t.target}` | "
                     f"{roles} |")
    from django.utils import translation

    def label(status, lang):
        with translation.override(lang):
            return str(status.label)

    lines += ["", "Statuses: " + ", ".join(f"`{s.value}` ({label(s, 'en')} / {label(s, 'zh-hans')})" for s in S), ""]
    return "\n".join(lines)
