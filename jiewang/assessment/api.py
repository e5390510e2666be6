"""HTTP API of the assessment (/api/assessment/…): indicators, runs (compute, publish, the
ranking, a member's breakdown, the differences from the published version), exclusions
(request, decide). Every read is a selector, every write a service."""

from __future__ import annotations

import datetime as dt

from ninja import Field, Query, Router, Schema, Status

from jiewang.core.schema_types import DbId
from jiewang.events.selectors import event_get

from . import selectors
from .choices import ExclusionKind, ExclusionStatus, Population
from .services import engine
from .services import exclusions as ex_svc

router = Router(tags=["assessment"])


class IndicatorOut(Schema):
    code: str
    name: str
    scheme: str
    formula: str
    population: str
    period_kind: str
    target: float
    weight: float
    direction: str


class RunOut(Schema):
    id: int
    area_id: int
    area: str
    period: str
    period_kind: str
    version: int
    status: str
    computed_at: dt.datetime
    published_at: dt.datetime | None
    based_on_id: int | None
    differences: int


class ScoreOut(Schema):
    population: str
    scheme: str
    member_id: int
    member_name: str
    score: float | None
    grade: str
    rank: int | None
    list_kind: str


class ResultOut(Schema):
    indicator: str
    name: str
    scheme: str
    numerator: float
    denominator: float
    value: float | None
    score: float | None
    target: float
    target_met: bool | None
    weight: float
    direction: str


class RunDetailOut(RunOut):
    scores: list[ScoreOut]
    diff: list[dict]


class MemberOut(Schema):
    run_id: int
    population: str
    member_id: int
    scores: list[ScoreOut]
    results: list[ResultOut]


class ComputeIn(Schema):
    area_id: DbId
    period: str = Field(..., max_length=8, description="YYYY-MM, YYYY-Qn or YYYY")


class RunQuery(Schema):
    area_id: DbId | None = None
    period: str | None = Field(None, max_length=8)


class ScoreQuery(Schema):
    population: Population | None = None
    scheme: str | None = Field(None, max_length=24)


class ExclusionIn(Schema):
    event_number: str = Field(..., max_length=40)
    kind: ExclusionKind
    reason: str = Field(..., max_length=1000)
    indicator_codes: list[str] = Field(default_factory=list, max_length=50)


class DecideIn(Schema):
    approve: bool
    comment: str = Field("", max_length=1000)


class ExclusionOut(Schema):
    id: int
    event_number: str
    kind: str
    reason: str
    indicator_codes: list[str]
    status: str
    requested_by: str | None
    requested_at: dt.datetime
    decided_by: str | None
    decided_at: dt.datetime | None
    decision_comment: str


class ExclusionQuery(Schema):
    status: ExclusionStatus | None = None


def run_out(r) -> dict:
    return {"id": r.pk, "area_id": r.area_id, "area": r.area.name, "period": r.period, "period_kind": r.period_kind,
            "version": r.version, "status": r.status, "computed_at": r.computed_at, "published_at": r.published_at,
            "based_on_id": r.based_on_id, "differences": len(r.diff)}


def score_out(s) -> dict:
    return {"population": s.population, "scheme": s.scheme, "member_id": s.member_id, "member_name": s.member_name,
            "score": s.score, "grade": s.grade, "rank": s.rank, "list_kind": s.list_kind}


def result_out(r) -> dict:
    i = r.indicator
    return {"indicator": i.code, "name": i.name, "scheme": i.scheme, "numerator": r.numerator,
            "denominator": r.denominator, "value": r.value, "score": r.score, "target": i.target,
            "target_met": r.target_met, "weight": i.weight, "direction": i.direction}


def exclusion_out(e) -> dict:
    name = lambda u: (u.display_name or u.username) if u else None  # noqa: E731
    return {"id": e.pk, "event_number": e.event.number, "kind": e.kind, "reason": e.reason,
            "indicator_codes": e.indicator_codes, "status": e.status, "requested_by": name(e.requested_by),
            "requested_at": e.requested_at, "decided_by": name(e.decided_by), "decided_at": e.decided_at,
            "decision_comment": e.decision_comment}


@router.get("/indicators", response=list[IndicatorOut], summary="考核指标: the active indicators")
def indicator_list(request):
    return list(selectors.indicators(user=request.user))


@router.get("/runs", response=list[RunOut], summary="考核结果: the runs in scope (newest first)")
def run_list(request, q: Query[RunQuery]):
    area = None
    if q.area_id is not None:
        area = engine.assessed_area(q.area_id)
    return [run_out(r) for r in selectors.runs(user=request.user, area=area, period=q.period)[:200]]


@router.post("/runs", response={201: RunOut}, summary="计算: compute a period into a draft")
def run_compute(request, payload: ComputeIn):
    area = engine.assessed_area(payload.area_id)
    run = engine.run_compute(actor=request.user, area=area, period=payload.period)
    return Status(201, run_out(run))


@router.get("/runs/{int:run_id}", response=RunDetailOut, summary="A run: ranking, lists and differences")
def run_detail(request, run_id: DbId, q: Query[ScoreQuery]):
    run = selectors.run_get(user=request.user, run_id=run_id)
    whole = selectors.reads_whole_run(request.user, run)
    return {**run_out(run), "scores": [score_out(s) for s in selectors.run_scores(
        user=request.user, run=run, population=q.population, scheme=q.scheme)],
        "diff": run.diff if whole else [d for d in run.diff if d["population"] == "department"
                                        and d["member_id"] in selectors.department_view(request.user)]}


@router.get("/runs/{int:run_id}/members/{population}/{int:member_id}", response=MemberOut,
            summary="A member's breakdown: raw counts, values and scores per indicator")
def member(request, run_id: DbId, population: Population, member_id: DbId):
    run = selectors.run_get(user=request.user, run_id=run_id)
    scores, results = selectors.member_breakdown(user=request.user, run=run, population=population,
                                                 member_id=member_id)
    return {"run_id": run.pk, "population": population, "member_id": member_id,
            "scores": [score_out(s) for s in scores], "results": [result_out(r) for r in results]}


@router.post("/runs/{int:run_id}/publish", response=RunOut, summary="发布: publish a draft")
def run_publish(request, run_id: DbId):
    run = selectors.run_get(user=request.user, run_id=run_id)
    return run_out(engine.run_publish(actor=request.user, run=run))


@router.get("/exclusions", response=list[ExclusionOut], summary="不计入考核: requests in scope")
def exclusion_list(request, q: Query[ExclusionQuery]):
    return [exclusion_out(e) for e in selectors.exclusions(user=request.user, status=q.status)[:200]]


@router.post("/exclusions", response={201: ExclusionOut}, summary="Ask that an event not count")
def exclusion_request(request, payload: ExclusionIn):
    event = event_get(user=request.user, number=payload.event_number)
    ex = ex_svc.exclusion_request(actor=request.user, event=event, kind=payload.kind, reason=payload.reason,
                                  indicator_codes=payload.indicator_codes)
    return Status(201, exclusion_out(ex))


@router.post("/exclusions/{int:exclusion_id}/decide", response=ExclusionOut, summary="Approve or refuse")
def exclusion_decide(request, exclusion_id: DbId, payload: DecideIn):
    ex = selectors.exclusion_get(user=request.user, exclusion_id=exclusion_id)
    return exclusion_out(ex_svc.exclusion_decide(actor=request.user, exclusion=ex, approve=payload.approve,
                                                 comment=payload.comment))
