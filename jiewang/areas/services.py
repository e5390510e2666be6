"""Writes to the area tree. Views, the API, commands and the worker call these, nothing else.

Each service checks the actor's scope (``actor=None`` is the system: commands and the worker),
writes, bumps the boundary revision when a boundary changed (so the locator rebuilds) and the chain
revision when an area's code, name, parent or validity changed (so every process forgets the
located chains, see :mod:`jiewang.areas.locator.chains`), and records an audit row, all in one
transaction.
"""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.db.models import CharField, F, Value
from django.db.models.functions import Concat, Substr
from django.utils import timezone
from shapely.geometry.base import BaseGeometry

from jiewang.audit.services import audit_record
from jiewang.core.errors import Conflict, ValidationFailed
from jiewang.core.scope import Action, ensure_allowed

from . import locator
from .choices import GRID_LEVELS, AreaLevel
from .codes import extends_parent_code, foreign_code_detail, foreign_code_message
from .geometry import bbox_fields, geojson_to_plain, geometry_from_geojson
from .models import Area, AreaBoundary, BoundaryRevision

EDITABLE_FIELDS = ("name", "code", "grid_type", "population", "households")
# What a located chain shows of an area (besides its id, level and place in the tree).
CHAIN_FIELDS = ("name", "code")


def _chains_changed() -> None:
    """An area's code, name, parent or validity changed: count it (in the caller's transaction)
    and forget this process's chains (other processes notice the count)."""
    BoundaryRevision.bump_chains()
    locator.forget_chains()


def _validate_level(*, parent: Area | None, level: int, grid_type: str) -> None:
    if level not in AreaLevel.values:
        raise ValidationFailed(f"未知层级 / Unknown level {level}.", code="area.level_invalid")
    if parent is not None and parent.level != level - 1:
        raise ValidationFailed(
            "下级区域必须比上级低一级 / A child must be exactly one level below its parent.",
            code="area.level_mismatch", fields={"level": level, "parent_level": parent.level},
        )
    if grid_type and level not in GRID_LEVELS:
        raise ValidationFailed("只有网格有网格类型 / Only grids have a grid type.",
                               code="area.grid_type_not_grid")


def _check_code(*, parent: Area | None, code: str, allow_foreign_code: bool) -> bool:
    """Refuse a code that does not extend the parent's (see :mod:`.codes`) unless the caller
    allows it explicitly. Returns whether the code is foreign (so the audit row can say so)."""
    if parent is None or extends_parent_code(code, parent.code, parent.level):
        return False
    if not allow_foreign_code:
        raise ValidationFailed(foreign_code_message(code, parent.code, parent.level),
                               code="area.code_not_under_parent",
                               fields=foreign_code_detail(code, parent.code, parent.level))
    return True


def _normalize_geometry(geometry) -> BaseGeometry | None:
    if geometry is None:
        return None
    if isinstance(geometry, BaseGeometry):
        geom = geometry
    else:
        geom = geometry_from_geojson(geometry)
    if not geom.is_valid:
        raise ValidationFailed("边界无效（自相交等）/ The boundary is invalid (self-intersection…); "
                               "repair it or use the import, which repairs what it can.",
                               code="area.geometry_invalid")
    return geom


