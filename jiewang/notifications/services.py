"""Queueing and sending notifications."""

from __future__ import annotations

import datetime as dt
import importlib
from collections.abc import Iterable

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from jiewang.core.fastsql import insert_many

from .models import Notification, OutboundMessage, OutboundStatus

MAX_ATTEMPTS = 5


def notify(*, users: Iterable, kind: str, title: str, body: str = "", event_number: str = "",
           url: str = "", sms: bool = False) -> int:
    """Put a line in each user's inbox (and, with ``sms``, queue a text to users with a phone).
    Call it inside the transaction of the change: the rows commit, or vanish, with it."""
    users = {u.pk: u for u in users if u is not None and u.is_active}
    if not users:
        return 0
    now = timezone.now()
    insert_many([
        Notification(recipient_id=pk, kind=kind, title=title[:200], body=body, url=url, event_number=event_number,
                     created_at=now) for pk in users
    ])
    if sms:
        msgs = [OutboundMessage(recipient_id=u.pk, channel="sms", address=u.phone, body=f"【结网】{title} {body}"[:500],
                                created_at=now, next_attempt_at=now) for u in users.values() if u.phone]
        insert_many(msgs)
    return len(users)


def _sender(channel: str):
    path = getattr(settings, "NOTIFICATION_SENDERS", {}).get(channel, "jiewang.notifications.senders.ConsoleSender")
    module, _, cls = path.rpartition(".")
    return getattr(importlib.import_module(module), cls)()


def outbox_send_pending(now: dt.datetime | None = None, limit: int = 200) -> int:
    """Send due messages (worker job). Each message is claimed by a conditional UPDATE so two
    workers never send it twice; a failure is retried with backoff, then marked failed."""
    now = now or timezone.now()
    sent = 0
    ids = list(OutboundMessage.objects.filter(status=OutboundStatus.PENDING, next_attempt_at__lte=now)
               .order_by("id").values_list("id", flat=True)[:limit])
    for pk in ids:
        claim_until = now + dt.timedelta(minutes=5)
        with transaction.atomic():
            claimed = OutboundMessage.objects.filter(pk=pk, status=OutboundStatus.PENDING,
                                                     next_attempt_at__lte=now).update(next_attempt_at=claim_until)
        if not claimed:
            continue
        msg = OutboundMessage.objects.get(pk=pk)
        try:
            _sender(msg.channel).send(address=msg.address, subject=msg.subject, body=msg.body)
        except Exception as exc:  # noqa: BLE001 - any sender failure is retried
            msg.attempts += 1
            msg.last_error = str(exc)[:500]
            msg.status = OutboundStatus.FAILED if msg.attempts >= MAX_ATTEMPTS else OutboundStatus.PENDING
            msg.next_attempt_at = now + dt.timedelta(minutes=2 ** msg.attempts)
            msg.save(update_fields=["attempts", "last_error", "status", "next_attempt_at"])
            continue
        OutboundMessage.objects.filter(pk=pk).update(status=OutboundStatus.SENT, sent_at=timezone.now(),
                                                     attempts=msg.attempts + 1)
        sent += 1
    return sent


def notification_mark_read(*, user, ids: list[int] | None = None) -> int:
    qs = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if ids is not None:
        qs = qs.filter(pk__in=ids)
    return qs.update(read_at=timezone.now())
