"""Reads of the duty admission list and pushed tasks, each restricted by the reader's scope."""

from __future__ import annotations

from jiewang.areas.choices import AreaLevel
from jiewang.areas.models import Area
from jiewang.core.errors import NotFound
from jiewang.core.scope import Action, restrict

from .choices import ListStatus, PushStatus
from .models import DutyItem, DutyList, PushRequest, TaskRecord

DIFF_FIELDS = ("name", "kind", "level", "by_town", "by_district", "expected_hours", "form", "note")


def duty_lists(*, user, district: Area | None = None):
    qs = restrict(DutyList.objects.select_related("district", "published_by"), user, Action.VIEW)
    return qs.filter(district=district) if district is not None else qs


def duty_list_get(*, user, list_id: int) -> DutyList:
    dl = duty_lists(user=user).filter(pk=list_id).first()
    if dl is None:
        raise NotFound("准入清单不存在 / Duty list not found.", code="not_found")
    return dl


def duty_item_get(*, user, item_id: int) -> DutyItem:
    item = (restrict(DutyItem.objects.select_related("duty_list__district"), user, Action.VIEW)
            .filter(pk=item_id).first())
    if item is None:
        raise NotFound("准入事项不存在 / Duty item not found.", code="admission.item_not_found")
    return item


def items_of(duty_list: DutyList):
    return duty_list.items.prefetch_related("departments").order_by("code")


def districts(*, user):
    """The districts the user sees (its own, or all under a city grant)."""
    return restrict(Area.objects.filter(level=AreaLevel.DISTRICT, valid_to__isnull=True), user,
                    Action.VIEW).order_by("code")


def in_force_for(*, user, area: Area) -> DutyList | None:
    """The list in force over ``area`` (for the push form), if the user may read it."""
    ids = [int(x) for x in area.path.strip("/").split("/") if x]
    return duty_lists(user=user).filter(district_id__in=ids, status=ListStatus.PUBLISHED).first()


def item_snapshot(item: DutyItem) -> dict:
    out = {f: getattr(item, f) for f in DIFF_FIELDS}
    out["expected_hours"] = str(item.expected_hours)
    out["departments"] = sorted(d.name for d in item.departments.all())
    return out


def list_diff(old: DutyList | None, new: DutyList) -> dict:
    """What ``new`` changes against ``old``, by item code: added, removed, changed (field: [old, new])."""
    before = {i.code: item_snapshot(i) for i in items_of(old)} if old else {}
    after = {i.code: item_snapshot(i) for i in items_of(new)}
    changed = {}
    for code in sorted(set(before) & set(after)):
        d = {f: [before[code][f], after[code][f]] for f in after[code] if before[code][f] != after[code][f]}
        if d:
            changed[code] = d
    return {"from_version": old.version if old else None, "to_version": new.version,
            "added": sorted(set(after) - set(before)), "removed": sorted(set(before) - set(after)),
            "changed": changed, "names": {c: (after.get(c) or before.get(c))["name"] for c in set(after) | set(before)}}


def previous_of(duty_list: DutyList) -> DutyList | None:
    return (DutyList.objects.filter(district=duty_list.district_id, version__lt=duty_list.version)
            .exclude(status=ListStatus.DRAFT).order_by("-version").first())


def pushes(*, user, status: str | None = None, town: Area | None = None):
    qs = restrict(PushRequest.objects.select_related("area", "town", "pushed_by", "department", "duty_item",
                                                     "category", "event", "decided_by"), user, Action.VIEW)
    if status:
        qs = qs.filter(status=status)
    if town is not None:
        qs = qs.filter(town=town)
    return qs


def held_queue(*, user):
    """The held pushes the user may decide (the command center's queue), oldest first."""
    return restrict(PushRequest.objects.filter(status=PushStatus.HELD), user, Action.CHANGE) \
        .select_related("area", "town", "pushed_by", "department", "duty_item", "category").order_by("pushed_at", "id")


def push_get(*, user, push_id: int) -> PushRequest:
    p = pushes(user=user).filter(pk=push_id).first()
    if p is None:
        raise NotFound("下派任务不存在 / Pushed task not found.", code="not_found")
    return p


def records_of(*, user, push: PushRequest):
    return restrict(TaskRecord.objects.filter(push=push), user, Action.VIEW).order_by("id")


def record_get(*, user, record_id: int) -> TaskRecord:
    r = restrict(TaskRecord.objects.select_related("push"), user, Action.VIEW).filter(pk=record_id).first()
    if r is None:
        raise NotFound("采集记录不存在 / Record not found.", code="not_found")
    return r


def event_records(*, user, event):
    """The data-collection records of a delivered task event the user may read."""
    return restrict(TaskRecord.objects.filter(push__event=event), user, Action.VIEW).order_by("id")
