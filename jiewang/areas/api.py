"""HTTP API of the area tree: listing, tree, detail with ancestors, GeoJSON for maps, locate
(single and batch), edits and boundary import. Handlers only parse, call a selector or a service,
and shape the answer."""


import datetime as dt
from typing import Literal

from django.conf import settings
from ninja import File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate
from pydantic import Field

from jiewang.core.errors import PayloadTooLarge, ValidationFailed
from jiewang.core.schema_types import Count, DbId, Pagination, Version
from jiewang.core.scope import Action, restrict

from . import selectors, services
from .choices import AreaLevel, GridType
from .models import Area

router = Router(tags=["areas"])


class AreaOut(Schema):
    id: int
    level: int
    level_name: str
    level_label: str
    code: str
    name: str
    parent_id: int | None
    path: str
    grid_type: str
    population: int
    households: int
    bbox: list[float] | None
    valid_from: dt.date
    valid_to: dt.date | None
    updated_at: dt.datetime
    version: int

    @staticmethod
    def resolve_level_name(obj):
        return AreaLevel(obj.level).name.lower()

    @staticmethod
    def resolve_level_label(obj):
        return str(AreaLevel(obj.level).label)

    @staticmethod
    def resolve_bbox(obj):
        if obj.min_lon is None:
            return None
        return [obj.min_lon, obj.min_lat, obj.max_lon, obj.max_lat]


class AreaBrief(Schema):
    id: int
    level: int
    code: str
    name: str


class AreaDetailOut(AreaOut):
    ancestors: list[AreaBrief]
    children_count: int
    geometry: dict | None = None


class AreaFilters(Schema):
    parent_id: DbId | None = None
    root_id: DbId | None = Field(None, description="only this area's subtree (itself included)")
    level: Literal["city", "district", "town", "community", "grid", "microgrid"] | None = None
    code: str | None = Field(None, max_length=24, description="code prefix")
    grid_type: GridType | None = None
    q: str | None = Field(None, max_length=100, description="name contains")
    include_retired: bool = False


def _level(name: str | None) -> int | None:
    return int(AreaLevel.from_name(name)) if name else None


@router.get("", response=list[AreaOut], summary="List areas (filters, paginated)")
@paginate(Pagination)
def list_areas(request, filters: Query[AreaFilters]):
    return selectors.area_list(
        user=request.user, parent_id=filters.parent_id, root_id=filters.root_id,
        level=_level(filters.level), code=filters.code, grid_type=filters.grid_type, q=filters.q,
        include_retired=filters.include_retired,
    )


class TreeNode(Schema):
    id: int
    level: int
    code: str
    name: str
    grid_type: str
    households: int
    children: list["TreeNode"]


@router.get("/tree", response=list[TreeNode], summary="The visible tree (nested), from a root down to a depth")
def tree(request, root_id: DbId | None = None, depth: int = Query(2, ge=1, le=6)):
    user = request.user
    roots = [selectors.area_get(user=user, area_id=root_id)] if root_id else list(selectors.area_roots(user=user))
    nodes = []
    for root in roots:
        max_level = min(root.level + depth - 1, AreaLevel.MICROGRID)
        rows = list(selectors.area_subtree(user=user, root=root, max_level=max_level))
        by_parent: dict[int | None, list[dict]] = {}
        as_dict = {}
        for a in rows:
            d = {"id": a.id, "level": a.level, "code": a.code, "name": a.name, "grid_type": a.grid_type,
                 "households": a.households, "children": []}
            as_dict[a.id] = d
            by_parent.setdefault(a.parent_id, []).append(d)
        for pid, kids in by_parent.items():
            if pid in as_dict:
                as_dict[pid]["children"] = kids
        nodes.append(as_dict[root.id])
    return nodes


@router.get("/{int:area_id}", response=AreaDetailOut, summary="One area with its ancestors")
def get_area(request, area_id: DbId, geometry: bool = False):
    area = selectors.area_get(user=request.user, area_id=area_id)
    area.ancestors = selectors.area_ancestors(user=request.user, area=area)
    area.children_count = selectors.area_list(user=request.user, parent_id=area.id).count()
    if not geometry:
        area.geometry = None
    return area


