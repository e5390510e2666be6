"""Starting and ending a patrol (巡查), and its check-ins (打卡).

A grid worker starts a patrol of one of their grids on the phone (:func:`patrol_start`; one
ongoing patrol per worker, a database constraint; the same ``client_id`` twice returns the same
patrol), the page records the track (``services.track``) and check-ins (:func:`checkin_add`,
idempotent by the phone's ``client_id``, flagged outside the grid beyond the tolerance), and the
worker ends it (:func:`patrol_end`, the lifecycle's only move). Each write leaves an audit row.
"""

from __future__ import annotations

import datetime as dt

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone

from jiewang.areas.models import Area
from jiewang.audit.services import audit_record
from jiewang.core.errors import Conflict, ValidationFailed

from ..choices import PatrolStatus
from ..lifecycle import PATROL_LIFECYCLE
from ..models import CheckIn, Patrol
from . import geofence
from .common import CLOCK_SKEW, MAX_DELAY, check_point, ensure_own, ensure_worker_of


def patrol_start(*, actor, grid: Area, client_id: str = "", at: dt.datetime | None = None) -> tuple[Patrol, bool]:
    """Start a patrol of ``grid``. Returns ``(patrol, created)``."""
    ensure_worker_of(actor, grid)
    now = timezone.now()
    at = min(at or now, now)
    if at < now - MAX_DELAY:
        raise ValidationFailed("开始时间无效 / The start time is too far in the past.", code="patrol.bad_time",
                               fields={"started_at": "within the last 7 days"})
    client_id = (client_id or "")[:64]
    if client_id:
        same = Patrol.objects.filter(worker=actor, client_id=client_id).first()
        if same is not None:
            return same, False
    ongoing = Patrol.objects.filter(worker=actor, status=PatrolStatus.ONGOING).first()
    if ongoing is not None:
        raise Conflict("您已有进行中的巡查，请先结束 / You already have a patrol under way: end it first.",
                       code="patrol.already_ongoing", fields={"patrol_id": ongoing.pk})
    patrol = Patrol(worker=actor, grid=grid, area_path=grid.path, started_at=at,
                    day=timezone.localdate(at), client_id=client_id)
    try:
        with transaction.atomic():
            patrol.save()
            audit_record(actor=actor, action="patrol.start", obj=patrol, data={"grid": grid.pk})
    except IntegrityError as exc:  # a concurrent start (the same client id, or a second patrol)
        same = Patrol.objects.filter(worker=actor, client_id=client_id).first() if client_id else None
        if same is not None:
            return same, False
        raise Conflict("您已有进行中的巡查 / You already have a patrol under way.",
                       code="patrol.already_ongoing") from exc
    return patrol, True


@transaction.atomic
def patrol_end(*, actor, patrol: Patrol, at: dt.datetime | None = None) -> Patrol:
    """End the patrol. Ending an ended patrol again (a retried request from the outbox) returns it
    unchanged."""
    ensure_own(actor, patrol, "巡查")
    patrol = Patrol.objects.select_for_update().get(pk=patrol.pk)
    if patrol.status == PatrolStatus.ENDED:
        return patrol
    now = timezone.now()
    ended = min(max(at or now, patrol.started_at), now)
    if patrol.last_point_at and ended < patrol.last_point_at:
        ended = min(patrol.last_point_at, now)
    PATROL_LIFECYCLE.apply(patrol, "end", at=ended, changes={"version": patrol.version + 1})
    audit_record(actor=actor, action="patrol.end", obj=patrol,
                 data={"points": patrol.point_count, "outside": patrol.outside_count,
                       "distance_m": round(patrol.distance_m)})
    return patrol


def time_window(patrol: Patrol, now: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    """When a point or check-in of the patrol may have been recorded."""
    end = (patrol.ended_at + CLOCK_SKEW) if patrol.ended_at else now + CLOCK_SKEW
    return patrol.started_at - CLOCK_SKEW, min(end, now + CLOCK_SKEW)


def _photo(data: bytes) -> tuple[str, str]:
    """Check an uploaded photo as the events' photos are checked. Returns (extension, sha256)."""
    from jiewang.events.services.photos import check_image

    _content_type, ext, digest = check_image(data)
    return ext, digest


def checkin_building(patrol: Patrol, building_id: int | None):
    """The building a check-in names: one of the patrol's grid (another grid's, or none such:
    ``patrol.building_not_in_grid``, the same answer, so nothing is told about other grids)."""
    from jiewang.basedata.models import Building

    if building_id is None:
        return None
    building = Building.objects.filter(pk=building_id, grid_id=patrol.grid_id).first()
    if building is None:
        raise ValidationFailed("该楼栋不在本次巡查的网格内 / The building is not in the patrol's grid.",
                               code="patrol.building_not_in_grid", fields={"building_id": "a building of the grid"})
    return building


def checkin_add(*, actor, patrol: Patrol, client_id: str, at: dt.datetime, lon: float, lat: float,
                note: str = "", photo: bytes | None = None, building_id: int | None = None) -> tuple[CheckIn, bool]:
    """A check-in (打卡) of the patrol at a time and place, with an optional photo and building (one
    of the patrol's grid). Returns ``(checkin, created)``; the same ``client_id`` again returns the
    first one."""
    ensure_own(actor, patrol, "巡查")
    client_id = (client_id or "").strip()[:64]
    if not client_id:
        raise ValidationFailed("缺少客户端编号 / client_id is required.", code="validation_failed",
                               fields={"client_id": "required"})
    existing = CheckIn.objects.filter(patrol=patrol, client_id=client_id).first()
    if existing is not None:
        return existing, False
    check_point(lon, lat)
    building = checkin_building(patrol, building_id)
    now = timezone.now()
    lo, hi = time_window(patrol, now)
    if timezone.is_naive(at) or not lo <= at <= hi:
        raise ValidationFailed("打卡时间不在本次巡查之内 / The check-in time is outside the patrol.",
                               code="patrol.bad_time", fields={"at": "during the patrol"})
    fence = geofence.fence_of_area(patrol.grid)
    outside = bool(fence.outside([lon], [lat])[0])
    checkin = CheckIn(patrol=patrol, client_id=client_id, at=at, lon=lon, lat=lat, note=(note or "")[:500],
                      building=building,
                      outside=outside, outside_m=round(float(fence.distance_m([lon], [lat])[0]), 1) if outside else None)
    if photo is not None:
        ext, digest = _photo(photo)
        checkin.photo_sha256 = digest
        checkin.photo.save(f"checkin-{patrol.pk}-{digest[:12]}.{ext}", ContentFile(photo), save=False)
    try:
        with transaction.atomic():
            checkin.save()
            audit_record(actor=actor, action="patrol.checkin", obj=checkin,
                         data={"patrol": patrol.pk, "outside": outside, "photo": bool(photo),
                               "building": building.pk if building else None})
    except IntegrityError:
        return CheckIn.objects.get(patrol=patrol, client_id=client_id), False
    return checkin, True
