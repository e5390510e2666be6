"""The import service.

Parents. With ``parent`` given, every feature goes under it (its parent-code property is ignored).
Otherwise each feature's parent is the *current* area of level ``level - 1`` whose code is the
feature's ``parent_code_key`` property; an unknown, ambiguous, invisible (to the actor) or
not-editable parent rejects that feature. A feature with no parent code becomes a **root** only
when the imported level is the top of the data: the level is ``CITY``, or no current area of
level ``level - 1`` exists at all (e.g. a deployment whose tree starts at a district). Otherwise
it is ``import.missing_parent``. Only the system (``actor=None``) or a superuser creates roots.

Optional properties ``grid_type``, ``population``, ``households`` (fixed keys, as the export writes
them) are applied when present; ``valid_from`` (ISO date) only when an area is created.

Re-import. A feature whose ``(parent, code)`` is an existing current area **updates** it: its
name (and ``grid_type``/``population``/``households`` when the properties are present) through
``area_update``, its boundary through ``area_set_boundary`` when the geometry differs (a new
``AreaBoundary`` version, a revision bump). Nothing different → ``unchanged``. A ``(parent, code)``
that belongs to a retired area is rejected (``import.code_retired``): reviving history is not an
import's job.

Guards. A feature's code must extend its parent's code (:mod:`jiewang.areas.codes`: ``510101``
does not belong under ``500000``), else ``import.code_not_under_parent``. A feature matching an
existing area may not rename it (``import.rename_refused``) nor move its boundary outside its
parent (``import.moved_outside_parent``, see :mod:`.checks`). Each guard yields only to an
explicit flag — ``allow_foreign_codes``, ``allow_rename``, ``allow_outside_parent`` — and a
feature let through lists the override in its report (``overrides``); the ``area.import`` audit
row lists the overrides used, the ``area.create`` rows of foreign codes say so too.

Preview. Every feature's report says what it does (``action``) and, for an update, the old and
new value of each changed field (``diff``). A ``dry_run`` computes the same report, guards and
all, and writes nothing: the administrator reads each change before anything is written.

All or nothing. Everything is written in one ``transaction.atomic()``. By default one rejected
feature means nothing is written (the report still lists every problem); with ``skip_invalid`` the
good features are written. A refusal raised while writing (a concurrent edit, a constraint) rejects
that feature and, without ``skip_invalid``, rolls the whole import back. Writes go through
``area_create``/``area_update``/``area_set_boundary`` (permissions, audit rows, boundary versions,
revision bumps), and one ``area.import`` audit row summarizes the import.
"""

from __future__ import annotations

import datetime as dt
import json

from django.conf import settings
from django.db import transaction
from django.db.models import Q

from jiewang.audit.services import audit_record
from jiewang.core.errors import ApplicationError, PayloadTooLarge, ValidationFailed
from jiewang.core.scope import Action, ensure_allowed, is_allowed, restrict

from ..choices import GRID_LEVELS, AreaLevel, GridType
from ..codes import extends_parent_code, foreign_code_detail, foreign_code_message
from ..geometry import approx_area_m2
from ..models import Area
from ..services import area_create, area_set_boundary, area_update
from . import report as st
from .checks import Placed, check_placement
from .repair import PRECISION_GRID, FeatureRejected, repair_geometry
from .report import FeatureReport, ImportReport

OPTIONAL_FIELDS = ("grid_type", "population", "households")


class _RollBack(Exception):
    pass


def _chunks(items: list, size: int = 500):
    """Keep ``IN (...)`` lists short (SQLite limits host parameters and expression depth)."""
    for i in range(0, len(items), size):
        yield items[i:i + size]