@router.get("/{int:area_id}/geojson", summary="GeoJSON FeatureCollection of a subtree (simplified by zoom)")
def subtree_geojson(request, area_id: DbId,
                    level: Literal["city", "district", "town", "community", "grid", "microgrid"] | None = None,
                    zoom: int | None = Query(None, ge=0, le=22)):
    from .exporting import areas_to_feature_collection, tolerance_for_zoom

    root = selectors.area_get(user=request.user, area_id=area_id)
    qs = selectors.area_subtree(user=request.user, root=root)
    lv = _level(level)
    qs = qs.filter(level=lv) if lv else qs.filter(level=min(root.level + 1, AreaLevel.MICROGRID)) \
        if qs.filter(parent=root).exists() else qs.filter(pk=root.pk)
    if qs.count() > 20000:
        raise ValidationFailed("区域过多，请缩小范围 / Too many areas; choose a smaller subtree or level.",
                               code="area.geojson_too_large")
    return areas_to_feature_collection(qs.select_related("parent"),
                                       simplify_tolerance=tolerance_for_zoom(zoom) if zoom is not None else None)


# ---- locate ---------------------------------------------------------------------------------

class LocateIn(Schema):
    lon: float = Field(..., description="longitude")
    lat: float = Field(..., description="latitude")
    crs: Literal["wgs84", "gcj02"] = "wgs84"


class LocateOut(Schema):
    status: Literal["inside", "nearest", "outside"]
    distance_m: float | None
    in_scope: bool
    area: AreaBrief | None
    ancestors: list[AreaBrief]


def _check_coords(lon: float, lat: float) -> None:
    import math

    if not (math.isfinite(lon) and math.isfinite(lat) and -180 <= lon <= 180 and -90 <= lat <= 90):
        raise ValidationFailed("坐标无效 / Invalid coordinates.", code="locate.invalid_coordinates",
                               fields={"lon": lon, "lat": lat})


@router.post("/locate", response=LocateOut, summary="The deepest area containing a point, with its ancestors")
def locate(request, payload: LocateIn):
    from .locator import get_locator

    _check_coords(payload.lon, payload.lat)
    result = get_locator().locate(payload.lon, payload.lat, crs=payload.crs)
    out = {"status": result.status, "distance_m": result.distance_m, "in_scope": False, "area": None,
           "ancestors": []}
    if result.area_id is not None:
        area = restrict(Area.objects.filter(pk=result.area_id), request.user, Action.VIEW).first()
        if area is not None:
            out.update(in_scope=True, area=area, ancestors=selectors.area_ancestors(user=request.user, area=area))
    return out


class LocateBatchIn(Schema):
    points: list[tuple[float, float]] = Field(..., description="[[lon, lat], …], at most 10,000")
    crs: Literal["wgs84", "gcj02"] = "wgs84"


class LocateBatchOut(Schema):
    results: list[dict]


MAX_BATCH = 10_000


@router.post("/locate/batch", response=LocateBatchOut, summary="Locate up to 10,000 points at once")
def locate_batch(request, payload: LocateBatchIn):
    import numpy as np

    from .locator import STATUS_INSIDE, STATUS_NEAREST, get_locator

    if len(payload.points) > MAX_BATCH:
        raise ValidationFailed(f"一次最多 {MAX_BATCH} 个点 / At most {MAX_BATCH} points per request.",
                               code="locate.batch_too_large")
    if not payload.points:
        return {"results": []}
    arr = np.asarray(payload.points, dtype=float)
    bad = ~(np.isfinite(arr).all(axis=1) & (np.abs(arr[:, 0]) <= 180) & (np.abs(arr[:, 1]) <= 90))
    ids, codes = get_locator().locate_many(np.where(bad, 0, arr[:, 0]), np.where(bad, 0, arr[:, 1]),
                                           crs=payload.crs)
    wanted = {int(i) for i in np.unique(ids) if i >= 0}
    visible = {a.id: a for a in restrict(Area.objects.filter(id__in=wanted), request.user, Action.VIEW)}
    names = {STATUS_INSIDE: "inside", STATUS_NEAREST: "nearest"}
    results = []
    for k in range(len(arr)):
        if bad[k]:
            results.append({"status": "invalid", "area_id": None, "code": None, "in_scope": False})
            continue
        aid = int(ids[k])
        a = visible.get(aid)
        results.append({
            "status": names.get(int(codes[k]), "outside"),
            "area_id": a.id if a else None, "code": a.code if a else None,
            "name": a.name if a else None, "in_scope": a is not None,
        })
    return {"results": results}


# ---- writes ---------------------------------------------------------------------------------

class AreaCreateIn(Schema):
    parent_id: DbId
    level: Literal["city", "district", "town", "community", "grid", "microgrid"]
    code: str = Field(..., min_length=1, max_length=24)
    name: str = Field(..., min_length=1, max_length=100)
    grid_type: GridType | Literal[""] = ""
    population: Count = 0
    households: Count = 0
    geometry: dict | None = None
    valid_from: dt.date | None = None
    allow_foreign_code: bool = Field(False, description="create it even though its code does not extend the "
                                                        "parent's (recorded in the audit row)")


