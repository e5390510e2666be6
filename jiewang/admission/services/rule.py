"""The admission rule (准入规则): may this push reach this village/community or grid?

A push is **admitted** when it cites an item of the duty list in force (published, of the target
area's district) whose level is the target's (``community`` for a village/community, ``grid`` for
a grid or micro-grid) and which allows the pusher: the department the pusher works for, the
town's offices (command center, boards, posts), or the district. Anything else is **held** for
the town's command center with the reasons (:data:`REASONS`). Work for a town's own boards and
posts is not a push (it is dispatch) and is not gated.

:func:`check_push` is the checker dispatching's gate calls (``jiewang.dispatching.gate``) on every
assignment to an area: a new task needs the pass of :func:`..pushing.task_push` (a push that was
admitted or approved and is not delivered yet); an existing event sent down needs either to lie
in the target area (the grid's standing duty of handling what happens in it), a passed push of
the same level (a returned task sent to another area), or an admitted item cited (recorded as an
admitted push); else 409 ``admission.not_admitted``.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils import timezone

from jiewang.accounts.choices import Role
from jiewang.areas.choices import AreaLevel
from jiewang.areas.models import Area
from jiewang.core.errors import Conflict, NotFound
from jiewang.core.scope import Action, restrict, user_grants
from jiewang.events.choices import EventSource
from jiewang.events.services.tasks import TASK_SENDERS

from ..choices import PASSED, DutyLevel, ListStatus, PusherKind, PushStatus
from ..models import DutyItem, DutyList, PushRequest

REASONS = {
    "no_item": "未引用准入事项 / No admitted duty cited.",
    "no_list": "本区县尚无现行准入清单 / The district has no list in force.",
    "item_not_in_force": "所引事项不属于现行清单 / The item is not in the list in force.",
    "level_not_admitted": "该事项不准入此层级 / The item is not admitted at this level.",
    "pusher_not_admitted": "该事项不允许此部门下派 / The item does not allow this pusher.",
}


@dataclass(frozen=True)
class Capacity:
    """In what capacity the actor pushes: its role, the kind of pusher, its department."""

    role: str
    kind: str
    department_id: int | None = None


def duty_level(area: Area) -> str:
    return DutyLevel.COMMUNITY if area.level == AreaLevel.COMMUNITY else DutyLevel.GRID


def district_of(area: Area) -> Area | None:
    ids = [int(x) for x in area.path.strip("/").split("/") if x]
    return Area.objects.filter(pk__in=ids, level=AreaLevel.DISTRICT).first()


def list_in_force(district: Area | None) -> DutyList | None:
    if district is None:
        return None
    return DutyList.objects.filter(district=district, status=ListStatus.PUBLISHED).first()


def capacities(actor, area: Area) -> list[Capacity]:
    """The actor's sender grants above ``area``, as pusher capacities (departments first)."""
    if actor is None or actor.is_superuser:
        return [Capacity("system" if actor is None else "superuser", PusherKind.DISTRICT)]
    out = []
    for g in user_grants(actor):
        if g.role not in TASK_SENDERS or not area.path.startswith(g.path):
            continue
        if g.role == Role.DEPARTMENT_STAFF:
            out.append(Capacity(g.role, PusherKind.DEPARTMENT, g.department_id))
        elif g.role == Role.DISTRICT_ADMIN:
            out.append(Capacity(g.role, PusherKind.DISTRICT))
        else:
            out.append(Capacity(g.role, PusherKind.TOWN))
    return out


def allows(item: DutyItem, cap: Capacity) -> bool:
    if cap.kind == PusherKind.DEPARTMENT:
        return cap.department_id in {d.pk for d in item.departments.all()}
    return item.by_town if cap.kind == PusherKind.TOWN else item.by_district


def cited_item(actor, duty_item_id: int | None) -> DutyItem | None:
    """The item named by id, if the actor may read it (else 404 ``admission.item_not_found``)."""
    if duty_item_id is None:
        return None
    qs = DutyItem.objects.filter(pk=duty_item_id).select_related("duty_list")
    item = (restrict(qs, actor, Action.VIEW) if actor is not None else qs).first()
    if item is None:
        raise NotFound("准入事项不存在 / Duty item not found.", code="admission.item_not_found",
                       fields={"duty_item_id": duty_item_id})
    return item


