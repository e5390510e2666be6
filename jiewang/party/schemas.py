"""Request and response shapes of the party API."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Literal

from ninja import Field, Schema

from jiewang.core.crypto import mask_phone
from jiewang.core.schema_types import Day, DbId, Version

from .choices import (EvaluationGrade, MemberKind, MemberStatus, NeedCategory, NeedSource, OfficerRole, OrgKind,
                      ResourceKind, ServicePost, UnitSector, WishCategory)

Year = Annotated[int, Field(ge=2000, le=2100)]
TermYears = Annotated[int, Field(ge=1, le=5)]
Hours = Annotated[Decimal, Field(ge=Decimal("0.5"), le=Decimal("24"), max_digits=4, decimal_places=1)]


class OrgIn(Schema):
    kind: OrgKind
    name: str
    area_id: DbId
    parent_id: DbId | None = None
    sector: UnitSector | None = None
    superior_name: str = ""
    term_started: Day | None = None
    term_years: TermYears = 5


class OrgUpdateIn(Schema):
    expected_version: Version
    name: str | None = None
    term_started: Day | None = None
    term_years: TermYears | None = None
    active: bool | None = None


class OrgOut(Schema):
    id: int
    kind: str
    name: str
    area_id: int
    area_name: str
    parent_id: int | None
    sector: str
    term_started: dt.date | None
    term_years: int
    election_due: dt.date | None
    election_stage: int
    active: bool
    version: int


def org_out(o) -> dict:
    return {"id": o.pk, "kind": o.kind, "name": o.name, "area_id": o.area_id, "area_name": o.area.name,
            "parent_id": o.parent_id, "sector": o.sector, "term_started": o.term_started, "term_years": o.term_years,
            "election_due": o.election_due, "election_stage": o.election_stage, "active": o.active,
            "version": o.version}


class OfficerIn(Schema):
    member_id: DbId
    role: OfficerRole
    started_on: Day
    from_unit: str = ""


class EndIn(Schema):
    on: Day


class OfficerOut(Schema):
    id: int
    org_id: int
    member_id: int
    member_name: str
    role: str
    from_unit: str
    started_on: dt.date
    ended_on: dt.date | None


def officer_out(s) -> dict:
    return {"id": s.pk, "org_id": s.org_id, "member_id": s.member_id, "member_name": s.member.name, "role": s.role,
            "from_unit": s.from_unit, "started_on": s.started_on, "ended_on": s.ended_on}


class CoBuildingIn(Schema):
    org_id: DbId
    joined_on: Day
    offer: str = ""


class CoBuildingOut(Schema):
    id: int
    street_org_id: int
    org_id: int
    org_name: str
    sector: str
    joined_on: dt.date
    left_on: dt.date | None
    offer: str


def cobuilding_out(c) -> dict:
    return {"id": c.pk, "street_org_id": c.street_org_id, "org_id": c.org_id, "org_name": c.org.name,
            "sector": c.org.sector, "joined_on": c.joined_on, "left_on": c.left_on, "offer": c.offer}


class MemberIn(Schema):
    org_id: DbId
    name: str
    phone: str = ""
    status: MemberStatus = MemberStatus.FULL
    kind: MemberKind = MemberKind.IN_SERVICE
    work_unit: str = ""
    joined_party_on: Day | None = None
    home_community_id: DbId | None = None


class TransferIn(Schema):
    to_org_id: DbId
    reason: str = Field("", max_length=200)
    transferred_on: Day | None = None
    expected_version: Version | None = None


class TransferOut(Schema):
    id: int
    member_id: int
    member_name: str
    from_org_id: int
    from_org_name: str
    to_org_id: int
    to_org_name: str
    transferred_on: dt.date
    reason: str
    seats_ended: int
    created_at: dt.datetime


def transfer_out(t) -> dict:
    return {"id": t.pk, "member_id": t.member_id, "member_name": t.member.name, "from_org_id": t.from_org_id,
            "from_org_name": t.from_org.name, "to_org_id": t.to_org_id, "to_org_name": t.to_org.name,
            "transferred_on": t.transferred_on, "reason": t.reason, "seats_ended": t.seats_ended,
            "created_at": t.created_at}


class MemberUpdateIn(Schema):
    expected_version: Version
    name: str | None = None
    phone: str | None = None
    status: MemberStatus | None = None
    kind: MemberKind | None = None
    work_unit: str | None = None
    active: bool | None = None
    home_community_id: DbId | None = None


class MemberOut(Schema):
    id: int
    name: str
    org_id: int
    org_name: str
    phone: str  # masked (138****1234) unless the reader may see it in clear: /reveal-phone
    status: str
    kind: str
    work_unit: str
    joined_party_on: dt.date | None
    home_community_id: int | None
    active: bool
    version: int


def member_out(m) -> dict:
    return {"id": m.pk, "name": m.name, "org_id": m.org_id, "org_name": m.org.name, "phone": mask_phone(m.phone),
            "status": m.status, "kind": m.kind, "work_unit": m.work_unit, "joined_party_on": m.joined_party_on,
            "home_community_id": m.home_community_id, "active": m.active, "version": m.version}


class PhoneOut(Schema):
    phone: str


class ReportInIn(Schema):
    member_id: DbId
    community_id: DbId
    service_post: ServicePost
    commitments: str = ""


class DecideIn(Schema):
    reason: str = ""
    expected_version: Version | None = None


class ReportInOut(Schema):
    id: int
    member_id: int
    member_name: str
    community_id: int
    community_name: str
    unit_org_id: int
    unit_org_name: str
    status: str
    service_post: str
    commitments: str
    registered_at: dt.datetime
    confirmed_at: dt.datetime | None
    rejected_at: dt.datetime | None
    reject_reason: str
    ended_at: dt.datetime | None
    version: int


def report_in_out(r) -> dict:
    return {"id": r.pk, "member_id": r.member_id, "member_name": r.member.name, "community_id": r.community_id,
            "community_name": r.community.name, "unit_org_id": r.unit_org_id, "unit_org_name": r.unit_org.name,
            "status": r.status, "service_post": r.service_post, "commitments": r.commitments,
            "registered_at": r.registered_at, "confirmed_at": r.confirmed_at, "rejected_at": r.rejected_at,
            "reject_reason": r.reject_reason, "ended_at": r.ended_at, "version": r.version}


class UnitReportInIn(Schema):
    org_id: DbId
    community_id: DbId
    offer: str = ""


class UnitReportInOut(Schema):
    id: int
    org_id: int
    org_name: str
    community_id: int
    community_name: str
    status: str
    offer: str
    registered_at: dt.datetime
    confirmed_at: dt.datetime | None
    rejected_at: dt.datetime | None
    reject_reason: str


def unit_report_in_out(r) -> dict:
    return {"id": r.pk, "org_id": r.org_id, "org_name": r.org.name, "community_id": r.community_id,
            "community_name": r.community.name, "status": r.status, "offer": r.offer,
            "registered_at": r.registered_at, "confirmed_at": r.confirmed_at, "rejected_at": r.rejected_at,
            "reject_reason": r.reject_reason}


class ServiceIn(Schema):
    served_on: Day
    hours: Hours
    description: str


class ServiceOut(Schema):
    id: int
    report_in_id: int
    served_on: dt.date
    hours: Decimal
    description: str
    source: str
    confirmed: bool


def service_out(s) -> dict:
    return {"id": s.pk, "report_in_id": s.report_in_id, "served_on": s.served_on, "hours": s.hours,
            "description": s.description, "source": s.source, "confirmed": s.confirmed_at is not None}


class EvaluationIn(Schema):
    year: Year
    grade: EvaluationGrade
    comment: str = ""


class EvaluationOut(Schema):
    id: int
    report_in_id: int
    member_name: str
    year: int
    hours: Decimal
    services: int
    grade: str
    comment: str
    report_text: str
    sent_at: dt.datetime | None


def evaluation_out(e) -> dict:
    return {"id": e.pk, "report_in_id": e.report_in_id, "member_name": e.report_in.member.name, "year": e.year,
            "hours": e.hours, "services": e.services, "grade": e.grade, "comment": e.comment,
            "report_text": e.report_text, "sent_at": e.sent_at}


class MeOut(Schema):
    member: MemberOut
    report_ins: list[ReportInOut]
    confirmed_hours: Decimal
    pending_hours: Decimal
    services: list[ServiceOut]
    evaluations: list[EvaluationOut]


class WishIn(Schema):
    area_id: DbId
    title: str
    category: WishCategory
    description: str = ""
    wanted_by: Day | None = None
    requester_name: str = ""
    requester_phone: str = ""


class ReasonIn(Schema):
    reason: str = ""
    expected_version: Version | None = None


class ClaimIn(Schema):
    org_id: DbId | None = None  # claim for a co-building unit (community staff); blank: for myself


class CompleteIn(Schema):
    proof: str
    hours: Hours


class RateIn(Schema):
    rating: Annotated[int, Field(ge=1, le=5)]
    comment: str = ""


class WishOut(Schema):
    id: int
    title: str
    description: str
    category: str
    status: str
    community_id: int
    community_name: str
    grid_name: str
    wanted_by: dt.date | None
    requester_name: str
    requester_phone: str  # masked
    event_number: str
    posted_at: dt.datetime
    published_at: dt.datetime | None
    claimed_at: dt.datetime | None
    done_at: dt.datetime | None
    rated_at: dt.datetime | None
    closed_at: dt.datetime | None
    close_reason: str
    claimant: str
    proof: str
    hours: Decimal | None
    rating: int | None
    rating_comment: str
    version: int
    proof_photo_url: str  # "" without a photo; shown to the requester, the claimant and the community


def wish_out(w) -> dict:
    claimant = w.claimant_member.name if w.claimant_member_id else (w.claimant_org.name if w.claimant_org_id else "")
    return {"id": w.pk, "title": w.title, "description": w.description, "category": w.category, "status": w.status,
            "community_id": w.community_id, "community_name": w.community.name,
            "grid_name": w.grid.name if w.grid_id else "", "wanted_by": w.wanted_by,
            "requester_name": w.requester_name, "requester_phone": mask_phone(w.requester_phone),
            "event_number": w.event_number, "posted_at": w.posted_at, "published_at": w.published_at,
            "claimed_at": w.claimed_at, "done_at": w.done_at, "rated_at": w.rated_at, "closed_at": w.closed_at,
            "close_reason": w.close_reason, "claimant": claimant, "proof": w.proof, "hours": w.hours,
            "rating": w.rating, "rating_comment": w.rating_comment, "version": w.version,
            "proof_photo_url": f"/api/party/wishes/{w.pk}/proof-photo" if w.proof_photo else ""}


class NeedIn(Schema):
    community_id: DbId
    title: str
    category: NeedCategory
    source: NeedSource
    description: str = ""
    amount: Annotated[int, Field(ge=1, le=1_000_000)] = 1
    source_ref: str = ""


class NeedOut(Schema):
    id: int
    community_id: int
    community_name: str
    title: str
    description: str
    category: str
    source: str
    source_ref: str
    amount: int
    status: str
    created_at: dt.datetime
    matched_at: dt.datetime | None
    met_at: dt.datetime | None
    closed_at: dt.datetime | None


def need_out(n) -> dict:
    return {"id": n.pk, "community_id": n.community_id, "community_name": n.community.name, "title": n.title,
            "description": n.description, "category": n.category, "source": n.source, "source_ref": n.source_ref,
            "amount": n.amount, "status": n.status, "created_at": n.created_at, "matched_at": n.matched_at,
            "met_at": n.met_at, "closed_at": n.closed_at}


class ResourceIn(Schema):
    street_id: DbId
    title: str
    kind: ResourceKind
    category: NeedCategory
    capacity: Annotated[int, Field(ge=1, le=10_000_000)]
    unit: str = "人次"
    provider_org_id: DbId | None = None
    provider_name: str = ""
    description: str = ""
    lon: Annotated[float, Field(ge=-180, le=180)] | None = None
    lat: Annotated[float, Field(ge=-90, le=90)] | None = None
    available_from: Day | None = None
    available_until: Day | None = None


class ResourceOut(Schema):
    id: int
    street_id: int
    provider_org_id: int | None
    provider_name: str
    title: str
    kind: str
    category: str
    description: str
    capacity: int
    remaining: int
    unit: str
    available_from: dt.date | None
    available_until: dt.date | None
    active: bool


def resource_out(r, left: int | None = None) -> dict:
    if left is None:
        used = getattr(r, "used", None)
        left = r.capacity - (used or 0) if hasattr(r, "used") else None
    if left is None:
        from .services.lists import remaining

        left = remaining(r)
    return {"id": r.pk, "street_id": r.street_id, "provider_org_id": r.provider_id, "provider_name": r.provider_name,
            "title": r.title, "kind": r.kind, "category": r.category, "description": r.description,
            "capacity": r.capacity, "remaining": left, "unit": r.unit, "available_from": r.available_from,
            "available_until": r.available_until, "active": r.active}


class SuggestionOut(Schema):
    resource: ResourceOut
    km: float | None


class UseIn(Schema):
    resource_id: DbId
    amount: Annotated[int, Field(ge=1, le=10_000_000)]


class ProjectIn(Schema):
    need_id: DbId
    title: str
    owner: str
    plan: str = ""
    uses: list[UseIn]


class ProjectUpdateIn(Schema):
    expected_version: Version | None = None
    move: Literal["start", "complete", "evaluate"] | None = None
    progress: Annotated[int, Field(ge=0, le=100)] | None = None
    result: str = ""
    rating: Annotated[int, Field(ge=1, le=5)] | None = None
    evaluation: str = ""


class UseOut(Schema):
    resource_id: int
    resource_title: str
    provider_name: str
    amount: int


class ProjectOut(Schema):
    id: int
    need_id: int
    need_title: str
    community_name: str
    title: str
    owner: str
    plan: str
    progress: int
    status: str
    result: str
    rating: int | None
    evaluation: str
    uses: list[UseOut]
    created_at: dt.datetime
    started_at: dt.datetime | None
    done_at: dt.datetime | None
    evaluated_at: dt.datetime | None
    version: int


def project_out(p) -> dict:
    return {"id": p.pk, "need_id": p.need_id, "need_title": p.need.title, "community_name": p.need.community.name,
            "title": p.title, "owner": p.owner, "plan": p.plan, "progress": p.progress, "status": p.status,
            "result": p.result, "rating": p.rating, "evaluation": p.evaluation,
            "uses": [{"resource_id": u.resource_id, "resource_title": u.resource.title,
                      "provider_name": u.resource.provider_name, "amount": u.amount} for u in p.uses.all()],
            "created_at": p.created_at, "started_at": p.started_at, "done_at": p.done_at,
            "evaluated_at": p.evaluated_at, "version": p.version}


class NeedsReportOut(Schema):
    street_id: int
    street_name: str
    needs: int
    matched: int
    met: int
    closed: int
    open: int
    rate: float | None
    mean_days: float | None
    median_days: float | None
    by_provider: dict[str, int]


class MeetingIn(Schema):
    street_org_id: DbId
    title: str
    held_on: Day
    agenda: str = ""
    minutes: str = ""
    attendee_ids: list[DbId] = []


class FollowUpIn(Schema):
    resolution: str
    due_on: Day
    owner_org_id: DbId | None = None
    owner_name: str = ""


class ResultIn(Schema):
    result: str


class FollowUpOut(Schema):
    id: int
    meeting_id: int
    resolution: str
    owner_name: str
    owner_org_id: int | None
    due_on: dt.date
    status: str
    result: str
    done_at: dt.datetime | None
    overdue: bool


def followup_out(f) -> dict:
    return {"id": f.pk, "meeting_id": f.meeting_id, "resolution": f.resolution, "owner_name": f.owner_name,
            "owner_org_id": f.owner_org_id, "due_on": f.due_on, "status": f.status, "result": f.result,
            "done_at": f.done_at, "overdue": f.overdue_at is not None}


class MeetingOut(Schema):
    id: int
    street_org_id: int
    title: str
    held_on: dt.date
    agenda: str
    minutes: str
    attendees: list[str]
    followups: list[FollowUpOut]


def meeting_out(m) -> dict:
    return {"id": m.pk, "street_org_id": m.street_org_id, "title": m.title, "held_on": m.held_on, "agenda": m.agenda,
            "minutes": m.minutes, "attendees": [o.name for o in m.attendees.all()],
            "followups": [followup_out(f) for f in m.followups.all()]}
