"""HTTP API of the closed loop: intake, lists with filters and cursor pagination, one event and
its timeline, the catalog and the 12345 import. The verbs (``POST /api/events/{number}/accept``
…) are produced from the action registry by :mod:`.api_actions`. Handlers parse, call one
selector or service, and shape the answer."""

import datetime as dt
from typing import Literal

from django.shortcuts import get_object_or_404
from ninja import File, Query, Router, Schema, Status
from ninja.files import UploadedFile
from pydantic import Field

from jiewang.accounts.choices import BoardKind
from jiewang.areas import selectors as area_selectors
from jiewang.core.errors import NotFound, ValidationFailed
from jiewang.core.schema_types import DbId, Moment

from . import selectors
from .choices import EventChannel, EventSource, EventStatus, Urgency
from .models import Event, MatterCategory
from .schemas import EventOut, event_out
from .search import EventSearchIn, event_search_page
from .services import catalog
from .services.intake import event_for_retry, event_report

router = Router(tags=["events"])


# ---- intake ---------------------------------------------------------------------------------

class ReportIn(Schema):
    category: str = Field(..., description="matter category code")
    lon: float
    lat: float
    crs: Literal["wgs84", "gcj02"] = "wgs84"
    title: str = Field(..., min_length=1, max_length=120)
    description: str = Field("", max_length=4000)
    channel: EventChannel = EventChannel.RESIDENT_WEB
    source: EventSource = EventSource.COMPLAINT
    urgency: Urgency = Urgency.NORMAL
    attributes: dict = {}
    address: str = Field("", max_length=200)
    reporter_name: str = Field("", max_length=64)
    reporter_phone: str = Field("", max_length=20)
    idempotency_key: str | None = Field(None, max_length=80, description="retry-safe key (e.g. a UUID per report)")
    external_number: str = Field("", max_length=64, description="12345 work order number")
    external_due_at: Moment | None = None


@router.post("", response={201: EventOut, 200: EventOut}, summary="Report an event (any channel; idempotent)")
def report(request, payload: ReportIn):
    key = payload.idempotency_key or request.headers.get("Idempotency-Key")
    category = selectors.category_for_report(payload.category)
    if category is None:
        retried = event_for_retry(key)  # a retry of a report accepted before the category was retired
        if retried is None:
            raise NotFound("事项类别不存在 / Unknown category.", code="event.category_unknown")
        event, created = retried, False
    else:
        event, created = event_report(
            actor=request.user, channel=payload.channel, category=category, lon=payload.lon, lat=payload.lat,
            crs=payload.crs, title=payload.title, description=payload.description, urgency=payload.urgency,
            source=payload.source, attributes=payload.attributes, address=payload.address,
            reporter_name=payload.reporter_name, reporter_phone=payload.reporter_phone, idempotency_key=key,
            external_number=payload.external_number, external_due_at=payload.external_due_at,
        )
    if not created:  # a retry: the first event, read whole
        event = Event.objects.select_related("category", "town", "community", "grid").get(pk=event.pk)
    return Status(201 if created else 200, event_out(event))


# ---- reads ----------------------------------------------------------------------------------

class EventFilters(Schema):
    area_id: DbId | None = None
    board: BoardKind | None = None
    category: str | None = Field(None, max_length=32)
    status: list[EventStatus] | None = None
    overdue: bool | None = None
    channel: EventChannel | None = None
    source: EventSource | None = None
    level: str | None = Field(None, max_length=16)
    since: Moment | None = None
    until: Moment | None = None
    q: str | None = Field(None, max_length=100)
    cursor: str | None = Field(None, max_length=200)
    limit: int = Field(50, ge=1, le=500)


class EventPage(Schema):
    items: list[EventOut]
    next_cursor: str | None


@router.get("", response=EventPage, summary="Events visible to you, filtered, newest first (cursor pagination)")
def list_events(request, filters: Query[EventFilters]):
    area = area_selectors.area_get(user=request.user, area_id=filters.area_id) if filters.area_id else None
    qs = selectors.event_list(user=request.user, area=area, board=filters.board, category=filters.category,
                              status=filters.status, overdue=filters.overdue, channel=filters.channel,
                              source=filters.source, since=filters.since, until=filters.until, level=filters.level,
                              q=filters.q)
    rows = list(selectors.apply_cursor(qs, filters.cursor)[: filters.limit + 1])
    more = len(rows) > filters.limit
    rows = rows[: filters.limit]
    return {"items": [event_out(e) for e in rows],
            "next_cursor": selectors.encode_cursor(rows[-1]) if more and rows else None}


class EventSearchPage(Schema):
    total: int
    page: int
    page_size: int
    pages: int
    items: list[EventOut]


@router.get("/search", response=EventSearchPage,
            summary="Find events in your scope: number, words, category, board, status, area, dates … (paged)")