@transaction.atomic
def area_create(*, actor, parent: Area | None, level: int, code: str, name: str,
                grid_type: str = "", population: int = 0, households: int = 0,
                geometry=None, valid_from: dt.date | None = None, reason: str = "",
                allow_foreign_code: bool = False) -> Area:
    """Create an area under ``parent`` (a root if ``None``, which only the system or a superuser
    may do). Its code must extend the parent's (``area.code_not_under_parent``) unless
    ``allow_foreign_code`` says otherwise; the audit row records such an override."""
    if parent is not None:
        ensure_allowed(actor, Action.ADD, parent)
    elif actor is not None and not actor.is_superuser:
        from jiewang.core.errors import PermissionDenied

        raise PermissionDenied("只有系统管理员可以创建根区域 / Only administrators create root areas.")
    _validate_level(parent=parent, level=level, grid_type=grid_type)
    code = (code or "").strip()
    name = (name or "").strip()
    if not code or not name:
        raise ValidationFailed("编码和名称必填 / Code and name are required.", code="area.required",
                               fields={k: "required" for k, v in (("code", code), ("name", name)) if not v})
    geom = _normalize_geometry(geometry)
    foreign = _check_code(parent=parent, code=code, allow_foreign_code=allow_foreign_code)
    if Area.objects.filter(parent=parent, code=code).exists():
        raise Conflict(f"同一上级下编码 {code} 已存在 / Code {code} already exists under this parent.",
                       code="area.code_taken", fields={"code": code})
    area = Area(
        parent=parent, level=level, code=code, name=name, grid_type=grid_type,
        population=population, households=households,
        geometry=geojson_to_plain(geom.__geo_interface__) if geom is not None else None,
        valid_from=valid_from or timezone.localdate(), **bbox_fields(geom),
    )
    try:
        with transaction.atomic():
            area.save()
    except IntegrityError as exc:
        raise Conflict(f"区域写入冲突 / Area conflicts with an existing one: {exc}",
                       code="area.integrity") from exc
    area.path = f"{parent.path if parent else '/'}{area.id}/"
    Area.objects.filter(pk=area.pk).update(path=area.path)
    if geom is not None:
        AreaBoundary.objects.create(area=area, geometry=area.geometry, reason=reason or "create",
                                    changed_by=actor)
        BoundaryRevision.bump()
    data = {"parent": parent.pk if parent else None, "level": level, "code": code}
    if foreign:
        data["allow_foreign_code"] = True
    audit_record(actor=actor, action="area.create", obj=area, data=data)
    return area


@transaction.atomic
def area_update(*, actor, area: Area, expected_version: int | None = None, allow_foreign_code: bool = False,
                **fields) -> Area:
    """Change an area's attributes (not its boundary: see :func:`area_set_boundary`).
    ``expected_version`` guards against stale edits: if the row changed since the editor read
    it, nothing is written and :class:`Conflict` is raised. A new code must extend the parent's
    and keep extending the current children's codes (``area.code_not_under_parent``,
    ``area.code_strands_children``) unless ``allow_foreign_code`` says otherwise."""
    ensure_allowed(actor, Action.CHANGE, area)
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValidationFailed(f"不可修改的字段 / Fields not editable: {sorted(unknown)}",
                               code="area.field_not_editable")
    if isinstance(fields.get("code"), str):
        fields["code"] = fields["code"].strip()
    locked = Area.objects.select_for_update().get(pk=area.pk)
    if expected_version is not None and locked.version != expected_version:
        raise Conflict("区域已被他人修改，请刷新 / The area changed since you read it; reload.",
                       code="area.stale")
    _validate_level(parent=locked.parent, level=locked.level,
                    grid_type=fields.get("grid_type", locked.grid_type))
    changes = {}
    for key, value in fields.items():
        if getattr(locked, key) != value:
            changes[key] = [getattr(locked, key), value]
            setattr(locked, key, value)
    foreign = False
    if "code" in changes:
        foreign = _check_code(parent=locked.parent, code=locked.code, allow_foreign_code=allow_foreign_code)
        stranded = [c for c in Area.objects.current().filter(parent=locked).values_list("code", flat=True)
                    if not extends_parent_code(c, locked.code, locked.level)]
        if stranded and not allow_foreign_code:
            raise ValidationFailed(
                f"{len(stranded)} 个下级区域的编码将不再属于 {locked.code} / {len(stranded)} children's codes "
                f"would no longer extend {locked.code}; allow foreign codes explicitly to recode the parent first, "
                "then recode the children.",
                code="area.code_strands_children", fields={"code": locked.code, "children": sorted(stranded)[:20]})
        foreign = foreign or bool(stranded)
    if "code" in changes and Area.objects.filter(parent=locked.parent, code=locked.code).exclude(pk=locked.pk).exists():
        raise Conflict(f"编码 {locked.code} 已存在 / Code already exists.", code="area.code_taken")
    if changes:
        locked.version += 1
        locked.save()
        data = {"changes": changes}
        if foreign:
            data["allow_foreign_code"] = True
        if changes.keys() & set(CHAIN_FIELDS):
            _chains_changed()
        audit_record(actor=actor, action="area.update", obj=locked, data=data)
    return locked


