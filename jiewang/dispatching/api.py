"""HTTP API of dispatching: dispatch/redispatch, sign-for and return, extensions, whistles and
report-ins. One POST endpoint per verb."""

import datetime as dt

from ninja import Router, Schema, Status
from pydantic import Field

from jiewang.accounts import selectors as account_selectors
from jiewang.accounts.models import Post
from jiewang.core.errors import NotFound, ValidationFailed
from jiewang.core.scope import Action, restrict
from jiewang.events import selectors as event_selectors

from . import selectors
from .services import assignments as svc
from .services import whistles

router = Router(tags=["dispatching"])
event_router = Router(tags=["events"])


class AssignmentOut(Schema):
    id: int
    event_number: str
    department_id: int | None
    department_name: str | None
    post_id: int | None
    role: str
    status: str
    instructions: str
    dispatched_at: dt.datetime
    signed_at: dt.datetime | None
    returned_at: dt.datetime | None
    return_reason: str
    feedback_at: dt.datetime | None


def assignment_out(a) -> dict:
    return {"id": a.id, "event_number": a.event.number, "department_id": a.department_id,
            "department_name": a.department.name if a.department_id else None, "post_id": a.post_id,
            "role": a.role, "status": a.status, "instructions": a.instructions, "dispatched_at": a.dispatched_at,
            "signed_at": a.signed_at, "returned_at": a.returned_at, "return_reason": a.return_reason,
            "feedback_at": a.feedback_at}


class DispatchIn(Schema):
    lead_department_id: int | None = None
    lead_post_id: int | None = None
    assist_department_ids: list[int] = []
    comment: str = Field("", max_length=2000)
    expected_version: int | None = None


def _targets(request, payload: DispatchIn):
    depts = account_selectors.department_list(user=request.user)
    if (payload.lead_department_id is None) == (payload.lead_post_id is None):
        raise ValidationFailed("主办须为一个部门或一个岗位 / Name one lead: a department or a post.",
                               code="dispatch.lead_required")
    if payload.lead_department_id is not None:
        lead = depts.filter(pk=payload.lead_department_id).first()
    else:
        lead = restrict(Post.objects.select_related("board"), request.user, Action.VIEW) \
            .filter(pk=payload.lead_post_id).first()
    if lead is None:
        raise NotFound("主办单位不存在 / Lead not found.", code="dispatch.lead_not_found")
    assists = list(depts.filter(pk__in=payload.assist_department_ids))
    if len(assists) != len(set(payload.assist_department_ids)):
        raise NotFound("协办部门不存在 / An assisting department was not found.", code="dispatch.assist_not_found")
    return lead, assists


@event_router.post("/{number}/dispatch", response=list[AssignmentOut], summary="派遣: lead + assisting")
def dispatch(request, number: str, payload: DispatchIn):
    event = event_selectors.event_get(user=request.user, number=number)
    lead, assists = _targets(request, payload)
    made = svc.event_dispatch(event=event, actor=request.user, lead=lead, assists=assists,
                              instructions=payload.comment, expected_version=payload.expected_version)
    return [assignment_out(a) for a in made]


@event_router.post("/{number}/redispatch", response=list[AssignmentOut],
                   summary="改派/转办, or arbitration of a disputed responsibility")
def redispatch(request, number: str, payload: DispatchIn):
    event = event_selectors.event_get(user=request.user, number=number)
    lead, assists = _targets(request, payload)
    made = svc.event_redispatch(event=event, actor=request.user, lead=lead, assists=assists,
                                reason=payload.comment, expected_version=payload.expected_version)
    return [assignment_out(a) for a in made]


@event_router.get("/{number}/assignments", response=list[AssignmentOut], summary="The event's assignments")
def event_assignments(request, number: str):
    event = event_selectors.event_get(user=request.user, number=number)
    return [assignment_out(a) for a in selectors.assignment_list(user=request.user, event=event)]


class ReasonIn(Schema):
    comment: str = Field("", max_length=2000)


@router.post("/assignments/{int:assignment_id}/sign", response=AssignmentOut, summary="签收")
def sign(request, assignment_id: int):
    a = selectors.assignment_get(user=request.user, assignment_id=assignment_id)
    return assignment_out(svc.assignment_sign(assignment=a, actor=request.user))


@router.post("/assignments/{int:assignment_id}/return", response=AssignmentOut, summary="退回 with a reason")
def return_assignment(request, assignment_id: int, payload: ReasonIn):
    a = selectors.assignment_get(user=request.user, assignment_id=assignment_id)
    return assignment_out(svc.assignment_return(assignment=a, actor=request.user, reason=payload.comment))


class ExtensionIn(Schema):
    requested_due_at: dt.datetime
    comment: str = Field(..., min_length=1, max_length=2000)


class ExtensionOut(Schema):
    id: int
    event_number: str
    requested_due_at: dt.datetime
    reason: str
    status: str
    decided_at: dt.datetime | None


def extension_out(r) -> dict:
    return {"id": r.id, "event_number": r.event.number, "requested_due_at": r.requested_due_at,
            "reason": r.reason, "status": r.status, "decided_at": r.decided_at}


