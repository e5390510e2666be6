"""Input and output shapes of the events API, shared by the hand-written routes (api.py) and the
action routes produced from the registry (api_actions.py, action_table.py)."""

import datetime as dt
from typing import Literal

from ninja import Schema
from pydantic import Field

from jiewang.core.crypto import mask_phone
from jiewang.core.schema_types import DbId, Version

from .choices import EventStatus, PhotoKind, Satisfaction
from .models import Event


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
    location_status: str
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
    due_provisional: bool = Field(False, description="the deadline is counted across a year whose official "
                                  "holiday arrangement is not loaded yet (it may move)")
    is_overdue: bool
    rework_count: int
    escalation_count: int
    satisfaction: str
    actions: list[str]


def event_out(event: Event) -> dict:
    return {
        **{f: getattr(event, f) for f in (
            "number", "status", "level", "version", "title", "description", "board_kind", "channel", "source",
            "urgency", "attributes", "lon", "lat", "address", "location_status", "town", "community", "grid", "reporter_name",
            "external_number", "reported_at", "accepted_at", "dispatched_at", "handling_at", "feedback_at",
            "closed_at", "rated_at", "voided_at", "shelved_at", "due_at", "is_overdue", "rework_count",
            "escalation_count", "satisfaction")},
        "status_label": str(EventStatus(event.status).label),
        "status_colour": EventStatus.colour(event.status),
        "category_code": event.category.code, "category_name": event.category.name,
        # Reporters' phones are personal data: shown masked in the API.
        "reporter_phone": mask_phone(event.reporter_phone),
        "due_provisional": _due_provisional(event),
        "duplicate_of": event.duplicate_of.number if event.duplicate_of_id else None,
        "actions": list(registry_names_from(event.status)),
    }


def _due_provisional(event: Event) -> bool:
    from jiewang.core.worktime import provisional_between

    return event.due_at is not None and provisional_between(event.reported_at, event.due_at)


def registry_names_from(status: str) -> tuple[str, ...]:
    """The registry's actions whose status rule lets them apply to an event in ``status`` (who
    may do them is another matter: the event page shows those)."""
    from .registry import names_from

    return names_from(status)


def event_out_fresh(event: Event, _ctx=None) -> dict:
    """The event as it is now in the database (after an action)."""
    return event_out(Event.objects.select_related("category", "town", "community", "grid", "duplicate_of")
                     .get(pk=event.pk))


class PhotoOut(Schema):
    id: int
    kind: str
    url: str
    content_type: str
    size: int
    taken_at: dt.datetime | None
    taken_lon: float | None
    taken_lat: float | None


def photo_out(p, _ctx=None) -> dict:
    return {"id": p.id, "kind": p.kind, "url": p.file.url, "content_type": p.content_type, "size": p.size,
            "taken_at": p.taken_at, "taken_lon": p.taken_lon, "taken_lat": p.taken_lat}


# ---- the inputs of the actions ------------------------------------------------------------

class VerbIn(Schema):
    expected_version: Version | None = Field(None, description="the version you read; a stale one gets 409")
    comment: str = Field("", max_length=2000)


class ReasonIn(VerbIn):
    comment: str = Field(..., max_length=2000, description="the reason (required)")


class FeedbackIn(ReasonIn):
    checked: list[DbId] = Field([], max_length=30, description="the checklist items done (a task sent down)")


class VoidIn(ReasonIn):
    duplicate_of: str | None = Field(None, max_length=40, description="number of the original, to merge a duplicate")


class VerifyIn(VerbIn):
    passed: bool


class VisitIn(VerbIn):
    contacted: bool
    resolved: bool | None = None
    satisfaction: Satisfaction | Literal[""] = ""


class RateIn(VerbIn):
    satisfaction: Satisfaction


class PlaceIn(Schema):
    expected_version: int | None = Field(None, description="the version you read; a stale one gets 409")
    lon: float = Field(..., ge=-180, le=180, description="longitude of the point, inside the event's town")
    lat: float = Field(..., ge=-90, le=90, description="latitude of the point")
    crs: Literal["wgs84", "gcj02"] = Field("wgs84", description="coordinate system, as intake's")
    comment: str = Field("", max_length=2000)


class PhotoIn(Schema):
    kind: PhotoKind = PhotoKind.REPORT