def load_feature_collection(data) -> list:
    """The ``features`` list of a GeoJSON FeatureCollection given as bytes, str, a file object or
    a dict. Raises ``PayloadTooLarge`` above ``settings.AREA_IMPORT_MAX_BYTES`` and
    ``ValidationFailed`` for anything that is not a FeatureCollection."""
    limit = settings.AREA_IMPORT_MAX_BYTES
    if hasattr(data, "read"):
        data = data.read(limit + 1)
    if isinstance(data, (bytes, bytearray, memoryview)):
        raw = bytes(data)
        if len(raw) > limit:
            raise PayloadTooLarge(f"文件过大 / The file is larger than {limit:,} bytes.",
                                  code="import.too_large", fields={"max_bytes": limit})
        try:
            data = raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise ValidationFailed(f"文件不是UTF-8编码的JSON / The file is not UTF-8 JSON: {exc}",
                                   code="import.not_json") from exc
    if isinstance(data, str):
        if len(data) > limit or len(data.encode("utf-8")) > limit:
            raise PayloadTooLarge(f"文件过大 / The file is larger than {limit:,} bytes.",
                                  code="import.too_large", fields={"max_bytes": limit})
        try:
            data = json.loads(data.lstrip("\ufeff"))
        except ValueError as exc:
            raise ValidationFailed(f"文件不是有效的JSON / The file is not valid JSON: {exc}",
                                   code="import.not_json") from exc
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        got = data.get("type") if isinstance(data, dict) else type(data).__name__
        raise ValidationFailed(
            f"需要GeoJSON FeatureCollection / Expected a GeoJSON FeatureCollection, got {str(got)[:40]!r}.",
            code="import.not_feature_collection")
    features = data.get("features")
    if not isinstance(features, list):
        raise ValidationFailed("FeatureCollection缺少features数组 / The FeatureCollection has no "
                               "\"features\" list.", code="import.not_feature_collection")
    if not features:
        raise ValidationFailed("文件中没有要素 / The file has no features.", code="import.no_features")
    return features


def _text(value) -> str:
    if value is None or isinstance(value, bool):
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, (int, float, str)):
        return str(value).strip()
    return ""


class _Candidate:
    """A feature under validation."""

    def __init__(self, report: FeatureReport):
        self.report = report
        self.geom = None
        self.parent_code = ""
        self.parent: Area | None = None
        self.existing: Area | None = None
        self.fields: dict = {}
        self.valid_from: dt.date | None = None


def _read_properties(c: _Candidate, props: dict, *, level: int, name_key: str, code_key: str,
                     parent_code_key: str) -> None:
    r = c.report
    r.name = _text(props.get(name_key))
    r.code = _text(props.get(code_key))
    c.parent_code = r.parent_code = _text(props.get(parent_code_key))
    if not r.name:
        r.error("import.missing_name", f"缺少名称（属性 {name_key}）/ Missing name (property {name_key!r}).")
    elif len(r.name) > 100:
        r.error("import.invalid_property", "名称超过100字 / The name is longer than 100 characters.", field="name")
    if not r.code:
        r.error("import.missing_code", f"缺少编码（属性 {code_key}）/ Missing code (property {code_key!r}).")
    elif len(r.code) > 24:
        r.error("import.invalid_property", "编码超过24位 / The code is longer than 24 characters.", field="code")
    if "grid_type" in props and props["grid_type"] not in (None, ""):
        gt = props["grid_type"]
        if level not in GRID_LEVELS or gt not in GridType.values:
            r.error("import.invalid_property", f"网格类型无效 / Invalid grid_type {gt!r:.30} for this level.",
                    field="grid_type")
        else:
            c.fields["grid_type"] = gt
    for key in ("population", "households"):
        if key in props and props[key] is not None:
            v = props[key]
            if isinstance(v, bool) or not isinstance(v, (int, float)) or v < 0 or v != int(v) or v > 2**31 - 1:
                r.error("import.invalid_property", f"{key} 必须是非负整数 / {key} must be a non-negative integer.",
                        field=key)
            else:
                c.fields[key] = int(v)
    if props.get("valid_from"):
        try:
            c.valid_from = dt.date.fromisoformat(str(props["valid_from"])[:10])
        except ValueError:
            r.error("import.invalid_property", "valid_from 不是日期 / valid_from is not a YYYY-MM-DD date.",
                    field="valid_from")


