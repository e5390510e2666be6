"""催办 / 督办 by hand: the command center urges (remind) or formally supervises (supervise) the
ones who hold an event. The sweeper does the same automatically for overdue clocks
(``jiewang.events.services.sweep``); this is the operator's button for it.

The note goes on the event's timeline (an activity that changes no status) and the ones who must
act are told in their inbox; a supervision also reaches the town leaders (and the leaders of
the boards whose posts hold the event) and, for an urgent event, goes out by SMS.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from jiewang.accounts.choices import Role
from jiewang.core.errors import ValidationFailed
from jiewang.events.choices import Urgency
from jiewang.events.models import Event, EventActivity
from jiewang.events.registry import authorize
from jiewang.events.services.transition import event_note

from ..models import OPEN_ASSIGNMENT, Assignment

LABELS = {"remind": "催办", "supervise": "督办"}


@transaction.atomic
def event_supervise(*, event: Event, actor, action: str, comment: str = "") -> EventActivity:
    """Record a 催办 (``action="remind"``) or 督办 (``"supervise"``) on ``event`` and notify the
    ones who must act. Refused (nothing written) outside the actor's scope (404), without a
    command-center or board-leader role on the event (403) or when the event is no longer being worked on (409)."""
    if action not in LABELS:
        raise ValidationFailed("无效的督办类型 / Invalid supervision kind.", code="supervision.kind_invalid")
    label = LABELS[action]
    locked = Event.objects.select_for_update().get(pk=event.pk)
    role = authorize(action, actor=actor, event=locked)
    comment = (comment or "").strip()
    now = timezone.now()
    activity = event_note(event=locked, action=action, actor=actor, role=role,
                          comment=comment or f"指挥中心{label}", data={"manual": True}, at=now)

    from jiewang.events.notify import users_with_role, who_must_act
    from jiewang.notifications.services import notify

    from ..notify import handler_staff

    users = list(who_must_act(locked))
    users += handler_staff(Assignment.objects.filter(event=locked, status__in=OPEN_ASSIGNMENT))
    if action == "supervise":
        users += users_with_role(locked, [Role.TOWN_LEADER])
        # the leaders of the boards whose posts hold the event (分管领导)
        from ..handlers import board_leaders

        users += board_leaders(Assignment.objects.filter(event=locked, status__in=OPEN_ASSIGNMENT,
                                                         post__isnull=False).values_list("post_id", flat=True))
    users = [u for u in users if actor is None or u.pk != actor.pk]
    notify(users=users, kind=f"event.{action}", title=f"{label}：{locked.title}",
           body=comment or locked.number, event_number=locked.number, url=f"/events/{locked.number}/",
           sms=action == "supervise" and locked.urgency != Urgency.NORMAL)
    from jiewang.audit.services import audit_record

    audit_record(actor=actor, action=f"event.{action}", obj=locked, data={"comment": comment})
    return activity
