"""Input and output shapes of the supervision log (API and the registry row's page form)."""

from __future__ import annotations

import datetime as dt

from ninja import Schema
from pydantic import Field

from jiewang.core.schema_types import Moment


class SuperviseIn(Schema):
    comment: str = Field(..., max_length=2000, description="what the handler must do (required)")
    reply_due_at: Moment | None = Field(None, description="reply by (default: the category's supervise limit)")


class EntryOut(Schema):
    id: int
    kind: str
    source: str
    event_number: str
    event_title: str
    target_kind: str
    target_id: int
    target_name: str
    issued_by: str | None
    issued_at: dt.datetime
    note: str
    reply_due_at: dt.datetime
    outcome: str
    overdue: bool
    answered_at: dt.datetime | None
    withdrawn_at: dt.datetime | None


def entry_out(e, _ctx=None) -> dict:
    by = e.issued_by
    return {"id": e.id, "kind": e.kind, "source": e.source, "event_number": e.event.number,
            "event_title": e.event.title, "target_kind": e.target_kind, "target_id": e.target_key[1],
            "target_name": e.target_name, "issued_by": (by.display_name or by.username) if by else None,
            "issued_at": e.issued_at, "note": e.note, "reply_due_at": e.reply_due_at, "outcome": e.outcome,
            "overdue": e.is_overdue, "answered_at": e.answered_at, "withdrawn_at": e.withdrawn_at}


class SummaryOut(Schema):
    target_kind: str
    target_id: int
    target_name: str
    issued: int
    on_time: int
    late: int
    open: int
    overdue: int
    withdrawn: int
    response_rate: float | None  # on time / (issued − withdrawn)
