"""HTTP API of party building: ``/api/party/…`` — organizations, co-building units and committee
seats, members, report-ins (members' and units'), service hours, yearly evaluations, and a member's
own page (``/api/party/me``). Scoped as everywhere; phones masked."""

from __future__ import annotations

from django.http import FileResponse
from ninja import File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile

from jiewang.areas.selectors import area_or_404
from jiewang.core.errors import NotFound, declares_errors
from jiewang.core.schema_types import DbId

from . import selectors
from .choices import FollowUpStatus, NeedCategory, NeedStatus, OrgKind, ProjectStatus, ReportInStatus, WishStatus
from .schemas import (CoBuildingIn, CoBuildingOut, DecideIn, EndIn, EvaluationIn, EvaluationOut, MeOut, MemberIn,
                      MemberOut, MemberUpdateIn, OfficerIn, OfficerOut, OrgIn, OrgOut, OrgUpdateIn, PhoneOut,
                      ReportInIn, ReportInOut, ServiceIn, ServiceOut, UnitReportInIn, UnitReportInOut,
                      cobuilding_out, evaluation_out, member_out, officer_out, org_out, report_in_out, service_out,
                      unit_report_in_out)
from .schemas import ClaimIn, CompleteIn, Hours, RateIn, ReasonIn, WishIn, WishOut, wish_out
from .schemas import TransferIn, TransferOut, transfer_out
from .schemas import (FollowUpIn, FollowUpOut, MeetingIn, MeetingOut, NeedIn, NeedOut, NeedsReportOut, ProjectIn,
                      ProjectOut, ProjectUpdateIn, ResourceIn, ResourceOut, ResultIn, SuggestionOut, followup_out,
                      meeting_out, need_out, project_out, resource_out)
from .services import members as member_svc
from .services import orgs as org_svc
from .services import reportins as ri_svc
from .services import transfers as transfer_svc
from .services import wishes as wish_svc
from .services import conference as conf_svc
from .services import lists as list_svc

router = Router(tags=["party"])



# ---- organizations ----------------------------------------------------------------------------

class OrgQuery(Schema):
    kind: OrgKind | None = None
    area_id: DbId | None = None


@router.get("/orgs", response=list[OrgOut], summary="党组织: the organizations in scope")
def orgs(request, q: Query[OrgQuery]):
    return [org_out(o) for o in selectors.org_list(user=request.user, kind=q.kind, area_id=q.area_id)[:1000]]


@router.post("/orgs", response={201: OrgOut}, summary="Found an organization (party-building staff, commander)")
def org_create(request, payload: OrgIn):
    parent = selectors.org_get(user=request.user, org_id=payload.parent_id) if payload.parent_id else None
    org = org_svc.org_create(actor=request.user, kind=payload.kind, name=payload.name, area=area_or_404(payload.area_id),
                             parent=parent, sector=payload.sector or "", superior_name=payload.superior_name,
                             term_started=payload.term_started, term_years=payload.term_years)
    return Status(201, org_out(org))


@router.get("/orgs/{int:org_id}", response=OrgOut, summary="One organization")
def org(request, org_id: DbId):
    return org_out(selectors.org_get(user=request.user, org_id=org_id))


@router.put("/orgs/{int:org_id}", response=OrgOut, summary="Rename, start a new term, retire")
def org_update(request, org_id: DbId, payload: OrgUpdateIn):
    org = selectors.org_get(user=request.user, org_id=org_id)
    return org_out(org_svc.org_update(actor=request.user, org=org, expected_version=payload.expected_version,
                                      name=payload.name, term_started=payload.term_started,
                                      term_years=payload.term_years, active=payload.active))


@router.get("/orgs/{int:org_id}/officers", response=list[OfficerOut], summary="The committee (current seats)")
def officers(request, org_id: DbId):
    org = selectors.org_get(user=request.user, org_id=org_id)
    return [officer_out(s) for s in selectors.officers(user=request.user, org=org)]


