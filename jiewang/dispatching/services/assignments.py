"""Dispatch to a lead (a post of the town's boards or a department) and assisting departments,
sign-for, return with reason,
an assisting department's own feedback, dispute and arbitration, redispatch (transfer), and
extension requests.

Every service authorizes its actor first through the action registry
(:func:`jiewang.events.registry.authorize`: 404 outside scope, 403 without the role, 409 in the
wrong state), then checks its input, then writes: statuses only through :func:`.moves.move`,
clocks only through the events app's clock service.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from jiewang.accounts.models import Department, Post
from jiewang.core.errors import NotFound, ValidationFailed
from jiewang.events.choices import EventSource, HandlingLevel
from jiewang.events.models import Event
from jiewang.events.registry import authorize
from jiewang.events.services.clocks import clock_start, clock_stop
from jiewang.events.services.transition import event_note, event_transition

from ..handlers import handler_name
from ..models import OPEN_ASSIGNMENT, Assignment, AssignmentRole, ExtensionRequest, ExtensionStatus
from .moves import move


def _reason(text: str, code: str = "dispatch.reason_required") -> str:
    text = (text or "").strip()
    if not text:
        raise ValidationFailed("请填写原因 / A reason is required.", code=code, fields={"comment": "required"})
    return text


def resolve_targets(*, actor, lead: str = "", lead_department_id: int | None = None,
                    lead_post_id: int | None = None,
                    assist_department_ids: list[int] | None = None) -> tuple[Department | Post, list[Department]]:
    """The lead (a post of the town's boards or a department: ``lead`` = ``"post:ID"`` /
    ``"department:ID"``, or one of the two ids) and the assisting departments named by id, looked
    up in the actor's scope (an id it cannot see is not found)."""
    from jiewang.accounts import selectors as account_selectors
    from jiewang.core.scope import Action, restrict

    if lead:
        if lead_department_id is not None or lead_post_id is not None:
            raise ValidationFailed("主办须为一个部门或一个岗位 / Name one lead: a department or a post.",
                                   code="dispatch.lead_required", fields={"lead": "one lead"})
        kind, _sep, ident = lead.partition(":")
        lead_department_id, lead_post_id = (int(ident), None) if kind == "department" else (None, int(ident))
    if (lead_department_id is None) == (lead_post_id is None):
        raise ValidationFailed("主办须为一个部门或一个岗位 / Name one lead: a department or a post.",
                               code="dispatch.lead_required", fields={"lead_department_id": "required"})
    depts = account_selectors.department_list(user=actor) if actor is not None else Department.objects.all()
    if lead_department_id is not None:
        lead = depts.filter(pk=lead_department_id).first()
    else:
        posts = Post.objects.select_related("board")
        lead = (restrict(posts, actor, Action.VIEW) if actor is not None else posts).filter(pk=lead_post_id).first()
    if lead is None:
        raise NotFound("主办单位不存在 / Lead not found.", code="dispatch.lead_not_found")
    wanted = [i for i in (assist_department_ids or []) if not (isinstance(lead, Department) and i == lead.pk)]
    assists = list(depts.filter(pk__in=wanted))
    if len(assists) != len(set(wanted)):
        raise NotFound("协办部门不存在 / An assisting department was not found.", code="dispatch.assist_not_found")
    return lead, assists


def _check_targets(event: Event, lead, assists: list[Department]) -> None:
    # The lead counts too: one open assignment per department (a database constraint).
    ids = [d.pk for d in assists] + ([lead.pk] if isinstance(lead, Department) else [])
    if len(set(ids)) != len(ids):
        raise ValidationFailed("主办与协办不能重复 / Lead and assisting must differ.", code="dispatch.duplicate_target")
    town_path = event.town.path
    for d in ([lead] if isinstance(lead, Department) else []) + list(assists):
        dept_path = d.area.path
        # A department of the event's town, of a level above it (district, city), nothing else.
        if not (town_path.startswith(dept_path) or dept_path.startswith(town_path)) or not d.is_active:
            raise ValidationFailed(f"{d.name} 不能承办本辖区事件 / {d.name} does not serve this area.",
                                   code="dispatch.department_out_of_area")
    if isinstance(lead, Post) and lead.board.town_id != event.town_id:
        raise ValidationFailed("岗位不属于本镇街 / The post belongs to another town.", code="dispatch.post_out_of_area")


def _create_assignments(event, lead, assists, actor, instructions, now, *, again: bool) -> list[Assignment]:
    made = [Assignment.objects.create(
        event=event, role=AssignmentRole.LEAD, instructions=instructions, dispatched_by=actor, dispatched_at=now,
        department=lead if isinstance(lead, Department) else None, post=lead if isinstance(lead, Post) else None,
    )]
    for d in assists:
        made.append(Assignment.objects.create(event=event, department=d, role=AssignmentRole.ASSIST,
                                              instructions=instructions, dispatched_by=actor, dispatched_at=now))
    for a in made:
        clock_start(event=event, kind="sign", start=now, subject=a)
    from ..notify import notify_assignments

    notify_assignments(event, "redispatch" if again else "dispatch")
    return made