def search_events(request, criteria: Query[EventSearchIn]):
    page = event_search_page(user=request.user, criteria=criteria)
    return {**page, "items": [event_out(e) for e in page["items"]]}


@router.get("/export", response={200: None},
            summary="The events of a search as an Excel workbook (.xlsx; at most 50,000; audited)")
def export_events(request, criteria: Query[EventSearchIn]):
    from django.http import HttpResponse
    from django.utils import timezone

    from .services.export import event_export

    content, _count = event_export(actor=request.user, criteria=criteria)
    name = timezone.localtime().strftime("events-%Y%m%d-%H%M.xlsx")
    resp = HttpResponse(content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    resp["Content-Disposition"] = f'attachment; filename="{name}"'
    return resp


@router.get("/{number}", response=EventOut, summary="One event")
def get_event(request, number: str):
    return event_out(selectors.event_get(user=request.user, number=number))


class ActivityOut(Schema):
    action: str
    from_status: str
    to_status: str
    actor: str | None
    actor_role: str
    comment: str
    data: dict
    at: dt.datetime


@router.get("/{number}/timeline", response=list[ActivityOut], summary="The event's timeline")
def timeline(request, number: str):
    return [{"action": a.action, "from_status": a.from_status, "to_status": a.to_status,
             "actor": str(a.actor) if a.actor_id else None, "actor_role": a.actor_role, "comment": a.comment,
             "data": a.data, "at": a.at} for a in selectors.event_timeline(user=request.user, number=number)]


# ---- catalog --------------------------------------------------------------------------------

class DepartmentRef(Schema):
    code: str
    name: str = Field(..., description="the department's name without its district's ('' when no department has the code)")


class CategoryOut(Schema):
    code: str
    name: str
    parent_code: str | None
    board_kind: str
    closable_level: str
    grid_may_self_handle: bool
    default_department_codes: list[str]
    default_departments: list[DepartmentRef]
    default_post_name: str
    deadlines: dict
    attributes: list[dict]
    keywords: str
    is_active: bool


def category_out(c: MatterCategory, names: dict[str, str]) -> dict:
    """A category for the API; ``names`` maps department codes to names
    (:func:`jiewang.accounts.selectors.department_names_by_code`)."""
    return {**{f: getattr(c, f) for f in ("code", "name", "board_kind", "closable_level", "grid_may_self_handle",
                                            "default_department_codes", "default_post_name", "deadlines", "attributes", "keywords",
                                            "is_active")},
            "default_departments": [{"code": code, "name": names.get(code, "")}
                                    for code in c.default_department_codes],
            "parent_code": c.parent.code if c.parent_id else None}


catalog_router = Router(tags=["catalog"])


@catalog_router.get("", response=list[CategoryOut], summary="The matter catalog (事项清单)")
def list_categories(request, board: BoardKind | None = None, include_inactive: bool = False):
    from jiewang.accounts.selectors import department_names_by_code

    names = department_names_by_code(user=request.user)
    return [category_out(c, names) for c in selectors.category_list(board=board, include_inactive=include_inactive)]


class CategoryUpdateIn(Schema):
    name: str | None = Field(None, min_length=1, max_length=100)
    closable_level: str | None = None
    grid_may_self_handle: bool | None = None
    default_department_codes: list[str] | None = None
    default_post_name: str | None = Field(None, max_length=64)
    deadlines: dict | None = None
    attributes: list[dict] | None = None
    keywords: str | None = Field(None, max_length=200)
    is_active: bool | None = None


@catalog_router.patch("/{code}", response=CategoryOut, summary="Edit a category (district administrators)")
def update_category(request, code: str, payload: CategoryUpdateIn):
    category = get_object_or_404(MatterCategory, code=code)
    fields = {k: v for k, v in payload.dict(exclude_unset=True).items() if v is not None}
    if not fields:
        raise ValidationFailed("没有要修改的内容 / Nothing to change.", code="catalog.nothing_to_change")
    from jiewang.accounts.selectors import department_names_by_code

    return category_out(catalog.category_update(actor=request.user, category=category, **fields),
                        department_names_by_code(user=request.user))


class HotlineReportOut(Schema):
    created: int
    existing: int
    rejected: int
    events: list[str]
    errors: list[dict]


hotline_router = Router(tags=["events"])


@hotline_router.post("/import", response=HotlineReportOut,
             summary="Import 12345 work orders (CSV/.xlsx); row-by-row report")
def hotline_import_view(request, file: UploadedFile = File(...)):
    from jiewang.core.errors import PayloadTooLarge

    from .services.hotline import hotline_import

    if file.size and file.size > 20 * 1024 * 1024:
        raise PayloadTooLarge("文件过大 / File too large.", code="hotline.too_large")
    return hotline_import(actor=request.user, data=file.read(), filename=file.name or "upload.csv").to_dict()
