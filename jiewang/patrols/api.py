"""HTTP API of patrols (``/api/patrols/…``): rules, patrols, their track and check-ins. The
session's user, scoped as everywhere: a grid worker writes only their own patrols."""

from __future__ import annotations

from django.conf import settings
from ninja import File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile

from jiewang.areas.models import Area
from jiewang.core.errors import NotFound, PayloadTooLarge
from jiewang.core.scope import Action, restrict
from jiewang.core.schema_types import DbId, Moment

from . import selectors
from .choices import PatrolStatus
from .schemas import (BatchIn, BatchOut, CheckInOut, EndIn, PatrolOut, RuleIn, RuleOut, RuleUpdateIn, StartIn,
                      TrackOut, checkin_out, patrol_out, rule_out)
from .services import patrols as patrol_svc
from .services import rules as rule_svc
from .services.track import track_batch_add

router = Router(tags=["patrols"])


def _area(user, area_id: int) -> Area:
    area = restrict(Area.objects.filter(pk=area_id), user, Action.VIEW).first()
    if area is None:
        raise NotFound("区域不存在 / Area not found.", code="area.not_found")
    return area


class RuleQuery(Schema):
    grid_id: DbId | None = None


@router.get("/rules", response=list[RuleOut], summary="巡查规则: the rules of the grids in scope")
def rules(request, q: Query[RuleQuery]):
    return [rule_out(r) for r in selectors.rule_list(user=request.user, grid_id=q.grid_id)[:500]]


@router.post("/rules", response={201: RuleOut}, summary="Set a rule on a grid (community staff, town, district)")
def rule_create(request, payload: RuleIn):
    rule = rule_svc.rule_create(actor=request.user, grid=_area(request.user, payload.grid_id), kind=payload.kind,
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
    patrol, created = patrol_svc.patrol_start(actor=request.user, grid=_area(request.user, payload.grid_id),
                                              client_id=payload.client_id)
    return Status(201 if created else 200, patrol_out(selectors.patrol_get(user=request.user, patrol_id=patrol.pk)))


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
            note: str = Form("", max_length=500), photo: UploadedFile | None = File(None)):
    patrol = selectors.patrol_get(user=request.user, patrol_id=patrol_id)
    data = None
    if photo is not None:
        limit = int(getattr(settings, "EVENT_PHOTO_MAX_BYTES", 10 * 1024 * 1024))
        if photo.size is not None and photo.size > limit:
            raise PayloadTooLarge("图片过大 / Image too large.", code="photo.too_large")
        data = photo.read()
    c, created = patrol_svc.checkin_add(actor=request.user, patrol=patrol, client_id=client_id, at=at, lon=lon,
                                        lat=lat, note=note, photo=data)
    return Status(201 if created else 200, checkin_out(c))


@router.post("/{int:patrol_id}/end", response=PatrolOut, summary="End the patrol (again: no change)")
def patrol_end(request, patrol_id: DbId, payload: EndIn):
    patrol = selectors.patrol_get(user=request.user, patrol_id=patrol_id)
    patrol_svc.patrol_end(actor=request.user, patrol=patrol, at=payload.at)
    return patrol_out(selectors.patrol_get(user=request.user, patrol_id=patrol_id))