@event_router.post("/{number}/extension", response={201: ExtensionOut}, summary="延期申请")
def request_extension(request, number: str, payload: ExtensionIn):
    event = event_selectors.event_get(user=request.user, number=number)
    return Status(201, extension_out(svc.extension_request(event=event, actor=request.user,
                                                    requested_due_at=payload.requested_due_at,
                                                    reason=payload.comment)))


class DecideIn(Schema):
    approve: bool
    comment: str = Field("", max_length=2000)


@router.post("/extensions/{int:request_id}/decide", response=ExtensionOut, summary="审批延期")
def decide_extension(request, request_id: int, payload: DecideIn):
    r = selectors.extension_get(user=request.user, request_id=request_id)
    return extension_out(svc.extension_decide(request=r, actor=request.user, approve=payload.approve,
                                              comment=payload.comment))


class WhistleIn(Schema):
    department_ids: list[int] = Field(..., min_length=1, max_length=20)
    problem: str = Field(..., min_length=1, max_length=2000)
    urgent: bool = False


class SummonsOut(Schema):
    id: int
    department_id: int
    department_name: str
    status: str
    reported_in_at: dt.datetime | None
    responder_name: str
    attended: bool | None
    rating: int | None


class WhistleOut(Schema):
    id: int
    event_number: str
    level: str
    problem: str
    is_urgent: bool
    blown_at: dt.datetime
    report_in_due_at: dt.datetime
    summonses: list[SummonsOut]


def summons_out(s) -> dict:
    return {"id": s.id, "department_id": s.department_id, "department_name": s.department.name, "status": s.status,
            "reported_in_at": s.reported_in_at, "responder_name": s.responder_name, "attended": s.attended,
            "rating": s.rating}


def whistle_out(w) -> dict:
    return {"id": w.id, "event_number": w.event.number, "level": w.level, "problem": w.problem,
            "is_urgent": w.is_urgent, "blown_at": w.blown_at, "report_in_due_at": w.report_in_due_at,
            "summonses": [summons_out(s) for s in w.summonses.select_related("department").order_by("id")]}


@event_router.post("/{number}/whistle", response={201: WhistleOut}, summary="吹哨: summon departments")
def blow_whistle(request, number: str, payload: WhistleIn):
    event = event_selectors.event_get(user=request.user, number=number)
    depts = list(account_selectors.department_list(user=request.user).filter(pk__in=payload.department_ids))
    if len(depts) != len(set(payload.department_ids)):
        raise NotFound("部门不存在 / A department was not found.", code="whistle.department_not_found")
    return Status(201, whistle_out(whistles.whistle_blow(event=event, actor=request.user, departments=depts,
                                                  problem=payload.problem, urgent=payload.urgent)))


class ReportInIn(Schema):
    responder_name: str = Field(..., min_length=1, max_length=64)
    responder_phone: str = Field("", max_length=32)


@router.post("/summonses/{int:summons_id}/report-in", response=SummonsOut, summary="报到")
def report_in(request, summons_id: int, payload: ReportInIn):
    s = selectors.summons_get(user=request.user, summons_id=summons_id)
    return summons_out(whistles.summons_report_in(summons=s, actor=request.user, responder_name=payload.responder_name,
                                                  responder_phone=payload.responder_phone))


class RateSummonsIn(Schema):
    attended: bool
    rating: int = Field(..., ge=1, le=5)
    comment: str = Field("", max_length=2000)


@router.post("/summonses/{int:summons_id}/rate", response=SummonsOut, summary="报到评价 (two-way assessment)")
def rate_summons(request, summons_id: int, payload: RateSummonsIn):
    s = selectors.summons_get(user=request.user, summons_id=summons_id)
    return summons_out(whistles.summons_rate(summons=s, actor=request.user, attended=payload.attended,
                                             rating=payload.rating, comment=payload.comment))


@router.post("/assignments/{int:assignment_id}/dispute", response=AssignmentOut,
             summary="争议: ask the command center to arbitrate responsibility")
def dispute(request, assignment_id: int, payload: ReasonIn):
    a = selectors.assignment_get(user=request.user, assignment_id=assignment_id)
    return assignment_out(svc.assignment_dispute(assignment=a, actor=request.user, reason=payload.comment))


class ArbitrateIn(DispatchIn):
    assignment_id: int
    keep: bool = Field(..., description="true: the disputing department stays responsible")


@event_router.post("/{number}/arbitrate", response=list[AssignmentOut], summary="仲裁 a disputed assignment")
def arbitrate(request, number: str, payload: ArbitrateIn):
    event = event_selectors.event_get(user=request.user, number=number)
    a = selectors.assignment_get(user=request.user, assignment_id=payload.assignment_id)
    lead, assists = (None, []) if payload.keep else _targets(request, payload)
    made = svc.event_arbitrate(event=event, actor=request.user, assignment=a, keep=payload.keep,
                               reason=payload.comment, lead=lead, assists=assists,
                               expected_version=payload.expected_version)
    return [assignment_out(x) for x in made]