@dataclass
class Verdict:
    """The rule's answer for one push: admitted or not, the capacity it goes in, and why held."""

    admitted: bool
    capacity: Capacity
    item: DutyItem | None
    in_force: DutyList | None
    reasons: list[str]


def judge(*, actor, area: Area, item: DutyItem | None) -> Verdict:
    """Apply the rule to a push of ``item`` (or none) by ``actor`` to ``area``."""
    caps = capacities(actor, area)
    fallback = caps[0] if caps else Capacity("", PusherKind.TOWN)
    in_force = list_in_force(district_of(area))
    if in_force is None:
        return Verdict(False, fallback, item, None, ["no_list"] + ([] if item else ["no_item"]))
    if item is None:
        return Verdict(False, fallback, None, in_force, ["no_item"])
    reasons = []
    if item.duty_list_id != in_force.pk:
        reasons.append("item_not_in_force")
    if item.level != duty_level(area):
        reasons.append("level_not_admitted")
    allowed = [c for c in caps if allows(item, c)]
    if not allowed:
        reasons.append("pusher_not_admitted")
    return Verdict(not reasons, allowed[0] if allowed else fallback, item, in_force, reasons)


def not_admitted(reasons: list[str] | None = None) -> Conflict:
    text = "；".join(REASONS[r].split(" / ")[0] for r in reasons or [])
    return Conflict(f"未经职责事项准入，不得下派到村社区或网格{('：' + text) if text else ''} / Work reaches a "
                    "village/community or grid only through the duty admission list (cite an admitted duty, "
                    "or push a task to be held for the command center).", code="admission.not_admitted",
                    fields={"reasons": reasons or []})


def check_push(*, actor, area: Area, event=None, admission=None, duty_item_id: int | None = None) -> None:
    """The checker of dispatching's gate (see the module docstring)."""
    if admission is not None:
        ok = PushRequest.objects.filter(pk=getattr(admission, "pk", None), status__in=PASSED, area=area)
        if event is None:
            ok = ok.filter(event__isnull=True)
        if not ok.exists():
            raise not_admitted()
        return
    if event is None:
        raise not_admitted(["no_item"])
    if event.area_path.startswith(area.path) and event.source != EventSource.SENT_DOWN:
        return
    if event.source == EventSource.SENT_DOWN and PushRequest.objects.filter(
            event=event, status__in=PASSED, area__level=area.level).exists():
        return
    item = cited_item(actor, duty_item_id)
    verdict = judge(actor=actor, area=area, item=item)
    if not verdict.admitted:
        raise not_admitted(verdict.reasons)
    _record_event_push(actor=actor, area=area, event=event, verdict=verdict)


def _record_event_push(*, actor, area: Area, event, verdict: Verdict) -> None:
    """An existing event sent down under a cited duty: an admitted push, so the burden report
    counts it (the event already exists, so it is delivered at once)."""
    from jiewang.audit.services import audit_record

    now = timezone.now()
    cap, item = verdict.capacity, verdict.item
    push = PushRequest.objects.create(
        town_id=event.town_id, area=area, area_path=area.path, status=PushStatus.ADMITTED,
        pushed_by=actor if getattr(actor, "pk", None) else None, pusher_role=cap.role, pusher_kind=cap.kind,
        department_id=cap.department_id, duty_item=item, list_version=verdict.in_force.version,
        category_id=event.category_id, title=event.title[:120], description=event.description,
        due_at=event.due_at or now, urgency=event.urgency, form=item.form, expected_hours=item.expected_hours,
        pushed_at=now, admitted_at=now, delivered_at=now, event=event)
    audit_record(actor=actor, action="push.admit", obj=push, data={"event": event.number, "item": item.code})


def item_choices(ctx):
    """The items of the list in force over the event's town, for the ``send_down`` form."""
    in_force = list_in_force(district_of(ctx.event.town))
    items = list(in_force.items.order_by("code")) if in_force else []
    return [("", "—")] + [(str(i.pk), f"{i.code} {i.name} ({i.get_level_display()})") for i in items], ""
