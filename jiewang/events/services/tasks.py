"""Stand-alone tasks (交办任务): work the town's command center or a board leader gives a
village/community or a grid, with a deadline and a checklist, that nobody reported.

A task is an :class:`~jiewang.events.models.Event` (``source = sent_down``, ``channel = center``)
so that clocks, queues, the timeline, verification and closing work unchanged; it is counted
apart from what grids and residents report by its source. :func:`task_create` writes it already
accepted (立案) and held by the town, with its handling clock due at the task's deadline and its
:class:`~jiewang.events.models.ChecklistItem` rows; sending it down to the area (an assignment,
the ``send_down`` move) is dispatching's (``jiewang.dispatching.services.sending.task_send_down``).
It has no point on the map (``location_status = unplaced``): its place is its area.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from jiewang.accounts.choices import Role
from jiewang.areas.choices import AreaLevel
from jiewang.areas.models import Area
from jiewang.core.errors import NotFound, PermissionDenied, ValidationFailed
from jiewang.core.scope import Action, restrict, user_grants

from ..choices import EventChannel, EventSource, EventStatus, HandlingLevel, LocationStatus, Urgency
from ..models import ChecklistItem, Event, EventActivity, MatterCategory
from .clocks import clock_start

# Who may push a task to a village/community or grid: the town's command center, leaders, board
# leaders and posts (its offices), the district, and functional departments — every push through
# the duty admission gate (jiewang.admission; dispatching.gate), held when it cites no admitted duty.
TASK_SENDERS = frozenset({Role.TOWN_OPERATOR, Role.TOWN_LEADER, Role.COMMANDER, Role.DEPUTY_COMMANDER,
                          Role.BOARD_LEADER, Role.POST_STAFF, Role.DEPARTMENT_STAFF, Role.DISTRICT_ADMIN})
AREA_LEVELS = (AreaLevel.COMMUNITY, AreaLevel.GRID, AreaLevel.MICROGRID)
MAX_ITEMS = 30


def sender_role(actor, area: Area) -> str:
    """The role under which ``actor`` may send work down to ``area``: 404 when it cannot see the
    area, 403 without a sender's role above it."""
    if actor is None:
        return "system"
    if not restrict(Area.objects.filter(pk=area.pk), actor, Action.VIEW).exists():
        raise NotFound("区域不存在 / Area not found.", code="area.not_found")
    if actor.is_superuser:
        return "superuser"
    for g in user_grants(actor):
        if g.role in TASK_SENDERS and area.path.startswith(g.path):
            return g.role
    raise PermissionDenied("您无权向该区域交办 / You may not send work down to this area.",
                           code="task.not_permitted")


def clean_checklist(items) -> list[str]:
    out = [str(t).strip()[:200] for t in (items or []) if str(t).strip()]
    if len(out) > MAX_ITEMS:
        raise ValidationFailed(f"清单最多 {MAX_ITEMS} 项 / At most {MAX_ITEMS} checklist items.",
                               code="task.checklist_too_long", fields={"checklist": MAX_ITEMS})
    return out


def task_create(*, actor, area: Area, category: MatterCategory, title: str, due_at: dt.datetime,
                description: str = "", checklist: list[str] | None = None,
                urgency: str = Urgency.NORMAL) -> tuple[Event, str]:
    """Create a task for ``area`` (a village/community or grid): accepted, held by its town,
    handling clock due at ``due_at``, with its checklist. Returns ``(event, sender role)``.
    Call inside the transaction that sends it down (dispatching)."""
    from .intake import _next_number, check_content  # the one numbering and content check of new events

    if area.level not in AREA_LEVELS or area.valid_to is not None:
        raise ValidationFailed("只能交办到村社区或网格 / Work goes down to a village/community or a grid.",
                               code="task.area_level", fields={"area_id": area.level})
    role = sender_role(actor, area)
    title = check_content(title=title, description=description, category=category)
    if urgency not in Urgency.values:
        raise ValidationFailed("紧急程度无效 / Invalid urgency.", code="event.invalid_choice")
    now = timezone.now()
    if due_at <= now:
        raise ValidationFailed("期限须晚于现在 / The deadline must be in the future.", code="task.due_in_past",
                               fields={"due_at": "past"})
    items = clean_checklist(checklist)
    chain = {a.level: a for a in Area.objects.filter(pk__in=[int(x) for x in area.path.strip("/").split("/")])}
    town = chain[AreaLevel.TOWN]
    event = Event.objects.create(
        number=_next_number(town, timezone.localtime(now).year), status=EventStatus.ACCEPTED,
        level=HandlingLevel.TOWN, town=town, community=chain.get(AreaLevel.COMMUNITY),
        grid=chain.get(AreaLevel.GRID), area_path=area.path, lon=None, lat=None, address=area.name,
        location_status=LocationStatus.UNPLACED, category=category, board_kind=category.board_kind,
        title=title[:120], description=description or "", urgency=urgency, channel=EventChannel.CENTER,
        source=EventSource.SENT_DOWN, reporter=actor, reporter_name=str(actor) if actor else "",
        reported_at=now, accepted_at=now, due_at=due_at)
    EventActivity.objects.create(event=event, action="report", to_status=EventStatus.REPORTED, actor=actor,
                                 actor_role=role, at=now,
                                 data={"channel": EventChannel.CENTER, "source": EventSource.SENT_DOWN,
                                       "area": area.pk})
    EventActivity.objects.create(event=event, action="accept", from_status=EventStatus.REPORTED,
                                 to_status=EventStatus.ACCEPTED, actor=actor, actor_role=role, at=now,
                                 data={"task": True})
    ChecklistItem.objects.bulk_create([ChecklistItem(event=event, order=i, text=t) for i, t in enumerate(items)])
    clock_start(event=event, kind="handle", start=now, due_at=due_at, unit="calendar_hours", fresh=True)
    return event, role


def checklist_tick(*, event: Event, actor, item_ids, at) -> list[int]:
    """Tick the items ``item_ids`` of ``event``'s checklist (done by ``actor`` at ``at``); 422 for
    an id that is not one of its items. The ids ticked now (already ticked ones are kept)."""
    ids = {int(i) for i in (item_ids or [])}
    if not ids:
        return []
    items = {i.pk: i for i in ChecklistItem.objects.filter(event=event, pk__in=ids)}
    if len(items) != len(ids):
        raise ValidationFailed("清单项不存在 / Unknown checklist item.", code="task.checklist_item_unknown",
                               fields={"checked": sorted(ids - set(items))})
    fresh = [pk for pk, i in items.items() if i.done_at is None]
    ChecklistItem.objects.filter(pk__in=fresh).update(done_at=at, done_by=actor)
    return sorted(fresh)