@router.post("/orgs/{int:org_id}/officers", response={201: OfficerOut}, summary="Seat a member on the committee")
def officer_appoint(request, org_id: DbId, payload: OfficerIn):
    org = selectors.org_get(user=request.user, org_id=org_id)
    member = selectors.member_get(user=request.user, member_id=payload.member_id)
    seat = org_svc.officer_appoint(actor=request.user, org=org, member=member, role=payload.role,
                                   started_on=payload.started_on, from_unit=payload.from_unit)
    return Status(201, officer_out(seat))


@router.post("/officers/{int:seat_id}/end", response=OfficerOut, summary="End a seat")
def officer_end(request, seat_id: DbId, payload: EndIn):
    seat = selectors.seat_get(user=request.user, seat_id=seat_id)
    return officer_out(org_svc.officer_end(actor=request.user, seat=seat, ended_on=payload.on))


@router.get("/orgs/{int:org_id}/co-builders", response=list[CoBuildingOut], summary="A street's co-building units")
def co_builders(request, org_id: DbId):
    org = selectors.org_get(user=request.user, org_id=org_id)
    return [cobuilding_out(c) for c in selectors.cobuilders(user=request.user, street_org=org)]


@router.post("/orgs/{int:org_id}/co-builders", response={201: CoBuildingOut}, summary="Join a co-building unit")
def co_builder_join(request, org_id: DbId, payload: CoBuildingIn):
    street = selectors.org_get(user=request.user, org_id=org_id)
    unit = selectors.org_get(user=request.user, org_id=payload.org_id)
    link = org_svc.cobuilding_join(actor=request.user, street_org=street, org=unit, joined_on=payload.joined_on,
                                   offer=payload.offer)
    return Status(201, cobuilding_out(link))


@router.post("/co-builders/{int:link_id}/leave", response=CoBuildingOut, summary="A co-building unit leaves")
def co_builder_leave(request, link_id: DbId, payload: EndIn):
    link = selectors.cobuilding_get(user=request.user, link_id=link_id)
    return cobuilding_out(org_svc.cobuilding_leave(actor=request.user, link=link, left_on=payload.on))


# ---- members ----------------------------------------------------------------------------------

class MemberQuery(Schema):
    org_id: DbId | None = None
    q: str = ""


@router.get("/members", response=list[MemberOut], summary="党员: members in scope (phones masked)")
def members(request, q: Query[MemberQuery]):
    return [member_out(m) for m in selectors.member_list(user=request.user, org_id=q.org_id, q=q.q[:40])[:500]]


@router.post("/members", response={201: MemberOut}, summary="Enrol a member")
def member_create(request, payload: MemberIn):
    org = selectors.org_get(user=request.user, org_id=payload.org_id)
    home = area_or_404(payload.home_community_id) if payload.home_community_id else None
    member = member_svc.member_create(actor=request.user, org=org, name=payload.name, phone=payload.phone,
                                      status=payload.status, kind=payload.kind, work_unit=payload.work_unit,
                                      joined_party_on=payload.joined_party_on, home_community=home)
    return Status(201, member_out(member))


@router.get("/members/{int:member_id}", response=MemberOut, summary="One member (phone masked)")
def member(request, member_id: DbId):
    return member_out(selectors.member_get(user=request.user, member_id=member_id))


@router.put("/members/{int:member_id}", response=MemberOut, summary="Edit a member")
def member_update(request, member_id: DbId, payload: MemberUpdateIn):
    m = selectors.member_get(user=request.user, member_id=member_id)
    data = payload.dict(exclude={"expected_version", "home_community_id"})
    if payload.home_community_id:
        data["home_community"] = area_or_404(payload.home_community_id)
    return member_out(member_svc.member_update(actor=request.user, member=m,
                                               expected_version=payload.expected_version, **data))


