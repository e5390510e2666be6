"""HTTP API of the duty admission list (``/api/admission/…``) and of pushing a task down
(``POST /api/tasks``: 201 when admitted and delivered, 202 when held for the command center)."""

from __future__ import annotations

from django.http import HttpResponse
from ninja import Query, Router, Schema, Status

from jiewang.areas.selectors import area_get
from jiewang.core.errors import NotFound
from jiewang.core.schema_types import DbId
from jiewang.events import selectors as event_selectors

from . import burden, selectors
from .choices import PushStatus
from .schemas import (BurdenOut, CommentIn, ConfirmIn, DiffOut, ItemIn, ItemOut, ItemUpdateIn, ListIn, ListOut,
                      PushOut, ReasonIn, RecordOut, TaskPushIn, burden_out, item_out, list_out, push_out, record_out)
from .services import forms, lists, pushing

router = Router(tags=["admission"])
task_router = Router(tags=["admission"])



@task_router.post("/tasks", response={201: PushOut, 202: PushOut},
                  summary="Push a task down to a village/community or grid (through the duty admission list)")
def task_push(request, payload: TaskPushIn):
    """201: it cites an admitted duty of the list in force (allowing your department or office and
    the area's level) and is delivered now. 202: held for the town's command center (``reasons``);
    no task exists until it is approved. 404 for an area, category or item you cannot see, 403
    without a sender's role above the area, 422 for bad input."""
    area = area_get(user=request.user, area_id=payload.area_id)
    category = event_selectors.category_list(user=request.user).filter(code=payload.category_code).first()
    if category is None:
        raise NotFound("事项类别不存在 / Unknown category.", code="event.category_unknown")
    push = pushing.task_push(actor=request.user, area=area, category=category, title=payload.title,
                             description=payload.description, due_at=payload.due_at, checklist=payload.checklist,
                             urgency=payload.urgency, duty_item_id=payload.duty_item_id,
                             form=[f.dict(exclude_none=True) for f in payload.form] if payload.form is not None
                             else None, expected_hours=payload.expected_hours)
    push = selectors.push_get(user=request.user, push_id=push.pk)
    return Status(202 if push.status == PushStatus.HELD else 201, push_out(push))


class ListQuery(Schema):
    district_id: DbId | None = None


@router.get("/lists", response=list[ListOut], summary="准入清单: the versions of the lists in scope")
def duty_lists(request, q: Query[ListQuery]):
    district = area_get(user=request.user, area_id=q.district_id) if q.district_id else None
    return [list_out(dl) for dl in selectors.duty_lists(user=request.user, district=district)[:200]]


@router.post("/lists", response={201: ListOut}, summary="Open the district's draft (a copy of the list in force)")
def duty_list_draft(request, payload: ListIn):
    dl = lists.duty_list_draft(actor=request.user, district=area_get(user=request.user, area_id=payload.district_id),
                               note=payload.note)
    return Status(201, list_out(dl, items=True))


@router.get("/lists/{int:duty_list_id}", response=ListOut, summary="One version with its items")
def duty_list(request, duty_list_id: DbId):
    return list_out(selectors.duty_list_get(user=request.user, list_id=duty_list_id), items=True)


@router.get("/lists/{int:duty_list_id}/diff", response=DiffOut, summary="What this version changes against the one before")
def duty_list_diff(request, duty_list_id: DbId):
    dl = selectors.duty_list_get(user=request.user, list_id=duty_list_id)
    return selectors.list_diff(selectors.previous_of(dl), dl)


@router.post("/lists/{int:duty_list_id}/publish", response=ListOut, summary="Publish the draft (supersedes the list in force)")
def duty_list_publish(request, duty_list_id: DbId):
    dl = lists.duty_list_publish(actor=request.user,
                                 duty_list=selectors.duty_list_get(user=request.user, list_id=duty_list_id))
    return list_out(dl, items=True)


@router.post("/lists/{int:duty_list_id}/items", response={201: ItemOut}, summary="Add a duty to the draft")
def duty_item_add(request, duty_list_id: DbId, payload: ItemIn):
    dl = selectors.duty_list_get(user=request.user, list_id=duty_list_id)
    data = payload.dict()
    data["form"] = [f.dict(exclude_none=True) for f in payload.form]
    return Status(201, item_out(lists.duty_item_add(actor=request.user, duty_list=dl, **data)))


