"""Sensing devices and their readings.

A device is registered by a rule keeper of its area (:func:`device_create`, the clear key shown
once, its SHA-256 kept). It posts batches of readings to ``POST /api/devices/readings`` with the
key in ``X-Device-Key``: :func:`device_for_key` (401 without or with an unknown key, 403 for a
deactivated device), then :func:`readings_ingest`, which validates the whole batch first (at most
``MAX_BATCH`` readings, 413 beyond; a reading's time within ``MAX_AGE`` before and ``MAX_SKEW``
after the server's clock; finite values) and stores all of it or nothing.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import secrets

from django.db import transaction
from django.utils import timezone

from jiewang.areas.models import Area
from jiewang.audit.services import audit_record
from jiewang.core.errors import ApplicationError, PayloadTooLarge, ValidationFailed

from ..choices import ReadingKind
from ..models import Device, SensorReading
from .rules import _check_keeper

MAX_BATCH = 500
MAX_AGE = dt.timedelta(days=7)  # a device that was offline may send a week of backlog
MAX_SKEW = dt.timedelta(minutes=5)  # a device's clock may run a little ahead
VALUE_LIMIT = 1e9


class DeviceUnauthorized(ApplicationError):
    status = 401


class DeviceForbidden(ApplicationError):
    status = 403


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@transaction.atomic
def device_create(*, actor, area: Area, name: str, lon: float, lat: float) -> tuple[Device, str]:
    """Register a device; returns it and its clear key (shown once)."""
    name = (name or "").strip()
    if not name:
        raise ValidationFailed("请填写名称 / A name is required.", code="validation_failed", fields={"name": "required"})
    if not (math.isfinite(lon) and math.isfinite(lat) and -180 <= lon <= 180 and -90 <= lat <= 90):
        raise ValidationFailed("坐标无效 / Invalid point.", code="device.bad_point", fields={"lon": "WGS84"})
    device = Device(area=area, area_path=area.path, name=name[:100], lon=lon, lat=lat, created_by=actor)
    _check_keeper(actor, device)
    key = "dev_" + secrets.token_urlsafe(24)
    device.prefix, device.key_hash = key[:12], hash_key(key)
    device.save()
    audit_record(actor=actor, action="device.create", obj=device,
                 data={"area": area.pk, "name": device.name, "prefix": device.prefix})
    return device, key


@transaction.atomic
def device_set_active(*, actor, device: Device, active: bool) -> Device:
    _check_keeper(actor, device)
    Device.objects.filter(pk=device.pk).update(is_active=active)
    device.is_active = active
    audit_record(actor=actor, action="device.activate" if active else "device.deactivate", obj=device)
    return device


def device_for_key(key: str | None) -> Device:
    if not key:
        raise DeviceUnauthorized("缺少设备密钥 / The X-Device-Key header is missing.", code="device.key_missing")
    device = Device.objects.select_related("area").filter(key_hash=hash_key(key.strip())).first()
    if device is None:
        raise DeviceUnauthorized("设备密钥无效 / Unknown device key.", code="device.key_invalid")
    if not device.is_active:
        raise DeviceForbidden("设备已停用 / The device is deactivated.", code="device.inactive")
    return device


def readings_ingest(*, device: Device, readings: list[dict], now: dt.datetime | None = None) -> int:
    """Store a batch of readings ``[{kind, value, time}]`` (all or nothing); returns how many."""
    now = now or timezone.now()
    if len(readings) > MAX_BATCH:
        raise PayloadTooLarge(f"一次最多 {MAX_BATCH} 条读数 / At most {MAX_BATCH} readings per batch.",
                              code="device.batch_too_large", fields={"readings": f"at most {MAX_BATCH}"})
    if not readings:
        raise ValidationFailed("读数为空 / The batch is empty.", code="device.batch_empty",
                               fields={"readings": "at least one"})
    rows, errors, codes = [], {}, {}
    for i, r in enumerate(readings):
        kind, value, at = r.get("kind"), r.get("value"), r.get("time")
        if kind not in ReadingKind.values:
            errors[f"readings.{i}.kind"] = "one of " + ", ".join(ReadingKind.values)
            continue
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) \
                or abs(value) > VALUE_LIMIT:
            errors[f"readings.{i}.value"] = "a finite number"
            continue
        if not isinstance(at, dt.datetime) or timezone.is_naive(at):
            errors[f"readings.{i}.time"] = "a time with its zone"
            continue
        if not now - MAX_AGE <= at <= now + MAX_SKEW:
            errors[f"readings.{i}.time"] = "within the last 7 days"
            codes[f"readings.{i}.time"] = "device.reading_time_out_of_range"
            continue
        rows.append(SensorReading(device=device, kind=kind, value=float(value), measured_at=at, received_at=now))
    if errors:
        first = sorted(errors)[0]
        code = codes.get(first, "device.reading_invalid")
        raise ValidationFailed("读数无效 / Invalid readings.", code=code, fields=errors)
    with transaction.atomic():
        SensorReading.objects.bulk_create(rows)
        Device.objects.filter(pk=device.pk).update(last_seen_at=now)
    return len(rows)
