"""Track ingestion: a batch of GPS points of a patrol, as the phone's outbox sends it.

:func:`track_batch_add` validates the whole batch before writing anything (at most
``MAX_BATCH`` points; each a finite WGS84 coordinate, an accuracy of 0–10 km if given, a time in
milliseconds since the epoch within the patrol — from its start, less the clock skew, to its end
or now, plus the skew), checks every point against the worker's grid in one vectorised call
(:mod:`.geofence`: prepared geometry cached per grid), then in one transaction stores the batch
row (its ``client_id`` unique per patrol: a batch arriving twice is stored once and the first
answer returned), the points in one ``executemany`` (:func:`_insert_points`), and the patrol's counters (points, flagged points,
distance, last fix) with one ``UPDATE … SET x = x + n``.

Points are a data stream like sensor readings: no audit row per batch; the batch row says what
arrived when. The speed is measured by ``bench/patrol_track_bench.py`` (BENCHMARKS.md).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone

from jiewang.areas.models import Area
from jiewang.core.errors import PayloadTooLarge, ValidationFailed

from ..models import Patrol, TrackBatch, TrackPoint
from . import geofence
from .common import ensure_own
from .patrols import time_window

MAX_BATCH = 2000
MAX_ACCURACY_M = 10_000.0
UTC = dt.UTC


@dataclass(frozen=True)
class BatchResult:
    batch_id: int
    created: bool
    points: int
    outside: int


def _invalid(fields: dict, code: str = "patrol.point_invalid") -> ValidationFailed:
    first = dict(sorted(fields.items())[:20])
    return ValidationFailed("轨迹点无效，整批未保存 / Invalid track points: nothing of the batch was stored.",
                            code=code, fields=first)


def _arrays(points: list[dict]) -> tuple[np.ndarray, ...]:
    """Columns of the batch (``acc`` NaN where not given), refusing anything that is not a
    number where one is due."""
    try:
        t = np.array([p["t"] for p in points], dtype=np.float64)
        lon = np.array([p["lon"] for p in points], dtype=np.float64)
        lat = np.array([p["lat"] for p in points], dtype=np.float64)
        acc = np.array([p.get("acc") for p in points], dtype=np.float64)  # None → NaN
    except (KeyError, TypeError, ValueError, AttributeError):
        errors = {}
        for i, p in enumerate(points):
            try:
                float(p["t"]), float(p["lon"]), float(p["lat"])
                if p.get("acc") is not None:
                    float(p["acc"])
            except (KeyError, TypeError, ValueError, AttributeError):
                errors[f"points.{i}"] = "t (ms), lon, lat numbers"
        raise _invalid(errors or {"points": "t (ms), lon, lat numbers"}) from None
    return t, lon, lat, acc


def validate(patrol: Patrol, points: list[dict], now: dt.datetime):
    if len(points) > MAX_BATCH:
        raise PayloadTooLarge(f"一批最多 {MAX_BATCH} 个点 / At most {MAX_BATCH} points per batch.",
                              code="patrol.batch_too_large", fields={"points": f"at most {MAX_BATCH}"})
    if not points:
        raise ValidationFailed("轨迹为空 / The batch is empty.", code="patrol.batch_empty",
                               fields={"points": "at least one"})
    t, lon, lat, acc = _arrays(points)
    lo, hi = time_window(patrol, now)
    lo_ms, hi_ms = lo.timestamp() * 1000, hi.timestamp() * 1000
    bad_xy = ~(np.isfinite(lon) & np.isfinite(lat) & (np.abs(lon) <= 180) & (np.abs(lat) <= 90))
    bad_acc = ~(np.isnan(acc) | ((acc >= 0) & (acc <= MAX_ACCURACY_M)))
    bad_t = ~(np.isfinite(t) & (t >= lo_ms) & (t <= hi_ms))
    if bad_xy.any() or bad_acc.any() or bad_t.any():
        fields = {}
        for i in np.flatnonzero(bad_xy):
            fields[f"points.{i}.lon"] = "WGS84 longitude and latitude"
        for i in np.flatnonzero(bad_acc):
            fields[f"points.{i}.acc"] = f"0–{MAX_ACCURACY_M:.0f} m"
        for i in np.flatnonzero(bad_t):
            fields[f"points.{i}.t"] = "during the patrol (ms since the epoch)"
        code = "patrol.point_time_out_of_range" if bad_t.any() and not (bad_xy.any() or bad_acc.any()) \
            else "patrol.point_invalid"
        raise _invalid(fields, code)
    return t, lon, lat, acc


_POINT_COLUMNS = ("patrol_id", "batch_id", "recorded_at", "lon", "lat", "accuracy_m", "outside")


def _insert_sql() -> str:
    qn = connection.ops.quote_name
    return (f"INSERT INTO {qn(TrackPoint._meta.db_table)} ({', '.join(qn(c) for c in _POINT_COLUMNS)}) "
            f"VALUES ({', '.join(['%s'] * len(_POINT_COLUMNS))})")


def _insert_points(patrol_id: int, batch_id: int, t, lon, lat, acc, outside) -> None:
    """The batch's points in one ``executemany`` on Django's cursor, values adapted by the
    backend's own ``adapt_datetimefield_value`` (what ``save()`` writes; a test holds the rows equal
    to ``bulk_create``'s). Why not ``bulk_create``: building 1,000 model instances and compiling
    each field of each row was two thirds of a batch's CPU time (BENCHMARKS.md, "Patrol track
    ingestion"); this path is as cheap as the raw insert the benchmark compares with."""
    adapt = connection.ops.adapt_datetimefield_value
    rows = [(patrol_id, batch_id, adapt(dt.datetime.fromtimestamp(ti / 1000, UTC)), x, y,
             None if a != a else a, o)  # NaN (no accuracy) → NULL
            for ti, x, y, a, o in zip(t.tolist(), lon.tolist(), lat.tolist(), acc.tolist(), outside.tolist(),
                                      strict=True)]
    with connection.cursor() as cur:
        cur.executemany(_insert_sql(), rows)


