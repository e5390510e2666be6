"""Reads of patrols and visits, each from ``restrict(...)``: outside the user's scope a row does
not exist (404)."""

from __future__ import annotations

from django.db.models import Q

from jiewang.areas.models import Area
from jiewang.core.errors import NotFound
from jiewang.core.scope import Action, restrict

from .models import CheckIn, Patrol, PatrolRule, TrackPoint, Visit

TRACK_FIELDS = ("id", "worker_id", "area_path", "status", "started_at", "ended_at", "last_point_at", "last_lon",
                "last_lat", "grid__id", "grid__version", "grid__updated_at")


def rule_list(*, user, grid_id: int | None = None):
    qs = restrict(PatrolRule.objects.select_related("grid"), user, Action.VIEW)
    return qs.filter(grid_id=grid_id) if grid_id else qs


def rule_get(*, user, rule_id: int) -> PatrolRule:
    rule = rule_list(user=user).filter(pk=rule_id).first()
    if rule is None:
        raise NotFound("规则不存在 / Rule not found.", code="not_found")
    return rule


def rules_of(grid_id: int) -> list[PatrolRule]:
    """The active rules of a grid (no scope: for coverage, already scoped by its caller)."""
    return list(PatrolRule.objects.filter(grid_id=grid_id, is_active=True))


def patrol_list(*, user, grid_id: int | None = None, worker_id: int | None = None, status: str | None = None):
    qs = restrict(Patrol.objects.select_related("grid", "worker"), user, Action.VIEW)
    if grid_id:
        qs = qs.filter(grid_id=grid_id)
    if worker_id:
        qs = qs.filter(worker_id=worker_id)
    if status:
        qs = qs.filter(status=status)
    return qs


def patrol_get(*, user, patrol_id: int) -> Patrol:
    patrol = patrol_list(user=user).filter(pk=patrol_id).first()
    if patrol is None:
        raise NotFound("巡查不存在 / Patrol not found.", code="not_found")
    return patrol


def patrol_for_track(*, user, patrol_id: int) -> Patrol:
    """The patrol a batch of points is for, read with only what ingestion needs (one indexed row
    and its grid's version): the user's own patrol. Anyone else's is looked up through the scope,
    so that the service answers 403 (visible, not theirs) or 404 as everywhere."""
    patrol = (Patrol.objects.select_related("grid").only(*TRACK_FIELDS)
              .filter(pk=patrol_id, worker_id=getattr(user, "pk", None)).first())
    return patrol if patrol is not None else patrol_get(user=user, patrol_id=patrol_id)


def ongoing_patrol(*, user) -> Patrol | None:
    return Patrol.objects.select_related("grid").filter(worker_id=user.pk, status="ongoing").first()


def track(patrol: Patrol, limit: int = 20000) -> list[tuple]:
    """The patrol's track as (ms, lon, lat, outside), oldest first (the caller checked scope)."""
    rows = (TrackPoint.objects.filter(patrol_id=patrol.pk).order_by("recorded_at", "id")
            .values_list("recorded_at", "lon", "lat", "outside")[:limit])
    return [(int(t.timestamp() * 1000), x, y, o) for t, x, y, o in rows]


def checkins(patrol: Patrol) -> list[CheckIn]:
    return list(CheckIn.objects.filter(patrol_id=patrol.pk).select_related("building").order_by("at", "id"))


def patrol_buildings(*, user, grid_id: int | None = None) -> list[dict]:
    """The buildings (楼栋) a grid worker may check in at: those of the grids they hold a grid-worker
    grant on (``grid_id``: one of them; another grid: ``patrol.not_your_grid``, 404). Anyone
    else: none."""
    from jiewang.areas.choices import GRID_LEVELS
    from jiewang.basedata.models import Building

    from .services.common import worker_grid_paths

    paths = worker_grid_paths(user)
    if not paths:
        if grid_id is not None:
            raise NotFound("您不是该网格的网格员 / Not one of your grids.", code="patrol.not_your_grid")
        return []
    where = Q(pk__in=[])
    for p in paths:
        where |= Q(area_path__startswith=p)
    qs = Building.objects.filter(where, grid__level__in=list(GRID_LEVELS))
    if grid_id is not None:
        qs = qs.filter(grid_id=grid_id)
        if not any(a.startswith(p) for a in Area.objects.filter(pk=grid_id).values_list("path", flat=True)
                   for p in paths):
            raise NotFound("您不是该网格的网格员 / Not one of your grids.", code="patrol.not_your_grid")
    rows = qs.order_by("grid_id", "road", "number", "name", "id").values_list(
        "pk", "grid_id", "road", "number", "name", "lon", "lat")[:5000]
    return [{"id": pk, "grid_id": gid, "name": f"{road}{number}{name}", "lon": lon, "lat": lat}
            for pk, gid, road, number, name, lon, lat in rows]


def visit_list(*, user, grid_id: int | None = None, house_id: int | None = None, key_person_id: int | None = None):
    qs = restrict(Visit.objects.select_related("grid", "house__address", "key_person__resident", "event"),
                  user, Action.VIEW)
    if grid_id:
        qs = qs.filter(grid_id=grid_id)
    if house_id:
        qs = qs.filter(house_id=house_id)
    if key_person_id:
        qs = qs.filter(key_person_id=key_person_id)
    return qs


def visit_get(*, user, visit_id: int) -> Visit:
    visit = visit_list(user=user).filter(pk=visit_id).first()
    if visit is None:
        raise NotFound("走访记录不存在 / Visit not found.", code="not_found")
    return visit
