"""Shapes of the patrols API."""

from __future__ import annotations

import datetime as dt

from ninja import Field, Schema
from pydantic import BaseModel

from jiewang.core.schema_types import DbId, Moment, Version

from .choices import PatrolRuleKind, PatrolStatus, RuleUnit

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
    outside: bool
    outside_m: float | None
    photo_url: str | None


def checkin_out(c) -> dict:
    return {"id": c.pk, "client_id": c.client_id, "at": c.at, "lon": c.lon, "lat": c.lat, "note": c.note,
            "outside": c.outside, "outside_m": c.outside_m, "photo_url": c.photo.url if c.photo else None}


class TrackOut(Schema):
    points: list[tuple[int, float, float, bool]] = Field(..., description="[ms, lon, lat, outside], oldest first")
    checkins: list[CheckInOut]