def _resolve_parents(cands: list[_Candidate], *, actor, level: int, parent: Area | None) -> None:
    if parent is not None:
        for c in cands:
            if c.parent_code and c.parent_code != parent.code:
                c.report.warn("import.parent_code_ignored",
                              f"忽略上级编码 {c.parent_code}，导入到 {parent.code} / The feature's parent code "
                              f"{c.parent_code} is ignored: everything goes under {parent.code}.",
                              parent_code=c.parent_code)
            c.parent, c.report.parent_code = parent, parent.code
        return
    codes = {c.parent_code for c in cands if c.parent_code}
    by_code: dict[str, list[Area]] = {}
    if codes and level > AreaLevel.CITY:
        for chunk in _chunks(sorted(codes)):
            for a in Area.objects.current().filter(level=level - 1, code__in=chunk):
                by_code.setdefault(a.code, []).append(a)
    ids = [a.pk for lst in by_code.values() for a in lst]
    visible = addable = set(ids)
    if actor is not None and ids:
        visible, addable = set(), set()
        for chunk in _chunks(ids):
            qs = Area.objects.filter(pk__in=chunk)
            visible |= set(restrict(qs, actor, Action.VIEW).values_list("pk", flat=True))
            addable |= set(restrict(qs, actor, Action.ADD).values_list("pk", flat=True))
    top = level == AreaLevel.CITY or not Area.objects.current().filter(level=level - 1).exists()
    may_root = actor is None or actor.is_superuser
    for c in cands:
        r = c.report
        if not c.parent_code:
            if not top:
                r.error("import.missing_parent",
                        f"缺少上级编码（属性 {r.parent_code or 'parent_code'}）/ No parent code: a feature becomes a "
                        "root only when its level is the top of the tree; give a parent code or --parent.")
            elif not may_root:
                r.error("import.permission_denied", "只有系统管理员可以创建根区域 / Only administrators create "
                        "root areas.")
            continue
        found = [a for a in by_code.get(c.parent_code, []) if a.pk in visible]
        if not found:
            r.error("import.unknown_parent", f"上级编码 {c.parent_code} 不存在 / No current "
                    f"{AreaLevel(level - 1).name.lower() if level > 1 else 'parent'} area with code "
                    f"{c.parent_code}.", parent_code=c.parent_code)
        elif len(found) > 1:
            r.error("import.ambiguous_parent", f"上级编码 {c.parent_code} 不唯一 / Several current areas have "
                    f"code {c.parent_code}; import under one --parent.", parent_code=c.parent_code)
        elif found[0].pk not in addable:
            r.error("import.permission_denied", f"无权在 {c.parent_code} 下添加区域 / You may not add areas "
                    f"under {c.parent_code}.", parent_code=c.parent_code)
        else:
            c.parent = found[0]


def _check_codes(cands: list[_Candidate], *, allow_foreign_codes: bool) -> None:
    """Refuse (or, when allowed, mark) the features whose code does not extend their parent's."""
    for c in cands:
        p, r = c.parent, c.report
        if p is None or extends_parent_code(r.code, p.code, p.level):
            continue
        detail = foreign_code_detail(r.code, p.code, p.level)
        detail.pop("code")  # the feature's own code is in its report already
        if allow_foreign_codes:
            r.overrides.append("foreign_code")
            r.warn("import.foreign_code_allowed",
                   f"编码 {r.code} 不属于上级 {p.code}，已按要求导入 / Code {r.code} does not extend its parent's "
                   f"code {p.code}; imported because foreign codes were allowed.", **detail)
        else:
            r.error("import.code_not_under_parent", foreign_code_message(r.code, p.code, p.level), **detail)


def _find_existing(cands: list[_Candidate], *, actor, level: int) -> None:
    """Mark duplicates in the file and the (parent, code) pairs that already exist."""
    seen: dict[tuple, list[_Candidate]] = {}
    for c in cands:
        seen.setdefault((c.parent.pk if c.parent else None, c.report.code), []).append(c)
    for (_pid, code), group in seen.items():
        if len(group) > 1:
            idx = [g.report.index for g in group]
            for g in group:
                g.report.error("import.duplicate_code", f"编码 {code} 在文件中重复 / Code {code} appears "
                               f"{len(group)} times under the same parent (features {idx}).", indexes=idx)
    existing: dict[tuple, Area] = {}
    keys = sorted(seen, key=lambda k: (k[0] or 0, k[1]))
    for chunk in _chunks(keys):  # a superset per chunk (pids × codes), filtered exactly below
        pids = {pid for pid, _code in chunk if pid is not None}
        scope = Q(parent_id__in=pids) | (Q(parent__isnull=True) if None in {p for p, _c in chunk} else Q(pk__in=[]))
        for a in Area.objects.filter(scope, code__in={code for _pid, code in chunk}):
            if (a.parent_id, a.code) in seen:
                existing[(a.parent_id, a.code)] = a
    today = dt.date.today()
    for c in cands:
        if c.report.rejected:
            continue
        a = existing.get((c.parent.pk if c.parent else None, c.report.code))
        if a is None:
            continue
        r = c.report
        if (a.valid_to is not None and a.valid_to <= today) or a.level != level:
            r.error("import.code_retired" if a.level == level else "import.code_taken",
                    f"编码 {a.code} 属于已撤销或其他层级的区域 / Code {a.code} belongs to a retired area or "
                    "another level; choose another code.", area_id=a.pk)
        elif actor is not None and not is_allowed(actor, Action.CHANGE, a):
            r.error("import.permission_denied", f"无权修改 {a.code} / You may not change area {a.code}.")
        else:
            c.existing = a


