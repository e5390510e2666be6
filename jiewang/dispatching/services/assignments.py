"""Dispatch to a lead and assisting departments (or a board's post), sign-for, return with reason,
redispatch (transfer or the command center's arbitration), and extension requests."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from jiewang.accounts.models import Department, Post
from jiewang.core.errors import Conflict, PermissionDenied, ValidationFailed
from jiewang.events.choices import HandlingLevel
from jiewang.events.models import Event
from jiewang.events.services.deadlines import deadline_close, deadline_open
from jiewang.events.services.transition import event_note, event_transition, pick_role

from ..models import OPEN_ASSIGNMENT, Assignment, AssignmentRole, AssignmentStatus, ExtensionRequest, ExtensionStatus
from ..permissions import department_ids


def _check_targets(event: Event, lead, assists: list[Department]) -> None:
    if lead is None:
        raise ValidationFailed("须指定主办单位 / A lead is required.", code="dispatch.lead_required")
    ids = [d.pk for d in assists]
    if isinstance(lead, Department) and lead.pk in ids or len(set(ids)) != len(ids):
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


def _create_assignments(event, lead, assists, actor, instructions, now) -> list[Assignment]:
    made = [Assignment.objects.create(
        event=event, role=AssignmentRole.LEAD, instructions=instructions, dispatched_by=actor, dispatched_at=now,
        department=lead if isinstance(lead, Department) else None, post=lead if isinstance(lead, Post) else None,
    )]
    for d in assists:
        made.append(Assignment.objects.create(event=event, department=d, role=AssignmentRole.ASSIST,
                                              instructions=instructions, dispatched_by=actor, dispatched_at=now))
    for a in made:
        deadline_open(event=event, kind="sign", start=now, subject=f"assignment:{a.pk}")
    from ..notify import notify_assignments

    notify_assignments(event, "redispatch" if event.assignments.exclude(pk__in=[a.pk for a in made]).exists()
                       else "dispatch")
    return made


@transaction.atomic
def event_dispatch(*, event: Event, actor, lead: Department | Post, assists: list[Department] | None = None,
                   instructions: str = "", expected_version: int | None = None) -> list[Assignment]:
    """派遣: give an accepted event to one lead (主办) and any assisting departments (协办)."""
    assists = list(assists or [])
    _check_targets(event, lead, assists)
    now = timezone.now()
    event, _ = event_transition(event=event, action="dispatch", actor=actor, comment=instructions,
                                expected_version=expected_version, at=now,
                                changes={"level": HandlingLevel.DEPARTMENT},
                                data={"lead": str(lead), "assists": [d.name for d in assists]})
    return _create_assignments(event, lead, assists, actor, instructions, now)


@transaction.atomic
def event_redispatch(*, event: Event, actor, lead: Department | Post, assists: list[Department] | None = None,
                     reason: str, expected_version: int | None = None) -> list[Assignment]:
    """改派/转办, and the command center's arbitration of a disputed responsibility: withdraw the
    open assignments and dispatch anew."""
    if not (reason or "").strip():
        raise ValidationFailed("请填写原因 / A reason is required.", code="dispatch.reason_required")
    assists = list(assists or [])
    _check_targets(event, lead, assists)
    now = timezone.now()
    event, _ = event_transition(event=event, action="redispatch", actor=actor, comment=reason, at=now,
                                expected_version=expected_version, changes={"level": HandlingLevel.DEPARTMENT},
                                data={"lead": str(lead), "assists": [d.name for d in assists]})
    for a in Assignment.objects.filter(event=event, status__in=OPEN_ASSIGNMENT):
        a.status, a.closed_at = AssignmentStatus.WITHDRAWN, now
        a.save(update_fields=["status", "closed_at"])
        deadline_close(event=event, kinds=["sign"], subject=f"assignment:{a.pk}", state="cancelled", at=now)
    return _create_assignments(event, lead, assists, actor, reason, now)


def _own_assignment(assignment: Assignment, actor) -> Assignment:
    locked = Assignment.objects.select_for_update().select_related("event").get(pk=assignment.pk)
    if actor is not None and not actor.is_superuser:
        from jiewang.core.scope import user_grants

        if locked.department_id not in department_ids(user_grants(actor)):
            raise PermissionDenied("这不是您部门的任务 / This is not your department's assignment.",
                                   code="dispatch.not_your_assignment")
    return locked


@transaction.atomic
def assignment_sign(*, assignment: Assignment, actor) -> Assignment:
    """签收. The lead's sign-for moves the event into handling; an assisting department's only
    stops its own clock."""
    a = _own_assignment(assignment, actor)
    if a.status != AssignmentStatus.DISPATCHED:
        raise Conflict("该任务不在待签收状态 / Not awaiting sign-for.", code="dispatch.not_awaiting_sign")
    now = timezone.now()
    a.status, a.signed_at, a.signed_by = AssignmentStatus.SIGNED, now, actor
    a.save(update_fields=["status", "signed_at", "signed_by"])
    deadline_close(event=a.event, kinds=["sign"], subject=f"assignment:{a.pk}", at=now)
    if a.role == AssignmentRole.LEAD:
        event, _ = event_transition(event=a.event, action="sign", actor=actor, at=now,
                                    data={"assignment": a.pk})
        d = deadline_open(event=event, kind="handle", start=now, subject="")
        Event.objects.filter(pk=event.pk).update(due_at=d.due_at, is_overdue=False)
    else:
        event_note(event=a.event, action="assist_sign", actor=actor, role="department_staff",
                   data={"assignment": a.pk, "department": a.department.name}, at=now)
    return a


@transaction.atomic
def assignment_return(*, assignment: Assignment, actor, reason: str) -> Assignment:
    """退回: a wrong dispatch goes back to the command center with a reason. The lead's return
    sends the whole event back for re-dispatch; an assisting department just leaves."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed("请填写退回原因 / A reason is required.", code="dispatch.reason_required")
    a = _own_assignment(assignment, actor)
    if a.status != AssignmentStatus.DISPATCHED:
        raise Conflict("已签收的任务不能退回 / Only unsigned assignments can be returned.",
                       code="dispatch.not_awaiting_sign")
    now = timezone.now()
    if a.role == AssignmentRole.LEAD:
        # The move first, while the assignment is still open (it is what gives the role).
        event_transition(event=a.event, action="return", actor=actor, comment=reason, at=now,
                         changes={"level": HandlingLevel.TOWN}, data={"assignment": a.pk})
        closing = Assignment.objects.filter(event=a.event, status__in=OPEN_ASSIGNMENT).exclude(pk=a.pk)
    else:
        event_note(event=a.event, action="assist_return", actor=actor, role="department_staff", comment=reason,
                   data={"assignment": a.pk}, at=now)
        closing = Assignment.objects.none()
    a.status, a.returned_at, a.return_reason, a.closed_at = AssignmentStatus.RETURNED, now, reason, now
    a.save(update_fields=["status", "returned_at", "return_reason", "closed_at"])
    deadline_close(event=a.event, kinds=["sign"], subject=f"assignment:{a.pk}", state="cancelled", at=now)
    for other in closing:
        other.status, other.closed_at = AssignmentStatus.WITHDRAWN, now
        other.save(update_fields=["status", "closed_at"])
        deadline_close(event=a.event, kinds=["sign"], subject=f"assignment:{other.pk}", state="cancelled", at=now)
    return a