@transaction.atomic
def event_dispatch(*, event: Event, actor, lead: Department | Post, assists: list[Department] | None = None,
                   instructions: str = "", expected_version: int | None = None) -> list[Assignment]:
    """派遣: give an accepted event to one lead (主办) and any assisting departments (协办)."""
    role = authorize("dispatch", actor=actor, event=event)
    assists = list(assists or [])
    _check_targets(event, lead, assists)
    now = timezone.now()
    event, _ = event_transition(event=event, action="dispatch", actor=actor, role=role, comment=instructions,
                                expected_version=expected_version, at=now, changes={"level": HandlingLevel.DEPARTMENT},
                                data={"lead": str(lead), "assists": [d.name for d in assists]})
    again = Assignment.objects.filter(event=event).exists()
    return _create_assignments(event, lead, assists, actor, instructions, now, again=again)


@transaction.atomic
def event_redispatch(*, event: Event, actor, lead: Department | Post, assists: list[Department] | None = None,
                     reason: str, expected_version: int | None = None, action: str = "redispatch",
                     role: str | None = None) -> list[Assignment]:
    """改派/转办: withdraw the open assignments (they follow the move) and dispatch anew. Also
    the second half of an arbitration that redispatches (``role`` already authorized)."""
    if role is None:
        role = authorize(action, actor=actor, event=event)
    reason = _reason(reason)
    assists = list(assists or [])
    _check_targets(event, lead, assists)
    now = timezone.now()
    event, _ = event_transition(event=event, action="redispatch", actor=actor, role=role, comment=reason, at=now,
                                expected_version=expected_version, changes={"level": HandlingLevel.DEPARTMENT},
                                data={"lead": str(lead), "assists": [d.name for d in assists]})
    # The withdrawn lead did not finish: its handling clock is cancelled, not met; the new lead's
    # starts when it signs for the event.
    clock_stop(event=event, kinds=["handle"], state="cancelled", at=now)
    return _create_assignments(event, lead, assists, actor, reason, now, again=True)


def _locked(assignment: Assignment) -> Assignment:
    # Lock the assignment only: PostgreSQL refuses FOR UPDATE on the nullable side of the outer
    # join that select_related("department") makes (an assignment to a post has no department).
    return Assignment.objects.select_for_update(of=("self",)).select_related("event", "department", "post__board",
                                                                             "area").get(pk=assignment.pk)


@transaction.atomic
def assignment_sign(*, assignment: Assignment, actor) -> Assignment:
    """签收. The lead's sign-for moves the event into handling (its handling clock starts); an
    assisting department's only stops its own clock."""
    a = _locked(assignment)
    role = authorize("sign", actor=actor, event=a.event, subject=a)
    now = timezone.now()
    move(a, "sign", at=now, changes={"signed_by": actor})
    if a.role == AssignmentRole.LEAD:
        event, _ = event_transition(event=a.event, action="sign", actor=actor, role=role, at=now,
                                    data={"assignment": a.pk})
        # A task sent down keeps the deadline its sender gave; other work gets the category's.
        if event.source != EventSource.SENT_DOWN or event.due_at is None:
            clock_start(event=event, kind="handle", start=now)
    else:
        event_note(event=a.event, action="assist_sign", actor=actor, role=role,
                   data={"assignment": a.pk, "department": handler_name(a)}, at=now)
    return a


@transaction.atomic
def assignment_return(*, assignment: Assignment, actor, reason: str) -> Assignment:
    """退回: a wrong dispatch goes back to the command center with a reason. The lead's return
    sends the whole event back for re-dispatch (every open assignment is withdrawn); an assisting
    department just leaves."""
    a = _locked(assignment)
    role = authorize("return", actor=actor, event=a.event, subject=a)
    reason = _reason(reason)
    now = timezone.now()
    if a.role == AssignmentRole.LEAD:
        event_transition(event=a.event, action="return", actor=actor, role=role, comment=reason, at=now,
                         changes={"level": HandlingLevel.TOWN}, data={"assignment": a.pk})
        for other in Assignment.objects.select_for_update().filter(event=a.event, status__in=OPEN_ASSIGNMENT) \
                .exclude(pk=a.pk).select_related("event"):
            move(other, "withdraw", at=now)
    else:
        event_note(event=a.event, action="assist_return", actor=actor, role=role, comment=reason,
                   data={"assignment": a.pk}, at=now)
    move(a, "return", at=now, changes={"return_reason": reason, "closed_at": now})
    return a


@transaction.atomic
def assignment_feedback(*, assignment: Assignment, actor, comment: str) -> Assignment:
    """协办反馈: an assisting department reports its part done (the lead's feedback is the event's
    own ``feedback`` action)."""
    a = _locked(assignment)
    role = authorize("assist_feedback", actor=actor, event=a.event, subject=a)
    comment = _reason(comment, "dispatch.feedback_required")
    now = timezone.now()
    move(a, "feedback", at=now, changes={"feedback": comment})
    event_note(event=a.event, action="assist_feedback", actor=actor, role=role, comment=comment,
               data={"assignment": a.pk, "department": handler_name(a)}, at=now)
    return a