@router.post("/members/{int:member_id}/transfer", response={201: TransferOut},
             summary="组织关系转接: move the member to another organization in the actor's scope (kept as history)")
def member_transfer(request, member_id: DbId, payload: TransferIn):
    m = selectors.member_get(user=request.user, member_id=member_id)
    to_org = selectors.org_get(user=request.user, org_id=payload.to_org_id)
    row = transfer_svc.member_transfer(actor=request.user, member=m, to_org=to_org, reason=payload.reason,
                                       transferred_on=payload.transferred_on, expected_version=payload.expected_version)
    return Status(201, transfer_out(row))


@router.get("/members/{int:member_id}/transfers", response=list[TransferOut],
            summary="The member's transfers between organizations, newest first")
def member_transfers(request, member_id: DbId):
    m = selectors.member_get(user=request.user, member_id=member_id)
    return [transfer_out(t) for t in selectors.transfer_list(user=request.user, member_id=m.pk)]


@router.post("/members/{int:member_id}/reveal-phone", response=PhoneOut,
             summary="The phone in clear (keepers; every read audited)")
def member_reveal(request, member_id: DbId):
    m = selectors.member_get(user=request.user, member_id=member_id)
    return {"phone": member_svc.member_phone_reveal(actor=request.user, member=m)}


# ---- report-ins -------------------------------------------------------------------------------

class ReportInQuery(Schema):
    status: ReportInStatus | None = None
    community_id: DbId | None = None


@router.get("/report-ins", response=list[ReportInOut], summary="双报到: members' report-ins in scope")
def report_ins(request, q: Query[ReportInQuery]):
    rows = selectors.report_in_list(user=request.user, status=q.status, community_id=q.community_id)[:500]
    return [report_in_out(r) for r in rows]


@router.post("/report-ins", response={201: ReportInOut},
             summary="A member reports in to the community where they live (the member, or community staff)")
def report_in_register(request, payload: ReportInIn):
    member = selectors.member_get(user=request.user, member_id=payload.member_id)
    row = ri_svc.report_in_register(actor=request.user, member=member, community=area_or_404(payload.community_id),
                                    service_post=payload.service_post, commitments=payload.commitments)
    return Status(201, report_in_out(row))


def _decide(request, report_in_id: int, move: str, payload: DecideIn):
    row = selectors.report_in_get(user=request.user, report_in_id=report_in_id)
    return report_in_out(ri_svc.report_in_decide(actor=request.user, report_in=row, move=move,
                                                 reason=payload.reason, expected_version=payload.expected_version))


@router.post("/report-ins/{int:report_in_id}/confirm", response=ReportInOut, summary="The community confirms")
def report_in_confirm(request, report_in_id: DbId, payload: DecideIn):
    return _decide(request, report_in_id, "confirm", payload)


@router.post("/report-ins/{int:report_in_id}/reject", response=ReportInOut,
             summary="The community returns a report-in (with a reason)")
def report_in_reject(request, report_in_id: DbId, payload: DecideIn):
    return _decide(request, report_in_id, "reject", payload)


@router.post("/report-ins/{int:report_in_id}/end", response=ReportInOut,
             summary="End a report-in (the member moved away: with a reason)")
def report_in_end(request, report_in_id: DbId, payload: DecideIn):
    return _decide(request, report_in_id, "end", payload)


@router.get("/report-ins/{int:report_in_id}/services", response=list[ServiceOut], summary="Service hours logged")
def services(request, report_in_id: DbId):
    row = selectors.report_in_get(user=request.user, report_in_id=report_in_id)
    return [service_out(s) for s in selectors.services(user=request.user, report_in=row)[:500]]


@router.post("/report-ins/{int:report_in_id}/services", response={201: ServiceOut},
             summary="Log service hours (community staff: confirmed; the member: pending)")
def service_log(request, report_in_id: DbId, payload: ServiceIn):
    row = selectors.report_in_get(user=request.user, report_in_id=report_in_id)
    rec = ri_svc.service_log(actor=request.user, report_in=row, served_on=payload.served_on, hours=payload.hours,
                             description=payload.description)
    return Status(201, service_out(rec))