@transaction.atomic
def extension_request(*, event: Event, actor, requested_due_at: dt.datetime, reason: str) -> ExtensionRequest:
    """延期申请 by the department handling the event."""
    from jiewang.events.lifecycle import Transition

    probe = Transition("request_extension", (), "", frozenset({"department_staff", "community_staff",
                                                                "grid_worker"}), "申请延期")
    role = pick_role(actor, event, probe)
    if not (reason or "").strip():
        raise ValidationFailed("请填写延期理由 / A reason is required.", code="extension.reason_required")
    if event.due_at is None or requested_due_at <= event.due_at:
        raise ValidationFailed("新期限须晚于当前期限 / The new deadline must be later than the current one.",
                               code="extension.not_later")
    if ExtensionRequest.objects.filter(event=event, status=ExtensionStatus.PENDING).exists():
        raise Conflict("已有待审批的延期申请 / An extension request is already pending.", code="extension.pending")
    req = ExtensionRequest.objects.create(event=event, requested_by=actor, requested_due_at=requested_due_at,
                                          reason=reason.strip())
    event_note(event=event, action="extension_request", actor=actor, role=role, comment=reason,
               data={"requested_due_at": requested_due_at.isoformat(), "request": req.pk})
    return req


@transaction.atomic
def extension_decide(*, request: ExtensionRequest, actor, approve: bool, comment: str = "") -> ExtensionRequest:
    """The command center approves (the handling clock moves) or rejects an extension."""
    from jiewang.events.lifecycle import Transition

    req = ExtensionRequest.objects.select_for_update().select_related("event").get(pk=request.pk)
    probe = Transition("decide_extension", (), "", frozenset({"town_operator", "town_leader", "district_admin"}),
                       "审批延期")
    role = pick_role(actor, req.event, probe)
    if req.status != ExtensionStatus.PENDING:
        raise Conflict("该申请已处理 / Already decided.", code="extension.already_decided")
    now = timezone.now()
    req.status = ExtensionStatus.APPROVED if approve else ExtensionStatus.REJECTED
    req.decided_by, req.decided_at, req.decision_comment = actor, now, comment
    req.save()
    if approve:
        event = req.event
        deadline_open(event=event, kind="handle", start=now, due_at=req.requested_due_at, unit="calendar_hours")
        Event.objects.filter(pk=event.pk).update(due_at=req.requested_due_at, is_overdue=False)
    event_note(event=req.event, action="extension_approved" if approve else "extension_rejected", actor=actor,
               role=role, comment=comment, data={"request": req.pk}, at=now)
    return req