@router.put("/items/{int:duty_item_id}", response=ItemOut, summary="Change a duty of the draft")
def duty_item_update(request, duty_item_id: DbId, payload: ItemUpdateIn):
    item = selectors.duty_item_get(user=request.user, item_id=duty_item_id)
    data = payload.dict(exclude_none=True)
    if payload.form is not None:
        data["form"] = [f.dict(exclude_none=True) for f in payload.form]
    return item_out(lists.duty_item_update(actor=request.user, item=item, **data))


@router.delete("/items/{int:duty_item_id}", response={204: None}, summary="Remove a duty from the draft")
def duty_item_remove(request, duty_item_id: DbId):
    lists.duty_item_remove(actor=request.user, item=selectors.duty_item_get(user=request.user, item_id=duty_item_id))
    return Status(204, None)


class AreaQuery(Schema):
    area_id: DbId


@router.get("/in-force", response=list[ItemOut], summary="The duties admitted over an area (the push form's choices)")
def in_force(request, q: Query[AreaQuery]):
    dl = selectors.in_force_for(user=request.user, area=area_get(user=request.user, area_id=q.area_id))
    return [item_out(i) for i in selectors.items_of(dl)] if dl else []


class PushQuery(Schema):
    status: PushStatus | None = None


@router.get("/pushes", response=list[PushOut], summary="Pushed tasks in scope (the center's queue: status=held)")
def push_list(request, q: Query[PushQuery]):
    return [push_out(p) for p in selectors.pushes(user=request.user, status=q.status)[:500]]


@router.get("/pushes/{int:push_id}", response=PushOut, summary="One pushed task")
def push_detail(request, push_id: DbId):
    return push_out(selectors.push_get(user=request.user, push_id=push_id))


@router.post("/pushes/{int:push_id}/approve", response=PushOut, summary="Approve a held push: the task is delivered")
def push_approve(request, push_id: DbId, payload: CommentIn):
    push = pushing.push_approve(actor=request.user, push=selectors.push_get(user=request.user, push_id=push_id),
                                comment=payload.comment)
    return push_out(selectors.push_get(user=request.user, push_id=push.pk))


@router.post("/pushes/{int:push_id}/refuse", response=PushOut, summary="Refuse a held push, with a reason")
def push_refuse(request, push_id: DbId, payload: ReasonIn):
    push = pushing.push_refuse(actor=request.user, push=selectors.push_get(user=request.user, push_id=push_id),
                               reason=payload.reason)
    return push_out(selectors.push_get(user=request.user, push_id=push.pk))


@router.get("/tasks/{number}/records", response=list[RecordOut],
            summary="A data-collection task's records, pre-filled from base data")
def task_records(request, number: str):
    event = event_selectors.event_get(user=request.user, number=number)
    return [record_out(r) for r in selectors.event_records(user=request.user, event=event)[:2000]]


@router.post("/records/{int:task_record_id}/confirm", response=RecordOut,
             summary="Confirm a pre-filled record, or correct some values")
def record_confirm(request, task_record_id: DbId, payload: ConfirmIn):
    record = selectors.record_get(user=request.user, record_id=task_record_id)
    return record_out(forms.record_confirm(actor=request.user, record=record, values=payload.values))


class BurdenQuery(Schema):
    area_id: DbId | None = None
    month: str | None = None


def _report(request, q: BurdenQuery):
    area = area_get(user=request.user, area_id=q.area_id) if q.area_id else burden.default_area(request.user)
    if area is None:
        raise NotFound("区域不存在 / Area not found.", code="area.not_found")
    return burden.burden_report(user=request.user, area=area, month=burden.parse_month(q.month))


@router.get("/burden", response=BurdenOut, summary="减负: the month's pushes and hours per grid, worker and pusher")
def burden_report(request, q: Query[BurdenQuery]):
    return burden_out(_report(request, q))


@router.get("/burden.xlsx", response={200: None}, summary="The burden report as an Excel workbook")
def burden_export(request, q: Query[BurdenQuery]):
    rep = _report(request, q)
    resp = HttpResponse(burden.burden_xlsx(rep),
                        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    resp["Content-Disposition"] = f'attachment; filename="burden-{rep.month:%Y-%m}.xlsx"'
    return resp