@router.post("/services/{int:service_id}/confirm", response=ServiceOut, summary="Confirm hours a member logged")
def service_confirm(request, service_id: DbId):
    rec = selectors.service_get(user=request.user, service_id=service_id)
    return service_out(ri_svc.service_confirm(actor=request.user, record=rec))


@router.post("/report-ins/{int:report_in_id}/evaluations", response={201: EvaluationOut},
             summary="The yearly evaluation, sent back to the member's unit")
def evaluation_make(request, report_in_id: DbId, payload: EvaluationIn):
    row = selectors.report_in_get(user=request.user, report_in_id=report_in_id)
    ev = ri_svc.evaluation_make(actor=request.user, report_in=row, year=payload.year, grade=payload.grade,
                                comment=payload.comment)
    return Status(201, evaluation_out(ev))


class YearQuery(Schema):
    year: int | None = None


@router.get("/evaluations", response=list[EvaluationOut], summary="Yearly evaluations in scope")
def evaluations(request, q: Query[YearQuery]):
    year = q.year if q.year and 2000 <= q.year <= 2100 else None
    return [evaluation_out(e) for e in selectors.evaluation_list(user=request.user, year=year)[:500]]


@router.get("/unit-report-ins", response=list[UnitReportInOut], summary="单位报到: units' report-ins in scope")
def unit_report_ins(request, q: Query[ReportInQuery]):
    return [unit_report_in_out(r) for r in selectors.unit_report_in_list(user=request.user, status=q.status)[:500]]


@router.post("/unit-report-ins", response={201: UnitReportInOut}, summary="A unit reports in to a community")
def unit_report_in_register(request, payload: UnitReportInIn):
    org = selectors.org_get(user=request.user, org_id=payload.org_id)
    row = ri_svc.unit_report_in_register(actor=request.user, org=org, community=area_or_404(payload.community_id),
                                         offer=payload.offer)
    return Status(201, unit_report_in_out(row))


def _unit_decide(request, unit_report_in_id: int, move: str, payload: DecideIn):
    row = selectors.unit_report_in_get(user=request.user, unit_report_in_id=unit_report_in_id)
    return unit_report_in_out(ri_svc.unit_report_in_decide(actor=request.user, report_in=row, move=move,
                                                           reason=payload.reason))


@router.post("/unit-report-ins/{int:unit_report_in_id}/confirm", response=UnitReportInOut,
             summary="The community confirms a unit's report-in")
def unit_report_in_confirm(request, unit_report_in_id: DbId, payload: DecideIn):
    return _unit_decide(request, unit_report_in_id, "confirm", payload)


@router.post("/unit-report-ins/{int:unit_report_in_id}/reject", response=UnitReportInOut,
             summary="The community returns a unit's report-in (with a reason)")
def unit_report_in_reject(request, unit_report_in_id: DbId, payload: DecideIn):
    return _unit_decide(request, unit_report_in_id, "reject", payload)


# ---- the member's own page ----------------------------------------------------------------------

@router.get("/me", response={200: MeOut}, summary="My party record: report-ins, hours, evaluations")
@declares_errors(404)  # the account is not linked to a party member
def me(request):
    rec = selectors.my_record(user=request.user)
    if rec is None:
        raise NotFound("您的账号未关联党员信息 / Your account is not linked to a party member.",
                       code="party.not_a_member")
    return {**rec, "member": member_out(rec["member"]),
            "report_ins": [report_in_out(r) for r in rec["report_ins"]],
            "services": [service_out(s) for s in rec["services"]],
            "evaluations": [evaluation_out(e) for e in rec["evaluations"]]}


# ---- small wishes (微心愿: 点单·派单·接单·评单) -------------------------------------------------------