@transaction.atomic
def area_move(*, actor, area: Area, parent: Area, expected_version: int | None = None,
              reason: str = "") -> Area:
    """Re-parent an area (a community handed to another town, 区划调整): its ``parent`` and the
    paths of its whole subtree change; its code does not (change it with :func:`area_update` if
    the new parent numbers it otherwise). The actor must be allowed to change the area and to add
    under the new parent; the new parent is a current area exactly one level up, and no sibling
    there has the same code."""
    ensure_allowed(actor, Action.CHANGE, area)
    ensure_allowed(actor, Action.ADD, parent)
    locked = Area.objects.select_for_update().get(pk=area.pk)
    if expected_version is not None and locked.version != expected_version:
        raise Conflict("区域已被他人修改，请刷新 / The area changed since you read it; reload.",
                       code="area.stale")
    new_parent = Area.objects.current().filter(pk=parent.pk).first()
    if new_parent is None:
        raise ValidationFailed("上级区域已撤销 / The new parent is retired.", code="area.parent_retired")
    _validate_level(parent=new_parent, level=locked.level, grid_type=locked.grid_type)
    if new_parent.pk == locked.parent_id:
        return locked
    if Area.objects.filter(parent=new_parent, code=locked.code).exists():
        raise Conflict(f"新上级下编码 {locked.code} 已存在 / Code already exists under the new parent.",
                       code="area.code_taken", fields={"code": locked.code})
    old_parent_id, old_path = locked.parent_id, locked.path
    new_path = f"{new_parent.path}{locked.id}/"
    # The subtree's paths, rewritten in one statement: new prefix + the rest after the old one.
    Area.objects.filter(path__startswith=old_path).update(
        path=Concat(Value(new_path), Substr("path", len(old_path) + 1), output_field=CharField()),
        updated_at=timezone.now())
    Area.objects.filter(pk=locked.pk).update(parent=new_parent, version=F("version") + 1)
    locked.refresh_from_db()
    _chains_changed()
    audit_record(actor=actor, action="area.move", obj=locked,
                 data={"from": old_parent_id, "to": new_parent.pk, "path": [old_path, new_path],
                       "reason": reason})
    return locked


@transaction.atomic
def area_set_boundary(*, actor, area: Area, geometry, reason: str = "") -> Area:
    """Replace an area's boundary: close the current boundary version, open a new one, bump the
    boundary revision so that the locator index is rebuilt."""
    ensure_allowed(actor, Action.CHANGE, area)
    geom = _normalize_geometry(geometry)
    locked = Area.objects.select_for_update().get(pk=area.pk)
    now = timezone.now()
    AreaBoundary.objects.filter(area=locked, valid_to__isnull=True).update(valid_to=now)
    locked.geometry = geojson_to_plain(geom.__geo_interface__) if geom is not None else None
    for k, v in bbox_fields(geom).items():
        setattr(locked, k, v)
    locked.version += 1
    locked.save()
    if geom is not None:
        AreaBoundary.objects.create(area=locked, geometry=locked.geometry, valid_from=now,
                                    reason=reason, changed_by=actor)
    BoundaryRevision.bump()
    audit_record(actor=actor, action="area.set_boundary", obj=locked, data={"reason": reason})
    return locked


@transaction.atomic
def area_retire(*, actor, area: Area, on: dt.date | None = None, reason: str = "") -> Area:
    """End an area's validity (merged away, abolished). Its subtree must be retired first."""
    ensure_allowed(actor, Action.DELETE, area)
    on = on or timezone.localdate()
    if Area.objects.current(on).filter(parent=area).exists():
        raise Conflict("请先调整或撤销下级区域 / Retire or move the children first.",
                       code="area.has_children")
    if on <= area.valid_from:
        raise ValidationFailed("撤销日期须晚于生效日期 / Retirement must follow the start date.",
                               code="area.validity_invalid")
    area.valid_to = on
    area.version += 1
    area.save(update_fields=["valid_to", "version", "updated_at"])
    AreaBoundary.objects.filter(area=area, valid_to__isnull=True).update(valid_to=timezone.now())
    if area.geometry is not None:
        BoundaryRevision.bump()
    _chains_changed()
    audit_record(actor=actor, action="area.retire", obj=area, data={"on": on.isoformat(), "reason": reason})
    return area
