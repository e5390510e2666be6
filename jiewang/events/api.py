"""HTTP API of the closed loop: intake, lists with filters and cursor pagination, one event and
its timeline, photos, and one POST endpoint per verb (``/api/events/{number}/dispatch`` …).
Handlers parse, call one selector or service, and shape the answer."""

import datetime as dt
from typing import Literal

from django.shortcuts import get_object_or_404
from ninja import File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile
from pydantic import Field

from jiewang.accounts.choices import BoardKind
from jiewang.areas import selectors as area_selectors
from jiewang.core.crypto import mask_phone
from jiewang.core.errors import NotFound, ValidationFailed

from . import selectors
from .choices import EventChannel, EventSource, EventStatus, PhotoKind, Satisfaction, Urgency
from .lifecycle import allowed_actions
from .models import Event, MatterCategory
from .services import actions, catalog
from .services.intake import event_for_retry, event_report
from .services.photos import event_photo_add

router = Router(tags=["events"])


class AreaRef(Schema):
    id: int
    code: str
    name: str


class EventOut(Schema):
    number: str
    status: str
    status_label: str
    status_colour: str
    level: str
    version: int
    title: str
    description: str
    category_code: str
    category_name: str
    board_kind: str
    channel: str
    source: str
    urgency: str
    attributes: dict
    lon: float | None
    lat: float | None
    address: str
    town: AreaRef
    community: AreaRef | None
    grid: AreaRef | None
    reporter_name: str
    reporter_phone: str
    external_number: str
    duplicate_of: str | None
    reported_at: dt.datetime
    accepted_at: dt.datetime | None
    dispatched_at: dt.datetime | None
    handling_at: dt.datetime | None
    feedback_at: dt.datetime | None
    closed_at: dt.datetime | None
    rated_at: dt.datetime | None
    voided_at: dt.datetime | None
    shelved_at: dt.datetime | None
    due_at: dt.datetime | None
    is_overdue: bool
    rework_count: int
    escalation_count: int
    satisfaction: str
    actions: list[str]


def event_out(event: Event) -> dict:
    return {
        **{f: getattr(event, f) for f in (
            "number", "status", "level", "version", "title", "description", "board_kind", "channel", "source",
            "urgency", "attributes", "lon", "lat", "address", "town", "community", "grid", "reporter_name",
            "external_number", "reported_at", "accepted_at", "dispatched_at", "handling_at", "feedback_at",
            "closed_at", "rated_at", "voided_at", "shelved_at", "due_at", "is_overdue", "rework_count",
            "escalation_count", "satisfaction")},
        "status_label": str(EventStatus(event.status).label),
        "status_colour": EventStatus.colour(event.status),
        "category_code": event.category.code, "category_name": event.category.name,
        # Reporters' phones are personal data: shown masked in the API.
        "reporter_phone": mask_phone(event.reporter_phone),
        "duplicate_of": event.duplicate_of.number if event.duplicate_of_id else None,
        "actions": allowed_actions(event.status),
    }


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
    external_due_at: dt.datetime | None = None


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
    area_id: int | None = None
    board: BoardKind | None = None
    category: str | None = None
    status: list[EventStatus] | None = None
    overdue: bool | None = None
    channel: EventChannel | None = None
    source: EventSource | None = None
    level: str | None = None
    since: dt.datetime | None = None
    until: dt.datetime | None = None
    q: str | None = Field(None, max_length=100)
    cursor: str | None = None
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


class PhotoOut(Schema):
    id: int
    kind: str
    url: str
    content_type: str
    size: int
    taken_at: dt.datetime | None
    taken_lon: float | None
    taken_lat: float | None


@router.post("/{number}/photos", response={201: PhotoOut}, summary="Attach a photo (JPEG/PNG/WebP)")
def add_photo(request, number: str, file: UploadedFile = File(...), kind: PhotoKind = Form(PhotoKind.REPORT)):
    from .services.photos import max_bytes
    from .services.transition import pick_role
    from .lifecycle import Transition

    event = selectors.event_get(user=request.user, number=number)
    role = pick_role(request.user, event, Transition("photo", (), "", frozenset(
        {"grid_worker", "community_staff", "town_operator", "town_leader", "department_staff", "resident"}), "上传照片"))
    if file.size and file.size > max_bytes():
        from jiewang.core.errors import PayloadTooLarge

        raise PayloadTooLarge("图片过大 / Image too large.", code="photo.too_large")
    p = event_photo_add(event=event, actor=request.user, data=file.read(), kind=kind, role=role)
    return Status(201, {"id": p.id, "kind": p.kind, "url": p.file.url, "content_type": p.content_type, "size": p.size,
                 "taken_at": p.taken_at, "taken_lon": p.taken_lon, "taken_lat": p.taken_lat})


# ---- verbs ----------------------------------------------------------------------------------

class VerbIn(Schema):
    expected_version: int | None = Field(None, description="the version you read; a stale one gets 409")
    comment: str = Field("", max_length=2000)


class VoidIn(VerbIn):
    duplicate_of: str | None = Field(None, description="number of the original, to merge a duplicate")


class VerifyIn(VerbIn):
    passed: bool


class VisitIn(VerbIn):
    contacted: bool
    resolved: bool | None = None
    satisfaction: Satisfaction | Literal[""] = ""


