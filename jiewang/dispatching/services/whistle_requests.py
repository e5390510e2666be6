"""Whistle requests (吹哨申请): a grid worker or community staff asks the town command center to
blow the whistle on an event, with the problem and the departments it wants. The center approves
(and blows the whistle itself, to the departments it chooses: the requested ones by default) or
declines with a reason; the requesting level may withdraw a pending request; a request still
pending when the event's work ends lapses (:mod:`..lifecycles`, followed in :mod:`.moves`).

Whether grids and communities may also whistle directly is the district's
:class:`~jiewang.dispatching.models.WhistlePolicy`, set by :func:`whistle_policy_set`.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from jiewang.accounts.choices import Role
from jiewang.accounts.models import Department, RoleGrant, User
from jiewang.areas.choices import AreaLevel
from jiewang.areas.models import Area
from jiewang.audit.services import audit_record
from jiewang.core.errors import Conflict, ValidationFailed
from jiewang.core.scope import Action, ensure_allowed
from jiewang.events.models import Event
from jiewang.events.registry import authorize
from jiewang.events.services.transition import event_note
from jiewang.notifications.services import notify

from ..models import WhistlePolicy, WhistleRequest, WhistleRequestStatus
from . import whistles
from .moves import move


def _center_staff(event: Event) -> list[User]:
    """The town's command center: operators and leaders granted on the event's town."""
    ids = RoleGrant.objects.active().filter(role__in=[Role.TOWN_OPERATOR, Role.TOWN_LEADER], area_id=event.town_id) \
        .values("user_id")
    return list(User.objects.filter(pk__in=ids, is_active=True))


@transaction.atomic
def whistle_request_create(*, event: Event, actor, departments: list[Department], problem: str,
                           urgent: bool = False) -> WhistleRequest:
    """吹哨申请: ask the town center to summon ``departments`` to ``event``. One request may be
    pending per event (409 ``whistle_request.pending``)."""
    role = authorize("request_whistle", actor=actor, event=event)
    problem = whistles.clean_problem(problem)
    whistles.check_departments(event, departments)
    locked = Event.objects.select_for_update(of=("self",)).select_related("town").get(pk=event.pk)
    if WhistleRequest.objects.filter(event=locked, status=WhistleRequestStatus.PENDING).exists():
        raise Conflict("已有待审批的吹哨申请 / A whistle request is already pending.", code="whistle_request.pending")
    level = whistles.ROLE_LEVEL.get(role, "town")
    now = timezone.now()
    req = WhistleRequest.objects.create(event=locked, requested_by=actor, requested_at=now, level=level,
                                        area=whistles.level_area(locked, level), problem=problem, is_urgent=urgent)
    req.departments.set(departments)
    names = [d.name for d in departments]
    event_note(event=locked, action="request_whistle", actor=actor, role=role, comment=problem, at=now,
               data={"request": req.pk, "departments": names, "urgent": urgent})
    audit_record(actor=actor, action="whistle_request.create", obj=req,
                 data={"event": locked.number, "departments": [d.pk for d in departments], "urgent": urgent})
    notify(users=_center_staff(locked), kind="whistle_request.new", title=f"吹哨申请：{problem[:60]}",
           body=f"{locked.number} {req.area.name}：{'、'.join(names)}", event_number=locked.number,
           url=f"/events/{locked.number}/", sms=urgent)
    return req


def _locked(request: WhistleRequest) -> WhistleRequest:
    return WhistleRequest.objects.select_for_update(of=("self",)).select_related("event", "event__town", "area") \
        .get(pk=request.pk)


def _tell_requester(req: WhistleRequest, title: str, body: str) -> None:
    if req.requested_by_id:
        notify(users=[req.requested_by], kind=f"whistle_request.{req.status}", title=title, body=body,
               event_number=req.event.number, url=f"/events/{req.event.number}/")


@transaction.atomic
def whistle_request_approve(*, request: WhistleRequest, actor, departments: list[Department], problem: str = "",
                            urgent: bool | None = None, comment: str = "") -> WhistleRequest:
    """The center approves: it blows the whistle itself (at the town's level) to ``departments``
    (its choice; the requested ones by default on the page), with the request's problem and
    urgency unless it rewrites them."""
    req = _locked(request)
    role = authorize("approve_whistle_request", actor=actor, event=req.event, subject=req)
    problem = whistles.clean_problem(problem or req.problem)
    whistles.check_departments(req.event, departments)
    urgent = req.is_urgent if urgent is None else urgent
    now = timezone.now()
    requested = set(req.departments.values_list("pk", flat=True))
    chosen = {d.pk for d in departments}
    whistle = whistles.blow(event=req.event, actor=actor, role=role, level="town", departments=departments,
                            problem=problem, urgent=urgent, at=now)
    move(req, "approve", at=now, changes={"decided_by": actor, "decision_comment": (comment or "").strip(),
                                          "whistle": whistle})
    data = {"request": req.pk, "whistle": whistle.pk, "added": sorted(chosen - requested),
            "removed": sorted(requested - chosen)}
    event_note(event=req.event, action="approve_whistle_request", actor=actor, role=role, comment=comment, at=now,
               data=data)
    audit_record(actor=actor, action="whistle_request.approve", obj=req, data=data)
    _tell_requester(req, f"吹哨申请已批准：{req.problem[:60]}",
                    f"{req.event.number} 已召集：{'、'.join(d.name for d in departments)}")
    return req


@transaction.atomic
def whistle_request_decline(*, request: WhistleRequest, actor, reason: str) -> WhistleRequest:
    """The center declines, with a reason the requester is told."""
    req = _locked(request)
    role = authorize("decline_whistle_request", actor=actor, event=req.event, subject=req)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed("请填写不予吹哨的原因 / Give the reason for declining.",
                               code="whistle_request.reason_required", fields={"comment": "required"})
    now = timezone.now()
    move(req, "decline", at=now, changes={"decided_by": actor, "decision_comment": reason})
    event_note(event=req.event, action="decline_whistle_request", actor=actor, role=role, comment=reason, at=now,
               data={"request": req.pk})
    audit_record(actor=actor, action="whistle_request.decline", obj=req, data={"reason": reason})
    _tell_requester(req, f"吹哨申请未获批准：{req.problem[:60]}", f"{req.event.number} 原因：{reason}")
    return req


@transaction.atomic
def whistle_request_withdraw(*, request: WhistleRequest, actor, comment: str = "") -> WhistleRequest:
    """The requesting level takes back a request still pending."""
    req = _locked(request)
    role = authorize("withdraw_whistle_request", actor=actor, event=req.event, subject=req)
    now = timezone.now()
    move(req, "withdraw", at=now, changes={"decision_comment": (comment or "").strip()})
    event_note(event=req.event, action="withdraw_whistle_request", actor=actor, role=role, comment=comment, at=now,
               data={"request": req.pk})
    audit_record(actor=actor, action="whistle_request.withdraw", obj=req, data={"comment": comment})
    return req


@transaction.atomic
def whistle_policy_set(*, actor, district: Area, direct_whistle_allowed: bool,
                       expected_version: int | None = None) -> WhistlePolicy:
    """Set whether grids and communities of ``district`` may whistle directly (district
    administrators of it; 404 outside scope, 403 without the role, 409 on a stale version)."""
    if district.level != AreaLevel.DISTRICT:
        raise ValidationFailed("只能为区县设置 / Set it for a district.", code="whistle_policy.not_a_district",
                               fields={"district": "not a district"})
    policy, _created = WhistlePolicy.objects.select_for_update().get_or_create(district=district)
    ensure_allowed(actor, Action.CHANGE, policy)
    if expected_version is not None and expected_version != policy.version:
        raise Conflict("设置已被他人修改，请刷新后重试 / The setting changed since you read it.",
                       code="whistle_policy.stale")
    before = policy.direct_whistle_allowed
    policy.direct_whistle_allowed = bool(direct_whistle_allowed)
    policy.version += 1
    policy.updated_at, policy.updated_by = timezone.now(), actor
    policy.save()
    audit_record(actor=actor, action="whistle_policy.set", obj=policy,
                 data={"district": district.pk, "direct_whistle_allowed": [before, policy.direct_whistle_allowed]})
    return policy
