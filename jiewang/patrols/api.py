"""HTTP API of patrols (``/api/patrols/…``): rules, patrols, their track and check-ins. The
session's user, scoped as everywhere: a grid worker writes only their own patrols."""

from __future__ import annotations

from django.conf import settings
from ninja import Field, File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile

from jiewang.areas.selectors import area_get
from jiewang.core.errors import NotFound, PayloadTooLarge
from jiewang.core.schema_types import DbId, Moment

from . import selectors
from .choices import PatrolStatus
from .coverage import coverage_report, overdue_key_persons
from .schemas import (BatchIn, BatchOut, BuildingOut, CheckInOut, CoverageOut, EndIn, OverdueOut, PatrolOut, RuleIn, RuleOut,
                      RuleUpdateIn, StartIn, TrackOut, VisitEventIn, VisitEventOut, VisitIn, VisitOut, checkin_out,
                      patrol_out, rule_out, visit_out)
from .services import patrols as patrol_svc
from .services import rules as rule_svc
from .services import visits as visit_svc
from .services.track import track_batch_add

router = Router(tags=["patrols"])


class RuleQuery(Schema):
    grid_id: DbId | None = None


@router.get("/rules", response=list[RuleOut], summary="巡查规则: the rules of the grids in scope")
def rules(request, q: Query[RuleQuery]):
    return [rule_out(r) for r in selectors.rule_list(user=request.user, grid_id=q.grid_id)[:500]]


@router.post("/rules", response={201: RuleOut}, summary="Set a rule on a grid (community staff, town, district)")
def rule_create(request, payload: RuleIn):
    rule = rule_svc.rule_create(actor=request.user, grid=area_get(user=request.user, area_id=payload.grid_id), kind=payload.kind,
                                every=payload.every, unit=payload.unit, note=payload.note)
    return Status(201, rule_out(rule))


@router.put("/rules/{int:rule_id}", response=RuleOut, summary="Change, enable or disable a rule")
def rule_update(request, rule_id: DbId, payload: RuleUpdateIn):
    rule = selectors.rule_get(user=request.user, rule_id=rule_id)
    rule = rule_svc.rule_update(actor=request.user, rule=rule, expected_version=payload.expected_version,
                                every=payload.every, unit=payload.unit, note=payload.note,
                                is_active=payload.is_active)
    return rule_out(rule)


class PatrolQuery(Schema):
    grid_id: DbId | None = None
    worker_id: DbId | None = None
    status: PatrolStatus | None = None


@router.get("", response=list[PatrolOut], summary="巡查: the patrols in scope, newest first")
def patrols(request, q: Query[PatrolQuery]):
    rows = selectors.patrol_list(user=request.user, grid_id=q.grid_id, worker_id=q.worker_id, status=q.status)
    return [patrol_out(p) for p in rows[:200]]


@router.post("", response={200: PatrolOut, 201: PatrolOut}, summary="Start a patrol of one of your grids")
def patrol_start(request, payload: StartIn):
    patrol, created = patrol_svc.patrol_start(actor=request.user, grid=area_get(user=request.user, area_id=payload.grid_id),
                                              client_id=payload.client_id, at=payload.started_at)
    return Status(201 if created else 200, patrol_out(selectors.patrol_get(user=request.user, patrol_id=patrol.pk)))


class BuildingQuery(Schema):
    grid_id: DbId | None = None


@router.get("/buildings", response=list[BuildingOut],
            summary="楼栋: the buildings a grid worker may check in at (their own grids only)")
def buildings(request, q: Query[BuildingQuery]):
    """The buildings of the grids the user works as a grid worker, for the check-in form (the
    phone keeps the list for use without signal). ``grid_id`` not one of theirs: 404
    ``patrol.not_your_grid``."""
    return selectors.patrol_buildings(user=request.user, grid_id=q.grid_id)


@router.get("/{int:patrol_id}", response=PatrolOut, summary="One patrol")
def patrol(request, patrol_id: DbId):
    return patrol_out(selectors.patrol_get(user=request.user, patrol_id=patrol_id))


@router.post("/{int:patrol_id}/points", response={200: BatchOut, 201: BatchOut},
             summary="Add a batch of track points (idempotent by batch_id; all or nothing)")
def points(request, patrol_id: DbId, payload: BatchIn):
    """201: stored; 200: this ``batch_id`` was stored before (nothing written again). 413 beyond
    2,000 points, 422 when any point is invalid (nothing of the batch stored)."""
    patrol = selectors.patrol_for_track(user=request.user, patrol_id=patrol_id)
    result = track_batch_add(actor=request.user, patrol=patrol, client_id=payload.batch_id,
                             points=[p.__dict__ for p in payload.points])  # plain dicts
    return Status(201 if result.created else 200, {"batch_id": payload.batch_id, "stored": result.points,
                                                   "outside": result.outside, "duplicate": not result.created})


@router.get("/{int:patrol_id}/track", response=TrackOut, summary="The patrol's track and check-ins")
def track(request, patrol_id: DbId):
    patrol = selectors.patrol_get(user=request.user, patrol_id=patrol_id)
    return {"points": selectors.track(patrol), "checkins": [checkin_out(c) for c in selectors.checkins(patrol)]}


@router.post("/{int:patrol_id}/checkins", response={200: CheckInOut, 201: CheckInOut},
             summary="打卡: a check-in with time, place and an optional photo (multipart; idempotent by client_id)")