def fence_of(patrol: Patrol):
    grid = patrol.grid
    return geofence.fence_for(grid.pk, version=grid.version, updated_at=grid.updated_at,
                              load_geometry=lambda: Area.objects.filter(pk=grid.pk)
                              .values_list("geometry", flat=True).first())


def track_batch_add(*, actor, patrol: Patrol, client_id: str, points: list[dict],
                    now: dt.datetime | None = None) -> BatchResult:
    """Store one batch of the patrol's track (all of it or nothing). ``patrol`` needs its grid's
    ``version`` and ``updated_at`` (see :func:`jiewang.patrols.selectors.patrol_for_track`)."""
    ensure_own(actor, patrol, "巡查")
    client_id = (client_id or "").strip()[:64]
    if not client_id:
        raise ValidationFailed("缺少批次编号 / batch_id is required.", code="validation_failed",
                               fields={"batch_id": "required"})
    now = now or timezone.now()
    t, lon, lat, acc = validate(patrol, points, now)
    fence = fence_of(patrol)
    outside = fence.outside(lon, lat)
    order = np.argsort(t, kind="stable")
    length = fence.path_length_m(lon[order], lat[order])
    first_t = t[order[0]] / 1000
    last_i = order[-1]
    last_at = dt.datetime.fromtimestamp(t[last_i] / 1000, UTC)
    if patrol.last_point_at is not None and patrol.last_lon is not None and first_t >= patrol.last_point_at.timestamp():
        length += fence.path_length_m([patrol.last_lon, lon[order[0]]], [patrol.last_lat, lat[order[0]]])
    n_out = int(outside.sum())
    try:
        with transaction.atomic():
            batch = TrackBatch.objects.create(patrol_id=patrol.pk, client_id=client_id, received_at=now,
                                              point_count=len(points), outside_count=n_out)
            _insert_points(patrol.pk, batch.pk, t, lon, lat, acc, outside)
            changes = {"point_count": F("point_count") + len(points), "outside_count": F("outside_count") + n_out,
                       "distance_m": F("distance_m") + round(length, 1)}
            if patrol.last_point_at is None or last_at >= patrol.last_point_at:
                changes.update(last_point_at=last_at, last_lon=float(lon[last_i]), last_lat=float(lat[last_i]))
            Patrol.objects.filter(pk=patrol.pk).update(**changes)
    except IntegrityError:
        first = TrackBatch.objects.filter(patrol_id=patrol.pk, client_id=client_id).first()
        if first is None:
            raise
        return BatchResult(first.pk, False, first.point_count, first.outside_count)
    return BatchResult(batch.pk, True, len(points), n_out)
