"""Keeping the district's duty admission list (district administrators): a draft copy of the
version in force is edited item by item, then published, which supersedes the previous version
in the same transaction. Published and superseded versions never change, so a task always
cites the item of the version that was in force when it was pushed.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from jiewang.accounts.models import Department
from jiewang.areas.choices import AreaLevel
from jiewang.areas.models import Area
from jiewang.audit.services import audit_record
from jiewang.accounts.choices import Role
from jiewang.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from jiewang.core.scope import Action, restrict, user_grants

from ..choices import DutyKind, DutyLevel, ListStatus
from ..models import DutyItem, DutyList
from .forms import clean_form
from .pushing import _hours

ITEM_FIELDS = ("code", "name", "kind", "level", "by_town", "by_district", "expected_hours", "form", "note",
               "department_ids")


def _ensure_draft(duty_list: DutyList) -> None:
    if duty_list.status != ListStatus.DRAFT:
        raise Conflict("只能修改草稿 / Only a draft can be edited.", code="admission.not_draft")


@transaction.atomic
def duty_list_draft(*, actor, district: Area, note: str = "") -> DutyList:
    """The district's draft (the existing one, or a new copy of the version in force)."""
    if district.level != AreaLevel.DISTRICT:
        raise ValidationFailed("准入清单属于区县 / A duty list belongs to a district.", code="admission.not_district",
                               fields={"district_id": district.level})
    _ensure_keeper(actor, district)
    existing = DutyList.objects.select_for_update().filter(district=district, status=ListStatus.DRAFT).first()
    if existing is not None:
        return existing
    current = DutyList.objects.filter(district=district, status=ListStatus.PUBLISHED).first()
    version = (DutyList.objects.filter(district=district).aggregate(v=Max("version"))["v"] or 0) + 1
    draft = DutyList.objects.create(district=district, version=version, note=note[:2000],
                                    created_by=actor if getattr(actor, "pk", None) else None)
    if current is not None:
        for item in current.items.prefetch_related("departments"):
            depts = list(item.departments.all())
            item.pk, item.duty_list = None, draft
            item.save()
            item.departments.set(depts)
    audit_record(actor=actor, action="duty_list.draft", obj=draft,
                 data={"district": district.pk, "from_version": current.version if current else None})
    return draft


def _ensure_keeper(actor, district: Area) -> None:
    """District administrators of the district (or above) keep its list: 404 outside scope, 403 else."""
    if actor is None:
        return
    if not restrict(Area.objects.filter(pk=district.pk), actor, Action.VIEW).exists():
        raise NotFound("区域不存在 / Area not found.", code="area.not_found")
    if actor.is_superuser or any(g.role == Role.DISTRICT_ADMIN and district.path.startswith(g.path)
                                 for g in user_grants(actor)):
        return
    raise PermissionDenied("仅区县管理员可维护准入清单 / Only district administrators keep the list.",
                           code="permission_denied")


def _clean_item(duty_list: DutyList, data: dict, *, item: DutyItem | None = None) -> tuple[dict, list | None]:
    out = {}
    for key in ("code", "name", "note"):
        if key in data:
            out[key] = str(data[key] or "").strip()[:2000 if key == "note" else (32 if key == "code" else 100)]
    if item is None and (not out.get("code") or not out.get("name")):
        raise ValidationFailed("编码和名称必填 / Code and name are required.", code="validation_failed",
                               fields={"code": "required", "name": "required"})
    for key, choices in (("kind", DutyKind), ("level", DutyLevel)):
        if key in data:
            if data[key] not in choices.values:
                raise ValidationFailed("取值无效 / Invalid value.", code="validation_failed", fields={key: "invalid"})
            out[key] = data[key]
    if item is None and "kind" not in out:
        raise ValidationFailed("类别必填 / The kind is required.", code="validation_failed", fields={"kind": "required"})
    for key in ("by_town", "by_district"):
        if key in data:
            out[key] = bool(data[key])
    if "expected_hours" in data:
        out["expected_hours"] = _hours(data["expected_hours"]) or Decimal(0)
    if "form" in data:
        out["form"] = clean_form(data["form"] or [])
    if "code" in out and DutyItem.objects.filter(duty_list=duty_list, code=out["code"]).exclude(
            pk=item.pk if item else None).exists():
        raise Conflict("编码已存在 / The code exists in this list.", code="admission.duplicate_code",
                       fields={"code": out["code"]})
    depts = None
    if data.get("department_ids") is not None:
        ids = {int(x) for x in data["department_ids"]}
        depts = list(Department.objects.filter(pk__in=ids, is_active=True))
        if len(depts) != len(ids):
            raise ValidationFailed("部门不存在 / Unknown department.", code="validation_failed",
                                   fields={"department_ids": sorted(ids - {d.pk for d in depts})})
    return out, depts


@transaction.atomic
def duty_item_add(*, actor, duty_list: DutyList, **data) -> DutyItem:
    _ensure_keeper(actor, duty_list.district)
    _ensure_draft(duty_list)
    fields, depts = _clean_item(duty_list, data)
    item = DutyItem.objects.create(duty_list=duty_list, **fields)
    if depts is not None:
        item.departments.set(depts)
    audit_record(actor=actor, action="duty_item.add", obj=item, data={"list": duty_list.pk, "code": item.code})
    return item


@transaction.atomic
def duty_item_update(*, actor, item: DutyItem, **data) -> DutyItem:
    _ensure_keeper(actor, item.duty_list.district)
    _ensure_draft(item.duty_list)
    fields, depts = _clean_item(item.duty_list, data, item=item)
    for k, v in fields.items():
        setattr(item, k, v)
    item.save()
    if depts is not None:
        item.departments.set(depts)
    audit_record(actor=actor, action="duty_item.update", obj=item, data={"fields": sorted(fields)})
    return item


@transaction.atomic
def duty_item_remove(*, actor, item: DutyItem) -> None:
    _ensure_keeper(actor, item.duty_list.district)
    _ensure_draft(item.duty_list)
    audit_record(actor=actor, action="duty_item.remove", obj=item, data={"code": item.code})
    item.delete()


@transaction.atomic
def duty_list_publish(*, actor, duty_list: DutyList) -> DutyList:
    """Publish the draft: it becomes the list in force and the previous version is superseded."""
    _ensure_keeper(actor, duty_list.district)
    duty_list = DutyList.objects.select_for_update().get(pk=duty_list.pk)
    _ensure_draft(duty_list)
    if not duty_list.items.exists():
        raise Conflict("清单为空，不能发布 / An empty list cannot be published.", code="admission.empty_list")
    now = timezone.now()
    previous = DutyList.objects.select_for_update().filter(district=duty_list.district_id,
                                                           status=ListStatus.PUBLISHED).first()
    if previous is not None:
        previous.status, previous.superseded_at = ListStatus.SUPERSEDED, now
        previous.save(update_fields=["status", "superseded_at"])
    duty_list.status, duty_list.published_at = ListStatus.PUBLISHED, now
    duty_list.published_by = actor if getattr(actor, "pk", None) else None
    duty_list.save(update_fields=["status", "published_at", "published_by"])
    audit_record(actor=actor, action="duty_list.publish", obj=duty_list,
                 data={"version": duty_list.version, "superseded": previous.version if previous else None,
                       "items": duty_list.items.count()})
    return duty_list
