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
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Prefetch, QuerySet

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


def open311_status(status: str) -> str:
    return "closed" if status in CLOSED_STATUSES else "open"


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

@dataclass(frozen=True)
class Note:
    at: dt.datetime
    description: str
    type: str


def public_requests() -> QuerySet:
    """Every event an anonymous client may see, with what rendering needs prefetched (a constant
    number of queries per page)."""
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


def request_list(*, ids: list[str] | None = None, service_codes: list[str] | None = None,
                 start: dt.datetime | None = None, end: dt.datetime | None = None,
                 statuses: list[str] | None = None) -> QuerySet:
    """Public requests by ids (which override every other filter) or by service, date and status."""
    qs = public_requests()
    if ids:
        return qs.filter(number__in=ids)
    if service_codes:
        qs = qs.filter(category__code__in=service_codes)
    if start is not None:
        qs = qs.filter(reported_at__gte=start)
    if end is not None:
        qs = qs.filter(reported_at__lte=end)
    if statuses:
        wanted = set(statuses)
        if wanted == {"open"}:
            qs = qs.filter(status__in=OPEN_STATUSES)
        elif wanted == {"closed"}:
            qs = qs.filter(status__in=CLOSED_STATUSES)
    return qs


def request_get(*, number: str) -> Event:
    event = public_requests().filter(number=number).first()
    if event is None:
        raise NotFound("服务请求不存在 / Unknown service_request_id.", code="open311.request_unknown")
    return event


def request_notes(event: Event) -> list[Note]:
    """The public timeline of an event fetched by :func:`public_requests`, oldest first."""
    notes = []
    for a in event.public_activities:
        comment = "" if a.action in PRIVATE_COMMENT_ACTIONS else a.comment.strip()
        notes.append(Note(a.at, comment or NOTE_LABELS[a.action], a.action))
    return notes


def request_status_notes(event: Event) -> str:
    """The latest public comment, or "" when no step carried one."""
    for a in reversed(event.public_activities):
        if a.action not in PRIVATE_COMMENT_ACTIONS and a.comment.strip():
            return a.comment.strip()
    return ""


def request_agency(event: Event) -> str:
    """The most recent lead department (or board post); before any dispatch, the area that holds
    the event (its grid, community or town; the district once escalated there)."""
    if event.lead_assignments:
        a = event.lead_assignments[0]
        return a.department.name if a.department_id else a.post.name
    if event.level == "grid" and event.grid_id:
        return event.grid.name
    if event.level == "community" and event.community_id:
        return event.community.name
    if event.level == "district" and event.town.parent_id:
        return event.town.parent.name
    return event.town.name
