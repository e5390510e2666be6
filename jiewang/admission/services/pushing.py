"""Pushing a task down (下派任务) through the duty admission list, and the command center's
decision on a held one.

:func:`task_push` is the one way a task reaches a village/community or grid: it validates the
task as :func:`jiewang.events.services.tasks.task_create` would, applies the rule
(:mod:`.rule`) and writes a :class:`~..models.PushRequest`. Admitted, the task is delivered at
once (dispatching's ``task_send_down`` with this push as its pass: the event, its checklist,
its deadline clock, the area's assignment and notifications). Held, nothing is created but the
request; the town's command center is told, and :func:`push_approve` delivers it (as the
pusher's task) or :func:`push_refuse` ends it, and the pusher is told either way. A refused
push never has an event, so no grid worker ever sees it.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils import timezone

from jiewang.accounts.models import RoleGrant
from jiewang.areas.choices import AreaLevel
from jiewang.areas.models import Area
from jiewang.audit.services import audit_record
from jiewang.core.errors import Conflict, PermissionDenied, ValidationFailed
from jiewang.core.scope import Action, ensure_allowed
from jiewang.events.choices import Urgency
from jiewang.events.models import MatterCategory
from jiewang.events.services.tasks import AREA_LEVELS, clean_checklist, sender_role
from jiewang.notifications.services import notify

from ..choices import PushStatus
from ..lifecycle import PUSH
from ..models import PushRequest
from ..permissions import DECIDERS
from .forms import clean_form, prefill
from .rule import cited_item, judge

MAX_HOURS = Decimal("999")


def _check_task(*, area: Area, category: MatterCategory, title: str, description: str, due_at: dt.datetime,
                urgency: str) -> str:
    from jiewang.events.services.intake import check_content

    if area.level not in AREA_LEVELS or area.valid_to is not None:
        raise ValidationFailed("只能交办到村社区或网格 / Work goes down to a village/community or a grid.",
                               code="task.area_level", fields={"area_id": area.level})
    title = check_content(title=title, description=description, category=category)
    if urgency not in Urgency.values:
        raise ValidationFailed("紧急程度无效 / Invalid urgency.", code="event.invalid_choice")
    if due_at <= timezone.now():
        raise ValidationFailed("期限须晚于现在 / The deadline must be in the future.", code="task.due_in_past",
                               fields={"due_at": "past"})
    return title


def _hours(value) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        h = Decimal(str(value)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        h = Decimal(-1)
    if not Decimal(0) <= h <= MAX_HOURS:
        raise ValidationFailed("预计工时无效 / Invalid expected hours.", code="admission.bad_hours",
                               fields={"expected_hours": str(value)})
    return h


def _town(area: Area) -> Area:
    ids = [int(x) for x in area.path.strip("/").split("/") if x]
    return Area.objects.get(pk__in=ids, level=AreaLevel.TOWN)


@transaction.atomic
def task_push(*, actor, area: Area, category: MatterCategory, title: str, due_at: dt.datetime,
              description: str = "", checklist: list[str] | None = None, urgency: str = Urgency.NORMAL,
              duty_item_id: int | None = None, form: list | None = None, expected_hours=None,
              instructions: str = "") -> PushRequest:
    """Push a task to ``area`` (a village/community or grid). Admitted (it cites an item of the
    list in force allowing the pusher and the level): delivered at once. Otherwise held for the
    town's command center. 404 for an area or item the actor cannot see, 403 without a sender's
    role above the area, 422 for bad input — nothing written then."""
    role = sender_role(actor, area)
    title = _check_task(area=area, category=category, title=title, description=description, due_at=due_at,
                        urgency=urgency)
    items = clean_checklist(checklist)
    item = cited_item(actor, duty_item_id)
    verdict = judge(actor=actor, area=area, item=item)
    fields = clean_form(form if form is not None else (item.form if item else []))
    hours = _hours(expected_hours)
    if hours is None:
        hours = item.expected_hours if item else Decimal(0)
    now = timezone.now()
    cap = verdict.capacity
    push = PushRequest.objects.create(
        town=_town(area), area=area, area_path=area.path,
        status=PushStatus.ADMITTED if verdict.admitted else PushStatus.HELD,
        pushed_by=actor if getattr(actor, "pk", None) else None, pusher_role=cap.role or role,
        pusher_kind=cap.kind, department_id=cap.department_id, duty_item=item,
        list_version=verdict.in_force.version if verdict.in_force else None, reasons=verdict.reasons,
        category=category, title=title[:120], description=description or instructions or "", due_at=due_at,
        urgency=urgency, checklist=items, form=fields, expected_hours=hours, pushed_at=now,
        admitted_at=now if verdict.admitted else None, held_at=None if verdict.admitted else now)
    audit_record(actor=actor, action="push.create", obj=push,
                 data={"status": push.status, "area": area.pk, "item": item.code if item else None,
                       "list_version": push.list_version, "reasons": verdict.reasons})
    if verdict.admitted:
        _deliver(push, actor=actor)
    else:
        notify(users=deciders(push.town), kind="push.held", title=f"待审核下派任务：{push.title}"[:200],
               body=f"{area.name}（{'；'.join(verdict.reasons)}）", url=f"/admission/held/#push-{push.pk}")
    return push


def deciders(town: Area):
    """The town's command center: commander, deputy commanders, operators."""
    from jiewang.accounts.models import User

    holders = RoleGrant.objects.active().filter(area=town, role__in=DECIDERS).values("user_id")
    return list(User.objects.filter(pk__in=holders, is_active=True))