def _same_geometry(stored, geom) -> bool:
    import shapely

    old = _stored_geometry(stored)
    if old is None:
        return False
    return bool(shapely.equals_exact(shapely.normalize(old), shapely.normalize(geom), tolerance=PRECISION_GRID / 2))


def _geometry_summary(geom) -> dict | None:
    if geom is None or geom.is_empty:
        return None
    return {"area_m2": round(approx_area_m2(geom), 1), "bbox": [round(x, 7) for x in geom.bounds]}


def _stored_geometry(stored):
    from shapely.geometry import shape

    try:
        return shape(stored) if stored else None
    except Exception:  # a stored geometry should always parse; the diff must not crash on one that does not
        return None


def _plan_update(c: _Candidate, *, allow_rename: bool) -> None:
    """Compare the feature with the existing area: ``changes``/``diff``, and the rename guard."""
    a, r = c.existing, c.report
    diff = {k: {"old": getattr(a, k), "new": v} for k, v in {"name": r.name, **c.fields}.items()
            if getattr(a, k) != v}
    if not _same_geometry(a.geometry, c.geom):
        diff["geometry"] = {"old": _geometry_summary(_stored_geometry(a.geometry)), "new": _geometry_summary(c.geom)}
    r.changes, r.diff = list(diff), diff
    r.action = "update" if diff else "none"
    r.area_id = a.pk
    if "name" in diff:
        if allow_rename:
            r.overrides.append("rename")
        else:
            r.error("import.rename_refused",
                    f"将把 {a.code}「{a.name}」改名为「{r.name}」/ This would rename {a.code} from {a.name!r} to "
                    f"{r.name!r}; allow renames explicitly if intended.", old_name=a.name, new_name=r.name)


def _write(c: _Candidate, *, actor, level: int) -> None:
    r = c.report
    if r.action == "create":
        area = area_create(actor=actor, parent=c.parent, level=level, code=r.code, name=r.name,
                           geometry=c.geom, valid_from=c.valid_from, reason="import",
                           allow_foreign_code="foreign_code" in r.overrides, **c.fields)
        r.area_id, r.status = area.pk, st.IMPORTED
    elif r.action == "update":
        a = c.existing
        fields = {k: v for k, v in {"name": r.name, **c.fields}.items() if k in r.changes}
        if fields:
            a = area_update(actor=actor, area=a, **fields)
        if "geometry" in r.changes:
            area_set_boundary(actor=actor, area=a, geometry=c.geom, reason="import")
        r.status = st.UPDATED
    else:
        r.status = st.UNCHANGED


