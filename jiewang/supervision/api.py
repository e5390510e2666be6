"""HTTP API of the supervision log: ``/api/supervision/…`` (the session's user, scoped: the command
center reads the events under its grants, department and post staff the entries addressed to
them). Issuing a 督办 is the registry row ``supervise_handler`` (``/api/events/{number}/supervise-handler``,
``/api/assignments/{id}/supervise-handler``), not a route here."""

from __future__ import annotations

from typing import Literal

from ninja import Query, Router, Schema
from pydantic import Field

from jiewang.core.schema_types import DbId, Offset

from . import selectors
from .choices import SupervisionKind
from .schemas import EntryOut, SummaryOut, entry_out

router = Router(tags=["supervision"])


class LogQuery(Schema):
    target: str | None = Field(None, pattern=r"^(department|post|area):[0-9]{1,18}$",
                               description="an addressee: department:ID, post:ID or area:ID")
    kind: SupervisionKind | None = None
    outcome: Literal["open", "on_time", "late", "withdrawn", "overdue"] | None = None
    month: str | None = Field(None, pattern=r"^[0-9]{4}-[0-9]{2}$", description="YYYY-MM (issue time)")
    area_id: DbId | None = None

    def filters(self) -> selectors.Filters:
        kind, pk = (self.target.split(":") if self.target else (None, None))
        return selectors.Filters(target_kind=kind, target_id=int(pk) if pk else None, kind=self.kind,
                                 outcome=self.outcome, month=self.month, area_id=self.area_id)


class EntriesQuery(LogQuery):
    limit: int = Field(100, ge=1, le=500)
    offset: Offset = 0


@router.get("/entries", response=list[EntryOut],
            summary="督导台账: reminders, supervisions and escalations in scope, newest first")
def entries(request, q: Query[EntriesQuery]):
    rows = selectors.entry_list(user=request.user, filters=q.filters())[q.offset:q.offset + q.limit]
    return [entry_out(e) for e in rows]


@router.get("/summary", response=list[SummaryOut],
            summary="Per department, post or area: issued, answered in time, late, open, withdrawn, response rate")
def summary(request, q: Query[LogQuery]):
    return selectors.summary(user=request.user, filters=q.filters())