class WishQuery(Schema):
    status: WishStatus | None = None
    mine: bool = False


@router.get("/wishes", response=list[WishOut], summary="微心愿: the wishes the user may see (the wish board)")
def wishes(request, q: Query[WishQuery]):
    return [wish_out(w) for w in selectors.wish_list(user=request.user, status=q.status, mine=q.mine)[:500]]


@router.post("/wishes", response={201: WishOut}, summary="Post a wish (a resident; a grid worker or community for one)")
def wish_post(request, payload: WishIn):
    wish = wish_svc.wish_post(actor=request.user, area=area_or_404(payload.area_id), title=payload.title,
                              category=payload.category, description=payload.description, wanted_by=payload.wanted_by,
                              requester_name=payload.requester_name, requester_phone=payload.requester_phone)
    return Status(201, wish_out(wish))


@router.get("/wishes/{int:wish_id}", response=WishOut, summary="One wish")
def wish(request, wish_id: DbId):
    return wish_out(selectors.wish_get(user=request.user, wish_id=wish_id))


@router.post("/wishes/{int:wish_id}/publish", response=WishOut, summary="派单: publish for claiming")
def wish_publish(request, wish_id: DbId, payload: ReasonIn):
    w = selectors.wish_get(user=request.user, wish_id=wish_id)
    return wish_out(wish_svc.wish_publish(actor=request.user, wish=w, expected_version=payload.expected_version))


@router.post("/wishes/{int:wish_id}/refuse", response=WishOut, summary="Not taken up (with a reason)")
def wish_refuse(request, wish_id: DbId, payload: ReasonIn):
    w = selectors.wish_get(user=request.user, wish_id=wish_id)
    return wish_out(wish_svc.wish_refuse(actor=request.user, wish=w, reason=payload.reason))


@router.post("/wishes/{int:wish_id}/withdraw", response=WishOut, summary="The requester withdraws")
def wish_withdraw(request, wish_id: DbId, payload: ReasonIn):
    w = selectors.wish_get(user=request.user, wish_id=wish_id)
    return wish_out(wish_svc.wish_withdraw(actor=request.user, wish=w, reason=payload.reason))


@router.post("/wishes/{int:wish_id}/claim", response=WishOut,
             summary="接单: a reported-in member claims it, or the community for a co-building unit")
def wish_claim(request, wish_id: DbId, payload: ClaimIn):
    w = selectors.wish_get(user=request.user, wish_id=wish_id)
    org = selectors.org_get(user=request.user, org_id=payload.org_id) if payload.org_id else None
    return wish_out(wish_svc.wish_claim(actor=request.user, wish=w, org=org))


@router.post("/wishes/{int:wish_id}/release", response=WishOut, summary="The claimant gives it back")
def wish_release(request, wish_id: DbId):
    w = selectors.wish_get(user=request.user, wish_id=wish_id)
    return wish_out(wish_svc.wish_release(actor=request.user, wish=w))


@router.post("/wishes/{int:wish_id}/complete", response=WishOut, summary="Done, with proof and hours")
def wish_complete(request, wish_id: DbId, payload: CompleteIn):
    w = selectors.wish_get(user=request.user, wish_id=wish_id)
    return wish_out(wish_svc.wish_complete(actor=request.user, wish=w, proof=payload.proof, hours=payload.hours))


@router.post("/wishes/{int:wish_id}/complete-with-photo", response=WishOut,
             summary="Done, with proof, hours and a photo (multipart; the events' photo limits: JPEG/PNG/WebP)")
def wish_complete_with_photo(request, wish_id: DbId, proof: str = Form(..., max_length=1000), hours: Hours = Form(...),
                             photo: UploadedFile = File(...)):
    w = selectors.wish_get(user=request.user, wish_id=wish_id)
    return wish_out(wish_svc.wish_complete(actor=request.user, wish=w, proof=proof, hours=hours,
                                           photo=_read_photo(photo)))


