from __future__ import annotations

import datetime as dt
from typing import Any

from ninja import Field, Schema

from jiewang.core.schema_types import DbId, Version

from .choices import AlertState, ConvertTo, RuleKind


class RuleIn(Schema):
    area_id: DbId
    kind: RuleKind
    name: str = Field(..., max_length=100)
    params: dict[str, Any] = Field(default_factory=dict, description="per kind: see jiewang/warning/services/rules.py")
    enabled: bool = True


class RuleUpdateIn(Schema):
    expected_version: Version
    name: str | None = Field(None, max_length=100)
    params: dict[str, Any] | None = None
    enabled: bool | None = None


class RuleOut(Schema):
    id: int
    area_id: int
    area: str
    kind: str
    name: str
    params: dict
    enabled: bool
    version: int
    updated_at: dt.datetime


def rule_out(r) -> dict:
    return {"id": r.pk, "area_id": r.area_id, "area": r.area.name, "kind": r.kind, "name": r.name,
            "params": r.params, "enabled": r.enabled, "version": r.version, "updated_at": r.updated_at}


class AlertOut(Schema):
    id: int
    rule_id: int
    rule: str
    kind: str
    area_id: int
    area: str
    state: AlertState
    title: str
    detail: dict
    event_ids: list[int]
    lon: float | None
    lat: float | None
    department_id: int | None
    post_id: int | None
    device_id: int | None
    raised_at: dt.datetime
    observed_at: dt.datetime
    acknowledged_at: dt.datetime | None
    closed_at: dt.datetime | None
    converted_event: str | None
    note: str


def alert_out(a) -> dict:
    return {"id": a.pk, "rule_id": a.rule_id, "rule": a.rule.name, "kind": a.kind, "area_id": a.area_id,
            "area": a.area.name, "state": a.state, "title": a.title, "detail": a.detail, "event_ids": a.event_ids,
            "lon": a.lon, "lat": a.lat, "department_id": a.department_id, "post_id": a.post_id,
            "device_id": a.device_id, "raised_at": a.raised_at, "observed_at": a.observed_at,
            "acknowledged_at": a.acknowledged_at, "closed_at": a.closed_at,
            "converted_event": a.converted_event.number if a.converted_event_id else None, "note": a.note}


class NoteIn(Schema):
    note: str = Field("", max_length=500)


class ConvertIn(Schema):
    to: ConvertTo
    note: str = Field("", max_length=500)


class DeviceIn(Schema):
    area_id: DbId
    name: str = Field(..., max_length=100)
    lon: float = Field(..., ge=-180, le=180)
    lat: float = Field(..., ge=-90, le=90)


class DeviceActiveIn(Schema):
    active: bool


class DeviceOut(Schema):
    id: int
    name: str
    area_id: int
    lon: float
    lat: float
    prefix: str
    is_active: bool
    last_seen_at: dt.datetime | None


class DeviceCreatedOut(DeviceOut):
    key: str = Field(..., description="the device's key, shown once: send it as X-Device-Key")


def device_out(d) -> dict:
    return {"id": d.pk, "name": d.name, "area_id": d.area_id, "lon": d.lon, "lat": d.lat, "prefix": d.prefix,
            "is_active": d.is_active, "last_seen_at": d.last_seen_at}


class ReadingIn(Schema):
    kind: str = Field(..., max_length=32, description="water_level | smoke | gas | temperature")
    value: float
    time: dt.datetime = Field(..., description="when it was measured, with its zone (ISO 8601)")


class ReadingsIn(Schema):
    readings: list[ReadingIn]


class ReadingsOut(Schema):
    stored: int
