"""The in-app inbox."""

import datetime as dt

from ninja import Router, Schema
from pydantic import Field

from jiewang.core.schema_types import DbId

from . import services
from .models import Notification

router = Router(tags=["notifications"])


class NotificationOut(Schema):
    id: int
    kind: str
    title: str
    body: str
    url: str
    event_number: str
    created_at: dt.datetime
    read_at: dt.datetime | None


class InboxOut(Schema):
    unread: int
    items: list[NotificationOut]


@router.get("", response=InboxOut, summary="My inbox (newest first)")
def inbox(request, unread_only: bool = False, limit: int = 50):
    qs = Notification.objects.filter(recipient=request.user)
    unread = qs.filter(read_at__isnull=True).count()
    if unread_only:
        qs = qs.filter(read_at__isnull=True)
    return {"unread": unread, "items": list(qs[: max(1, min(limit, 200))])}


class ReadIn(Schema):
    ids: list[DbId] | None = Field(None, max_length=1000, description="omit to mark everything read")


@router.post("/read", summary="Mark notifications read")
def mark_read(request, payload: ReadIn):
    return {"marked": services.notification_mark_read(user=request.user, ids=payload.ids)}
