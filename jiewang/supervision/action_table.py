"""The supervision log's row of the action registry (:mod:`jiewang.events.registry`): 限期督办,
a formal supervision of one handler of the event (the handler of an open assignment: a
department, a post, or the area the work was sent down to) with a note and a reply deadline.
Its API routes (``POST /api/events/{number}/supervise-handler`` with ``assignment_id``, and
``POST /api/assignments/{id}/supervise-handler``) and its form on the event page and the command
center come from this row. Registered in ``SupervisionConfig.ready()``."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jiewang.dispatching.models import OPEN_ASSIGNMENT
from jiewang.events.choices import EventStatus as S
from jiewang.events.registry import EventAction, Response, register

from .permissions import ISSUERS
from .schemas import EntryOut, SuperviseIn, entry_out

ASSIGNED = frozenset({S.DISPATCHED, S.HANDLING, S.FEEDBACK})


def _issue(ctx, p):
    from .services.entries import supervision_issue

    return supervision_issue(actor=ctx.user, event=ctx.event, assignment=ctx.subject, note=p.comment,
                             reply_due_at=p.reply_due_at)


def _default_due(ctx):
    from .services.entries import default_reply_due

    due = default_reply_due(ctx.event, timezone.now()) + dt.timedelta(minutes=1)
    return (), timezone.localtime(due).strftime("%Y-%m-%dT%H:%M")


ROWS = (
    EventAction(
        "supervise_handler", "限期督办", _("Supervise with a reply deadline"), ISSUERS, SuperviseIn,
        statuses=ASSIGNED, status_conflict="supervision.not_open", subject="assignment",
        subject_ok=lambda a: a.status in OPEN_ASSIGNMENT, subject_conflict="supervision.assignment_closed",
        run=_issue, response=Response(201, EntryOut, entry_out), surfaces=frozenset({"event_page", "command"}),
        labels={"comment": _("What is expected"), "reply_due_at": _("Reply by")},
        choices={"reply_due_at": _default_due}, done=_("Supervision issued: the handler must reply by the deadline."),
        description="The command center formally supervises (督办) one handler of the event — a department, a post "
                    "or the area the work was sent down to — with a note and a reply deadline; the entry is in the "
                    "supervision log until the handler acts on the event (answered in time or late) or the event's "
                    "work ends (withdrawn)."),
)


def register_rows() -> None:
    register(*ROWS)