@transaction.atomic
def assignment_dispute(*, assignment: Assignment, actor, reason: str) -> Assignment:
    """争议: a department that signed for an event disputes its responsibility; the command
    center must arbitrate (:func:`event_arbitrate`). The clocks keep running meanwhile."""
    a = _locked(assignment)
    role = authorize("dispute", actor=actor, event=a.event, subject=a)
    reason = _reason(reason)
    now = timezone.now()
    a.disputed_at, a.dispute_reason, a.arbitrated_at = now, reason, None
    a.save(update_fields=["disputed_at", "dispute_reason", "arbitrated_at"])
    event_note(event=a.event, action="dispute", actor=actor, role=role, comment=reason,
               data={"assignment": a.pk, "department": handler_name(a) or None}, at=now)
    from jiewang.events.notify import users_with_role
    from jiewang.notifications.services import notify

    notify(users=users_with_role(a.event, ["town_operator"]), kind="assignment.dispute",
           title=f"承办方申请仲裁：{a.event.title}", body=reason, event_number=a.event.number,
           url=f"/events/{a.event.number}/")
    return a


@transaction.atomic
def event_arbitrate(*, event: Event, actor, assignment: Assignment, keep: bool, reason: str,
                    lead: Department | Post | None = None, assists: list[Department] | None = None,
                    expected_version: int | None = None) -> list[Assignment]:
    """仲裁: the command center rules on a disputed assignment: ``keep`` the department
    responsible, or redispatch to ``lead`` (and ``assists``)."""
    a = Assignment.objects.select_for_update().get(pk=assignment.pk)
    role = authorize("arbitrate", actor=actor, event=event, subject=a)
    reason = _reason(reason)
    now = timezone.now()
    if keep:
        a.arbitrated_at = now
        a.save(update_fields=["arbitrated_at"])
        event_note(event=event, action="arbitrate", actor=actor, role=role, comment=reason, at=now,
                   data={"assignment": a.pk, "ruling": "keep"})
        return [a]
    if lead is None:
        raise ValidationFailed("改派须指定主办 / Name the new lead.", code="dispatch.lead_required",
                               fields={"lead_department_id": "required"})
    Assignment.objects.filter(pk=a.pk).update(arbitrated_at=now)
    made = event_redispatch(event=event, actor=actor, lead=lead, assists=assists, reason=f"仲裁：{reason}",
                            expected_version=expected_version, role=role)
    event_note(event=event, action="arbitrate", actor=actor, role=role, comment=reason,
               data={"assignment": a.pk, "ruling": "redispatch", "lead": str(lead)})
    return made


@transaction.atomic
def extension_request(*, event: Event, actor, requested_due_at: dt.datetime, reason: str) -> ExtensionRequest:
    """延期申请 by the one handling the event."""
    role = authorize("extension", actor=actor, event=event)
    reason = _reason(reason, "extension.reason_required")
    if event.due_at is None or requested_due_at <= event.due_at:
        raise ValidationFailed("新期限须晚于当前期限 / The new deadline must be later than the current one.",
                               code="extension.not_later", fields={"requested_due_at": "not later"})
    locked = Event.objects.select_for_update().get(pk=event.pk)
    if ExtensionRequest.objects.filter(event=locked, status=ExtensionStatus.PENDING).exists():
        from jiewang.core.errors import Conflict

        raise Conflict("已有待审批的延期申请 / An extension request is already pending.", code="extension.pending")
    lead = Assignment.objects.filter(event=event, role=AssignmentRole.LEAD, status__in=OPEN_ASSIGNMENT).first()
    req = ExtensionRequest.objects.create(event=event, assignment=lead, requested_by=actor,
                                          requested_due_at=requested_due_at, reason=reason)
    event_note(event=event, action="extension_request", actor=actor, role=role, comment=reason,
               data={"requested_due_at": requested_due_at.isoformat(), "request": req.pk})
    return req


@transaction.atomic
def extension_decide(*, request: ExtensionRequest, actor, approve: bool, comment: str = "") -> ExtensionRequest:
    """The command center approves (the handling clock is reset to the requested deadline) or
    rejects an extension."""
    req = ExtensionRequest.objects.select_for_update().select_related("event").get(pk=request.pk)
    role = authorize("decide_extension", actor=actor, event=req.event, subject=req)
    now = timezone.now()
    move(req, "approve" if approve else "reject", at=now, changes={"decided_by": actor, "decision_comment": comment})
    if approve:
        clock_start(event=req.event, kind="handle", start=now, due_at=req.requested_due_at, unit="calendar_hours")
    event_note(event=req.event, action="extension_approved" if approve else "extension_rejected", actor=actor,
               role=role, comment=comment, data={"request": req.pk}, at=now)
    return req
