"""Input and output shapes of dispatching's actions and reads (API and page forms)."""

import datetime as dt

from ninja import Schema
from pydantic import Field

from jiewang.core.schema_types import DbId, Moment, Version


class AssignmentOut(Schema):
    id: int
    event_number: str
    handler_kind: str  # department | post | area
    handler_name: str
    department_id: int | None
    department_name: str | None
    post_id: int | None
    area_id: int | None
    role: str
    status: str
    instructions: str
    dispatched_at: dt.datetime
    signed_at: dt.datetime | None
    returned_at: dt.datetime | None
    return_reason: str
    feedback_at: dt.datetime | None


def assignment_out(a, _ctx=None) -> dict:
    from .handlers import handler_name, handler_of

    return {"id": a.id, "event_number": a.event.number, "handler_kind": handler_of(a)[0],
            "handler_name": handler_name(a), "department_id": a.department_id,
            "department_name": a.department.name if a.department_id else None, "post_id": a.post_id,
            "area_id": a.area_id,
            "role": a.role, "status": a.status, "instructions": a.instructions, "dispatched_at": a.dispatched_at,
            "signed_at": a.signed_at, "returned_at": a.returned_at, "return_reason": a.return_reason,
            "feedback_at": a.feedback_at}


def assignments_out(made, _ctx=None) -> list[dict]:
    return [assignment_out(a) for a in made]


class ExtensionOut(Schema):
    id: int
    event_number: str
    requested_due_at: dt.datetime
    reason: str
    status: str
    decided_at: dt.datetime | None


def extension_out(r, _ctx=None) -> dict:
    return {"id": r.id, "event_number": r.event.number, "requested_due_at": r.requested_due_at,
            "reason": r.reason, "status": r.status, "decided_at": r.decided_at}


class SummonsOut(Schema):
    id: int
    department_id: int
    department_name: str
    status: str
    reported_in_at: dt.datetime | None
    responder_name: str
    attended: bool | None
    rating: int | None
    rating_comment: str


class WhistleOut(Schema):
    id: int
    event_number: str
    level: str
    problem: str
    is_urgent: bool
    blown_at: dt.datetime
    report_in_due_at: dt.datetime
    summonses: list[SummonsOut]


def summons_out(s, _ctx=None) -> dict:
    return {"id": s.id, "department_id": s.department_id, "department_name": s.department.name, "status": s.status,
            "reported_in_at": s.reported_in_at, "responder_name": s.responder_name, "attended": s.attended,
            "rating": s.rating, "rating_comment": s.rating_comment}


def whistle_out(w, _ctx=None) -> dict:
    return {"id": w.id, "event_number": w.event.number, "level": w.level, "problem": w.problem,
            "is_urgent": w.is_urgent, "blown_at": w.blown_at, "report_in_due_at": w.report_in_due_at,
            "summonses": [summons_out(s) for s in w.summonses.select_related("department").order_by("id")]}


# ---- inputs ---------------------------------------------------------------------------------

class DispatchIn(Schema):
    lead: str = Field("", max_length=40, pattern=r"^((post|department):[0-9]{1,18})?$",
                      description='the lead as "post:ID" or "department:ID" (or use one of the two ids)')
    lead_department_id: DbId | None = None
    lead_post_id: DbId | None = None
    assist_department_ids: list[DbId] = Field([], max_length=50)
    comment: str = Field("", max_length=2000)
    expected_version: Version | None = None


class RedispatchIn(DispatchIn):
    comment: str = Field(..., max_length=2000, description="the reason (required)")


class ArbitrateIn(DispatchIn):
    keep: bool = Field(..., description="true: the disputing department stays responsible")
    comment: str = Field(..., max_length=2000, description="the ruling (required)")


class SendDownIn(Schema):
    area_id: DbId = Field(..., description="the village/community or grid of the event's town")
    comment: str = Field("", max_length=2000)
    expected_version: Version | None = None
    duty_item_id: DbId | None = Field(None, description="the admitted duty (职责事项准入) the event is sent "
                                                        "down under, when the area is not where it lies")


class TaskIn(Schema):
    area_id: DbId = Field(..., description="the village/community or grid the task is for")
    category_code: str = Field(..., max_length=32)
    title: str = Field(..., max_length=120)
    description: str = Field("", max_length=4000)
    due_at: Moment
    checklist: list[str] = Field([], max_length=30)
    urgency: str = Field("normal", max_length=16)


class NoInput(Schema):
    pass


class ReasonIn(Schema):
    comment: str = Field(..., max_length=2000, description="the reason (required)")


class NoteIn(Schema):
    comment: str = Field("", max_length=2000)


class ExtensionIn(Schema):
    requested_due_at: Moment
    comment: str = Field(..., max_length=2000, description="the reason (required)")


class DecideIn(Schema):
    approve: bool
    comment: str = Field("", max_length=2000)


class WhistleIn(Schema):
    department_ids: list[DbId] = Field(..., min_length=1, max_length=20)
    problem: str = Field(..., max_length=2000)
    urgent: bool = False


class ReportInIn(Schema):
    responder_name: str = Field(..., max_length=64)
    responder_phone: str = Field("", max_length=32)


class RateSummonsIn(Schema):
    attended: bool
    rating: int = Field(..., ge=1, le=5)
    comment: str = Field("", max_length=2000)


# ---- whistle requests (吹哨申请) ----------------------------------------------------------------

class WhistleRequestIn(Schema):
    department_ids: list[DbId] = Field(..., min_length=1, max_length=20,
                                       description="the departments the requester wants summoned")
    problem: str = Field(..., max_length=2000)
    urgent: bool = False


class ApproveWhistleRequestIn(Schema):
    department_ids: list[DbId] = Field(..., min_length=1, max_length=20,
                                       description="the departments the center summons (its choice)")
    problem: str = Field("", max_length=2000, description="empty: the request's")
    urgent: bool | None = Field(None, description="null: as requested")
    comment: str = Field("", max_length=2000)


class WhistleRequestOut(Schema):
    id: int
    event_number: str
    level: str
    area_name: str
    problem: str
    is_urgent: bool
    status: str
    requested_at: dt.datetime
    department_ids: list[int]
    decided_at: dt.datetime | None
    decision_comment: str
    whistle_id: int | None


def whistle_request_out(r, _ctx=None) -> dict:
    return {"id": r.id, "event_number": r.event.number, "level": r.level, "area_name": r.area.name,
            "problem": r.problem, "is_urgent": r.is_urgent, "status": r.status, "requested_at": r.requested_at,
            "department_ids": sorted(r.departments.values_list("pk", flat=True)), "decided_at": r.decided_at,
            "decision_comment": r.decision_comment, "whistle_id": r.whistle_id}
