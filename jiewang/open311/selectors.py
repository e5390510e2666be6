"""Reads of the Open311 facade. Everything here is public (no user): what it returns is decided by
the rules below, not by :func:`jiewang.core.scope.restrict`.

Visibility — which events an anonymous Open311 client may see:
    only events that came in through a public channel (``resident_web``, ``open311``,
    ``hotline``) and are not voided (invalid reports and merged duplicates disappear). Patrol
    findings, sensor alerts and district assignments are internal work and never shown. No
    personal data is ever rendered: no reporter name, phone, e-mail, device or account id, no
    actor names; the address and the position are kept (they locate the problem, not the person).

Status mapping — GeoReport knows only ``open`` and ``closed``:
    closed = ``closed`` (handled and verified, awaiting the return visit), ``rated``, ``voided``;
    open   = ``reported``, ``accepted``, ``dispatched``, ``handling``, ``shelved``, ``feedback``.
    A redo moves a closed event back to ``handling``, i.e. back to open. Our status is rendered
    as ``detailed_status``.

Notes — the public timeline (``notes[]``, ``status_notes``, ``updated_datetime``):
    only the lifecycle steps (the actions of :data:`jiewang.events.lifecycle.TABLE`) plus the
    report and a merge; internal activity (supervision reminders, whistles, extensions, the
    rating of departments, photos) is left out. A note's text is the step's comment, or the step's
    name when there is none; the comments of the return visit and of the resident's rating are
    never shown (they are the resident's own words about themselves).

How the requests are read (the hot path: a page of up to 1,000 requests): two statements per
answer, written once (:func:`_page_sql`) and run through :func:`jiewang.core.fastsql.execute` —
the page's events with everything a request shows but its notes (category, agency, first photo,
submitted media URL; the agency and the photo as correlated subqueries, one indexed look-up per
row), then the public activities of those events. No model instance is built. The rules above
are also written as an ORM query, :func:`public_requests`; ``open311/tests`` hold the two equal
on every kind of event. The newest-first listing walks the partial index
``event_public_recent_idx`` (public channels, not voided; ``events/models.py``), whose condition
the statement repeats literally so that SQLite's planner can use it.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import NamedTuple

from django.db import connection
from django.db.models import Prefetch, QuerySet

from jiewang.core import fastsql
from jiewang.core.errors import NotFound
from jiewang.dispatching.models import Assignment, AssignmentRole
from jiewang.events.choices import EventChannel, EventStatus
from jiewang.events.lifecycle import TABLE
from jiewang.events.models import Event, EventActivity, EventPhoto, MatterCategory

PUBLIC_CHANNELS = (EventChannel.RESIDENT_WEB, EventChannel.OPEN311, EventChannel.HOTLINE)
CLOSED_STATUSES = (EventStatus.CLOSED, EventStatus.RATED, EventStatus.VOIDED)
OPEN_STATUSES = tuple(s for s in EventStatus.values if s not in CLOSED_STATUSES)

NOTE_LABELS: dict[str, str] = {"report": "上报", "merge": "合并重复事件",
                               **{t.name: t.label for t in TABLE}}
# Steps whose comment stays private: only the step's name is shown.
PRIVATE_COMMENT_ACTIONS = frozenset({"visit", "rate"})


_CLOSED = frozenset(str(s) for s in CLOSED_STATUSES)


def open311_status(status: str) -> str:
    return "closed" if status in _CLOSED else "open"


# ---- services -------------------------------------------------------------------------------

def service_list() -> QuerySet:
    """Active leaf categories (the ones an event can be reported under), in catalog order."""
    return (MatterCategory.objects.filter(is_active=True, parent__isnull=False).select_related("parent")
            .order_by("parent__order", "order", "code"))


def service_get(*, code: str) -> MatterCategory:
    category = service_list().filter(code=code).first()
    if category is None:
        raise NotFound("服务类型不存在 / Unknown service_code.", code="open311.service_unknown")
    return category


# ---- requests -------------------------------------------------------------------------------

def public_requests() -> QuerySet:
    """The visibility rule as an ORM query, with what rendering needs prefetched: every event an
    anonymous client may see, newest first. The reads below answer from hand-written statements;
    this is the definition they are held equal to (``open311/tests``)."""
    return (
        Event.objects.filter(channel__in=PUBLIC_CHANNELS).exclude(status=EventStatus.VOIDED)
        .select_related("category", "grid", "community", "town", "town__parent", "open311_submission")
        .prefetch_related(
            Prefetch("activities", to_attr="public_activities",
                     queryset=EventActivity.objects.filter(action__in=list(NOTE_LABELS)).order_by("at", "id")),
            Prefetch("photos", to_attr="photo_list", queryset=EventPhoto.objects.order_by("uploaded_at", "id")),
            Prefetch("assignments", to_attr="lead_assignments",
                     queryset=Assignment.objects.filter(role=AssignmentRole.LEAD)
                     .select_related("department", "post").order_by("-dispatched_at", "-id")),
        )
        .order_by("-reported_at", "-id")
    )


class RequestRow(NamedTuple):
    """One visible event as a request needs it. ``photo``: the file name of its first photo;
    ``submitted_media_url``/``submitted_address_id``: what an Open311 client sent (``None``
    without a submission);
    ``notes``: its public activities ``(at, action, comment)``, oldest first. Datetimes are UTC
    text, ``YYYY-MM-DD HH:MM:SS[.ffffff]``."""

    id: int
    number: str
    status: str
    description: str
    title: str
    address: str
    lat: float | None
    lon: float | None
    reported_at: str
    due_at: str | None
    service_name: str
    service_code: str
    agency: str
    photo: str | None
    submitted_media_url: str | None
    submitted_address_id: str | None
    notes: list


def _literals(values) -> str:
    """Our own enum values as SQL literals (they are constants: letters and underscores only)."""
    values = [str(v) for v in values]
    assert all(v.replace("_", "").isalnum() for v in values)
    return ", ".join(f"'{v}'" for v in values)


# The visibility condition, written exactly as the partial index event_public_recent_idx states it.
VISIBLE_SQL = f'"events_event"."channel" IN ({_literals(PUBLIC_CHANNELS)}) AND NOT ("events_event"."status" = ' \
              f"'{EventStatus.VOIDED.value}')"
_SQL: dict = {}


def _in_list(vendor: str, column: str) -> str:
    """``column`` IN the list given as ONE parameter (one statement whatever the list's length):
    a PostgreSQL array, a JSON array on SQLite."""
    if vendor == "postgresql":
        return f"{column} = ANY(%s)"
    return f"{column} IN (SELECT value FROM json_each(%s))"


def _list_param(vendor: str, values: list):
    return list(values) if vendor == "postgresql" else json.dumps(list(values))


def _page_sql(vendor: str, shape: tuple) -> str:
    """The page statement for one combination of filters: (by ids, by service codes, by start,
    by end, status filter: "", "open" or "closed")."""
    hit = _SQL.get((vendor, shape))
    if hit is not None:
        return hit
    by_ids, by_codes, by_start, by_end, status = shape
    where = [VISIBLE_SQL]
    if by_ids:
        where.append(_in_list(vendor, '"events_event"."number"'))
    if by_codes:
        where.append(_in_list(vendor, "c.code"))
    if by_start:
        where.append('"events_event"."reported_at" >= %s')
    if by_end:
        where.append('"events_event"."reported_at" <= %s')
    if status:
        where.append(f'"events_event"."status" IN ({_literals(OPEN_STATUSES if status == "open" else CLOSED_STATUSES)})')
    sql = f"""SELECT "events_event"."id", "events_event"."number", "events_event"."status",
 "events_event"."description", "events_event"."title", "events_event"."address", "events_event"."lat",
 "events_event"."lon", {_utc(vendor, '"events_event"."reported_at"')}, {_utc(vendor, '"events_event"."due_at"')},
 c.name, c.code,
 COALESCE((SELECT COALESCE(d.name, p.name) FROM dispatching_assignment a
            LEFT JOIN accounts_department d ON d.id = a.department_id LEFT JOIN accounts_post p ON p.id = a.post_id
           WHERE a.event_id = "events_event"."id" AND a.role = '{AssignmentRole.LEAD.value}'
           ORDER BY a.dispatched_at DESC, a.id DESC LIMIT 1),
          CASE WHEN "events_event"."level" = 'grid' AND "events_event"."grid_id" IS NOT NULL
                    THEN (SELECT g.name FROM areas_area g WHERE g.id = "events_event"."grid_id")
               WHEN "events_event"."level" = 'community' AND "events_event"."community_id" IS NOT NULL
                    THEN (SELECT m.name FROM areas_area m WHERE m.id = "events_event"."community_id")
               WHEN "events_event"."level" = 'district' AND t.parent_id IS NOT NULL
                    THEN (SELECT r.name FROM areas_area r WHERE r.id = t.parent_id)
               ELSE t.name END),
 (SELECT ph.file FROM events_eventphoto ph WHERE ph.event_id = "events_event"."id"
   ORDER BY ph.uploaded_at, ph.id LIMIT 1),
 s.media_url, s.address_id
FROM "events_event"
JOIN events_mattercategory c ON c.id = "events_event"."category_id"
JOIN areas_area t ON t.id = "events_event"."town_id"
LEFT JOIN open311_submission s ON s.event_id = "events_event"."id"
WHERE {" AND ".join(where)}
ORDER BY "events_event"."reported_at" DESC, "events_event"."id" DESC
LIMIT %s OFFSET %s"""
    _SQL[(vendor, shape)] = sql
    return sql


def _notes_sql(vendor: str) -> str:
    key = (vendor, "notes")
    hit = _SQL.get(key)
    if hit is None:
        hit = _SQL[key] = (f"SELECT a.event_id, {_utc(vendor, 'a.at')}, a.action, a.comment FROM events_eventactivity a "
                           f"WHERE {_in_list(vendor, 'a.event_id')} AND a.action IN ({_literals(NOTE_LABELS)}) "
                           f"ORDER BY a.event_id, a.at, a.id")
    return hit


def _utc(vendor: str, column: str) -> str:
    """A datetime column as UTC text ``YYYY-MM-DD HH:MM:SS[.ffffff]``: SQLite's stored text as it
    is (``+`` drops the column's declared type, so the driver does not parse it), PostgreSQL's
    formatted. Rendering reads the text without building datetimes (``serializers.LocalISO``)."""
    if vendor == "postgresql":
        return f"to_char({column} AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS')"
    return f"+{column}"


def _rows(sql: str, params: list) -> list[RequestRow]:
    vendor = connection.vendor
    rows = fastsql.execute(sql, params, fetch="all")
    if not rows:
        return []
    notes: dict[int, list] = {row[0]: [] for row in rows}
    for event_id, at, action, comment in fastsql.execute(_notes_sql(vendor), [_list_param(vendor, notes)],
                                                          fetch="all"):
        notes[event_id].append((at, action, comment))
    return [RequestRow(*r, notes[r[0]]) for r in rows]


def request_page(*, ids: list[str] | None = None, service_codes: list[str] | None = None,
                 start: dt.datetime | None = None, end: dt.datetime | None = None,
                 statuses: list[str] | None = None, offset: int = 0, limit: int = 1000) -> list[RequestRow]:
    """Visible requests by ids (which override every other filter) or by service, date and
    status; newest first; ``limit`` of them from ``offset``. Two statements."""
    vendor = connection.vendor
    ops = connection.ops
    params: list = []
    if ids:
        shape = (True, False, False, False, "")
        params.append(_list_param(vendor, ids))
    else:
        wanted = set(statuses or ())
        status = "open" if wanted == {"open"} else "closed" if wanted == {"closed"} else ""
        shape = (False, bool(service_codes), start is not None, end is not None, status)
        if service_codes:
            params.append(_list_param(vendor, service_codes))
        if start is not None:
            params.append(ops.adapt_datetimefield_value(start))
        if end is not None:
            params.append(ops.adapt_datetimefield_value(end))
    return _rows(_page_sql(vendor, shape), [*params, limit, offset])


def request_get(*, number: str) -> RequestRow:
    rows = request_page(ids=[number], limit=1)
    if not rows:
        raise NotFound("服务请求不存在 / Unknown service_request_id.", code="open311.request_unknown")
    return rows[0]


def request_status_notes(row: RequestRow) -> str:
    """The latest public comment, or "" when no step carried one."""
    for _at, action, comment in reversed(row.notes):
        if action not in PRIVATE_COMMENT_ACTIONS:
            comment = comment.strip()
            if comment:
                return comment
    return ""