class RateIn(VerbIn):
    satisfaction: Satisfaction


def _event(request, number: str) -> Event:
    return selectors.event_get(user=request.user, number=number)


def _out(event: Event) -> dict:
    return event_out(Event.objects.select_related("category", "town", "community", "grid", "duplicate_of")
                     .get(pk=event.pk))


@router.post("/{number}/accept", response=EventOut, summary="立案: accept at the level holding the event")
def accept(request, number: str, payload: VerbIn):
    return _out(actions.event_accept(event=_event(request, number), actor=request.user, comment=payload.comment,
                                     expected_version=payload.expected_version))


@router.post("/{number}/void", response=EventOut, summary="作废 (optionally merging a duplicate)")
def void(request, number: str, payload: VoidIn):
    original = None
    if payload.duplicate_of:
        original = selectors.event_get(user=request.user, number=payload.duplicate_of)
    return _out(actions.event_void(event=_event(request, number), actor=request.user, reason=payload.comment,
                                   duplicate_of=original, expected_version=payload.expected_version))


@router.post("/{number}/escalate", response=EventOut, summary="上报上级: grid → community → town → district")
def escalate(request, number: str, payload: VerbIn):
    return _out(actions.event_escalate(event=_event(request, number), actor=request.user, reason=payload.comment,
                                       expected_version=payload.expected_version))


@router.post("/{number}/self-handle", response=EventOut, summary="网格自办")
def self_handle(request, number: str, payload: VerbIn):
    return _out(actions.event_self_handle(event=_event(request, number), actor=request.user,
                                          comment=payload.comment, expected_version=payload.expected_version))


@router.post("/{number}/handle-locally", response=EventOut, summary="本级办理")
def handle_locally(request, number: str, payload: VerbIn):
    return _out(actions.event_handle_locally(event=_event(request, number), actor=request.user,
                                             comment=payload.comment, expected_version=payload.expected_version))


@router.post("/{number}/feedback", response=EventOut, summary="办结反馈")
def feedback(request, number: str, payload: VerbIn):
    return _out(actions.event_feedback(event=_event(request, number), actor=request.user, comment=payload.comment,
                                       expected_version=payload.expected_version))


@router.post("/{number}/close-on-spot", response=EventOut, summary="就地办结 (grid self-handled)")
def close_on_spot(request, number: str, payload: VerbIn):
    return _out(actions.event_close_on_spot(event=_event(request, number), actor=request.user,
                                            comment=payload.comment, expected_version=payload.expected_version))


@router.post("/{number}/verify", response=EventOut, summary="核查: pass closes, fail sends back for rework")
def verify(request, number: str, payload: VerifyIn):
    return _out(actions.event_verify(event=_event(request, number), actor=request.user, passed=payload.passed,
                                     comment=payload.comment, expected_version=payload.expected_version))


@router.post("/{number}/shelve", response=EventOut, summary="挂账")
def shelve(request, number: str, payload: VerbIn):
    return _out(actions.event_shelve(event=_event(request, number), actor=request.user, reason=payload.comment,
                                     expected_version=payload.expected_version))


@router.post("/{number}/resume", response=EventOut, summary="恢复办理")
def resume(request, number: str, payload: VerbIn):
    return _out(actions.event_resume(event=_event(request, number), actor=request.user, comment=payload.comment,
                                     expected_version=payload.expected_version))


@router.post("/{number}/visit", response=EventOut, summary="回访: contacted / resolved / satisfaction")
def visit(request, number: str, payload: VisitIn):
    return _out(actions.event_return_visit(
        event=_event(request, number), actor=request.user, contacted=payload.contacted, resolved=payload.resolved,
        satisfaction=payload.satisfaction, comment=payload.comment, expected_version=payload.expected_version))


@router.post("/{number}/rate", response=EventOut, summary="The reporter's own rating")
def rate(request, number: str, payload: RateIn):
    return _out(actions.event_rate(event=_event(request, number), actor=request.user,
                                   satisfaction=payload.satisfaction, comment=payload.comment,
                                   expected_version=payload.expected_version))


# ---- catalog --------------------------------------------------------------------------------

class CategoryOut(Schema):
    code: str
    name: str
    parent_code: str | None
    board_kind: str
    closable_level: str
    grid_may_self_handle: bool
    default_department_codes: list[str]
    deadlines: dict
    attributes: list[dict]
    keywords: str
    is_active: bool


def category_out(c: MatterCategory) -> dict:
    return {**{f: getattr(c, f) for f in ("code", "name", "board_kind", "closable_level", "grid_may_self_handle",
                                            "default_department_codes", "deadlines", "attributes", "keywords",
                                            "is_active")},
            "parent_code": c.parent.code if c.parent_id else None}


catalog_router = Router(tags=["catalog"])


@catalog_router.get("", response=list[CategoryOut], summary="The matter catalog (事项清单)")
def list_categories(request, board: BoardKind | None = None, include_inactive: bool = False):
    return [category_out(c) for c in selectors.category_list(board=board, include_inactive=include_inactive)]


class CategoryUpdateIn(Schema):
    name: str | None = Field(None, min_length=1, max_length=100)
    closable_level: str | None = None
    grid_may_self_handle: bool | None = None
    default_department_codes: list[str] | None = None
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
    return category_out(catalog.category_update(actor=request.user, category=category, **fields))


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