def checkin(request, patrol_id: DbId, client_id: str = Form(..., min_length=1, max_length=64), at: Moment = Form(...),
            lon: float = Form(..., ge=-180, le=180), lat: float = Form(..., ge=-90, le=90),
            note: str = Form("", max_length=500), building_id: DbId | None = Form(None),
            photo: UploadedFile | None = File(None)):
    """``building_id``: the building checked (楼栋), one of the patrol's grid; another grid's:
    422 ``patrol.building_not_in_grid``, nothing stored."""
    patrol = selectors.patrol_get(user=request.user, patrol_id=patrol_id)
    data = None
    if photo is not None:
        limit = int(getattr(settings, "EVENT_PHOTO_MAX_BYTES", 10 * 1024 * 1024))
        if photo.size is not None and photo.size > limit:
            raise PayloadTooLarge("图片过大 / Image too large.", code="photo.too_large")
        data = photo.read()
    c, created = patrol_svc.checkin_add(actor=request.user, patrol=patrol, client_id=client_id, at=at, lon=lon,
                                        lat=lat, note=note, photo=data, building_id=building_id)
    return Status(201 if created else 200, checkin_out(c))


@router.post("/{int:patrol_id}/end", response=PatrolOut, summary="End the patrol (again: no change)")
def patrol_end(request, patrol_id: DbId, payload: EndIn):
    patrol = selectors.patrol_get(user=request.user, patrol_id=patrol_id)
    patrol_svc.patrol_end(actor=request.user, patrol=patrol, at=payload.at)
    return patrol_out(selectors.patrol_get(user=request.user, patrol_id=patrol_id))


# ---- visits (走访) ------------------------------------------------------------------------------

class VisitQuery(Schema):
    grid_id: DbId | None = None
    house_id: DbId | None = None
    key_person_id: DbId | None = None


@router.get("/visits", response=list[VisitOut], summary="走访记录: the visits in scope, newest first")
def visits(request, q: Query[VisitQuery]):
    rows = selectors.visit_list(user=request.user, grid_id=q.grid_id, house_id=q.house_id,
                                key_person_id=q.key_person_id)
    return [visit_out(v) for v in rows[:200]]


@router.post("/visits", response={200: VisitOut, 201: VisitOut},
             summary="Record a visit to a household or a key person of your grid (idempotent by client_id)")
def visit_record(request, payload: VisitIn):
    from jiewang.basedata import selectors as base

    house = base.house_get(user=request.user, house_id=payload.house_id) if payload.house_id else None
    kp = base.key_person_get(user=request.user, key_person_id=payload.key_person_id) \
        if payload.key_person_id else None
    visit, created = visit_svc.visit_record(
        actor=request.user, house=house, key_person=kp, visited_at=payload.visited_at, findings=payload.findings,
        needs=payload.needs, follow_up=payload.follow_up, follow_up_due=payload.follow_up_due, lon=payload.lon,
        lat=payload.lat, client_id=payload.client_id)
    return Status(201 if created else 200, visit_out(selectors.visit_get(user=request.user, visit_id=visit.pk)))


@router.get("/visits/{int:visit_id}", response=VisitOut, summary="One visit")
def visit(request, visit_id: DbId):
    return visit_out(selectors.visit_get(user=request.user, visit_id=visit_id))


@router.post("/visits/{int:visit_id}/event", response={200: VisitEventOut, 201: VisitEventOut},
             summary="Report the problem a visit found as an event, pre-filled with its place and person")
def visit_event(request, visit_id: DbId, payload: VisitEventIn):
    """One event per visit: again, the same event (200). The title and description default to
    the visit's findings, the place, the person; the point to the phone's, else the address's."""
    from jiewang.events.models import MatterCategory

    v = selectors.visit_get(user=request.user, visit_id=visit_id)
    category = MatterCategory.objects.filter(code=payload.category, is_active=True).first()
    if category is None:
        raise NotFound("事项类别不存在 / Unknown category.", code="event.category_unknown")
    event, created = visit_svc.visit_report_event(actor=request.user, visit=v, category=category,
                                                  title=payload.title, description=payload.description,
                                                  urgency=payload.urgency, lon=payload.lon, lat=payload.lat)
    return Status(201 if created else 200, {"number": event.number, "id": event.pk, "visit_id": v.pk})


# ---- coverage ---------------------------------------------------------------------------------

class CoverageQuery(Schema):
    area_id: DbId
    month: str | None = Field(None, pattern=r"^\d{4}-\d{2}$", description="YYYY-MM; default this month")


@router.get("/coverage", response=CoverageOut,
            summary="巡查走访覆盖: patrol days, households visited, key persons overdue, per area and worker")
def coverage(request, q: Query[CoverageQuery]):
    report = coverage_report(user=request.user, area=area_get(user=request.user, area_id=q.area_id), month=q.month)
    return {"month": report["month"].label, "week": report["month"].week_label, "area": report["area"].as_dict(),
            "children": [c.as_dict() for c in report["children"]],
            "workers": [w.as_dict() for w in report["workers"]]}


class OverdueQuery(Schema):
    area_id: DbId


@router.get("/coverage/overdue", response=list[OverdueOut], summary="Key persons overdue for a visit")
def overdue(request, q: Query[OverdueQuery]):
    return overdue_key_persons(user=request.user, area=area_get(user=request.user, area_id=q.area_id))