@router.post("", response={201: AreaOut}, summary="Create an area under a parent")
def create_area(request, payload: AreaCreateIn):
    parent = selectors.area_get(user=request.user, area_id=payload.parent_id, include_retired=False)
    area = services.area_create(
        actor=request.user, parent=parent, level=int(AreaLevel.from_name(payload.level)),
        code=payload.code, name=payload.name, grid_type=payload.grid_type, population=payload.population,
        households=payload.households, geometry=payload.geometry, valid_from=payload.valid_from,
        allow_foreign_code=payload.allow_foreign_code,
    )
    return Status(201, Area.objects.get(pk=area.pk))


class AreaUpdateIn(Schema):
    expected_version: Version = Field(..., description="the version you read; a stale one gets 409 and changes nothing")
    name: str | None = Field(None, min_length=1, max_length=100)
    code: str | None = Field(None, min_length=1, max_length=24)
    grid_type: GridType | Literal[""] | None = None
    population: Count | None = None
    households: Count | None = None
    allow_foreign_code: bool = Field(False, description="accept a new code that does not extend the parent's, "
                                                        "or that its children's codes no longer extend")


@router.patch("/{int:area_id}", response=AreaOut, summary="Edit an area's attributes (optimistic concurrency)")
def update_area(request, area_id: DbId, payload: AreaUpdateIn):
    area = selectors.area_get(user=request.user, area_id=area_id)
    fields = payload.dict(exclude_unset=True, exclude={"expected_version", "allow_foreign_code"})
    fields = {k: v for k, v in fields.items() if v is not None}
    return services.area_update(actor=request.user, area=area, expected_version=payload.expected_version,
                                allow_foreign_code=payload.allow_foreign_code, **fields)


class BoundaryIn(Schema):
    geometry: dict
    reason: str = Field("", max_length=200)


@router.put("/{int:area_id}/boundary", response=AreaOut, summary="Replace an area's boundary (keeps history)")
def set_boundary(request, area_id: DbId, payload: BoundaryIn):
    area = selectors.area_get(user=request.user, area_id=area_id, include_retired=False)
    return services.area_set_boundary(actor=request.user, area=area, geometry=payload.geometry,
                                      reason=payload.reason)


class RetireIn(Schema):
    on: dt.date | None = None
    reason: str = Field("", max_length=200)


@router.post("/{int:area_id}/retire", response=AreaOut, summary="End an area's validity (merged, abolished)")
def retire_area(request, area_id: DbId, payload: RetireIn):
    area = selectors.area_get(user=request.user, area_id=area_id, include_retired=False)
    return services.area_retire(actor=request.user, area=area, on=payload.on, reason=payload.reason)


@router.post("/import", response={200: dict, 422: dict}, summary="Import a GeoJSON FeatureCollection as one level of areas")
def import_areas(
    request,
    file: UploadedFile = File(..., description="GeoJSON FeatureCollection"),
    level: Literal["city", "district", "town", "community", "grid", "microgrid"] = Form(...),
    parent_id: DbId | None = Form(None),
    name_key: str = Form("name"),
    code_key: str = Form("code"),
    parent_code_key: str = Form("parent_code"),
    skip_invalid: bool = Form(False),
    dry_run: bool = Form(False),
    allow_foreign_codes: bool = Form(False, description="accept codes that do not extend the parent's"),
    allow_rename: bool = Form(False, description="let a feature rename the existing area it matches"),
    allow_outside_parent: bool = Form(False, description="let a feature move an existing area's boundary "
                                                        "outside its parent"),
):
    """Every feature's report says what it does (``action``), for an update the old and new
    value of each changed field (``diff``), and its errors and warnings; ``dry_run`` returns that
    report and writes nothing. 422 when any feature is rejected."""
    from .importing import area_import

    if file.size is not None and file.size > settings.AREA_IMPORT_MAX_BYTES:
        raise PayloadTooLarge(
            f"文件过大（上限 {settings.AREA_IMPORT_MAX_BYTES // 1024 // 1024} MB）/ File too large.",
            code="import.too_large",
        )
    parent = selectors.area_get(user=request.user, area_id=parent_id, include_retired=False) if parent_id else None
    report = area_import(
        actor=request.user, data=file.read(), level=AreaLevel.from_name(level), parent=parent,
        name_key=name_key, code_key=code_key, parent_code_key=parent_code_key,
        skip_invalid=skip_invalid, dry_run=dry_run, allow_foreign_codes=allow_foreign_codes,
        allow_rename=allow_rename, allow_outside_parent=allow_outside_parent,
    )
    body = report.to_dict()
    return Status(200 if report.ok else 422, body)
