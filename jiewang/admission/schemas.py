"""Shapes of the duty admission API."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ninja import Field, Schema

from jiewang.core.schema_types import DbId, Moment

from .choices import DutyKind, DutyLevel


class FormField(Schema):
    key: str = Field(..., max_length=32, description="lower-case identifier")
    label: str = Field("", max_length=60)
    type: str = Field("text", max_length=8, description="text | number | date | choice | bool")
    choices: list[str] = Field([], max_length=50)
    source: str | None = Field(None, max_length=40, description="base data the value is pre-filled from, "
                                                                 "e.g. resident.name, house.use")


class ItemIn(Schema):
    code: str = Field(..., max_length=32)
    name: str = Field(..., max_length=100)
    kind: DutyKind
    level: DutyLevel = DutyLevel.GRID
    department_ids: list[DbId] = Field([], max_length=100)
    by_town: bool = False
    by_district: bool = False
    expected_hours: float = Field(0, ge=0, le=999)
    form: list[FormField] = Field([], max_length=30)
    note: str = Field("", max_length=2000)


class ItemUpdateIn(Schema):
    name: str | None = Field(None, max_length=100)
    kind: DutyKind | None = None
    level: DutyLevel | None = None
    department_ids: list[DbId] | None = Field(None, max_length=100)
    by_town: bool | None = None
    by_district: bool | None = None
    expected_hours: float | None = Field(None, ge=0, le=999)
    form: list[FormField] | None = Field(None, max_length=30)
    note: str | None = Field(None, max_length=2000)


class ItemOut(Schema):
    id: int
    code: str
    name: str
    kind: str
    level: str
    department_ids: list[int]
    departments: list[str]
    by_town: bool
    by_district: bool
    expected_hours: float
    form: list[dict]
    note: str


class ListIn(Schema):
    district_id: DbId
    note: str = Field("", max_length=2000)


class ListOut(Schema):
    id: int
    district_id: int
    district: str
    version: int
    status: str
    note: str
    published_at: dt.datetime | None
    published_by: str | None
    superseded_at: dt.datetime | None
    items: list[ItemOut] | None = None


class DiffOut(Schema):
    from_version: int | None
    to_version: int
    added: list[str]
    removed: list[str]
    changed: dict[str, dict[str, list[Any]]]
    names: dict[str, str]


class TaskPushIn(Schema):
    area_id: DbId = Field(..., description="the village/community or grid the task is for")
    category_code: str = Field(..., max_length=32)
    title: str = Field(..., max_length=120)
    description: str = Field("", max_length=4000)
    due_at: Moment
    checklist: list[str] = Field([], max_length=30)
    urgency: str = Field("normal", max_length=16)
    duty_item_id: DbId | None = Field(None, description="the admitted duty (职责事项准入) the task cites")
    form: list[FormField] | None = Field(None, max_length=30, description="the data-collection form (default: "
                                                                          "the item's)")
    expected_hours: float | None = Field(None, ge=0, le=999, description="hours per grid (default: the item's)")


class PushOut(Schema):
    id: int
    status: str
    area_id: int
    area: str
    town: str
    title: str
    description: str
    due_at: dt.datetime
    pushed_by: str | None
    pusher_kind: str
    department: str | None
    duty_item_id: int | None
    duty_item: str | None
    list_version: int | None
    reasons: list[str]
    expected_hours: float
    pushed_at: dt.datetime
    approved_at: dt.datetime | None
    refused_at: dt.datetime | None
    decided_by: str | None
    decision_comment: str
    event_number: str | None
    form: list[dict]


class CommentIn(Schema):
    comment: str = Field("", max_length=2000)


class ReasonIn(Schema):
    reason: str = Field(..., max_length=2000, description="why it is refused (required)")


class RecordOut(Schema):
    id: int
    subject_type: str
    subject_id: int | None
    label: str
    prefilled: dict
    values: dict
    status: str
    corrections: dict
    written_back: bool
    confirmed_at: dt.datetime | None


class ConfirmIn(Schema):
    values: dict[str, str | float | bool | None] = Field({}, description="corrected values by field key")


class BurdenRowOut(Schema):
    key: str
    name: str
    parent: str
    pushed: int
    admitted: int
    approved: int
    held: int
    refused: int
    delivered: int
    done: int
    hours: float


class BurdenOut(Schema):
    area_id: int
    area: str
    month: str
    grids: list[BurdenRowOut]
    workers: list[BurdenRowOut]
    pushers: list[BurdenRowOut]
    total: BurdenRowOut


def item_out(i) -> dict:
    depts = list(i.departments.all())
    return {"id": i.pk, "code": i.code, "name": i.name, "kind": i.kind, "level": i.level,
            "department_ids": [d.pk for d in depts], "departments": [d.name for d in depts], "by_town": i.by_town,
            "by_district": i.by_district, "expected_hours": float(i.expected_hours), "form": i.form, "note": i.note}


def list_out(dl, *, items: bool = False) -> dict:
    out = {"id": dl.pk, "district_id": dl.district_id, "district": dl.district.name, "version": dl.version,
           "status": dl.status, "note": dl.note, "published_at": dl.published_at,
           "published_by": str(dl.published_by) if dl.published_by else None, "superseded_at": dl.superseded_at}
    if items:
        out["items"] = [item_out(i) for i in dl.items.prefetch_related("departments").order_by("code")]
    return out


def push_out(p) -> dict:
    return {"id": p.pk, "status": p.status, "area_id": p.area_id, "area": p.area.name, "town": p.town.name,
            "title": p.title, "description": p.description, "due_at": p.due_at,
            "pushed_by": str(p.pushed_by) if p.pushed_by else None, "pusher_kind": p.pusher_kind,
            "department": p.department.name if p.department else None, "duty_item_id": p.duty_item_id,
            "duty_item": str(p.duty_item) if p.duty_item else None, "list_version": p.list_version,
            "reasons": p.reasons, "expected_hours": float(p.expected_hours), "pushed_at": p.pushed_at,
            "approved_at": p.approved_at, "refused_at": p.refused_at,
            "decided_by": str(p.decided_by) if p.decided_by else None, "decision_comment": p.decision_comment,
            "event_number": p.event.number if p.event_id else None, "form": p.form}


def record_out(r) -> dict:
    return {"id": r.pk, "subject_type": r.subject_type, "subject_id": r.subject_id, "label": r.label,
            "prefilled": r.prefilled, "values": r.values, "status": r.status, "corrections": r.corrections,
            "written_back": r.written_back, "confirmed_at": r.confirmed_at}


def burden_out(rep) -> dict:
    return {"area_id": rep.area.pk, "area": rep.area.name, "month": f"{rep.month:%Y-%m}",
            "grids": [r.as_dict() for r in rep.grids], "workers": [r.as_dict() for r in rep.workers],
            "pushers": [r.as_dict() for r in rep.pushers], "total": rep.total.as_dict()}
