"""Writing the supervision log: the ladder's rungs (a sweep listener), a 督办 issued by hand to
one handler with a note and a reply deadline (the registry row ``supervise_handler``), and the
untargeted 催办/督办 of dispatching's rows (recorded from their activity)."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from jiewang.audit.services import audit_record
from jiewang.core.errors import ValidationFailed
from jiewang.events.models import Event
from jiewang.events.registry import authorize
from jiewang.events.services.transition import event_note

from ..choices import SupervisionKind, SupervisionSource
from ..models import SupervisionEntry
from ..targets import Target, of_assignment, of_clocks, of_event

# The sweeper's steps (events.services.sweep.LADDER) as entry kinds, with the rung each reaches.
LADDER_STEPS = {"remind": (SupervisionKind.REMIND, 1), "supervise": (SupervisionKind.SUPERVISE, 2),
                "escalate_overdue": (SupervisionKind.ESCALATE, 3)}
# The note of a ladder entry: which clock is overdue.
LADDER_NOTES = {"accept": "受理超期", "sign": "签收超期", "handle": "办理超期", "verify": "核查超期"}


def step_hours() -> float:
    """The time between two rungs (the sweeper's ``SUPERVISION_STEP_HOURS``)."""
    return float(getattr(settings, "SUPERVISION_STEP_HOURS", 4))


def default_reply_due(event: Event, start: dt.datetime) -> dt.datetime:
    """The reply deadline of a 督办 when none is given: the category's ``supervise`` limit (by
    default one working day, ``events.services.clocks.FALLBACK_LIMITS``)."""
    from jiewang.core.worktime import deadline_after
    from jiewang.events.services.clocks import limit_for

    amount, unit = limit_for(event.category, event.urgency, "supervise")
    return deadline_after(start, amount, unit)


def _entry(*, event: Event, target: Target, kind: str, source: str, issued_by, at, note: str,
           reply_due_at, **extra) -> SupervisionEntry:
    return SupervisionEntry(event=event, area_path=event.area_path, town_id=event.town_id, kind=kind,
                            source=source, issued_by=issued_by, issued_at=at, note=note[:2000],
                            reply_due_at=reply_due_at, **target.fields(), **extra)


def on_sweep(rows, step: str, now) -> int:
    """Sweep listener: each clock that reached a rung of the ladder adds one entry, addressed to
    the one the clock waits for. Called once per clock and rung (the sweeper's conditional
    UPDATE); the unique (clock, rung) constraint and the check below keep it once even if not.
    The reply is due when the next rung would fire."""
    if step not in LADDER_STEPS or not rows:
        return 0
    kind, stage = LADDER_STEPS[step]
    done = set(SupervisionEntry.objects.filter(deadline_id__in=[r.id for r in rows], stage=stage)
               .values_list("deadline_id", flat=True))
    rows = [r for r in rows if r.id not in done]
    events = Event.objects.select_related("town").in_bulk({r.event_id for r in rows})
    targets = of_clocks(rows, events)
    due = now + dt.timedelta(hours=step_hours())
    made = [_entry(event=events[r.event_id], target=targets[r.id], kind=kind, source=SupervisionSource.LADDER,
                   issued_by=None, at=now, note=LADDER_NOTES.get(r.kind, r.kind), reply_due_at=due, deadline_id=r.id,
                   stage=stage)
            for r in rows if r.id in targets]
    SupervisionEntry.objects.bulk_create(made)
    return len(made)


def record_untargeted(*, event: Event, activity) -> list[SupervisionEntry]:
    """A 催办/督办 of dispatching's rows (or the warning's conversion), aimed at whoever holds the
    event: one entry per open assignment's handler, or the holding level when none."""
    from jiewang.dispatching.models import OPEN_ASSIGNMENT, Assignment

    holders = [of_assignment(a) for a in Assignment.objects.filter(event=event, status__in=OPEN_ASSIGNMENT)
               .order_by("id")] or [of_event(event, lead_first=False)]
    due = default_reply_due(event, activity.at)
    made = SupervisionEntry.objects.bulk_create([
        _entry(event=event, target=t, kind=activity.action, source=SupervisionSource.MANUAL,
               issued_by=activity.actor, at=activity.at, note=activity.comment, reply_due_at=due)
        for t in holders])
    return made


@transaction.atomic
def supervision_issue(*, actor, event: Event, assignment, note: str, reply_due_at: dt.datetime | None = None
                      ) -> SupervisionEntry:
    """督办 by hand: the command center (commander, deputy, duty leader, operator, town leader, or
    the district) formally supervises the handler of one open ``assignment`` of ``event`` — a
    department, a post, or the area the work was sent down to — with a note and a reply deadline
    (default: the category's supervise limit). The note goes on the timeline, the handler's staff
    (and the board's leaders for a post) are told in their inbox, by SMS when the event is urgent.
    Refused with nothing written: 404 outside scope, 409 when the event or the assignment is no
    longer open, 403 without the role, 422 without a note or with a reply deadline in the past."""
    from jiewang.dispatching.handlers import board_leaders, staff_users
    from jiewang.notifications.services import notify

    locked = Event.objects.select_for_update().select_related("category", "town").get(pk=event.pk)
    role = authorize("supervise_handler", actor=actor, event=locked, subject=assignment)
    note = (note or "").strip()
    if not note:
        raise ValidationFailed("请填写督办意见 / Write what is expected.", code="supervision.note_required",
                               fields={"comment": "required"})
    now = timezone.now()
    if reply_due_at is None:
        reply_due_at = default_reply_due(locked, now)
    elif reply_due_at <= now:
        raise ValidationFailed("回复期限须晚于现在 / The reply deadline must be in the future.",
                               code="supervision.reply_due_past", fields={"reply_due_at": "in the past"})
    target = of_assignment(assignment)
    event_note(event=locked, action="supervise_handler", actor=actor, role=role, comment=note, at=now,
               data={"assignment": assignment.pk, "target": [target.kind, target.pk],
                     "reply_due_at": reply_due_at.isoformat()})
    entry = _entry(event=locked, target=target, kind=SupervisionKind.SUPERVISE, source=SupervisionSource.MANUAL,
                   issued_by=actor, at=now, note=note, reply_due_at=reply_due_at)
    entry.save(force_insert=True)
    users = staff_users([(target.kind, target.pk)])
    if assignment.post_id:
        users += board_leaders([assignment.post_id])
    local = timezone.localtime(reply_due_at)
    notify(users=[u for u in users if actor is None or u.pk != actor.pk], kind="event.supervise",
           title=f"督办：{locked.title}", body=f"{note}（请于 {local:%m-%d %H:%M} 前回复）",
           event_number=locked.number, url=f"/events/{locked.number}/", sms=locked.urgency != "normal")
    audit_record(actor=actor, action="supervision.issue", obj=entry,
                 data={"event": locked.number, "target": [target.kind, target.pk],
                       "reply_due_at": reply_due_at.isoformat()})
    return entry