def _deliver(push: PushRequest, *, actor) -> None:
    """Create the task event and send it down (the push is dispatching's pass), then pre-fill
    a data-collection form from base data."""
    from jiewang.dispatching.services.sending import task_send_down

    a = task_send_down(actor=actor, area=push.area, category=push.category, title=push.title,
                       description=push.description, due_at=push.due_at, checklist=push.checklist,
                       urgency=push.urgency, admission=push)
    push.event = a.event
    push.delivered_at = timezone.now()
    push.save(update_fields=["event", "delivered_at"])
    prefill(push)


def _decidable(actor, push: PushRequest, name: str) -> None:
    ensure_allowed(actor, Action.CHANGE, push)
    PUSH.check(name, push.status)
    if actor is not None and push.pushed_by_id == actor.pk and not actor.is_superuser:
        raise PermissionDenied("不能审核自己下派的任务 / You may not decide your own push.",
                               code="push.own_request")


@transaction.atomic
def push_approve(*, actor, push: PushRequest, comment: str = "") -> PushRequest:
    """审核通过: the command center lets a held push through; the task is delivered now, as the
    pusher's. 409 when already decided or past its deadline."""
    push = PushRequest.objects.select_for_update().get(pk=push.pk)
    _decidable(actor, push, "approve")
    if push.due_at <= timezone.now():
        raise Conflict("任务期限已过，无法下派 / The task's deadline has passed.", code="push.due_passed")
    now = timezone.now()
    PUSH.apply(push, "approve", at=now)
    push.decided_by, push.decision_comment = actor, (comment or "").strip()[:2000]
    push.save(update_fields=["decided_by", "decision_comment"])
    audit_record(actor=actor, action="push.approve", obj=push, data={"comment": push.decision_comment})
    _deliver(push, actor=push.pushed_by)
    notify(users=[push.pushed_by], kind="push.approved", title=f"下派任务已审核通过：{push.title}"[:200],
           body=push.decision_comment, event_number=push.event.number)
    return push


@transaction.atomic
def push_refuse(*, actor, push: PushRequest, reason: str) -> PushRequest:
    """不予准入: the command center refuses a held push, with a reason; no task is ever created."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed("请填写理由 / A reason is required.", code="validation_failed",
                               fields={"reason": "required"})
    push = PushRequest.objects.select_for_update().get(pk=push.pk)
    _decidable(actor, push, "refuse")
    PUSH.apply(push, "refuse", at=timezone.now())
    push.decided_by, push.decision_comment = actor, reason[:2000]
    push.save(update_fields=["decided_by", "decision_comment"])
    audit_record(actor=actor, action="push.refuse", obj=push, data={"reason": push.decision_comment})
    notify(users=[push.pushed_by], kind="push.refused", title=f"下派任务不予准入：{push.title}"[:200],
           body=push.decision_comment)
    return push
