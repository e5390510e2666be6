"""Reads of events, all through :func:`jiewang.core.scope.restrict`."""

from __future__ import annotations

import base64
import datetime as dt

from django.db.models import Q, QuerySet

from jiewang.core.errors import NotFound, ValidationFailed
from jiewang.core.scope import Action, restrict

from .models import Event, EventActivity, MatterCategory


def event_list(*, user, area=None, board: str | None = None, category: str | None = None,
               status: list[str] | None = None, overdue: bool | None = None, channel: str | None = None,
               source: str | None = None, since: dt.datetime | None = None, until: dt.datetime | None = None,
               level: str | None = None, q: str | None = None) -> QuerySet:
    qs = restrict(Event.objects.all(), user, Action.VIEW)
    if area is not None:
        qs = qs.filter(area_path__startswith=area.path)
    if board:
        qs = qs.filter(board_kind=board)
    if category:
        qs = qs.filter(Q(category__code=category) | Q(category__parent__code=category))
    if status:
        qs = qs.filter(status__in=status)
    if overdue is not None:
        qs = qs.filter(is_overdue=overdue)
    if channel:
        qs = qs.filter(channel=channel)
    if source:
        qs = qs.filter(source=source)
    if level:
        qs = qs.filter(level=level)
    if since:
        qs = qs.filter(reported_at__gte=since)
    if until:
        qs = qs.filter(reported_at__lt=until)
    if q:
        qs = qs.filter(Q(title__icontains=q) | Q(number=q) | Q(address__icontains=q))
    return qs.select_related("category", "town", "community", "grid").order_by("-reported_at", "-id")


def event_get(*, user, number: str) -> Event:
    event = restrict(Event.objects.select_related("category", "town", "community", "grid"), user,
                     Action.VIEW).filter(number=number).first()
    if event is None:
        raise NotFound("事件不存在 / Event not found.", code="event.not_found")
    return event


def event_timeline(*, user, number: str) -> list[EventActivity]:
    event = event_get(user=user, number=number)
    return list(event.activities.select_related("actor").order_by("at", "id"))


def category_list(*, user=None, board: str | None = None, include_inactive: bool = False) -> QuerySet:
    qs = MatterCategory.objects.select_related("parent")
    if not include_inactive:
        qs = qs.filter(is_active=True)
    if board:
        qs = qs.filter(board_kind=board)
    return qs.order_by("board_kind", "order", "code")


# ---- cursor pagination ----------------------------------------------------------------------

def encode_cursor(event: Event) -> str:
    raw = f"{event.reported_at.isoformat()}|{event.id}"
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def apply_cursor(qs: QuerySet, cursor: str | None) -> QuerySet:
    """Keyset pagination on (-reported_at, -id): stable under inserts, cheap at any depth."""
    if not cursor:
        return qs
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        at_s, id_s = base64.urlsafe_b64decode(padded.encode()).decode().split("|")
        at, pk = dt.datetime.fromisoformat(at_s), int(id_s)
    except Exception as exc:  # noqa: BLE001
        raise ValidationFailed("分页游标无效 / Invalid cursor.", code="pagination.invalid_cursor") from exc
    return qs.filter(Q(reported_at__lt=at) | Q(reported_at=at, id__lt=pk))
