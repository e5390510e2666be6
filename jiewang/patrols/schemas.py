"""Shapes of the patrols API."""

from __future__ import annotations

import datetime as dt

from ninja import Field, Schema
from pydantic import BaseModel

from jiewang.core.schema_types import DbId, Day, Moment, Version
from jiewang.events.choices import Urgency

from .choices import PatrolRuleKind, PatrolStatus, RuleUnit, VisitSubject

# Milliseconds since the epoch, between 2000 and 2200 (what navigator.geolocation gives).
EPOCH_MS_MIN, EPOCH_MS_MAX = 946_684_800_000, 7_258_118_400_000


class RuleIn(Schema):
    grid_id: DbId
    kind: PatrolRuleKind
    every: int = Field(1, ge=1, le=366)
    unit: RuleUnit
    note: str = Field("", max_length=200)


class RuleUpdateIn(Schema):
    expected_version: Version
    every: int | None = Field(None, ge=1, le=366)
    unit: RuleUnit | None = None
    note: str | None = Field(None, max_length=200)
    is_active: bool | None = None


class RuleOut(Schema):
    id: int
    grid_id: int
    grid: str
    kind: PatrolRuleKind
    every: int
    unit: RuleUnit
    note: str
    is_active: bool
    version: int


def rule_out(r) -> dict:
    return {"id": r.pk, "grid_id": r.grid_id, "grid": r.grid.name, "kind": r.kind, "every": r.every, "unit": r.unit,
            "note": r.note, "is_active": r.is_active, "version": r.version}


class StartIn(Schema):
    grid_id: DbId
    client_id: str = Field("", max_length=64, description="the phone's id of this patrol: a retry returns it")
    started_at: Moment | None = Field(None, description="when the worker started it (queued without signal; "
                                                        "within the last 7 days); default now")


class EndIn(Schema):
    at: Moment | None = Field(None, description="when the worker ended it (queued without signal); default now")


class PatrolOut(Schema):
    id: int
    worker_id: int
    worker: str
    grid_id: int
    grid: str
    status: PatrolStatus
    started_at: dt.datetime
    ended_at: dt.datetime | None
    day: dt.date
    point_count: int
    outside_count: int
    distance_m: float


def patrol_out(p) -> dict:
    return {"id": p.pk, "worker_id": p.worker_id, "worker": p.worker.display_name or p.worker.username,
            "grid_id": p.grid_id, "grid": p.grid.name, "status": p.status, "started_at": p.started_at,
            "ended_at": p.ended_at, "day": p.day, "point_count": p.point_count, "outside_count": p.outside_count,
            "distance_m": round(p.distance_m, 1)}


class PointIn(BaseModel):
    """One GPS fix. A plain pydantic model, not a ninja Schema: a batch holds up to 2,000 of them
    and ninja's per-instance root validator cost a fifth of a batch's time."""

    t: int = Field(..., ge=EPOCH_MS_MIN, le=EPOCH_MS_MAX, description="time of the fix, ms since the epoch")
    lon: float = Field(..., ge=-180, le=180, description="WGS84")
    lat: float = Field(..., ge=-90, le=90, description="WGS84")
    acc: float | None = Field(None, ge=0, le=10_000, description="accuracy, metres")


class BatchIn(Schema):
    batch_id: str = Field(..., min_length=1, max_length=64, description="the phone's id of this batch")
    points: list[PointIn] = Field(..., description="at most 2,000 points")


class BatchOut(Schema):
    batch_id: str
    stored: int
    outside: int
    duplicate: bool


class CheckInOut(Schema):
    id: int
    client_id: str
    at: dt.datetime
    lon: float
    lat: float
    note: str
    building_id: int | None
    outside: bool
    outside_m: float | None
    photo_url: str | None


class BuildingOut(Schema):
    id: int
    grid_id: int
    name: str = Field(..., description="road, number and building name: 学府路12号3栋")
    lon: float | None
    lat: float | None


def checkin_out(c) -> dict:
    return {"id": c.pk, "client_id": c.client_id, "at": c.at, "lon": c.lon, "lat": c.lat, "note": c.note,
            "building_id": c.building_id,
            "outside": c.outside, "outside_m": c.outside_m, "photo_url": c.photo.url if c.photo else None}


class TrackOut(Schema):
    points: list[tuple[int, float, float, bool]] = Field(..., description="[ms, lon, lat, outside], oldest first")
    checkins: list[CheckInOut]


class VisitIn(Schema):
    house_id: DbId | None = Field(None, description="a household visit: the house")
    key_person_id: DbId | None = Field(None, description="a key person's visit (their house is taken)")
    visited_at: Moment | None = None
    findings: str = Field("", max_length=2000)
    needs: str = Field("", max_length=1000)
    follow_up: str = Field("", max_length=1000)
    follow_up_due: Day | None = None
    lon: float | None = Field(None, ge=-180, le=180)
    lat: float | None = Field(None, ge=-90, le=90)
    client_id: str = Field("", max_length=64, description="the phone's id of this visit: a retry returns it")


class VisitOut(Schema):
    id: int
    worker_id: int
    grid_id: int
    grid: str
    subject: VisitSubject
    house_id: int
    address: str
    key_person_id: int | None
    person: str
    visited_at: dt.datetime
    findings: str
    needs: str
    follow_up: str
    follow_up_due: dt.date | None
    event_number: str | None


def visit_out(v) -> dict:
    return {"id": v.pk, "worker_id": v.worker_id, "grid_id": v.grid_id, "grid": v.grid.name, "subject": v.subject,
            "house_id": v.house_id, "address": v.house.address.text, "key_person_id": v.key_person_id,
            "person": v.key_person.resident.name if v.key_person_id else "", "visited_at": v.visited_at,
            "findings": v.findings, "needs": v.needs, "follow_up": v.follow_up, "follow_up_due": v.follow_up_due,
            "event_number": v.event.number if v.event_id else None}


class VisitEventIn(Schema):
    category: str = Field(..., max_length=32, description="a category code of the catalog")
    title: str = Field("", max_length=120, description="default: from the visit's findings")
    description: str = Field("", max_length=4000, description="default: the place, the person and the findings")
    urgency: Urgency = Urgency.NORMAL
    lon: float | None = Field(None, ge=-180, le=180)
    lat: float | None = Field(None, ge=-90, le=90)
    idempotency_key: str = Field("", max_length=64, description="ignored: the visit is the key (visit-<id>)")


class VisitEventOut(Schema):
    number: str
    id: int
    visit_id: int


class FiguresOut(Schema):
    id: int
    name: str
    level: int
    households: int
    visited: int
    visit_rate: float | None
    buildings: int = Field(..., description="buildings (楼栋) of base data")
    buildings_checked: int = Field(..., description="of those, checked in (inside the grid) in the week")
    building_rate: float | None = Field(..., description="buildings_checked / buildings")
    patrol_days: int
    patrol_days_due: float
    patrol_rate: float | None
    key_persons: int
    overdue: int


class CoverageOut(Schema):
    month: str
    week: str = Field(..., description="the week the buildings are counted in: YYYY-MM-DD/YYYY-MM-DD")
    area: FiguresOut
    children: list[FiguresOut]
    workers: list[FiguresOut]


class OverdueOut(Schema):
    key_person_id: int
    name: str
    group: str
    grid_id: int
    grid: str
    address: str
    house_id: int
    last_visited_at: dt.datetime | None
    due_at: dt.datetime
    days_overdue: int
    visit_days: int