def sync_assignments(event: Event, activity) -> None:
    """Keep assignments in step with the event (registered as a transition hook)."""
    now = activity.at
    action = activity.action
    lead = Assignment.objects.filter(event=event, role=AssignmentRole.LEAD).order_by("-dispatched_at").first()
    if lead is None:
        return
    if action == "feedback" and lead.status == AssignmentStatus.SIGNED:
        Assignment.objects.filter(pk=lead.pk).update(status=AssignmentStatus.FEEDBACK, feedback_at=now,
                                                     feedback=activity.comment)
    elif action in ("verify_fail", "redo") and lead.status in (AssignmentStatus.FEEDBACK, AssignmentStatus.DONE):
        Assignment.objects.filter(pk=lead.pk).update(status=AssignmentStatus.SIGNED, closed_at=None)
        Assignment.objects.filter(event=event, role=AssignmentRole.ASSIST, status=AssignmentStatus.DONE) \
            .update(status=AssignmentStatus.SIGNED, closed_at=None)
    elif action in ("verify_pass", "close_on_spot"):
        Assignment.objects.filter(event=event, status__in=OPEN_ASSIGNMENT).update(status=AssignmentStatus.DONE,
                                                                                closed_at=now)


@transaction.atomic
def assignment_dispute(*, assignment: Assignment, actor, reason: str) -> Assignment:
    """争议: a department that signed for an event disputes its responsibility; the command
    center must arbitrate (:func:`event_arbitrate`). The clocks keep running meanwhile."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed("请填写争议理由 / A reason is required.", code="dispatch.reason_required")
    a = _own_assignment(assignment, actor)
    if a.status != AssignmentStatus.SIGNED:
        raise Conflict("只有已签收的任务可以申请仲裁 / Only signed assignments can be disputed.",
                       code="dispatch.not_signed")
    if a.disputed_at is not None and a.arbitrated_at is None:
        raise Conflict("已在仲裁中 / Already awaiting arbitration.", code="dispatch.dispute_pending")
    now = timezone.now()
    a.disputed_at, a.dispute_reason, a.arbitrated_at = now, reason, None
    a.save(update_fields=["disputed_at", "dispute_reason", "arbitrated_at"])
    event_note(event=a.event, action="dispute", actor=actor, role="department_staff", comment=reason,
               data={"assignment": a.pk, "department": a.department.name if a.department_id else None}, at=now)
    from jiewang.notifications.services import notify
    from jiewang.events.notify import users_with_role

    notify(users=users_with_role(a.event, ["town_operator"]), kind="assignment.dispute",
           title=f"部门申请仲裁：{a.event.title}", body=reason, event_number=a.event.number,
           url=f"/events/{a.event.number}/")
    return a


@transaction.atomic
def event_arbitrate(*, event: Event, actor, assignment: Assignment, keep: bool, reason: str,
                    lead: Department | Post | None = None, assists: list[Department] | None = None,
                    expected_version: int | None = None):
    """仲裁: the command center rules on a disputed assignment: ``keep`` the department
    responsible, or redispatch to ``lead`` (and ``assists``)."""
    from jiewang.events.lifecycle import Transition

    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed("请填写仲裁意见 / A ruling is required.", code="dispatch.reason_required")
    a = Assignment.objects.select_for_update().get(pk=assignment.pk)
    if a.event_id != event.pk or a.disputed_at is None or a.arbitrated_at is not None:
        raise Conflict("没有待仲裁的争议 / No dispute awaits arbitration.", code="dispatch.no_dispute")
    now = timezone.now()
    if keep:
        role = pick_role(actor, event, Transition("arbitrate", (), "", frozenset(
            {"town_operator", "town_leader", "district_admin"}), "仲裁"))
        a.arbitrated_at = now
        a.save(update_fields=["arbitrated_at"])
        event_note(event=event, action="arbitrate", actor=actor, role=role, comment=reason, at=now,
                   data={"assignment": a.pk, "ruling": "keep"})
        return [a]
    if lead is None:
        raise ValidationFailed("改派须指定主办 / Name the new lead.", code="dispatch.lead_required")
    made = event_redispatch(event=event, actor=actor, lead=lead, assists=assists, reason=f"仲裁：{reason}",
                            expected_version=expected_version)
    Assignment.objects.filter(pk=a.pk).update(arbitrated_at=now)
    event_note(event=event, action="arbitrate", actor=actor, role="town_operator", comment=reason,
               data={"assignment": a.pk, "ruling": "redispatch", "lead": str(lead)})
    return made
