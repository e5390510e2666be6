"""The verbs of the closed loop that belong to the event itself: accept, void (and merge),
escalate, handle in the grid or at the level, feed back, verify, shelve, resume, return visit,
rating and redo. Dispatching to departments, whistles and extensions live in
``jiewang.dispatching.services``.

Each verb is one transaction: :func:`~jiewang.events.registry.authorize` (404 outside the
actor's scope, 403 without the role, 409 in the wrong state), then the input's own checks (422),
then ``event_transition`` (status, timestamp, activity) and the clocks it starts and stops.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from jiewang.accounts.choices import Role
from jiewang.core.errors import PermissionDenied, ValidationFailed

from ..choices import EventSource, EventStatus, HandlingLevel, Satisfaction
from ..models import Event
from ..registry import authorize
from .clocks import clock_pause, clock_resume, clock_start, clock_stop
from .transition import event_note, event_transition

NEXT_LEVEL = {
    HandlingLevel.GRID: HandlingLevel.COMMUNITY,
    HandlingLevel.COMMUNITY: HandlingLevel.TOWN,
    HandlingLevel.TOWN: HandlingLevel.DISTRICT,
}


def require_reason(text: str, code: str) -> str:
    text = (text or "").strip()
    if not text:
        raise ValidationFailed("请填写原因 / A reason is required.", code=code, fields={"comment": "required"})
    return text


@transaction.atomic
def event_accept(*, event: Event, actor, comment: str = "", expected_version: int | None = None) -> Event:
    """立案: the level holding the event takes it on; the handling clock starts."""
    role = authorize("accept", actor=actor, event=event)
    now = timezone.now()
    event, _ = event_transition(event=event, action="accept", actor=actor, role=role, comment=comment,
                                expected_version=expected_version, at=now, met=("accept",))
    clock_start(event=event, kind="handle", start=now)
    return event


@transaction.atomic
def event_void(*, event: Event, actor, reason: str, duplicate_of: Event | None = None,
               duplicate_of_number: str | None = None, expected_version: int | None = None) -> Event:
    """作废: invalid, or a duplicate merged into the original (which gains an activity). The
    original is named by ``duplicate_of`` or by its number (looked up in the actor's scope)."""
    role = authorize("void", actor=actor, event=event)
    reason = require_reason(reason, "event.void_reason_required")
    if duplicate_of is None and (duplicate_of_number or "").strip():
        from ..selectors import event_get

        duplicate_of = event_get(user=actor, number=duplicate_of_number.strip()) if actor is not None else \
            Event.objects.get(number=duplicate_of_number.strip())
    changes, data = {}, {}
    if duplicate_of is not None:
        if duplicate_of.pk == event.pk or duplicate_of.duplicate_of_id is not None:
            raise ValidationFailed("不能合并到自身或已合并的事件 / Merge into an original event.",
                                   code="event.merge_invalid")
        if duplicate_of.status == EventStatus.VOIDED:
            raise ValidationFailed("原事件已作废 / The original was voided.", code="event.merge_invalid")
        changes["duplicate_of"] = duplicate_of
        data["duplicate_of"] = duplicate_of.number
    now = timezone.now()
    event, _ = event_transition(event=event, action="void", actor=actor, role=role, comment=reason, data=data,
                                changes=changes, expected_version=expected_version, at=now)
    if duplicate_of is not None:
        event_note(event=duplicate_of, action="merge", actor=actor, role=role,
                   comment=f"合并重复事件 {event.number}", data={"merged": event.number}, at=now)
    return event


@transaction.atomic
def event_escalate(*, event: Event, actor, reason: str, expected_version: int | None = None,
                   at=None, automatic: bool = False) -> Event:
    """上报上级: grid → community → town command center → district. The event waits for
    acceptance at the new level with a fresh accept clock (the clocks of the old level stop).
    ``automatic``: the sweeper escalates an acceptance that came too late (actor None)."""
    role = authorize("escalate", actor=actor, event=event)
    reason = require_reason(reason, "event.escalate_reason_required")
    target = NEXT_LEVEL.get(event.level)
    if target is None:
        raise ValidationFailed("已是最高层级 / Already at the top level.", code="event.no_higher_level")
    now = at or timezone.now()
    data = {"from_level": event.level, "to_level": target}
    if automatic:
        data["automatic"] = True
    event, _ = event_transition(event=event, action="escalate", actor=actor, role=role, comment=reason, data=data,
                                changes={"level": target, "escalation_count": event.escalation_count + 1},
                                expected_version=expected_version, at=now)
    clock_stop(event=event, kinds=["accept", "handle", "verify"], state="cancelled", at=now)
    clock_start(event=event, kind="accept", start=now)
    return event


@transaction.atomic
def event_self_handle(*, event: Event, actor, comment: str = "", expected_version: int | None = None) -> Event:
    """网格自办: the grid worker takes a grid-level event on himself."""
    role = authorize("self_handle", actor=actor, event=event)
    if not event.category.grid_may_self_handle:
        raise ValidationFailed("该类事项不能由网格自办 / This category cannot be handled by the grid itself.",
                               code="event.self_handle_not_allowed")
    now = timezone.now()
    event, _ = event_transition(event=event, action="self_handle", actor=actor, role=role, comment=comment,
                                expected_version=expected_version, at=now, changes={"accepted_at": now},
                                met=("accept",))
    clock_start(event=event, kind="handle", start=now)
    return event


@transaction.atomic
def event_handle_locally(*, event: Event, actor, comment: str = "", expected_version: int | None = None) -> Event:
    """本级办理: the community (or the town's board post) handles an accepted event itself."""
    role = authorize("handle_locally", actor=actor, event=event)
    event, _ = event_transition(event=event, action="handle_locally", actor=actor, role=role, comment=comment,
                                expected_version=expected_version)
    return event


@transaction.atomic
def event_feedback(*, event: Event, actor, comment: str, expected_version: int | None = None,
                   data: dict | None = None, checked: list[int] | None = None) -> Event:
    """办结反馈: the handler says it is done; verification on site is due next. A task sent down
    ticks the ``checked`` items of its checklist (recorded on the timeline)."""
    role = authorize("feedback", actor=actor, event=event)
    comment = require_reason(comment, "event.feedback_required")
    now = timezone.now()
    if checked:
        from .tasks import checklist_tick

        data = {**(data or {}), "checklist": checklist_tick(event=event, actor=actor, item_ids=checked, at=now)}
    event, _ = event_transition(event=event, action="feedback", actor=actor, role=role, comment=comment, data=data,
                                expected_version=expected_version, at=now, met=("handle",))
    clock_start(event=event, kind="verify", start=now)
    return event


@transaction.atomic
def event_close_on_spot(*, event: Event, actor, comment: str, expected_version: int | None = None) -> Event:
    """就地办结: a grid worker who handled the event himself closes it (with after photos)."""
    role = authorize("close_on_spot", actor=actor, event=event)
    comment = require_reason(comment, "event.feedback_required")
    now = timezone.now()
    event, _ = event_transition(event=event, action="close_on_spot", actor=actor, role=role, comment=comment,
                                expected_version=expected_version, at=now, changes={"feedback_at": now},
                                met=("handle",))
    clock_start(event=event, kind="rate", start=now)
    return event


# The roles that may verify other events but not a task sent down to their own area.
TASK_VERIFY_REFUSED = frozenset({Role.GRID_WORKER, Role.COMMUNITY_STAFF})


@transaction.atomic
def event_verify(*, event: Event, actor, passed: bool, comment: str = "",
                 expected_version: int | None = None) -> Event:
    """核查: on-site verification of the handler's result; a failure sends it back for rework. A
    task sent down (交办) is verified by the side that sent it: the area's own staff may not
    (403 ``task.verify_by_sender``)."""
    role = authorize("verify", actor=actor, event=event)
    if event.source == EventSource.SENT_DOWN and role in TASK_VERIFY_REFUSED:
        raise PermissionDenied("交办任务由交办方核查 / A task sent down is verified by its sender.",
                               code="task.verify_by_sender")
    now = timezone.now()
    if passed:
        event, _ = event_transition(event=event, action="verify_pass", actor=actor, role=role, comment=comment,
                                    expected_version=expected_version, at=now, met=("verify",))
        clock_start(event=event, kind="rate", start=now)
        return event
    comment = require_reason(comment, "event.verify_reason_required")
    event, _ = event_transition(event=event, action="verify_fail", actor=actor, role=role, comment=comment,
                                expected_version=expected_version, at=now,
                                changes={"rework_count": event.rework_count + 1}, met=("verify",))
    clock_start(event=event, kind="handle", start=now)
    return event


@transaction.atomic
def event_shelve(*, event: Event, actor, reason: str, expected_version: int | None = None) -> Event:
    """挂账: long-term work kept in the problem pool; its clocks pause (each keeps what it had left)."""
    role = authorize("shelve", actor=actor, event=event)
    reason = require_reason(reason, "event.shelve_reason_required")
    now = timezone.now()
    event, _ = event_transition(event=event, action="shelve", actor=actor, role=role, comment=reason,
                                expected_version=expected_version, at=now)
    clock_pause(event=event, at=now)
    return event


@transaction.atomic
def event_resume(*, event: Event, actor, comment: str = "", expected_version: int | None = None) -> Event:
    """恢复办理: a shelved event is handled again; its paused clocks run on (a handling clock is
    started if it had none)."""
    role = authorize("resume", actor=actor, event=event)
    now = timezone.now()
    event, _ = event_transition(event=event, action="resume", actor=actor, role=role, comment=comment,
                                expected_version=expected_version, at=now)
    resumed = clock_resume(event=event, at=now)
    if not any(d.kind == "handle" and not d.subject_type for d in resumed):
        clock_start(event=event, kind="handle", start=now)
    return event


@transaction.atomic
def event_return_visit(*, event: Event, actor, contacted: bool, resolved: bool | None, satisfaction: str,
                       comment: str = "", expected_version: int | None = None) -> Event:
    """回访: the return visit records contacted / resolved / satisfaction (the 12345 "三率"
    inputs). 不满意 sends the event back for redo."""
    role = authorize("visit", actor=actor, event=event)
    if satisfaction not in Satisfaction.values and contacted:
        raise ValidationFailed("满意度无效 / Invalid satisfaction.", code="event.satisfaction_invalid")
    return _rate(event=event, actor=actor, role=role, action="visit", contacted=contacted, resolved=resolved,
                 satisfaction=satisfaction if contacted else "", comment=comment,
                 expected_version=expected_version)


@transaction.atomic
def event_rate(*, event: Event, actor, satisfaction: str, comment: str = "",
               expected_version: int | None = None) -> Event:
    """The reporter's own rating online (``actor`` None: an anonymous reporter proven by the
    tracking token, see :mod:`.public`)."""
    role = authorize("rate", actor=actor, event=event)
    if actor is None:
        role = "reporter"  # the anonymous reporter, proven by the tracking token (not the system)
    if satisfaction not in Satisfaction.values:
        raise ValidationFailed("满意度无效 / Invalid satisfaction.", code="event.satisfaction_invalid")
    return _rate(event=event, actor=actor, role=role, action="rate", contacted=True, resolved=None,
                 satisfaction=satisfaction, comment=comment, expected_version=expected_version)


def _rate(*, event, actor, role, action, contacted, resolved, satisfaction, comment, expected_version) -> Event:
    now = timezone.now()
    changes = {"contacted": contacted, "resolved": resolved, "satisfaction": satisfaction}
    event, _ = event_transition(event=event, action=action, actor=actor, role=role, comment=comment,
                                data=dict(changes), changes=changes, expected_version=expected_version, at=now,
                                met=("rate",))
    if satisfaction == Satisfaction.DISSATISFIED:
        event, _ = event_transition(event=event, action="redo", actor=None, role="system", comment="不满意，退回重办",
                                    changes={"rework_count": event.rework_count + 1}, at=now)
        clock_start(event=event, kind="handle", start=now)
    return event