def _read_photo(upload) -> bytes:
    """The upload's bytes, read no further than one byte past the limit (the service refuses it)."""
    from jiewang.events.services.photos import max_bytes

    return upload.read(max_bytes() + 1)


@router.get("/wishes/{int:wish_id}/proof-photo", response={200: None},
            summary="The photo proof (the requester, the claimant, the community's people)")
def wish_proof_photo(request, wish_id: DbId):
    w = selectors.wish_get(user=request.user, wish_id=wish_id)
    if not w.proof_photo or not wish_svc.proof_photo_visible(request.user, w):
        raise NotFound("没有照片 / No photo.", code="party.no_photo")
    return FileResponse(w.proof_photo.open("rb"), content_type=w.proof_photo_type or "application/octet-stream")


@router.post("/wishes/{int:wish_id}/rate", response=WishOut, summary="评单: the requester rates 1–5")
def wish_rate(request, wish_id: DbId, payload: RateIn):
    w = selectors.wish_get(user=request.user, wish_id=wish_id)
    return wish_out(wish_svc.wish_rate(actor=request.user, wish=w, rating=payload.rating, comment=payload.comment))


# ---- the three lists (三张清单) -------------------------------------------------------------------

class NeedQuery(Schema):
    status: NeedStatus | None = None
    community_id: DbId | None = None


@router.get("/needs", response=list[NeedOut], summary="需求清单: needs in scope")
def needs(request, q: Query[NeedQuery]):
    return [need_out(n) for n in selectors.need_list(user=request.user, status=q.status,
                                                      community_id=q.community_id)[:500]]


@router.post("/needs", response={201: NeedOut}, summary="List a need (community)")
def need_create(request, payload: NeedIn):
    need = list_svc.need_create(actor=request.user, community=area_or_404(payload.community_id), title=payload.title,
                                category=payload.category, source=payload.source, description=payload.description,
                                amount=payload.amount, source_ref=payload.source_ref)
    return Status(201, need_out(need))


@router.get("/needs/{int:need_id}/suggestions", response=list[SuggestionOut],
            summary="Resources that could meet the need: same category, nearest, most capacity left")
def need_suggestions(request, need_id: DbId):
    need = selectors.need_get(user=request.user, need_id=need_id)
    return [{"resource": resource_out(s["resource"], s["remaining"]), "km": s["km"]}
            for s in list_svc.suggest_resources(need=need)]


@router.post("/needs/{int:need_id}/close", response=NeedOut, summary="Close a need unmet (with a reason)")
def need_close(request, need_id: DbId, payload: ReasonIn):
    need = selectors.need_get(user=request.user, need_id=need_id)
    return need_out(list_svc.need_close(actor=request.user, need=need, reason=payload.reason))


class StreetQuery(Schema):
    street_id: DbId


@router.get("/needs/report", response=NeedsReportOut, summary="Per street: needs met, by whom, how fast")
def needs_report(request, q: Query[StreetQuery]):
    street = area_or_404(q.street_id)
    selectors.ensure_street_reader(user=request.user, street=street)
    return {"street_id": street.pk, "street_name": street.name, **list_svc.needs_report(street=street)}


class CategoryQuery(Schema):
    category: NeedCategory | None = None


@router.get("/resources", response=list[ResourceOut], summary="资源清单: resources in scope, with capacity left")
def resources(request, q: Query[CategoryQuery]):
    return [resource_out(r) for r in selectors.resource_list(user=request.user, category=q.category)[:500]]


@router.post("/resources", response={201: ResourceOut}, summary="List a resource (street)")
def resource_create(request, payload: ResourceIn):
    provider = selectors.org_get(user=request.user, org_id=payload.provider_org_id) if payload.provider_org_id else None
    r = list_svc.resource_create(actor=request.user, street=area_or_404(payload.street_id), title=payload.title,
                                 kind=payload.kind, category=payload.category, capacity=payload.capacity,
                                 unit=payload.unit, provider=provider, provider_name=payload.provider_name,
                                 description=payload.description, lon=payload.lon, lat=payload.lat,
                                 available_from=payload.available_from, available_until=payload.available_until)
    return Status(201, resource_out(r))


