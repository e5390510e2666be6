"""The gate every push of work down to a village/community or grid passes (职责事项准入).

Sending work to an area (an assignment whose handler is an area: :mod:`.services.sending`) is the
only way work reaches community staff and grid workers, and both ways in — a stand-alone task
(``task_send_down``) and an existing event (``event_send_down``, the ``send_down`` row) — call
:func:`ensure_admitted` first. The rule itself belongs to a higher app (``jiewang.admission``,
the district's duty admission list), which registers its checker in ``ready()``; with none
registered every push is refused (fails closed), so there is no way around it.

The checker is called with the actor, the target area, the event (``None`` for a task not yet
created), the ``admission`` pass its own push service hands down, and the duty item the actor
cited (``send_down`` of an existing event). It returns nothing or raises a domain error.
"""

from __future__ import annotations

from collections.abc import Callable

from jiewang.core.errors import Conflict

_checker: Callable | None = None
_item_choices: Callable | None = None


def register_push_gate(checker: Callable, *, item_choices: Callable | None = None) -> None:
    """Install the admission rule (one per process; the last registration wins). ``item_choices``
    (ctx -> (choices, default)) offers the citable duty items on the ``send_down`` form."""
    global _checker, _item_choices
    _checker, _item_choices = checker, item_choices


def ensure_admitted(*, actor, area, event=None, admission=None, duty_item_id: int | None = None) -> None:
    """Refuse (409 ``admission.not_admitted``, or the checker's own error) a push the duty
    admission rule does not let through."""
    if _checker is None:
        raise Conflict("未配置职责事项准入 / No duty admission gate is installed.", code="admission.gate_missing")
    _checker(actor=actor, area=area, event=event, admission=admission, duty_item_id=duty_item_id)


def duty_item_choices(ctx):
    if _item_choices is None:
        return [("", "—")], ""
    return _item_choices(ctx)