def area_import(*, actor, data, level, parent: Area | None = None, name_key: str = "name",
                code_key: str = "code", parent_code_key: str = "parent_code", skip_invalid: bool = False,
                dry_run: bool = False, allow_foreign_codes: bool = False, allow_rename: bool = False,
                allow_outside_parent: bool = False) -> ImportReport:
    """Import the areas of a GeoJSON FeatureCollection at ``level`` (see the module docstring for
    parents, guards, updates and atomicity, and :mod:`.repair` for the geometry repairs)."""
    try:
        level = AreaLevel(int(level))
    except (TypeError, ValueError):
        raise ValidationFailed(f"未知层级 / Unknown level {level!r}.", code="import.level_invalid") from None
    features = load_feature_collection(data)
    if parent is not None:
        ensure_allowed(actor, Action.ADD, parent)
        if parent.level != level - 1:
            raise ValidationFailed(
                f"上级 {parent.code} 的层级须比导入层级高一级 / The parent must be one level above the imported "
                f"level ({AreaLevel(level).name.lower()}).", code="import.level_mismatch",
                fields={"level": int(level), "parent_level": parent.level})
        if parent.valid_to is not None and parent.valid_to <= dt.date.today():
            raise ValidationFailed(f"上级 {parent.code} 已撤销 / The parent {parent.code} is retired.",
                                   code="import.parent_retired")
    report = ImportReport(level=int(level), dry_run=dry_run, skip_invalid=skip_invalid,
                          allow_foreign_codes=allow_foreign_codes, allow_rename=allow_rename,
                          allow_outside_parent=allow_outside_parent)
    cands: list[_Candidate] = []
    for index, feature in enumerate(features):
        r = FeatureReport(index=index)
        report.features.append(r)
        c = _Candidate(r)
        if not isinstance(feature, dict) or feature.get("type") != "Feature":
            r.error("import.not_a_feature", "不是GeoJSON Feature / Not a GeoJSON Feature.")
            continue
        props = feature.get("properties") or {}
        if not isinstance(props, dict):
            props = {}
        _read_properties(c, props, level=level, name_key=name_key, code_key=code_key,
                         parent_code_key=parent_code_key)
        try:
            c.geom, r.repairs = repair_geometry(feature.get("geometry"))
            r.area_m2 = round(approx_area_m2(c.geom), 1)
        except FeatureRejected as exc:
            detail = dict(exc.detail)
            if "repairs" in detail:
                r.repairs = detail.pop("repairs")
            r.error(exc.code, exc.message, **detail)
        cands.append(c)
    live = [c for c in cands if not c.report.rejected]
    _resolve_parents(live, actor=actor, level=level, parent=parent)
    live = [c for c in live if not c.report.rejected]
    _check_codes(live, allow_foreign_codes=allow_foreign_codes)
    live = [c for c in live if not c.report.rejected]
    _find_existing(live, actor=actor, level=level)
    live = [c for c in live if not c.report.rejected]
    for c in live:
        if c.existing is not None:
            _plan_update(c, allow_rename=allow_rename)
        else:
            c.report.action = "create"
    check_placement([Placed(c.geom, c.parent, level, c.report, c.existing.pk if c.existing else None,
                            moves="geometry" in c.report.changes) for c in live],
                    allow_outside_parent=allow_outside_parent)
    live = [c for c in live if not c.report.rejected]
    for r in report.features:
        if r.rejected:
            r.status, r.action = st.REJECTED, ""
    if dry_run or (report.rejected and not skip_invalid):
        for c in live:
            c.report.status = st.SKIPPED_DRY_RUN if dry_run else st.SKIPPED
        return report
    try:
        with transaction.atomic():
            for c in live:
                try:
                    with transaction.atomic():
                        _write(c, actor=actor, level=level)
                except ApplicationError as exc:
                    c.report.error(f"import.{exc.code.split('.')[-1]}" if not exc.code.startswith("import.")
                                   else exc.code, exc.message)
                    c.report.status, c.report.action = st.REJECTED, ""
            if report.rejected and not skip_invalid:
                raise _RollBack
            if report.imported or report.updated:
                audit_record(actor=actor, action="area.import", obj=parent, object_type="areas.area", data={
                    "level": int(level), "parent": parent.pk if parent else None, **report.counts(),
                    "created": [r.area_id for r in report.features if r.status == st.IMPORTED],
                    "updated": [r.area_id for r in report.features if r.status == st.UPDATED],
                    "rejected": [r.index for r in report.features if r.status == st.REJECTED],
                    "allow": [k for k in ("allow_foreign_codes", "allow_rename", "allow_outside_parent")
                              if getattr(report, k)],
                    "overrides_used": report.overrides_used(),
                })
    except _RollBack:
        for c in live:
            if c.report.status != st.REJECTED:
                c.report.status = st.SKIPPED
                if c.report.action == "create":
                    c.report.area_id = None
    return report

