"""Sending work down (交办/下派): the town's command center gives an event to a village/community
or a grid of its town (``send_down``), or creates a stand-alone task with a deadline and a
checklist for one (:func:`task_send_down`, the center or a board leader). Either way the area is
the assignment's handler (:mod:`..handlers`): its community staff or grid workers sign for,
return, handle and feed back through the same rows as any handler, and the sender verifies.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from jiewang.areas.choices import AreaLevel
from jiewang.areas.models import Area
from jiewang.audit.services import audit_record
from jiewang.core.errors import NotFound, ValidationFailed
from jiewang.core.scope import Action, restrict
from jiewang.events.choices import HandlingLevel, Urgency
from jiewang.events.models import Event, MatterCategory
from jiewang.events.registry import authorize
from jiewang.events.services.clocks import clock_start
from jiewang.events.services.tasks import AREA_LEVELS, task_create
from jiewang.events.services.transition import event_transition

from ..gate import ensure_admitted
from ..models import Assignment, AssignmentRole


def resolve_area(*, actor, area_id: int) -> Area:
    """The village/community or grid named by id, in the actor's scope (else 404)."""
    qs = Area.objects.filter(pk=area_id)
    area = (restrict(qs, actor, Action.VIEW) if actor is not None else qs).first()
    if area is None:
        raise NotFound("区域不存在 / Area not found.", code="area.not_found")
    return area


def _check_area(event: Event, area: Area) -> None:
    if area.level not in AREA_LEVELS or area.valid_to is not None:
        raise ValidationFailed("只能交办到村社区或网格 / Work goes down to a village/community or a grid.",
                               code="task.area_level", fields={"area_id": area.level})
    if not area.path.startswith(event.town.path):
        raise ValidationFailed("该区域不属于事件所属镇街 / The area belongs to another town.",
                               code="task.area_out_of_town", fields={"area_id": area.pk})


@transaction.atomic
def event_send_down(*, event: Event, actor, area: Area, instructions: str = "",
                    expected_version: int | None = None, role: str | None = None, admission=None,
                    duty_item_id: int | None = None) -> Assignment:
    """交办: give an accepted event to a village/community or grid of its town (the lead
    assignment, handler = the area). The event is held at the area's level from now on, so its
    community staff (or grid workers) feed back; its sign-for clock starts. The push passes the
    duty admission gate first (:mod:`..gate`: ``admission`` is the pass of a task pushed through
    it, ``duty_item_id`` the duty an existing event is sent down under)."""
    if role is None:
        role = authorize("send_down", actor=actor, event=event)
    _check_area(event, area)
    ensure_admitted(actor=actor, area=area, event=event, admission=admission, duty_item_id=duty_item_id)
    now = timezone.now()
    level = HandlingLevel.COMMUNITY if area.level == AreaLevel.COMMUNITY else HandlingLevel.GRID
    event, _ = event_transition(event=event, action="send_down", actor=actor, role=role, comment=instructions,
                                expected_version=expected_version, at=now, changes={"level": level},
                                data={"area": area.name, "area_id": area.pk})
    a = Assignment.objects.create(event=event, area=area, role=AssignmentRole.LEAD, instructions=instructions,
                                  dispatched_by=actor, dispatched_at=now)
    clock_start(event=event, kind="sign", start=now, subject=a)
    from ..notify import notify_assignments

    notify_assignments(event, "send_down")
    return a


@transaction.atomic
def task_send_down(*, actor, area: Area, category: MatterCategory, title: str, due_at: dt.datetime,
                   description: str = "", checklist: list[str] | None = None, urgency: str = Urgency.NORMAL,
                   instructions: str = "", admission=None) -> Assignment:
    """A stand-alone task (交办任务) for ``area`` with a deadline and a checklist: created as an
    event sent down (``source = sent_down``) and given to the area at once. Only with the pass
    (``admission``) of the duty admission gate (:mod:`..gate`; the push service of
    ``jiewang.admission`` holds it): without one, 409 ``admission.not_admitted`` and nothing is
    created. 404 for an area the actor cannot see, 403 without a sender's role above it, 422
    for bad input."""
    ensure_admitted(actor=actor, area=area, admission=admission)
    event, role = task_create(actor=actor, area=area, category=category, title=title, due_at=due_at,
                              description=description, checklist=checklist, urgency=urgency)
    audit_record(actor=actor, action="task.create", obj=event,
                 data={"area": area.pk, "due_at": due_at.isoformat(), "items": event.checklist.count()})
    return event_send_down(event=event, actor=actor, area=area, instructions=instructions or description,
                           role=role, admission=admission)
