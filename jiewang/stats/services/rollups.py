"""Keeping the rollups (:mod:`jiewang.stats.models`) equal to a fresh count over the events.

The worker's job ``stats.rollups_apply`` reads :class:`~jiewang.events.models.EventActivity` rows
past the stored high-water mark (:class:`~jiewang.stats.models.RollupMark`) and *re-applies the
events they belong to*: each event's current row is turned into its contribution (the counts it
adds to which keys), compared with what it contributed last time
(:class:`~jiewang.stats.models.RollupEventState`), and only the difference is written, with the new
state, in the same transaction as the mark. Applying an event is therefore idempotent: a job run
twice, a batch re-read after a crash, or an activity seen again changes nothing, and every change
of an event is counted exactly once. The event services are not touched (every change of an event
writes an activity row in its own transaction; the deadline sweeper's overdue mark too).

Activity ids are allocated before their transaction commits, so on PostgreSQL a lower id may
become visible after a higher one. The mark therefore only passes activities older than
:data:`GRACE` (the rows after it are re-read, harmlessly, by the next runs); a transaction open
longer than that is caught by ``manage.py rollups_rebuild``.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable

from django.db import connection, transaction
from django.utils import timezone

from jiewang.areas.choices import AreaLevel
from jiewang.areas.models import Area
from jiewang.events.choices import EventStatus, Satisfaction
from jiewang.events.models import Event, EventActivity

from ..models import (Rollup, RollupDay, RollupEventState, RollupGridMonth, RollupMark, RollupMonth,
                      RollupOverdueUnit, RollupStock)

GRACE = dt.timedelta(seconds=120)
BATCH = 2000
COUNTS = ("new", "voided", "open", "overdue", "open_overdue", "closed", "closed_on_time", "rated", "satisfied",
          "basically")
DIMS = ("board_kind", "category_id", "channel", "source", "status")
STATE_FIELDS = ("area_path", "board_kind", "category_id", "channel", "source", "status", "reported_day",
                "closed_day", "is_overdue", "satisfaction", "units")
# Every table rebuilt from the events (the mark aside).
TABLES = (Rollup, RollupMonth, RollupDay, RollupStock, RollupGridMonth, RollupOverdueUnit, RollupEventState)
CLOSED = (EventStatus.CLOSED, EventStatus.RATED)
# "Open" in the rollups: work not finished (a closed event awaiting its return visit is done).
UNFINISHED = tuple(s for s in EventStatus.values if s not in (EventStatus.VOIDED, *CLOSED))
EVENT_FIELDS = ("id", "area_path", "board_kind", "category_id", "channel", "source", "status", "reported_at",
                "closed_at", "is_overdue", "satisfaction")


def local_day(moment: dt.datetime) -> dt.date:
    """The Asia/Shanghai (settings.TIME_ZONE) date of ``moment``."""
    return timezone.localtime(moment, timezone.get_default_timezone()).date()


def event_state(row: tuple, units: str = "") -> tuple:
    """An event's values (:data:`EVENT_FIELDS`) and its overdue handlers (:func:`units_of`) → its
    state (:data:`STATE_FIELDS`)."""
    _id, path, board, category, channel, source, status, reported_at, closed_at, overdue, satisfaction = row
    closed_day = local_day(closed_at) if status in CLOSED and closed_at else None
    return (path, board, category, channel, source, status, local_day(reported_at), closed_day, bool(overdue),
            satisfaction or "", units)


def units_of(pairs: Iterable[tuple[int | None, int | None]]) -> str:
    """The handlers of an event's open assignments, (department_id, post_id) pairs, as stored in
    ``RollupEventState.units``: distinct "department:post" (0 for none), sorted, comma-separated."""
    return ",".join(sorted({f"{d or 0}:{p or 0}" for d, p in pairs}))


def overdue_units_of(event_ids: Iterable[int]) -> dict[int, str]:
    """{event id: :func:`units_of` its open assignments} for ``event_ids`` (events that are
    unfinished and overdue: the others count for no handler)."""
    from jiewang.dispatching.models import OPEN_ASSIGNMENT, Assignment

    pairs: dict[int, list] = defaultdict(list)
    for event_id, d, p in Assignment.objects.filter(event_id__in=list(event_ids), status__in=OPEN_ASSIGNMENT) \
            .values_list("event_id", "department_id", "post_id"):
        pairs[event_id].append((d, p))
    return {e: units_of(v) for e, v in pairs.items()}


def contribution(state: tuple) -> dict[tuple, list[int]]:
    """What one event in ``state`` adds: {(day, *DIMS): counts in :data:`COUNTS` order} (per area node
    of its path, see :func:`_apply_deltas`). The definitions are the ones docs/architecture.md gives."""
    _path, board, category, channel, source, status, reported_day, closed_day, overdue, satisfaction = state[:10]
    dims = (board, category, channel, source, status)
    is_open = status in UNFINISHED
    voided = status == EventStatus.VOIDED
    late = overdue and not voided
    out: dict[tuple, list[int]] = {}
    out[(reported_day, *dims)] = [1, int(voided), int(is_open), int(late), int(late and is_open), 0, 0, 0, 0, 0]
    if closed_day is not None:
        row = out.setdefault((closed_day, *dims), [0] * len(COUNTS))
        row[5] += 1
        row[6] += int(not overdue)
        row[7] += int(bool(satisfaction))
        row[8] += int(satisfaction == Satisfaction.SATISFIED)
        row[9] += int(satisfaction == Satisfaction.BASICALLY)
    return out


def _path_ids(path: str) -> list[int]:
    return [int(p) for p in path.strip("/").split("/") if p]


def _upsert(model, key: tuple[str, ...], extra: tuple[str, ...], rows: dict[tuple, list[int]], nodes: dict,
            counts: tuple[str, ...] = COUNTS) -> None:
    """Add ``rows`` {(node, *rest of key): counts} to ``model``'s table (INSERT … ON CONFLICT DO
    UPDATE, on SQLite and PostgreSQL alike), then drop the rows that fell to zero everywhere."""
    rows = {k: v for k, v in rows.items() if any(v)}
    if not rows:
        return
    table = model._meta.db_table
    cols = (*key, *extra, *counts)
    sql = (f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join(['%s'] * len(cols))}) "
           f"ON CONFLICT ({', '.join(key)}) DO UPDATE SET "
           + ", ".join(f"{c} = {table}.{c} + excluded.{c}" for c in counts))
    # A fixed order: two transactions touching the same rows lock them in the same order.
    params = [(*k, *(nodes.get(k[0], (0, ""))[: len(extra)]), *v)
              for k, v in sorted(rows.items(), key=lambda kv: tuple(map(str, kv[0])))]
    with connection.cursor() as cur:
        cur.executemany(sql, params)
    zero = {c: 0 for c in counts}
    near = {f"{key[1]}__in": {k[1] for k in rows}} if len(key) > 1 else {}
    model.objects.filter(area_id__in={k[0] for k in rows}, **near, **zero).delete()


def _vector() -> list[int]:
    return [0] * len(COUNTS)


def _apply_deltas(deltas: dict[tuple, list[int]], units: dict[tuple[str, str], int] | None = None) -> None:
    """Add ``deltas`` {(area_path, day, *DIMS): counts} to the rows of every node on each path, in
    the tables of counts (Rollup, RollupMonth, RollupDay), the stocks (RollupStock) and the grids'
    months (RollupGridMonth); and ``units`` {(area_path, "department:post"): ±events} to
    RollupOverdueUnit."""
    units = {k: v for k, v in (units or {}).items() if v}
    deltas = {k: v for k, v in deltas.items() if any(v)}
    if not deltas and not units:
        return
    paths = {k[0] for k in deltas} | {k[0] for k in units}
    nodes = {a: (lv, p) for a, lv, p in Area.objects.filter(
        id__in={n for p in paths for n in _path_ids(p)}).values_list("id", "level", "path")}
    # each path's nodes, and for each grid on it the nodes at or above the grid
    path_nodes = {p: _path_ids(p) for p in paths}
    grids_of = {p: [(ids[i], ids[: i + 1]) for i, n in enumerate(ids) if nodes.get(n, (0,))[0] == AreaLevel.GRID]
                for p, ids in path_nodes.items()}
    full: dict[tuple, list[int]] = defaultdict(_vector)
    month: dict[tuple, list[int]] = defaultdict(_vector)
    daily: dict[tuple, list[int]] = defaultdict(_vector)
    stock: dict[tuple, list[int]] = defaultdict(lambda: [0, 0])
    grid_month: dict[tuple, list[int]] = defaultdict(lambda: [0, 0])
    for (path, day, board, category, channel, source, status), counts in deltas.items():
        first = day.replace(day=1)
        for node in path_nodes[path]:
            for acc in (full[(node, day, board, category, channel, source, status)],
                        month[(node, first, board, category)], daily[(node, day)]):
                for i, c in enumerate(counts):
                    acc[i] += c
            s = stock[(node,)]
            s[0] += counts[2]
            s[1] += counts[4]
        for grid, above in grids_of[path]:
            for node in above:
                g = grid_month[(node, first, grid)]
                g[0] += counts[0] - counts[1]
                g[1] += counts[3]
    by_unit: dict[tuple, list[int]] = defaultdict(lambda: [0])
    for (path, unit), n in units.items():
        department, post = (int(x) for x in unit.split(":"))
        for node in path_nodes[path]:
            by_unit[(node, department, post)][0] += n
    _upsert(Rollup, ("area_id", "day", *DIMS), ("level", "area_path"), full, nodes)
    _upsert(RollupMonth, ("area_id", "month", "board_kind", "category_id"), ("level", "area_path"), month, nodes)
    _upsert(RollupDay, ("area_id", "day"), (), daily, nodes)
    _upsert(RollupStock, ("area_id",), (), stock, nodes, ("open", "open_overdue"))
    _upsert(RollupGridMonth, ("area_id", "month", "grid_id"), (), grid_month, nodes, ("new", "overdue"))
    _upsert(RollupOverdueUnit, ("area_id", "department_id", "post_id"), (), by_unit, nodes, ("overdue",))


def apply_events(event_ids: Iterable[int]) -> int:
    """Bring the rollups in step with the current rows of ``event_ids``; the number of events
    whose contribution changed. Call inside a transaction holding the mark (:func:`_lock_mark`)."""
    ids = sorted(set(event_ids))
    if not ids:
        return 0
    rows = list(Event.objects.filter(id__in=ids).values_list(*EVENT_FIELDS))
    late = overdue_units_of(r[0] for r in rows if r[9] and r[6] in UNFINISHED)
    current = {r[0]: event_state(r, late.get(r[0], "")) for r in rows}
    previous = {s[0]: tuple(s[1:]) for s in RollupEventState.objects.filter(event_id__in=ids)
                .values_list("event_id", *STATE_FIELDS)}
    deltas: dict[tuple, list[int]] = defaultdict(_vector)
    units: dict[tuple[str, str], int] = defaultdict(int)
    changed, gone = [], []
    for event_id in ids:
        new, old = current.get(event_id), previous.get(event_id)
        if new == old:
            continue
        for state, sign in ((old, -1), (new, 1)):
            if state is None:
                continue
            for k, counts in contribution(state).items():
                acc = deltas[(state[0], *k)]
                for i, c in enumerate(counts):
                    acc[i] += sign * c
            for unit in filter(None, state[10].split(",")):
                units[(state[0], unit)] += sign
        if new is None:
            gone.append(event_id)
        else:
            changed.append(RollupEventState(event_id, *new))
    _apply_deltas(deltas, units)
    if changed:
        RollupEventState.objects.bulk_create(changed, update_conflicts=True, unique_fields=["event_id"],
                                             update_fields=list(STATE_FIELDS))
    if gone:
        RollupEventState.objects.filter(event_id__in=gone).delete()
    return len(changed) + len(gone)


def _lock_mark() -> RollupMark:
    RollupMark.objects.get_or_create(pk=1)
    return RollupMark.objects.select_for_update().get(pk=1)


def _safe_mark(rows: list[tuple], start: int, limit: dt.datetime) -> int:
    """The highest id up to which every row read is older than ``limit`` (contiguous from the start)."""
    safe = start
    for activity_id, _event_id, at in rows:
        if at > limit:
            break
        safe = activity_id
    return safe


def rollups_apply(*, now: dt.datetime | None = None, batch: int = BATCH) -> int:
    """Apply the activities past the mark, batch by batch (each batch one transaction with its
    mark); the number of activities read. Idempotent (see the module docstring)."""
    now = now or timezone.now()
    limit = now - GRACE
    cursor, read, advancing = None, 0, True
    while True:
        with transaction.atomic():
            mark = _lock_mark()
            if cursor is None:
                cursor = mark.activity_id
            rows = list(EventActivity.objects.filter(id__gt=cursor).order_by("id")
                        .values_list("id", "event_id", "at")[:batch])
            if not rows:
                return read
            apply_events(r[1] for r in rows)
            if advancing:
                safe = _safe_mark(rows, cursor, limit)
                advancing = safe == rows[-1][0]
                if safe > mark.activity_id:
                    RollupMark.objects.filter(pk=1).update(activity_id=safe, updated_at=now)
            cursor = rows[-1][0]
            read += len(rows)
        if len(rows) < batch:
            return read


def run_periodic_apply() -> int:
    return rollups_apply()


def rollups_rebuild(*, now: dt.datetime | None = None, chunk: int = 5000) -> int:
    """Throw the rollups away and count every event again; the number of events. The mark moves to
    the last activity older than :data:`GRACE` (later ones are re-applied by the worker, which
    changes nothing for events already counted in their current state)."""
    now = now or timezone.now()
    with transaction.atomic():
        _lock_mark()
        recent = EventActivity.objects.filter(at__gt=now - GRACE).order_by("id").values_list("id", flat=True).first()
        if recent is not None:
            mark = recent - 1
        else:
            mark = EventActivity.objects.order_by("-id").values_list("id", flat=True).first() or 0
        for model in TABLES:
            model.objects.all().delete()
        last, total = 0, 0
        while True:
            ids = list(Event.objects.filter(id__gt=last).order_by("id").values_list("id", flat=True)[:chunk])
            if not ids:
                break
            apply_events(ids)
            last, total = ids[-1], total + len(ids)
        RollupMark.objects.filter(pk=1).update(activity_id=mark, updated_at=now)
    return total