class ProjectQuery(Schema):
    status: ProjectStatus | None = None


@router.get("/projects", response=list[ProjectOut], summary="项目清单: projects in scope")
def projects(request, q: Query[ProjectQuery]):
    return [project_out(p) for p in selectors.project_list(user=request.user, status=q.status)[:500]]


@router.post("/projects", response={201: ProjectOut}, summary="Match a need with resources as a project")
def project_create(request, payload: ProjectIn):
    need = selectors.need_get(user=request.user, need_id=payload.need_id)
    uses = [(selectors.resource_get(user=request.user, resource_id=u.resource_id), u.amount) for u in payload.uses]
    p = list_svc.project_create(actor=request.user, need=need, title=payload.title, owner=payload.owner, uses=uses,
                                plan=payload.plan)
    return Status(201, project_out(selectors.project_get(user=request.user, project_id=p.pk)))


@router.put("/projects/{int:project_id}", response=ProjectOut,
            summary="Progress, start, complete (the need is met), residents' evaluation")
def project_update(request, project_id: DbId, payload: ProjectUpdateIn):
    p = selectors.project_get(user=request.user, project_id=project_id)
    list_svc.project_update(actor=request.user, project=p, move=payload.move, expected_version=payload.expected_version,
                            progress=payload.progress, result=payload.result, rating=payload.rating,
                            evaluation=payload.evaluation)
    return project_out(selectors.project_get(user=request.user, project_id=project_id))


# ---- the joint conference (联席会议) --------------------------------------------------------------

@router.get("/meetings", response=list[MeetingOut], summary="联席会议: the street's meetings and their items")
def meetings(request):
    return [meeting_out(m) for m in selectors.meeting_list(user=request.user)[:200]]


@router.post("/meetings", response={201: MeetingOut}, summary="Record a meeting")
def meeting_create(request, payload: MeetingIn):
    street = selectors.org_get(user=request.user, org_id=payload.street_org_id)
    attendees = [selectors.org_get(user=request.user, org_id=i) for i in payload.attendee_ids[:100]]
    m = conf_svc.meeting_create(actor=request.user, street_org=street, title=payload.title, held_on=payload.held_on,
                                agenda=payload.agenda, minutes=payload.minutes, attendees=attendees)
    return Status(201, meeting_out(m))


@router.post("/meetings/{int:meeting_id}/followups", response={201: FollowUpOut},
             summary="Add a resolution's follow-up item (owner, deadline)")
def followup_add(request, meeting_id: DbId, payload: FollowUpIn):
    m = selectors.meeting_get(user=request.user, meeting_id=meeting_id)
    owner = selectors.org_get(user=request.user, org_id=payload.owner_org_id) if payload.owner_org_id else None
    item = conf_svc.followup_add(actor=request.user, meeting=m, resolution=payload.resolution, due_on=payload.due_on,
                                 owner_org=owner, owner_name=payload.owner_name)
    return Status(201, followup_out(item))


class FollowUpQuery(Schema):
    status: FollowUpStatus | None = None
    overdue: bool = False


@router.get("/followups", response=list[FollowUpOut], summary="Follow-up items (open, overdue …)")
def followups(request, q: Query[FollowUpQuery]):
    return [followup_out(f) for f in selectors.followup_list(user=request.user, status=q.status,
                                                              overdue=q.overdue)[:500]]


@router.post("/followups/{int:followup_id}/done", response=FollowUpOut, summary="An item done, with its result")
def followup_done(request, followup_id: DbId, payload: ResultIn):
    item = selectors.followup_get(user=request.user, followup_id=followup_id)
    return followup_out(conf_svc.followup_done(actor=request.user, item=item, result=payload.result))
